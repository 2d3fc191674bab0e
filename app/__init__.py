"""Pack Sortie — follow-up and financial aid for RSA beneficiaries who start a job."""

import warnings

__version__ = "0.1.0"

# cryptography 51 deprecates DSA, and pyHanko 0.38 imports its key class to recognise such
# keys: a warning on every start-up, about keys we never make or accept.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")

APP_NAME = "Pack Sortie"
APP_SLUG = "PackSortie"
ORG_NAME = "PackSortie"
# Written into every database we create (PRAGMA application_id) so that a SQLite file of
# another application is recognised and refused. ASCII "PSRT".
SQLITE_APPLICATION_ID = 0x50535254
