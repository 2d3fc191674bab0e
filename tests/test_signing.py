"""PAdES signature of letters and their verification, against a throw-away test PKI."""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from app.resources import resource_path
from app.services import signing
from app.services.errors import UserFacingError
from app.services.pdf_verify import verify_pdf
from app.services.signing import (
    LEVEL_B_B,
    LEVEL_B_T,
    SignatureError,
    SignerProfile,
    load_signer,
    sign_pdf,
)
from tests.clock import MOMENT
from tests.pki import (
    PASSPHRASE,
    SIGNER_NAME,
    TestPki,
    make_root,
    make_signer_cert,
    make_test_pki,
    make_tsa,
    write_p12,
)

CAPACITY = (
    "Pour le Président du Conseil départemental et par délégation, la responsable de la MDS d'Évry"
)
PAGE_W, PAGE_H = 595.27, 841.89
BOX = (320.0, 80.0, 570.0, 160.0)
SIGNED_AT = MOMENT - timedelta(hours=2)  # the test certificates are valid from MOMENT - 1 day


def _font_file() -> Path:
    bundled = resource_path("fonts", "DejaVuSans.ttf")
    return bundled if bundled.is_file() else Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def letter_pdf(pages: int = 1) -> bytes:
    """A small letter made with ReportLab, with accents, like the real ones."""
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(_font_file())))
    buf = BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    for n in range(pages):
        c.setFont("DejaVuSans", 11)
        c.drawString(72, 770, f"Décision d'attribution du Pack sortie — page {n + 1}")
        c.drawString(72, 750, "Montant accordé : 450,00 € ; échéancier mensuel ci-dessous.")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def profile(pki: TestPki) -> SignerProfile:
    return SignerProfile(pki.p12_path, "Marc Aubert", CAPACITY)


@pytest.fixture(scope="module")
def signer(profile: SignerProfile, pki: TestPki) -> signing.LoadedSigner:
    return load_signer(profile, pki.passphrase)


@pytest.fixture(scope="module")
def signed(signer: signing.LoadedSigner) -> signing.SignedPdf:
    return sign_pdf(
        letter_pdf(), signer, field_box=BOX, location="Évry-Courcouronnes", signed_at=SIGNED_AT
    )


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --------------------------------------------------------------------------- signing


def test_signature_is_pades_baseline_and_validates(signed: signing.SignedPdf, pki: TestPki) -> None:
    assert signed.level == LEVEL_B_B
    assert signed.signer_name == "Marc Aubert"
    assert signed.signed_at == SIGNED_AT
    assert signed.notes == ()
    assert signed.sha256 == hashlib.sha256(signed.data).hexdigest()

    reader = PdfFileReader(BytesIO(signed.data))
    (sig,) = reader.embedded_signatures
    assert sig.sig_object["/SubFilter"] == SigSeedSubFilter.PADES.value
    assert sig.sig_object["/Reason"] == "Décision administrative"
    assert sig.sig_object["/Location"] == "Évry-Courcouronnes"
    assert sig.self_reported_timestamp == SIGNED_AT

    signer_info = sig.signer_info
    attrs = {a["type"].native for a in signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attrs
    assert "signing_time" not in attrs  # PAdES: the claimed time is /M, not a CMS attribute
    embedded = {c.chosen.sha256 for c in sig.signed_data["certificates"]}
    signer_der = pki.signer_cert.public_bytes(Encoding.DER)
    assert asn1_x509.Certificate.load(signer_der).sha256 in embedded

    root = asn1_x509.Certificate.load(pki.root_cert.public_bytes(Encoding.DER))
    status = validate_pdf_signature(
        sig, ValidationContext(trust_roots=[root], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_visible_signature_box_on_the_page(signed: signing.SignedPdf) -> None:
    reader = PdfFileReader(BytesIO(signed.data))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    widgets = [a.get_object() for a in page["/Annots"]]
    (widget,) = [w for w in widgets if w.get("/FT") == "/Sig"]
    assert [float(v) for v in widget["/Rect"]] == list(BOX)
    assert widget["/T"] == "Signature1"
    assert "/N" in widget["/AP"]
    appearance = widget["/AP"]["/N"].get_object().data
    assert b"ActualText" in appearance


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_stamp_text_has_accents_and_stays_in_its_box(
    signed: signing.SignedPdf, tmp_path: Path
) -> None:
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed.data)
    x1, y1, x2, y2 = BOX

    def text(*crop: str) -> str:
        out = subprocess.run(
            ["pdftotext", "-layout", *crop, str(pdf), "-"],
            capture_output=True, check=True, text=True, encoding="utf-8",
        )  # fmt: skip
        return " ".join(out.stdout.split())

    local = SIGNED_AT.astimezone()
    inside = text(
        "-x", str(int(x1)), "-y", str(int(PAGE_H - y2)),
        "-W", str(int(x2 - x1)), "-H", str(int(y2 - y1)),
    )  # fmt: skip
    assert "Signé électroniquement par Marc Aubert" in inside
    assert "Pour le Président du Conseil départemental et par délégation," in inside
    assert "la responsable de la MDS d'Évry" in inside
    assert f"le {local:%d/%m/%Y} à {local:%H:%M}" in inside
    outside = text("-x", "0", "-y", "0", "-W", str(int(x1)), "-H", str(int(PAGE_H)))
    assert "électroniquement" not in outside


def _stamp_font(data: bytes) -> generic.DictionaryObject:
    reader = PdfFileReader(BytesIO(data))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    (widget,) = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    (font,) = widget["/AP"]["/N"].get_object()["/Resources"]["/Font"].values()
    return font.get_object()


def test_stamp_font_is_an_embedded_dejavu_subset(signed: signing.SignedPdf) -> None:
    font = _stamp_font(signed.data)
    assert font["/Subtype"] == "/TrueType"
    assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSans", font["/BaseFont"])
    assert len(font["/Widths"]) == font["/LastChar"] - font["/FirstChar"] + 1
    program = font["/FontDescriptor"]["/FontFile2"].get_object().data
    assert program[:4] == b"\x00\x01\x00\x00"  # a TrueType font program...
    assert len(program) < 60_000  # ...cut down to the stamp's glyphs (DejaVu Sans: 757 kB)
    to_unicode = font["/ToUnicode"].get_object().data
    assert b"<00E9>" in to_unicode and b"<00C9>" in to_unicode  # é, É


def test_stamp_with_characters_beyond_one_font_subset(pki: TestPki) -> None:
    """More distinct characters than a single-byte font holds, and some DejaVu Sans lacks:
    the extra ones show as missing glyphs, the letter is signed all the same."""
    capacity = "".join(chr(c) for c in range(0x100, 0x250)) + " 漢字 ✓"
    loaded = load_signer(SignerProfile(pki.p12_path, "Zoé Ŀ", capacity), pki.passphrase)
    result = sign_pdf(letter_pdf(), loaded, field_box=BOX)
    assert verify_pdf(result.data).ok
    assert _stamp_font(result.data)["/LastChar"] <= 255


def test_signing_needs_neither_fonttools_nor_harfbuzz(pki: TestPki, tmp_path: Path) -> None:
    """pyHanko is installed without its [opentype] extra: the stamp must not need it."""
    letter = tmp_path / "lettre.pdf"
    letter.write_bytes(letter_pdf())
    script = textwrap.dedent(
        """
        import sys

        class NoOpenType:
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in ("fontTools", "uharfbuzz"):
                    raise ModuleNotFoundError(f"blocked: {name}", name=name)

        sys.meta_path.insert(0, NoOpenType())
        from pathlib import Path
        from app.services.signing import SignerProfile, load_signer, sign_pdf

        p12, passphrase, letter = sys.argv[1:]
        signer = load_signer(SignerProfile(Path(p12), "Zoé Lefèvre", "Référente"), passphrase)
        signed = sign_pdf(Path(letter).read_bytes(), signer, field_box=(320, 80, 570, 160))
        assert signed.data.startswith(b"%PDF")
        print("signed without", [m for m in ("fontTools", "uharfbuzz") if m not in sys.modules])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(pki.p12_path), pki.passphrase, str(letter)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "signed without ['fontTools', 'uharfbuzz']" in done.stdout


def test_signature_on_another_page(signer: signing.LoadedSigner) -> None:
    result = sign_pdf(letter_pdf(pages=2), signer, field_box=(72, 72, 300, 140), page=1)
    reader = PdfFileReader(BytesIO(result.data))
    kids = reader.root["/Pages"]["/Kids"]
    assert "/Annots" not in kids[0].get_object()
    assert any(a.get_object().get("/FT") == "/Sig" for a in kids[1].get_object()["/Annots"])
    assert verify_pdf(result.data).ok


def test_signed_at_defaults_to_the_application_clock(signer: signing.LoadedSigner) -> None:
    result = sign_pdf(letter_pdf(), signer, field_box=BOX)
    assert result.signed_at == MOMENT
    assert result.signed_at.tzinfo is not None


def test_second_signature_gets_its_own_field(
    signed: signing.SignedPdf, signer: signing.LoadedSigner
) -> None:
    again = sign_pdf(signed.data, signer, field_box=(72, 80, 300, 160))
    assert again.field_name == "Signature2"
    report = verify_pdf(again.data)
    assert [s.intact for s in report.signatures] == [True, True]
    assert report.signatures[1].covers_whole


def test_bad_field_box_is_a_bug(signer: signing.LoadedSigner) -> None:
    with pytest.raises(ValueError):
        sign_pdf(letter_pdf(), signer, field_box=(300, 80, 100, 160))


def test_page_out_of_range_is_a_bug(signer: signing.LoadedSigner) -> None:
    with pytest.raises(ValueError, match="out of range"):
        sign_pdf(letter_pdf(), signer, field_box=BOX, page=3)


def test_non_pdf_input_cannot_be_signed(signer: signing.LoadedSigner) -> None:
    with pytest.raises(SignatureError) as err:
        sign_pdf(b"not a pdf at all", signer, field_box=BOX)
    assert "PDF" in err.value.message


def test_no_network_without_timestamp_url(signer: signing.LoadedSigner, no_network) -> None:
    result = sign_pdf(letter_pdf(), signer, field_box=BOX)
    assert result.level == LEVEL_B_B
    assert result.notes == ()


# --------------------------------------------------------------------------- loading


def test_wrong_passphrase(profile: SignerProfile) -> None:
    with pytest.raises(SignatureError) as err:
        load_signer(profile, "mauvaise phrase")
    assert isinstance(err.value, UserFacingError)
    assert err.value.message.startswith("Phrase secrète incorrecte")


def test_missing_passphrase(profile: SignerProfile) -> None:
    with pytest.raises(SignatureError, match="Phrase secrète incorrecte"):
        load_signer(profile, None)


def test_missing_file(tmp_path: Path) -> None:
    profile = SignerProfile(tmp_path / "absent.p12", "Marc Aubert", CAPACITY)
    with pytest.raises(SignatureError, match="introuvable"):
        load_signer(profile, PASSPHRASE)


def test_not_a_pkcs12_file(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.p12"
    bogus.write_bytes(b"this is no certificate")
    with pytest.raises(SignatureError, match="pas un certificat de signature lisible"):
        load_signer(SignerProfile(bogus, "Marc Aubert", CAPACITY), PASSPHRASE)


def test_expired_certificate_is_refused(tmp_path: Path) -> None:
    now = MOMENT
    pki = make_test_pki(
        tmp_path, not_before=now - timedelta(days=400), not_after=now - timedelta(days=2)
    )
    with pytest.raises(SignatureError, match="a expiré le") as err:
        load_signer(SignerProfile(pki.p12_path, "Marc Aubert", CAPACITY), pki.passphrase)
    assert (now - timedelta(days=2)).astimezone().strftime("%d/%m/%Y") in err.value.message


def test_not_yet_valid_certificate_is_refused(tmp_path: Path) -> None:
    now = MOMENT
    pki = make_test_pki(
        tmp_path, not_before=now + timedelta(days=3), not_after=now + timedelta(days=300)
    )
    with pytest.raises(SignatureError, match="pas encore valide"):
        load_signer(SignerProfile(pki.p12_path, "Marc Aubert", CAPACITY), pki.passphrase)


def test_certificate_expiring_after_load_is_refused_at_signing(
    signer: signing.LoadedSigner,
) -> None:
    with pytest.raises(SignatureError, match="a expiré"):
        sign_pdf(letter_pdf(), signer, field_box=BOX, signed_at=signer.not_after + timedelta(1))


def test_loaded_signer_describes_its_certificate(signer: signing.LoadedSigner) -> None:
    assert signer.common_name == SIGNER_NAME
    assert signer.display_name == "Marc Aubert"
    assert len(signer.fingerprint) == 64
    assert signer.not_before < MOMENT < signer.not_after


# --------------------------------------------------------------------------- time-stamping


class _TsaHandler(BaseHTTPRequestHandler):
    stamper: DummyTimeStamper
    release: threading.Event | None = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.release is not None:
            self.release.wait(5)
        response = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body))
        payload = response.dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def tsa_server(pki: TestPki) -> Iterator[tuple[str, type[_TsaHandler]]]:
    root_cert, root_key = make_root()  # same key and name as the pki's root (cached key)
    tsa_cert, tsa_key = make_tsa(root_cert, root_key)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        ),
    )
    handler = type("Handler", (_TsaHandler,), {"stamper": stamper, "release": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", handler
    if handler.release is not None:
        handler.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def _with_url(signer: signing.LoadedSigner, url: str) -> signing.LoadedSigner:
    profile = SignerProfile(signer.profile.pkcs12_path, "Marc Aubert", CAPACITY, url)
    return load_signer(profile, PASSPHRASE)


def test_timestamp_server_gives_pades_b_t(signer, tsa_server, pki: TestPki) -> None:
    url, _handler = tsa_server
    result = sign_pdf(letter_pdf(), _with_url(signer, url), field_box=BOX)
    assert result.level == LEVEL_B_T
    assert result.notes == ()
    report = verify_pdf(result.data, trust_roots=[pki.root_cert])
    assert report.ok and report.all_trusted, report.as_text()
    assert report.signatures[0].timestamped_at is not None
    assert "horodatée le" in report.as_text()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_timestamp_server_falls_back_to_b_b(signer) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/tsa"
    result = sign_pdf(letter_pdf(), _with_url(signer, url), field_box=BOX)
    assert result.level == LEVEL_B_B
    assert "Horodatage non obtenu" in result.notes[0]
    assert verify_pdf(result.data).ok


def test_slow_timestamp_server_does_not_block(
    signer, tsa_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = tsa_server
    handler.release = threading.Event()  # the server never answers in time
    monkeypatch.setattr(signing, "TIMESTAMP_TIMEOUT_S", 0.5)
    loaded = _with_url(signer, url)
    started = time.monotonic()
    result = sign_pdf(letter_pdf(), loaded, field_box=BOX)
    assert time.monotonic() - started < 3  # gave up at the timeout instead of hanging
    assert result.level == LEVEL_B_B
    assert result.notes


# --------------------------------------------------------------------------- verification


def test_verify_trusted_signature(signed: signing.SignedPdf, pki: TestPki) -> None:
    report = verify_pdf(signed.data, trust_roots=[pki.root_cert])
    assert report.ok and not report.unsigned and report.all_trusted
    (sig,) = report.signatures
    assert sig.signer_name == "Marc Aubert"
    assert sig.signed_at == SIGNED_AT
    assert sig.intact and sig.covers_whole and sig.trusted
    local = SIGNED_AT.astimezone()
    assert report.as_text().splitlines()[0] == (
        f"Signature 1 : Marc Aubert — signée le {local:%d/%m/%Y} à {local:%H:%M} — intègre "
        "— couvre tout le document — certificat reconnu"
    )


def test_verify_from_a_path(signed: signing.SignedPdf, tmp_path: Path, pki: TestPki) -> None:
    file = tmp_path / "lettre.pdf"
    file.write_bytes(signed.data)
    report = verify_pdf(file, trust_roots=[pki.root_cert])
    assert report.ok
    assert report.sha256 == signed.sha256


def test_unknown_authority(signed: signing.SignedPdf) -> None:
    other_root, _ = make_root("Autre autorité", label="other")
    report = verify_pdf(signed.data, trust_roots=[other_root])
    assert report.ok  # intact and whole, only the trust is missing
    assert not report.signatures[0].trusted
    assert "certificat non vérifié (autorité inconnue)" in report.as_text()


def test_archive_hash_match_and_mismatch(signed: signing.SignedPdf) -> None:
    good = verify_pdf(signed.data, archived_sha256=signed.sha256.upper())
    assert good.matches_archive is True and good.ok
    assert "— conforme à l'archive" in good.as_text()
    bad = verify_pdf(signed.data, archived_sha256="0" * 64)
    assert bad.matches_archive is False and not bad.ok
    assert "— DIFFÉRENTE de l'archive" in bad.as_text()
    assert verify_pdf(signed.data).matches_archive is None


def _flip(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def test_one_byte_changed_in_the_signed_content(signed: signing.SignedPdf) -> None:
    offset = signed.data.index(b"/MediaBox") + 2  # inside the first signed byte range
    report = verify_pdf(_flip(signed.data, offset), archived_sha256=signed.sha256)
    assert not report.ok
    assert report.matches_archive is False
    assert report.signatures and not report.signatures[0].intact
    assert "NON INTÈGRE" in report.as_text()


def test_one_byte_changed_in_the_trailing_area(signed: signing.SignedPdf) -> None:
    # the end of the file (xref, trailer of the signed revision) is in the last byte range
    for offset in (len(signed.data) - 40, len(signed.data) - 3):
        report = verify_pdf(_flip(signed.data, offset), archived_sha256=signed.sha256)
        assert not report.ok, offset
        assert report.matches_archive is False


def test_one_byte_changed_in_the_signature_container(signed: signing.SignedPdf) -> None:
    start = signed.data.index(b"/Contents <") + len(b"/Contents <")
    report = verify_pdf(_flip(signed.data, start + 2000), archived_sha256=signed.sha256)
    assert not report.ok and report.matches_archive is False
    # depending on the byte, the container no longer parses or no longer verifies
    assert (report.error and "signature" in report.error) or not report.signatures[0].intact


def test_one_byte_changed_in_the_signature_padding(signed: signing.SignedPdf) -> None:
    # The /Contents hex string is the one part no signature covers: the archive hash does.
    start = signed.data.index(b"/Contents <") + len(b"/Contents <")
    end = signed.data.index(b">", start)
    offset = end - 10  # zero padding after the CMS container
    report = verify_pdf(_flip(signed.data, offset), archived_sha256=signed.sha256)
    assert report.matches_archive is False
    assert not report.ok


def test_bytes_appended_after_signing(signed: signing.SignedPdf) -> None:
    report = verify_pdf(signed.data + b"\n% added later\n")
    assert not report.ok


def test_unsigned_pdf() -> None:
    report = verify_pdf(letter_pdf())
    assert report.unsigned and not report.ok
    assert "Aucune signature électronique" in report.as_text()
    assert "NON signé" in report.as_text()


@pytest.mark.parametrize(
    "data", [b"", b"hello, not a PDF", b"%PDF-1.7\n garbage without structure"]
)
def test_not_a_pdf(data: bytes) -> None:
    report = verify_pdf(data)
    assert not report.ok and report.error
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert "vérification impossible" in report.as_text()


def test_missing_file_report(tmp_path: Path) -> None:
    report = verify_pdf(tmp_path / "absent.pdf")
    assert not report.ok
    assert report.error and report.error.startswith("Fichier illisible")
    assert report.sha256 is None


def test_truncated_signed_pdf(signed: signing.SignedPdf) -> None:
    report = verify_pdf(signed.data[: len(signed.data) // 2])
    assert not report.ok


def test_expired_certificate_still_trusted_at_signing_time(tmp_path: Path) -> None:
    """An archived letter stays verifiable after its signer's certificate expired."""
    now = MOMENT
    root_cert, root_key = make_root()
    cert, key = make_signer_cert(
        root_cert, root_key, not_before=now - timedelta(days=400), not_after=now - timedelta(1)
    )
    p12 = write_p12(tmp_path / "old.p12", cert, key, PASSPHRASE, chain=[root_cert])
    old = load_signer(
        SignerProfile(p12, "Marc Aubert", CAPACITY), PASSPHRASE, now=now - timedelta(days=30)
    )
    letter = sign_pdf(letter_pdf(), old, field_box=BOX, signed_at=now - timedelta(days=30))
    report = verify_pdf(letter.data, trust_roots=[root_cert])
    assert report.ok and report.signatures[0].trusted, report.as_text()
    assert "expiré depuis" in report.as_text()


# --------------------------------------------------------------------------- poppler


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) not installed")
def test_pdfsig_accepts_the_signature(signed: signing.SignedPdf, tmp_path: Path) -> None:
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed.data)
    out = subprocess.run(
        ["pdfsig", "-nocert", str(pdf)], capture_output=True, text=True, encoding="utf-8"
    )
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr
    assert "Total document signed" in out.stdout
    assert "ETSI.CAdES.detached" in out.stdout


def test_trusted_authorities_from_the_settings(tmp_path):
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.services.pdf_verify import parse_trust_roots
    from tests.pki import make_test_pki

    pki = make_test_pki(tmp_path)
    pem = pki.root_cert.public_bytes(Encoding.PEM).decode()
    assert parse_trust_roots("") == []
    assert parse_trust_roots(f"Autorité du Département\n{pem}\n{pem}") == [pki.root_cert] * 2
    with pytest.raises(ValueError, match="PEM"):
        parse_trust_roots("n'importe quoi")
    broken = pem.replace(pem.splitlines()[3], "A" * 64)
    with pytest.raises(ValueError, match="illisible"):
        parse_trust_roots(broken)
