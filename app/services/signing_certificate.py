"""The validator's certificate: a PKCS#12 file (``.p12``/``.pfx``) protected by a passphrase.

:func:`load_signer` opens it once, checks it (validity dates, key usage) with French messages
(:class:`SignatureError`), and gives the :class:`LoadedSigner` the UI or a batch keeps to sign
any number of letters (:func:`app.services.signing.sign_pdf`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from app.services import clock
from app.services.errors import UserFacingError
from app.services.signing_font import stamp_font

log = logging.getLogger(__name__)

MD_ALGORITHM = "sha256"


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses (and re-checks) the RSA key for every signature,
    about 30 ms; this one keeps the key object loaded from the PKCS#12 file."""

    def __init__(self, base: signers.SimpleSigner, private_key: PrivateKeyTypes) -> None:
        super().__init__(
            signing_key=base.signing_key,
            signing_cert=base.signing_cert,
            cert_registry=base.cert_registry,
        )
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        key = self._private_key
        if algo == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


class SignatureError(UserFacingError):
    """The letter cannot be signed (certificate, passphrase, document): French message."""


@dataclass(frozen=True)
class SignerProfile:
    """Who signs and how: kept in the workstation config (never the passphrase)."""

    pkcs12_path: Path
    display_name: str  # first name + last name, as printed (CRPA L212-1)
    capacity: str  # "Pour le Président du Conseil départemental et par délégation, …"
    timestamp_url: str | None = None


@dataclass(frozen=True, eq=False)
class LoadedSigner:
    """An opened certificate, ready to sign many letters (load once, reuse)."""

    profile: SignerProfile
    certificate: x509.Certificate
    common_name: str
    not_before: datetime
    not_after: datetime
    bytes_reserved: int
    _signer: signers.SimpleSigner = field(repr=False)

    @property
    def display_name(self) -> str:
        return self.profile.display_name or self.common_name

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the signing certificate (hex), for logs and the audit trail."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def _fmt_date(moment: datetime) -> str:
    return moment.astimezone().strftime("%d/%m/%Y")


def check_validity(cert: x509.Certificate, path: Path, now: datetime) -> None:
    """Refuse a certificate not valid at ``now`` (French message naming the file)."""
    if now < cert.not_valid_before_utc:
        raise SignatureError(
            f"Le certificat de signature « {path.name} » n'est pas encore valide "
            f"(valable à partir du {_fmt_date(cert.not_valid_before_utc)}). "
            "Vérifiez la date et l'heure de ce poste."
        )
    if now > cert.not_valid_after_utc:
        raise SignatureError(
            f"Le certificat de signature « {path.name} » a expiré le "
            f"{_fmt_date(cert.not_valid_after_utc)}. Demandez son renouvellement "
            "à votre administrateur ; aucune lettre ne peut être signée avec ce certificat."
        )


def _check_key_usage(cert: x509.Certificate, path: Path) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SignatureError(
            f"Le certificat « {path.name} » ne permet pas de signer des documents "
            "(usage de clé incompatible). Utilisez votre certificat de signature."
        )


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else cert.subject.rfc4514_string()
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _looks_like_pkcs12(data: bytes) -> bool:
    """True when the bytes parse as a PKCS#12 structure (so a failure means a bad passphrase)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        return pfx["auth_safe"]["content_type"].native in ("data", "signed_data")
    except (ValueError, TypeError, KeyError):
        return False


def load_signer(
    profile: SignerProfile, passphrase: str | None, *, now: datetime | None = None
) -> LoadedSigner:
    """Open the PKCS#12 file of ``profile``; French :class:`SignatureError` on any problem.

    Expired or not-yet-valid certificates are refused. The result is meant to be cached by
    the caller for the session (or the batch): opening a PKCS#12 file is the slow part.
    """
    path = Path(profile.pkcs12_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SignatureError(
            f"Le fichier du certificat de signature est introuvable : {path}. "
            "Vérifiez le chemin dans les paramètres de signature de ce poste.",
            detail=str(exc),
        ) from exc
    except OSError as exc:
        raise SignatureError(
            f"Le fichier du certificat de signature ne peut pas être lu : {path}.",
            detail=str(exc),
        ) from exc

    secret = passphrase.encode("utf-8") if passphrase else None
    try:
        key, cert, extra_certs = pkcs12.load_key_and_certificates(data, secret)
    except (ValueError, TypeError) as exc:
        if _looks_like_pkcs12(data):
            raise SignatureError(
                "Phrase secrète incorrecte pour le certificat de signature "
                f"« {path.name} ». Vérifiez-la (majuscules, accents) puis réessayez.",
                detail=str(exc),
            ) from exc
        raise SignatureError(
            f"Le fichier « {path.name} » n'est pas un certificat de signature lisible "
            "(fichier .p12 ou .pfx attendu, peut-être endommagé).",
            detail=str(exc),
        ) from exc
    if key is None or cert is None:
        raise SignatureError(
            f"Le fichier « {path.name} » ne contient pas de clé de signature "
            "(certificat seul). Demandez à votre administrateur le fichier .p12 complet."
        )

    moment = now or clock.now_utc()
    check_validity(cert, path, moment)
    _check_key_usage(cert, path)

    try:
        base = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret)
    except ValueError as exc:  # pragma: no cover - cryptography accepted the same bytes above
        raise SignatureError(
            f"Le certificat « {path.name} » ne peut pas être utilisé pour signer.",
            detail=str(exc),
        ) from exc
    stamp_font()  # first use parses the font (~0.1 s): do it now, not at the first letter
    simple = _KeptKeySigner(base, key)
    simple.embed_roots = False  # a root is trusted from elsewhere, never from the file
    log.info(
        "Signing certificate loaded: %s (valid until %s, %d extra certificates)",
        _common_name(cert),
        cert.not_valid_after_utc.date(),
        len(extra_certs),
    )
    return LoadedSigner(
        profile=profile,
        certificate=cert,
        common_name=_common_name(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        bytes_reserved=_estimate_reserve(simple),
        _signer=simple,
    )


def _estimate_reserve(simple: signers.SimpleSigner) -> int:
    """Hex digits to reserve for the CMS container (dry run once, with a safety margin)."""
    digest = hashlib.sha256(b"").digest()

    async def _dry() -> int:
        cms = await simple.async_sign(
            digest,
            MD_ALGORITHM,
            use_pades=True,
            dry_run=True,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=clock.now_utc()),
        )
        return len(cms.dump())

    size = asyncio.run(_dry())
    return 2 * size + 2_048  # hex encoding, plus room for size jitter
