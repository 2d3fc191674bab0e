from datetime import date, timedelta

import pytest

from app.services import validation as v
from app.services.text import fold, format_cents, parse_amount_cents
from tests.clock import TODAY, years_before

VALID_FR_IBAN = "FR76 3000 6000 0112 3456 7890 189"


def nir_with_key(body13: str) -> str:
    numeric = body13.replace("2A", "19").replace("2B", "18")
    return f"{body13}{97 - int(numeric) % 97:02d}"


@pytest.mark.parametrize(
    "iban",
    [VALID_FR_IBAN, "fr7630006000011234567890189", "DE89370400440532013000", "BE68539007547034"],
)
def test_valid_ibans(iban):
    assert v.iban_error(iban) is None


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("FR76 3000 6000 0112 3456 7890 188", "clé de contrôle"),
        ("FR76 3000 6000 0112 3456 7890 18", "27 caractères"),
        ("7630006000011234567890189", "deux lettres"),
        ("", "vide"),
    ],
)
def test_invalid_ibans(iban, message):
    assert message in v.iban_error(iban)


def test_french_iban_with_good_mod97_but_wrong_rib_key_is_refused():
    # Same BBAN with a wrong RIB key, IBAN check digits recomputed so ISO 13616 passes.
    bban = "30006000011234567890100"
    digits = "".join(str(int(c, 36)) for c in bban + "FR00")
    check = 98 - int(digits) % 97
    iban = f"FR{check:02d}{bban}"
    assert int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1
    assert "clé RIB" in v.iban_error(iban)


def test_rib_key_with_letters_in_account_number():
    # Letters in the account number map to digits (A,J->1 … I,R,Z->9) before the computation.
    assert v.rib_key_ok("2004101005" + "0500013M026" + "06")


def test_nir_key_including_corsica():
    assert v.nir_error("184127645108946") is None
    assert v.nir_error(nir_with_key("2690519004001")) is None
    assert v.nir_error(nir_with_key("269052A004001")) is None
    assert v.nir_error(nir_with_key("269052B004001")) is None
    assert "clé" in v.nir_error("184127645108947")
    assert "15 caractères" in v.nir_error("18412764510894")


def test_nir_key_of_2a_differs_from_plain_digits():
    two_a = nir_with_key("269052A004001")
    assert v.nir_error(two_a.replace("2A", "20")) is not None


def test_caf_number_has_seven_digits_msa_digits_only():
    assert v.allocataire_error("1234567") is None
    assert v.allocataire_error("123 45 67") is None
    assert "7 chiffres" in v.allocataire_error("123456")
    assert v.allocataire_error("12345678901", "MSA") is None
    assert "chiffres" in v.allocataire_error("12A45", "MSA")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29/02/2024", date(2024, 2, 29)),
        ("01-09-2019", date(2019, 9, 1)),
        ("2019-08-31", date(2019, 8, 31)),
        (" 5/3/2020 ", date(2020, 3, 5)),
    ],
)
def test_parse_date(text, expected):
    assert v.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2024", "n'existe pas"),
        ("29/02/2023", "n'existe pas"),
        ("2024/02/01", "format"),
        ("demain", "format"),
    ],
)
def test_impossible_or_malformed_dates(text, message):
    with pytest.raises(ValueError, match=message):
        v.parse_date(text)


def test_birth_date_rules():
    today = TODAY
    assert v.birth_date_error(date(1990, 1, 1), today) is None
    assert "futur" in v.birth_date_error(today + timedelta(days=1), today)
    assert v.birth_date_error(years_before(today, 16), today) is None  # 16 today
    assert "16 ans" in v.birth_date_error(years_before(today, 16) + timedelta(days=1), today)


def test_fold_and_french_formats():
    assert fold("  Hélène LEFÈVRE-Œuvray ") == "helene lefevre oeuvray"
    assert format_cents(135000) == "1\u202f350,00\u00a0€"
    assert format_cents(7500) == "75,00\u00a0€"
    assert parse_amount_cents("1 350,00 €") == 135000
    assert parse_amount_cents("74.5") == 7450
    with pytest.raises(ValueError):
        parse_amount_cents("12,345")


def test_a_motivation_is_made_of_words_not_dots():
    from app.services.validation import motivation_error

    assert motivation_error("." * 40, 30)
    assert motivation_error("a b c d e f g h i j k l m n o p", 30)
    assert motivation_error("Contrat rompu.", 30)
    assert motivation_error("Contrat rompu pendant la période d'essai le 12/04/2018.", 30) is None


def iban_with_check_digits(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def test_an_iban_of_a_country_outside_the_registry_is_refused():
    iban = iban_with_check_digits("ZZ", "30006000011234567890189")
    assert int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1  # mod 97 ok
    assert "Le code pays « ZZ » de l'IBAN est inconnu" in v.iban_error(iban)
    # French overseas territories have no IBAN of their own: they use FR.
    assert "« GP »" in v.iban_error(iban_with_check_digits("GP", "30006000011234567890189"))


def test_the_registry_lengths_come_from_stdnum():
    lengths = {c: v.iban_registry_length(c) for c in ("FR", "NO", "LC", "RU", "XK", "YE", "ZZ")}
    assert lengths == {"FR": 27, "NO": 15, "LC": 32, "RU": 33, "XK": 20, "YE": 30, "ZZ": None}


@pytest.mark.parametrize(
    "iban",
    [
        "NO9386011117947",  # the registry's samples
        "XK051212012345678906",
        "LC55HEMM000100010012001200023015",
        "RU0304452522540817810538091310419",
        iban_with_check_digits("NO", "86011117947"),
    ],
)
def test_ibans_of_the_newly_listed_countries_are_accepted(iban):
    assert v.iban_error(iban) is None


def test_a_norwegian_iban_of_the_wrong_length_is_refused_despite_its_check_digits():
    iban = iban_with_check_digits("NO", "860111179470")
    assert v.iban_error(iban) == "Un IBAN NO compte 15 caractères (ici 16)."


@pytest.mark.parametrize(
    ("char", "code"),
    [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F"), ("\u202e", "U+202E")],
)
def test_control_and_bidi_override_characters_are_refused_even_in_multiline_texts(char, code):
    for multiline in (False, True):
        message = v.text_error(f"Lef{char}èvre", "Nom", 100, multiline=multiline)
        assert message.startswith("Le champ « Nom » contient un caractère invisible interdit")
        assert code in message


def test_line_breaks_and_tabs_only_in_multiline_texts():
    text = "Entretien du matin.\r\nSuites :\tappeler la crèche.\u2028Fin."
    assert v.text_error(text, "Compte rendu", 5_000, multiline=True) is None
    for bad in ("Lefèvre\nMartin", "Lefèvre\tMartin", "Lefèvre\u2028Martin"):
        assert "tient sur une seule ligne" in v.text_error(bad, "Nom", 100)


def test_an_overlong_text_is_refused_with_its_limit_and_length():
    assert v.text_error("A" * 100, "Nom", 100) is None
    assert v.text_error("A" * 143, "Nom", 100) == (
        "Le champ « Nom » dépasse 100 caractères (ici 143)."
    )
    assert v.text_error("  " + "A" * 100 + " \n", "Nom", 100, multiline=True) is None
    assert v.text_error("a" * 5_012, "Notes", 5_000, multiline=True) == (
        "Le champ « Notes » dépasse 5\u202f000 caractères (ici 5\u202f012)."
    )


def test_the_limits_follow_the_columns_of_the_models():
    from app.models import Beneficiary, Case, HouseholdMember

    def length(table, column):
        return table.__table__.columns[column].type.length

    assert length(Beneficiary, "last_name") == v.NAME_MAX
    assert length(HouseholdMember, "first_name") == v.NAME_MAX
    assert length(Beneficiary, "address_line1") == v.ADDRESS_LINE_MAX
    assert length(Beneficiary, "commune") == v.COMMUNE_MAX
    assert length(Beneficiary, "phone") == v.PHONE_MAX
    assert length(Beneficiary, "email") == v.EMAIL_MAX
    assert length(Case, "employer_name") == length(Case, "job_title") == v.LABEL_MAX


def test_settings_texts_are_checked():
    from dataclasses import replace

    from app.services.settings import OfficeSettings, settings_errors

    default = OfficeSettings()
    assert settings_errors(default) == {}
    bad = replace(
        default,
        department_name="Département\x1b[31m",
        signature_city="Évry\nCourcouronnes",
        legal_basis="x" * 5_001,
        letter_templates={"refus": "Madame,\n\nVotre demande\x00 est refusée."},
    )
    errors = settings_errors(bad)
    assert "caractère invisible" in errors["department_name"]
    assert "seule ligne" in errors["signature_city"]
    assert "« Base légale » dépasse 5\u202f000 caractères (ici 5\u202f001)" in errors["legal_basis"]
    assert "Modèle de courrier : " in errors["letter_templates"]
    assert "department_address" not in errors  # the letterhead address holds several lines


def test_nir_goes_through_stdnum_with_french_messages():
    from stdnum.fr import nir as stdnum_nir

    good = nir_with_key("269052B004001")
    assert stdnum_nir.is_valid(good) and v.nir_error(good) is None
    assert v.nir_error(" " + good[:5] + " " + good[5:] + " ") is None  # spaces ignored
    assert "15 caractères" in v.nir_error("269052C00400199")
    assert "15 caractères" in v.nir_error(nir_with_key("569052B004001"))  # no such sex digit
    assert "mois" in v.nir_error(nir_with_key("269152B004001"))  # month 15
