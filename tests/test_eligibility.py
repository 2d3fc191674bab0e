"""Every eligibility rule, at its edges (pure function, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.enums import Component
from app.services.eligibility import PersonFacts, PreviousCase, RuleStatus, check_eligibility
from app.services.scale import ComponentRule, ScaleRules

RULES = {
    Component.TRANSPORT: ComponentRule(Component.TRANSPORT, 7500, 2, False),
    Component.DAILY_LIFE: ComponentRule(Component.DAILY_LIFE, 10000, 3, False),
    Component.CHILDCARE: ComponentRule(Component.CHILDCARE, 15000, 6, True),
}
SCALE_2017 = ScaleRules(
    None, date(2017, 12, 1), "2017", "", 135000, 6, frozenset({"social"}), False, 3, 24, 12, RULES
)
SCALE_2019 = ScaleRules(
    None, date(2019, 9, 1), "2019", "", 135000, 6, frozenset({"social"}), True, 3, 24, 12, RULES
)


def facts(**kw) -> PersonFacts:
    base = dict(
        rsa_open_since=date(2016, 1, 1),
        rsa_closed_on=None,
        orientation="social",
        orientation_date=date(2016, 2, 1),
        global_support=False,
        children_birth_dates=(date(2015, 5, 5),),
    )
    base.update(kw)
    return PersonFacts(**base)


def rule(result, code):
    return next(r for r in result.results if r.code == code)


def scale_for(day: date) -> ScaleRules:
    return SCALE_2019 if day >= SCALE_2019.effective_from else SCALE_2017


def test_all_conditions_met():
    result = check_eligibility(
        facts(), date(2018, 3, 1), date(2018, 3, 10), SCALE_2017, components=[Component.CHILDCARE]
    )
    assert result.status is RuleStatus.PASSED
    assert {r.code for r in result.results} == {
        "rsa_open",
        "orientation",
        "request_delay",
        "previous_pack",
        "childcare",
    }


@pytest.mark.parametrize(
    ("start", "expected"),
    [(date(2019, 8, 31), RuleStatus.FAILED), (date(2019, 9, 1), RuleStatus.PASSED)],
)
def test_employment_orientation_in_global_support_from_1_september_2019(start, expected):
    person = facts(orientation="emploi", global_support=True)
    result = check_eligibility(person, start, start, scale_for(start))
    assert rule(result, "orientation").status is expected
    if expected is RuleStatus.FAILED:
        assert "orientation sociale" in rule(result, "orientation").explanation


def test_employment_orientation_without_global_support_is_refused_after_2019():
    person = facts(orientation="emploi", global_support=False)
    result = check_eligibility(person, date(2020, 1, 6), date(2020, 1, 6), SCALE_2019)
    assert rule(result, "orientation").status is RuleStatus.FAILED
    assert "accompagnement global" in rule(result, "orientation").explanation


def test_orientation_decided_after_job_start_is_to_check():
    result = check_eligibility(
        facts(orientation_date=date(2018, 4, 1)), date(2018, 3, 1), date(2018, 4, 2), SCALE_2017
    )
    assert rule(result, "orientation").status is RuleStatus.TO_CHECK
    assert result.status is RuleStatus.TO_CHECK


@pytest.mark.parametrize(
    ("open_since", "closed_on", "expected"),
    [
        (date(2018, 3, 1), None, RuleStatus.PASSED),  # opened the very day the job starts
        (date(2018, 3, 2), None, RuleStatus.FAILED),
        (date(2016, 1, 1), date(2018, 3, 1), RuleStatus.FAILED),  # closed that day
        (date(2016, 1, 1), date(2018, 3, 2), RuleStatus.PASSED),
        (None, None, RuleStatus.TO_CHECK),
    ],
)
def test_rsa_right_open_at_job_start(open_since, closed_on, expected):
    result = check_eligibility(
        facts(rsa_open_since=open_since, rsa_closed_on=closed_on),
        date(2018, 3, 1),
        date(2018, 3, 1),
        SCALE_2017,
    )
    assert rule(result, "rsa_open").status is expected


@pytest.mark.parametrize(
    ("start", "asked_on", "expected"),
    [
        (date(2018, 1, 31), date(2018, 4, 30), RuleStatus.PASSED),  # 31/01 + 3 months = 30/04
        (date(2018, 1, 31), date(2018, 5, 1), RuleStatus.FAILED),
        (date(2018, 3, 15), date(2018, 6, 15), RuleStatus.PASSED),
        (date(2018, 3, 15), date(2018, 6, 16), RuleStatus.FAILED),
        (date(2018, 3, 15), date(2018, 3, 1), RuleStatus.PASSED),
    ],  # asked before the start
)
def test_request_within_three_months_of_job_start(start, asked_on, expected):
    result = check_eligibility(facts(), start, asked_on, SCALE_2017)
    assert rule(result, "request_delay").status is expected


def test_request_too_late_explains_the_deadline():
    result = check_eligibility(facts(), date(2018, 1, 31), date(2018, 5, 2), SCALE_2017)
    assert "30/04/2018" in rule(result, "request_delay").explanation


@pytest.mark.parametrize(
    ("previous_start", "end", "state", "expected"),
    [
        # The 24 months run from the END of the earlier pack, not from its job start.
        (date(2015, 9, 2), date(2016, 3, 2), "completed", RuleStatus.FAILED),  # a day too soon
        (date(2015, 9, 1), date(2016, 3, 1), "completed", RuleStatus.PASSED),  # exactly 24
        (date(2016, 3, 1), date(2016, 8, 31), "completed", RuleStatus.FAILED),  # start 24 ago
        (date(2015, 9, 10), None, "completed", RuleStatus.FAILED),  # six months: to 09/03/2016
        (date(2015, 8, 1), None, "completed", RuleStatus.PASSED),  # six months: to 31/01/2016
        (date(2016, 1, 4), date(2016, 2, 1), "ended_early", RuleStatus.PASSED),  # ended early
        (date(2017, 6, 1), None, "ended_early", RuleStatus.FAILED),
        (date(2017, 6, 1), None, "refused", RuleStatus.PASSED),  # a refusal is not a pack
        (date(2018, 2, 1), None, "submitted", RuleStatus.TO_CHECK),
    ],
)
def test_second_pack_within_24_months_of_the_earlier_packs_end(
    previous_start, end, state, expected
):
    previous = [PreviousCase("DOS-2016-00001", state, previous_start, end)]
    result = check_eligibility(facts(), date(2018, 3, 1), date(2018, 3, 1), SCALE_2017, previous)
    assert rule(result, "previous_pack").status is expected


@pytest.mark.parametrize(
    ("later_start", "state", "expected"),
    [
        # This pack (job 01/03/2018) runs to 31/08/2018: a later pack needs 24 months more.
        (date(2020, 8, 30), "granted", RuleStatus.FAILED),
        (date(2020, 8, 31), "granted", RuleStatus.PASSED),
        (date(2018, 9, 1), "suspended", RuleStatus.FAILED),
        (date(2018, 9, 1), "refused", RuleStatus.PASSED),
        (date(2018, 9, 1), "submitted", RuleStatus.TO_CHECK),  # one request only can succeed
    ],
)
def test_a_pack_granted_first_for_a_later_job_counts_too(later_start, state, expected):
    previous = [PreviousCase("DOS-2018-00007", state, later_start)]
    result = check_eligibility(facts(), date(2018, 3, 1), date(2018, 3, 1), SCALE_2017, previous)
    found = rule(result, "previous_pack")
    assert found.status is expected
    if expected is RuleStatus.FAILED:
        assert "emploi commençant plus tard" in found.explanation
        assert "DOS-2018-00007" in found.explanation


def test_a_granted_pack_refuses_even_when_another_request_is_pending():
    previous = [
        PreviousCase("DOS-2018-00009", "submitted", date(2018, 4, 1)),  # later, pending
        PreviousCase("DOS-2017-00003", "granted", date(2017, 11, 6)),  # earlier, granted
    ]
    result = check_eligibility(facts(), date(2018, 3, 1), date(2018, 3, 1), SCALE_2017, previous)
    found = rule(result, "previous_pack")
    assert found.status is RuleStatus.FAILED and "DOS-2017-00003" in found.explanation


def test_second_pack_too_soon_names_the_earlier_case_and_the_date():
    previous = [PreviousCase("DOS-2017-00012", "completed", date(2017, 1, 9), date(2017, 7, 8))]
    result = check_eligibility(facts(), date(2018, 3, 1), date(2018, 3, 1), SCALE_2017, previous)
    explanation = rule(result, "previous_pack").explanation
    assert "DOS-2017-00012" in explanation and "Pack terminé le 08/07/2017" in explanation
    assert "à partir de la fin du Pack précédent" in explanation
    assert "à partir du 08/07/2019" in explanation


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        ((date(2006, 3, 2),), RuleStatus.PASSED),  # 11 at the start: turns 12 next day
        ((date(2006, 3, 1),), RuleStatus.FAILED),  # 12 on the job start day
        ((), RuleStatus.FAILED),
        ((None,), RuleStatus.TO_CHECK),
    ],
)
def test_childcare_needs_a_child_under_twelve(children, expected):
    result = check_eligibility(
        facts(children_birth_dates=children),
        date(2018, 3, 1),
        date(2018, 3, 1),
        SCALE_2017,
        components=[Component.CHILDCARE],
    )
    assert rule(result, "childcare").status is expected


def test_childcare_rule_only_when_childcare_is_asked():
    result = check_eligibility(
        facts(children_birth_dates=()),
        date(2018, 3, 1),
        date(2018, 3, 1),
        SCALE_2017,
        components=[Component.TRANSPORT],
    )
    assert "childcare" not in {r.code for r in result.results}
    assert result.status is RuleStatus.PASSED
