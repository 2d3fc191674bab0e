"""The newest migration, known without loading Alembic (saves ~150 ms at every start-up).

Bump it with every new migration; tests/test_schema.py checks it against Alembic's head.
"""

HEAD_REVISION = "0008"
