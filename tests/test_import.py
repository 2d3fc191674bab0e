"""Beneficiary CSV import: encodings, delimiters, quoting, header names, matching, rejects,
unusable files, dry run, cancellation, audit and the command line."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import cli
from app.models import AuditEvent, Beneficiary
from app.services import beneficiaries as svc
from app.services.beneficiaries import BeneficiaryInput
from app.services.importer import (
    ImportCancelled,
    ImportFileError,
    RejectedLine,
    apply_identity_choices,
    field_for_header,
    import_file,
    line_list,
)
from tests.clock import MOMENT

HEADER = (
    "Civilité;Nom;Prénom;Date de naissance;N° allocataire;Orientation;"
    "Adresse;Code postal;Commune;Téléphone;Email"
)
HELENE = (
    "Mme;Lefèvre;Hélène;12/04/1988;12 345 67;Sociale;3 rue de la Paix;91000;Évry;06 12 34 56 78;"
)
MARC = "M.;Bégué;Marc;01/02/1975;7654321;Emploi;;91300;Massy;0698765432;marc@example.fr"


def write(tmp_path: Path, *lines: str, name: str = "extraction.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def counts(db) -> tuple[int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count(Beneficiary.id))),
            s.scalar(select(func.count(AuditEvent.id))),
        )


def by_number(db) -> dict[str | None, Beneficiary]:
    with db.read() as s:
        return {b.allocataire_number: b for b in s.scalars(select(Beneficiary))}


def rejected(report) -> dict[int, str]:
    return {r.line_number: r.reason for r in report.rejected}


def assert_all_counted(report) -> None:
    total = report.created + report.updated + report.unchanged + len(report.rejected)
    total += len(report.conflicts)
    assert total == report.lines_read


def seed(db, actor, **kw) -> None:
    base = dict(
        civility="MME",
        last_name="Lefèvre",
        first_name="Hélène",
        birth_date=date(1988, 4, 12),
        postcode="91000",
        commune="Évry",
        phone="06 12 34 56 78",
        email="helene@example.fr",
        allocataire_number="1234567",
        orientation="social",
    )
    base.update(kw)
    svc.save_beneficiary(db, actor, BeneficiaryInput(**base))


# --- Encodings, delimiters, quoting ----------------------------------------------------


def test_import_creates_people_with_every_field(db, actor, tmp_path):
    report = import_file(db, actor, write(tmp_path, HEADER, HELENE, MARC))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, [])
    assert report.lines_read == 2
    people = by_number(db)
    helene = people["1234567"]
    assert (helene.civility, helene.last_name, helene.first_name) == ("MME", "Lefèvre", "Hélène")
    assert helene.birth_date == date(1988, 4, 12)
    assert (helene.paying_body, helene.orientation) == ("CAF", "social")
    assert (helene.address_line1, helene.postcode, helene.commune) == (
        "3 rue de la Paix",
        "91000",
        "Évry",
    )
    assert helene.phone == "06 12 34 56 78"
    assert helene.email == ""
    assert helene.sort_name == "lefevre helene"
    assert " evry " in helene.search_text
    assert (helene.created_by, helene.updated_by) == ("agent.test", "agent.test")
    marc = people["7654321"]
    assert (marc.civility, marc.orientation, marc.email) == ("M", "emploi", "marc@example.fr")


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 avec BOM"),
        ("cp1252", "Windows-1252"),
        ("utf-16", "UTF-16"),  # Excel's "Texte Unicode"
    ],
)
def test_each_encoding_keeps_the_accents(db, actor, tmp_path, encoding, label):
    path = write(
        tmp_path,
        "Nom;Prénom;Commune",  # first column right after a BOM must still be recognised
        "Lœuvre;Françoise;Évry-Courcouronnes",
        "Bérénice;Hélène;Étréchy",
        encoding=encoding,
    )
    report = import_file(db, actor, path)
    assert (report.encoding, report.created, report.rejected) == (label, 2, [])
    with db.read() as s:
        names = sorted(
            (b.last_name, b.first_name, b.commune) for b in s.scalars(select(Beneficiary))
        )
    assert names == [
        ("Bérénice", "Hélène", "Étréchy"),
        ("Lœuvre", "Françoise", "Évry-Courcouronnes"),
    ]


def test_utf8_and_windows_1252_lines_mixed_in_one_file(db, actor, tmp_path):
    path = tmp_path / "colle.csv"
    path.write_bytes(
        "Nom;Prénom\r\n".encode()
        + "Lefèvre;Hélène\r\n".encode()
        + "Garçon;Noël\r\n".encode("cp1252")
    )
    report = import_file(db, actor, path)
    assert report.created == 2
    assert "mélang" in report.encoding
    with db.read() as s:
        assert sorted(s.scalars(select(Beneficiary.last_name))) == ["Garçon", "Lefèvre"]


@pytest.mark.parametrize(
    ("delimiter", "label"), [(";", "point-virgule"), (",", "virgule"), ("\t", "tabulation")]
)
def test_each_delimiter_is_detected(db, actor, tmp_path, delimiter, label):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Nom", "Prénom", "Adresse", "Complément d'adresse", "CP", "Ville"])
    writer.writerow(["Lefèvre", "Hélène", "3, rue de la Paix", "Bât. A; 2e étage", "91000", "Évry"])
    writer.writerow(["Bégué", "Marc", "1 place de l'Église", "", "91300", "Massy"])
    path = tmp_path / "sep.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    report = import_file(db, actor, path)
    assert report.delimiter == delimiter
    assert label in report.as_text()
    assert (report.created, report.rejected) == (2, [])
    with db.read() as s:
        helene = s.scalar(select(Beneficiary).where(Beneficiary.first_name == "Hélène"))
    assert (helene.address_line1, helene.address_line2) == ("3, rue de la Paix", "Bât. A; 2e étage")


def test_quoted_fields_with_delimiter_quotes_and_line_breaks_keep_line_numbers(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Nom;Prénom;Adresse;Code postal",
        '"Durand";"Anne";"12 rue ""des Lilas"";',  # the address goes on to line 3
        'Bât. C";91000',
        "Petit;Luc;;9100",  # line 4: bad postcode
        '"Roux";"Léa";"Résidence ""Les Pins""',
        "escalier 2",
        'porte 5";91100',
        "Moreau;;;91000",  # line 8: no first name
    )
    report = import_file(db, actor, path)
    assert (report.lines_read, report.created) == (4, 2)
    assert set(rejected(report)) == {4, 8}
    assert "code postal" in rejected(report)[4]
    assert "prénom est obligatoire" in rejected(report)[8]
    with db.read() as s:
        addresses = dict(s.execute(select(Beneficiary.last_name, Beneficiary.address_line1)).all())
    assert addresses == {
        "Durand": '12 rue "des Lilas"; Bât. C',
        "Roux": 'Résidence "Les Pins" escalier 2 porte 5',
    }


def test_unclosed_quote_is_rejected_with_the_lines_it_swallowed(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Nom;Prénom;Commune",
        "Durand;Anne;Évry",
        'Petit;Luc;"Massy',
        "Roux;Léa;Grigny",
    )
    report = import_file(db, actor, path)
    assert report.created == 1
    assert "Guillemet non fermé" in rejected(report)[3]
    assert "lignes 3 à 4" in rejected(report)[3]
    assert_all_counted(report)


def test_quote_left_open_to_the_end_of_a_big_file_refuses_it(db, actor, tmp_path):
    lines = ["Nom;Prénom;Commune", 'Petit;Luc;"Massy'] + ["Roux;Léa;Grigny" * 10] * 1000
    with pytest.raises(ImportFileError, match="Ligne 2 .* guillemet ouvrant jamais fermé"):
        import_file(db, actor, write(tmp_path, *lines))
    assert counts(db) == (0, 0)


def test_unquoted_delimiter_inside_a_value_is_rejected_not_shifted(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Nom,Prénom,Adresse,Code postal",
        "Durand,Anne,3 rue de la Paix,91000",
        "Petit,Luc,3, rue des Lilas,91000",
    )
    report = import_file(db, actor, path)
    assert report.created == 1
    assert "5 colonnes au lieu de 4" in rejected(report)[3]


def test_blank_lines_title_lines_and_repeated_header_are_reported(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Extraction CAF de l'Essonne du 02/03/2026",
        "Nom;Prénom;Commune",
        "Durand;Anne;Évry",
        "",
        ";;",
        "Nom;Prénom;Commune",
        "Roux;Léa;Grigny",
    )
    report = import_file(db, actor, path)
    assert (report.header_line, report.lines_read, report.created) == (2, 2, 2)
    assert report.blank_lines == [4, 5]
    assert report.repeated_headers == [6]
    text = report.as_text()
    assert "Lignes vides, ignorées : lignes 4 à 5" in text
    assert "Lignes avant l'en-tête, ignorées : ligne 1" in text
    assert "En-tête répété, ignoré : ligne 6" in text


# --- Header names and values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("NOM", "last_name"),
        ("Nom d'usage", "last_name"),
        ("nom_usuel", "last_name"),
        ("Nom de naissance", "birth_name"),
        ("PRENOM", "first_name"),
        ("Prénom du bénéficiaire", "first_name"),
        ("Civ.", "civility"),
        ("Né(e) le", "birth_date"),
        ("Date naissance", "birth_date"),
        ("Date de naissance (jj/mm/aaaa)", "birth_date"),
        ("N° allocataire", "allocataire_number"),
        ("Nº Allocataire", "allocataire_number"),
        ("Num. allocataire", "allocataire_number"),
        ("Matricule", "allocataire_number"),
        ("Numéro CAF", "allocataire_number"),
        ("Organisme payeur", "paying_body"),
        ("Date d’orientation", "orientation_date"),
        ("Complément d'adresse", "address_line2"),
        ("CP", "postcode"),
        ("Code_Postal", "postcode"),
        ("Ville", "commune"),
        ("Tél.", "phone"),
        ("Portable", "phone"),
        ("E-mail", "email"),
        ("Courriel", "email"),
        ("Situation familiale", None),
        ("Nombre d'enfants", None),
    ],
)
def test_header_synonyms(header, field):
    assert field_for_header(header) == field


def test_header_variants_and_value_spellings_in_a_file(db, actor, tmp_path):
    path = write(
        tmp_path,
        "CIVILITE,NOM D'USAGE,Nom de naissance,prenom,Né(e) le,Num allocataire,"
        "Organisme payeur,Type d'orientation,Date d'orientation,CP,Ville,Tel,Courriel",
        "Madame,Martin,Dupont,Chloé,1988-04-12,1234567,caf,Professionnelle,15/03/2023,"
        "91000,Évry,0612345678,chloe@example.fr",
        "Monsieur,Roux,,Loïc,03.05.1990,12345,MSA,Socio-professionnelle,,91100,Corbeil,,",
        'Mme,Petit,,Léa,01/01/1980,="0123456",,social,,,,,',
    )
    report = import_file(db, actor, path)
    assert (report.created, report.rejected) == (3, [])
    people = by_number(db)
    chloe = people["1234567"]
    assert (chloe.civility, chloe.last_name, chloe.birth_name) == ("MME", "Martin", "Dupont")
    assert (chloe.orientation, chloe.orientation_date) == ("emploi", date(2023, 3, 15))
    loic = people["12345"]
    assert (loic.civility, loic.paying_body, loic.orientation) == ("M", "MSA", "socio_pro")
    assert loic.birth_date == date(1990, 5, 3)
    assert people["0123456"].orientation == "social"


def test_unknown_columns_are_listed(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Nom;Prénom;Situation familiale;Commentaire;;",
        "Durand;Anne;Célibataire;RAS;;x",
    )
    report = import_file(db, actor, path)
    assert report.created == 1
    assert report.ignored_columns == [
        "Situation familiale",
        "Commentaire",
        "colonne n° 6 (sans titre)",
    ]
    assert (
        "Colonnes ignorées : Situation familiale, Commentaire, colonne n° 6 (sans titre)"
        in report.as_text()
    )
    assert "Nom → nom ; Prénom → prénom" in report.as_text()


# --- Rejected lines --------------------------------------------------------------------


def test_bad_lines_are_rejected_with_their_line_numbers_and_reasons(db, actor, tmp_path):
    path = write(
        tmp_path,
        HEADER,
        HELENE,
        "Mme;Durand;Anne;31/02/2020;1111111;Sociale;;91000;Évry;;",
        "M.;Petit;Luc;01/01/1980;123;Sociale;;91000;Évry;;",
        "M.;;Noé;01/01/1980;2222222;Sociale;;91000;Évry;;",
        "Mme;Roux;Léa;01/01/2090;3333333;Sociale;;91000;Évry;;",
        "Mme;Moreau;Zoé;01/01/1980;4444444;Sociale;;9100;Évry;;",
        "Mme;Girard;Inès;1980;5555555;Inconnue;;91000;Évry;0612;pas-un-mail",
        MARC,
    )
    report = import_file(db, actor, path)
    assert (report.lines_read, report.created) == (8, 2)
    assert_all_counted(report)
    reasons = rejected(report)
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "« 31/02/2020 » n'existe pas" in reasons[3]
    assert "7 chiffres" in reasons[4] and "« 123 »" in reasons[4]
    assert "nom est obligatoire" in reasons[5]
    assert "dans le futur" in reasons[6]
    assert "code postal compte 5 chiffres" in reasons[7]
    for expected in ("jj/mm/aaaa", "Orientation « Inconnue »", "téléphone", "e-mail"):
        assert expected in reasons[8]
    assert "Ligne 3 : Date de naissance : la date « 31/02/2020 »" in report.as_text()
    assert sorted(by_number(db)) == ["1234567", "7654321"]


def test_same_number_twice_in_the_file_rejects_the_later_line(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Nom;Prénom;N° allocataire",
        "Durand;Anne;1234567",
        "Roux;Léa;7654321",
        "Durand;Annie;123 45 67",
    )
    report = import_file(db, actor, path)
    assert report.created == 2
    assert "déjà présent ligne 2 du fichier" in rejected(report)[4]
    assert by_number(db)["1234567"].first_name == "Anne"


# --- Matching existing people ----------------------------------------------------------


def test_known_number_updates_only_the_given_fields(db, actor, tmp_path):
    seed(db, actor)
    seed(db, actor, last_name="Bégué", first_name="Marc", allocataire_number="7654321")
    path = write(
        tmp_path,
        "N° allocataire;Nom;Prénom;Commune;Code postal;Email;Téléphone",
        "1234567;LEFEVRE;HELENE;Massy;91300;;",  # new address, empty e-mail kept
        "7654321;Bégué;Marc;Évry;91000;helene@example.fr;06 12 34 56 78",  # nothing new
        "9999999;Nouveau;Noé;Évry;91000;;",
    )
    report = import_file(db, actor, path)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    people = by_number(db)
    assert len(people) == 3
    helene = people["1234567"]
    assert (helene.commune, helene.postcode) == ("Massy", "91300")
    assert (helene.last_name, helene.first_name) == ("Lefèvre", "Hélène")  # accents kept
    assert helene.email == "helene@example.fr"
    assert helene.version_id == 2
    assert " massy " in helene.search_text
    assert people["7654321"].version_id == 1
    # Importing the same file again changes nothing.
    again = import_file(db, actor, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_upper_case_name_is_replaced_by_a_richer_spelling(db, actor, tmp_path):
    seed(db, actor, last_name="LEFEVRE", first_name="HELENE")
    path = write(tmp_path, "N° allocataire;Nom;Prénom", "1234567;Lefèvre;Hélène")
    assert import_file(db, actor, path).updated == 1
    helene = by_number(db)["1234567"]
    assert (helene.last_name, helene.first_name) == ("Lefèvre", "Hélène")


def test_another_identity_on_a_known_number_waits_for_the_user(db, actor, tmp_path):
    seed(db, actor)
    path = write(
        tmp_path,
        "N° allocataire;Nom;Prénom;Date de naissance;Commune",
        "1234567;Martin;Anne;01/01/1980;Massy",
    )
    report = import_file(db, actor, path)
    assert (report.updated, report.unchanged, len(report.rejected)) == (0, 0, 0)
    [conflict] = report.conflicts
    assert conflict.text == (
        "Ligne 2 : le numéro allocataire 1234567 (CAF) est celui de LEFÈVRE Hélène, né(e) le "
        "12/04/1988 ; le fichier indique MARTIN Anne, né(e) le 01/01/1980."
    )
    assert "identités à trancher : 1" in report.as_text()
    assert conflict.text in report.as_text()
    helene = by_number(db)["1234567"]
    assert (helene.last_name, helene.commune, helene.version_id) == ("Lefèvre", "Évry", 1)
    assert_all_counted(report)

    applied, overtaken = apply_identity_choices(db, actor, report.file_name, [conflict])
    assert (applied, overtaken) == ([2], [])
    anne = by_number(db)["1234567"]
    assert (anne.last_name, anne.first_name, anne.commune) == ("Martin", "Anne", "Massy")
    assert " martin " in anne.search_text
    with db.read() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.at.desc())).first()
    assert "identité différente confirmée" in event.summary
    assert json.loads(event.before)["first_name"] == "Hélène"
    # Deciding again on the same (now outdated) line writes nothing.
    assert apply_identity_choices(db, actor, report.file_name, [conflict]) == ([], [2])


@pytest.mark.parametrize(
    ("line", "other"),
    [
        ("1234567;Lefèvre;Hélène;12/04/1988", False),  # the same person
        ("1234567;LEFEVRE;Helene;", False),  # no birth date in the file: nothing to compare
        ("1234567;Dupont;Hélène;12/04/1988", True),  # a last name neither stored nor of birth
        ("1234567;Lefèvre;Anne;12/04/1988", True),
        ("1234567;Lefèvre;Hélène;13/04/1988", True),
    ],
)
def test_what_counts_as_another_person(db, actor, tmp_path, line, other):
    seed(db, actor)
    path = write(tmp_path, "N° allocataire;Nom;Prénom;Date de naissance", line)
    assert bool(import_file(db, actor, path).conflicts) is other


def test_a_married_name_with_the_birth_name_is_the_same_person(db, actor, tmp_path):
    seed(db, actor)
    path = write(
        tmp_path,
        "N° allocataire;Nom d'usage;Nom de naissance;Prénom;Date de naissance",
        "1234567;Dupont;Lefèvre;Hélène;12/04/1988",
    )
    report = import_file(db, actor, path)
    assert (report.updated, report.conflicts) == (1, [])
    assert by_number(db)["1234567"].last_name == "Dupont"


def test_cli_lists_the_conflicts_and_writes_nothing_for_them(
    db, db_path, actor, tmp_path, capsys, restore_logging
):
    seed(db, actor)
    path = write(tmp_path, "N° allocataire;Nom;Prénom;Date de naissance", "1234567;Martin;Anne;")
    assert cli.main(["import-beneficiaries", "--db", str(db_path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "identités à trancher : 1" in out and "le fichier indique MARTIN Anne" in out
    assert by_number(db)["1234567"].first_name == "Hélène"


def test_line_without_number_matches_name_and_birth_date(db, actor, tmp_path):
    seed(db, actor)
    path = write(
        tmp_path,
        "Nom;Prénom;Date de naissance;Commune",
        "LEFEVRE;Helene;12/04/1988;Massy",
        "Durand;Anne;01/01/1980;Évry",
        "Roux;Léa;;Grigny",
    )
    report = import_file(db, actor, path)
    assert (report.created, report.updated) == (2, 1)
    assert report.matched_by_identity == [2]
    assert report.created_without_number == [3, 4]
    text = report.as_text()
    assert "par nom, prénom et date de naissance : ligne 2" in text
    assert "Créés sans numéro allocataire : lignes 3 à 4" in text
    helene = by_number(db)["1234567"]
    assert (helene.commune, helene.last_name) == ("Massy", "Lefèvre")


def test_new_number_goes_to_the_same_person_entered_without_one(db, actor, tmp_path):
    seed(db, actor, allocataire_number="")
    path = write(tmp_path, "Nom;Prénom;Né le;N° allocataire", "Lefèvre;Hélène;12/04/1988;1234567")
    report = import_file(db, actor, path)
    assert (report.created, report.updated, report.matched_by_identity) == (0, 1, [2])
    assert list(by_number(db)) == ["1234567"]


def test_same_person_twice_without_number_rejects_the_later_line(db, actor, tmp_path):
    path = write(
        tmp_path,
        "Nom;Prénom;Date de naissance",
        "Durand;Anne;01/01/1980",
        "DURAND;Anne;01/01/1980",
    )
    report = import_file(db, actor, path)
    assert report.created == 1
    assert "que la ligne 2 du fichier" in rejected(report)[3]


def test_namesakes_without_number_nor_birth_date_are_created_and_flagged(db, actor, tmp_path):
    seed(db, actor)
    path = write(tmp_path, "Nom;Prénom", "Lefèvre;Hélène", "Durand;Anne", "DURAND;Anne")
    report = import_file(db, actor, path)
    assert report.created == 3
    assert report.possible_duplicates == [2, 4]
    assert "(fiche créée, à vérifier) : lignes 2, 4" in report.as_text()


def test_homonyms_without_number_are_not_guessed(db, actor, tmp_path):
    seed(db, actor)
    seed(db, actor, allocataire_number="7654321")
    path = write(tmp_path, "Nom;Prénom;Date de naissance", "Lefèvre;Hélène;12/04/1988")
    report = import_file(db, actor, path)
    assert "2 bénéficiaires portent déjà" in rejected(report)[2]
    assert counts(db)[0] == 2


def test_number_of_an_anonymised_record_is_not_reused(db, actor, tmp_path):
    seed(db, actor)
    with db.write() as s:
        s.scalar(select(Beneficiary)).anonymised_at = MOMENT
    path = write(tmp_path, "N° allocataire;Nom;Prénom", "1234567;Lefèvre;Hélène")
    report = import_file(db, actor, path)
    assert "anonymisée" in rejected(report)[2]
    assert counts(db)[0] == 1


# --- Files that cannot be imported -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 40, "n'est pas un fichier texte"),
        (b"PK\x03\x04" + b"\x14\x00" * 200, "classeur Excel"),
        (b"", "est vide"),
        (b"\xef\xbb\xbf\r\n \r\n", "est vide"),
        (b"bonjour;le;monde\r\nDurand;Anne;1\r\n", "Aucune ligne d'en-tête reconnue"),
        (b"Nom;Date de naissance\r\nDurand;01/01/1980\r\n", "« Prénom »"),
        (b"Nom;Pr\xe9nom\r\nDurand;\x81\x8d\r\n", "n'est pas un fichier texte"),
    ],
    ids=["binary", "xlsx", "empty", "blank", "no-header", "no-first-name", "bad-bytes"],
)
def test_unusable_file_changes_nothing(db, actor, tmp_path, content, message):
    seed(db, actor)
    before = counts(db)
    path = tmp_path / "mauvais.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_file(db, actor, path)
    assert counts(db) == before


def test_missing_file_and_folder_are_refused(db, actor, tmp_path):
    with pytest.raises(ImportFileError, match="introuvable"):
        import_file(db, actor, tmp_path / "absent.csv")
    with pytest.raises(ImportFileError, match="dossier"):
        import_file(db, actor, tmp_path)
    assert counts(db) == (0, 0)


def test_header_only_file_reports_no_data_line(db, actor, tmp_path):
    report = import_file(db, actor, write(tmp_path, HEADER))
    assert (report.lines_read, report.created) == (0, 0)
    assert "ne contient que l'en-tête" in report.as_text()
    assert counts(db)[0] == 0


def test_unusable_file_is_logged(db, actor, tmp_path, caplog):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    with (
        caplog.at_level(logging.WARNING, logger="app.services.importer"),
        pytest.raises(ImportFileError),
    ):
        import_file(db, actor, path)
    assert "vide.csv" in caplog.text


# --- Dry run, progress, cancellation, audit --------------------------------------------


def test_dry_run_writes_nothing_but_reports_what_would_happen(db, actor, tmp_path):
    seed(db, actor)
    before = counts(db)
    path = write(
        tmp_path,
        "N° allocataire;Nom;Prénom;Commune",
        "1234567;Lefèvre;Hélène;Massy",
        "7654321;Bégué;Marc;Massy",
    )
    report = import_file(db, actor, path, dry_run=True)
    assert (report.dry_run, report.created, report.updated) == (True, 1, 1)
    text = report.as_text()
    assert "SIMULATION" in text and "à créer : 1" in text and "à mettre à jour : 1" in text
    assert counts(db) == before
    assert by_number(db)["1234567"].commune == "Évry"


def many_lines(tmp_path: Path, n: int) -> Path:
    lines = ["Nom;Prénom;N° allocataire"]
    lines += [f"Nom{i};Prénom{i};{1_000_000 + i}" for i in range(n)]
    return write(tmp_path, *lines, name="gros.csv")


def test_progress_is_reported_by_chunks(db, actor, tmp_path):
    calls: list[tuple[int, int]] = []
    report = import_file(
        db, actor, many_lines(tmp_path, 450), progress=lambda d, t: calls.append((d, t))
    )
    assert report.created == 450
    assert calls == [(200, 450), (400, 450), (450, 450)]


def test_cancel_rolls_everything_back(db, actor, tmp_path):
    seed(db, actor)
    before = counts(db)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # after 400 lines were written in the transaction

    with pytest.raises(ImportCancelled, match="aucune donnée"):
        import_file(db, actor, many_lines(tmp_path, 450), cancelled=cancelled)
    assert counts(db) == before


def test_audit_events_for_the_file_and_each_person(db, actor, tmp_path):
    seed(db, actor)
    path = write(
        tmp_path,
        "N° allocataire;Nom;Prénom;Commune",
        "1234567;Lefèvre;Hélène;Massy",
        "7654321;Bégué;Marc;Évry",
        "1234567;Doublon;Luc;Évry",
    )
    with db.read() as s:
        seeded = set(s.scalars(select(AuditEvent.id)))
    import_file(db, actor, path)
    with db.read() as s:
        events = [e for e in s.scalars(select(AuditEvent)) if e.id not in seeded]
        ids = dict(s.execute(select(Beneficiary.first_name, Beneficiary.id)).all())
    assert sorted(e.action for e in events) == ["create", "import", "update"]
    (update,) = [e for e in events if e.action == "update"]
    assert (update.entity, update.entity_id) == ("beneficiary", str(ids["Hélène"]))
    assert (json.loads(update.before), json.loads(update.after)) == (
        {"commune": "Évry"},
        {"commune": "Massy"},
    )
    assert "extraction.csv" in update.summary and "ligne 2" in update.summary
    (create,) = [e for e in events if e.action == "create"]
    assert (create.entity, create.entity_id) == ("beneficiary", str(ids["Marc"]))
    assert json.loads(create.after)["commune"] == "Évry"
    assert all((e.user_login, e.workstation) == ("agent.test", "POSTE-TEST") for e in events)
    (summary,) = [e for e in events if e.action == "import"]
    assert "extraction.csv" in summary.summary
    assert json.loads(summary.after) | {"encoding": "?"} == {
        "file": "extraction.csv",
        "encoding": "?",
        "lines": 3,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "rejected": 1,
    }


# --- Report and command line -----------------------------------------------------------


def test_line_list_compacts_ranges():
    assert line_list([7]) == "ligne 7"
    assert line_list([9, 3, 4, 5]) == "lignes 3 à 5, 9"


def test_report_lists_every_rejected_line(db, actor, tmp_path):
    lines = ["Nom;Prénom;Code postal"] + [f"Nom{i};P;1" for i in range(150)]
    report = import_file(db, actor, write(tmp_path, *lines))
    assert len(report.rejected) == 150
    assert report.rejected[0] == RejectedLine(2, "Le code postal compte 5 chiffres (lu : « 1 »).")
    assert report.as_text().count("\nLigne ") == 150


@pytest.fixture
def restore_logging():
    """The command line configures the root logger once per process: undo it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    if hasattr(root, "_pack_sortie"):
        del root._pack_sortie


def test_cli_prints_the_report_and_exits_0(db, db_path, tmp_path, capsys, restore_logging):
    path = write(tmp_path, HEADER, HELENE, "M.;;Noé;;;;;;;;")
    code = cli.main(["import-beneficiaries", "--db", str(db_path), str(path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "créés : 1" in out and "Ligne 3 : Le nom est obligatoire." in out
    assert counts(db)[0] == 1


def test_cli_dry_run_and_unusable_file(db, db_path, tmp_path, capsys, restore_logging):
    path = write(tmp_path, HEADER, HELENE)
    assert cli.main(["import-beneficiaries", "--db", str(db_path), "--dry-run", str(path)]) == 0
    assert "SIMULATION" in capsys.readouterr().out
    bad = write(tmp_path, "Nom;Date de naissance", "Durand;01/01/1980", name="bad.csv")
    assert cli.main(["import-beneficiaries", "--db", str(db_path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Erreur : Colonne obligatoire absente" in err and "« Prénom »" in err
    assert counts(db)[0] == 0
