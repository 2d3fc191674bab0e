"""The evaluation's figures on a small hand-built history (tests/evaluation_scene.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from app.services.errors import UserFacingError, ValidationError
from app.services.evaluation import (
    ESTIMATION,
    Figure,
    Period,
    Scope,
    cases_for,
    evaluate,
    find_office,
    prorated_target,
)
from app.services.evaluation_queries import DAYS_PER_MONTH
from app.services.settings import (
    load_settings,
    rsa_rate_on,
    rsa_rates_error,
    save_settings,
    settings_errors,
    with_rsa_rate,
)
from tests.evaluation_scene import Scene, build_scene

Y2018, Y2019 = Period.year(2018), Period.year(2019)
ACROSS = Period(date(2018, 7, 1), date(2019, 6, 30))


@pytest.fixture
def scene(db) -> Scene:
    return build_scene(db)


def refs(db, actor, figure, period, scope=None, **kw) -> list[str]:
    return [r.reference for r in cases_for(db, actor, figure, period, scope, **kw)]


def ref_of(db, scene, *names) -> list[str]:
    wanted = {scene.cases[n] for n in names}
    return sorted(
        row[0]
        for row in db.rows("SELECT reference, id FROM pack_case")
        if uuid.UUID(str(row[1])) in wanted
    )


def test_a_year_people_helped_funnel_and_delays(db, actor, scene):
    ev = evaluate(db, actor, Y2018)
    assert (ev.people_helped.count, ev.people_helped.target) == (2, 150)
    assert ev.people_helped.target_permille == 13  # 2 / 150
    months = {m.key: m.count for m in ev.people_helped.by_month}
    assert len(months) == 12 and months["2018-03"] == 1 and months["2018-11"] == 1
    assert sum(months.values()) == 2
    f = ev.funnel
    assert (f.requests, f.granted, f.refused, f.completed, f.ended_early) == (3, 2, 1, 1, 0)
    assert (f.exits, f.employed_at_exit, f.employed_at_exit_permille) == (1, 1, 1000)
    assert f.still_in_scheme == 1  # p2: granted 15/11/2018, ended 02/01/2019
    assert [e.count for e in f.ended_early_by_reason] == [0] * 6
    # Delays: p1 10 days, p2 10 days, p3 9 days -> nearest-rank median 10, p90 10.
    assert (ev.delays.decided, ev.delays.median_days, ev.delays.p90_days) == (3, 10, 10)
    assert (ev.delays.waiting, ev.delays.oldest_waiting_since) == (0, None)
    assert ev.scope_label == "Ensemble du département"


def test_a_period_across_two_years(db, actor, scene):
    ev = evaluate(db, actor, ACROSS)
    f = ev.funnel
    assert (f.requests, f.granted, f.refused, f.completed, f.ended_early) == (3, 2, 1, 1, 1)
    assert {e.reason: e.count for e in f.ended_early_by_reason}["person_request"] == 1
    by_reason = {e.reason: e.label for e in f.ended_early_by_reason}
    assert by_reason["person_request"] == "Demande de la personne"
    assert (f.exits, f.employed_at_exit_permille) == (2, 500)
    assert f.still_in_scheme == 1  # p4
    assert [m.key for m in ev.people_helped.by_month][:2] == ["2018-07", "2018-08"]
    assert len(ev.people_helped.by_month) == 12
    # 184 days of 2018 and 181 of 2019, each prorated on its own year: 150 in all.
    assert ev.people_helped.target == 150
    assert "ramené à 150" in ev.people_helped.target_note
    assert [y.year for y in ev.envelope.years] == [2018, 2019]


def test_the_target_is_prorated_and_said_so():
    assert prorated_target(150, Period(date(2019, 1, 1), date(2019, 6, 30)))[0] == 74  # 181 d
    target, note = prorated_target(150, Period(date(2020, 1, 1), date(2020, 1, 31)))
    assert target == 13 and "31 jours" in note  # 150 × 31 / 366 = 12.7
    assert prorated_target(150, Period(date(2018, 1, 1), date(2019, 12, 31)))[0] == 300
    assert prorated_target(150, Y2018) == (150, "Objectif : 150 personnes par an.")


def test_waiting_at_the_periods_end(db, actor, scene):
    ev = evaluate(db, actor, Y2019)
    assert (ev.delays.waiting, ev.delays.oldest_waiting_since) == (1, date(2019, 12, 20))
    # At the end of 2018, p5 had not been submitted yet, the others were decided.
    assert evaluate(db, actor, Period(date(2018, 12, 1), date(2018, 12, 5))).delays.waiting == 1


def test_envelope_and_average_aid(db, actor, scene):
    ev = evaluate(db, actor, Y2018)
    e = ev.envelope
    (year,) = e.years
    assert (year.year, year.voted_cents) == (2018, 20_000_000)
    # p1 1 350 €, p2 paid November and December (2 × (75 + 100 + 150)), the rest cancelled.
    assert e.committed_cents == e.scope_committed_cents == 135_000 + 65_000
    assert e.remaining_cents == 20_000_000 - 200_000
    assert e.paid_cents == e.scope_paid_cents == 65_000
    assert (e.aid_cents, e.people, e.average_per_person_cents) == (200_000, 2, 100_000)
    by = {c.component: c for c in e.by_component}
    assert (by["transport"].people, by["transport"].total_cents) == (2, 15_000 + 15_000)
    assert by["childcare"].average_cents == (90_000 + 30_000) // 2
    assert by["childcare"].label == "Garde d'enfant"


def test_the_saving_is_an_estimation_of_months_in_work(db, actor, scene):
    s = evaluate(db, actor, Y2018).saving
    # p1 from 05/03 to 04/09/2018 (184 days); p2 from 01/11 to 31/12/2018 (61 days).
    assert (s.cases, s.days_in_work) == (2, 245)
    assert s.rsa_avoided_cents == round(Fraction(245 * 50_000) / DAYS_PER_MONTH)
    assert s.aid_cents == 200_000 and s.net_cents == s.rsa_avoided_cents - 200_000
    assert str(s.months_in_work) == "8.0"  # 245 / 30.4375
    assert s.label == ESTIMATION and s.formula.startswith("Estimation")
    # 2019: p2 from 01/01 to its end on 02/01 (2 days), p4 from 04/02 to 03/08/2019.
    s19 = evaluate(db, actor, Y2019).saving
    assert (s19.cases, s19.days_in_work) == (2, 2 + 181)


def test_the_saving_uses_the_average_rsa_in_force_each_day(db, actor, scene):
    settings = with_rsa_rate(load_settings(db), date(2018, 7, 1), 60_000)
    s = evaluate(db, actor, Y2018, settings=settings).saving
    # p1: 118 days before 01/07 at 500 €, 66 after at 600 €; p2: 61 days at 600 €.
    expected = Fraction(118 * 50_000 + (66 + 61) * 60_000) / DAYS_PER_MONTH
    assert s.rsa_avoided_cents == round(expected)
    assert [(r.effective_from, r.monthly_cents) for r in s.rates] == [
        (date(2018, 1, 1), 50_000),
        (date(2018, 7, 1), 60_000),
    ]


def test_professional_use_lists_the_offices_with_no_request(db, actor, scene):
    use = evaluate(db, actor, Y2018).use
    # Référents: Nadia Benali (3 requests), Marc Aubert and Paul Morel (none).
    assert (use.referents_active, use.referents_total) == (1, 3)
    assert (use.offices_active, use.offices_total) == (1, 3)
    assert [o.name for o in use.offices_without_request] == ["CAF Massy", "MDS d'Étampes"]
    assert use.offices_without_request[0].institution == "CAF de l'Essonne"
    use19 = evaluate(db, actor, Y2019).use
    assert [o.name for o in use19.offices_without_request] == ["MDS d'Étampes"]


def test_scopes_office_institution_and_referent(db, actor, scene):
    evry = evaluate(db, actor, Y2018, Scope.office(scene.evry))
    assert (evry.funnel.requests, evry.people_helped.count) == (3, 2)
    assert evry.scope_label == "Bureau : MDS d'Évry"
    assert (evry.use.offices_total, evry.use.offices_without_request) == (1, ())
    massy = evaluate(db, actor, Y2019, Scope.office(scene.massy))
    assert (massy.funnel.requests, massy.funnel.granted, massy.delays.waiting) == (1, 1, 0)
    assert massy.envelope.scope_committed_cents == 15_000
    massy_2018 = evaluate(db, actor, Y2018, Scope.office(scene.massy)).envelope
    assert (massy_2018.scope_committed_cents, massy_2018.committed_cents) == (0, 200_000)
    caf = evaluate(db, actor, Y2019, Scope.institution(scene.caf))
    assert (caf.funnel.requests, caf.use.referents_total, caf.use.offices_total) == (1, 1, 1)
    morel = evaluate(db, actor, Y2019, Scope.referent(scene.caf_referent.user_id))
    assert (morel.funnel.granted, morel.scope_label) == (1, "Référent : Paul Morel")
    nadia = evaluate(db, actor, Y2019, Scope.referent(scene.referent.user_id))
    assert (nadia.funnel.granted, nadia.funnel.ended_early, nadia.delays.waiting) == (0, 1, 1)


def test_a_referent_counts_only_what_they_may_read(db, scene):
    # Nadia Benali (Département) does not read the CAF's files: p4 is not counted.
    mine = evaluate(db, scene.referent, Y2019)
    assert (mine.funnel.requests, mine.funnel.granted, mine.delays.waiting) == (1, 0, 1)
    assert mine.funnel.ended_early == 1  # p2, an Évry file
    assert refs(db, scene.referent, Figure.GRANTED, Y2019) == []
    # Her offices and colleagues are her institution's; the envelope stays département-wide.
    assert mine.use.offices_total == 2 and mine.use.referents_total == 2
    assert mine.envelope.scope_committed_cents == 0
    assert (
        mine.envelope.committed_cents
        == evaluate(db, scene.validator, Y2019).envelope.committed_cents
    )
    # Paul Morel (CAF) reads only p4.
    his = evaluate(db, scene.caf_referent, Y2019)
    assert (his.funnel.requests, his.funnel.granted, his.funnel.ended_early) == (1, 1, 0)
    assert [o.name for o in his.use.offices_without_request] == []
    # A validator reads every file.
    assert evaluate(db, scene.validator, Y2019).funnel.requests == 2


def test_every_figure_agrees_with_its_list_of_cases(db, actor, scene):
    for period in (Y2018, Y2019, ACROSS):
        ev = evaluate(db, actor, period)
        f = ev.funnel
        expected = {
            Figure.REQUESTS: f.requests,
            Figure.GRANTED: f.granted,
            Figure.REFUSED: f.refused,
            Figure.COMPLETED: f.completed,
            Figure.ENDED_EARLY: f.ended_early,
            Figure.EXITS: f.exits,
            Figure.EMPLOYED_AT_EXIT: f.employed_at_exit,
            Figure.STILL_IN_SCHEME: f.still_in_scheme,
            Figure.DECIDED: ev.delays.decided,
            Figure.WAITING: ev.delays.waiting,
            Figure.SAVING: ev.saving.cases,
        }
        for figure, count in expected.items():
            assert len(cases_for(db, actor, figure, period)) == count, (period, figure)
        people = {r.beneficiary_id for r in cases_for(db, actor, Figure.PEOPLE_HELPED, period)}
        assert len(people) == ev.people_helped.count
    assert set(Figure) == set(expected) | {Figure.PEOPLE_HELPED, Figure.AID}


def test_the_lists_behind_a_detail(db, actor, scene):
    p2 = ref_of(db, scene, "p2")
    assert refs(db, actor, Figure.ENDED_EARLY, ACROSS, detail="person_request") == p2
    assert refs(db, actor, Figure.ENDED_EARLY, ACROSS, detail="job_lost") == []
    assert refs(db, actor, Figure.PEOPLE_HELPED, Y2018, detail="2018-11") == p2
    assert refs(db, actor, Figure.AID, Y2019, detail="transport") == ref_of(db, scene, "p4")
    assert refs(db, actor, Figure.AID, Y2019, detail="childcare") == []
    (row,) = cases_for(db, actor, Figure.REFUSED, Y2018)
    assert (row.beneficiary_name, row.state, row.state_label) == (
        "COLIN Hélène",
        "refused",
        "Refusé",
    )
    assert (row.office, row.referent, row.submitted_on) == (
        "MDS d'Évry",
        "Nadia Benali",
        date(2018, 12, 1),
    )
    (done,) = cases_for(db, actor, Figure.COMPLETED, Y2018)
    assert (done.granted_on, done.end_date) == (date(2018, 3, 20), date(2018, 9, 4))
    with pytest.raises(ValidationError, match="inconnue"):
        cases_for(db, actor, Figure.REFUSED, Y2018, detail="job_lost")


def test_a_year_with_no_data_gives_zeros(db, actor, scene):
    ev = evaluate(db, actor, Period.year(2031))
    assert ev.people_helped.count == 0 and ev.funnel.requests == 0
    assert ev.delays.median_days is None and ev.envelope.average_per_person_cents is None
    assert ev.envelope.years[0].voted_cents is None and ev.envelope.voted_cents == 0
    assert ev.saving.cases == 0 and ev.saving.net_cents == 0
    assert ev.funnel.employed_at_exit_permille is None


def test_an_empty_base_gives_zeros(db, actor):
    ev = evaluate(db, actor, Y2018)
    assert ev.use.offices_total == 0 and ev.use.offices_permille is None
    assert sum(m.count for m in ev.people_helped.by_month) == 0


def test_bad_periods_and_scopes_are_refused_in_french(db, actor, scene):
    with pytest.raises(ValidationError, match="après sa fin"):
        Period(date(2019, 3, 1), date(2019, 2, 1))
    with pytest.raises(ValidationError, match="Année 1999"):
        Period.year(1999)
    with pytest.raises(UserFacingError, match="Bureau introuvable"):
        evaluate(db, actor, Y2018, Scope.office(uuid.uuid4()))
    with pytest.raises(ValueError):
        Scope(id=uuid.uuid4())


def test_find_office_by_name_or_id(db, scene):
    assert find_office(db, "mds d'evry").id == scene.evry
    assert find_office(db, str(scene.massy)).name == "CAF Massy"
    assert find_office(db, scene.massy.hex).name == "CAF Massy"
    assert find_office(db, "Nulle part") is None


def test_evaluation_settings_are_validated_in_french(db, actor):
    settings = load_settings(db)
    assert rsa_rate_on(settings, date(2017, 12, 31)) is None
    assert rsa_rate_on(settings, date(2019, 5, 1)) == 50_000
    assert "au moins un" in rsa_rates_error([])
    assert "pas une date valide" in rsa_rates_error([["2018-02-30", 50_000]])
    assert "gardez-en un seul" in rsa_rates_error([["2018-01-01", 1], ["2018-01-01", 2]])
    assert "va de 0,01" in rsa_rates_error([["2018-01-01", 0]])
    assert "montant" in rsa_rates_error([["2018-01-01", "500"]])
    assert (
        "objectif annuel" in settings_errors(replace(settings, yearly_target=-1))["yearly_target"]
    )
    with pytest.raises(ValidationError, match="RSA moyen"):
        save_settings(db, actor, replace(settings, average_rsa_rates=[["2019", 1]]))
    save_settings(
        db, actor, with_rsa_rate(replace(settings, yearly_target=180), date(2024, 1, 1), 53_600)
    )
    saved = load_settings(db)
    assert saved.yearly_target == 180
    assert saved.average_rsa_rates == [["2018-01-01", 50_000], ["2024-01-01", 53_600]]
    assert rsa_rate_on(saved, date(2023, 12, 31)) == 50_000
    assert rsa_rate_on(saved, date(2024, 1, 1)) == 53_600
    assert evaluate(db, actor, Period.year(2024)).people_helped.target == 180
