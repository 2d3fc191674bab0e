"""Letters of every kind: mandatory mentions, motivation rule, signature, archive, batch."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Decision, Document, Office, User
from app.models.enums import DocumentKind
from app.services import documents, workflow
from app.services.actor import Actor, actor_from_user
from app.services.errors import NotAllowed
from app.services.letter_content import MissingMotivation
from app.services.meetings import MeetingInput, save_meeting
from app.services.text import fold
from app.services.workflow import ExitReason
from tests.clock import working_day
from tests.factories import granted_case, make_case, make_person, make_users

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is needed to read the PDFs"
)

MOTIVE = (
    "Votre contrat a pris fin pendant la période d'essai le 12/04/2018 : les conditions "
    "d'attribution du Pack (délibération du 13/11/2017) ne sont plus remplies."
)
COMMON = [
    "Département de l'Essonne",
    "Dossier DOS-2018-",
    "Madame Hélène LEFÈVRE",
    "91000 ÉVRY-COURCOURONNES",
    "Marc Aubert",
    "Responsable de MDS",
]
DECISION_MENTIONS = [
    "Pour le Président du Conseil départemental et par délégation",
    "Fondement : Délibération de l'Assemblée départementale du 13 novembre 2017",
    "Voies et délais de recours",
    "deux mois",
    "Tribunal administratif de Versailles",
    "Télérecours citoyens",
    "recours gracieux",
]


def text_of(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


@pytest.fixture
def world(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    return referent, validator, person, case_id


def test_attribution_letter_has_every_mandatory_mention_and_the_schedule(db, world):
    _, validator, _, case_id = world
    doc = documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    text = text_of(doc.path)
    for mention in [
        *COMMON,
        *DECISION_MENTIONS,
        "Attribution du Pack sortie RSA",
        "PSR-2018-0001",
        "Évry-Courcouronnes, le 20 mars 2018",
        "Calendrier des versements",
        "mars 2018",
        "août 2018",
        "1 350,00 €",
        "Document non signé électroniquement",
    ]:
        assert " ".join(mention.split()) in text.replace("\u202f", " "), mention
    info = subprocess.run(["pdfinfo", str(doc.path)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), "the attribution fits on one page"


def test_refusal_and_early_end_print_their_motivation(db, world):
    referent, validator, _, case_id = world
    workflow.invite_observations(db, validator, case_id, MOTIVE, on=date(2018, 4, 16))
    with working_day(date(2018, 4, 16)):
        notice = documents.produce_document(
            db, validator, case_id, DocumentKind.OBSERVATIONS_NOTICE
        )
    notice_text = text_of(notice.path)
    assert "Motifs envisagés" in notice_text and "01/05/2018" in notice_text
    workflow.end_early(db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 5, 2))
    end = text_of(
        documents.produce_document(db, validator, case_id, DocumentKind.EARLY_END_LETTER).path
    )
    for mention in [
        *DECISION_MENTIONS,
        "Motifs de la décision",
        "période d'essai",
        "Fin anticipée du Pack sortie RSA",
        "PSR-2018-0002",
    ]:
        assert mention in end, mention


def test_no_refusal_letter_while_the_motivation_is_empty(db, world):
    referent, validator, person, _ = world
    other = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    case_id = make_case(db, referent, other)
    workflow.submit(db, referent, case_id)
    workflow.refuse(db, validator, case_id, MOTIVE, on=date(2018, 3, 22))
    with db.write() as s:  # e.g. an older import left a decision without motivation
        s.scalars(select(Decision).where(Decision.kind == "refusal")).one().motivation = " "
    with pytest.raises(MissingMotivation, match="motivation"):
        documents.produce_document(db, validator, case_id, DocumentKind.REFUSAL_LETTER)
    with db.read() as s:
        assert s.scalars(select(Document)).all() == []
    assert not any((db.documents_dir or Path("/nonexistent")).rglob("*.pdf"))


def test_meeting_notes_and_review(db, world):
    referent, _, _, case_id = world
    save_meeting(
        db,
        referent,
        MeetingInput(
            case_id,
            date(2018, 4, 12),
            mode="telephone",
            obstacles=["transport"],
            notes="Trajets longs, solution de covoiturage.",
            next_steps="Rappeler dans un mois.",
        ),
        today=date(2018, 4, 12),
    )
    save_meeting(
        db,
        referent,
        MeetingInput(
            case_id, date(2018, 9, 4), kind="bilan_6_mois", notes="Emploi maintenu, CDI signé."
        ),
        today=date(2018, 9, 4),
    )
    notes = text_of(
        documents.produce_document(db, referent, case_id, DocumentKind.MEETING_NOTES).path
    )
    assert "Compte rendu d'entretien de suivi" in notes and "covoiturage" in notes
    assert "Téléphone" in notes and "Transport" in notes
    # Printed today, dated the meeting's day; notes notify nothing.
    assert "le 12 avril 2018" in notes
    assert "pour valoir notification" not in notes and "à signer à la main" in notes
    review = text_of(documents.produce_document(db, referent, case_id, DocumentKind.REVIEW_6M).path)
    assert "Bilan à six mois" in review and "CDI signé" in review
    assert "le 4 septembre 2018" in review


def test_an_office_meeting_says_so(db, world):
    referent, _, _, case_id = world
    save_meeting(
        db,
        referent,
        MeetingInput(case_id, date(2018, 4, 12), mode="entretien", notes="Point sur l'emploi."),
        today=date(2018, 4, 12),
    )
    notes = " ".join(
        text_of(
            documents.produce_document(db, referent, case_id, DocumentKind.MEETING_NOTES).path
        ).split()
    )
    assert "Modalité Entretien au bureau" in notes


def test_documents_are_versioned_never_overwritten(db, world):
    _, validator, _, case_id = world
    first = documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    second = documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    assert (first.version, second.version) == (1, 2)
    assert first.path.exists() and second.path.exists() and first.path != second.path
    with db.read() as s:
        rows = {d.id: d for d in s.scalars(select(Document))}
    assert rows[first.id].superseded and not rows[second.id].superseded
    assert rows[second.id].supersedes_id == first.id
    assert documents.archived_sha256(db, second.path) == second.sha256


def test_signed_letter_verifies_and_one_changed_byte_is_detected(db, world, tmp_path):
    from app.services.pdf_verify import verify_pdf
    from app.services.signing import SignerProfile, load_signer
    from tests.pki import make_test_pki

    _, validator, _, case_id = world
    pki = make_test_pki(tmp_path)
    signer = load_signer(
        SignerProfile(
            pki.p12_path,
            "Marc Aubert",
            "Pour le Président du Conseil départemental et par "
            "délégation, le responsable de la MDS d'Évry",
        ),
        pki.passphrase,
    )
    doc = documents.produce_document(
        db, validator, case_id, DocumentKind.GRANT_LETTER, signer=signer
    )
    assert doc.signed_by == "Marc Aubert" and doc.level.startswith("PAdES")
    text = text_of(doc.path)
    assert "Acte signé électroniquement par Marc Aubert" in text and "L. 212-3" in text
    report = verify_pdf(doc.path, trust_roots=[pki.root_cert], archived_sha256=doc.sha256)
    assert report.ok, report.as_text()
    data = bytearray(doc.path.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    assert not verify_pdf(tampered, trust_roots=[pki.root_cert], archived_sha256=doc.sha256).ok
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(doc.path)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in out


def actor_from_user_named(db, name: str, *, validator: bool) -> Actor:
    first, last = name.split()
    with db.write() as s:
        office = s.scalars(select(Office)).first()
        user = User(
            first_name=first,
            last_name=last,
            capacity="Cheffe du service insertion",
            office=office,
            institution_id=office.institution_id,
            os_login=fold(name).replace(" ", ""),
            is_validator=validator,
        )
        s.add(user)
        s.flush()
        return actor_from_user(user, "POSTE-3")


def _signer_of(tmp_path, name, capacity="Responsable de MDS"):
    from app.services.signing import SignerProfile, load_signer
    from tests.pki import make_test_pki

    pki = make_test_pki(tmp_path / fold(name).replace(" ", "-"), signer_name=name)
    return load_signer(SignerProfile(pki.p12_path, name, capacity), pki.passphrase)


def test_a_letter_names_one_signer_the_holder_of_the_certificate(db, world, tmp_path):
    """A validator with delegation signs a colleague's decision: the letter then names the
    validator alone (never « Acte signé par A » beside « Signé par B »), recorded as such."""
    referent, validator, _, case_id = world  # the grant is Marc Aubert's
    other = actor_from_user_named(db, "Claire Dubois", validator=True)
    signer = _signer_of(tmp_path, "Claire Dubois", "Cheffe du service insertion")
    doc = documents.produce_document(db, other, case_id, DocumentKind.GRANT_LETTER, signer=signer)
    text = " ".join(text_of(doc.path).split())
    assert "Acte signé électroniquement par Claire Dubois, Cheffe du service" in text
    assert "Signé électroniquement par Claire Dubois" in text  # the stamp: the same person
    assert "Marc Aubert" not in text
    assert doc.signed_by == "Claire Dubois"
    with db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "produce").order_by(AuditEvent.at)
        ).all()[-1]
    assert json.loads(event.after)["signed_for"] == "Marc Aubert"
    assert "par délégation pour Marc Aubert" in event.summary


def test_signing_with_someone_elses_certificate_or_without_delegation_is_refused(
    db, world, tmp_path
):
    referent, validator, _, case_id = world
    marc = _signer_of(tmp_path, "Marc Aubert")
    with pytest.raises(NotAllowed, match="au nom de Marc Aubert, mais la session est celle"):
        documents.produce_document(db, referent, case_id, DocumentKind.GRANT_LETTER, signer=marc)
    nadia = _signer_of(tmp_path, "Nadia Benali")
    with pytest.raises(NotAllowed, match="seul l'auteur ou un valideur ayant délégation"):
        documents.produce_document(db, referent, case_id, DocumentKind.GRANT_LETTER, signer=nadia)
    # The author signs with a certificate whose name is written the other way round.
    author = _signer_of(tmp_path, "AUBERT Marc")
    doc = documents.produce_document(
        db, validator, case_id, DocumentKind.GRANT_LETTER, signer=author
    )
    assert "Acte signé électroniquement par Marc Aubert" in " ".join(text_of(doc.path).split())
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1  # refusals wrote nothing


def test_batch_produces_the_days_letters(db, world):
    referent, validator, person, case_id = world
    other = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    second = make_case(db, referent, other)
    workflow.submit(db, referent, second)
    workflow.grant(db, validator, second, on=date(2018, 3, 20))
    pending = documents.letters_to_produce(db, date(2018, 3, 20))
    assert [p.kind for p in pending] == [DocumentKind.GRANT_LETTER] * 2
    seen = []
    result = documents.produce_batch(
        db, validator, pending, progress=lambda done, total: seen.append((done, total))
    )
    assert len(result.produced) == 2 and not result.failed
    assert seen == [(1, 2), (2, 2)]
    assert documents.letters_to_produce(db, date(2018, 3, 20)) == []


def test_batch_can_be_cancelled_between_letters(db, world):
    _, validator, _, _ = world
    pending = documents.letters_to_produce(db, date(2018, 3, 20))
    result = documents.produce_batch(db, validator, pending, cancelled=lambda: True)
    assert result.cancelled and result.produced == []


def test_an_edited_template_changes_the_text_but_not_the_mandatory_mentions(db, world, actor):
    from app.services.settings import load_settings, save_settings

    _, validator, _, case_id = world
    settings = load_settings(db)
    settings.letter_templates = {
        "attribution": "Bonjour {prenom}, votre aide de {montant_total} "
        "est accordée. {champ_inconnu}"
    }
    save_settings(db, actor, settings)
    text = text_of(
        documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER).path
    )
    assert "Bonjour Hélène, votre aide de 1 350,00 € est accordée." in text.replace("\u202f", " ")
    assert "{champ_inconnu}" in text
    for mention in [*DECISION_MENTIONS, "Calendrier des versements", "Marc Aubert"]:
        assert mention in text, mention


def test_verification_in_the_app_trusts_the_authorities_of_the_settings(
    qapp, db, world, actor, tmp_path
):
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.services.settings import load_settings, save_settings
    from app.services.signing import SignerProfile, load_signer
    from app.ui.verify_dialog import verify
    from tests.pki import make_test_pki

    _, validator, _, case_id = world
    pki = make_test_pki(tmp_path)
    signer = load_signer(
        SignerProfile(pki.p12_path, "Marc Aubert", "Responsable de MDS"), pki.passphrase
    )
    doc = documents.produce_document(
        db, validator, case_id, DocumentKind.GRANT_LETTER, signer=signer
    )
    assert not verify(db, doc.path).report.all_trusted
    settings = load_settings(db)
    settings.trusted_certificates = pki.root_cert.public_bytes(Encoding.PEM).decode()
    save_settings(db, actor, settings)
    result = verify(db, doc.path)
    assert result.report.ok and result.report.all_trusted
    settings.trusted_certificates = "pas un certificat"
    with pytest.raises(Exception, match="PEM"):
        save_settings(db, actor, settings)
