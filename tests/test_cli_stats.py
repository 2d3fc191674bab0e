"""The ``stats`` and ``open-data`` commands: output, options, masking and bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from app.cli import main
from app.services import workflow
from tests.evaluation_scene import build_scene
from tests.factories import make_case, make_person


@pytest.fixture
def scene(db):
    return build_scene(db)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_stats_of_a_year_as_json(db, db_path, scene, capsys):
    code, out, _ = run(capsys, "stats", "--db", str(db_path), "--year", "2018")
    assert code == 0
    figures = json.loads(out)
    assert figures["period"] == {"from": "2018-01-01", "to": "2018-12-31"}
    assert figures["people_helped"]["count"] == 2
    assert figures["funnel"]["requests"] == 3
    assert figures["envelope"]["years"][0]["voted_cents"] == 20_000_000
    assert figures["saving"]["label"] == "estimation"
    assert set(figures) == {
        "period",
        "scope",
        "as_of",
        "people_helped",
        "funnel",
        "envelope",
        "delays",
        "professionals",
        "saving",
    }


def test_stats_of_a_period_for_an_office_as_csv(db, db_path, scene, capsys):
    code, out, _ = run(
        capsys,
        "stats",
        "--db",
        str(db_path),
        "--from",
        "01/07/2018",
        "--to",
        "30/06/2019",
        "--office",
        "mds d'évry",
        "--format",
        "csv",
    )
    assert code == 0
    values = dict(csv.reader(io.StringIO(out), delimiter=";"))
    assert values["key"] == "value"
    assert values["scope.kind"] == "office" and values["scope.id"] == str(scene.evry)
    assert values["funnel.requests"] == "2"  # p2 and p3; p4 is the CAF's
    assert values["funnel.ended_early_by_reason.person_request.count"] == "1"
    assert values["people_helped.by_month.2018-11.count"] == "1"
    assert values["delays.oldest_waiting_since"] == ""
    code, out, _ = run(
        capsys, "stats", "--db", str(db_path), "--year", "2019", "--office", str(scene.massy)
    )
    assert json.loads(out)["funnel"]["granted"] == 1


def test_a_year_with_no_data_prints_zeros(db, db_path, scene, capsys):
    code, out, _ = run(capsys, "stats", "--db", str(db_path), "--year", "2031")
    assert code == 0
    figures = json.loads(out)
    assert figures["funnel"]["requests"] == 0 and figures["delays"]["median_days"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "01/03/2019", "--to", "01/02/2019"], "après sa fin"),
        (["--from", "01/03/2019"], "--from s'emploie avec --to"),
        (["--to", "01/03/2019"], "--to s'emploie avec --from"),
        (["--year", "1990"], "Année 1990 invalide"),
        (["--year", "2019", "--office", "Nulle part"], "Aucun bureau « Nulle part »"),
    ],
)
def test_bad_input_is_refused_in_french(db, db_path, scene, capsys, args, message):
    code, out, err = run(capsys, "stats", "--db", str(db_path), *args)
    assert (code, out) == (2, "")
    assert message in err


@pytest.mark.parametrize("args", [["--from", "31/02/2019", "--to", "01/03/2019"], ["--year", "19"]])
def test_impossible_dates_are_refused_by_the_parser(db_path, capsys, args):
    with pytest.raises(SystemExit) as exit_:
        main(["stats", "--db", str(db_path), *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "n'existe pas dans le calendrier" in err or "écrivez AAAA" in err


def test_a_file_that_is_not_a_pack_sortie_base(tmp_path, capsys):
    other = tmp_path / "notes.sqlite"
    other.write_text("pas une base", encoding="utf-8")
    code, _, err = run(capsys, "stats", "--db", str(other), "--year", "2019")
    assert code == 2 and "n'est pas une base de données Pack Sortie" in err
    out = tmp_path / "od.csv"
    code, _, err = run(capsys, "open-data", "--db", str(other), "--year", "2019", "--out", str(out))
    assert code == 2 and not out.exists()


def test_open_data_per_office_with_small_counts_masked(db, db_path, scene, capsys, tmp_path):
    # Five more requests at Évry in 2019, still waiting: 6 requests, 6 waiting (shown).
    for n in range(5):
        person = make_person(
            db, scene.referent, number=f"200000{n}", last_name=f"Nom{n}", office_id=scene.evry
        )
        case_id = make_case(
            db, scene.referent, person, job_start=date(2019, 10, 1), contract_end=date(2020, 9, 30)
        )
        workflow.submit(db, scene.referent, case_id, on=date(2019, 10, 10))
    out = tmp_path / "open-data-2019.csv"
    code, printed, _ = run(
        capsys, "open-data", "--db", str(db_path), "--year", "2019", "--out", str(out)
    )
    assert code == 0 and "< 5" in printed
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert not list(tmp_path.glob("*.tmp"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    by_office = {r["bureau"]: r for r in rows}
    assert list(by_office) == ["CAF Massy", "MDS d'Étampes", "MDS d'Évry"]
    evry, massy, etampes = (
        by_office["MDS d'Évry"],
        by_office["CAF Massy"],
        by_office["MDS d'Étampes"],
    )
    assert (evry["demandes"], evry["en_attente_de_decision"]) == ("6", "6")
    assert (evry["accords"], evry["sorties_anticipees"]) == ("0", "< 5")
    assert (massy["demandes"], massy["personnes_aidees"], massy["aides_accordees_euros"]) == (
        "< 5",
        "< 5",
        "< 5",
    )
    assert massy["delai_median_jours"] == "< 5"
    assert etampes["demandes"] == "0" and etampes["delai_median_jours"] == ""
    assert {r["annee"] for r in rows} == {"2019"}
    text = raw.decode("utf-8-sig")
    for personal in ("Arnaud", "Durand", "Benali", "Morel", "1000004"):
        assert personal not in text


def test_open_data_of_a_referent_keeps_to_their_institution(db, scene, tmp_path):
    from app.services.evaluation_output import open_data_rows

    offices = [row[2] for row in open_data_rows(db, scene.caf_referent, 2019)]
    assert offices == ["CAF Massy"]
    assert len(open_data_rows(db, scene.validator, 2019)) == 3
