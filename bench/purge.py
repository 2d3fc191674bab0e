"""The retention purge's dry run over the 300 000-beneficiary demo (target, #14: under 10 s).

    .venv/bin/python bench/purge.py [--db DEMO.sqlite] [--runs 3]

Works on a COPY of the demo (bench/out/demo-300k.sqlite by default, else the cached
/tmp/pack-sortie-bench/demo-300k.sqlite; built with ``main.py demo --beneficiaries 300000``
when neither exists), migrated to the current schema before timing: the copy is where the
dry run's own access-log entry is written, never the cached demo. Times, in this process,
``retention.plan_purge`` (the last-contact aggregates, the candidates, their cases and
letters) and the writing of its report. Prints one JSON object. Wall-clock on a shared
machine: read the spread of the runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHED = Path("/tmp/pack-sortie-bench/demo-300k.sqlite")


def source(given: str | None) -> Path:
    if given:
        return Path(given)
    for path in (ROOT / "bench" / "out" / "demo-300k.sqlite", CACHED):
        if path.exists():
            return path
    path = ROOT / "bench" / "out" / "demo-300k.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "demo", "--db", str(path)]
        + ["--beneficiaries", "300000", "--seed", "2017"],
        check=True,
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="demo base to copy (never modified)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from app.models import User
    from app.services import retention
    from app.services.actor import actor_from_user
    from app.services.schema import open_sqlite

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "demo.sqlite"
        shutil.copyfile(source(args.db), copy)
        t0 = time.perf_counter()
        db = open_sqlite(copy)  # backup + migration to head, outside the timings
        migrate_s = time.perf_counter() - t0
        with db.write() as s:
            admin = User(first_name="Bench", last_name="Admin", os_login="bench", is_admin=True)
            s.add(admin)
        actor = actor_from_user(admin, "BENCH")
        times, plan = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            plan = retention.plan_purge(db, actor)
            retention.write_report(
                Path(tmp) / "simulation.txt", retention.report_text(plan, done=False)
            )
            times.append(time.perf_counter() - t0)
        db.dispose()
    assert plan is not None
    print(
        json.dumps(
            {
                "open_and_migrate_s": round(migrate_s, 2),
                "dry_run_s": [round(t, 2) for t in times],
                "dry_run_median_s": round(statistics.median(times), 2),
                "target_s": 10,
                "candidates": len(plan.candidates),
                "kept_open": plan.kept_open,
                "letters": plan.documents,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
