"""The département server: a profile, its password (keyring or session, never the config
file), and every connection failure told in French (translate_error), never a traceback."""

from __future__ import annotations

import socket

import psycopg
import pytest
from sqlalchemy import event

from app.config import WorkstationConfig, app_paths, load_config, save_config
from app.services import server_connection, storage
from app.services.errors import (
    DatabaseRefused,
    LoginRefused,
    ServerBaseMissing,
    ServerUnreachable,
    ValidationError,
)
from app.services.secrets import SERVICE_NAME
from app.services.server_connection import ServerProfile
from app.services.storage import StorageMode, translate_error
from tests.pg_server import admin_execute, fresh_database

SECRET = "Mot-de-passe-très-secret-42"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_profile_builds_a_url_without_password():
    profile = ServerProfile("srv-pack.cd91.local", "pack_sortie", "cmartin")
    assert profile.port == 5432
    assert profile.location == "postgresql+psycopg://cmartin@srv-pack.cd91.local:5432/pack_sortie"
    assert profile.key == "server:cmartin@srv-pack.cd91.local:5432/pack_sortie"
    assert profile.url(SECRET).password == SECRET
    assert SECRET not in profile.url(SECRET).render_as_string(hide_password=True)
    assert ServerProfile.from_location(profile.location) == profile
    assert ServerProfile.from_location("/tmp/base.sqlite") is None
    assert ServerProfile.from_config(profile.as_config()) == profile
    assert ServerProfile.from_config({"host": "x"}) is None


def test_an_incomplete_profile_is_refused_field_by_field():
    with pytest.raises(ValidationError) as refused:
        server_connection.connect(ServerProfile(" ", "", "u", 0))
    assert set(refused.value.errors) == {"host", "port", "database"}


def test_right_user_connects_and_the_password_goes_to_the_engine_not_the_url(server):
    db = server_connection.connect(server, SECRET)
    try:
        assert db.mode is StorageMode.SERVER and db.location == server.location
        assert SECRET not in db.location
    finally:
        db.dispose()
    # The engine of a password-less URL is given this session's password.
    engine = storage.server_engine(server.location)
    seen = []
    event.listen(engine, "do_connect", lambda _d, _r, _a, params: seen.append(dict(params)))
    with engine.connect():
        pass
    engine.dispose()
    assert seen[0]["password"] == SECRET
    assert seen[0]["connect_timeout"] == storage.CONNECT_TIMEOUT_S
    assert SECRET not in engine.url.render_as_string(hide_password=False)


def test_a_remembered_password_is_in_the_keyring_not_in_the_config_file(server, memory_keyring):
    assert server_connection.keep_password(server, SECRET, remember=True)
    assert memory_keyring.entries == {(SERVICE_NAME, server.key): SECRET}
    config = WorkstationConfig()
    config.server = server.as_config()
    config.remember(server.location, None)
    save_config(config)
    text = app_paths().config_file.read_text(encoding="utf-8")
    assert SECRET not in text and server.host in text
    assert ServerProfile.from_config(load_config().server) == server

    server_connection._session.clear()  # a new session: the keyring gives it back
    assert server_connection.known_password(server) == SECRET
    server_connection.connect(server).dispose()

    server_connection.keep_password(server, SECRET, remember=False)  # box unticked
    assert memory_keyring.entries == {}
    assert server_connection.known_password(server) == SECRET  # this session still


def test_a_password_in_an_old_or_tampered_config_is_dropped(tmp_path):
    file = app_paths().config_file
    file.parent.mkdir(parents=True)
    file.write_text('{"database": "/x/base.sqlite", "recent": []}', encoding="utf-8")
    assert load_config() == WorkstationConfig(database="/x/base.sqlite")  # older file
    file.write_text('{"server": {"host": "h", "password": "p"}}', encoding="utf-8")
    assert load_config().server == {"host": "h"}


def test_a_missing_base_is_told_in_french(server):
    absent = ServerProfile(server.host, "base_qui_n_existe_pas", server.user, server.port)
    with pytest.raises(ServerBaseMissing) as refused:
        server_connection.connect(absent, SECRET)
    assert refused.value.message.startswith("La base « base_qui_n_existe_pas » n'existe pas")
    assert server_connection.known_password(absent) is None  # a failed password is not kept


def test_an_unknown_user_is_refused_in_french(server):
    stranger = ServerProfile(server.host, server.database, "inconnu", server.port)
    with pytest.raises(LoginRefused) as refused:
        server_connection.check(stranger, SECRET)
    assert refused.value.message == (
        "Connexion refusée par le serveur : identifiant ou mot de passe incorrect."
    )


def test_a_closed_port_says_the_server_does_not_answer():
    profile = ServerProfile("127.0.0.1", "pack_sortie", "cmartin", closed_port())
    with pytest.raises(ServerUnreachable) as silent:
        server_connection.connect(profile, SECRET)
    assert silent.value.message.startswith(
        f"Le serveur du Département (127.0.0.1:{profile.port}) ne répond pas"
    )
    assert silent.value.retryable


def test_a_server_that_never_answers_is_given_up_after_the_timeout(monkeypatch):
    monkeypatch.setattr(storage, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as silent:  # accepts the connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        profile = ServerProfile("127.0.0.1", "pack_sortie", "cmartin", silent.getsockname()[1])
        with pytest.raises(ServerUnreachable) as failure:
            server_connection.connect(profile)
    assert "timeout" in failure.value.detail


def test_check_tells_the_state_of_the_base(server, pg_base_url):
    assert server_connection.check(server) == (
        f"Connexion réussie à la base « {server.database} » sur {server.where} : elle est à jour."
    )
    with fresh_database(pg_base_url) as url:
        name = url.rsplit("/", 1)[1]
        admin_execute(pg_base_url, f"CREATE DATABASE {name}_vide")
        try:
            empty = ServerProfile(server.host, f"{name}_vide", server.user, server.port)
            assert "elle est vide" in server_connection.check(empty)
        finally:
            admin_execute(pg_base_url, f"DROP DATABASE {name}_vide WITH (FORCE)")


def test_a_base_of_a_newer_version_is_refused(server):
    db = server_connection.connect(server)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_futur'")
    db.dispose()
    with pytest.raises(DatabaseRefused, match="version plus récente"):
        server_connection.connect(server)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
         'password authentication failed for user "cmartin"', LoginRefused),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
         "authentification par mot de passe échouée pour l'utilisateur « cmartin »",
         LoginRefused),
        ("connection failed: fe_sendauth: no password supplied", LoginRefused),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
         "la base de données « pack » n'existe pas", ServerBaseMissing),
        ("connection timeout expired", ServerUnreachable),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: '
         "Connection refused", ServerUnreachable),
    ],
)  # fmt: skip
def test_translate_error_classifies_connection_failures(message, expected):
    translated = translate_error(psycopg.OperationalError(message))
    assert type(translated) is expected
    if expected is ServerUnreachable and "10.0.0.5" in message:
        assert "(10.0.0.5:5432)" in translated.message


def test_translate_error_reads_the_sqlstate_when_there_is_one():
    assert isinstance(translate_error(psycopg.errors.InvalidPassword("x")), LoginRefused)
    assert isinstance(translate_error(psycopg.errors.InvalidCatalogName("x")), ServerBaseMissing)
