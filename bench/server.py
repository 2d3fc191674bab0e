"""The département server against the office file: one JSON object.

    .venv/bin/python bench/server.py --url postgresql+psycopg://USER@HOST:PORT/BASE
        [--compare-index]

The 300 000-beneficiary demo of bench/bench.py (built if missing under bench/out/) is moved
onto the server base given (which must be empty or already hold that copy), then the same
measures run on both: search keystrokes p50/p95 through the real list (targets: server p95
≤ 50 ms) and a case opened with its tabs and timeline (target ≤ 80 ms). ``--compare-index``
also times the server's search without its trigram index (dropped, then made again), which
is how the index was chosen. Wall-clock on a shared machine: run it twice.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import case_detail, ensure_demo, keystrokes  # bench/bench.py

TRIGRAM = "ix_beneficiary_search_trgm"


def moved_onto(url: str, source: Path) -> dict:
    """Copy the demo onto the server unless it is there already; how long it took."""
    from app.services.schema import open_server, open_sqlite
    from app.services.server_move import move_to_server

    target = open_server(url)
    try:
        if target.rows("SELECT count(*) FROM beneficiary")[0][0]:
            return {"moved": "already on the server"}
        office = open_sqlite(source)
        try:
            t0 = time.perf_counter()
            report = move_to_server(office, target)
            return {
                "move_s": round(time.perf_counter() - t0, 1),
                "rows": sum(t.target for t in report.tables),
                "verified": report.ok,
            }
        finally:
            office.dispose()
    finally:
        target.dispose()


def analyse(url: str, *statements: str) -> None:
    """Statements outside the app's transactions (ANALYZE, index changes)."""
    import psycopg

    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        for statement in statements:
            c.execute(statement)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="an empty PostgreSQL base, or this bench's")
    parser.add_argument("--compare-index", action="store_true")
    args = parser.parse_args()
    db300 = ensure_demo(300_000)
    result: dict = {"move": moved_onto(args.url, db300)}
    analyse(args.url, "ANALYZE")
    result["sqlite_300k"] = {
        "search": keystrokes(db300),  # type: ignore[arg-type]
        "case_detail": case_detail(db300),
    }
    result["server_300k"] = {
        "search": {**keystrokes(args.url), "target_p95_ms": 50},  # type: ignore[arg-type]
        "case_detail": {**case_detail(args.url), "target_p95_ms": 80},  # type: ignore[arg-type]
    }
    if args.compare_index:
        analyse(args.url, f"DROP INDEX {TRIGRAM}")
        try:
            result["server_300k_without_trigram"] = keystrokes(args.url)  # type: ignore[arg-type]
        finally:
            analyse(
                args.url,
                f"CREATE INDEX {TRIGRAM} ON beneficiary USING gin (search_text gin_trgm_ops)",
                "ANALYZE beneficiary",
            )
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
