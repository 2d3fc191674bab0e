"""The demo database: built through the CLI, deterministic, realistic, and safe to (re)build."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.services import demo, demo_beneficiaries, demo_day, demo_organisation
from app.services import demo_data as data
from app.services.actor import os_login
from app.services.beneficiaries import BeneficiaryInput, HouseholdInput, validate
from app.services.beneficiary_search import BeneficiaryFilter, count_beneficiaries
from app.services.demo import DemoCancelled, build_demo
from app.services.errors import DatabaseRefused, UserFacingError
from app.services.schema import current_revision, head_revision, open_sqlite, probe_file
from tests.clock import TODAY, years_after, years_before
from tests.demo_helpers import rows

N = 400


def table_digest(path: Path) -> str:
    """SHA-256 of every row of every table (all columns), in insertion order."""
    conn = sqlite3.connect(path)
    try:
        h = hashlib.sha256()
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        for name, sql in tables:
            ordered = "WITHOUT ROWID" not in (sql or "").upper()
            query = f'SELECT * FROM "{name}"' + (" ORDER BY rowid" if ordered else "")
            content = conn.execute(query).fetchall()
            h.update(name.encode())
            for row in content if ordered else sorted(content, key=repr):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        conn.close()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, demo.DemoSummary]]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    summary = build_demo(path, beneficiaries=N, seed=5)
    yield path, summary


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own (tmp_path also holds the isolated home of the app)."""
    path = tmp_path / "partage"
    path.mkdir()
    return path


@pytest.fixture
def demo_path(built: tuple[Path, demo.DemoSummary]) -> Path:
    return built[0]


# --- The command line ----------------------------------------------------------------------


def test_cli_builds_a_demo_at_head_revision(folder: Path, capsys: pytest.CaptureFixture[str]):
    path = folder / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--beneficiaries", "300", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert f"Base de démonstration créée au {TODAY:%d/%m/%Y} : 300 bénéficiaires" in out
    assert str(path) in out
    assert listing(folder) == ["demo.sqlite"]  # no temporary file or journal left behind
    db = open_sqlite(path)
    try:
        assert current_revision(db) == head_revision()
    finally:
        db.dispose()
    assert rows(path, "SELECT count(*) FROM beneficiary") == [(300,)]


def test_cli_refuses_to_overwrite_without_force(folder: Path):
    path = folder / "existing.sqlite"
    path.write_bytes(b"les notes de quelqu'un")
    assert main(["demo", "--db", str(path), "--beneficiaries", "300"]) == 2
    assert path.read_bytes() == b"les notes de quelqu'un"
    with pytest.raises(UserFacingError, match="existe déjà"):
        build_demo(path, beneficiaries=10)
    assert path.read_bytes() == b"les notes de quelqu'un"
    assert listing(folder) == ["existing.sqlite"]


def test_cli_force_replaces_a_demo(folder: Path):
    path = folder / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--beneficiaries", "300", "--seed", "5"]) == 0
    Path(f"{path}-journal").write_bytes(b"")  # a stale journal must not survive
    assert main(["demo", "--db", str(path), "--beneficiaries", "250", "--force"]) == 0
    assert rows(path, "SELECT count(*) FROM beneficiary") == [(250,)]
    assert listing(folder) == ["demo.sqlite"]
    assert probe_file(path).revision == head_revision()


def test_force_never_replaces_a_foreign_sqlite_file(folder: Path):
    path = folder / "compta.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE facture (id INTEGER PRIMARY KEY, montant INTEGER)")
    conn.execute("INSERT INTO facture (montant) VALUES (1350)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    assert main(["demo", "--db", str(path), "--beneficiaries", "300", "--force"]) == 2
    with pytest.raises(DatabaseRefused, match="autre application"):
        build_demo(path, beneficiaries=10, replace=True)
    assert path.read_bytes() == before
    assert listing(folder) == ["compta.sqlite"]


# --- Cancel, progress, failures --------------------------------------------------------------


def test_cancel_before_start_creates_nothing(folder: Path):
    path = folder / "demo.sqlite"
    with pytest.raises(DemoCancelled, match="annulée"):
        build_demo(path, beneficiaries=300, cancelled=lambda: True)
    assert listing(folder) == []


def test_cancel_midway_leaves_no_file_and_keeps_the_old_demo(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(demo_beneficiaries, "CHUNK_SIZE", 100)
    path = folder / "demo.sqlite"
    build_demo(path, beneficiaries=200, seed=1)
    before = path.read_bytes()
    seen: list[tuple[int, int]] = []
    with pytest.raises(DemoCancelled):
        build_demo(
            path,
            beneficiaries=300,
            replace=True,
            progress=lambda done, total: seen.append((done, total)),
            cancelled=lambda: any(done > 0 for done, _ in seen),
        )
    assert seen == [(0, 300), (100, 300)]
    assert path.read_bytes() == before
    assert listing(folder) == ["demo.sqlite"]


def test_progress_is_reported_by_chunks(folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(demo_beneficiaries, "CHUNK_SIZE", 100)
    seen: list[tuple[int, int]] = []
    build_demo(folder / "d.sqlite", beneficiaries=250, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 250), (100, 250), (200, 250), (250, 250)]


def test_a_failure_midway_removes_the_temporary_file(folder: Path, monkeypatch: pytest.MonkeyPatch):
    def broken(*_args: object) -> None:
        raise RuntimeError("disque plein")

    monkeypatch.setattr(demo, "add_beneficiaries", broken)
    with pytest.raises(RuntimeError):
        build_demo(folder / "demo.sqlite", beneficiaries=300)
    assert listing(folder) == []


def test_size_is_checked(folder: Path):
    with pytest.raises(UserFacingError, match="compris entre"):
        build_demo(folder / "d.sqlite", beneficiaries=-1)
    assert listing(folder) == []


# --- Determinism -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(folder: Path):
    first, second, other = (folder / f"{n}.sqlite" for n in ("a", "b", "c"))
    build_demo(first, beneficiaries=200, seed=42)
    build_demo(second, beneficiaries=200, seed=42)
    build_demo(other, beneficiaries=200, seed=43)
    assert table_digest(first) == table_digest(second)
    assert table_digest(first) != table_digest(other)


def test_the_demo_stands_on_the_day_it_is_built_or_on_the_day_asked(folder: Path, capsys):
    """Same seed and same day give the same rows; the day is recorded for the application."""
    built_today, asked = folder / "today.sqlite", folder / "asked.sqlite"
    build_demo(built_today, beneficiaries=200, seed=42)
    day = years_before(TODAY, 2)  # a demo made two years ago
    assert main(["demo", "--db", str(asked), "--beneficiaries", "200", "--as-of",
                 f"{day:%d/%m/%Y}"]) == 0  # fmt: skip
    assert f"créée au {day:%d/%m/%Y}" in capsys.readouterr().out
    for path, expected in ((built_today, TODAY), (asked, day)):
        db = open_sqlite(path)
        try:
            assert demo_day.demo_date(db) == expected
            assert demo_day.demo_is_stale(db, today=expected) is None
            assert demo_day.demo_is_stale(db, today=expected + timedelta(days=31)) == expected
        finally:
            db.dispose()
    # Nothing in the demo happens after its day; its latest requests are of the last weeks.
    latest = rows(asked, "SELECT max(request_date) FROM pack_case")[0][0]
    assert day - timedelta(days=45) < date.fromisoformat(latest) <= day


def test_a_real_base_has_no_demo_day(db):
    assert demo_day.demo_date(db) is None and demo_day.demo_is_stale(db) is None


def test_cli_refuses_an_impossible_demo_day(folder: Path, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--db", str(folder / "d.sqlite"), "--as-of", "30/02/2027"])
    assert "n'existe pas dans le calendrier" in capsys.readouterr().err
    too_late = years_after(TODAY, 3)
    assert main(["demo", "--db", str(folder / "d.sqlite"), "--as-of", f"{too_late:%d/%m/%Y}"]) == 2
    assert "date de la démonstration" in capsys.readouterr().err
    assert listing(folder) == []


# --- Content -----------------------------------------------------------------------------------


def test_summary_matches_the_database(built: tuple[Path, demo.DemoSummary]):
    path, summary = built
    count = {
        t: rows(path, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("institution", "office", "app_user", "beneficiary", "household_member")
    }
    referents = rows(path, "SELECT count(*) FROM app_user WHERE is_referent")[0][0]
    assert (
        summary.institutions,
        summary.offices,
        summary.users,
        summary.beneficiaries,
        summary.household_members,
        summary.referents,
    ) == (
        count["institution"],
        count["office"],
        count["app_user"],
        N,
        count["household_member"],
        referents,
    )
    assert str(summary) == (
        f"Base de démonstration créée au {TODAY:%d/%m/%Y} : 400 bénéficiaires, "
        f"{summary.offices} bureaux, {summary.referents} référents — {path}"
    )
    kinds = Counter(k for (k,) in rows(path, "SELECT kind FROM institution"))
    assert kinds["departement"] == 1 and kinds["caf"] == 1
    assert kinds["ccas"] >= 3 and kinds["plie"] == 2
    names = {n for (n,) in rows(path, "SELECT name FROM office")}
    assert {"MDS d'Évry-Courcouronnes", "MDS des Ulis", "MDS d'Étampes"} <= names


def test_names_are_french_with_accents_and_compound_forms(demo_path: Path):
    people = rows(demo_path, "SELECT first_name, last_name FROM beneficiary")
    firsts = {f for f, _ in people}
    lasts = {la for _, la in people}
    assert sum(1 for f in firsts if not f.isascii()) >= 10  # Hélène, Zoé, Maël…
    assert any(not la.isascii() for la in lasts)
    assert any("'" in la for la in lasts) or any(" " in la for la in lasts)
    assert len(lasts) > N / 3  # a realistic diversity, not ten families
    assert all(f.strip() == f and f for f in firsts)


def test_civility_follows_the_first_name(demo_path: Path):
    female = {n for g in data.NAME_GROUPS for n in g.female}
    male = {n for g in data.NAME_GROUPS for n in g.male}
    for civility, first in rows(demo_path, "SELECT civility, first_name FROM beneficiary"):
        if first in female - male:
            assert civility == "MME", first
        elif first in male - female:
            assert civility == "M", first


def test_addresses_are_in_essonne_with_matching_postcodes(demo_path: Path):
    real = {(c.name, c.postcode) for c in data.COMMUNES}
    places = rows(demo_path, "SELECT commune, postcode, address_line1 FROM beneficiary")
    assert all(pc.startswith("91") and (commune, pc) in real for commune, pc, _ in places)
    assert len({commune for commune, _, _ in places}) >= 30
    assert len(data.COMMUNES) >= 40
    assert all(re.match(r"\d+( bis)? \S", line1) for _, _, line1 in places)


def test_allocataire_numbers(demo_path: Path):
    numbers = rows(demo_path, "SELECT paying_body, allocataire_number FROM beneficiary")
    caf = [n for body, n in numbers if body == "CAF"]
    msa = [n for body, n in numbers if body == "MSA"]
    assert all(re.fullmatch(r"\d{7}", n) for n in caf)
    assert len(set(caf)) == len(caf)
    assert 0 < len(msa) < N / 10
    assert len(set(msa)) == len(msa)


def test_phones_and_emails(demo_path: Path):
    contacts = rows(demo_path, "SELECT phone, email FROM beneficiary")
    phones = [p for p, _ in contacts if p]
    assert 0 < len(phones) < N
    assert all(re.fullmatch(r"0[67]( \d\d){4}", p) for p in phones)
    emails = [e for _, e in contacts if e]
    assert 0 < len(emails) < N
    assert all(re.fullmatch(r"[a-z0-9.\-]+@[a-z]+\.example", e) for e in emails)


def test_every_beneficiary_is_followed_in_an_office_by_a_referent_of_that_office(
    demo_path: Path,
):
    orphans = rows(
        demo_path,
        "SELECT count(*) FROM beneficiary b LEFT JOIN app_user u ON u.id = b.referent_id "
        "WHERE b.office_id IS NULL OR u.id IS NULL OR u.office_id IS NOT b.office_id "
        "OR NOT u.is_referent",
    )
    assert orphans == [(0,)]
    institutions = rows(
        demo_path,
        "SELECT count(*) FROM app_user u JOIN office o ON o.id = u.office_id "
        "WHERE u.institution_id IS NOT o.institution_id",
    )
    assert institutions == [(0,)]


def test_staff_roles(demo_path: Path):
    users = rows(
        demo_path,
        "SELECT os_login, capacity, is_referent, is_validator, is_finance, is_admin FROM app_user",
    )
    me = [u for u in users if u[0] == os_login()]
    assert len(me) == 1 and me[0][2:] == (1, 1, 1, 1)
    others = [u for u in users if u[0] != os_login()]
    assert sum(u[2] for u in others) >= 6
    assert any(u[3] and u[1] == "Responsable de MDS" for u in others)
    assert sum(u[4] for u in others) == 1 and sum(u[5] for u in others) == 1
    assert all(u[1] for u in users)
    assert len({u[0] for u in users}) == len(users)


def test_household_members_are_consistent(demo_path: Path):
    members = rows(
        demo_path,
        "SELECT m.relation, m.birth_date, b.birth_date, m.last_name FROM household_member m "
        "JOIN beneficiary b ON b.id = m.beneficiary_id",
    )
    relations = Counter(r for r, *_ in members)
    assert relations["enfant"] > 0 and relations["conjoint"] > 0
    most_children = rows(
        demo_path,
        "SELECT max(n) FROM (SELECT count(*) AS n FROM household_member "
        "WHERE relation = 'enfant' GROUP BY beneficiary_id)",
    )
    assert most_children == [(4,)]
    for relation, born, parent_born, last_name in members:
        born, parent_born = date.fromisoformat(born), date.fromisoformat(parent_born)
        assert born <= TODAY and last_name
        if relation == "enfant":
            assert born > parent_born.replace(year=parent_born.year + 16, day=1)
        else:
            assert born <= years_before(TODAY, 18)


def test_rsa_orientation_and_contracts(demo_path: Path):
    people = rows(
        demo_path,
        "SELECT birth_date, rsa_open_since, orientation, orientation_date, global_support, "
        "support_contract, current_case_state FROM beneficiary",
    )
    orientations = Counter(p[2] for p in people)
    assert 0.45 < orientations["social"] / N < 0.65
    assert 0.25 < orientations["emploi"] / N < 0.45
    assert 0.03 < orientations["socio_pro"] / N < 0.17
    ref = TODAY
    for born, opened, orientation, oriented, global_support, contract, _state in people:
        born, opened, oriented = map(date.fromisoformat, (born, opened, oriented))
        age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        assert 18 <= age <= 64
        assert born < opened <= oriented <= ref
        assert not global_support or orientation == "emploi"
        assert contract != "CE" or oriented >= date(2025, 1, 1)
        assert contract != "PPAE" or orientation == "emploi"
    assert any(p[4] for p in people)
    assert {p[5] for p in people} >= {"CER", "PPAE", "CE", None}


def test_envelopes_cover_every_year_up_to_next_year(demo_path: Path):
    years = [y for (y,) in rows(demo_path, "SELECT year FROM envelope ORDER BY year")]
    assert years == list(range(2018, TODAY.year + 2))


def test_people_pass_the_form_checks_and_are_found_by_search(demo_path: Path):
    db = open_sqlite(demo_path)
    try:
        from sqlalchemy import select

        from app.models import Beneficiary

        with db.read() as s:
            people = s.scalars(select(Beneficiary).limit(60)).all()
            inputs = [
                BeneficiaryInput(
                    civility=b.civility,
                    last_name=b.last_name,
                    birth_name=b.birth_name,
                    first_name=b.first_name,
                    birth_date=b.birth_date,
                    address_line1=b.address_line1,
                    address_line2=b.address_line2,
                    postcode=b.postcode,
                    commune=b.commune,
                    phone=b.phone,
                    email=b.email,
                    paying_body=b.paying_body,
                    allocataire_number=b.allocataire_number or "",
                    rsa_open_since=b.rsa_open_since,
                    orientation=b.orientation,
                    orientation_date=b.orientation_date,
                    global_support=b.global_support,
                    support_contract=b.support_contract,
                    household=[
                        HouseholdInput(m.relation, m.first_name, m.last_name, m.birth_date)
                        for m in b.household
                    ],
                )
                for b in people
            ]
        for data_in in inputs:
            assert validate(data_in) == {}, data_in
        sample = inputs[7]
        found = count_beneficiaries(
            db, BeneficiaryFilter(text=f"{sample.last_name} {sample.first_name}")
        )
        assert found >= 1
        assert count_beneficiaries(db, BeneficiaryFilter(text=sample.allocataire_number)) == 1
    finally:
        db.dispose()


def test_referent_quotas_follow_the_caseloads():
    offices = ["a", "b", "c"]
    quotas = demo_organisation._referent_quotas(offices, Counter(a=20_000, b=9_900, c=100), 30_000)
    assert sum(quotas.values()) == round(30_000 / 350)
    assert quotas["a"] > quotas["b"] > quotas["c"] == 1
    small = demo_organisation._referent_quotas(offices, Counter(a=10), 10)
    assert small == {"a": 4, "b": 1, "c": 1}  # at least 6 in all, at least one per office
