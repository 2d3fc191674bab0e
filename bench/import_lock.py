"""How long an import holds the base, and how long another station waits meanwhile.

    .venv/bin/python bench/import_lock.py [--lines 50000] [--existing 20000]

Builds a base holding ``--existing`` beneficiaries and a CSV extract of ``--lines`` lines
(one in five updates a known person, the rest are new), then imports it while another
process plays a station saving small changes every 50 ms (``BEGIN IMMEDIATE`` … commit,
the app's write path). Prints one JSON object: the import's wall time, and the other
station's waits (p50, p99, max, in ms). Targets (#11): 50 000 lines in ≤ 10 s, no wait
over 1 s. Wall-clock on a shared machine: run it twice and read the spread.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau"]
FIRST = ["Marie", "Nathalie", "Fatima", "Julie", "Jean", "Mohamed", "David", "Léa", "Inès"]
HEADER = "N° allocataire;Nom;Prénom;Date de naissance;Adresse;CP;Commune"


def person_line(number: int, rng: random.Random) -> str:
    """The same person for a number (identity drawn from it); a new address each time."""
    who = random.Random(number)
    born = date(1960, 1, 1) + timedelta(days=who.randrange(15_000))
    return ";".join(
        [
            f"{number:07d}",
            f"{who.choice(LAST)}-{number % 977}",
            who.choice(FIRST),
            born.strftime("%d/%m/%Y"),
            f"{rng.randrange(1, 200)} rue de la Gare",
            "91000",
            "Évry-Courcouronnes",
        ]
    )


def write_csv(path: Path, numbers: list[int], rng: random.Random) -> None:
    lines = [HEADER] + [person_line(n, rng) for n in numbers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def other_station(db: str, stop: multiprocessing.Event, out: multiprocessing.Queue) -> None:
    """A station saving a small change every 50 ms; reports each save's wall time."""
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_station (n INTEGER)")
    waits: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_station VALUES (1)")
        conn.execute("COMMIT")
        waits.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    conn.close()
    out.put(waits)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=20_000)
    args = parser.parse_args()

    from app.services.actor import Actor
    from app.services.importer import import_file
    from app.services.schema import open_sqlite

    rng = random.Random(2017)
    work = Path(tempfile.mkdtemp(prefix="import-lock-"))
    db_path = work / "base.sqlite"
    actor = Actor(login="bench", workstation="BENCH", name="Bench")
    db = open_sqlite(db_path, create=True)
    if args.existing:
        seed = work / "seed.csv"
        write_csv(seed, list(range(1_000_000, 1_000_000 + args.existing)), rng)
        import_file(db, actor, seed)
    updates = args.lines // 5
    known = rng.sample(
        range(1_000_000, 1_000_000 + max(args.existing, 1)), min(updates, args.existing)
    )
    new = list(range(3_000_000, 3_000_000 + args.lines - len(known)))
    extract = work / "extract.csv"
    write_csv(extract, known + new, rng)

    stop = multiprocessing.Event()
    out: multiprocessing.Queue = multiprocessing.Queue()
    station = multiprocessing.Process(target=other_station, args=(str(db_path), stop, out))
    station.start()
    time.sleep(0.5)
    started = time.perf_counter()
    report = import_file(db, actor, extract)
    import_s = time.perf_counter() - started
    time.sleep(0.5)
    stop.set()
    waits = out.get(timeout=30)
    station.join()
    db.dispose()
    waits.sort()
    print(
        json.dumps(
            {
                "lines": args.lines,
                "existing": args.existing,
                "import_s": round(import_s, 2),
                "created": report.created,
                "updated": report.updated,
                "rejected": len(report.rejected),
                "identity_conflicts": len(report.conflicts),
                "station_saves": len(waits),
                "station_wait_ms": {
                    "p50": round(statistics.median(waits), 1),
                    "p99": round(waits[int(len(waits) * 0.99) - 1], 1),
                    "max": round(waits[-1], 1),
                },
                "targets": {"import_s": 10, "max_wait_ms": 1000},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
