"""The département's settings, stored in the database (table ``setting``) and typed here.

Every assumption of domain.md that "must stay a setting" lives in :class:`OfficeSettings`
with its default; administrators change them from the settings screen.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date

from app.models.enums import DocumentKind
from app.services import validation
from app.services.actor import Actor
from app.services.errors import NotAllowed, ValidationError
from app.services.storage import Database
from app.services.text import format_cents, format_date

DEFAULT_APPEAL_ROUTES = (
    "Si vous contestez cette décision, vous pouvez, dans un délai de deux mois à compter de sa "
    "notification, former un recours gracieux auprès du Président du Conseil départemental, "
    "et/ou un recours contentieux devant le Tribunal administratif de Versailles (56 avenue de "
    "Saint-Cloud, 78011 Versailles Cedex). Le tribunal peut être saisi par l'application "
    "« Télérecours citoyens » sur www.telerecours.fr. Le recours gracieux prolonge le délai "
    "du recours contentieux, qui court à nouveau à compter de la réponse."
)


# One a line, accents and case ignored; a final « * » also matches the longer words.
DEFAULT_HEALTH_WORDS = "\n".join(
    (
        "malad*",
        "santé",
        "médic*",
        "médecin*",
        "hôpital*",
        "hospitalis*",
        "traitement*",
        "dépress*",
        "cancer*",
        "handicap*",
        "MDPH",
        "psychiatr*",
        "psycholog*",
        "enceinte",
        "grossesse",
        "diabét*",
        "diabèt*",
        "addict*",
        "alcool*",
        "thérap*",
        "chimio*",
        "ordonnance*",
    )
)


@dataclass
class OfficeSettings:
    department_name: str = "Département de l'Essonne"
    department_address: str = (
        "Hôtel du Département\nBoulevard de France\n91012 Évry-Courcouronnes Cedex"
    )
    president_title: str = "Président du Conseil départemental"
    legal_basis: str = (
        "Délibération de l'Assemblée départementale du 13 novembre 2017 créant le Pack sortie "
        "RSA ; règlement départemental d'aide sociale."
    )
    appeal_routes: str = DEFAULT_APPEAL_ROUTES
    signature_city: str = "Évry-Courcouronnes"
    delegation_line: str = "Pour le Président du Conseil départemental et par délégation,"
    logo_path: str = ""  # PNG or JPEG; empty: the département's name is printed instead
    timestamp_url: str = ""  # RFC 3161 server for PAdES B-T; empty: B-B, never a network call
    # PEM certificates of the authorities whose signatures are "reconnues" when verifying.
    trusted_certificates: str = ""
    # Editable body of each letter kind (app.services.letter_text.DEFAULT_TEMPLATES when
    # absent). The mandatory mentions are printed outside these texts.
    letter_templates: dict[str, str] = field(default_factory=dict)
    caf_number_digits: int = 7
    nir_enabled: bool = False
    observations_delay_days: int = 15
    retention_years: int = 2
    access_log_months: int = 6
    # The archived letters of a person the retention purge anonymises: "keep" (decisions are
    # administrative acts, the public archives may claim them) or "delete".
    anonymised_letters: str = "keep"
    # Words that make a meeting note look like health data (one a line, accents ignored):
    # the note is then saved only after a warning (domain.md §5: no health data).
    health_words: str = DEFAULT_HEALTH_WORDS
    # The evaluation (app.services.evaluation): people helped a year, and the average RSA
    # paid a month as a dated setting: [["YYYY-MM-DD", cents], …], each value in force from
    # its date until the next one (500 € from 2018-01-01 in the seed).
    yearly_target: int = 150
    average_rsa_rates: list[list] = field(default_factory=lambda: [["2018-01-01", 50_000]])
    # The account payments leave from (SEPA file of a payment batch); empty: no SEPA file.
    debtor_name: str = ""  # empty: the département's name
    debtor_iban: str = ""
    debtor_bic: str = ""
    # The columns of the finance software's CSV, one a line (« clé » or « clé = Titre »);
    # empty: every column (app.services.payment_export.COLUMNS).
    payment_csv_columns: str = ""
    # A base on the département's server: the shared folder (UNC path) every workstation
    # archives letters, payment files and reports in. A SQLite base keeps them beside it.
    archive_folder: str = ""


# The settings' texts: (label, longest length, several lines allowed).
TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    "department_name": ("Département", validation.LABEL_MAX, False),
    "department_address": ("Adresse (en-tête)", validation.ADDRESS_MAX, True),
    "president_title": ("Autorité signataire", validation.LABEL_MAX, False),
    "legal_basis": ("Base légale", validation.LEGAL_TEXT_MAX, True),
    "appeal_routes": ("Voies et délais de recours", validation.LEGAL_TEXT_MAX, True),
    "signature_city": ("Ville de signature", validation.CITY_MAX, False),
    "delegation_line": ("Mention de délégation", validation.LINE_MAX, False),
    "logo_path": ("Logo", validation.PATH_MAX, False),
    "timestamp_url": ("Serveur d'horodatage", validation.PATH_MAX, False),
    "trusted_certificates": ("Autorités de signature", validation.CERTIFICATES_MAX, True),
    "debtor_name": ("Titulaire du compte payeur", validation.LABEL_MAX, False),
    "debtor_iban": ("IBAN du compte payeur", 42, False),
    "debtor_bic": ("BIC du compte payeur", 11, False),
    "payment_csv_columns": ("Colonnes du fichier de paiement", 2_000, True),
    "archive_folder": ("Dossier des documents (base sur serveur)", validation.PATH_MAX, False),
}


def load_settings(db: Database) -> OfficeSettings:
    """Plain SQL (:meth:`Database.rows`): reading the settings does not load the ORM."""
    stored = {str(key): str(value) for key, value in db.rows("SELECT key, value FROM setting")}
    result = OfficeSettings()
    for f in fields(OfficeSettings):
        if f.name in stored:
            setattr(result, f.name, json.loads(stored[f.name]))
    return result


def settings_errors(new: OfficeSettings) -> dict[str, str]:
    """The rules a département's settings must respect (the letters depend on them)."""
    errors: dict[str, str] = {}
    for name in (
        "department_name",
        "president_title",
        "legal_basis",
        "appeal_routes",
        "signature_city",
    ):
        if not str(getattr(new, name)).strip():
            errors[name] = "Ce texte figure sur les courriers : il ne peut pas être vide."
    if "deux mois" not in new.appeal_routes and "2 mois" not in new.appeal_routes:
        errors["appeal_routes"] = (
            "Les voies de recours doivent indiquer le délai de recours (deux mois)."
        )
    for name, (label, limit, multiline) in TEXT_FIELDS.items():
        if msg := validation.text_error(getattr(new, name), label, limit, multiline=multiline):
            errors[name] = msg
    for kind, template in new.letter_templates.items():
        try:
            label = f"Modèle de courrier : {DocumentKind(kind).label}"
        except ValueError:
            label = f"Modèle de courrier : {kind}"
        if msg := validation.text_error(template, label, validation.TEMPLATE_MAX, multiline=True):
            errors.setdefault("letter_templates", msg)
    if not 1 <= new.observations_delay_days <= 90:
        errors["observations_delay_days"] = "Le délai d'observations va de 1 à 90 jours."
    if not 1 <= new.retention_years <= 10:
        errors["retention_years"] = "La durée de conservation va de 1 à 10 ans."
    if new.access_log_months < 6:
        errors["access_log_months"] = "Le journal des accès se garde au moins 6 mois."
    if new.anonymised_letters not in ("keep", "delete"):
        errors["anonymised_letters"] = (
            "Les courriers des personnes anonymisées sont conservés ou supprimés."
        )
    if msg := validation.text_error(
        new.health_words, "Mots évoquant la santé", HEALTH_WORDS_MAX, multiline=True
    ):
        errors["health_words"] = msg
    if not 5 <= new.caf_number_digits <= 13:
        errors["caf_number_digits"] = "Un numéro allocataire compte de 5 à 13 chiffres."
    if "trusted_certificates" not in errors and new.trusted_certificates.strip():
        from app.services.pdf_verify import parse_trust_roots

        try:
            parse_trust_roots(new.trusted_certificates)
        except ValueError as exc:
            errors["trusted_certificates"] = str(exc)
    iban_problem = new.debtor_iban and validation.iban_error(new.debtor_iban)
    if iban_problem and "debtor_iban" not in errors:
        errors["debtor_iban"] = iban_problem
    if new.debtor_bic and (msg := validation.bic_error(new.debtor_bic)):
        errors["debtor_bic"] = msg
    if "payment_csv_columns" not in errors and new.payment_csv_columns.strip():
        from app.services.payment_export import parse_columns

        try:
            parse_columns(new.payment_csv_columns)
        except ValueError as exc:
            errors["payment_csv_columns"] = str(exc)
    if not 0 <= new.yearly_target <= YEARLY_TARGET_MAX:
        errors["yearly_target"] = (
            f"L'objectif annuel va de 0 à {YEARLY_TARGET_MAX:,} personnes.".replace(",", "\u202f")
        )
    if msg := rsa_rates_error(new.average_rsa_rates):
        errors["average_rsa_rates"] = msg
    return errors


YEARLY_TARGET_MAX = 100_000
HEALTH_WORDS_MAX = 5_000
RSA_MONTHLY_MAX_CENTS = 1_000_000  # 10 000 € a month: beyond, a typing error


def rsa_rates_error(rates: object) -> str | None:
    """What is wrong with a dated list of average RSA values, in French (None: nothing)."""
    if not isinstance(rates, list) or not rates:
        return "Indiquez au moins un RSA moyen versé par mois, avec sa date d'effet."
    seen: set[date] = set()
    for item in rates:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            return "Chaque RSA moyen versé s'écrit avec sa date d'effet et son montant."
        raw, cents = item
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            return f"La date d'effet « {raw} » du RSA moyen n'est pas une date valide."
        if day in seen:
            return f"Deux RSA moyens prennent effet le {format_date(day)} : gardez-en un seul."
        seen.add(day)
        if isinstance(cents, bool) or not isinstance(cents, int):
            return f"Le RSA moyen en vigueur le {format_date(day)} doit être un montant en euros."
        if not 0 < cents <= RSA_MONTHLY_MAX_CENTS:
            return (
                f"Le RSA moyen en vigueur le {format_date(day)} va de 0,01 € à "
                f"{format_cents(RSA_MONTHLY_MAX_CENTS)} par mois."
            )
    return None


def rsa_rates(settings: OfficeSettings) -> list[tuple[date, int]]:
    """The average RSA values a month, as (effective from, cents), oldest first."""
    return sorted((date.fromisoformat(str(d)), int(c)) for d, c in settings.average_rsa_rates)


def rsa_rate_on(settings: OfficeSettings, day: date) -> int | None:
    """The average RSA a month in force on ``day`` (None before the first value)."""
    found = None
    for effective_from, cents in rsa_rates(settings):
        if effective_from <= day:
            found = cents
    return found


def with_rsa_rate(settings: OfficeSettings, effective_from: date, cents: int) -> OfficeSettings:
    """A copy of ``settings`` where ``cents`` is in force from ``effective_from`` (replacing
    a value of that same date); save it with :func:`save_settings`."""
    kept = [[d, c] for d, c in settings.average_rsa_rates if str(d) != effective_from.isoformat()]
    rates = sorted([*kept, [effective_from.isoformat(), cents]], key=lambda r: str(r[0]))
    return replace(settings, average_rsa_rates=rates)


def save_settings(db: Database, actor: Actor, new: OfficeSettings) -> None:
    if not actor.is_admin:
        raise NotAllowed("Seul un administrateur peut modifier les paramètres.")
    if errors := settings_errors(new):
        raise ValidationError(errors)
    from sqlalchemy import select

    from app.models import Setting
    from app.services import audit

    values = asdict(new)
    with db.write() as s:
        rows = {row.key: row for row in s.scalars(select(Setting))}
        for key, value in values.items():
            encoded = json.dumps(value, ensure_ascii=False)
            row = rows.get(key)
            if row is None:
                s.add(Setting(key=key, value=encoded, created_by=actor.login))
            elif row.value != encoded:
                audit.record(
                    s,
                    actor,
                    "update",
                    "setting",
                    key,
                    before={key: json.loads(row.value)},
                    after={key: value},
                )
                row.value, row.updated_by = encoded, actor.login
