"""The figures agree with the cases: recomputed in Python from ``export-cases`` on a demo.

Every year of the demo (2018 to the session's year) and a period across two years; the
recomputation reads only the export (and the scale versions' months), never the service.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from app.cli import main
from app.services.actor import Actor
from app.services.evaluation import Period, Scope, evaluate
from app.services.evaluation_queries import DAYS_PER_MONTH
from app.services.schedule import six_month_end
from app.services.storage import Database
from tests.clock import TODAY  # the demo is built as of the session's day
from tests.demo_helpers import built_demo, opened, rows

GRANTED_STATES = {"granted", "in_progress", "suspended", "completed", "ended_early"}
ADMIN = Actor(login="admin.test", workstation="POSTE-TEST", is_admin=True)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_demo(tmp_path_factory, "demo_evaluation", 2_000, 11)


@pytest.fixture(scope="module")
def db(demo_path: Path) -> Iterator[Database]:
    yield from opened(demo_path)


@pytest.fixture(scope="module")
def exported(demo_path: Path, db: Database, tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("export") / "cases.json"
    assert (
        main(["export-cases", "--db", str(demo_path), "--format", "json", "--out", str(out)]) == 0
    )
    cases = json.loads(out.read_text(encoding="utf-8"))["cases"]
    months = {
        uuid.UUID(i).hex: m for i, m in rows(demo_path, "SELECT id, max_months FROM scale_version")
    }
    for case in cases:
        scale = case["scale_version"]["id"]
        case["_months"] = months[uuid.UUID(scale).hex] if scale else 6
    return cases


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def decisions(case: dict, *kinds: str) -> list[date]:
    return [date.fromisoformat(x["date"]) for x in case["decisions"] if x["kind"] in kinds]


def nearest_rank(values: list[int], share: Fraction) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-share.numerator * len(ordered) // share.denominator))
    return ordered[rank - 1]


def recompute(cases: list[dict], period: Period) -> dict:
    """The figures from the export alone."""
    start, end = period.start, period.end
    inside = lambda day: day is not None and start <= day <= end  # noqa: E731
    has = lambda c, *kinds: any(inside(x) for x in decisions(c, *kinds))  # noqa: E731
    granted = [c for c in cases if has(c, "grant")]
    exits = [c for c in cases if has(c, "completion", "early_end")]
    by_month: dict[str, set] = defaultdict(set)
    for c in cases:
        for day in decisions(c, "grant"):
            if inside(day):
                by_month[day.strftime("%Y-%m")].add(c["beneficiary_id"])
    delays = [
        (day - d(c["submitted_on"])).days
        for c in cases
        if c["submitted_on"]
        for day in decisions(c, "grant", "refusal")
        if inside(day)
    ]
    aid: dict[str, list] = defaultdict(lambda: [set(), 0])
    for c in granted:
        for i in c["instalments"]:
            if i["status"] != "cancelled":
                aid[i["component"]][0].add(c["beneficiary_id"])
                aid[i["component"]][1] += i["amount_cents"]
    counted_end = min(end, TODAY)
    days, saving_cases = 0, 0
    for c in cases:
        if c["state"] not in GRANTED_STATES:
            continue
        job = d(c["job_start"])
        work_end = six_month_end(job, c["_months"])
        if c["state"] == "ended_early":
            work_end = min(work_end, d(c["end_date"]))
        overlap = (min(work_end, counted_end) - max(job, start)).days + 1
        if overlap > 0:
            days, saving_cases = days + overlap, saving_cases + 1
    instalments = [i for c in cases for i in c["instalments"]]
    first_month = start.replace(day=1).strftime("%Y-%m")
    return {
        "requests": sum(inside(d(c["submitted_on"])) for c in cases),
        "granted": len(granted),
        "people": len({c["beneficiary_id"] for c in granted}),
        "by_month": {
            m.strftime("%Y-%m"): len(by_month[m.strftime("%Y-%m")]) for m in period.months
        },
        "refused": sum(has(c, "refusal") for c in cases),
        "completed": sum(has(c, "completion") for c in cases),
        "ended_early": Counter(c["exit_reason"] for c in cases if has(c, "early_end")),
        "employed_at_exit": sum(bool(c["employed_at_exit"]) for c in exits),
        "still_in_scheme": sum(
            c["state"] in GRANTED_STATES
            and any(day <= end for day in decisions(c, "grant"))
            and (c["end_date"] is None or d(c["end_date"]) > end)
            for c in cases
        ),
        "waiting": sum(
            c["state"] != "draft"
            and c["submitted_on"] is not None
            and d(c["submitted_on"]) <= end
            and not any(day <= end for day in decisions(c, "grant", "refusal"))
            for c in cases
        ),
        "decided": len(delays),
        "median": nearest_rank(delays, Fraction(1, 2)),
        "p90": nearest_rank(delays, Fraction(9, 10)),
        "aid": {k: (len(v[0]), v[1]) for k, v in aid.items()},
        "committed": sum(
            i["amount_cents"]
            for i in instalments
            if i["envelope_year"] in period.years and i["status"] != "cancelled"
        ),
        "paid": sum(
            i["amount_cents"]
            for i in instalments
            if i["envelope_year"] in period.years and i["status"] == "paid"
        ),
        "days_in_work": days,
        "saving_cases": saving_cases,
        "saving_aid": sum(
            i["amount_cents"]
            for i in instalments
            if i["status"] != "cancelled"
            and first_month <= i["month"] <= counted_end.strftime("%Y-%m")
        ),
    }


def periods() -> list[Period]:
    years = [Period.year(y) for y in range(2018, TODAY.year + 1)]
    return [*years, Period(date(2019, 4, 1), date(2020, 3, 31))]


def test_the_demo_has_figures_to_check(exported):
    assert sum(c["state"] in GRANTED_STATES for c in exported) > 50
    assert any(c["state"] == "ended_early" for c in exported)


@pytest.mark.parametrize("period", periods(), ids=lambda p: p.label)
def test_the_figures_agree_with_export_cases(db, exported, period):
    ev = evaluate(db, ADMIN, period)
    want = recompute(exported, period)
    f = ev.funnel
    assert (f.requests, f.granted, f.refused, f.completed) == (
        want["requests"],
        want["granted"],
        want["refused"],
        want["completed"],
    )
    assert ev.people_helped.count == want["people"]
    assert {m.key: m.count for m in ev.people_helped.by_month} == want["by_month"]
    reasons = {e.reason: e.count for e in f.ended_early_by_reason if e.count}
    assert reasons == dict(want["ended_early"]) and f.ended_early == sum(reasons.values())
    assert (f.employed_at_exit, f.still_in_scheme) == (
        want["employed_at_exit"],
        want["still_in_scheme"],
    )
    assert (ev.delays.decided, ev.delays.waiting) == (want["decided"], want["waiting"])
    assert (ev.delays.median_days, ev.delays.p90_days) == (want["median"], want["p90"])
    got_aid = {c.component: (c.people, c.total_cents) for c in ev.envelope.by_component if c.people}
    assert got_aid == want["aid"]
    assert (ev.envelope.committed_cents, ev.envelope.paid_cents) == (
        want["committed"],
        want["paid"],
    )
    assert ev.envelope.scope_committed_cents == want["committed"]
    assert (ev.saving.days_in_work, ev.saving.cases) == (want["days_in_work"], want["saving_cases"])
    assert ev.saving.aid_cents == want["saving_aid"]
    assert ev.saving.rsa_avoided_cents == round(
        Fraction(want["days_in_work"] * 50_000) / DAYS_PER_MONTH
    )


def test_the_offices_add_up_to_the_departement(db, exported):
    period = Period.year(TODAY.year - 1)
    whole = evaluate(db, ADMIN, period)
    offices = [uuid.UUID(str(r[0])) for r in db.rows("SELECT id FROM office")]
    parts = [evaluate(db, ADMIN, period, Scope.office(o)) for o in offices]
    assert sum(p.funnel.requests for p in parts) == whole.funnel.requests
    assert sum(p.funnel.granted for p in parts) == whole.funnel.granted
    assert (
        sum(p.envelope.scope_committed_cents for p in parts) == whole.envelope.scope_committed_cents
    )
    assert whole.use.offices_active == sum(p.funnel.requests > 0 for p in parts)
