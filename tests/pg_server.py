"""A throw-away PostgreSQL server for the tests, and a fresh migrated database per test.

Where it comes from, first found first:
- ``PACK_SORTIE_TEST_PG_URL`` (``postgresql+psycopg://user@host:port``): a server already
  running, e.g. the cluster ``.ci/run`` starts;
- otherwise PostgreSQL's binaries (``initdb``, ``pg_ctl``) on this machine: a cluster in a
  temporary folder on a free loopback port, for this session only. PostgreSQL refuses to run
  as root, so under root the cluster belongs to the ``postgres`` user.

No server at all: the PostgreSQL half of the suite is skipped, unless
``PACK_SORTIE_REQUIRE_PG=1`` (CI), where that fails instead.

Each test gets its own database copied from a template migrated once (``CREATE DATABASE
… TEMPLATE``), dropped afterwards.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# One template a test process: two runs against one server do not drop each other's.
TEMPLATE = f"pack_sortie_template_{os.getpid()}"
_names = itertools.count(1)


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(owner: str | None, args: list[str]) -> subprocess.CompletedProcess[str]:
    command = args if owner is None else ["su", owner, "-s", "/bin/sh", "-c", _quoted(args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def _quoted(args: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in args)


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster for this session; yields its base URL (no database name)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries on this machine")
    owner = None
    if os.geteuid() == 0:
        owner = "postgres"
        pwd.getpwnam(owner)  # KeyError: no such user
    folder = Path(tempfile.mkdtemp(prefix="pack-sortie-pg-"))
    if owner:
        shutil.chown(folder, owner)
    data, port = folder / "data", _free_port()
    _as_owner(
        owner,
        [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
         "--encoding=UTF8", "--locale=C.UTF-8"],
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _as_owner(
        owner,
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
         "-w", "start"],
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        _as_owner(owner, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def admin_execute(base_url: str, *statements: str) -> None:
    """Statements outside a transaction (CREATE/DROP DATABASE) on the ``postgres`` base."""
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def make_template(base_url: str) -> None:
    """A database migrated to head, copied for each test."""
    from app.services.schema import open_server

    admin_execute(base_url, f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
    open_server(f"{base_url}/{TEMPLATE}").dispose()


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """A new database copied from the template; yields its URL, dropped at the end."""
    name = f"pack_sortie_test_{os.getpid()}_{next(_names)}"
    admin_execute(base_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    try:
        yield f"{base_url}/{name}"
    finally:
        admin_execute(base_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_template(base_url: str) -> None:
    admin_execute(base_url, f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
