"""Pack Sortie — follow-up and financial aid for RSA beneficiaries who start a job."""

__version__ = "0.1.0"

APP_NAME = "Pack Sortie"
APP_SLUG = "PackSortie"
ORG_NAME = "PackSortie"
# Written into every database we create (PRAGMA application_id) so that a SQLite file of
# another application is recognised and refused. ASCII "PSRT".
SQLITE_APPLICATION_ID = 0x50535254
