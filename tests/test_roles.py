"""Roles enforced in the services, read access per institution, and the user list."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.models import Institution, Office, User
from app.services import settings as settings_service
from app.services import workflow
from app.services.actor import Actor, actor_from_user
from app.services.beneficiaries import load_beneficiary
from app.services.beneficiary_search import BeneficiaryFilter, list_beneficiaries
from app.services.case_view import load_case
from app.services.cases import load_case_input, save_draft
from app.services.envelope import set_envelope
from app.services.errors import NotAllowed, ValidationError
from app.services.scale import add_scale_version, list_scales
from app.services.users import UserInput, list_users, save_user
from app.services.visibility import scope_of
from tests.factories import make_case, make_person


@pytest.fixture
def office(db):
    """Two institutions (Département, CCAS), a référent in each, a validator, finance, admin."""
    with db.write() as s:
        dep = Institution(name="Département de l'Essonne", kind="departement")
        ccas = Institution(name="CCAS de Grigny", kind="ccas")
        mds = Office(name="MDS d'Évry", institution=dep)
        grigny = Office(name="CCAS de Grigny — accueil", institution=ccas)

        def user(login: str, office: Office, **roles) -> User:
            return User(
                first_name=login.title(),
                last_name="Test",
                capacity="Assistante sociale",
                office=office,
                institution=office.institution,
                os_login=login,
                **roles,
            )

        people = {
            "dep": user("nadia", mds),
            "ccas": user("karim", grigny),
            "validator": user("marc", mds, is_validator=True),
            "finance": user("lea", mds, is_finance=True, is_referent=False),
            "admin": user("admin", mds, is_admin=True, is_referent=False),
        }
        s.add_all([dep, ccas, mds, grigny, *people.values()])
        s.flush()
        actors = {k: actor_from_user(u, "POSTE") for k, u in people.items()}
        ids = {"mds": mds.id, "grigny": grigny.id, "dep": dep.id, "ccas": ccas.id}
    return actors, ids


@pytest.fixture
def files(db, office):
    """One file followed at the MDS, one at the CCAS, one no office has taken yet."""
    actors, ids = office
    at_mds = make_person(
        db, actors["dep"], number="1111111", office_id=ids["mds"], referent_id=actors["dep"].user_id
    )
    at_ccas = make_person(
        db,
        actors["ccas"],
        number="2222222",
        last_name="Camara",
        office_id=ids["grigny"],
        referent_id=actors["ccas"].user_id,
    )
    loose = make_person(db, actors["admin"], number="3333333", last_name="Roux")
    return at_mds, at_ccas, loose


def names(db, actor) -> set[str]:
    rows = list_beneficiaries(db, BeneficiaryFilter(scope=scope_of(actor)))
    return {r.name.split()[0] for r in rows}


def test_a_referent_lists_the_files_of_their_institution_and_the_unassigned(db, office, files):
    actors, _ = office
    assert names(db, actors["dep"]) == {"LEFÈVRE", "ROUX"}
    assert names(db, actors["ccas"]) == {"CAMARA", "ROUX"}
    for role in ("validator", "finance", "admin"):
        assert names(db, actors[role]) == {"LEFÈVRE", "CAMARA", "ROUX"}
    # A référent whose institution is not recorded reads every file (see visibility).
    assert scope_of(replace(actors["dep"], institution_id=None)) is None


def test_a_file_of_another_institution_is_refused_in_french(db, office, files):
    actors, _ = office
    _at_mds, at_ccas, loose = files
    with pytest.raises(NotAllowed, match="suivi par un autre organisme .CCAS de Grigny"):
        load_beneficiary(db, at_ccas, actors["dep"])
    assert load_beneficiary(db, loose, actors["dep"]).last_name == "Roux"
    assert load_beneficiary(db, at_ccas, actors["validator"]).last_name == "Camara"
    case_id = make_case(db, actors["ccas"], at_ccas)
    with pytest.raises(NotAllowed, match="vous n'y avez pas accès"):
        load_case(db, case_id, actors["dep"])
    assert load_case(db, case_id, actors["ccas"]).reference


def test_a_referent_follows_a_file_of_another_office_they_were_given(db, office, files):
    actors, ids = office
    person = make_person(
        db,
        actors["admin"],
        number="4444444",
        last_name="Diallo",
        office_id=ids["grigny"],
        referent_id=actors["dep"].user_id,
    )
    assert "DIALLO" in names(db, actors["dep"])
    assert load_beneficiary(db, person, actors["dep"]).last_name == "Diallo"


@pytest.mark.parametrize("who", ["dep", "validator", "finance"])
def test_only_an_administrator_changes_settings_scale_envelopes_and_users(db, office, who):
    actors, _ = office
    actor = actors[who]
    with pytest.raises(NotAllowed, match="administrateur"):
        settings_service.save_settings(db, actor, settings_service.load_settings(db))
    with pytest.raises(NotAllowed, match="administrateur"):
        add_scale_version(db, actor, replace(list_scales(db)[0], effective_from=date(2031, 1, 1)))
    with pytest.raises(NotAllowed, match="administrateur"):
        set_envelope(db, actor, 2031, 100_000)
    with pytest.raises(NotAllowed, match="Seul un administrateur peut ajouter ou modifier"):
        save_user(db, actor, UserInput(first_name="X", last_name="Y", os_login="xy"))


def test_only_a_validator_decides(db, office, files):
    actors, _ = office
    at_mds, _, _ = files
    case_id = make_case(db, actors["dep"], at_mds)
    workflow.submit(db, actors["dep"], case_id)
    for who in ("dep", "finance", "admin"):
        with pytest.raises(NotAllowed, match="habilitée à valider"):
            workflow.grant(db, actors[who], case_id)
        with pytest.raises(NotAllowed, match="habilitée à valider"):
            workflow.refuse(db, actors[who], case_id, "Les conditions ne sont pas remplies ici.")


def test_a_referent_changes_only_their_own_caseload(db, office, files):
    actors, _ = office
    at_mds, _, _ = files
    case_id = make_case(db, actors["dep"], at_mds)
    draft = load_case_input(db, case_id)
    draft.job_title = "Caissière"
    with pytest.raises(NotAllowed):
        save_draft(db, actors["ccas"], draft)
    assert save_draft(db, actors["validator"], draft) == case_id


def test_no_role_without_a_user_of_the_base(db, files):
    stranger = Actor(login="inconnu", workstation="POSTE")
    with pytest.raises(NotAllowed, match="pas enregistré comme utilisateur"):
        make_case(db, stranger, files[0])


# --- the user list ------------------------------------------------------------------------


def test_an_administrator_adds_and_changes_users(db, office):
    actors, ids = office
    new_id = save_user(
        db,
        actors["admin"],
        UserInput(
            first_name="Inès",
            last_name="Haddad",
            os_login="ihaddad",
            capacity="Conseillère en insertion",
            office_id=ids["grigny"],
        ),
    )
    rows = {r.data.os_login: r for r in list_users(db)}
    ines = rows["ihaddad"]
    assert (ines.name, ines.office, ines.institution) == (
        "HADDAD Inès",
        "CCAS de Grigny — accueil",
        "CCAS de Grigny",
    )  # the institution follows the office
    assert ines.roles == "Référent"
    data = ines.data
    data.is_validator, data.active = True, False
    save_user(db, actors["admin"], data)
    again = {r.data.os_login: r for r in list_users(db)}["ihaddad"]
    assert again.roles == "Référent, Valideur" and not again.data.active
    assert list_users(db)[-1].data.id == new_id  # inactive users last


def test_user_input_is_checked(db, office):
    actors, ids = office
    admin = actors["admin"]
    with pytest.raises(ValidationError) as refused:
        save_user(db, admin, UserInput(first_name="A", last_name="", os_login="NADIA"))
    errors = refused.value.errors
    assert errors["last_name"] == "Le nom est obligatoire."
    assert "déjà celui d'un autre utilisateur" in errors["os_login"]
    with pytest.raises(ValidationError, match="qualité est obligatoire"):
        save_user(db, admin, UserInput(first_name="A", last_name="B", os_login="ab"))
    with pytest.raises(ValidationError, match="n'appartient pas à l'institution"):
        save_user(
            db,
            admin,
            UserInput(
                last_name="B",
                os_login="ab",
                capacity="Agent",
                institution_id=ids["dep"],
                office_id=ids["grigny"],
            ),
        )


def test_the_last_administrator_cannot_be_removed(db, office):
    actors, _ = office
    admin_row = {r.data.os_login: r for r in list_users(db)}["admin"]
    data = admin_row.data
    data.is_admin, data.is_referent, data.capacity = False, True, "Agent"
    with pytest.raises(ValidationError, match="au moins un administrateur actif"):
        save_user(db, actors["admin"], data)
    assert {r.data.os_login: r for r in list_users(db)}["admin"].data.is_admin
