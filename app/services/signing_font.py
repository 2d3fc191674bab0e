"""The font of the visible signature: DejaVu Sans, embedded as a subset of the glyphs each
stamp uses, subset by ReportLab rather than pyHanko's fontTools/HarfBuzz extra (see
:class:`StampFont`)."""

from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.pdf_utils.xref import ObjectStream
from reportlab.pdfbase.ttfonts import TTFontFile

from app.resources import resource_path


class StampFont(FontEngineFactory):
    """DejaVu Sans, parsed once by ReportLab (metrics for line wrapping, glyph subsetting).

    Each signature gets a :class:`StampFontEngine`, which embeds a subset of the glyphs its
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
    ) -> StampFontEngine:
        return StampFontEngine(self, writer, obj_stream)


_FONT_SYMBOLIC = 1 << 2
_FONT_NONSYMBOLIC = 1 << 5
# Character codes of the stamp's simple font: printable ASCII keeps its own code (readable
# content streams), any other character takes the next free one. 255 characters at most,
# far more than a stamp of three short paragraphs holds.
_FREE_CODES = [*range(0x80, 0x100), *range(0x01, 0x20), 0x7F]


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


class StampFontEngine(FontEngine):
    """The stamp font of one signature: a simple TrueType font (single-byte codes, its own
    cmap, so no /Encoding) embedding the glyphs used, with a ToUnicode map and each line
    marked with its /ActualText, so that the stamp can be copied and searched."""

    def __init__(
        self, font: StampFont, writer: BasePdfFileWriter, obj_stream: ObjectStream | None = None
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
_font_cache: dict[Path, StampFont] = {}


def stamp_font_path() -> Path:
    return resource_path("fonts", "DejaVuSans.ttf")


def stamp_font() -> StampFont:
    path = stamp_font_path()
    with _font_lock:
        font = _font_cache.get(path)
        if font is None:
            if not path.is_file():
                raise RuntimeError(f"Bundled font missing: {path}")
            font = _font_cache[path] = StampFont(path)
        return font
