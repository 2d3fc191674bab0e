"""Check a signed letter: is each signature intact, does it cover the whole file, who signed.

Works offline: no revocation or certificate fetching over the network. Trust is only granted
against the roots the caller passes (the certification authorities of the département);
otherwise the report says "certificat non vérifié (autorité inconnue)".

One changed byte anywhere in the file is caught either by the signature (inside the signed
byte ranges) or by the SHA-256 of the file compared with the archived one (the bytes of the
signature container itself are not covered by any signature, by design of PDF signatures).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.services import clock

log = logging.getLogger(__name__)

_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature of the file says."""

    index: int  # 1-based, in file order
    field_name: str
    signer_name: str  # common name of the signing certificate
    signed_at: datetime | None  # claimed signing time (/M of the signature dictionary)
    timestamped_at: datetime | None  # time of a valid signature time-stamp (PAdES B-T)
    intact: bool  # the signed bytes hash to the signed digest, and the signature is valid
    covers_whole: bool  # nothing was changed after this signature
    trusted: bool  # the certificate chains up to one of the trust roots
    problems: tuple[str, ...] = ()  # French, for the report

    @property
    def ok(self) -> bool:
        return self.intact and self.covers_whole


@dataclass(frozen=True)
class VerificationReport:
    sha256: str | None
    signatures: tuple[SignatureCheck, ...] = ()
    archived_sha256: str | None = None
    error: str | None = None  # French: the file could not be read as a PDF at all
    notes: tuple[str, ...] = field(default=())

    @property
    def unsigned(self) -> bool:
        return self.error is None and not self.signatures

    @property
    def matches_archive(self) -> bool | None:
        """None when no archived fingerprint was given."""
        if self.archived_sha256 is None:
            return None
        return self.sha256 is not None and self.sha256 == _normalise_hash(self.archived_sha256)

    @property
    def all_trusted(self) -> bool:
        return bool(self.signatures) and all(s.trusted for s in self.signatures)

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and bool(self.signatures)
            and all(s.ok for s in self.signatures)
            and self.matches_archive is not False
        )

    def as_text(self) -> str:
        lines: list[str] = []
        if self.error:
            lines.append(self.error)
        elif self.unsigned:
            lines.append("Aucune signature électronique dans ce document.")
        for sig in self.signatures:
            lines.append(_describe(sig))
            lines.extend(f"    {p}" for p in sig.problems)
        if self.sha256:
            fingerprint = f"Empreinte SHA-256 : {self.sha256}"
            if self.matches_archive is True:
                fingerprint += " — conforme à l'archive"
            elif self.matches_archive is False:
                fingerprint += " — DIFFÉRENTE de l'archive"
            lines.append(fingerprint)
        lines.extend(self.notes)
        lines.append(self.verdict)
        return "\n".join(lines)

    @property
    def verdict(self) -> str:
        if self.ok:
            if self.all_trusted:
                return "Résultat : document signé, intact et certificat reconnu."
            return "Résultat : document signé et intact (certificat non vérifié)."
        if self.error:
            return "Résultat : vérification impossible."
        if self.unsigned:
            return "Résultat : document NON signé."
        if self.matches_archive is False:
            return "Résultat : ce fichier n'est PAS celui qui a été archivé."
        return "Résultat : signature NON valide — le document a pu être modifié."


def _local(moment: datetime) -> str:
    local = moment.astimezone()
    return f"le {local:%d/%m/%Y} à {local:%H:%M}"


def _describe(sig: SignatureCheck) -> str:
    parts = [f"Signature {sig.index} : {sig.signer_name or 'signataire inconnu'}"]
    parts.append(f"signée {_local(sig.signed_at)}" if sig.signed_at else "date non indiquée")
    if sig.timestamped_at:
        parts.append(f"horodatée {_local(sig.timestamped_at)}")
    parts.append("intègre" if sig.intact else "NON INTÈGRE (contenu modifié ou signature invalide)")
    parts.append(
        "couvre tout le document"
        if sig.covers_whole
        else "NE COUVRE PAS tout le document (modifié après signature)"
    )
    parts.append(
        "certificat reconnu" if sig.trusted else "certificat non vérifié (autorité inconnue)"
    )
    return " — ".join(parts)


def _normalise_hash(value: str) -> str:
    return value.strip().lower().replace(" ", "").replace(":", "")


def _as_asn1(cert: x509.Certificate | asn1_x509.Certificate) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _context(
    roots: Sequence[asn1_x509.Certificate],
    others: Iterable[asn1_x509.Certificate],
    moment: datetime | None,
) -> ValidationContext:
    # trust_roots must be a list (never None: None would mean the OS trust store, deprecated).
    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(others),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


def _signer_name(sig: EmbeddedPdfSignature) -> str:
    try:
        cn = sig.signer_cert.subject.native.get("common_name")
    except (ValueError, KeyError, AttributeError):
        return ""
    if isinstance(cn, list):
        cn = cn[0] if cn else ""
    return str(cn or "")


def _coverage(status: PdfSignatureStatus) -> tuple[bool, str | None]:
    """Whether nothing was changed after the signature, and why not (French)."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True, None
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        level = status.modification_level
        if level == ModificationLevel.LTA_UPDATES:
            return True, None  # only validation data and archive time-stamps were added
        if level == ModificationLevel.NONE:
            # Bytes after the signed revision that change nothing a reader shows: still not
            # the file that was signed (strict on purpose for a legal document).
            return False, "Des données ont été ajoutées à la fin du fichier après la signature."
        if level in (ModificationLevel.FORM_FILLING, ModificationLevel.ANNOTATIONS):
            return (
                False,
                "Le document a été complété après cette signature (signature, "
                "formulaire ou annotation ajoutés).",
            )
    return False, "Le document a été modifié après cette signature."


_READ_ERRORS = (PdfError, ValueError, TypeError, KeyError, IndexError, AttributeError)


def _unreadable(index: int, field_name: str, name: str, claimed: datetime | None) -> SignatureCheck:
    return SignatureCheck(
        index, field_name, name, claimed, None, False, False, False,
        ("Signature illisible ou d'un type non pris en charge (fichier endommagé ?).",),
    )  # fmt: skip


async def _check_one(
    index: int, sig: EmbeddedPdfSignature, roots: Sequence[asn1_x509.Certificate]
) -> SignatureCheck:
    field_name, name, claimed = "", "", None
    try:
        field_name = str(sig.field_name or "")
        claimed = sig.self_reported_timestamp
        name = _signer_name(sig)
        others = sig.other_embedded_certs
        status = await async_validate_pdf_signature(
            sig,
            signer_validation_context=_context(roots, others, None),
            key_usage_settings=_KEY_USAGE,
        )
    except _READ_ERRORS as exc:
        # A damaged signature container, or a signature type we do not handle.
        log.warning("Signature %d (%s) could not be validated: %s", index, field_name, exc)
        return _unreadable(index, field_name, name, claimed)

    problems: list[str] = []
    tst = status.timestamp_validity
    stamped_at = tst.timestamp if tst is not None and tst.intact and tst.valid else None
    trusted = status.trusted
    if not trusted and status.intact and status.valid and roots:
        # An archived letter outlives its signer's certificate: check the chain at the time
        # of signing (the time-stamp when there is one, else the claimed time).
        moment = stamped_at or claimed
        cert_expired = status.signing_cert.not_valid_after < clock.now_utc()
        if moment is not None and cert_expired:
            try:
                again = await async_validate_pdf_signature(
                    sig,
                    signer_validation_context=_context(roots, others, moment),
                    key_usage_settings=_KEY_USAGE,
                )
            except _READ_ERRORS as exc:  # pragma: no cover - the first pass read it fine
                log.warning("Signature %d: second validation failed: %s", index, exc)
            else:
                if again.trusted:
                    trusted = True
                    problems.append(
                        "Certificat expiré depuis, mais valide à la date de signature"
                        + (" horodatée." if stamped_at else " déclarée.")
                    )
    if tst is not None and stamped_at is None:
        problems.append("Horodatage présent mais invalide.")
    covers_whole, why_not = _coverage(status)
    if why_not and status.intact:
        problems.append(why_not)
    return SignatureCheck(
        index=index,
        field_name=field_name,
        signer_name=name,
        signed_at=status.signer_reported_dt or claimed,
        timestamped_at=stamped_at,
        intact=bool(status.intact and status.valid),
        covers_whole=covers_whole,
        trusted=trusted,
        problems=tuple(problems),
    )


def verify_pdf(
    path_or_bytes: str | Path | bytes,
    *,
    trust_roots: Sequence[x509.Certificate | asn1_x509.Certificate] | None = None,
    archived_sha256: str | None = None,
) -> VerificationReport:
    """Check every signature of a PDF file (path or bytes); never raises on a bad file."""
    if isinstance(path_or_bytes, bytes | bytearray):
        data = bytes(path_or_bytes)
    else:
        try:
            data = Path(path_or_bytes).read_bytes()
        except OSError as exc:
            return VerificationReport(
                sha256=None,
                archived_sha256=archived_sha256,
                error=f"Fichier illisible : {path_or_bytes} ({exc.strerror or exc}).",
            )
    digest = hashlib.sha256(data).hexdigest()
    roots = [_as_asn1(c) for c in trust_roots or ()]

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        return VerificationReport(
            sha256=digest,
            archived_sha256=archived_sha256,
            error="Ce fichier n'est pas un document PDF.",
        )
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        reader.root  # noqa: B018 - forces the cross-reference table and catalogue to load
    except _READ_ERRORS as exc:
        log.warning("Unreadable PDF (%s)", exc)
        return VerificationReport(
            sha256=digest,
            archived_sha256=archived_sha256,
            error="Le fichier PDF est endommagé : sa structure ne peut pas être lue.",
        )
    try:
        embedded = list(reader.embedded_regular_signatures)
    except _READ_ERRORS as exc:
        # pyHanko parses every signature container here: one damaged container fails all.
        log.warning("Unreadable signature container (%s)", exc)
        return VerificationReport(
            sha256=digest,
            archived_sha256=archived_sha256,
            error=(
                "Une signature électronique du document est endommagée (illisible) : "
                "le fichier a été modifié ou abîmé après la signature."
            ),
        )

    async def _all() -> list[SignatureCheck]:
        return [await _check_one(i, sig, roots) for i, sig in enumerate(embedded, start=1)]

    try:
        checks = asyncio.run(_all())
    except _READ_ERRORS as exc:  # pragma: no cover - _check_one reports per signature
        log.warning("PDF signatures could not be checked (%s)", exc)
        return VerificationReport(
            sha256=digest,
            archived_sha256=archived_sha256,
            error="Le fichier PDF est endommagé : ses signatures ne peuvent pas être lues.",
        )
    notes: tuple[str, ...] = ()
    if checks and not roots:
        notes = ("Aucune autorité de confiance configurée : certificats non vérifiés.",)
    return VerificationReport(
        sha256=digest,
        signatures=tuple(checks),
        archived_sha256=archived_sha256,
        notes=notes,
    )


def parse_trust_roots(pem_text: str) -> list[x509.Certificate]:
    """The certificates pasted in the settings (PEM blocks); ValueError in French if one
    cannot be read."""
    blocks = re.findall(
        r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem_text or "", flags=re.S
    )
    if (pem_text or "").strip() and not blocks:
        raise ValueError("Aucun certificat au format PEM (-----BEGIN CERTIFICATE-----).")
    roots = []
    for n, block in enumerate(blocks, start=1):
        try:
            roots.append(x509.load_pem_x509_certificate(block.encode()))
        except ValueError as exc:
            raise ValueError(f"Le certificat n° {n} est illisible.") from exc
    return roots
