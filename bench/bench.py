"""Pack Sortie benchmark: prints one JSON object.

    .venv/bin/python bench/bench.py [--quick]

Measures, on demo databases built if missing under bench/out/ (30 000 and 300 000
beneficiaries, seed 2017):
- cold start to the list shown with 30k, in a fresh process, against a bare PySide6
  window started the same way in the same run (target: ≤ 2 × bare): the GUI's own start
  path (application.start), timed to the window's first paint with its first page of
  rows; "settled" adds the work deferred after that paint (case states, ORM, screens).
  The application's modules are byte-compiled first, as they are once installed;
- search keystroke latency (typing names letter by letter, CAF numbers, communes)
  p50/p95 at 30k and 300k (targets 30 ms / 100 ms), query and first page in the model;
- opening a case detail with its timeline, p95 on the 30k demo (target 80 ms);
- peak RSS of the cold-start process and of this process after the 300k searches
  (target 250 MB).
Timings are wall-clock on a shared machine: run it twice and read the spread.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TYPING = [
    "l",
    "le",
    "lef",
    "lefe",
    "lefev",
    "lefevr",
    "m",
    "ma",
    "mar",
    "mart",
    "marti",
    "martin",
    "martin h",
    "martin he",
    "n",
    "ng",
    "ngu",
    "nguy",
    "b",
    "be",
    "ben",
    "ben s",
    "d",
    "da",
    "da s",
    "da si",
    "e",
    "ev",
    "evr",
    "evry",
    "m",
    "mas",
    "mass",
    "massy",
    "9",
    "91",
    "913",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "helene",
    "zoe",
    "francois",
    "noemie l",
    "anais d",
    "jerome",
    "ma",
    "mae",
    "mael",
    "ndiaye",
    "le gall",
    "dubois m",
    "grigny",
    "etampes",
    "les ulis",
    "draveil",
    "y",
    "ya",
]


def ensure_demo(n: int) -> Path:
    """Build (or migrate) the demo in a child process, so its memory is not counted here."""
    path = OUT / f"demo-{n // 1000}k.sqlite"
    OUT.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "demo",
                "--db",
                str(path),
                "--beneficiaries",
                str(n),
                "--seed",
                "2017",
            ],
            check=True,
        )
    else:  # bring an older demo to the current schema (backup + migrate) before timing
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from app.services.schema import open_sqlite; "
                "open_sqlite(Path(sys.argv[1])).dispose()",
                str(path),
            ],
            check=True,
            cwd=ROOT,
        )
    return path


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would include the parent's peak before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


# --- probes run in a fresh process ---------------------------------------------------------
def wait_first_paint(app, window) -> tuple[float, float]:
    """Process events until ``window`` is painted; (perf_counter, clock time) of that paint."""
    from PySide6.QtCore import QEvent, QObject

    painted: list[tuple[float, float]] = []

    class Watch(QObject):
        def eventFilter(self, _watched, event):
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append((time.perf_counter(), time.time()))
            return False

    watch = Watch()
    window.installEventFilter(watch)
    window.show()
    while not painted:
        app.processEvents()
    window.removeEventFilter(watch)
    return painted[0]


def probe_bare() -> None:
    start = time.perf_counter()
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([])
    window = QMainWindow()
    window.resize(1200, 760)
    shown, shown_at = wait_first_paint(app, window)
    print(
        json.dumps(
            {
                "shown_at": shown_at,
                "ready_ms": (shown - start) * 1000,
                "rss_mb": peak_rss_mb(),
            }
        )
    )


def probe_app(db_path: str) -> None:
    """The GUI's own start path (app.cli → run_gui) up to the first paint of the list, then
    on until the work deferred after it (case states, preloaded screens) is done."""
    start = time.perf_counter()
    from app.logs import setup_logging
    from app.ui import application

    setup_logging(verbose=False, to_stderr=False)
    app = application.create_application([])
    sys.excepthook = application.excepthook
    window = application.start(db_path)  # shows the window
    shown, shown_at = wait_first_paint(app, window)
    rows = window.beneficiary_list.model.rowCount()
    orm_at_first_paint = "sqlalchemy" in sys.modules
    # The longest the event loop was held (no input handled) while the rest loads.
    stall, last = 0.0, time.perf_counter()
    while not all(m in sys.modules for m in application.PRELOADED_SCREENS):
        app.processEvents()
        now = time.perf_counter()
        stall, last = max(stall, now - last), now
        time.sleep(0.001)
        last += 0.001
    settled = time.perf_counter()
    print(
        json.dumps(
            {
                "shown_at": shown_at,
                "ready_ms": (shown - start) * 1000,
                "settled_ms": (settled - start) * 1000,
                "longest_freeze_while_settling_ms": stall * 1000,
                "rows": rows,
                "orm_loaded_at_first_paint": orm_at_first_paint,
                "rss_mb": peak_rss_mb(),
            }
        )
    )


def run_probe(args: list[str], runs: int) -> dict:
    """Median over ``runs`` fresh processes. Wall time: from spawning the process to the
    first paint (``shown_at``, the child's clock time); ``settled``: in the child, from its
    first import until the work deferred after the first paint is done."""
    walls, inner, settled, freezes, rss, extra = [], [], [], [], [], {}
    with tempfile.TemporaryDirectory(prefix="pack-sortie-bench-") as home:
        for _ in range(runs):
            t0 = time.time()
            out = subprocess.run(
                [sys.executable, __file__, *args],
                capture_output=True,
                text=True,
                check=True,
                # A home of its own: the start remembers the database in the config.
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PACK_SORTIE_HOME": home},
            )
            data = json.loads(out.stdout.strip().splitlines()[-1])
            inner.append(data["ready_ms"])
            walls.append((data["shown_at"] - t0) * 1000)
            settled.append(data.get("settled_ms", data["ready_ms"]))
            rss.append(data["rss_mb"])
            freezes.append(data.get("longest_freeze_while_settling_ms", 0.0))
            extra = {k: v for k, v in data.items() if k in ("rows", "orm_loaded_at_first_paint")}
    return {
        "wall_ms_median": round(statistics.median(walls), 1),
        "in_process_ms_median": round(statistics.median(inner), 1),
        "settled_in_process_ms_median": round(statistics.median(settled), 1),
        "longest_freeze_while_settling_ms_max": round(max(freezes), 1),
        "rss_mb": round(max(rss), 1),
        **extra,
    }


# --- in-process measures -------------------------------------------------------------------
def keystrokes(db_path: Path) -> dict:
    from PySide6.QtWidgets import QApplication

    from app.services.schema import open_database
    from app.ui.beneficiary_list import BeneficiaryList

    app = QApplication.instance() or QApplication([])
    db = open_database(db_path)
    view = BeneficiaryList(db)
    view.show()
    app.processEvents()
    times = []
    for text in TYPING * 2:
        t0 = time.perf_counter()
        view.set_search_text(text, immediate=True)
        view.model.rowCount()
        times.append((time.perf_counter() - t0) * 1000)
        app.processEvents()
    view.close()
    db.dispose()
    return {
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        "max_ms": pct(times, 1),
        "keystrokes": len(times),
    }


def case_detail(db_path: Path) -> dict:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from app.models import Case
    from app.services.actor import current_actor
    from app.services.schema import open_database

    app = QApplication.instance() or QApplication([])
    db = open_database(db_path)
    actor = current_actor(db)
    with db.read() as s:
        ids = s.scalars(select(Case.id).order_by(Case.reference).limit(60)).all()
    if not ids:
        return {"skipped": "no case in the demo database"}
    try:
        from app.ui.case_view import CaseView

        def open_one(case_id):
            view = CaseView(db, actor, case_id)
            view.resize(1200, 800)
            view.show()
            app.processEvents()
            return view

        what = "CaseView"
    except ImportError:
        from app.services.case_view import load_case
        from app.ui.timeline import AidTimeline

        def open_one(case_id):
            view = AidTimeline()
            view.resize(1200, 220)
            view.set_case(load_case(db, case_id, actor))
            view.show()
            app.processEvents()
            return view

        what = "load_case + AidTimeline"
    times = []
    for case_id in ids:
        t0 = time.perf_counter()
        view = open_one(case_id)
        times.append((time.perf_counter() - t0) * 1000)
        view.close()
        view.deleteLater()
        # processEvents() leaves deferred deletions to the event loop, which never runs here.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    db.dispose()
    return {
        "what": what,
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        "cases": len(times),
    }


def search_in_child(db_path: Path) -> dict:
    """Keystrokes in a fresh process: its peak RSS is the application's, list included."""
    out = subprocess.run(
        [sys.executable, __file__, "--probe", "search", "--db", str(db_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def letters(db_path: Path, count: int) -> dict:
    """One attribution letter generated + signed (median), and ``count`` of them in a row,
    on a copy of the demo with a throw-away certificate; the signer is loaded once."""
    import shutil
    import tempfile

    from sqlalchemy import select

    from app.models import Decision
    from app.models.enums import DocumentKind
    from app.selftest_steps import throwaway_pkcs12 as _throwaway_pkcs12
    from app.services.actor import current_actor
    from app.services.documents import produce_document
    from app.services.schema import open_database
    from app.services.signing import SignerProfile, load_signer

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.sqlite"
        shutil.copyfile(db_path, copy)
        db = open_database(copy)
        actor = current_actor(db)
        with db.read() as s:
            cases = s.scalars(
                select(Decision.case_id)
                .where(Decision.kind == "grant")
                .order_by(Decision.number)
                .limit(count)
            ).all()
        passphrase = "bench-passphrase"
        # Letters are signed only with the certificate of the person they name.
        p12, _cert = _throwaway_pkcs12(Path(tmp), passphrase, actor.display)
        t0 = time.perf_counter()
        signer = load_signer(SignerProfile(p12, actor.display, "Responsable de MDS"), passphrase)
        load_ms = (time.perf_counter() - t0) * 1000
        times = []
        t_all = time.perf_counter()
        for case_id in cases:
            t0 = time.perf_counter()
            produce_document(db, actor, case_id, DocumentKind.GRANT_LETTER, signer=signer)
            times.append((time.perf_counter() - t0) * 1000)
        total_s = time.perf_counter() - t_all
        db.dispose()
    return {
        "letters": len(times),
        "load_signer_ms": round(load_ms, 1),
        "first_ms": round(times[0], 1),
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        "total_s": round(total_s, 1),
        "target_one_ms": 150,
        "target_500_s": 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--probe", choices=["bare", "app", "search"])
    parser.add_argument("--db")
    parser.add_argument("--quick", action="store_true", help="skip the 300k database")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.probe == "bare":
        return probe_bare()
    if args.probe == "app":
        return probe_app(args.db)
    if args.probe == "search":
        return print(json.dumps({**keystrokes(Path(args.db)), "rss_mb": peak_rss_mb()}))
    db30 = ensure_demo(30_000)
    compileall.compile_dir(ROOT / "app", quiet=1)  # installed apps run from bytecode
    bare = run_probe(["--probe", "bare"], args.runs)
    app_start = run_probe(["--probe", "app", "--db", str(db30)], args.runs)
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(),
        },
        "cold_start": {
            "bare_pyside6": bare,
            "app_30k": app_start,
            "ratio": round(app_start["wall_ms_median"] / bare["wall_ms_median"], 2),
            "target_ratio": 2.0,
        },
        "search_30k": {**search_in_child(db30), "target_p95_ms": 30},
        "case_detail_30k": {**case_detail(db30), "target_p95_ms": 80},
        "signed_letters_30k": letters(db30, 500),
    }
    if not args.quick:
        db300 = ensure_demo(300_000)
        result["search_300k"] = {**search_in_child(db300), "target_p95_ms": 100}
    result["rss_mb_bench_process"] = peak_rss_mb()  # 60 case views + 500 letters: not the app
    result["rss_target_mb"] = 250
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
