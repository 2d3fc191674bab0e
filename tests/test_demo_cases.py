"""The demo's Pack sortie cases: every state, consistent with the rules, the scale, the
envelopes and the numbering, and usable by the real services (case view, caseload, export,
new cases that follow on)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Beneficiary, Case, User
from app.models.enums import CaseState, Component, DocumentKind, MeetingKind
from app.services import demo_data as data
from app.services import documents
from app.services.actor import Actor, actor_from_user
from app.services.case_export import export_cases
from app.services.case_letters import letter_choices
from app.services.case_view import load_case
from app.services.caseload import TodoKind, caseload
from app.services.dates import add_months, age_on, month_start
from app.services.demo import build_demo
from app.services.demo_case_life import notes_on_topic
from app.services.demo_cases import MAX_SCALE, YEARLY_REQUESTS, requests_per_year
from app.services.eligibility import RuleStatus
from app.services.envelope import envelopes_overview
from app.services.integrity import check_database
from app.services.meetings import Obstacle, health_words
from app.services.scale import list_scales
from app.services.schema import open_sqlite
from app.services.storage import Database
from app.services.text import format_date
from app.services.validation import iban_error
from app.services.workflow import ExitReason
from tests.clock import TODAY, years_before  # the demo is built as of the session's day
from tests.demo_helpers import built_demo, day, opened, rows, staff
from tests.factories import make_case, make_person

N = 1200
SEED = 11
REFUSAL_GROUNDS = {"orientation", "request_delay", "previous_pack"}
GRANTED_STATES = {"granted", "in_progress", "suspended", "completed", "ended_early"}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_demo(tmp_path_factory, "demo_cases", N, SEED)


@pytest.fixture(scope="module")
def db(demo_path: Path) -> Iterator[Database]:
    yield from opened(demo_path)


@pytest.fixture(scope="module")
def validator(db: Database) -> Actor:
    return staff(db, User.is_validator, User.capacity == data.VALIDATOR_CAPACITY)


# --- Volumes and states ------------------------------------------------------------------------


def test_every_state_appears(demo_path: Path):
    states = Counter(s for (s,) in rows(demo_path, "SELECT state FROM pack_case"))
    assert set(states) == {s.value for s in CaseState}
    assert states["completed"] > states["ended_early"] > 0
    assert states["completed"] > states["refused"] > 0
    planned = sum(requests_per_year(N, TODAY).values())
    # Small demos add each state the volume left out (a suspension may take a few tries to
    # hold instalments back).
    assert planned * 0.8 < sum(states.values()) < planned + 4 * len(CaseState)


def test_rows_hold_together(demo_path: Path):
    assert rows(demo_path, "PRAGMA foreign_key_check") == []
    assert check_database(demo_path).ok


def test_volumes_ramp_up_and_scale_with_the_demo():
    full = requests_per_year(30_000, TODAY)
    assert full[2018] == 40 and full[2019] == 120
    assert all(200 <= full[y] <= 350 for y in range(2020, TODAY.year))  # leap years too
    length = (date(TODAY.year + 1, 1, 1) - date(TODAY.year, 1, 1)).days
    elapsed = ((TODAY - date(TODAY.year, 1, 1)).days + 1) / length
    assert full[TODAY.year] == round(YEARLY_REQUESTS[2026] * elapsed)  # up to the demo's today
    assert max(full) == TODAY.year
    small = requests_per_year(3_000, TODAY)
    assert small[2019] == 12
    huge = requests_per_year(1_000_000, TODAY)
    assert huge[2019] == round(120 * MAX_SCALE)


def test_recent_states_are_recent(demo_path: Path):
    cases = rows(
        demo_path,
        "SELECT c.state, c.request_date, c.submitted_on, d.decided_on, c.job_start "
        "FROM pack_case c LEFT JOIN decision d ON d.case_id = c.id "
        "AND d.kind IN ('grant', 'refusal')",
    )
    for state, request, submitted, decided, start in cases:
        request, submitted, decided, start = map(day, (request, submitted, decided, start))
        assert request <= TODAY
        if state == "draft":
            assert submitted is None and decided is None
            assert request > TODAY - timedelta(days=45)
        elif state == "submitted":
            assert submitted and decided is None
            assert TODAY - timedelta(days=30) < submitted <= TODAY
        else:
            assert submitted <= decided <= TODAY
            assert 0 <= (decided - request).days <= 21
        if state == "granted":
            assert start > TODAY
        if state in ("in_progress", "suspended"):
            assert TODAY - timedelta(days=215) <= start <= TODAY


# --- Money: aid lines, scale, schedule, envelopes ------------------------------------------------


def test_instalments_match_the_aid_lines_and_the_scale(db: Database, demo_path: Path):
    scales = {str(v.id).replace("-", ""): v for v in list_scales(db)}
    cases = rows(
        demo_path,
        "SELECT c.id, c.state, c.scale_version_id, c.job_start, d.decided_on FROM pack_case c "
        "LEFT JOIN decision d ON d.case_id = c.id AND d.kind = 'grant'",
    )
    lines = defaultdict(list)
    for case_id, line_id, component, monthly, months in rows(
        demo_path, "SELECT case_id, id, component, monthly_cents, months FROM aid_line"
    ):
        lines[case_id].append((line_id, component, monthly, months))
    instalments = defaultdict(list)
    for case_id, line_id, amount, status, year, due in rows(
        demo_path,
        "SELECT case_id, aid_line_id, amount_cents, status, envelope_year, due_month "
        "FROM instalment",
    ):
        instalments[case_id].append((line_id, amount, status, year, day(due)))
    assert cases
    for case_id, state, scale_id, start, decided in cases:
        scale = scales[scale_id]
        assert lines[case_id], case_id
        total = 0
        for line_id, component, monthly, months in lines[case_id]:
            rule = scale.components[Component(component)]
            assert 0 < monthly <= rule.monthly_cents and 0 < months <= rule.months
            total += monthly * months
            if state in GRANTED_STATES:
                own = [i for i in instalments[case_id] if i[0] == line_id]
                assert len(own) == months and {i[1] for i in own} == {monthly}
        assert total <= scale.max_total_cents
        paid = instalments[case_id]
        if state in GRANTED_STATES:
            cancelled = sum(i[1] for i in paid if i[2] == "cancelled")
            kept = sum(i[1] for i in paid if i[2] != "cancelled")
            assert kept == total - cancelled and kept > 0
            first = month_start(day(start))
            for _line, _amount, _status, year, due in paid:
                assert year == due.year and due.day == 1
                assert first <= due <= add_months(first, scale.max_months - 1) or (
                    due == month_start(day(decided))
                )
        else:
            assert paid == []


def test_envelopes_are_never_exceeded(db: Database):
    overview = envelopes_overview(db)
    assert all(e.remaining_cents >= 0 for e in overview)
    assert sum(e.committed_cents for e in overview) > 0


def test_instalment_statuses_follow_time(demo_path: Path):
    """Paid by the past months' batches, mandated in the current month's (the batches
    themselves: test_demo_payments.py)."""
    found = rows(
        demo_path,
        "SELECT i.status, i.due_month, i.paid_on, c.state, c.end_date, c.suspended_since, "
        "b.status FROM instalment i JOIN pack_case c ON c.id = i.case_id "
        "LEFT JOIN payment_batch b ON b.id = i.batch_id",
    )
    this_month = month_start(TODAY)
    seen = Counter()
    for status, due, paid_on, state, end, suspended, batch in found:
        due, paid_on = day(due), day(paid_on)
        seen[status] += 1
        if status == "paid":
            assert batch == "confirmed" and due < this_month and due < paid_on <= TODAY
        elif status == "mandated":
            assert batch == "open" and due <= TODAY and paid_on is None
        elif status == "to_settle":  # rejected by the bank, for the next batch
            assert batch is None and due < this_month and paid_on is None
        elif status == "planned":  # due later, or due since the last batch was made
            assert batch is None and state in ("granted", "in_progress")
        elif status == "suspended":  # and those no batch had taken yet
            assert batch is None and state == "suspended"
        else:
            assert status == "cancelled" and state == "ended_early" and batch is None
        if state == "suspended" and due > day(suspended):
            assert status == "suspended"
        if state == "ended_early" and due > day(end):
            assert status == "cancelled"
    assert {"paid", "mandated", "planned", "suspended", "to_settle"} <= set(seen)
    assert seen["mandated"] > seen["to_settle"]


def test_payees_have_valid_ibans(demo_path: Path):
    payees = rows(demo_path, "SELECT DISTINCT payee_kind, payee_name, payee_iban FROM instalment")
    assert {kind for kind, _, _ in payees} == {"beneficiary", "third_party"}
    assert all(iban_error(iban) is None for _, _, iban in payees)
    third = rows(demo_path, "SELECT name, kind, iban, bic FROM third_party")
    assert {k for _, k, _, _ in third} == {"creche", "transport"}
    assert all(iban_error(iban) is None and bic for _, _, iban, bic in third)
    people = rows(
        demo_path,
        "SELECT DISTINCT b.iban FROM beneficiary b JOIN pack_case c ON c.beneficiary_id = b.id",
    )
    assert all(iban_error(iban) is None for (iban,) in people)


def test_childcare_only_with_a_child_under_twelve(demo_path: Path):
    childcare = rows(
        demo_path,
        "SELECT c.beneficiary_id, c.job_start FROM aid_line a "
        "JOIN pack_case c ON c.id = a.case_id WHERE a.component = 'childcare'",
    )
    assert childcare
    for person, start in childcare:
        births = [
            day(b)
            for (b,) in rows(
                demo_path,
                "SELECT birth_date FROM household_member WHERE beneficiary_id = ? "
                "AND relation = 'enfant'",
                person,
            )
        ]
        start = day(start)
        assert any(b <= start and age_on(b, start) < 12 for b in births)


# --- Rules: eligibility re-evaluated by the real services ---------------------------------------


def test_decisions_agree_with_the_rules(db: Database, validator: Actor):
    with db.read() as s:
        cases = s.execute(select(Case.id, Case.state).order_by(Case.reference)).all()
    failed_rules: Counter[str] = Counter()
    for case_id, state in cases:
        detail = load_case(db, case_id, validator, log_access=False)
        if state == "refused":
            refusal = [d for d in detail.decisions if d.kind.value == "refusal"]
            assert len(refusal) == 1 and len(refusal[0].motivation) >= 30
            assert detail.eligibility.status is RuleStatus.FAILED, detail.reference
            for rule in detail.eligibility.failed:
                failed_rules[rule.code] += 1
                assert rule.explanation in refusal[0].motivation
        elif state in GRANTED_STATES:
            assert detail.eligibility.status is not RuleStatus.FAILED, detail.reference
            assert all(
                r.status is RuleStatus.PASSED
                for r in detail.eligibility.results
                if r.code != "previous_pack"
            )
        else:  # a pending request fails no rule, or one that a refusal will quote
            assert {r.code for r in detail.eligibility.failed} <= REFUSAL_GROUNDS
    assert set(failed_rules) <= REFUSAL_GROUNDS
    assert failed_rules


# --- Numbering ---------------------------------------------------------------------------------


def test_numbers_are_sequential_per_year_and_counters_follow(demo_path: Path):
    counters = dict(rows(demo_path, "SELECT name, value FROM counter"))
    decisions = rows(demo_path, "SELECT number, year, sequence, decided_on FROM decision")
    assert len({n for n, *_ in decisions}) == len(decisions)
    by_year = defaultdict(list)
    for number, year, sequence, decided in decisions:
        assert number == f"PSR-{year}-{sequence:04d}" and day(decided).year == year
        by_year[year].append((day(decided), sequence))
    for year, items in by_year.items():
        assert sorted(s for _, s in items) == list(range(1, len(items) + 1))
        assert [s for _, s in sorted(items)] == sorted(s for _, s in items)  # in date order
        assert counters[f"decision-{year}"] == len(items)
    references = rows(demo_path, "SELECT reference, request_date FROM pack_case")
    cases_by_year = defaultdict(list)
    for reference, request in references:
        match = re.fullmatch(r"DOS-(\d{4})-(\d{5})", reference)
        assert match and int(match[1]) == day(request).year
        cases_by_year[int(match[1])].append((day(request), int(match[2])))
    for year, items in cases_by_year.items():
        assert sorted(n for _, n in items) == list(range(1, len(items) + 1))
        assert [n for _, n in sorted(items)] == sorted(n for _, n in items)
        assert counters[f"case-{year}"] == len(items)
    batch_years = {
        int(y) for (y,) in rows(demo_path, "SELECT substr(number, 5, 4) FROM payment_batch")
    }
    assert set(counters) == {f"case-{y}" for y in cases_by_year} | {
        f"decision-{y}" for y in by_year
    } | {f"batch-{y}" for y in batch_years}  # batches: see test_demo_payments.py


def test_decision_rows(demo_path: Path):
    decisions = rows(
        demo_path,
        "SELECT d.kind, d.motivation, d.signer_name, u.is_validator, u.first_name, u.last_name, "
        "c.state FROM decision d JOIN app_user u ON u.id = d.author_id "
        "JOIN pack_case c ON c.id = d.case_id",
    )
    kinds = Counter(k for k, *_ in decisions)
    assert set(kinds) == {"grant", "refusal", "early_end", "completion"}
    for kind, motivation, signer, is_validator, first, last, _state in decisions:
        assert is_validator and signer == f"{first} {last}"
        assert bool(motivation) == (kind in ("refusal", "early_end"))
    per_case = rows(
        demo_path,
        "SELECT c.state, group_concat(d.kind, ',') FROM pack_case c "
        "LEFT JOIN decision d ON d.case_id = c.id GROUP BY c.id",
    )
    expected = {
        "draft": None,
        "submitted": None,
        "refused": ["refusal"],
        "granted": ["grant"],
        "in_progress": ["grant"],
        "suspended": ["grant"],
        "completed": ["completion", "grant"],
        "ended_early": ["early_end", "grant"],
    }
    for state, kinds_of_case in per_case:
        got = sorted(kinds_of_case.split(",")) if kinds_of_case else None
        assert got == expected[state], state


def test_early_ends_follow_an_invitation_to_give_observations(demo_path: Path):
    ended = rows(
        demo_path,
        "SELECT exit_reason, observations_deadline, end_date, observations_sent_on, "
        "employed_at_exit, job_start FROM pack_case WHERE state = 'ended_early'",
    )
    assert ended
    for reason, deadline, end, sent_on, employed, start in ended:
        assert reason in {r.value for r in ExitReason} and employed == 0
        assert day(start) < day(end) <= TODAY
        if ExitReason(reason).needs_observations:
            assert sent_on and deadline and day(sent_on) < day(deadline) < day(end)
        else:
            assert deadline is None and sent_on is None
    completed = rows(
        demo_path,
        "SELECT employed_at_exit FROM pack_case WHERE state = 'completed'",
    )
    share = sum(e for (e,) in completed) / len(completed)
    assert 0.5 < share < 0.9


def test_every_invitation_was_decided_by_a_validator_and_sent(demo_path: Path):
    """Decided and sent the same day, with its grounds: the letter and the early end agree."""
    notices = rows(
        demo_path,
        "SELECT c.observations_invited_on, c.observations_sent_on, c.observations_deadline, "
        "c.observations_grounds, u.is_validator FROM pack_case c "
        "LEFT JOIN app_user u ON u.id = c.observations_invited_by_id "
        "WHERE c.observations_invited_on IS NOT NULL OR c.observations_deadline IS NOT NULL",
    )
    assert notices
    for invited, sent, deadline, grounds, is_validator in notices:
        assert is_validator == 1 and invited == sent
        assert day(deadline) == day(sent) + timedelta(days=15)
        assert len(grounds) >= 30


# --- Meetings ----------------------------------------------------------------------------------


def test_meeting_notes_name_only_the_aids_of_their_case(demo_path: Path):
    aids = defaultdict(set)
    for case_id, component in rows(demo_path, "SELECT case_id, component FROM aid_line"):
        aids[case_id].add(component)
    notes = rows(demo_path, "SELECT case_id, notes FROM meeting")
    naming = {"l'aide transport": "transport", "l'aide à la garde": "childcare"}
    seen = Counter()
    for case_id, text in notes:
        for words, component in naming.items():
            if words in text.lower():
                seen[component] += 1
                assert component in aids[case_id], text
    assert seen["transport"] > 0
    for topic in Obstacle:
        for text in notes_on_topic(topic.value, set()):
            assert not any(words in text.lower() for words in naming), text
        with_all = notes_on_topic(topic.value, set(Component))
        assert set(notes_on_topic(topic.value, set())) <= set(with_all)


def test_meeting_snippets_and_notes_hold_no_health_data(demo_path: Path):
    snippets = [
        *data.MEETING_OPENINGS,
        *(s for group in data.MEETING_NOTES.values() for s in group),
        *(s for group in data.MEETING_NEXT_STEPS.values() for s in group),
        *data.REVIEW_NOTES_EMPLOYED,
        *data.REVIEW_NOTES_NOT_EMPLOYED,
        *data.REVIEW_NEXT_STEPS,
        *data.SUSPENSION_REASONS,
    ]
    assert health_words(*snippets) == []
    assert set(data.MEETING_NOTES) == {o.value for o in Obstacle}
    meetings = rows(demo_path, "SELECT participants, job_situation, notes, next_steps FROM meeting")
    assert meetings
    assert all(health_words(*m) == [] for m in meetings)
    texts = [t for (t,) in rows(demo_path, "SELECT motivation FROM decision")]
    texts += [t for (t,) in rows(demo_path, "SELECT notes FROM pack_case")]
    assert health_words(*texts) == []


def test_meetings_during_the_follow_up(demo_path: Path):
    cases = rows(
        demo_path,
        "SELECT c.id, c.state, c.job_start, d.decided_on, c.end_date, c.request_date "
        "FROM pack_case c LEFT JOIN decision d ON d.case_id = c.id AND d.kind = 'grant'",
    )
    meetings = defaultdict(list)
    for case_id, kind, held, mode, obstacles, nxt in rows(
        demo_path,
        "SELECT case_id, kind, held_on, mode, obstacles, next_meeting_on FROM meeting "
        "ORDER BY held_on",
    ):
        meetings[case_id].append((kind, day(held), mode, obstacles, day(nxt)))
    codes = {o.value for o in Obstacle}
    for case_id, state, start, decided, end, _request in cases:
        own = meetings[case_id]
        if state not in GRANTED_STATES or state == "granted":
            assert own == []  # no follow-up before the grant and the job start
            continue
        follow_ups = [m for m in own if m[0] == MeetingKind.FOLLOW_UP.value]
        reviews = [m for m in own if m[0] == MeetingKind.REVIEW_6M.value]
        assert len(reviews) == (1 if state == "completed" else 0)
        assert len(follow_ups) <= 4
        if state in ("completed",):
            assert len(follow_ups) >= 1
        for _kind, held, _mode, obstacles, nxt in own:
            assert max(day(start), day(decided)) <= held <= TODAY
            assert not end or held <= day(end)
            assert set(filter(None, obstacles.split(","))) <= codes
            assert nxt is None or nxt > held
    modes = Counter(m for (m,) in rows(demo_path, "SELECT mode FROM meeting"))
    assert set(modes) == {"entretien", "telephone", "lieu_travail"}


# --- Beneficiaries -------------------------------------------------------------------------------


def test_current_case_state_is_the_latest_case(demo_path: Path):
    people = rows(
        demo_path,
        "SELECT b.id, b.current_case_state, b.last_contact_at, "
        "(SELECT c.state FROM pack_case c WHERE c.beneficiary_id = b.id "
        " ORDER BY c.job_start DESC, c.created_at DESC LIMIT 1), "
        "(SELECT max(m.held_on) FROM meeting m JOIN pack_case c ON c.id = m.case_id "
        " WHERE c.beneficiary_id = b.id) FROM beneficiary b",
    )
    with_case = 0
    for _id, current, contact, latest, last_meeting in people:
        assert current == latest
        if latest:
            with_case += 1
            assert last_meeting is None or contact >= last_meeting
    assert with_case > 30
    several = rows(
        demo_path,
        "SELECT count(*) FROM (SELECT beneficiary_id FROM pack_case GROUP BY beneficiary_id "
        "HAVING count(*) > 1)",
    )
    assert several[0][0] >= 1


def test_rsa_closed_exits_close_the_right(demo_path: Path):
    """The right closes during the person's last case, which ends early for that reason (or
    is about to: the person was invited to give observations and the delay is running)."""
    closed = rows(
        demo_path,
        "SELECT b.id, b.rsa_closed_on, c.job_start, c.end_date, c.exit_reason, "
        "c.observations_sent_on FROM beneficiary b "
        "JOIN pack_case c ON c.beneficiary_id = b.id WHERE b.rsa_closed_on IS NOT NULL "
        "ORDER BY b.id, c.job_start",
    )
    last = {}
    for person, closed_on, start, end, reason, sent_on in closed:
        assert day(start) < day(closed_on)
        last[person] = (closed_on, end, reason, sent_on)
    pending = 0
    for closed_on, end, reason, sent_on in last.values():
        if end is None:
            assert day(closed_on) < day(sent_on) <= TODAY
            pending += 1
        else:
            assert reason == ExitReason.RSA_CLOSED.value and day(closed_on) < day(end)
    ended = rows(demo_path, "SELECT count(*) FROM pack_case WHERE exit_reason = 'rsa_closed'")
    assert len(last) == ended[0][0] + pending


# --- History ------------------------------------------------------------------------------------


def test_every_transition_is_in_the_audit_trail(demo_path: Path):
    cases = rows(demo_path, "SELECT id, reference, state, exit_reason FROM pack_case")
    events = defaultdict(list)
    for case_id, action, entity, login, at, summary in rows(
        demo_path,
        "SELECT case_id, action, entity, user_login, at, summary FROM audit_event "
        "WHERE action != 'read' ORDER BY at",
    ):
        events[case_id].append((action, entity, login, at, summary))
    logins = {login for (login,) in rows(demo_path, "SELECT os_login FROM app_user")}
    expected_last = {
        "draft": "create",
        "submitted": "submit",
        "refused": "refuse",
        "completed": "complete",
        "ended_early": "end_early",
        "suspended": "suspend",
    }
    for case_id, reference, state, reason in cases:
        own = events[case_id]
        assert own[0][:2] == ("create", "case") and own[0][4] == reference
        assert all(
            login in logins and summary.startswith(reference) for *_, login, _, summary in own
        )
        transitions = [a for a, entity, *_ in own if entity == "case"]
        if state in expected_last:
            assert transitions[-1] == expected_last[state], (reference, transitions)
        if state != "draft":
            assert transitions[1] == "submit"
        if state in ("granted", "in_progress", "suspended", "completed", "ended_early"):
            assert transitions[2] == "grant"
        if state == "ended_early":
            notice = ExitReason(reason).needs_observations
            assert ("invite_observations" in transitions) == notice
            assert transitions[-1] == "end_early"
    # The grant, refusal… events name the decision and are made by its author.
    by_summary = defaultdict(set)
    for evs in events.values():
        for action, _entity, login, _at, summary in evs:
            if action in ("grant", "refuse"):
                by_summary[re.search(r"décision (PSR-\d+-\d+)", summary).group(1)].add(login)
    decisions = rows(
        demo_path,
        "SELECT d.number, u.os_login FROM decision d JOIN app_user u ON u.id = d.author_id "
        "WHERE d.kind IN ('grant', 'refusal')",
    )
    assert decisions
    for number, login in decisions:
        assert by_summary[number] == {login}


def test_case_view_and_caseload_work_on_the_demo(db: Database, demo_path: Path, validator: Actor):
    with db.read() as s:
        by_state = {}
        for case in s.scalars(select(Case).order_by(Case.reference)):
            by_state.setdefault(case.state, case.id)
    assert set(by_state) == {s.value for s in CaseState}
    completed = load_case(db, by_state["completed"], validator)
    actions = [h.action for h in reversed(completed.history)]
    assert actions[:3] == ["create", "submit", "grant"] and "complete" in actions
    assert [d.kind.value for d in completed.decisions] == ["grant", "completion"]
    assert any(m.kind is MeetingKind.REVIEW_6M for m in completed.meetings)
    assert completed.total_cents > 0
    for state, case_id in by_state.items():
        detail = load_case(db, case_id, validator, log_access=False)
        assert detail.state.value == state and detail.history
    items = caseload(db, validator, today=TODAY, everyone=True)
    kinds = {i.kind for i in items}
    assert TodoKind.DECISION in kinds
    assert kinds & {TodoKind.INSTALMENT, TodoKind.MEETING, TodoKind.REVIEW}
    with db.read() as s:
        case = s.get(Case, by_state["in_progress"])
        referent = actor_from_user(s.get(User, case.referent_id), "POSTE-TEST")
    mine = caseload(db, referent, today=TODAY)
    assert {i.case_id for i in mine} >= {by_state["in_progress"]}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_cases_runs_on_the_demo(db: Database, demo_path: Path, tmp_path: Path, fmt: str):
    out = tmp_path / f"cases.{fmt}"
    count = rows(demo_path, "SELECT count(*) FROM pack_case")[0][0]
    assert export_cases(db, out, fmt) == count
    if fmt == "json":
        cases = json.loads(out.read_text(encoding="utf-8"))["cases"]
        assert {c["state"] for c in cases} == {s.value for s in CaseState}
    else:
        exported = list(
            csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";")
        )
        assert len(exported) == count


# --- After the demo: the app goes on --------------------------------------------------------------


def test_a_new_case_takes_the_next_numbers(demo_path: Path, tmp_path: Path, validator: Actor):
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(demo_path, copy)
    counters = dict(rows(copy, "SELECT name, value FROM counter"))
    year = TODAY.year
    db = open_sqlite(copy)
    try:
        with db.read() as s:
            taken = set(s.scalars(select(Beneficiary.allocataire_number)))
        number = next(f"{n:07d}" for n in range(1_000_000, 1_100_000) if f"{n:07d}" not in taken)
        person = make_person(db, validator, number=number, children=(years_before(TODAY, 4),))
        start = TODAY - timedelta(days=3)
        case_id = make_case(
            db,
            validator,
            person,
            job_start=start,
            request_date=TODAY,
            contract_end=add_months(start, 6),
        )
        from app.services import workflow

        workflow.submit(db, validator, case_id, on=TODAY)
        info = workflow.grant(db, validator, case_id, on=TODAY)
        with db.read() as s:
            reference = s.get(Case, case_id).reference
    finally:
        db.dispose()
    # On New Year's day the demo holds no case of the year yet: numbering starts at 1.
    assert reference == f"DOS-{year}-{counters.get(f'case-{year}', 0) + 1:05d}"
    assert info.number == f"PSR-{year}-{counters.get(f'decision-{year}', 0) + 1:04d}"


# --- Determinism --------------------------------------------------------------------------------


CASE_TABLES = (
    "pack_case",
    "aid_line",
    "instalment",
    "decision",
    "meeting",
    "audit_event",
    "counter",
    "third_party",
    "beneficiary",
    "payment_batch",
)


def case_digest(path: Path) -> str:
    h = hashlib.sha256()
    conn = sqlite3.connect(path)
    try:
        for table in CASE_TABLES:
            h.update(table.encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                h.update(repr(row).encode())
    finally:
        conn.close()
    return h.hexdigest()


def test_same_seed_and_size_give_the_same_cases(tmp_path: Path):
    first, second, other = (tmp_path / f"{n}.sqlite" for n in ("a", "b", "c"))
    build_demo(first, beneficiaries=400, seed=3)
    build_demo(second, beneficiaries=400, seed=3)
    build_demo(other, beneficiaries=400, seed=4)
    assert rows(first, "SELECT count(*) FROM pack_case")[0][0] > 10
    assert case_digest(first) == case_digest(second)
    assert case_digest(first) != case_digest(other)


# --- Letters -----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext reads the letters")
def test_every_letter_the_demo_offers_can_be_produced(db: Database, validator: Actor):
    """Each document the documents panel offers, on every case, renders with its facts."""
    with db.read() as s:
        case_ids = s.scalars(select(Case.id).order_by(Case.reference)).all()
    kinds: Counter[DocumentKind] = Counter()
    for case_id in case_ids:
        detail = load_case(db, case_id, validator, log_access=False)
        for choice in letter_choices(detail):
            letter, pdf, _ = documents.render(
                db, case_id, choice.kind, electronic=False, meeting_id=choice.meeting_id
            )
            text = " ".join(
                subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
                .stdout.decode()
                .split()
            )
            assert detail.reference in text and letter.signer_name in text, choice
            assert letter.signer_name and not re.search(r"\{[a-z_]+\}", text), choice
            if choice.kind is DocumentKind.OBSERVATIONS_NOTICE:
                assert format_date(letter.reply_by) in text
            kinds[choice.kind] += 1
    assert set(kinds) == set(DocumentKind) - {DocumentKind.ANNUAL_REPORT}, kinds
