"""The editable part of each letter: a plain-language text with placeholders.

Administrators adjust these texts in the settings; the mandatory mentions (letterhead,
references, motivation, legal basis, signer, electronic-signature mention, appeal routes)
are printed by app.services.letter_pdf outside them, so an edit can never remove them.
Placeholders are written ``{nom}``; an unknown one is printed as is, so a typo shows in
the preview instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.models.enums import DocumentKind

PLACEHOLDERS = {
    "formule": "Madame, / Monsieur, / Madame, Monsieur,",
    "civilite": "Madame / Monsieur",
    "prenom": "prénom du bénéficiaire",
    "nom": "nom du bénéficiaire",
    "employeur": "nom de l'employeur",
    "poste": "poste occupé",
    "date_debut_emploi": "début de l'emploi (jj/mm/aaaa)",
    "date_demande": "date de la demande",
    "date_decision": "date de la décision",
    "numero_decision": "numéro de la décision",
    "reference": "référence du dossier",
    "montant_total": "montant total accordé",
    "montant_verse": "montant déjà versé ou mandaté",
    "date_fin_suivi": "fin des six mois de suivi",
    "date_fin": "date de fin du Pack",
    "date_limite_observations": "date limite des observations",
    "referent": "nom du référent",
    "date_entretien": "date de l'entretien",
}

DEFAULT_TEMPLATES: dict[str, str] = {
    DocumentKind.GRANT_LETTER.value: (
        "{formule}\n\n"
        "Vous avez commencé à travailler chez {employeur} le {date_debut_emploi}. Pour vous "
        "aider pendant vos premiers mois de travail, le Département vous accorde le Pack "
        "sortie RSA.\n\n"
        "Vous recevrez au total {montant_total}, en plusieurs versements. Le tableau "
        "ci-dessous indique le mois et le montant de chaque versement, et qui le reçoit.\n\n"
        "{referent}, votre référent(e), vous accompagne jusqu'au {date_fin_suivi}. "
        "Prévenez-le ou prévenez-la si votre situation change : fin de contrat, "
        "déménagement, changement d'employeur."
    ),
    DocumentKind.REFUSAL_LETTER.value: (
        "{formule}\n\n"
        "Vous avez demandé le Pack sortie RSA le {date_demande}. Nous avons étudié votre "
        "demande avec attention. Le Département ne peut pas vous accorder cette aide, pour "
        "les raisons expliquées ci-dessous.\n\n"
        "{referent}, votre référent(e), reste à votre disposition pour en parler avec vous."
    ),
    DocumentKind.OBSERVATIONS_NOTICE.value: (
        "{formule}\n\n"
        "Le Département envisage de mettre fin à votre Pack sortie RSA avant son terme, pour "
        "les raisons expliquées ci-dessous. Aucune décision n'est prise pour l'instant.\n\n"
        "Vous pouvez nous donner votre avis et vos explications (vos « observations ») "
        "jusqu'au {date_limite_observations} : par écrit, ou lors d'un rendez-vous avec "
        "{referent}. Vous pouvez vous faire accompagner par la personne de votre choix."
    ),
    DocumentKind.EARLY_END_LETTER.value: (
        "{formule}\n\n"
        "Le Département met fin à votre Pack sortie RSA à compter du {date_fin}, pour les "
        "raisons expliquées ci-dessous. Les versements qui n'avaient pas encore été "
        "effectués sont annulés. Les sommes déjà versées vous restent acquises.\n\n"
        "{referent}, votre référent(e), reste à votre disposition."
    ),
    DocumentKind.COMPLETION_LETTER.value: (
        "{formule}\n\n"
        "Votre Pack sortie RSA est arrivé à son terme le {date_fin}. Au total, "
        "{montant_verse} vous ont été attribués pour vous aider dans votre reprise "
        "d'emploi.\n\n"
        "Nous vous souhaitons une bonne continuation dans votre vie professionnelle. "
        "{referent} reste joignable si vous avez une question."
    ),
    DocumentKind.MEETING_NOTES.value: (
        "Compte rendu de l'entretien du {date_entretien} avec {civilite} {prenom} {nom}, "
        "dans le cadre du Pack sortie RSA (dossier {reference})."
    ),
    DocumentKind.REVIEW_6M.value: (
        "Bilan à six mois du Pack sortie RSA de {civilite} {prenom} {nom} (dossier "
        "{reference}), emploi commencé le {date_debut_emploi} chez {employeur}."
    ),
}

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def template_for(kind: DocumentKind, overrides: Mapping[str, str]) -> str:
    text = overrides.get(kind.value, "").strip()
    return text or DEFAULT_TEMPLATES[kind.value]


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every known ``{placeholder}``; leave unknown ones visible."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def unknown_placeholders(template: str) -> list[str]:
    """For the settings screen: placeholders that no letter knows."""
    return sorted({m for m in _PLACEHOLDER.findall(template) if m not in PLACEHOLDERS})
