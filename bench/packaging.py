"""Size and start-up time of the frozen application (dist/PackSortie), as JSON.

    installer/build.sh && .venv/bin/python bench/packaging.py [--runs 5] [--dist dist/PackSortie]

Start-up is the wall time of ``PackSortie --version`` (bootloader + Python + argparse), of
``PackSortie self-test`` (database, migrations, Qt, main window), measured with
time.perf_counter around subprocess.run, and of the GUI on a 30 000-beneficiary demo
database (``--db``, else bench/out/demo-30k.sqlite, else one built with the frozen ``demo``
command): from the spawn to the log line of the main window's first paint with its list,
and to the one saying the start-up work deferred after it is done. The median of
``--runs`` runs is reported, with the first run apart. ``--drop-caches`` (Linux, root)
empties the page cache before every run: a true cold start, as after a reboot.
Target: onedir <= 130 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 130


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def drop_page_cache() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def timed_runs(
    command: list[str], runs: int, env: dict[str, str], *, cold: bool = False
) -> dict[str, float]:
    times = []
    for _ in range(runs):
        if cold:
            drop_page_cache()
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"{' '.join(command)} failed with exit code {done.returncode}")
    return {
        "median_s": round(statistics.median(times), 3),
        "first_s": round(times[0], 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs": runs,
    }


PAINTED = "Main window painted"
SETTLED = "Start-up complete"


def gui_runs(exe: Path, db: Path, runs: int, env: dict[str, str], *, cold: bool) -> dict:
    """Spawn the GUI on ``db``, time the log lines of its first paint and of the end of the
    deferred start-up work, then close it. Each run has a home of its own (fresh config)."""
    painted, settled = [], []
    for _ in range(runs):
        if cold:
            drop_page_cache()
        with tempfile.TemporaryDirectory(prefix="pack-sortie-gui-") as home:
            log_file = Path(home) / "logs" / "pack-sortie.log"
            start = time.perf_counter()
            process = subprocess.Popen(
                [str(exe), "--db", str(db)],
                env={**env, "PACK_SORTIE_HOME": home},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                marks: dict[str, float] = {}
                while SETTLED not in marks:
                    if process.poll() is not None or time.perf_counter() - start > 60:
                        raise SystemExit(f"the GUI did not start on {db} (see {log_file})")
                    text = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
                    for mark in (PAINTED, SETTLED):
                        if mark in text and mark not in marks:
                            marks[mark] = time.perf_counter() - start
                    time.sleep(0.002)
            finally:
                process.terminate()
                process.wait(timeout=30)
        painted.append(marks[PAINTED])
        settled.append(marks[SETTLED])
    return {
        "list_painted_median_s": round(statistics.median(painted), 3),
        "list_painted_first_s": round(painted[0], 3),
        "settled_median_s": round(statistics.median(settled), 3),
        "runs": runs,
    }


def demo_database(exe: Path, given: Path | None, env: dict[str, str], folder: Path) -> Path:
    if given is not None:
        return given
    prebuilt = ROOT / "bench" / "out" / "demo-30k.sqlite"
    if prebuilt.exists():
        return prebuilt
    path = folder / "demo-30k.sqlite"
    subprocess.run(
        [str(exe), "demo", "--db", str(path), "--beneficiaries", "30000"],
        env=env,
        check=True,
        capture_output=True,
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / "PackSortie")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="database the GUI opens (30 000 demo by default)")
    parser.add_argument(
        "--drop-caches", action="store_true", help="cold starts (Linux, root): empty the page cache"
    )
    args = parser.parse_args(argv)

    exe = args.dist / ("PackSortie.exe" if sys.platform == "win32" else "PackSortie")
    if not exe.exists():
        print(f"{exe} not found: build it first (installer/build.sh)", file=sys.stderr)
        return 2
    size, files = folder_size(args.dist)
    with tempfile.TemporaryDirectory(prefix="pack-sortie-bench-") as home:
        env = dict(os.environ, PACK_SORTIE_HOME=home)  # logs of the runs go there
        if sys.platform.startswith("linux"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        if args.drop_caches:
            try:
                drop_page_cache()
            except OSError as exc:
                print(f"--drop-caches needs Linux and root: {exc}", file=sys.stderr)
                return 2
        cold = args.drop_caches
        version = timed_runs([str(exe), "--version"], args.runs, env, cold=cold)
        self_test = timed_runs([str(exe), "self-test"], args.runs, env, cold=cold)
        db = demo_database(exe, args.db, env, Path(home))
        gui = gui_runs(exe, db, args.runs, env, cold=cold)
    size_mb = round(size / 1_000_000, 1)
    print(
        json.dumps(
            {
                "platform": f"{platform.system()} {platform.machine()}",
                "onedir": str(args.dist),
                "onedir_size_mb": size_mb,
                "onedir_size_mib": round(size / 2**20, 1),
                "onedir_files": files,
                "page_cache": "dropped before each run" if args.drop_caches else "warm",
                "size_target_mb": TARGET_MB,
                "size_ok": size_mb <= TARGET_MB,
                "start_version": version,
                "start_self_test": self_test,
                "start_gui": {"database": str(db), **gui},
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
