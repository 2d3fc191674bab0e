"""Engines and sessions: SQLite local or shared-drive files, or a PostgreSQL server.

One :class:`Database` per open database. Reads use a deferred transaction; writes use
``BEGIN IMMEDIATE`` so that a read-then-write (envelope check, numbering) cannot interleave
with another workstation's. Driver errors become French :class:`UserFacingError` messages.

SQLAlchemy is imported on the first ORM session, not with this module: the beneficiary
list's read model (:meth:`Database.rows`) runs plain SQL on the standard ``sqlite3``
driver, so that the main window shows its list before the ORM has loaded (start-up time).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.services.errors import (
    ConflictError,
    Contention,
    DatabaseRefused,
    DatabaseUnavailable,
    LoginRefused,
    ServerBaseMissing,
    ServerUnreachable,
    UserFacingError,
)
from app.services.lock_wait import (
    cancel_check,
    raise_if_cancelled,
    retry_while_locked,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = {"local": 5_000, "shared": 15_000}
# PostgreSQL's SQLSTATEs of a transaction undone for another's sake: serialisation failure
# (SERIALIZABLE writes) and deadlock.
CONTENTION_STATES = frozenset({"40001", "40P01"})
WRITE_ATTEMPTS = 8  # a serialisable write undone by contention is run again up to this
CONNECT_TIMEOUT_S = 5  # a server that does not answer is said so after this, not hung on
NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "9p", "afs", "davfs"}


DAMAGED_MESSAGE = (
    "La base de données est endommagée : elle est ouverte en lecture seule pour que rien ne "
    "s'y ajoute. Restaurez la dernière sauvegarde (menu Fichier, « Restaurer une "
    "sauvegarde… », ou commande restore) ou contactez votre administrateur."
)


class StorageMode(StrEnum):
    LOCAL = "local"
    SHARED = "shared"
    SERVER = "server"

    @property
    def label(self) -> str:
        return {"local": "locale", "shared": "partagée", "server": "serveur"}[self.value]


def is_network_path(path: Path) -> bool:
    """Best effort: a UNC path or network drive (Windows), a network mount (Linux/macOS)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0] + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(drive) == 4  # DRIVE_REMOTE
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    resolved = str(path.resolve())
    best, fstype = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            best, fstype = parts[1], parts[2]
    return fstype in NETWORK_FS


def translate_error(exc: Exception) -> Exception:
    """Turn a driver error into a French message the user can act on (or return it as is)."""
    if "sqlalchemy" in sys.modules:  # else no SQLAlchemy error can have been raised
        from sqlalchemy.exc import DBAPIError, IntegrityError
        from sqlalchemy.orm.exc import StaleDataError

        if isinstance(exc, StaleDataError):
            return ConflictError(
                "Ce dossier a été modifié sur un autre poste pendant que vous travailliez. "
                "Rechargez-le puis recommencez votre modification."
            )
        if isinstance(exc, IntegrityError):
            return exc
        if isinstance(exc, DBAPIError) and isinstance(exc.orig, Exception):
            exc = exc.orig
    if getattr(exc, "sqlstate", None) in CONTENTION_STATES:
        return Contention(
            "Un autre poste enregistrait au même moment sur ces données : rien n'a été "
            "enregistré. Réessayez.",
            detail=str(exc),
        )
    text = str(exc).lower()
    if type(exc).__module__.startswith("psycopg") and (
        text.startswith(("connection failed", "connection timeout", "failed to resolve"))
        or getattr(exc, "sqlstate", None) in ("28P01", "28000", "3D000")
    ):
        return connection_refusal(exc)
    if "locked" in text or "busy" in text or "vtable constructor failed" in text:
        return DatabaseUnavailable(
            "La base de données est occupée par un autre poste. Réessayez dans quelques instants.",
            detail=str(exc),
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return DatabaseUnavailable(
            "La base de données est en lecture seule : vous ne pouvez pas enregistrer. "
            "Vérifiez vos droits sur le dossier partagé.",
            detail=str(exc),
        )
    if "unable to open" in text or "disk i/o" in text or "no such file" in text:
        return DatabaseUnavailable(
            "La base de données est inaccessible (lecteur réseau déconnecté ?). "
            "Vérifiez la connexion au partage puis réessayez.",
            detail=str(exc),
        )
    if "malformed" in text or "not a database" in text or "encrypted" in text:
        return DatabaseRefused(
            "Le fichier de base de données est endommagé. Restaurez la dernière sauvegarde "
            "ou contactez votre administrateur.",
            detail=str(exc),
        )
    return exc


def connection_refusal(exc: Exception) -> UserFacingError:
    """Why the driver could not connect to the server (libpq's words, English or French)."""
    import re

    text, state = str(exc), getattr(exc, "sqlstate", None)
    lower = text.lower()
    if state in ("28P01", "28000") or any(
        words in lower
        for words in ("password authentication", "no password supplied", "authentification")
    ):
        return LoginRefused(detail=text)
    if re.search(r'role "[^"]*" does not exist|le rôle .* n\'existe pas', lower):
        return LoginRefused(detail=text)
    missing = re.search(r'database "([^"]*)" does not exist|la base de données « (.*) »', text)
    if state == "3D000" or missing:
        return ServerBaseMissing(
            next(filter(None, missing.groups()), "") if missing else "", detail=text
        )
    at = re.search(r'server at "([^"]+)", port (\d+)', text) or re.search(
        r"resolve host '([^']+)'()", text
    )
    return ServerUnreachable(":".join(filter(None, at.groups())) if at else "", detail=text)


class Database:
    """An open database: where it is, how it is shared, and how to get a session.

    The engine is made on first use by ``engine_factory`` (so SQLAlchemy loads then); a
    SQLite database also keeps one plain ``sqlite3`` connection for :meth:`rows`."""

    def __init__(
        self,
        engine_factory: Callable[[], Engine],
        *,
        path: Path | None,
        mode: StorageMode,
        read_only: bool,
        dialect: str = "sqlite",
        damage: str = "",
    ):
        self._engine_factory = engine_factory
        self._engine: Engine | None = None
        self._write_engine: Engine | None = None
        self._read_engine: Engine | None = None
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self._engine_lock = threading.Lock()  # work runs in worker threads too
        self.path = path
        self.mode = mode
        self.read_only = read_only
        self.dialect = dialect
        self.damage = damage  # damaged pages found at open (then read-only): what they are
        self._before_dispose: list[Callable[[], None]] = []
        # A server base: where its documents are archived (a setting, read when asked).
        self.server_archive: Callable[[], str] | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._engine_factory()
        return self._engine

    @property
    def write_engine(self) -> Engine:
        if self._write_engine is None:
            # Made twice by two threads at once, both are the same options on one engine.
            if self.mode is StorageMode.SERVER:
                options: dict[str, Any] = {"isolation_level": "SERIALIZABLE"}
            else:
                options = {"sqlite_begin": "IMMEDIATE"}
            self._write_engine = self.engine.execution_options(**options)
        return self._write_engine

    @property
    def read_engine(self) -> Engine:
        """SQLite reads are kept from writing by BEGIN DEFERRED and :meth:`rows`' query_only
        connection; a server's by a READ ONLY transaction (psycopg asks it in its BEGIN)."""
        if self.mode is not StorageMode.SERVER:
            return self.engine
        if self._read_engine is None:
            self._read_engine = self.engine.execution_options(postgresql_readonly=True)
        return self._read_engine

    @property
    def location(self) -> str:
        return str(self.path) if self.path else self.engine.url.render_as_string(hide_password=True)

    @property
    def documents_dir(self) -> Path | None:
        """Archived letters live beside the database file, in a folder of their own; a
        server's in the shared folder its settings name (``server_archive``), or nowhere."""
        if self.path is not None:
            return self.path.parent / f"{self.path.stem}-documents"
        folder = self.server_archive() if self.server_archive is not None else ""
        return Path(folder) if folder else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading: one consistent snapshot, nothing written."""
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.orm import Session

        session = Session(self.read_engine, expire_on_commit=False, autoflush=False)
        try:
            with session.begin():
                yield session
        except (DBAPIError, sqlite3.Error) as exc:
            raise translate_error(exc) from exc
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One user action = one transaction: committed entirely or not at all."""
        if self.damage:
            raise DatabaseRefused(DAMAGED_MESSAGE, detail=self.damage)
        if self.read_only:
            raise DatabaseUnavailable(
                "Cette base est ouverte en lecture seule : l'enregistrement est impossible."
            )
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.orm import Session
        from sqlalchemy.orm.exc import StaleDataError

        session = Session(self.write_engine, expire_on_commit=False)
        try:
            with session.begin():
                yield session
                raise_if_cancelled()  # the user gave up meanwhile: roll back, not commit
        except (DBAPIError, sqlite3.Error, StaleDataError) as exc:
            translated = translate_error(exc)
            if translated is exc:
                raise
            log.warning("Write refused: %s (%s)", translated, exc)
            raise translated from exc
        finally:
            session.close()

    def write_retrying(self, work: Callable[[Session], T]) -> T:
        """``work`` in one write transaction (:meth:`write`), run again from the start when
        a server undid it for a concurrent transaction's sake (SERIALIZABLE: the envelope
        check and the numbering then see the other's commit). ``work`` must only act through
        its session, or start its own bookkeeping afresh each time it runs."""
        import random

        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.write() as session:
                    return work(session)
            except Contention:
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.info("Write undone by a concurrent one, attempt %d: run again", attempt)
                threading.Event().wait(random.uniform(0.005, 0.02 * attempt))
        raise AssertionError("unreachable")

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one read-only SQL statement with ``:name`` parameters.

        For read models that must not wait for the ORM (the beneficiary list): on SQLite,
        a plain ``sqlite3`` connection in autocommit mode (one statement = one snapshot);
        on a server, a read session. Values come as the driver gives them (SQLite: UUIDs
        as 32 hex digits, dates as ISO text)."""
        params = dict(params or {})
        if self.path is None:
            from sqlalchemy import text

            with self.read() as session:
                return [tuple(r) for r in session.execute(text(sql), params)]
        try:
            with self._reader_lock:
                if self._reader is None:
                    self._reader = self._connect_reader()
                reader = self._reader
                return retry_while_locked(
                    reader,
                    lambda: reader.execute(sql, params).fetchall(),
                    busy_ms=busy_timeout_ms(self.mode),
                    undo=lambda: None,
                )
        except sqlite3.Error as exc:
            self._close_reader()  # a broken connection (share gone) is made again
            raise translate_error(exc) from exc

    def _connect_reader(self) -> sqlite3.Connection:
        assert self.path is not None
        # Not opened "?mode=ro" on a writable file: such a connection could not roll back
        # the hot journal a crashed station may leave; query_only keeps it from writing.
        conn = connect_sqlite(self.path, mode=self.mode, read_only=self.read_only)
        conn.execute("PRAGMA query_only=ON")
        return conn

    def _close_reader(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def before_dispose(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` first when the base is closed (a background user of it stops)."""
        self._before_dispose.append(hook)

    def dispose(self) -> None:
        while self._before_dispose:
            self._before_dispose.pop()()
        self._close_reader()
        if self._engine is not None:
            self._engine.dispose()


def busy_timeout_ms(mode: StorageMode) -> int:
    """How long a statement waits for another station's lock before giving up."""
    return BUSY_TIMEOUT_MS["shared" if mode is StorageMode.SHARED else "local"]


def connect_sqlite(path: Path, *, mode: StorageMode, read_only: bool) -> sqlite3.Connection:
    """A driver connection with our pragmas, in autocommit mode (we emit BEGIN ourselves)."""
    busy_ms = busy_timeout_ms(mode)
    uri = f"file:{path.as_posix()}{'?mode=ro' if read_only else ''}"
    conn = sqlite3.connect(uri, uri=True, timeout=busy_ms / 1000, check_same_thread=False)
    conn.isolation_level = None  # the driver must not BEGIN on its own
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    # 64 MB of page cache (SQLite's default is 2 MB): an import's chunk or a search on a
    # big base finds its index pages in memory; it grows only as pages are read.
    try:
        run_pragmas(conn, mode, "PRAGMA cache_size=-65536")
    except BaseException:
        conn.close()
        raise
    return conn


def run_pragmas(conn: sqlite3.Connection, mode: StorageMode, *statements: str) -> None:
    """Pragmas that read the schema, hence wait (cancellably) for another station's lock."""

    def run() -> None:
        for statement in statements:
            conn.execute(statement)

    retry_while_locked(conn, run, busy_ms=busy_timeout_ms(mode), undo=lambda: None)


def sqlite_engine(path: Path, *, mode: StorageMode, read_only: bool) -> Engine:
    """An engine whose connections carry our pragmas and let us emit BEGIN ourselves."""
    from sqlalchemy import create_engine, event

    def connect() -> sqlite3.Connection:
        conn = connect_sqlite(path, mode=mode, read_only=read_only)
        if not read_only:
            # Never WAL: its shared-memory index does not work over SMB/NFS.
            sync = "FULL" if mode is StorageMode.SHARED else "NORMAL"
            try:
                run_pragmas(conn, mode, "PRAGMA journal_mode=DELETE", f"PRAGMA synchronous={sync}")
            except BaseException:
                conn.close()
                raise
        return conn

    engine = create_engine("sqlite+pysqlite://", creator=connect)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's dialect set-up may have reset it

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        kind = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        raw: sqlite3.Connection = conn.connection.dbapi_connection

        def begin() -> None:
            raw.execute(f"BEGIN {kind}")
            if kind == "DEFERRED" and cancel_check() is not None:
                # Take the shared lock now, while a wait for it can still be cancelled.
                raw.execute("PRAGMA schema_version")

        def undo() -> None:
            if raw.in_transaction:
                raw.execute("ROLLBACK")

        retry_while_locked(raw, begin, busy_ms=busy_timeout_ms(mode), undo=undo)

    return engine


def server_engine(url: str) -> Engine:
    """PostgreSQL (or another server): the server handles locking; we ask serialisable writes.

    A URL without password takes the one this session was given or the keyring remembers
    (``server_connection.password_for``): it never travels in the URL, nor in a log."""
    from sqlalchemy import create_engine, make_url

    from app.services.server_connection import password_for

    parsed = make_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        options["connect_timeout"] = CONNECT_TIMEOUT_S
        password = None if parsed.password is not None else password_for(parsed)
        if password is not None:
            options["password"] = password
    return create_engine(parsed, pool_pre_ping=True, connect_args=options)
