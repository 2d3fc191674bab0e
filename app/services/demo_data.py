"""Static material for the demo database: a fictitious population in a real Essonne.

Communes and postcodes are real (département 91); populations are rounded orders of
magnitude and ``rsa_factor`` roughly follows the share of RSA households, so the demo is
denser in Grigny or Évry than in Gif-sur-Yvette. Offices, people, addresses and numbers are
fictitious. E-mail addresses use the reserved ``.example`` top-level domain (RFC 2606) so
that no demo message can ever reach a real mailbox.
"""

from __future__ import annotations

from typing import NamedTuple


class Commune(NamedTuple):
    name: str
    postcode: str
    population: int
    rsa_factor: float  # relative density of RSA households (1.0 = Essonne average)
    mds: str  # key of the Maison départementale des solidarités serving the commune


class MdsSpec(NamedTuple):
    key: str
    name: str
    territory: str
    address: str
    plie: str  # key of the PLIE site serving the area
    caf: str  # key of the CAF site serving the area


class SiteSpec(NamedTuple):
    key: str
    institution: str  # key of the institution
    name: str
    territory: str
    address: str


class InstitutionSpec(NamedTuple):
    key: str
    name: str
    kind: str  # InstitutionKind value
    address: str


# --- Communes (at least 40, real postcodes) ---------------------------------------------

COMMUNES: tuple[Commune, ...] = (
    Commune("Évry-Courcouronnes", "91000", 69_000, 2.0, "evry"),
    Commune("Bondoufle", "91070", 9_500, 0.7, "evry"),
    Commune("Lisses", "91090", 7_500, 0.8, "evry"),
    Commune("Corbeil-Essonnes", "91100", 52_000, 2.0, "corbeil"),
    Commune("Villabé", "91100", 5_500, 0.8, "corbeil"),
    Commune("Saint-Germain-lès-Corbeil", "91250", 7_500, 0.6, "corbeil"),
    Commune("Tigery", "91250", 3_500, 0.6, "corbeil"),
    Commune("Saint-Pierre-du-Perray", "91280", 11_000, 0.8, "corbeil"),
    Commune("Le Coudray-Montceaux", "91830", 5_000, 0.8, "corbeil"),
    Commune("Soisy-sur-Seine", "91450", 7_000, 0.5, "corbeil"),
    Commune("Étiolles", "91450", 3_300, 0.4, "corbeil"),
    Commune("Grigny", "91350", 29_000, 3.2, "grigny"),
    Commune("Ris-Orangis", "91130", 29_000, 1.5, "grigny"),
    Commune("Massy", "91300", 51_000, 1.1, "massy"),
    Commune("Verrières-le-Buisson", "91370", 15_000, 0.4, "massy"),
    Commune("Igny", "91430", 10_000, 0.5, "massy"),
    Commune("Wissous", "91320", 8_000, 0.6, "massy"),
    Commune("Les Ulis", "91940", 25_000, 2.0, "ulis"),
    Commune("Orsay", "91400", 16_000, 0.5, "ulis"),
    Commune("Bures-sur-Yvette", "91440", 9_700, 0.5, "ulis"),
    Commune("Gif-sur-Yvette", "91190", 21_000, 0.4, "ulis"),
    Commune("Villejust", "91140", 2_300, 0.6, "ulis"),
    Commune("Nozay", "91620", 4_800, 0.6, "ulis"),
    Commune("Marcoussis", "91460", 8_300, 0.7, "ulis"),
    Commune("Palaiseau", "91120", 36_000, 0.8, "palaiseau"),
    Commune("Villebon-sur-Yvette", "91140", 10_500, 0.6, "palaiseau"),
    Commune("Saclay", "91400", 4_000, 0.4, "palaiseau"),
    Commune("Longjumeau", "91160", 21_000, 1.0, "longjumeau"),
    Commune("Chilly-Mazarin", "91380", 20_000, 1.0, "longjumeau"),
    Commune("Champlan", "91160", 2_800, 0.8, "longjumeau"),
    Commune("Saulx-les-Chartreux", "91160", 5_500, 0.6, "longjumeau"),
    Commune("Épinay-sur-Orge", "91360", 11_000, 0.8, "longjumeau"),
    Commune("Athis-Mons", "91200", 35_000, 1.3, "athis"),
    Commune("Paray-Vieille-Poste", "91550", 7_500, 0.8, "athis"),
    Commune("Morangis", "91420", 13_000, 0.8, "athis"),
    Commune("Juvisy-sur-Orge", "91260", 17_000, 1.1, "athis"),
    Commune("Savigny-sur-Orge", "91600", 37_000, 1.0, "savigny"),
    Commune("Viry-Châtillon", "91170", 31_000, 1.4, "savigny"),
    Commune("Draveil", "91210", 29_000, 1.0, "draveil"),
    Commune("Vigneux-sur-Seine", "91270", 32_000, 1.5, "draveil"),
    Commune("Montgeron", "91230", 24_000, 1.0, "montgeron"),
    Commune("Crosne", "91560", 9_000, 0.8, "montgeron"),
    Commune("Yerres", "91330", 29_000, 0.7, "montgeron"),
    Commune("Brunoy", "91800", 26_000, 0.8, "montgeron"),
    Commune("Boussy-Saint-Antoine", "91800", 7_000, 0.7, "montgeron"),
    Commune("Épinay-sous-Sénart", "91860", 12_500, 1.8, "montgeron"),
    Commune("Quincy-sous-Sénart", "91480", 8_500, 0.9, "montgeron"),
    Commune("Sainte-Geneviève-des-Bois", "91700", 37_000, 1.1, "sgdb"),
    Commune("Fleury-Mérogis", "91700", 10_000, 1.3, "sgdb"),
    Commune("Villiers-sur-Orge", "91700", 4_700, 0.7, "sgdb"),
    Commune("Morsang-sur-Orge", "91390", 21_000, 1.0, "sgdb"),
    Commune("Villemoisson-sur-Orge", "91360", 7_000, 0.7, "sgdb"),
    Commune("Saint-Michel-sur-Orge", "91240", 20_000, 0.9, "sgdb"),
    Commune("Brétigny-sur-Orge", "91220", 27_000, 1.0, "bretigny"),
    Commune("Le Plessis-Pâté", "91220", 4_000, 0.7, "bretigny"),
    Commune("Longpont-sur-Orge", "91310", 6_700, 0.6, "bretigny"),
    Commune("Montlhéry", "91310", 7_800, 0.8, "bretigny"),
    Commune("Linas", "91310", 7_000, 0.7, "bretigny"),
    Commune("Leuville-sur-Orge", "91310", 4_300, 0.6, "bretigny"),
    Commune("La Ville-du-Bois", "91620", 7_700, 0.6, "bretigny"),
    Commune("Marolles-en-Hurepoix", "91630", 5_000, 0.6, "bretigny"),
    Commune("Arpajon", "91290", 11_000, 1.1, "arpajon"),
    Commune("La Norville", "91290", 4_100, 0.7, "arpajon"),
    Commune("Égly", "91520", 5_800, 0.8, "arpajon"),
    Commune("Saint-Germain-lès-Arpajon", "91180", 10_500, 0.8, "arpajon"),
    Commune("Ollainville", "91340", 4_800, 0.6, "arpajon"),
    Commune("Breuillet", "91650", 8_500, 0.8, "arpajon"),
    Commune("Étampes", "91150", 25_000, 1.5, "etampes"),
    Commune("Étréchy", "91580", 6_500, 0.7, "etampes"),
    Commune("Angerville", "91670", 4_300, 0.8, "etampes"),
    Commune("Lardy", "91510", 5_800, 0.6, "etampes"),
    Commune("Dourdan", "91410", 10_500, 0.9, "dourdan"),
    Commune("Saint-Chéron", "91530", 5_000, 0.7, "dourdan"),
    Commune("Limours", "91470", 6_500, 0.5, "dourdan"),
    Commune("Briis-sous-Forges", "91640", 3_400, 0.5, "dourdan"),
    Commune("Mennecy", "91540", 14_000, 0.6, "mennecy"),
    Commune("Ormoy", "91540", 2_000, 0.6, "mennecy"),
    Commune("Ballancourt-sur-Essonne", "91610", 7_500, 0.7, "mennecy"),
    Commune("Itteville", "91760", 6_800, 0.7, "mennecy"),
    Commune("La Ferté-Alais", "91590", 4_000, 0.9, "mennecy"),
    Commune("Cerny", "91590", 3_200, 0.7, "mennecy"),
    Commune("Milly-la-Forêt", "91490", 4_900, 0.8, "mennecy"),
)


# --- Institutions and offices --------------------------------------------------------------

DEPARTEMENT = "departement"
CAF = "caf"

INSTITUTIONS: tuple[InstitutionSpec, ...] = (
    InstitutionSpec(
        DEPARTEMENT,
        "Département de l'Essonne",
        "departement",
        "Hôtel du Département\nBoulevard de France\n91012 Évry-Courcouronnes Cedex",
    ),
    InstitutionSpec(
        CAF, "CAF de l'Essonne", "caf", "2 impasse Christophe Colomb\n91000 Évry-Courcouronnes"
    ),
    InstitutionSpec(
        "ccas_evry",
        "CCAS d'Évry-Courcouronnes",
        "ccas",
        "Hôtel de ville, place des Droits de l'Homme\n91000 Évry-Courcouronnes",
    ),
    InstitutionSpec(
        "ccas_corbeil",
        "CCAS de Corbeil-Essonnes",
        "ccas",
        "2 place Galignani\n91100 Corbeil-Essonnes",
    ),
    InstitutionSpec("ccas_grigny", "CCAS de Grigny", "ccas", "19 route de Corbeil\n91350 Grigny"),
    InstitutionSpec(
        "ccas_massy", "CCAS de Massy", "ccas", "1 avenue du Général de Gaulle\n91300 Massy"
    ),
    InstitutionSpec("ccas_ulis", "CCAS des Ulis", "ccas", "Place de la Liberté\n91940 Les Ulis"),
    InstitutionSpec(
        "ccas_viry",
        "CCAS de Viry-Châtillon",
        "ccas",
        "33 rue Octave Longuet\n91170 Viry-Châtillon",
    ),
    InstitutionSpec(
        "plie_nord", "PLIE Nord Essonne", "plie", "12 rue de la Division Leclerc\n91300 Massy"
    ),
    InstitutionSpec(
        "plie_sud",
        "PLIE Sud Essonne",
        "plie",
        "3 rue du Bois Sauvage\n91000 Évry-Courcouronnes",
    ),
)

# Maisons départementales des solidarités of the département.
MDS: tuple[MdsSpec, ...] = (
    MdsSpec(
        "evry",
        "MDS d'Évry-Courcouronnes",
        "Grand Paris Sud",
        "4 rue des Mazières\n91000 Évry-Courcouronnes",
        "plie_evry",
        "caf_evry",
    ),
    MdsSpec(
        "corbeil",
        "MDS de Corbeil-Essonnes",
        "Grand Paris Sud",
        "18 rue Féray\n91100 Corbeil-Essonnes",
        "plie_evry",
        "caf_evry",
    ),
    MdsSpec(
        "grigny",
        "MDS de Grigny",
        "Grand Paris Sud",
        "5 place Henri Barbusse\n91350 Grigny",
        "plie_evry",
        "caf_evry",
    ),
    MdsSpec(
        "massy",
        "MDS de Massy",
        "Paris-Saclay",
        "27 avenue Carnot\n91300 Massy",
        "plie_massy",
        "caf_massy",
    ),
    MdsSpec(
        "ulis",
        "MDS des Ulis",
        "Paris-Saclay",
        "Avenue de Champagne\n91940 Les Ulis",
        "plie_massy",
        "caf_massy",
    ),
    MdsSpec(
        "palaiseau",
        "MDS de Palaiseau",
        "Paris-Saclay",
        "9 rue de Paris\n91120 Palaiseau",
        "plie_massy",
        "caf_massy",
    ),
    MdsSpec(
        "longjumeau",
        "MDS de Longjumeau",
        "Paris-Saclay",
        "36 rue du Président François Mitterrand\n91160 Longjumeau",
        "plie_massy",
        "caf_massy",
    ),
    MdsSpec(
        "athis",
        "MDS d'Athis-Mons",
        "Grand-Orly Seine Bièvre",
        "14 avenue Aristide Briand\n91200 Athis-Mons",
        "plie_athis",
        "caf_massy",
    ),
    MdsSpec(
        "savigny",
        "MDS de Savigny-sur-Orge",
        "Grand-Orly Seine Bièvre",
        "7 rue des Rossays\n91600 Savigny-sur-Orge",
        "plie_athis",
        "caf_massy",
    ),
    MdsSpec(
        "draveil",
        "MDS de Draveil",
        "Val d'Yerres Val de Seine",
        "2 avenue de Villiers\n91210 Draveil",
        "plie_athis",
        "caf_evry",
    ),
    MdsSpec(
        "montgeron",
        "MDS de Montgeron",
        "Val d'Yerres Val de Seine",
        "64 avenue de la République\n91230 Montgeron",
        "plie_athis",
        "caf_evry",
    ),
    MdsSpec(
        "sgdb",
        "MDS de Sainte-Geneviève-des-Bois",
        "Cœur d'Essonne",
        "1 place Roger Perriaud\n91700 Sainte-Geneviève-des-Bois",
        "plie_evry",
        "caf_evry",
    ),
    MdsSpec(
        "bretigny",
        "MDS de Brétigny-sur-Orge",
        "Cœur d'Essonne",
        "11 rue Édouard Danaux\n91220 Brétigny-sur-Orge",
        "plie_evry",
        "caf_evry",
    ),
    MdsSpec(
        "arpajon",
        "MDS d'Arpajon",
        "Cœur d'Essonne",
        "8 boulevard Jean Jaurès\n91290 Arpajon",
        "plie_etampes",
        "caf_etampes",
    ),
    MdsSpec(
        "etampes",
        "MDS d'Étampes",
        "Étampois Sud-Essonne",
        "20 rue Saint-Antoine\n91150 Étampes",
        "plie_etampes",
        "caf_etampes",
    ),
    MdsSpec(
        "dourdan",
        "MDS de Dourdan",
        "Dourdannais en Hurepoix",
        "3 rue de Chartres\n91410 Dourdan",
        "plie_etampes",
        "caf_etampes",
    ),
    MdsSpec(
        "mennecy",
        "MDS de Mennecy",
        "Val d'Essonne et Deux Vallées",
        "10 avenue de Villeroy\n91540 Mennecy",
        "plie_evry",
        "caf_evry",
    ),
)

# Offices of the bodies with delegated follow-up (one per site).
SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        "caf_evry",
        CAF,
        "CAF de l'Essonne – site d'Évry-Courcouronnes",
        "Centre et Est Essonne",
        "2 impasse Christophe Colomb\n91000 Évry-Courcouronnes",
    ),
    SiteSpec(
        "caf_massy",
        CAF,
        "CAF de l'Essonne – site de Massy",
        "Nord Essonne",
        "6 rue Gabriel Péri\n91300 Massy",
    ),
    SiteSpec(
        "caf_etampes",
        CAF,
        "CAF de l'Essonne – site d'Étampes",
        "Sud Essonne",
        "15 rue de la République\n91150 Étampes",
    ),
    SiteSpec(
        "ccas_evry",
        "ccas_evry",
        "CCAS d'Évry-Courcouronnes – pôle insertion",
        "Évry-Courcouronnes",
        "Place des Droits de l'Homme\n91000 Évry-Courcouronnes",
    ),
    SiteSpec(
        "ccas_corbeil",
        "ccas_corbeil",
        "CCAS de Corbeil-Essonnes – pôle insertion",
        "Corbeil-Essonnes",
        "2 place Galignani\n91100 Corbeil-Essonnes",
    ),
    SiteSpec(
        "ccas_grigny",
        "ccas_grigny",
        "CCAS de Grigny – service RSA",
        "Grigny",
        "19 route de Corbeil\n91350 Grigny",
    ),
    SiteSpec(
        "ccas_massy",
        "ccas_massy",
        "CCAS de Massy – service insertion",
        "Massy",
        "1 avenue du Général de Gaulle\n91300 Massy",
    ),
    SiteSpec(
        "ccas_ulis",
        "ccas_ulis",
        "CCAS des Ulis – service RSA",
        "Les Ulis",
        "Place de la Liberté\n91940 Les Ulis",
    ),
    SiteSpec(
        "ccas_viry",
        "ccas_viry",
        "CCAS de Viry-Châtillon – pôle insertion",
        "Viry-Châtillon",
        "33 rue Octave Longuet\n91170 Viry-Châtillon",
    ),
    SiteSpec(
        "plie_massy",
        "plie_nord",
        "PLIE Nord Essonne – antenne de Massy",
        "Paris-Saclay",
        "12 rue de la Division Leclerc\n91300 Massy",
    ),
    SiteSpec(
        "plie_athis",
        "plie_nord",
        "PLIE Nord Essonne – antenne d'Athis-Mons",
        "Grand-Orly Seine Bièvre et Val d'Yerres",
        "25 rue Édouard Vaillant\n91200 Athis-Mons",
    ),
    SiteSpec(
        "plie_evry",
        "plie_sud",
        "PLIE Sud Essonne – antenne d'Évry-Courcouronnes",
        "Grand Paris Sud et Cœur d'Essonne",
        "3 rue du Bois Sauvage\n91000 Évry-Courcouronnes",
    ),
    SiteSpec(
        "plie_etampes",
        "plie_sud",
        "PLIE Sud Essonne – antenne d'Étampes",
        "Sud Essonne",
        "7 promenade des Prés\n91150 Étampes",
    ),
)

# Towns whose CCAS follows part of the "social" beneficiaries (key of its site).
CCAS_BY_COMMUNE = {
    "Évry-Courcouronnes": "ccas_evry",
    "Corbeil-Essonnes": "ccas_corbeil",
    "Grigny": "ccas_grigny",
    "Massy": "ccas_massy",
    "Les Ulis": "ccas_ulis",
    "Viry-Châtillon": "ccas_viry",
}

# MDS whose head (Responsable de MDS) validates the Pack sortie decisions in the demo.
VALIDATOR_MDS = ("evry", "massy", "corbeil", "etampes")
# MDS where the person running the demo command gets their desk and caseload.
DEMO_USER_MDS = "evry"

# Capacities handed out in turn to the référents of an office (feminine, masculine) and
# whether they follow the "social" side, the "pro" side (emploi, socio-pro) or both.
SOCIAL, PRO, BOTH = "social", "pro", "both"
CAPACITY_CYCLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "departement": (
        ("Assistante sociale", "Assistant social", SOCIAL),
        ("Référente RSA", "Référent RSA", BOTH),
        (
            "Conseillère en insertion professionnelle",
            "Conseiller en insertion professionnelle",
            PRO,
        ),
        ("Assistante sociale", "Assistant social", SOCIAL),
        (
            "Conseillère en économie sociale et familiale",
            "Conseiller en économie sociale et familiale",
            SOCIAL,
        ),
        ("Référente RSA", "Référent RSA", BOTH),
        ("Assistante sociale", "Assistant social", SOCIAL),
        (
            "Conseillère en insertion professionnelle",
            "Conseiller en insertion professionnelle",
            PRO,
        ),
    ),
    "ccas": (
        ("Référente RSA", "Référent RSA", BOTH),
        (
            "Conseillère en économie sociale et familiale",
            "Conseiller en économie sociale et familiale",
            SOCIAL,
        ),
    ),
    "plie": (
        (
            "Conseillère en insertion professionnelle",
            "Conseiller en insertion professionnelle",
            PRO,
        ),
        ("Chargée d'accompagnement PLIE", "Chargé d'accompagnement PLIE", PRO),
    ),
    "caf": (
        ("Travailleuse sociale", "Travailleur social", SOCIAL),
        (
            "Conseillère en économie sociale et familiale",
            "Conseiller en économie sociale et familiale",
            SOCIAL,
        ),
    ),
}
# Share of women among the staff, by side.
STAFF_FEMALE_SHARE = {SOCIAL: 0.85, BOTH: 0.75, PRO: 0.6}

VALIDATOR_CAPACITY = "Responsable de MDS"
FINANCE_CAPACITY = ("Gestionnaire financière", "Gestionnaire financier")
ADMIN_CAPACITY = "Administrateur fonctionnel"
STAFF_EMAIL_DOMAIN = {
    "departement": "essonne.example",
    "caf": "caf-essonne.example",
    "ccas": "ccas-essonne.example",
    "plie": "plie-essonne.example",
}
BENEFICIARY_EMAIL_DOMAINS = (
    "courriel.example",
    "messagerie.example",
    "mail.example",
    "webmail.example",
    "boite.example",
)
LANDLINE_PREFIXES = ("01 60", "01 64", "01 69")


# --- People ------------------------------------------------------------------------------


class NameGroup(NamedTuple):
    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]


def _split(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


NAME_GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        0.50,
        _split(
            "Hélène, Léa, Noémie, Zoé, Anaïs, Chloé, Mélanie, Séverine, Sandrine, Nathalie, "
            "Isabelle, Valérie, Stéphanie, Céline, Aurélie, Émilie, Élodie, Julie, Laëtitia, "
            "Virginie, Sophie, Caroline, Audrey, Jessica, Amandine, Marion, Camille, Manon, "
            "Pauline, Marine, Laura, Sarah, Océane, Maëlys, Gaëlle, Annabelle, Corinne, Sylvie, "
            "Martine, Brigitte, Christelle, Karine, Patricia, Véronique, Béatrice, Mégane, "
            "Justine, Clémence, Agnès, Françoise, Ghislaine, Marie-Claire, Anne-Sophie, "
            "Marie-Thérèse, Marie-Hélène, Charlotte, Estelle, Morgane, Déborah, Cindy, "
            "Jennifer, Vanessa, Angélique, Noëlle, Maëva, Coralie, Delphine, Élise"
        ),
        _split(
            "Jérôme, François, Maël, Frédéric, Sébastien, Stéphane, Cédric, Jérémy, Loïc, "
            "Gaëtan, Raphaël, Joël, Benoît, Grégory, Thierry, Laurent, Nicolas, Julien, "
            "Guillaume, Anthony, Kévin, Mickaël, Ludovic, Olivier, Christophe, Pascal, "
            "Philippe, Patrick, Éric, Didier, Bruno, Alain, Jean-Pierre, Jean-Baptiste, "
            "Jean-François, Jean-Luc, Pierre-Yves, Thomas, Romain, Alexandre, Maxime, Florian, "
            "Damien, Yannick, Hervé, Gérard, Régis, Rémi, Michel, Dylan, Quentin, Clément, "
            "Aurélien, Mathieu, David, Arnaud, Fabrice, Franck, Teddy, Jonathan, Léo"
        ),
        _split(
            "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
            "Simon, Laurent, Lefèvre, Lefebvre, Michel, David, Bertrand, Roux, Vincent, "
            "Fournier, Morel, Girard, André, Mercier, Dupont, Lambert, Bonnet, François, "
            "Legrand, Garnier, Faure, Rousseau, Blanc, Guérin, Muller, Henry, Roussel, Perrin, "
            "Morin, Mathieu, Clément, Gauthier, Dumont, Fontaine, Chevalier, Robin, Masson, "
            "Gérard, Boyer, Denis, Lemaire, Duval, Joly, Roger, Roche, Roy, Noël, Meyer, Lucas, "
            "Meunier, Marchand, Dufour, Blanchard, Barbier, Brun, Dumas, Brunet, Schmitt, "
            "Leroux, Colin, Renard, Arnaud, Caron, Aubert, Giraud, Leclerc, Vidal, Bourgeois, "
            "Renaud, Lemoine, Picard, Gaillard, Lacroix, Fabre, Dupuis, Olivier, Hubert, "
            "Guillot, Rivière, Le Gall, Le Goff, Le Roux, Le Guen, Le Bihan, Guillaume, Bégué, "
            "Hébert, Étienne, Prévost, Ménard, Lévêque, Thévenin, Bénard, Vallée, Crépin, "
            "Février, Desjardins, Lesage, Lebrun, Lecomte, Benoît, Pelletier, Carré, Maréchal, "
            "Després, Brossard, Sénéchal, Chevallier, Bouvier, Leblanc, Deschamps, Texier, "
            "Collet, Hamel, Poirier, Marty, Besnard, Rey, Moulin, Dubois-Martin, Saint-Jean"
        ),
    ),
    NameGroup(
        0.20,
        _split(
            "Fatima, Nadia, Samira, Yasmina, Karima, Malika, Leïla, Naïma, Aïcha, Amina, Inès, "
            "Sabrina, Myriam, Soraya, Houria, Farida, Nawel, Sonia, Djamila, Khadija, Rachida, "
            "Zohra, Hanane, Salima, Meriem, Sihem, Lamia, Dounia, Yamina, Assia, Nora, Wassila"
        ),
        _split(
            "Mohamed, Karim, Samir, Rachid, Sofiane, Mehdi, Nabil, Yacine, Farid, Mourad, Saïd, "
            "Hamid, Abdelkader, Ahmed, Bilal, Ilyès, Nassim, Redouane, Youssef, Brahim, Khaled, "
            "Djamel, Hakim, Larbi, Mustapha, Omar, Riad, Walid, Zinédine, Anis, Amine, Mounir"
        ),
        _split(
            "Ben Saïd, Benali, Haddad, Bouaziz, Mansouri, Belkacem, Cherif, Hamidi, Benamar, "
            "Khelifi, Brahimi, Aït Ahmed, Boukhari, Benyahia, Boudjemaa, Zerrouki, Amrani, "
            "El Idrissi, El Amrani, Meziane, Saïdi, Benchikh, Chaouch, Hadj-Ali, Taleb, "
            "Bensalem, Mekki, Ouali, Slimani, Tahiri, Belhadj, Lahlou, Bennani, Guerfi, Kaci, "
            "Djebbar, Mokrani, Aouadi, Ferhat, Boumediene, Ben Youssef, El Khatib, Abdallah"
        ),
    ),
    NameGroup(
        0.13,
        _split(
            "Aminata, Fatoumata, Awa, Mariam, Aïssatou, Kadiatou, Hawa, Maïmouna, Oumou, "
            "Ramatoulaye, Bintou, Nafissatou, Adjoua, Akissi, Grâce, Prisca, Rachel, Esther, "
            "Ornella, Merveille, Nadège, Djénéba, Salimata, Coumba, Mariama, Sokhna"
        ),
        _split(
            "Mamadou, Moussa, Ibrahima, Seydou, Abdoulaye, Oumar, Boubacar, Souleymane, Amadou, "
            "Cheikh, Modibo, Lassana, Issa, Bakary, Daouda, Youssouf, Samba, Kouadio, Yao, "
            "Serge, Armel, Landry, Jean-Claude, Christian, Djibril, Aboubacar, Mahamadou"
        ),
        _split(
            "Traoré, Diallo, Koné, Camara, Diop, N'Diaye, Sylla, Cissé, Keïta, Touré, "
            "Coulibaly, Konaté, Sow, Ba, Fofana, Doumbia, Diarra, Mbaye, Kouassi, Mendy, "
            "Sangaré, Doucouré, Kanté, Dembélé, Bamba, Diakité, Soumaré, N'Guessan, Koffi, "
            "Kaboré, Ouédraogo, Sissoko, Gueye, Faye, Sarr, Niang, Mbemba, Kabongo, Mukendi, "
            "Nkounkou, Tshibangu, Bakayoko, Fall"
        ),
    ),
    NameGroup(
        0.06,
        _split(
            "Maria, Ana, Sofia, Carla, Cristina, Rosa, Lucia, Teresa, Paula, Joana, Filipa, "
            "Giulia, Francesca, Carmen, Isabel, Manuela, Fátima, Conceição"
        ),
        _split(
            "João, José, António, Manuel, Carlos, Paulo, Luís, Rui, Nuno, Miguel, Pedro, "
            "Fernando, Marco, Giuseppe, Francisco, Sérgio, Mário, Tiago"
        ),
        _split(
            "Da Silva, Dos Santos, Ferreira, Pereira, Rodrigues, Carvalho, Gonçalves, "
            "Fernandes, Lopes, Marques, Almeida, Ribeiro, Martins, Costa, Sousa, Teixeira, "
            "Moreira, De Oliveira, Da Costa, Garcia, Martinez, Lopez, Sanchez, Fernandez, "
            "Rodriguez, Pérez, Gómez, Russo, Esposito, Romano, Ricci, Da Cunha, Gomes, Pinto, "
            "Correia, Mendes, Nunes, Araújo"
        ),
    ),
    NameGroup(
        0.05,
        _split(
            "Marie-Josée, Ketty, Murielle, Lydia, Josiane, Rose-Marie, Marie-Line, Guerline, "
            "Fabiola, Mylène, Yolande, Sabine, Marlène, Roselyne, Ruth, Rose-Andrée"
        ),
        _split(
            "Ruddy, Harry, Frantz, Johnny, Rudy, Jean-Marc, Lucien, Wilfried, Fritz, "
            "Dieudonné, Jean-Robert, Max, Jocelyn, Rony, Wilson"
        ),
        _split(
            "Hoarau, Payet, Grondin, Técher, Joseph, Pierre-Louis, Jean-Baptiste, Saint-Louis, "
            "Célestin, Théodore, Alexis, Marie-Sainte, Lubin, Jean-Louis, Louis-Jean, Baptiste, "
            "Désir, Adélaïde, Bellance, Vertueux, Zébina, Calixte, Germain, Lafleur, Délice, "
            "Dorval, Sainte-Rose"
        ),
    ),
    NameGroup(
        0.03,
        _split("Linh, Mai, Lan, Ngoc, Kim, Thu, Sokha, Chanthy, Mei, Hoa, Huong, Xiaoling"),
        _split("Minh, Duc, Thanh, Hung, Long, Sovann, Tuan, Quang, Wei, Jun, Bao, Dara, Vannak"),
        _split(
            "Nguyen, Tran, Pham, Le, Huynh, Vo, Dang, Truong, Bui, Ngo, Chen, Lin, Wang, Zhang, "
            "Liu, Chhun, Sok, Heng, Ly, Tan, Lim"
        ),
    ),
    NameGroup(
        0.03,
        _split(
            "Elif, Zeynep, Fatma, Merve, Esra, Büşra, Ioana, Elena, Mihaela, Anna, Katarzyna, "
            "Olga, Svetlana, Daria"
        ),
        _split(
            "Mehmet, Mustafa, Ahmet, Emre, Hüseyin, Murat, Ali, Andrei, Florin, Marius, Piotr, "
            "Tomasz, Sergiu, Dmitri, Alexandru"
        ),
        _split(
            "Yilmaz, Kaya, Demir, Sahin, Celik, Öztürk, Aydin, Arslan, Dogan, Koç, Popescu, "
            "Ionescu, Constantin, Dumitru, Stan, Kowalski, Nowak, Wiśniewska, Lewandowski, "
            "Ivanov, Petrov, Horváth"
        ),
    ),
)

# Children's first names (born 2002-2026): what the crèches and schools of Essonne hear.
CHILD_FIRST_NAMES = _split(
    "Léo, Maël, Noé, Zoé, Chloé, Inès, Anaïs, Jade, Léna, Louna, Aylan, Ilyès, Rayan, Adam, "
    "Nolan, Timéo, Kylian, Mathéo, Mohamed, Ibrahim, Moussa, Aïcha, Maryam, Sofia, Lina, Nour, "
    "Éléna, Ambre, Lou, Mila, Emma, Alice, Gabriel, Raphaël, Louis, Hugo, Lucas, Nathan, Enzo, "
    "Yanis, Kaïs, Assia, Fatoumata, Aminata, Hawa, Djibril, Naël, Célia, Océane, Maëlys, "
    "Noémie, Anaëlle, Élise, Thaïs, Sarah, Yasmine, Imrane, Wassim, Aliyah, Kenza, Ethan, "
    "Théo, Jules, Manon, Camille, Clara, Léonie, Maïssa, Sohan, Amir, Eden, Lyna, Ismaël"
)

STREETS = _split(
    "rue Jean Jaurès, avenue de la République, rue Victor Hugo, allée des Tilleuls, "
    "rue Pasteur, place du Marché, rue de la Gare, boulevard Gambetta, chemin des Vignes, "
    "rue Gabriel Péri, rue Paul Éluard, avenue Salvador Allende, rue Émile Zola, "
    "impasse des Lilas, square Édouard Branly, rue Pierre Brossolette, allée Jean Moulin, "
    "rue Henri Barbusse, cours Blaise Pascal, rue des Écoles, rue du Général de Gaulle, "
    "avenue Aristide Briand, rue Louise Michel, rue Lucie Aubrac, allée Simone Veil, "
    "avenue Nelson Mandela, rue de l'Église, rue du Moulin, allée des Peupliers, "
    "rue Anatole France, avenue du 8 Mai 1945, rue du 11 Novembre, rue Jules Ferry, "
    "rue de la Paix, avenue de la Liberté, rue Marcel Cachin, rue Pablo Picasso, "
    "allée Frédéric Mistral, rue Voltaire, rue Danton, rue des Acacias, "
    "allée des Marronniers, rue des Glycines, rue de Paris, route de Corbeil, "
    "avenue de Fontainebleau, rue de la Libération, rue de l'Essonne, quai de l'Essonne, "
    "chemin du Halage, avenue Jean Jaurès, rue Maurice Ravel, allée Claude Debussy, "
    "rue Georges Brassens, place de la Mairie, rue Charles Péguy, "
    "rue Antoine de Saint-Exupéry, allée des Érables, rue des Œillets, "
    "rue du Château d'Eau, avenue Léon Blum, rue Condorcet, rue Jean-Jacques Rousseau, "
    "allée des Bleuets, rue de Verdun, avenue Carnot, rue d'Estienne d'Orves"
)

RESIDENCES = _split(
    "Les Aunettes, Les Pyramides, Le Parc aux Lièvres, La Grande Borne, Les Tarterêts, "
    "Les Épinettes, Le Clos Saint-Jacques, Les Hautes Mardelles, La Croix-Blanche, "
    "Les Bergeries, Le Canal, Les Champs-Élysées, Grand Vaux, Le Bois Sauvage, Les Cinéastes, "
    "La Prairie, Les Tilleuls, Le Moulin, Les Noés, Les Hautes Pâtures, Le Plateau, "
    "Les Sablons, Montconseil, La Pierre Blanche, Les Quinconces, Le Val Fleuri"
)


# --- Pack sortie cases ---------------------------------------------------------------------

# The MDS (one of VALIDATOR_MDS) whose head decides the cases of each office.
DECIDING_MDS: dict[str, str] = {
    "evry": "evry",
    "grigny": "evry",
    "sgdb": "evry",
    "bretigny": "evry",
    "mennecy": "evry",
    "corbeil": "corbeil",
    "draveil": "corbeil",
    "montgeron": "corbeil",
    "massy": "massy",
    "ulis": "massy",
    "palaiseau": "massy",
    "longjumeau": "massy",
    "athis": "massy",
    "savigny": "massy",
    "etampes": "etampes",
    "arpajon": "etampes",
    "dourdan": "etampes",
    "caf_evry": "evry",
    "caf_massy": "massy",
    "caf_etampes": "etampes",
    "ccas_evry": "evry",
    "ccas_corbeil": "corbeil",
    "ccas_grigny": "evry",
    "ccas_massy": "massy",
    "ccas_ulis": "massy",
    "ccas_viry": "massy",
    "plie_massy": "massy",
    "plie_athis": "massy",
    "plie_evry": "evry",
    "plie_etampes": "etampes",
}


class EmployerSpec(NamedTuple):
    name: str
    sector: str  # key of JOB_TITLES
    commune: str  # a name of COMMUNES


# Fictitious employers of the kind that hire people leaving the RSA in Essonne.
EMPLOYERS: tuple[EmployerSpec, ...] = (
    EmployerSpec("Essonne Propreté Services", "proprete", "Évry-Courcouronnes"),
    EmployerSpec("Net'Éclat Nettoyage", "proprete", "Massy"),
    EmployerSpec("Brillance Multiservices", "proprete", "Corbeil-Essonnes"),
    EmployerSpec("Propreté du Val d'Orge", "proprete", "Sainte-Geneviève-des-Bois"),
    EmployerSpec("Logistique Sud Francilien", "logistique", "Lisses"),
    EmployerSpec("Entrepôts du Val d'Orge", "logistique", "Brétigny-sur-Orge"),
    EmployerSpec("Plateforme logistique du Plessis", "logistique", "Le Plessis-Pâté"),
    EmployerSpec("Distribution Centre Essonne", "logistique", "Bondoufle"),
    EmployerSpec("Messageries de l'Hurepoix", "transport", "Arpajon"),
    EmployerSpec("Transports Roux et Fils", "transport", "Étampes"),
    EmployerSpec("Livraisons Express 91", "transport", "Wissous"),
    EmployerSpec("Domicile Services Essonne", "aide_domicile", "Sainte-Geneviève-des-Bois"),
    EmployerSpec("Présence à Domicile Val d'Yerres", "aide_domicile", "Brunoy"),
    EmployerSpec("Association Vivre chez Soi", "aide_domicile", "Étampes"),
    EmployerSpec("Résidence autonomie Les Tilleuls", "aide_domicile", "Savigny-sur-Orge"),
    EmployerSpec("Restaurant Le Relais de l'Orge", "restauration", "Juvisy-sur-Orge"),
    EmployerSpec("Brasserie de la Gare", "restauration", "Massy"),
    EmployerSpec("Cuisine centrale intercommunale", "restauration", "Grigny"),
    EmployerSpec("Restauration collective Saveurs d'Essonne", "restauration", "Ris-Orangis"),
    EmployerSpec("Supermarché Marché Frais", "commerce", "Grigny"),
    EmployerSpec("Hypermarché du Grand Évry", "commerce", "Évry-Courcouronnes"),
    EmployerSpec("Boulangerie Au Bon Pain d'Étampes", "commerce", "Étampes"),
    EmployerSpec("Jardinerie des Trois Vallées", "commerce", "Mennecy"),
    EmployerSpec("Bricolage Essonne Sud", "commerce", "Villabé"),
    EmployerSpec("Sécurité Gardiennage Francilienne", "securite", "Massy"),
    EmployerSpec("Vigilance Sûreté Services", "securite", "Athis-Mons"),
    EmployerSpec("Hôtel des Trois Rivières", "hotellerie", "Paray-Vieille-Poste"),
    EmployerSpec("Hôtel Les Portes de Saclay", "hotellerie", "Palaiseau"),
    EmployerSpec("Bâtiment Rénovation Essonne", "btp", "Vigneux-sur-Seine"),
    EmployerSpec("Paysages et Jardins du Hurepoix", "btp", "Marcoussis"),
    EmployerSpec("Chantier d'insertion Les Jardins de l'Orge", "insertion", "Viry-Châtillon"),
    EmployerSpec("Ressourcerie du Val d'Essonne", "insertion", "Corbeil-Essonnes"),
    EmployerSpec("Recyclerie des Ulis", "insertion", "Les Ulis"),
    EmployerSpec("Ville de Fleury-Mérogis – service périscolaire", "animation", "Fleury-Mérogis"),
    EmployerSpec("Centre de loisirs municipal de Draveil", "animation", "Draveil"),
    EmployerSpec("Crèche interentreprises Petits Explorateurs", "petite_enfance", "Saclay"),
    EmployerSpec("Centre d'appels Essonne Contact", "administratif", "Les Ulis"),
    EmployerSpec("Groupement d'employeurs Sud Essonne", "administratif", "Étampes"),
)
# Temporary work agencies: the employer of record of an intérim contract.
TEMP_AGENCIES: tuple[EmployerSpec, ...] = (
    EmployerSpec("Horizon Intérim", "logistique", "Évry-Courcouronnes"),
    EmployerSpec("Essonne Travail Temporaire", "proprete", "Massy"),
    EmployerSpec("Intérim Sud 91", "btp", "Étampes"),
    EmployerSpec("Tremplin Intérim Insertion", "logistique", "Corbeil-Essonnes"),
)
# Sectors whose employers sign contrats aidés (PEC, CDDI in the chantiers d'insertion).
SUBSIDISED_SECTORS = frozenset({"insertion", "animation", "aide_domicile", "petite_enfance"})

# Job titles by sector (feminine, masculine).
JOB_TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "proprete": (
        ("Agente de propreté", "Agent de propreté"),
        ("Agente d'entretien", "Agent d'entretien"),
        ("Laveuse de vitres", "Laveur de vitres"),
    ),
    "logistique": (
        ("Préparatrice de commandes", "Préparateur de commandes"),
        ("Cariste", "Cariste"),
        ("Manutentionnaire", "Manutentionnaire"),
        ("Agente de quai", "Agent de quai"),
    ),
    "transport": (
        ("Chauffeuse-livreuse", "Chauffeur-livreur"),
        ("Agente de tri", "Agent de tri"),
    ),
    "aide_domicile": (
        ("Aide à domicile", "Aide à domicile"),
        ("Auxiliaire de vie", "Auxiliaire de vie"),
        ("Agente de service", "Agent de service"),
    ),
    "restauration": (
        ("Commis de cuisine", "Commis de cuisine"),
        ("Employée polyvalente de restauration", "Employé polyvalent de restauration"),
        ("Plongeuse", "Plongeur"),
    ),
    "commerce": (
        ("Employée libre-service", "Employé libre-service"),
        ("Hôtesse de caisse", "Hôte de caisse"),
        ("Vendeuse", "Vendeur"),
    ),
    "securite": (
        ("Agente de sécurité", "Agent de sécurité"),
        ("Agente de sûreté", "Agent de sûreté"),
    ),
    "hotellerie": (
        ("Femme de chambre", "Valet de chambre"),
        ("Réceptionniste", "Réceptionniste"),
    ),
    "btp": (
        ("Ouvrière du bâtiment", "Manœuvre du bâtiment"),
        ("Ouvrière paysagiste", "Ouvrier paysagiste"),
        ("Peintre en bâtiment", "Peintre en bâtiment"),
    ),
    "insertion": (
        ("Agente de tri et de valorisation", "Agent de tri et de valorisation"),
        ("Ouvrière polyvalente", "Ouvrier polyvalent"),
        ("Vendeuse en ressourcerie", "Vendeur en ressourcerie"),
    ),
    "animation": (
        ("Animatrice périscolaire", "Animateur périscolaire"),
        ("Agente de restauration scolaire", "Agent de restauration scolaire"),
    ),
    "petite_enfance": (
        ("Auxiliaire petite enfance", "Auxiliaire petite enfance"),
        ("Agente d'entretien", "Agent d'entretien"),
    ),
    "administratif": (
        ("Téléconseillère", "Téléconseiller"),
        ("Agente d'accueil", "Agent d'accueil"),
        ("Employée administrative", "Employé administratif"),
    ),
}


class BankSpec(NamedTuple):
    code: str  # code banque of the RIB (5 digits)
    bic: str
    weight: float


# Banks of the beneficiaries' accounts (real bank codes and BICs, fictitious accounts).
BANKS: tuple[BankSpec, ...] = (
    BankSpec("20041", "PSSTFRPPPAR", 0.34),  # La Banque Postale
    BankSpec("18206", "AGRIFRPP882", 0.12),  # Crédit Agricole d'Île-de-France
    BankSpec("17515", "CEPAFRPP751", 0.12),  # Caisse d'Épargne Île-de-France
    BankSpec("30004", "BNPAFRPPXXX", 0.11),  # BNP Paribas
    BankSpec("30003", "SOGEFRPPXXX", 0.11),  # Société Générale
    BankSpec("30002", "CRLYFRPPXXX", 0.09),  # LCL
    BankSpec("10278", "CMCIFR2AXXX", 0.06),  # Crédit Mutuel
    BankSpec("10107", "BREDFRPPXXX", 0.05),  # BRED
)
# Public bodies (municipal crèches) are paid on their Trésor public account.
TRESOR_BANK = BankSpec("30001", "BDFEFRPPCCT", 0.0)


class PayeeSpec(NamedTuple):
    name: str
    kind: str
    commune: str  # a name of COMMUNES
    address: str
    public: bool  # paid on a Trésor public account


CRECHES: tuple[PayeeSpec, ...] = (
    PayeeSpec(
        "Crèche collective Les P'tits Loups",
        "creche",
        "Évry-Courcouronnes",
        "8 allée des Tilleuls",
        True,
    ),
    PayeeSpec(
        "Multi-accueil Les Lucioles", "creche", "Corbeil-Essonnes", "14 rue de la Gare", True
    ),
    PayeeSpec("Crèche municipale Arc-en-ciel", "creche", "Grigny", "3 place du Marché", True),
    PayeeSpec("Micro-crèche Les Petits Pas", "creche", "Massy", "22 avenue Carnot", False),
    PayeeSpec("Multi-accueil La Farandole", "creche", "Les Ulis", "5 avenue de Champagne", True),
    PayeeSpec(
        "Crèche familiale de Viry-Châtillon", "creche", "Viry-Châtillon", "2 rue Danton", True
    ),
    PayeeSpec(
        "Micro-crèche Pomme d'Api",
        "creche",
        "Sainte-Geneviève-des-Bois",
        "41 rue Pasteur",
        False,
    ),
    PayeeSpec("Multi-accueil Les Diablotins", "creche", "Athis-Mons", "9 rue Voltaire", True),
    PayeeSpec(
        "Crèche parentale Les Frimousses", "creche", "Étampes", "17 rue Saint-Antoine", False
    ),
    PayeeSpec(
        "Multi-accueil Câlins et Comptines",
        "creche",
        "Brétigny-sur-Orge",
        "6 rue des Écoles",
        True,
    ),
    PayeeSpec(
        "Crèche collective Les Moussaillons",
        "creche",
        "Vigneux-sur-Seine",
        "30 rue Pierre Brossolette",
        True,
    ),
    PayeeSpec("Micro-crèche Les Petits Princes", "creche", "Palaiseau", "11 rue de Paris", False),
    PayeeSpec(
        "Multi-accueil Les Marmousets", "creche", "Savigny-sur-Orge", "4 rue des Rossays", True
    ),
    PayeeSpec("Crèche Les Bout'chou", "creche", "Ris-Orangis", "19 rue Émile Zola", False),
)
TRANSPORT_OPERATORS: tuple[PayeeSpec, ...] = (
    PayeeSpec(
        "Transdev Essonne Centre – agence commerciale",
        "transport",
        "Évry-Courcouronnes",
        "1 boulevard de l'Europe",
        False,
    ),
    PayeeSpec(
        "Keolis Seine Essonne – espace clients",
        "transport",
        "Corbeil-Essonnes",
        "20 allée Aristide Briand",
        False,
    ),
    PayeeSpec(
        "Transdev Sud Essonne – agence d'Étampes",
        "transport",
        "Étampes",
        "12 avenue de Paris",
        False,
    ),
    PayeeSpec(
        "Keolis Nord Essonne – agence de Massy",
        "transport",
        "Massy",
        "5 place de France",
        False,
    ),
)

# Why a référent suspends the payments for a while (neutral facts only).
SUSPENSION_REASONS = (
    "justificatifs de présence dans l'emploi non transmis",
    "contrat suspendu par l'employeur (fermeture temporaire du site)",
    "changement de situation à vérifier",
    "absence de réponse aux deux dernières convocations",
    "déménagement annoncé, nouvelle adresse à confirmer",
)

# Reasons the bank gives for a rejected transfer (SEPA return codes), as the paierie
# reports them: the transfer is « à régulariser » until the next batch.
PAYMENT_REJECTIONS = (
    "Compte clôturé (AC04)",
    "Compte clôturé (AC04)",  # twice: the commonest
    "Numéro de compte incorrect (AC01)",
    "Compte bloqué (AC06)",
    "Nom du titulaire ne correspondant pas au compte (BE01)",
    "Motif non communiqué par la banque (MS03)",
)

# Meeting notes: short, neutral and factual (no health data: see meetings.health_words).
MEETING_OPENINGS = (
    "Point d'étape sur la prise de poste.",
    "Entretien de suivi du Pack sortie.",
    "Point sur les premières semaines dans l'emploi.",
    "Rendez-vous de suivi prévu lors du dernier entretien.",
)
MEETING_NOTES: dict[str, tuple[str, ...]] = {
    "transport": (
        "Les trajets domicile-travail se font en RER et en bus ; le coût du passe Navigo "
        "pèse sur le budget du premier mois.",
        "Les horaires de bus sont peu adaptés le matin ; un covoiturage avec un collègue "
        "est à l'étude.",
    ),
    "garde_enfant": (
        "L'enfant est accueilli à la crèche depuis la reprise ; les horaires d'accueil "
        "correspondent aux horaires de travail.",
        "Une solution de garde a été trouvée auprès d'une assistante maternelle agréée pour "
        "les horaires décalés.",
    ),
    "budget": (
        "Le premier salaire a été versé ; point sur le budget du mois et sur la déclaration "
        "trimestrielle de ressources.",
        "La baisse des aides au logement est à anticiper : le budget a été revu ensemble.",
    ),
    "logement": (
        "La demande de logement social a été renouvelée ; un rapprochement du lieu de travail "
        "est souhaité.",
    ),
    "mobilite": (
        "Un projet de permis de conduire est évoqué ; orientation vers l'auto-école sociale "
        "du secteur.",
    ),
    "relation_employeur": (
        "Échange avec l'employeur : l'intégration dans l'équipe est jugée satisfaisante.",
        "Quelques tensions sur l'organisation du planning ; un point est prévu avec le "
        "responsable d'équipe.",
    ),
    "horaires": (
        "Horaires décalés (prise de poste à 6 h) : l'organisation du quotidien a été revue.",
        "Le planning change chaque semaine ; la personne s'organise avec sa famille.",
    ),
    "demarches": (
        "Déclaration de changement de situation faite auprès de la CAF ; la prime d'activité "
        "a été demandée.",
        "Les bulletins de salaire sont classés ; aide apportée pour l'espace en ligne de la CAF.",
    ),
    "formation": (
        "Une formation interne est proposée par l'employeur à l'issue de la période d'essai.",
    ),
    "autre": ("Les démarches de la vie courante sont à jour ; pas de difficulté signalée.",),
}
# Notes that speak of an aid of the Pack: only for a case that has that aid.
AID_MEETING_NOTES: dict[str, tuple[str, ...]] = {
    "transport": (
        "Les trajets domicile-travail se font en RER et en bus ; le passe Navigo a été "
        "rechargé grâce à l'aide transport.",
    ),
    "garde_enfant": (
        "L'aide à la garde d'enfant couvre le reste à charge de la crèche ce mois-ci.",
    ),
}
MEETING_NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "transport": ("Vérifier le renouvellement du passe Navigo le mois prochain.",),
    "garde_enfant": ("Faire le point sur la garde pendant les vacances scolaires.",),
    "budget": (
        "Apporter les trois derniers bulletins de salaire au prochain rendez-vous.",
        "Préparer ensemble la prochaine déclaration trimestrielle.",
    ),
    "logement": ("Transmettre l'attestation d'emploi au bailleur.",),
    "mobilite": ("Prendre contact avec l'auto-école sociale avant le prochain rendez-vous.",),
    "relation_employeur": ("Point téléphonique avec le tuteur dans l'entreprise d'ici un mois.",),
    "horaires": ("Revoir l'organisation des horaires au prochain entretien.",),
    "demarches": ("Vérifier le versement de la prime d'activité.",),
    "formation": ("Transmettre le programme de la formation proposée.",),
    "autre": ("Poursuivre le suivi selon le calendrier prévu.",),
}
REVIEW_NOTES_EMPLOYED = (
    "Bilan des six mois : la personne est toujours en poste chez {employer}. Les frais liés à "
    "la reprise d'emploi sont désormais couverts par le salaire ; le suivi du Pack sortie "
    "prend fin.",
    "Bilan des six mois : emploi chez {employer} maintenu, budget équilibré. La personne "
    "n'a plus besoin de l'accompagnement du Pack sortie.",
)
REVIEW_NOTES_NOT_EMPLOYED = (
    "Bilan des six mois : le contrat chez {employer} est terminé. Une nouvelle recherche "
    "d'emploi est engagée avec l'appui du référent RSA.",
    "Bilan des six mois : la personne n'est plus en poste chez {employer} ; inscription à "
    "France Travail à jour et candidatures en cours.",
)
REVIEW_NEXT_STEPS = (
    "Fin du Pack sortie ; le suivi RSA se poursuit selon le contrat en cours.",
    "Courrier de fin de dispositif à adresser à la personne.",
)
TUTOR_ROLES = (
    "responsable d'équipe",
    "cheffe d'équipe|chef d'équipe",
    "responsable de site",
    "tutrice|tuteur",
)
