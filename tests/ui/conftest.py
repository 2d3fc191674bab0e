"""UI fixtures: a database with a few hundred demo-like beneficiaries, the dialog seams
replaced so that no real message box can block a test, and screenshots (``shoot``; the
windows still open when a test fails), saved under the test's temporary folder."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from app.models import Beneficiary, Institution, Office, User
from app.models.enums import CaseState, Orientation
from app.services.beneficiaries import refresh_search_columns
from app.services.schema import open_sqlite
from app.services.storage import Database
from app.ui import dialogs

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Michel", "Garcia", "Diallo", "Nguyen", "Traoré", "Lopes",
    "Mercier", "Dupont", "Fontaine", "Chevalier", "Rousseau", "Benali", "Haddad", "Camara",
    "Da Silva", "Lambert", "Bonnet", "François",
]  # fmt: skip
FIRST_NAMES = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Fatima", "Aminata", "Julie", "Sandrine",
    "Karima", "Céline", "Jean", "Mohamed", "David", "Kevin", "Thierry", "Mamadou", "Nicolas",
    "Sébastien", "Christophe", "Yasmine", "Inès", "Léa", "Chloé", "Océane", "Jérôme",
]  # fmt: skip
COMMUNES = [
    ("91000", "Évry-Courcouronnes"), ("91100", "Corbeil-Essonnes"), ("91300", "Massy"),
    ("91600", "Savigny-sur-Orge"), ("91150", "Étampes"), ("91120", "Palaiseau"),
    ("91350", "Grigny"), ("91130", "Ris-Orangis"), ("91210", "Draveil"),
    ("91170", "Viry-Châtillon"), ("91200", "Athis-Mons"), ("91700", "Sainte-Geneviève-des-Bois"),
]  # fmt: skip

SIZE = 300


@dataclass
class Person:
    id: uuid.UUID
    last_name: str
    first_name: str
    commune: str
    allocataire: str
    orientation: str | None
    office: str
    institution: str
    referent: str
    case_state: str | None


@dataclass
class Population:
    db: Database
    people: list[Person] = field(default_factory=list)
    institutions: dict[str, uuid.UUID] = field(default_factory=dict)
    offices: dict[str, uuid.UUID] = field(default_factory=dict)
    referents: dict[str, uuid.UUID] = field(default_factory=dict)

    def named(self, last_name: str) -> Person:
        return next(p for p in self.people if p.last_name == last_name)


def populate(db: Database, size: int = SIZE, seed: int = 2017) -> Population:
    """Demo-like beneficiaries inserted in bulk (with the service's search columns)."""
    rng = random.Random(seed)
    pop = Population(db)
    with db.write() as s:
        dep = Institution(name="Département de l'Essonne", kind="departement")
        ccas = Institution(name="CCAS de Massy", kind="ccas")
        s.add_all([dep, ccas])
        s.flush()
        offices = [
            Office(institution_id=dep.id, name="MDS Évry-Courcouronnes", territory="Centre"),
            Office(institution_id=dep.id, name="MDS Corbeil-Essonnes", territory="Est"),
            Office(institution_id=ccas.id, name="CCAS Massy – accueil", territory="Nord"),
        ]
        s.add_all(offices)
        s.flush()
        users = [
            User(first_name="Claire", last_name="Fournier", office_id=offices[0].id,
                 institution_id=dep.id),
            User(first_name="Karim", last_name="Belkacem", office_id=offices[1].id,
                 institution_id=dep.id),
            User(first_name="Sophie", last_name="Marchand", office_id=offices[2].id,
                 institution_id=ccas.id),
        ]  # fmt: skip
        s.add_all(users)
        s.flush()
        pop.institutions = {dep.name: dep.id, ccas.name: ccas.id}
        pop.offices = {o.name: o.id for o in offices}
        pop.referents = {f"{u.last_name.upper()} {u.first_name}": u.id for u in users}
        institution_of = {dep.id: dep.name, ccas.id: ccas.name}

        specials = [
            ("Lefèvre", "Hélène", "Évry-Courcouronnes", "1234567"),
            ("Bégué", "Zoé", "Étampes", "7654321"),
            ("Aaron", "Abel", "Massy", "1000001"),
            ("Zylberstein", "Zacharie", "Grigny", "1000002"),
        ]
        states = [None, None, *CaseState]
        orientations = [None, *Orientation]
        for n in range(size):
            if n < len(specials):
                last, first, commune, number = specials[n]
                postcode = next(p for p, c in COMMUNES if c == commune)
            else:
                last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
                postcode, commune = rng.choice(COMMUNES)
                number = str(2_000_000 + n)
            k = n % len(users)
            office, user = offices[k], users[k]
            orientation = orientations[n % len(orientations)]
            state = states[n % len(states)]
            b = Beneficiary(
                id=uuid.uuid4(),
                civility=rng.choice(["M", "MME"]),
                last_name=last,
                first_name=first,
                birth_date=date(1965, 1, 1) + timedelta(days=rng.randrange(0, 13_000)),
                postcode=postcode,
                commune=commune,
                paying_body="CAF",
                allocataire_number=number,
                orientation=orientation.value if orientation else None,
                referent_id=user.id,
                office_id=office.id,
                current_case_state=state.value if state else None,
                created_by="test",
            )
            refresh_search_columns(b)
            s.add(b)
            pop.people.append(
                Person(
                    id=b.id,
                    last_name=last,
                    first_name=first,
                    commune=commune,
                    allocataire=number,
                    orientation=b.orientation,
                    office=office.name,
                    institution=institution_of[office.institution_id],
                    referent=f"{user.last_name.upper()} {user.first_name}",
                    case_state=b.current_case_state,
                )
            )
    return pop


@pytest.fixture
def population(tmp_path: Path) -> Population:
    database = open_sqlite(tmp_path / "peuplee" / "pack-sortie.sqlite", create=True)
    pop = populate(database)
    yield pop
    database.dispose()


@pytest.fixture(name="populate")
def populate_fixture():
    """The bulk-insert helper, for tests that build another database."""
    return populate


@pytest.fixture
def populated_db(population: Population) -> Database:
    return population.db


@dataclass
class DialogCalls:
    """What the patched dialog seams were asked, and what they answer."""

    errors: list[BaseException] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    retries: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    retry_answers: list[bool] = field(default_factory=list)
    yes_no_answers: list[bool] = field(default_factory=list)
    open_file: str = ""
    save_file: str = ""


@pytest.fixture
def fake_dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogCalls:
    """No real message box: every seam of app.ui.dialogs records and answers from the lists.
    Use it in a whole module with ``pytestmark = pytest.mark.usefixtures("fake_dialogs")``."""
    calls = DialogCalls()

    def ask_retry(_parent, text, title=""):
        calls.retries.append(text)
        return calls.retry_answers.pop(0) if calls.retry_answers else False

    def ask_yes_no(_parent, text, title=""):
        calls.questions.append(text)
        return calls.yes_no_answers.pop(0) if calls.yes_no_answers else False

    monkeypatch.setattr(dialogs, "show_error", lambda _p, exc: calls.errors.append(exc))
    monkeypatch.setattr(dialogs, "show_info", lambda _p, text, title="": calls.infos.append(text))
    monkeypatch.setattr(
        dialogs, "show_warning", lambda _p, text, title="": calls.warnings.append(text)
    )
    monkeypatch.setattr(dialogs, "ask_retry", ask_retry)
    monkeypatch.setattr(dialogs, "ask_yes_no", ask_yes_no)
    monkeypatch.setattr(dialogs, "ask_open_file", lambda *a, **k: calls.open_file)
    monkeypatch.setattr(dialogs, "ask_save_file", lambda *a, **k: calls.save_file)
    # Seams that would otherwise open a real window: answer "cancel" unless a test says more.
    monkeypatch.setattr(dialogs, "ask_choice", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "ask_passphrase", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "open_folder", lambda *a, **k: calls.infos.append("folder"))
    monkeypatch.setattr(dialogs, "print_document", lambda *a, **k: False)
    return calls


# --- Screenshots ------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """When a test fails, the windows still shown are saved (``shots/failed-N.png`` under
    its temporary folder) and the report says where."""
    report = yield
    folder = getattr(item, "funcargs", {}).get("tmp_path")
    if report.when == "call" and report.failed and folder is not None and QApplication.instance():
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        (folder / "shots").mkdir(exist_ok=True)
        for n, window in enumerate(shown, start=1):
            window.grab().save(str(folder / "shots" / f"failed-{n}.png"))
        if shown:
            report.sections.append(
                ("Screenshots", f"{len(shown)} fenêtre(s) enregistrée(s) dans {folder / 'shots'}")
            )
    return report


@pytest.fixture(autouse=True)
def _screenshot_folder(tmp_path: Path) -> Path:
    """Every UI test has a temporary folder, where its screenshots go."""
    return tmp_path


@pytest.fixture
def shoot(qtbot, tmp_path: Path):
    """``shoot(widget, name)``: a picture of ``widget`` once its layout has settled, saved
    as ``shots/NAME.png`` under the test's temporary folder (the path is returned), for a
    human look at what the user sees."""
    folder = tmp_path / "shots"

    def take(widget: QWidget, name: str) -> Path:
        folder.mkdir(exist_ok=True)
        qtbot.wait(30)
        path = folder / f"{name}.png"
        assert widget.grab().save(str(path))
        return path

    return take
