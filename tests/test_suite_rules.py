"""Rules the suite keeps so that it passes on any machine and at any date (.ci/run)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sleeps_in(path: Path) -> list[int]:
    """Lines of ``path`` that call ``time.sleep`` or import ``sleep`` from ``time``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "sleep"
            and isinstance(node.value, ast.Name)
            and node.value.id == "time"
        ):
            found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            found.extend(node.lineno for alias in node.names if alias.name == "sleep")
    return found


def test_sleeps_in_finds_both_spellings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom time import sleep\ntime.sleep(1)\nsleep(1)\n")
    assert sorted(sleeps_in(sample)) == [2, 3]


def test_no_time_sleep_where_the_suite_runs_under_libfaketime():
    """CI runs the non-UI tests under libfaketime, where ``time.sleep`` fails with EINVAL:
    tests wait with ``tests.clock.pause`` and the application never sleeps that way."""
    files = [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("tests").glob("*.py")]
    offenders = {str(path.relative_to(ROOT)): lines for path in files if (lines := sleeps_in(path))}
    assert offenders == {}
