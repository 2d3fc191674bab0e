"""The département's PostgreSQL server: who connects where, with which password.

A :class:`ServerProfile` (host, port, base, user) is what the workstation remembers (in its
config, ``WorkstationConfig.server``); its :attr:`~ServerProfile.location` is a URL without
password. The password lives in the operating system's keyring (:mod:`secrets`, when the
user asked to remember it) or only in this process's memory for the session: the engine
gets it through :func:`password_for` (``storage.server_engine``), never through the URL, so
it can appear neither in the config file nor in a log line.

:func:`connect` opens the base and turns every failure into a French
:class:`~app.services.errors.UserFacingError` (server silent, login refused, base missing,
base of a newer version), never a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.services.errors import (
    DatabaseRefused,
    DatabaseUnavailable,
    ServerUnreachable,
    UserFacingError,
    ValidationError,
)
from app.services.secrets import KeyringUnavailable, SecretStore, server_key

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from app.services.storage import Database

log = logging.getLogger(__name__)

DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"

_session: dict[str, str] = {}  # passwords typed this session, not remembered: memory only
_session_lock = threading.Lock()


@dataclass(frozen=True)
class ServerProfile:
    """Where the département's base is and who connects to it (never the password)."""

    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def key(self) -> str:
        """The keyring entry of this account's password."""
        return server_key(self.user, self.host, self.port, self.database)

    @property
    def location(self) -> str:
        """The base's URL without password: what is remembered, shown and logged."""
        return self.url().render_as_string(hide_password=True)

    def url(self, password: str | None = None) -> URL:
        from sqlalchemy.engine import URL

        return URL.create(
            DRIVER,
            username=self.user,
            password=password,
            host=self.host,
            port=self.port,
            database=self.database,
        )

    def as_config(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "database": self.database, "user": self.user}

    @classmethod
    def from_config(cls, raw: object) -> ServerProfile | None:
        """The profile a config file remembers; None when absent or unreadable."""
        if not isinstance(raw, dict):
            return None
        try:
            profile = cls(
                host=str(raw["host"]),
                database=str(raw["database"]),
                user=str(raw["user"]),
                port=int(raw.get("port") or DEFAULT_PORT),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return profile if not problems(profile) else None

    @classmethod
    def from_location(cls, location: str) -> ServerProfile | None:
        """The profile of a ``postgresql://`` URL (``--db``); None for anything else."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(location)
        except ArgumentError:
            return None
        if url.get_backend_name() != "postgresql" or not url.host or not url.database:
            return None
        return cls(url.host, url.database, url.username or "", url.port or DEFAULT_PORT)


def is_server_location(location: str) -> bool:
    """A ``postgresql://`` URL rather than a file (no import: the start-up's test)."""
    return "://" in location and not location.startswith("file:")


def parse_location(location: str) -> tuple[ServerProfile, str | None] | None:
    """The profile of a server URL and the password it carries (``--db``, rarely one), or
    None for a file."""
    if not is_server_location(location):
        return None
    profile = ServerProfile.from_location(location)
    if profile is None:
        return None
    from sqlalchemy.engine import make_url

    return profile, make_url(location).password


def problems(profile: ServerProfile) -> dict[str, str]:
    """What is missing or wrong in the form, field by field (French)."""
    found = {}
    if not profile.host.strip():
        found["host"] = "Indiquez le nom ou l'adresse du serveur."
    if not 0 < profile.port < 65536:
        found["port"] = "Le port est un nombre entre 1 et 65535 (5432 d'habitude)."
    if not profile.database.strip():
        found["database"] = "Indiquez le nom de la base sur le serveur."
    if not profile.user.strip():
        found["user"] = "Indiquez votre identifiant sur le serveur."
    return found


def keyring_available() -> bool:
    """Whether a password can be remembered on this workstation."""
    return SecretStore().available


def known_password(profile: ServerProfile) -> str | None:
    """This session's password for the account, else the one the keyring remembers."""
    with _session_lock:
        if profile.key in _session:
            return _session[profile.key]
    try:
        return SecretStore().get_passphrase(profile.key)
    except KeyringUnavailable as exc:
        log.info("Server password not looked up in the keyring: %s", exc.detail or exc)
        return None


def password_for(url: URL) -> str | None:
    """The password of the account a password-less URL names (``storage.server_engine``)."""
    if not url.host or not url.database:
        return None
    profile = ServerProfile(url.host, url.database, url.username or "", url.port or DEFAULT_PORT)
    return known_password(profile)


def keep_password(profile: ServerProfile, password: str, *, remember: bool) -> bool:
    """Use ``password`` for this session; in the keyring too when ``remember`` (else any
    remembered one is forgotten). False when it could not be remembered (no keyring)."""
    if password:
        with _session_lock:
            _session[profile.key] = password
    try:
        if remember and password:
            SecretStore().set_passphrase(profile.key, password)
        else:
            SecretStore().forget(profile.key)
    except KeyringUnavailable as exc:
        log.warning("Server password not remembered: %s", exc.detail or exc)
        return not remember
    return True


def forget_password(profile: ServerProfile) -> None:
    """Forget the password for this session and in the keyring (none there: no error)."""
    with _session_lock:
        _session.pop(profile.key, None)
    with contextlib.suppress(KeyringUnavailable):
        SecretStore().forget(profile.key)


def connect(
    profile: ServerProfile, password: str | None = None, *, migrate: bool = True
) -> Database:
    """Open the server's base (brought up to date unless ``migrate`` is False).

    ``password``: the one just typed (kept for the session when it works, dropped when the
    server refuses it), else the known one. Every failure is a French UserFacingError."""
    from app.services.schema import open_server

    def attempt() -> Database:
        _revision(profile)  # refuses a newer base before open_server makes its engine
        return open_server(profile.location, migrate=migrate)

    db = _with_password(profile, password, attempt)
    log.info("Connected to %s", profile.location)
    return db


def check(profile: ServerProfile, password: str | None = None) -> str:
    """« Tester la connexion »: connect without changing anything; the French result.
    Raises the French UserFacingError when it fails."""
    from app.services.schema import head_revision, known_revisions

    revision = _with_password(profile, password, lambda: _revision(profile))
    if revision is None:
        state = "elle est vide : elle sera préparée à la première ouverture"
    elif revision == head_revision():
        state = "elle est à jour"
    else:
        assert revision in known_revisions()  # else _revision refused it
        state = "elle sera mise à jour à l'ouverture"
    return f"Connexion réussie à la base « {profile.database} » sur {profile.where} : {state}."


def _with_password[T](profile: ServerProfile, password: str | None, work: Callable[[], T]) -> T:
    """``work()`` with ``password`` as this session's (restored when it fails)."""
    if found := problems(profile):
        raise ValidationError(found)
    with _session_lock:
        previous = _session.get(profile.key)
        if password:
            _session[profile.key] = password
    try:
        return work()
    except Exception as exc:
        if password:
            with _session_lock:
                if previous is None:
                    _session.pop(profile.key, None)
                else:
                    _session[profile.key] = previous
        failure = connection_error(profile, exc)
        log.warning("Connection to %s refused: %s (%s)", profile.location, failure, failure.detail)
        raise failure from exc


def _revision(profile: ServerProfile) -> str | None:
    """The base's schema revision, read on an engine of its own (always disposed); a base
    of a newer version of the application is refused."""
    from alembic.runtime.migration import MigrationContext

    from app.services.schema import known_revisions
    from app.services.storage import server_engine

    engine = server_engine(profile.location)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    if revision is not None and revision not in known_revisions():
        raise DatabaseRefused(
            f"La base « {profile.database} » du serveur a été créée par une version plus "
            f"récente de Pack Sortie (schéma {revision}). Mettez à jour l'application sur ce "
            "poste.",
        )
    return revision


def connection_error(profile: ServerProfile, exc: BaseException) -> UserFacingError:
    """The French error for a failed connection (``storage.translate_error`` classifies)."""
    from app.services.storage import translate_error

    failure = exc if isinstance(exc, UserFacingError) else None
    if failure is None and isinstance(exc, Exception):
        translated = translate_error(exc)
        failure = translated if isinstance(translated, UserFacingError) else None
    if isinstance(failure, ServerUnreachable):
        return ServerUnreachable(profile.where, detail=failure.detail)
    if failure is not None:
        return failure
    return DatabaseUnavailable(
        f"La connexion au serveur du Département ({profile.where}) a échoué. Réessayez ; "
        "si cela se reproduit, prévenez votre administrateur.",
        detail=f"{type(exc).__name__}: {exc}",
    )
