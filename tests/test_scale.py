"""Scale versions and envelopes: seeded values, version in force, administration."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from app.models.enums import Component
from app.services.dates import add_months, month_start
from app.services.envelope import envelopes_overview, set_envelope
from app.services.errors import NotAllowed, ValidationError
from app.services.scale import add_scale_version, list_scales, scale_in_force
from app.services.settings import OfficeSettings, load_settings, save_settings
from tests.clock import TODAY


def test_seeded_scales_and_envelopes(db):
    scales = list_scales(db)
    assert [s.effective_from for s in scales] == [date(2017, 12, 1), date(2019, 9, 1)]
    first = scales[0]
    assert {c: (r.monthly_cents, r.months) for c, r in first.components.items()} == {
        Component.TRANSPORT: (7500, 2),
        Component.DAILY_LIFE: (10000, 3),
        Component.CHILDCARE: (15000, 6),
    }
    assert sum(r.max_cents for r in first.components.values()) == first.max_total_cents == 135000
    assert not first.employment_with_global_support and scales[1].employment_with_global_support
    assert [(e.year, e.amount_cents) for e in envelopes_overview(db)] == [
        (2018, 20_000_000),
        (2019, 20_000_000),
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2017, 12, 1), date(2017, 12, 1)),
        (date(2019, 8, 31), date(2017, 12, 1)),
        (date(2019, 9, 1), date(2019, 9, 1)),
        (date(2026, 11, 23), date(2019, 9, 1)),
    ],
)
def test_version_in_force(db, day, expected):
    with db.read() as s:
        assert scale_in_force(s, day).effective_from == expected


def test_nothing_in_force_before_the_scheme(db):
    with db.read() as s, pytest.raises(NotAllowed, match="30/11/2017"):
        scale_in_force(s, date(2017, 11, 30))


def test_admin_adds_a_future_version_never_a_past_one(db, actor):
    current = list_scales(db)[-1]
    raised = {
        c: dataclasses.replace(r, monthly_cents=r.monthly_cents + 500)
        for c, r in current.components.items()
    }
    start = month_start(add_months(TODAY, 2))  # a revaluation voted for a coming month
    new = dataclasses.replace(
        current,
        id=None,
        effective_from=start,
        label=f"Revalorisation {start.year}",
        components=raised,
        max_total_cents=current.max_total_cents + 5500,
    )
    add_scale_version(db, actor, new, today=TODAY)
    with db.read() as s:
        assert scale_in_force(s, start).components[Component.TRANSPORT].monthly_cents == 8000
        assert scale_in_force(s, start - timedelta(days=1)).effective_from == date(2019, 9, 1)
    with pytest.raises(ValidationError, match="passé"):
        add_scale_version(
            db,
            actor,
            dataclasses.replace(new, effective_from=month_start(add_months(TODAY, -10))),
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="après"):
        add_scale_version(
            db,
            actor,
            dataclasses.replace(new, effective_from=add_months(start, -1)),
            today=TODAY,
        )


def test_only_admins_change_rules(db, actor):
    clerk = dataclasses.replace(actor, is_admin=False)
    with pytest.raises(NotAllowed):
        add_scale_version(db, clerk, list_scales(db)[-1])
    with pytest.raises(NotAllowed):
        set_envelope(db, clerk, 2026, 25_000_000)
    with pytest.raises(NotAllowed):
        save_settings(db, clerk, OfficeSettings())


def test_envelope_per_year(db, actor):
    set_envelope(db, actor, 2026, 25_000_000, "Budget primitif 2026")
    set_envelope(db, actor, 2026, 26_000_000)
    assert [(e.year, e.amount_cents) for e in envelopes_overview(db)][-1] == (2026, 26_000_000)
    with pytest.raises(ValidationError):
        set_envelope(db, actor, 2026, 0)


def test_settings_round_trip(db, actor):
    settings = load_settings(db)
    assert settings.observations_delay_days == 15 and not settings.nir_enabled
    settings.observations_delay_days = 21
    settings.appeal_routes = "Recours : Tribunal administratif de Versailles, deux mois."
    save_settings(db, actor, settings)
    again = load_settings(db)
    assert again.observations_delay_days == 21
    assert again.appeal_routes.startswith("Recours")


def test_settings_are_checked_before_saving(db, actor):
    from app.services.settings import settings_errors

    bad = load_settings(db)
    bad.appeal_routes = "Recours possible."
    bad.access_log_months = 3
    bad.department_name = " "
    assert set(settings_errors(bad)) == {"appeal_routes", "access_log_months", "department_name"}
    with pytest.raises(ValidationError):
        save_settings(db, actor, bad)
    assert load_settings(db).department_name == "Département de l'Essonne"
