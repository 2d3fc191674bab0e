"""bench/torture.py, short: two workstations on one demo base for a few seconds, killed at
random, and nothing lost, given twice or overdrawn."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_short_torture_run_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "torture.json"
    command = [
        sys.executable,
        str(ROOT / "bench" / "torture.py"),
        *("--workers", "2", "--seconds", "6", "--kill-every", "2", "--seed", "7"),
        *("--beneficiaries", "300", "--json-out", str(out)),
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    # A watchdog rather than communicate(timeout=): subprocess's timed wait calls time.sleep,
    # which fails under the libfaketime that runs the suite at other dates (.ci/run).
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        stdout, stderr = proc.communicate()
    finally:
        watchdog.cancel()
    assert stdout.lstrip().startswith("{"), stderr[-3000:]
    report = json.loads(stdout)
    assert report == json.loads(out.read_text(encoding="utf-8"))
    for key in (
        "actions",
        "actions_by_kind",
        "kills",
        "overruns",
        "lost_updates",
        "duplicates",
        "busy_errors",
        "integrity",
        "latency_ms",
        "ok",
    ):
        assert key in report, key
    assert set(report["latency_ms"]) >= {"p50", "p99"}
    summary = {k: report[k] for k in ("lost_samples", "duplicate_samples", "overrun_samples")}
    assert report["integrity"] == "ok", report["integrity"]
    assert report["lost_updates"] == 0, summary
    assert report["duplicates"] == 0, summary
    assert report["overruns"] == 0, summary
    assert report["unexpected_errors"] == 0, report["error_samples"]
    assert report["station_crashes"] == 0, report["crash_samples"]
    assert report["kills"] >= 1
    assert report["actions"] > 0
    assert report["latency_ms"]["p50"] > 0
    assert isinstance(report["busy_errors"], int)
    assert report["ok"] is True
    assert proc.returncode == 0, stderr[-2000:]
