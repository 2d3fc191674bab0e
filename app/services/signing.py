"""Electronic signature of decision letters: PAdES baseline, visible stamp (CRPA L212-3).

The validator's certificate is a PKCS#12 file (``.p12``/``.pfx``) protected by a passphrase.
:func:`load_signer` opens it once (the UI or a batch keeps the :class:`LoadedSigner`), then
:func:`sign_pdf` signs any number of letters in memory:

* PAdES baseline B-B: ``/SubFilter /ETSI.CAdES.detached``, signing certificate embedded,
  ``signing-certificate-v2`` signed attribute; the claimed signing time is the ``/M`` entry
  of the signature dictionary (PAdES forbids the CMS ``signing-time`` attribute);
* PAdES B-T when the profile names a time-stamping server *and* it answers within
  :data:`TIMESTAMP_TIMEOUT_S`; otherwise B-B with a note: an office working offline is never
  blocked, and no network call is made when no server is configured;
* a visible signature box on the page: "Signé électroniquement par …", the capacity of the
  signer and the date, in DejaVu Sans (embedded subset, so accents render everywhere),
  subset by ReportLab rather than pyHanko's fontTools/HarfBuzz extra.

This module signs (:func:`sign_pdf`) and is the public face of the others: the certificate
in ``signing_certificate``, the stamp's text and look in ``signing_stamp``, its font in
``signing_font``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from app.services import clock
from app.services.signing_certificate import (
    MD_ALGORITHM,
    LoadedSigner,
    SignatureError,
    SignerProfile,
    check_validity,
    load_signer,
)
from app.services.signing_font import stamp_font_path
from app.services.signing_stamp import stamp_appearance, stamp_lines

__all__ = [
    "DEFAULT_REASON",
    "LEVEL_B_B",
    "LEVEL_B_T",
    "MD_ALGORITHM",
    "TIMESTAMP_TIMEOUT_S",
    "LoadedSigner",
    "SignatureError",
    "SignedPdf",
    "SignerProfile",
    "load_signer",
    "sign_pdf",
    "stamp_font_path",
    "stamp_lines",
]

log = logging.getLogger(__name__)

LEVEL_B_B = "PAdES B-B"
LEVEL_B_T = "PAdES B-T"
DEFAULT_REASON = "Décision administrative"
TIMESTAMP_TIMEOUT_S = 3.0
# Room for a time-stamp token (TSA certificate chain included), in hex digits.
_TIMESTAMP_RESERVE = 2 * 16_384


@dataclass(frozen=True)
class SignedPdf:
    data: bytes = field(repr=False)
    signer_name: str
    signed_at: datetime
    level: str  # LEVEL_B_B or LEVEL_B_T
    field_name: str
    notes: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _next_field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(writer.prev)}
    n = len(taken) + 1
    while f"Signature{n}" in taken:
        n += 1
    return f"Signature{n}"


async def _sign_async(
    writer: IncrementalPdfFileWriter,
    pdf_signer: signers.PdfSigner,
    system_time: datetime,
    bytes_reserved: int,
    text_params: dict[str, str],
) -> bytes:
    """pyHanko's ``async_sign_pdf`` with our own claimed signing time (``/M``)."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = system_time
    tbs = session.prepare_tbs_document(
        validation_info=None, bytes_reserved=bytes_reserved, appearance_text_params=text_params
    )
    output = BytesIO()
    prepared, _ = tbs.digest_tbs_document(output=output)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=system_time),
    )
    await post.post_signature_processing(output)
    return output.getvalue()


def _open_writer(pdf_bytes: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SignatureError(
            "Le document à signer n'est pas un PDF lisible : la lettre n'a pas été signée.",
            detail=str(exc),
        ) from exc


def sign_pdf(
    pdf_bytes: bytes,
    signer: LoadedSigner,
    *,
    field_box: tuple[float, float, float, float],
    page: int = 0,
    reason: str = DEFAULT_REASON,
    location: str = "",
    signed_at: datetime | None = None,
) -> SignedPdf:
    """Sign ``pdf_bytes`` (PAdES B-B, or B-T when a time-stamp server answers).

    ``field_box`` is (x1, y1, x2, y2) in PDF points on page ``page`` (0 = first page); the
    visible signature is drawn there. ``signed_at`` defaults to now (local time). Raises
    :class:`SignatureError` (French) when the document or the certificate cannot be used,
    ``ValueError`` for a bad box or page index (a bug of the caller).
    """
    x1, y1, x2, y2 = (float(v) for v in field_box)
    if not (x2 > x1 and y2 > y1):
        raise ValueError(f"field_box must be (x1, y1, x2, y2) with x2 > x1, y2 > y1: {field_box}")
    moment = (signed_at or clock.now()).astimezone()
    check_validity(signer.certificate, Path(signer.profile.pkcs12_path), moment)

    name = unicodedata.normalize("NFC", signer.display_name)
    capacity = unicodedata.normalize("NFC", signer.profile.capacity)
    text, style = stamp_appearance(name, capacity, moment, x2 - x1, y2 - y1)

    def attempt(timestamper: timestamps.TimeStamper | None) -> tuple[bytes, str]:
        writer = _open_writer(pdf_bytes)
        pages = int(writer.root["/Pages"]["/Count"])
        if not 0 <= page < pages:
            raise ValueError(f"page {page} out of range: the document has {pages} page(s)")
        field_name = _next_field_name(writer)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm=MD_ALGORITHM,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer._signer,
            timestamper=timestamper,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=page,
                box=(x1, y1, x2, y2),  # type: ignore[arg-type]
            ),
        )
        reserve = signer.bytes_reserved + (_TIMESTAMP_RESERVE if timestamper else 0)
        data = asyncio.run(_sign_async(writer, pdf_signer, moment, reserve, {"body": text}))
        return data, field_name

    notes: list[str] = []
    try:
        url = (signer.profile.timestamp_url or "").strip()
        if url:
            try:
                data, field_name = attempt(
                    timestamps.HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT_S)
                )
                return SignedPdf(data, name, moment, LEVEL_B_T, field_name)
            except (OSError, TimeoutError, SigningError) as exc:
                # TimestampRequestError is an OSError; SigningError: e.g. a token too large.
                log.warning("Time-stamping via %s failed (%s): signing without it", url, exc)
                notes.append(
                    "Horodatage non obtenu (serveur d'horodatage injoignable) : "
                    "signature sans horodatage (PAdES B-B)."
                )
        data, field_name = attempt(None)
    except (PdfError, SigningError, KeyError, IndexError) as exc:
        raise SignatureError(
            "Le document n'a pas pu être signé (structure du PDF inattendue).",
            detail=str(exc),
        ) from exc
    return SignedPdf(data, name, moment, LEVEL_B_B, field_name, tuple(notes))
