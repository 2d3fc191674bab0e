"""Codes stored in the database (stable English identifiers) and their French labels."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A code whose French label lives beside it, for the UI and the letters."""

    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Civility(LabelledEnum):
    MR = "M"
    MRS = "MME"


class PayingBody(LabelledEnum):
    CAF = "CAF"
    MSA = "MSA"


class Orientation(LabelledEnum):
    SOCIAL = "social"
    EMPLOYMENT = "emploi"
    SOCIO_PRO = "socio_pro"


class SupportContract(LabelledEnum):
    CER = "CER"
    PPAE = "PPAE"
    ENGAGEMENT = "CE"


class InstitutionKind(LabelledEnum):
    DEPARTEMENT = "departement"
    CAF = "caf"
    CCAS = "ccas"
    PLIE = "plie"
    OTHER = "autre"


class Relation(LabelledEnum):
    PARTNER = "conjoint"
    CHILD = "enfant"
    OTHER = "autre"


class ContractType(LabelledEnum):
    CDI = "CDI"
    CDD = "CDD"
    TEMPING = "interim"
    SUBSIDISED = "contrat_aide"


class CaseState(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    GRANTED = "granted"
    REFUSED = "refused"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


class Component(LabelledEnum):
    TRANSPORT = "transport"
    DAILY_LIFE = "daily_life"
    CHILDCARE = "childcare"


def component_rank(value: str) -> int:
    """A component's place in the order of the scale (for sorting stored values)."""
    return list(Component).index(Component(value))


class PayeeKind(LabelledEnum):
    BENEFICIARY = "beneficiary"
    THIRD_PARTY = "third_party"


class InstalmentStatus(LabelledEnum):
    PLANNED = "planned"
    SUSPENDED = "suspended"
    MANDATED = "mandated"
    PAID = "paid"
    CANCELLED = "cancelled"
    TO_SETTLE = "to_settle"  # rejected by the bank: paid again by a later batch


class DecisionKind(LabelledEnum):
    GRANT = "grant"
    REFUSAL = "refusal"
    EARLY_END = "early_end"
    COMPLETION = "completion"


class ExitReason(LabelledEnum):
    """Why a case ended early (``pack_case.exit_reason``; a completion records "completed")."""

    JOB_LOST = "job_lost"
    TRIAL_FAILED = "trial_failed"
    MOVED_AWAY = "moved_away"
    RSA_CLOSED = "rsa_closed"
    PERSON_REQUEST = "person_request"
    OTHER = "other"

    @property
    def needs_observations(self) -> bool:
        """Every early end but the person's own request is preceded by a notice."""
        return self is not ExitReason.PERSON_REQUEST


class MeetingMode(LabelledEnum):
    INTERVIEW = "entretien"
    PHONE = "telephone"
    WORKPLACE = "lieu_travail"


class MeetingKind(LabelledEnum):
    FOLLOW_UP = "suivi"
    REVIEW_6M = "bilan_6_mois"


class DocumentKind(LabelledEnum):
    GRANT_LETTER = "attribution"
    REFUSAL_LETTER = "refus"
    OBSERVATIONS_NOTICE = "invitation_observations"
    EARLY_END_LETTER = "fin_anticipee"
    COMPLETION_LETTER = "fin_dispositif"
    MEETING_NOTES = "compte_rendu"
    REVIEW_6M = "bilan_6_mois"
    ANNUAL_REPORT = "bilan_annuel"


class BatchStatus(LabelledEnum):
    OPEN = "open"
    EXPORTED = "exported"
    CONFIRMED = "confirmed"


_LABELS: dict[str, dict[str, str]] = {
    "Civility": {"M": "M.", "MME": "Mme"},
    "PayingBody": {"CAF": "CAF", "MSA": "MSA"},
    "Orientation": {"social": "Sociale", "emploi": "Emploi", "socio_pro": "Socio-professionnelle"},
    "SupportContract": {
        "CER": "Contrat d'engagements réciproques (CER)",
        "PPAE": "Projet personnalisé d'accès à l'emploi (PPAE)",
        "CE": "Contrat d'engagement",
    },
    "InstitutionKind": {
        "departement": "Département",
        "caf": "CAF",
        "ccas": "CCAS",
        "plie": "PLIE",
        "autre": "Autre",
    },
    "Relation": {"conjoint": "Conjoint(e)", "enfant": "Enfant", "autre": "Autre"},
    "ContractType": {
        "CDI": "CDI",
        "CDD": "CDD",
        "interim": "Intérim",
        "contrat_aide": "Contrat aidé",
    },
    "CaseState": {
        "draft": "Brouillon",
        "submitted": "Soumis",
        "granted": "Accordé",
        "refused": "Refusé",
        "in_progress": "En cours",
        "suspended": "Suspendu",
        "completed": "Terminé",
        "ended_early": "Arrêté avant terme",
    },
    "Component": {
        "transport": "Transport en commun",
        "daily_life": "Vie quotidienne",
        "childcare": "Garde d'enfant",
    },
    "PayeeKind": {"beneficiary": "Bénéficiaire", "third_party": "Tiers"},
    "InstalmentStatus": {
        "planned": "Prévue",
        "suspended": "Suspendue",
        "mandated": "Mandatée",
        "paid": "Payée",
        "cancelled": "Annulée",
        "to_settle": "À régulariser",
    },
    "DecisionKind": {
        "grant": "Attribution",
        "refusal": "Refus",
        "early_end": "Fin anticipée",
        "completion": "Fin de dispositif",
    },
    "ExitReason": {
        "job_lost": "Perte de l'emploi",
        "trial_failed": "Période d'essai non concluante",
        "moved_away": "Déménagement hors du département",
        "rsa_closed": "Fin du droit RSA",
        "person_request": "Demande de la personne",
        "other": "Autre motif",
    },
    "MeetingMode": {
        "entretien": "Entretien au bureau",
        "telephone": "Téléphone",
        "lieu_travail": "Visite sur le lieu de travail",
    },
    "MeetingKind": {"suivi": "Entretien de suivi", "bilan_6_mois": "Bilan à 6 mois"},
    "DocumentKind": {
        "attribution": "Notification d'attribution",
        "refus": "Notification de refus",
        "invitation_observations": "Invitation à présenter des observations",
        "fin_anticipee": "Notification de fin anticipée",
        "fin_dispositif": "Notification de fin de dispositif",
        "compte_rendu": "Compte rendu d'entretien",
        "bilan_6_mois": "Bilan à 6 mois",
        "bilan_annuel": "Bilan annuel",
    },
    "BatchStatus": {"open": "Ouvert", "exported": "Exporté", "confirmed": "Confirmé"},
}
