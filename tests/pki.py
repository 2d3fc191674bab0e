"""A throw-away PKI generated at test time: a root CA and a signer's PKCS#12 file.

Nothing here is committed key material: every key is generated in memory when a test asks
for it and written only into the test's own temporary folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.clock import MOMENT

SIGNER_NAME = "Marc Aubert"
PASSPHRASE = "Écureuil-vert 42 !"


@dataclass(frozen=True)
class TestPki:
    __test__ = False  # not a test class for pytest

    root_cert: x509.Certificate
    p12_path: Path
    passphrase: str
    signer_name: str
    signer_cert: x509.Certificate


@cache
def _key(label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """One RSA key per role for the whole test session (key generation is the slow part)."""
    del label
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(common_name: str, *, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_root(
    common_name: str = "AC Test Département de l'Essonne", *, label: str = "root"
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _key(label)
    name = _name(common_name, organisation="Conseil départemental de l'Essonne (test)")
    now = MOMENT
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_signer_cert(
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    *,
    common_name: str = SIGNER_NAME,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    extended_key_usage: list[x509.ObjectIdentifier] | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _key("signer")
    now = MOMENT
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation="MDS d'Évry (test)"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    if extended_key_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_key_usage), critical=False)
    return builder.sign(root_key, hashes.SHA256()), key


def write_p12(
    path: Path,
    cert: x509.Certificate,
    key: rsa.RSAPrivateKey,
    passphrase: str | None,
    *,
    chain: list[x509.Certificate] | None = None,
) -> Path:
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        name=b"signature", key=key, cert=cert, cas=chain, encryption_algorithm=encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_test_pki(
    tmp_path: Path,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    file_name: str = "marc-aubert.p12",
    signer_name: str = SIGNER_NAME,
) -> TestPki:
    """A root CA and a PKCS#12 file for ``signer_name`` (with the root in its chain)."""
    root_cert, root_key = make_root()
    cert, key = make_signer_cert(
        root_cert, root_key, common_name=signer_name, not_before=not_before, not_after=not_after
    )
    p12 = write_p12(tmp_path / "pki" / file_name, cert, key, PASSPHRASE, chain=[root_cert])
    return TestPki(
        root_cert=root_cert,
        p12_path=p12,
        passphrase=PASSPHRASE,
        signer_name=signer_name,
        signer_cert=cert,
    )


def make_tsa(root_cert: x509.Certificate, root_key: rsa.RSAPrivateKey):
    """A time-stamping authority certificate (for a local TSA in the B-T test)."""
    key = _key("tsa")
    now = MOMENT
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Horodatage de test", organisation="Test TSA"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    return cert, key
