"""The « Tableau de bord » on the 300 000-beneficiary demo: from the click to the figures and
charts painted (issue #13 target: under 500 ms).

    .venv/bin/python bench/dashboard.py [--db PATH] [--beneficiaries 300000] [--runs 3]

Uses the demo of bench/stats.py (``<tmp>/pack-sortie-bench/demo-<n>k.sqlite``, built once
with ``main.py demo --seed 2017``, about a minute) unless ``--db`` is given. Each run is a
fresh process (offscreen Qt), as a user finds the application: the main window is built on
the base and the start-up's deferred imports done (app.ui.application's preloaded
services and screens); then the clock starts, the dashboard is opened as the toolbar
button does (``MainWindow.show_dashboard``: its module, QtSvg and ReportLab's graphics are
imported then, the figures computed in a worker), and stops once they are on screen and
painted (``DashboardTab.loaded``, then a synchronous repaint). In the same process the
bench then times a change of year and a change of office (same path: worker, figures,
charts). Prints one JSON object; the figures of the first show are the median of ``--runs``
processes. Wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MS = 500

CHILD = r"""
import json, sys, time
from PySide6.QtWidgets import QApplication

app = QApplication([])
from app.services.actor import current_actor
from app.services.schema import open_database
from app.ui import application
from app.ui.main_window import MainWindow

db = open_database(sys.argv[1])
window = MainWindow(db, current_actor(db))
window.resize(1400, 900)
window.show()
app.processEvents()
application._import_all(application.PRELOADED_SERVICES + application.PRELOADED_SCREENS)
app.processEvents()
before = set(sys.modules)


def shown(view, start):
    done = []
    view.loaded.connect(lambda: done.append(time.perf_counter()))
    while not done:
        app.processEvents()
    view.repaint()
    return round((time.perf_counter() - start) * 1000, 1)


start = time.perf_counter()
view = window.show_dashboard()
first = shown(view, start)
heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("reportlab", "PySide6"))
reloads = {}
for label, change in (
    ("year", lambda: view.select_year(view.period_combo.itemData(1))),
    ("office", lambda: view.office_combo.setCurrentIndex(1)),
    ("back", lambda: (view.select_year(view.period_combo.itemData(0)),
                      view.office_combo.setCurrentIndex(0))),
):
    start = time.perf_counter()
    change()
    reloads[label] = shown(view, start)
print(json.dumps({"first_ms": first, "reload_ms": reloads, "imported": heavy,
                  "figures_ms": round(view.load_seconds * 1000, 1)}))
"""


def run_child(db: Path) -> dict:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PACK_SORTIE_HOME": tempfile.mkdtemp(prefix="pack-sortie-dash-"),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the dashboard run failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="base to use (default: the bench's demo)")
    parser.add_argument("--beneficiaries", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.db is None:
        sys.path.insert(0, str(ROOT / "bench"))
        from stats import ensure_demo  # the demo bench/stats.py builds and keeps

        args.db = ensure_demo(args.beneficiaries)
    runs = [run_child(args.db) for _ in range(args.runs)]
    firsts = [r["first_ms"] for r in runs]
    result = {
        "db": str(args.db),
        "first_show_ms": {
            "median": statistics.median(firsts),
            "max": max(firsts),
            "runs": firsts,
        },
        "figures_in_worker_ms": statistics.median(r["figures_ms"] for r in runs),
        "reload_ms": {
            key: statistics.median(r["reload_ms"][key] for r in runs)
            for key in runs[0]["reload_ms"]
        },
        "imported_on_first_show": runs[0]["imported"],
        "target_ms": TARGET_MS,
        "ok": statistics.median(firsts) < TARGET_MS,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
