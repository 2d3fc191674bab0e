"""Passphrases in the OS keyring: an in-memory backend stands in for it in tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from app.services.errors import UserFacingError
from app.services.secrets import SERVICE_NAME, KeyringUnavailable, SecretStore, certificate_key
from tests.memory_keyring import MemoryKeyring


class PlaintextKeyring(MemoryKeyring):
    """Looks like keyrings.alt's file backend (which would write the secret in clear)."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("no backend")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("no backend")


@pytest.fixture
def use_keyring() -> Iterator:
    """Install a backend for the test, put the previous one back afterwards."""
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


@pytest.fixture
def memory(use_keyring) -> MemoryKeyring:
    return use_keyring(MemoryKeyring())


def test_set_get_forget(memory: MemoryKeyring) -> None:
    store = SecretStore()
    assert store.available
    assert store.get_passphrase("pkcs12:abc") is None
    store.set_passphrase("pkcs12:abc", "Écureuil-vert 42 !")
    assert store.get_passphrase("pkcs12:abc") == "Écureuil-vert 42 !"
    assert memory.entries == {(SERVICE_NAME, "pkcs12:abc"): "Écureuil-vert 42 !"}
    store.forget("pkcs12:abc")
    assert store.get_passphrase("pkcs12:abc") is None
    store.forget("pkcs12:abc")  # forgetting twice is harmless


def test_empty_passphrase_is_not_stored(memory: MemoryKeyring) -> None:
    with pytest.raises(ValueError):
        SecretStore().set_passphrase("k", "")
    assert memory.entries == {}


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_usable_backend(use_keyring, backend: KeyringBackend) -> None:
    use_keyring(backend)
    store = SecretStore()
    assert not store.available
    with pytest.raises(KeyringUnavailable) as err:
        store.get_passphrase("k")
    assert isinstance(err.value, UserFacingError)
    assert "demandée à chaque signature" in err.value.message
    with pytest.raises(KeyringUnavailable):
        store.set_passphrase("k", "secret")


def test_no_keyring_error_becomes_keyring_unavailable(use_keyring) -> None:
    use_keyring(BrokenKeyring())
    store = SecretStore()
    with pytest.raises(KeyringUnavailable):
        store.get_passphrase("k")
    with pytest.raises(KeyringUnavailable):
        store.set_passphrase("k", "secret")


def test_plain_text_backend_is_refused(use_keyring) -> None:
    backend = use_keyring(PlaintextKeyring())
    store = SecretStore()
    assert not store.available
    with pytest.raises(KeyringUnavailable):
        store.set_passphrase("k", "secret")
    assert backend.entries == {}


def test_locked_keyring_has_its_own_message(use_keyring) -> None:
    use_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailable) as err:
        SecretStore().get_passphrase("k")
    assert "verrouillé" in err.value.message


def test_explicit_backend_wins(use_keyring) -> None:
    use_keyring(fail.Keyring())
    mine = MemoryKeyring()
    store = SecretStore(mine)
    store.set_passphrase("k", "v")
    assert mine.entries == {(SERVICE_NAME, "k"): "v"}


def test_certificate_key_is_stable_and_tracks_the_file(tmp_path: Path) -> None:
    cert = tmp_path / "signature.p12"
    cert.write_bytes(b"first certificate")
    key = certificate_key(cert)
    assert key.startswith("pkcs12:") and len(key) == len("pkcs12:") + 64
    assert certificate_key(cert) == key
    assert str(tmp_path) not in key

    cert.write_bytes(b"renewed certificate")
    assert certificate_key(cert) != key

    moved = tmp_path / "other" / "signature.p12"
    moved.parent.mkdir()
    moved.write_bytes(b"first certificate")
    assert certificate_key(moved) != key


def test_chained_backends_skip_the_plain_text_one(
    use_keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, secure = PlaintextKeyring(), MemoryKeyring()
    monkeypatch.setattr(ChainerBackend, "backends", [plain, secure])
    use_keyring(ChainerBackend())
    store = SecretStore()
    store.set_passphrase("k", "secret")
    assert secure.entries == {(SERVICE_NAME, "k"): "secret"}
    assert plain.entries == {}
    assert store.get_passphrase("k") == "secret"


def test_chain_of_plain_text_backends_only_is_refused(
    use_keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChainerBackend, "backends", [PlaintextKeyring()])
    use_keyring(ChainerBackend())
    assert not SecretStore().available
