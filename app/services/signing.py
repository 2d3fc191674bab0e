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
  subset by ReportLab rather than pyHanko's fontTools/HarfBuzz extra (see ``_StampFont``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
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
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.pdf_utils.xref import ObjectStream
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.stamp import TextStampStyle
from reportlab.pdfbase.ttfonts import TTFontFile

from app.resources import resource_path
from app.services import clock
from app.services.errors import UserFacingError

log = logging.getLogger(__name__)

LEVEL_B_B = "PAdES B-B"
LEVEL_B_T = "PAdES B-T"
DEFAULT_REASON = "Décision administrative"
TIMESTAMP_TIMEOUT_S = 3.0
MD_ALGORITHM = "sha256"
# Room for a time-stamp token (TSA certificate chain included), in hex digits.
_TIMESTAMP_RESERVE = 2 * 16_384


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


# --------------------------------------------------------------------------- profile & signer


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


def _fmt_date(moment: datetime) -> str:
    return moment.astimezone().strftime("%d/%m/%Y")


def _check_validity(cert: x509.Certificate, path: Path, now: datetime) -> None:
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
    _check_validity(cert, path, moment)
    _check_key_usage(cert, path)

    try:
        base = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret)
    except ValueError as exc:  # pragma: no cover - cryptography accepted the same bytes above
        raise SignatureError(
            f"Le certificat « {path.name} » ne peut pas être utilisé pour signer.",
            detail=str(exc),
        ) from exc
    _stamp_font()  # first use parses the font (~0.1 s): do it now, not at the first letter
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


# --------------------------------------------------------------------------- stamp font


class _StampFont(FontEngineFactory):
    """DejaVu Sans, parsed once by ReportLab (metrics for line wrapping, glyph subsetting).

    Each signature gets a :class:`_StampFontEngine`, which embeds a subset of the glyphs its
    stamp uses. ReportLab's TrueType code (already used for the letters) replaces pyHanko's
    ``[opentype]`` extra (fontTools, HarfBuzz): the stamp needs no shaping or kerning, only
    advances and a subset, and the frozen application is about 6 MB smaller.
    """

    def __init__(self, font_file: Path) -> None:
        self._ttf = TTFontFile(str(font_file), validate=0)
        self.ps_name = bytes(self._ttf.name).decode("ascii")
        self._widths: dict[int, float] = self._ttf.charWidths  # per 1000 units of text space
        self._default_width = float(self._ttf.defaultWidth)
        self._subset_lock = threading.Lock()
        self._subsets: dict[tuple[int, ...], bytes] = {}

    def has_glyph(self, char: str) -> bool:
        return ord(char) in self._ttf.charToGlyph

    def advance(self, text: str) -> float:
        """Width of ``text`` in thousandths of the font size."""
        return sum(self._widths.get(ord(char), self._default_width) for char in text)

    def char_width(self, codepoint: int) -> float:
        return self._widths.get(codepoint, self._default_width)

    def width(self, text: str, size: float) -> float:
        return self.advance(text) * size / 1000

    def wrap(self, text: str, size: float, max_width: float) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if current and self.width(candidate, size) > max_width:
                lines.append(current)
                current = word
            else:
                current = candidate
        if current:
            lines.append(current)
        return lines

    def subset(self, codepoints: tuple[int, ...]) -> bytes:
        """A TrueType font whose character code ``i`` draws ``codepoints[i]``; kept for the
        next signatures (the same signer gives the same characters, but for the date)."""
        with self._subset_lock:  # ReportLab's parser reads its data through a cursor
            font = self._subsets.get(codepoints)
            if font is None:
                if len(self._subsets) >= 64:
                    self._subsets.clear()
                font = self._subsets[codepoints] = self._ttf.makeSubset(list(codepoints))
            return font

    def descriptor(self, font_name: str) -> generic.DictionaryObject:
        ttf = self._ttf
        flags = (ttf.flags & ~_FONT_NONSYMBOLIC) | _FONT_SYMBOLIC  # own encoding: symbolic
        return generic.DictionaryObject(
            {
                _name("/Type"): _name("/FontDescriptor"),
                _name("/FontName"): _name("/" + font_name),
                _name("/Flags"): generic.NumberObject(flags),
                _name("/FontBBox"): generic.ArrayObject(
                    generic.NumberObject(round(v)) for v in ttf.bbox
                ),
                _name("/ItalicAngle"): generic.NumberObject(round(ttf.italicAngle)),
                _name("/Ascent"): generic.NumberObject(round(ttf.ascent)),
                _name("/Descent"): generic.NumberObject(round(ttf.descent)),
                _name("/CapHeight"): generic.NumberObject(round(ttf.capHeight)),
                _name("/StemV"): generic.NumberObject(round(ttf.stemV)),
                _name("/MissingWidth"): generic.NumberObject(round(self._default_width)),
            }
        )

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: ObjectStream | None = None
    ) -> _StampFontEngine:
        return _StampFontEngine(self, writer, obj_stream)


_FONT_SYMBOLIC = 1 << 2
_FONT_NONSYMBOLIC = 1 << 5
# Character codes of the stamp's simple font: printable ASCII keeps its own code (readable
# content streams), any other character takes the next free one. 255 characters at most,
# far more than a stamp of three short paragraphs holds.
_FREE_CODES = [*range(0x80, 0x100), *range(0x01, 0x20), 0x7F]


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


class _StampFontEngine(FontEngine):
    """The stamp font of one signature: a simple TrueType font (single-byte codes, its own
    cmap, so no /Encoding) embedding the glyphs used, with a ToUnicode map and each line
    marked with its /ActualText, so that the stamp can be copied and searched."""

    def __init__(
        self, font: _StampFont, writer: BasePdfFileWriter, obj_stream: ObjectStream | None = None
    ) -> None:
        super().__init__(writer, font.ps_name, embedded_subset=True, obj_stream=obj_stream)
        self._font = font
        self._codes: dict[str, int] = {}
        self._free = iter(_FREE_CODES)
        self._ref = writer.allocate_placeholder()
        self._written = False

    @property
    def uses_complex_positioning(self) -> bool:
        return False  # one Tj per line, no positioning: pyHanko goes to the next line with T*

    def _code(self, char: str) -> int:
        code = self._codes.get(char)
        if code is None:
            if not self._font.has_glyph(char):
                return 0  # .notdef, as any viewer would show it
            code = ord(char) if 0x20 <= ord(char) < 0x7F else next(self._free, 0)
            if code:
                self._codes[char] = code
        return code

    def shape(self, txt: str) -> ShapeResult:
        if not txt:
            return ShapeResult(b"", 0, 0)
        codes = bytes(self._code(char) for char in txt)
        ops = BytesIO()
        ops.write(b"/Span ")
        generic.DictionaryObject(
            {_name("/ActualText"): generic.TextStringObject(txt)}
        ).write_to_stream(ops)
        ops.write(b" BDC <" + codes.hex().encode("ascii") + b"> Tj EMC")
        return ShapeResult(
            graphics_ops=ops.getvalue(), x_advance=self._font.advance(txt) / 1000, y_advance=0
        )

    def as_resource(self) -> generic.IndirectObject:
        return self._ref

    def prepare_write(self) -> None:
        if self._written:
            return
        self._written = True
        by_code = {code: ord(char) for char, code in self._codes.items()}
        first, last = min(by_code, default=0x20), max(by_code, default=0x20)
        codepoints = tuple(by_code.get(code, 0) for code in range(last + 1))
        font_file = self._font.subset(codepoints)
        font_name = f"{self.subset_prefix}+{self._font.ps_name}"
        writer, obj_stream = self.writer, self.obj_stream

        stream = generic.StreamObject(
            {_name("/Length1"): generic.NumberObject(len(font_file))}, stream_data=font_file
        )
        stream.compress()
        descriptor = self._font.descriptor(font_name)
        descriptor[_name("/FontFile2")] = writer.add_object(stream)
        widths = [
            round(self._font.char_width(by_code[code])) if code in by_code else 0
            for code in range(first, last + 1)
        ]
        font = generic.DictionaryObject(
            {
                _name("/Type"): _name("/Font"),
                _name("/Subtype"): _name("/TrueType"),
                _name("/BaseFont"): _name("/" + font_name),
                _name("/FirstChar"): generic.NumberObject(first),
                _name("/LastChar"): generic.NumberObject(last),
                _name("/Widths"): generic.ArrayObject(generic.NumberObject(w) for w in widths),
                _name("/FontDescriptor"): writer.add_object(descriptor, obj_stream),
                _name("/ToUnicode"): writer.add_object(_to_unicode(by_code)),
            }
        )
        writer.add_object(font, obj_stream, idnum=self._ref.idnum)


def _to_unicode(by_code: dict[int, int]) -> generic.StreamObject:
    """ToUnicode CMap of a single-byte font (bfchar blocks of at most 100 entries)."""
    pairs = [
        f"<{code:02X}> <{chr(cp).encode('utf-16-be').hex().upper()}>"
        for code, cp in sorted(by_code.items())
    ]
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<00> <FF>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )
    stream = generic.StreamObject(stream_data=cmap.encode("ascii"))
    stream.compress()
    return stream


_font_lock = threading.Lock()
_font_cache: dict[Path, _StampFont] = {}


def stamp_font_path() -> Path:
    return resource_path("fonts", "DejaVuSans.ttf")


def _stamp_font() -> _StampFont:
    path = stamp_font_path()
    with _font_lock:
        font = _font_cache.get(path)
        if font is None:
            if not path.is_file():
                raise RuntimeError(f"Bundled font missing: {path}")
            font = _font_cache[path] = _StampFont(path)
        return font


# --------------------------------------------------------------------------- signing

_STAMP_MARGIN = 4
_MAX_FONT_SIZE = 8
_MIN_FONT_SIZE = 5
_LEADING = {8: 10, 7: 9, 6: 8, 5: 6}  # pyHanko's layout wants whole numbers


def stamp_lines(name: str, capacity: str, moment: datetime) -> list[str]:
    """The text of the visible signature, before wrapping (one paragraph per item)."""
    local = moment.astimezone()
    lines = [f"Signé électroniquement par {name}"]
    if capacity.strip():
        lines.append(capacity.strip())
    lines.append(f"le {local:%d/%m/%Y} à {local:%H:%M}")
    return lines


def _layout_stamp(
    font: _StampFont, paragraphs: list[str], width: float, height: float
) -> tuple[str, int]:
    """Wrap the paragraphs to the box; the largest size that fits, down to a readable minimum."""
    inner_w = max(width - 2 * _STAMP_MARGIN, 10.0)
    inner_h = max(height - 2 * _STAMP_MARGIN, 10.0)
    size = _MAX_FONT_SIZE
    while True:
        lines = [line for p in paragraphs for line in font.wrap(p, size, inner_w)]
        if len(lines) * _LEADING[size] <= inner_h or size <= _MIN_FONT_SIZE:
            # Below the minimum, pyHanko's shrink-to-fit scales the block into the box.
            return "\n".join(lines), size
        size -= 1


def _stamp_style(font: _StampFont, size: int) -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(body)s",
        border_width=1,
        text_box_style=TextBoxStyle(
            font=font,
            font_size=size,
            leading=_LEADING[size],
            # the only margins are those of inner_content_layout (what _layout_stamp assumes)
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(),
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(_STAMP_MARGIN),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


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
    _check_validity(signer.certificate, Path(signer.profile.pkcs12_path), moment)

    font = _stamp_font()
    name = unicodedata.normalize("NFC", signer.display_name)
    capacity = unicodedata.normalize("NFC", signer.profile.capacity)
    text, size = _layout_stamp(font, stamp_lines(name, capacity, moment), x2 - x1, y2 - y1)
    style = _stamp_style(font, size)

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
