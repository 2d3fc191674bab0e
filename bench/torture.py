"""Pack Sortie torture test: workstations on one base, killed at random; prints one JSON object.

    .venv/bin/python bench/torture.py [--db PATH] [--workers 4] [--seconds 300]
        [--kill-every 4] [--seed 1] [--beneficiaries 3000] [--json-out FILE] [--keep]

Without ``--db`` the base is a demo (app.services.demo.build_demo, as of today) built in a
temporary folder; ``--db PATH`` uses that base, built there as a demo when missing. Never a
production base: the torture writes into it and sets the envelopes of this year and the
next one to what they have committed plus room for a few packs (``--envelope-packs``), so
that the validators compete for the last euros.

``--workers`` workstation processes (this script with ``--worker``) open the base the
application's way (app.services.schema.open_database, which rolls back the save a killed
station left; then, as the window's start-up does, the case-state refresh and the daily
backup) and, until they are killed, do what référents and validators do, through the
services and nothing else:

- edit a beneficiary of a small shared set (load_beneficiary, a pause, save_beneficiary):
  each station keeps, in the person's notes, the count of its own saves (« Poste
  TORTURE-n : k modifications »), so that a save that overwrote another station's is seen;
- create a draft (save_draft, drawing a case reference) for a person without a pack, or
  now and then a second request for a person whose first one is pending; submit a draft;
- grant a submitted case (grant: envelope check and decision number in one BEGIN
  IMMEDIATE); when the envelope or the rules refuse it, refuse it with a motivation;
- suspend, resume, end early at the person's request (cancels the planned instalments,
  which gives room back to the envelope).

Each station appends one JSON line per outcome to its own journal (one file per start of
the station, each line fsynced): an acknowledged action (committed: the service returned)
with its latency and what it must have left in the base, a busy error, an optimistic
conflict, a refusal by the rules, an unexpected error.

Every ``--kill-every`` seconds on average (0.5 to 1.5 times that, uniformly), the parent
SIGKILLs one station at random, in the middle of a save or not, and starts it again; at the
end it kills all of them at once. The base is then opened the application's way and checked:

- integrity: ``PRAGMA integrity_check`` and ``foreign_key_check`` ("ok" or the problems);
- lost updates: an acknowledged action whose effect is missing (its audit event, its case,
  its decision with that number and kind, the state it left, or a station's count of saves
  gone back);
- duplicates: a decision number, a (year, sequence) or a case reference twice, the same
  number acknowledged to two actions, a case decided twice, a counter behind the numbers
  already given (the next one would be a duplicate);
- overruns: a year whose committed instalments exceed its envelope, a case whose
  instalments exceed the scale's ceiling or its own aid lines;
- busy errors (an action refused with « base occupée »: DatabaseUnavailable), the daily
  backups that failed (reported apart) and the p50/p99 latency of the acknowledged actions.

The journals, the stations' logs (and the demo base) are in a temporary folder
(``run_dir``), removed after a run that passed unless ``--keep``.

Exit code 0 when the integrity is "ok" and there is no lost update, duplicate, overrun,
double pack (one person granted two packs within the scale's delay, whichever was granted
first), unexpected error nor station crash, else 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATION = "TORTURE-{}"
NOTE_LINE = re.compile(r"^Poste TORTURE-(\d+) : (\d+) modifications?$", re.MULTILINE)
WEIGHTS = {
    "edit": 36,
    "draft": 18,
    "submit": 15,
    "grant": 15,
    "end_early": 7,
    "suspend": 5,
    "resume": 4,
}
SECOND_REQUEST_SHARE = 0.1  # a draft for a person whose first request is still pending
MAX_JOB_AGE_DAYS = 40  # job started up to this many days before the request (today)
STARTUP_KINDS = {"refresh_states", "daily_backup"}
GRANTED_STATES = ("granted", "in_progress", "suspended", "completed", "ended_early")
STATEMENT = (
    "Les faits ont été vérifiés auprès de la CAF et du référent : le Pack peut être accordé."
)
NO_ROOM = "Enveloppe annuelle épuisée : la demande ne peut pas être financée sur les crédits votés."
RULES_FAILED = (
    "Les conditions du Pack sortie ne sont pas remplies : voir le détail des règles du dossier."
)
END_EARLY = "La personne a demandé par écrit à mettre fin à son accompagnement Pack sortie."
EMPLOYERS = ("Boulangerie Martin", "Carrefour Évry", "Mairie de Corbeil", "Transdev Essonne")


def pause(seconds: float) -> None:
    """Sleep: not with time.sleep, which fails (EINVAL) under the libfaketime that runs the
    tests at other dates with the monotonic clock left real (.ci/run)."""
    threading.Event().wait(seconds)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def years_before(day: date, years: int) -> date:
    year = day.year - years
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


# --- A workstation -------------------------------------------------------------------------


class Station:
    """One workstation: opens the base the application's way, then acts until killed."""

    def __init__(self, run_dir: Path, slot: int, incarnation: int) -> None:
        self.run_dir = run_dir
        self.cfg = json.loads((run_dir / "run.json").read_text())
        self.slot = slot
        self.workstation = STATION.format(slot)
        self.rng = random.Random(f"{self.cfg['seed']}-{slot}-{incarnation}")
        journal = run_dir / "journals" / f"w{slot}-{incarnation:04d}.jsonl"
        self.fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.path = Path(self.cfg["db"])
        self.hot = [uuid.UUID(h) for h in self.cfg["hot"]]
        self.think_s = self.cfg["think_ms"] / 1000
        self.parent = os.getppid()

    def note(self, **entry: Any) -> None:
        """One line per outcome, on disk before anything else happens (kill-safe)."""
        os.write(self.fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode())
        os.fsync(self.fd)

    def attempt(self, kind: str, action: Any) -> BaseException | None:
        """Run ``action`` (returns the acknowledged effect, or None: nothing to do) and
        write its outcome; returns the exception a refusal raised."""
        from app.services.errors import (
            ConflictError,
            DatabaseUnavailable,
            NotAllowed,
            ValidationError,
        )

        self.paused = 0.0
        t0 = time.perf_counter()
        try:
            effect = action()
        except DatabaseUnavailable as exc:
            self.note(kind=kind, busy=True, ms=self._ms(t0), msg=exc.message, detail=exc.detail)
        except ConflictError as exc:
            self.note(kind=kind, conflict=True, ms=self._ms(t0), msg=exc.message)
        except (NotAllowed, ValidationError) as exc:
            self.note(kind=kind, refused=True, msg=exc.message[:300])
            return exc
        except Exception as exc:
            self.note(kind=kind, error=repr(exc)[:500], tb=traceback.format_exc()[-3000:])
        else:
            if effect is not None:
                self.note(kind=kind, ok=True, ms=self._ms(t0), t=time.time(), **effect)
        return None

    def _ms(self, t0: float) -> float:
        return round((time.perf_counter() - t0 - self.paused) * 1000, 2)

    # --- start-up, as the application's window does it --------------------------------

    def open(self) -> None:
        from app.services.errors import DatabaseUnavailable, UserFacingError
        from app.services.schema import open_database

        t0 = time.perf_counter()
        self.paused = 0.0
        while True:
            self.check_stop()
            try:
                self.db = open_database(self.path)
                self.load_users()
                self.load_scale()
                break
            except DatabaseUnavailable as exc:
                self.note(kind="open", busy=True, ms=self._ms(t0), msg=exc.message)
            except UserFacingError as exc:
                self.note(kind="open", error=f"{exc.message} ({exc.detail})")
            pause(0.2)
        if self.db.damage or self.db.read_only:
            self.note(kind="open", error=f"opened read-only; damage: {self.db.damage}")
        self.note(kind="startup", ms=round((time.perf_counter() - t0) * 1000, 1))

    def check_stop(self) -> None:
        """The run is over (or the parent is gone: never outlive it)."""
        if (self.run_dir / "stop").exists() or os.getppid() != self.parent:
            raise SystemExit(0)

    def load_users(self) -> None:
        from app.services.actor import Actor

        rows = self.db.rows(
            "SELECT id, first_name, last_name, capacity, os_login, is_referent, is_validator, "
            "is_finance, is_admin FROM app_user WHERE active = :yes ORDER BY os_login",
            {"yes": True},
        )
        self.users: dict[str, Actor] = {}
        for uid, first, last, capacity, login, _ref, validator, finance, admin in rows:
            self.users[uid] = Actor(
                login=login or "",
                workstation=self.workstation,
                user_id=uuid.UUID(uid),
                name=f"{first} {last}".strip(),
                capacity=capacity,
                is_validator=bool(validator),
                is_finance=bool(finance),
                is_admin=bool(admin),
            )
        referents = [self.users[r[0]] for r in rows if r[5]]
        validators = [self.users[r[0]] for r in rows if r[6] and not r[8]] or [
            self.users[r[0]] for r in rows if r[6]
        ]
        self.referent = referents[self.slot % len(referents)]
        self.validator = validators[self.slot % len(validators)]

    def load_scale(self) -> None:
        from app.services import clock
        from app.services.scale import scale_in_force

        with self.db.read() as s:
            self.scale = scale_in_force(s, clock.today())

    def user(self, uid: str | None) -> Any:
        return self.users.get(uid or "", self.referent)

    def start_up(self) -> None:
        from app.services import workflow
        from app.services.backups import daily_backup

        self.attempt(
            "refresh_states", lambda: {"moved": workflow.refresh_states(self.db, self.validator)}
        )
        self.attempt("daily_backup", lambda: {"made": daily_backup(self.path) is not None})

    # --- actions -------------------------------------------------------------------------

    def pick(self, sql: str, **params: Any) -> tuple | None:
        rows = self.db.rows(sql + " ORDER BY random() LIMIT 1", params)
        return rows[0] if rows else None

    def edit(self) -> dict | None:
        from app.services.beneficiaries import load_beneficiary, save_beneficiary

        person = self.rng.choice(self.hot)
        data = load_beneficiary(self.db, person, self.referent)
        counts = {int(s): int(n) for s, n in NOTE_LINE.findall(data.notes)}
        value = counts.get(self.slot, 0) + 1
        line = f"Poste {self.workstation} : {value} modification{'s' if value > 1 else ''}"
        pattern = re.compile(rf"^Poste {re.escape(self.workstation)} : \d+ modifications?$", re.M)
        if pattern.search(data.notes):
            data.notes = pattern.sub(line, data.notes)
        else:
            data.notes = (data.notes.rstrip() + "\n" + line).strip()
        think = self.rng.uniform(0, self.think_s)  # the référent types
        pause(think)
        self.paused = think
        save_beneficiary(self.db, self.referent, data)
        return {"b": person.hex, "value": value}

    def draft(self) -> dict | None:
        from app.models.enums import Component
        from app.services import clock
        from app.services.cases import CaseInput, save_draft
        from app.services.errors import UserFacingError
        from app.services.schedule import AidRequest

        today = clock.today()
        second = self.rng.random() < SECOND_REQUEST_SHARE
        found = self.pick(
            "SELECT b.id, b.referent_id FROM beneficiary b WHERE b.orientation = 'social' "
            "AND b.rsa_closed_on IS NULL AND b.anonymised_at IS NULL "
            "AND b.rsa_open_since <= :latest "
            + (
                "AND EXISTS (SELECT 1 FROM pack_case c WHERE c.beneficiary_id = b.id "
                "AND c.state IN ('draft', 'submitted')) "
                "AND NOT EXISTS (SELECT 1 FROM pack_case c WHERE c.beneficiary_id = b.id "
                "AND c.state NOT IN ('draft', 'submitted', 'refused'))"
                if second
                else "AND NOT EXISTS (SELECT 1 FROM pack_case c WHERE c.beneficiary_id = b.id "
                "AND c.state <> 'refused')"
            ),
            latest=(today - timedelta(days=MAX_JOB_AGE_DAYS + 1)).isoformat(),
        )
        if found is None:
            return None
        person, referent = uuid.UUID(found[0]), found[1]
        job_start = today - timedelta(days=self.rng.randint(0, MAX_JOB_AGE_DAYS))
        aids = []
        for component in (Component.TRANSPORT, Component.DAILY_LIFE):
            rule = self.scale.components.get(component)
            if rule is not None:
                months = self.rng.randint(1, rule.months)
                aids.append(AidRequest(component, rule.monthly_cents, months))
        childcare = self.scale.components.get(Component.CHILDCARE)
        if childcare is not None and self.db.rows(
            "SELECT 1 FROM household_member WHERE beneficiary_id = :b AND relation = 'enfant' "
            "AND birth_date > :born_after AND birth_date <= :start LIMIT 1",
            {
                "b": person.hex,
                "born_after": years_before(job_start, self.scale.child_max_age).isoformat(),
                "start": job_start.isoformat(),
            },
        ):
            aids.append(AidRequest(Component.CHILDCARE, childcare.monthly_cents, childcare.months))
        case_id = save_draft(
            self.db,
            self.user(referent),
            CaseInput(
                beneficiary_id=person,
                job_start=job_start,
                request_date=today,
                employer_name=self.rng.choice(EMPLOYERS),
                job_title="Agent polyvalent",
                contract_type="CDI",
                aids=aids,
            ),
        )
        effect: dict[str, Any] = {"case": case_id.hex, "b": person.hex, "second": second}
        # Acknowledged already: the reference is only read back for the checks (a busy base
        # leaves it out).
        with contextlib.suppress(UserFacingError):
            effect["ref"] = self.db.rows(
                "SELECT reference FROM pack_case WHERE id = :id", {"id": case_id.hex}
            )[0][0]
        return effect

    def submit(self) -> dict | None:
        from app.services import workflow

        found = self.pick("SELECT id, referent_id FROM pack_case WHERE state = 'draft'")
        if found is None:
            return None
        workflow.submit(self.db, self.user(found[1]), uuid.UUID(found[0]))
        return {"case": found[0]}

    def grant(self) -> None:
        from app.services import workflow

        found = self.pick("SELECT id FROM pack_case WHERE state = 'submitted'")
        if found is None:
            return
        case_id = uuid.UUID(found[0])

        def grant() -> dict:
            info = workflow.grant(self.db, self.validator, case_id, statement=STATEMENT)
            return {"case": case_id.hex, "decision": info.number}

        refusal = self.attempt("grant", grant)
        if refusal is None:
            return
        text = str(refusal).lower()
        motivation = NO_ROOM if "enveloppe" in text else RULES_FAILED
        if "enveloppe" in text or "conditions non remplies" in text:

            def refuse() -> dict:
                info = workflow.refuse(self.db, self.validator, case_id, motivation)
                return {
                    "case": case_id.hex,
                    "decision": info.number,
                    "no_room": motivation == NO_ROOM,
                }

            self.attempt("refuse", refuse)

    def end_early(self) -> dict | None:
        from app.services import workflow

        found = self.pick(
            "SELECT id FROM pack_case WHERE state IN ('granted', 'in_progress', 'suspended')"
        )
        if found is None:
            return None
        info = workflow.end_early(
            self.db,
            self.validator,
            uuid.UUID(found[0]),
            workflow.ExitReason.PERSON_REQUEST,
            END_EARLY,
        )
        return {"case": found[0], "decision": info.number}

    def suspend(self) -> dict | None:
        from app.services import workflow

        found = self.pick(
            "SELECT id, referent_id FROM pack_case WHERE state IN ('granted', 'in_progress')"
        )
        if found is None:
            return None
        workflow.suspend(self.db, self.user(found[1]), uuid.UUID(found[0]), "Arrêt maladie")
        return {"case": found[0]}

    def resume(self) -> dict | None:
        from app.services import workflow

        found = self.pick("SELECT id, referent_id FROM pack_case WHERE state = 'suspended'")
        if found is None:
            return None
        workflow.resume(self.db, self.user(found[1]), uuid.UUID(found[0]))
        return {"case": found[0]}

    def run(self) -> None:
        self.open()
        self.start_up()
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        while True:
            self.check_stop()
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "grant":
                self.attempt("pick", lambda: self.grant())  # grant/refuse note themselves
            else:
                self.attempt(kind, getattr(self, kind))


def worker_main(run_dir: Path, slot: int, incarnation: int) -> None:
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s"
    )
    Station(run_dir, slot, incarnation).run()


# --- The parent ----------------------------------------------------------------------------


def prepare(path: Path, beneficiaries: int, seed: int, hot: int, envelope_packs: int) -> dict:
    """Build the demo if needed, leave little room in the envelopes, choose the shared set."""
    from sqlalchemy import select

    from app.models import Beneficiary, User
    from app.services import clock
    from app.services.actor import actor_from_user
    from app.services.beneficiaries import load_beneficiary, validate
    from app.services.envelope import envelope_status, set_envelope
    from app.services.scale import scale_in_force
    from app.services.schema import open_database

    built = False
    if not path.exists():
        from app.services.demo import build_demo

        build_demo(path, beneficiaries=beneficiaries, seed=seed)
        built = True
    db = open_database(path)
    try:
        today = clock.today()
        with db.read() as s:
            admin = s.scalars(
                select(User).where(User.is_admin.is_(True), User.active.is_(True))
            ).first()
            if admin is None:
                raise SystemExit("torture: the base has no active administrator")
            ceiling = scale_in_force(s, today).max_total_cents
            for role in (User.is_referent, User.is_validator):
                if s.scalar(select(User.id).where(role.is_(True), User.active.is_(True))) is None:
                    raise SystemExit(f"torture: the base has no active user with {role.key}")
            ids = list(s.scalars(select(Beneficiary.id).order_by(Beneficiary.id)))
        actor = actor_from_user(admin, "TORTURE-PREPARATION")
        envelopes = {}
        for year in (today.year, today.year + 1):
            with db.read() as s:
                committed = envelope_status(s, year).committed_cents
            amount = committed + envelope_packs * ceiling
            set_envelope(db, actor, year, amount, "Banc d'essai (torture)")
            envelopes[year] = {"committed_cents": committed, "amount_cents": amount}
        rng = random.Random(seed)
        rng.shuffle(ids)
        chosen = []
        for person in ids:  # a shared set the form accepts as it is
            if not validate(load_beneficiary(db, person, actor)):
                chosen.append(person.hex)
            if len(chosen) == hot:
                break
    finally:
        db.dispose()
    if not chosen:
        raise SystemExit("torture: no beneficiary of the base passes the form's checks")
    return {"built": built, "envelopes": envelopes, "hot": chosen}


class Fleet:
    """The workstation processes: started, killed and started again."""

    def __init__(self, run_dir: Path, workers: int) -> None:
        self.run_dir = run_dir
        self.procs: dict[int, subprocess.Popen] = {}
        self.incarnations: Counter[int] = Counter()
        self.crashes: list[dict] = []
        for slot in range(workers):
            self.start(slot)

    def start(self, slot: int) -> None:
        self.incarnations[slot] += 1
        inc = self.incarnations[slot]
        err = open(self.run_dir / "logs" / f"w{slot}-{inc:04d}.err", "wb")  # noqa: SIM115
        self.procs[slot] = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(slot), str(inc), str(self.run_dir)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            cwd=ROOT,
        )
        err.close()

    def kill(self, slot: int) -> None:
        proc = self.procs[slot]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()

    def restart_crashed(self) -> None:
        for slot, proc in list(self.procs.items()):
            if proc.poll() is not None:
                log = self.run_dir / "logs" / f"w{slot}-{self.incarnations[slot]:04d}.err"
                tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
                self.crashes.append({"slot": slot, "returncode": proc.returncode, "stderr": tail})
                self.start(slot)

    def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait()


def torture(args: argparse.Namespace) -> dict:
    started = time.monotonic()
    run_dir = Path(tempfile.mkdtemp(prefix="pack-sortie-torture-"))
    (run_dir / "journals").mkdir()
    (run_dir / "logs").mkdir()
    path = Path(args.db).expanduser().resolve() if args.db else run_dir / "torture.sqlite"
    setup = prepare(path, args.beneficiaries, args.seed, args.hot, args.envelope_packs)
    (run_dir / "run.json").write_text(
        json.dumps({"db": str(path), "hot": setup["hot"], "seed": args.seed, "think_ms": 20})
    )
    rng = random.Random(args.seed)
    prepared = time.monotonic()
    fleet = Fleet(run_dir, args.workers)
    kills = 0
    try:
        deadline = time.monotonic() + args.seconds
        next_kill = time.monotonic() + rng.uniform(0.5, 1.5) * args.kill_every
        while (now := time.monotonic()) < deadline:
            fleet.restart_crashed()
            if args.kill_every > 0 and now >= next_kill:
                victim = rng.randrange(args.workers)
                fleet.kill(victim)
                kills += 1
                fleet.start(victim)
                next_kill = now + rng.uniform(0.5, 1.5) * args.kill_every
            pause(min(0.02, max(0.0, deadline - now)))
        fleet.restart_crashed()
    finally:
        fleet.kill_all()  # the end: every station at once, saving or not
        (run_dir / "stop").touch()  # and one that was starting stops at once
    ran = time.monotonic() - prepared
    result = verify(path, run_dir)
    report = {
        "workers": args.workers,
        "seconds": args.seconds,
        "kill_every": args.kill_every,
        "seed": args.seed,
        "db": str(path),
        "demo_built": setup["built"],
        "run_dir": str(run_dir),  # journals, station logs (and the demo base): kept on failure
        "envelopes_set": setup["envelopes"],
        "shared_beneficiaries": len(setup["hot"]),
        "kills": kills,
        "station_starts": sum(fleet.incarnations.values()),
        "station_crashes": len(fleet.crashes),
        "crash_samples": fleet.crashes[:3],
        **result,
        "actions_per_s": round(result["actions"] / ran, 1),
        "wall_s": round(time.monotonic() - started, 1),
    }
    report["ok"] = (
        report["integrity"] == "ok"
        and report["lost_updates"] == 0
        and report["duplicates"] == 0
        and report["overruns"] == 0
        and report["double_packs"] == 0
        and report["unexpected_errors"] == 0
        and report["station_crashes"] == 0
    )
    return report


# --- The checks ----------------------------------------------------------------------------


def read_journals(run_dir: Path) -> tuple[list[dict], int]:
    entries, torn = [], 0
    for journal in sorted((run_dir / "journals").glob("*.jsonl")):
        slot = int(journal.stem[1:].split("-")[0])
        for line in journal.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                torn += 1  # the station was killed while writing it: not acknowledged
                continue
            entry["slot"] = slot
            entries.append(entry)
    return entries, torn


def verify(path: Path, run_dir: Path) -> dict:
    from app.services.errors import UserFacingError
    from app.services.schema import open_database

    journal_left = journal_state(path)
    entries, torn = read_journals(run_dir)
    t0 = time.perf_counter()
    try:
        db = open_database(path)  # the application's open: rolls back an interrupted save
    except UserFacingError as exc:
        return {
            "actions": sum(1 for e in entries if e.get("ok") and e["kind"] not in STARTUP_KINDS),
            "lost_updates": None,
            "duplicates": None,
            "overruns": None,
            "unexpected_errors": sum(1 for e in entries if e.get("error")),
            "journal_at_end": journal_left,
            "integrity": f"the base does not open: {exc.message} {exc.detail}".strip(),
        }
    open_ms = round((time.perf_counter() - t0) * 1000, 1)
    acks = [e for e in entries if e.get("ok")]
    actions = [e for e in acks if e["kind"] not in STARTUP_KINDS]
    lost = dups = over = doubles = None
    try:
        integrity = check_integrity(db)
        lost = lost_updates(db.rows, acks)
        dups = duplicates(db.rows, acks)
        over = overruns(db.rows)
        doubles = double_packs(db.rows)
    except UserFacingError as exc:  # a damaged base: no check can read it
        integrity = f"{exc.message} ({exc.detail})"
        lost = dups = over = doubles = None
    finally:
        db.dispose()
    busy = [e for e in entries if e.get("busy") and e["kind"] != "daily_backup"]
    backups_failed = [e for e in entries if e["kind"] == "daily_backup" and not e.get("ok")]
    errors = [e for e in entries if e.get("error")]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for e in actions:
        by_kind[e["kind"]].append(e["ms"])
    latencies = [e["ms"] for e in actions]
    refusals = Counter(e["kind"] for e in entries if e.get("refused"))
    recovered = sum(
        log.read_text(errors="replace").count("Interrupted save on")
        for log in (run_dir / "logs").glob("*.err")
    )
    startups = [e["ms"] for e in entries if e["kind"] == "startup"]
    return {
        "actions": len(actions),
        "actions_by_kind": dict(sorted(Counter(e["kind"] for e in actions).items())),
        "latency_ms": {
            "p50": pct(latencies, 0.5),
            "p99": pct(latencies, 0.99),
            "max": pct(latencies, 1),
            "by_kind": {
                k: {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99)}
                for k, v in sorted(by_kind.items())
            },
        },
        "lost_updates": _count(lost),
        "lost_samples": (lost or [])[:5],
        "duplicates": _count(dups),
        "duplicate_samples": (dups or [])[:5],
        "overruns": _count(over),
        "overrun_samples": (over or [])[:5],
        "busy_errors": len(busy),
        "busy_samples": [
            f"{n} × {kind}: {msg} ({detail})"
            for (kind, msg, detail), n in Counter(
                (e["kind"], e["msg"], e.get("detail", "")) for e in busy
            ).most_common(3)
        ],
        "conflicts": sum(1 for e in entries if e.get("conflict")),
        "refusals": dict(sorted(refusals.items())),
        "grants_refused_for_envelope": sum(1 for e in acks if e.get("no_room")),
        "unexpected_errors": len(errors),
        "error_samples": [{k: e[k] for k in ("kind", "error", "tb") if k in e} for e in errors[:3]],
        "daily_backup_failures": len(backups_failed),
        "daily_backup_failure_samples": sorted(
            {f"{e.get('msg', e.get('error'))} ({e.get('detail', '')})" for e in backups_failed}
        )[:3],
        "double_packs": _count(doubles),
        "double_pack_samples": (doubles or [])[:3],
        "torn_journal_lines": torn,
        "interrupted_saves_rolled_back_at_station_open": recovered,
        "station_startup_ms": {"p50": pct(startups, 0.5), "max": pct(startups, 1)},
        "journal_at_end": journal_left,
        "final_open_ms": open_ms,
        "integrity": integrity,
    }


def check_integrity(db: Any) -> str:
    """The integrity: "ok", or what integrity_check, foreign_key_check and the open found."""
    problems = [r[0] for r in db.rows("PRAGMA integrity_check")]
    integrity = "ok" if problems == ["ok"] else "; ".join(map(str, problems[:5]))
    if orphans := db.rows("PRAGMA foreign_key_check"):
        tables = ", ".join(sorted({r[0] for r in orphans}))
        integrity = ("" if integrity == "ok" else integrity + "; ") + (
            f"{len(orphans)} orphan references ({tables})"
        )
    if db.damage or db.read_only:
        integrity += f" (opened read-only: {db.damage or 'not writable'})"
    return integrity


def _count(found: list | None) -> int | None:
    return None if found is None else len(found)


def journal_state(path: Path) -> str:
    """What the stations left beside the base: "none", "hot" (a save to roll back), or a
    journal whose header is still zero (a save killed before it changed the base: SQLite
    ignores it)."""
    journal = path.with_name(path.name + "-journal")
    try:
        with journal.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return "none"
    if not head:
        return "none"
    return "hot" if any(head) else "not hot (header still zero)"


def _str_id(hex_id: str) -> str:
    return str(uuid.UUID(hex_id))


def lost_updates(rows: Any, acks: list[dict]) -> list[str]:
    """Acknowledged effects the base does not hold."""
    lost: list[str] = []
    # A station's count of saves in a person's notes only goes up, and ends at least at the
    # last count acknowledged (a save committed just before a kill may be unacknowledged).
    seen: dict[tuple[str, int], list[int]] = defaultdict(list)
    for e in acks:
        if e["kind"] == "edit":
            seen[(e["b"], e["slot"])].append(e["value"])
    notes = {}
    for person in {b for b, _ in seen}:
        found = rows("SELECT notes FROM beneficiary WHERE id = :id", {"id": person})
        notes[person] = {int(s): int(n) for s, n in NOTE_LINE.findall(found[0][0] if found else "")}
    for (person, slot), values in seen.items():
        final = notes[person].get(slot, 0)
        top = 0
        for value in values:
            if value <= top:
                lost.append(f"edit of {person} by station {slot}: count {value} after {top}")
            top = max(top, value)
            if value > final:
                lost.append(f"edit of {person} by station {slot}: count {value}, base {final}")
    # Every acknowledged action left its audit event (same transaction).
    audit_of = {
        "edit": ("update", "b"),
        "draft": ("create", "case"),
        "submit": ("submit", "case"),
        "grant": ("grant", "case"),
        "refuse": ("refuse", "case"),
        "end_early": ("end_early", "case"),
        "suspend": ("suspend", "case"),
        "resume": ("resume", "case"),
    }
    expected: Counter[tuple[str, str, str]] = Counter()
    for e in acks:
        if e["kind"] in audit_of:
            action, key = audit_of[e["kind"]]
            expected[(STATION.format(e["slot"]), action, _str_id(e[key]))] += 1
    present = Counter(
        {
            (w, a, i): n
            for w, a, i, n in rows(
                "SELECT workstation, action, entity_id, count(*) FROM audit_event "
                "WHERE workstation LIKE 'TORTURE-%' GROUP BY 1, 2, 3"
            )
        }
    )
    for key, n in expected.items():
        if present[key] < n:
            lost.append(f"audit {key}: {n} acknowledged, {present[key]} in the base")
    # Cases, decisions and the states they left.
    cases = {
        cid: (ref, state) for cid, ref, state in rows("SELECT id, reference, state FROM pack_case")
    }
    decisions = {
        number: (case_id, kind)
        for number, case_id, kind in rows("SELECT number, case_id, kind FROM decision")
    }
    open_instalments = {
        r[0]
        for r in rows(
            "SELECT DISTINCT case_id FROM instalment WHERE status IN ('planned', 'suspended')"
        )
    }
    with_instalments = {r[0] for r in rows("SELECT DISTINCT case_id FROM instalment")}
    states_after = {
        "submit": set(GRANTED_STATES) | {"submitted", "refused"},
        "grant": set(GRANTED_STATES),
        "refuse": {"refused"},
        "end_early": {"ended_early"},
    }
    kind_of = {"grant": "grant", "refuse": "refusal", "end_early": "early_end"}
    for e in acks:
        case = e.get("case")
        if case is None or e["kind"] not in (*states_after, "draft"):
            continue
        if case not in cases:
            lost.append(f"{e['kind']} of case {case}: the case is not in the base")
            continue
        ref, state = cases[case]
        if e["kind"] == "draft" and e.get("ref") not in (None, ref):
            lost.append(f"draft {e['ref']}: the case holds reference {ref}")
        if e["kind"] in states_after and state not in states_after[e["kind"]]:
            lost.append(f"{e['kind']} of {ref}: the case is « {state} »")
        if "decision" in e and decisions.get(e["decision"]) != (case, kind_of[e["kind"]]):
            lost.append(
                f"{e['kind']} of {ref}: decision {e['decision']} is {decisions.get(e['decision'])}"
            )
        if e["kind"] == "grant" and case not in with_instalments:
            lost.append(f"grant of {ref}: no instalment in the base")
        if e["kind"] == "end_early" and case in open_instalments:
            lost.append(f"early end of {ref}: instalments still planned")
    return lost


def duplicates(rows: Any, acks: list[dict]) -> list[str]:
    dups = [
        f"decision number {n} × {c}"
        for n, c in rows("SELECT number, count(*) FROM decision GROUP BY 1 HAVING count(*) > 1")
    ]
    dups += [
        f"decision {y} sequence {s} × {c}"
        for y, s, c in rows(
            "SELECT year, sequence, count(*) FROM decision GROUP BY 1, 2 HAVING count(*) > 1"
        )
    ]
    dups += [
        f"case reference {r} × {c}"
        for r, c in rows("SELECT reference, count(*) FROM pack_case GROUP BY 1 HAVING count(*) > 1")
    ]
    dups += [
        f"case {cid} decided {c} times (grant or refusal)"
        for cid, c in rows(
            "SELECT case_id, count(*) FROM decision WHERE kind IN ('grant', 'refusal') "
            "GROUP BY 1 HAVING count(*) > 1"
        )
    ]
    # The same number told to two actions (the base may hold one of them only).
    told: dict[str, set[str]] = defaultdict(set)
    for e in acks:
        if "decision" in e:
            told[e["decision"]].add(e["case"] + e["kind"])
        if e["kind"] == "draft" and e.get("ref"):
            told[e["ref"]].add(e["case"])
    dups += [
        f"{number} acknowledged to {len(who)} actions"
        for number, who in told.items()
        if len(who) > 1
    ]
    # A counter behind the numbers given would give one of them again.
    counters = dict(rows("SELECT name, value FROM counter"))
    for year, top in rows("SELECT year, max(sequence) FROM decision GROUP BY 1"):
        if counters.get(f"decision-{year}", 0) < top:
            dups.append(f"counter decision-{year} at {counters.get(f'decision-{year}')} < {top}")
    top_refs: dict[int, int] = {}
    for (ref,) in rows("SELECT reference FROM pack_case"):
        if m := re.fullmatch(r"DOS-(\d{4})-(\d+)", ref):
            year, seq = int(m[1]), int(m[2])
            top_refs[year] = max(top_refs.get(year, 0), seq)
    for year, top in top_refs.items():
        if counters.get(f"case-{year}", 0) < top:
            dups.append(f"counter case-{year} at {counters.get(f'case-{year}')} < {top}")
    return dups


def overruns(rows: Any) -> list[str]:
    over = [
        f"envelope {year}: {committed} cents committed for {amount}"
        for year, amount, committed in rows(
            "SELECT e.year, e.amount_cents, (SELECT coalesce(sum(i.amount_cents), 0) FROM "
            "instalment i WHERE i.envelope_year = e.year AND i.status <> 'cancelled') "
            "FROM envelope e"
        )
        if committed > amount
    ]
    committed_without_envelope = rows(
        "SELECT DISTINCT envelope_year FROM instalment WHERE status <> 'cancelled' "
        "AND envelope_year NOT IN (SELECT year FROM envelope)"
    )
    over += [
        f"instalments charged to {y}, which has no envelope" for (y,) in committed_without_envelope
    ]
    for ref, ceiling, granted, asked in rows(
        "SELECT c.reference, v.max_total_cents, "
        "(SELECT sum(i.amount_cents) FROM instalment i WHERE i.case_id = c.id), "
        "(SELECT sum(a.monthly_cents * a.months) FROM aid_line a WHERE a.case_id = c.id) "
        "FROM pack_case c LEFT JOIN scale_version v ON v.id = c.scale_version_id"
    ):
        if granted is None:
            continue
        if ceiling is not None and granted > ceiling:
            over.append(f"case {ref}: {granted} cents of instalments, ceiling {ceiling}")
        if granted > (asked or 0):
            over.append(f"case {ref}: {granted} cents of instalments for {asked} of aid")
    return over


def double_packs(rows: Any) -> list[str]:
    """People granted a second pack within the scale's delay after the end of the first."""
    from app.services.dates import add_months
    from app.services.schedule import six_month_end

    packs: dict[str, list[tuple[date, date, str, int]]] = defaultdict(list)
    for person, ref, start, end, months, between in rows(
        "SELECT c.beneficiary_id, c.reference, c.job_start, c.end_date, v.max_months, "
        "v.min_months_between_packs FROM pack_case c JOIN scale_version v "
        f"ON v.id = c.scale_version_id WHERE c.state IN {GRANTED_STATES}"
    ):
        begin = date.fromisoformat(start)
        finish = date.fromisoformat(end) if end else six_month_end(begin, months)
        packs[person].append((begin, finish, ref, between))
    found = []
    for person_packs in packs.values():
        person_packs.sort()
        for (_b1, end1, ref1, _), (b2, _e2, ref2, between) in zip(
            person_packs, person_packs[1:], strict=False
        ):
            if b2 < add_months(end1, between):
                found.append(
                    f"{ref1} and {ref2}: the second starts {b2}, before {add_months(end1, between)}"
                )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="the base (built as a demo when missing)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--kill-every", type=float, default=4, help="mean seconds; 0: none")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--beneficiaries", type=int, default=3000, help="size of a new demo")
    parser.add_argument("--hot", type=int, default=12, help="beneficiaries edited by all")
    parser.add_argument("--envelope-packs", type=int, default=8, help="room left, in packs")
    parser.add_argument("--json-out", help="also write the JSON object to this file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the run's folder (always kept on failure)"
    )
    parser.add_argument(
        "--worker", nargs=3, metavar=("SLOT", "START", "RUN_DIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        slot, incarnation, run_dir = args.worker
        return worker_main(Path(run_dir), int(slot), int(incarnation))
    if args.workers < 1 or args.seconds <= 0:
        parser.error("--workers must be at least 1 and --seconds positive")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    report = torture(args)
    report["run_dir_kept"] = args.keep or not report["ok"]
    if not report["run_dir_kept"]:
        shutil.rmtree(report["run_dir"], ignore_errors=True)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
