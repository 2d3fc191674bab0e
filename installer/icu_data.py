"""Shrink Qt's ICU data library (Linux only) to what Pack Sortie needs: 32 MB -> about 4.7 MB.

PySide6's Linux wheels ship ICU 73, whose ``libicudata.so.73`` is nothing but one exported
symbol, ``icudt73_dat``: an ICU *common data package* (a table of contents followed by
about 3,900 items). Qt 6 reads very little of it: its own CLDR tables do the locale
formatting, and libQt6Core imports only ICU's converters (``ucnv_*``, QStringConverter for
codecs it does not implement itself), collation (``ucol_*``, QCollator and
QString::localeAwareCompare), locale-aware case mapping (``u_strToUpper``/``u_strToLower``)
and calendar/time-zone names (``ucal_*``, QTimeZone). Check with
``nm -D --undefined-only libQt6Core.so.6 | grep _73``.

The reduced package keeps (see :func:`keep_item`):

* every item that is not locale data (normalisation, properties, alias tables, time zones,
  likely subtags, pools shared by the locale files, break-iterator rules...);
* locale data of root, French and English only (every tree: collation, zones, currencies,
  languages, regions, units, number spell-out, break iterators);
* every single-byte converter (Windows-125x, ISO-8859-x, DOS and Mac code pages, EBCDIC:
  139 tables, 0.4 MB); UTF-8/16/32, Latin-1 and ASCII are built into ICU's code;

and leaves out what Qt cannot reach or a French application does not need: the multi-byte
East Asian converters (4.7 MB), the break-iterator dictionaries for Chinese/Japanese, Thai,
Lao, Khmer and Burmese (3 MB), transliteration rules (1 MB), Unicode character names and
confusables, and the locale data of the ~200 other languages (18 MB). A locale that is not
kept falls back to root, as ICU does for any locale it lacks (so on a workstation set to,
say, Chinese, QString::localeAwareCompare sorts Latin text in root order, not Chinese order).

It then rebuilds a shared library with the same SONAME exporting the same symbol (an
assembler ``.incbin``, GNU binutils ``as`` and ``ld``, which PyInstaller already needs on
Linux). The original library has no symbol versioning, so none is added.

The spec calls :func:`reduced_library` for the ``libicudata.so.*`` entry it collects; the
result is cached under ``build/icu-data/`` (keyed on the source library and this file).
By hand::

    python installer/icu_data.py .venv/lib/python3.12/site-packages/PySide6/Qt/lib/libicudata.so.73
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

# Locale data kept besides root: the application's language, and English (the system locale
# of most build and CI machines, and the language of time-zone names Qt may ask for).
KEPT_LANGUAGES = frozenset({"fr", "en"})
# Never reached through the ICU functions Qt calls.
DROPPED_TREES = frozenset({"translit"})  # Transliterator rules
DROPPED_FILES = frozenset({"unames.icu", "confusables.cfu"})  # u_charName, uspoof
DROPPED_SUFFIXES = (".dict",)  # dictionary-based word breaking (CJK, Thai, Lao, Khmer, Burmese)

# A locale file: a language, then script, region or variant subtags, which start with a
# capital or a digit (fr_CA, sr_Latn, en_001, en_US_POSIX) or are empty (de__PHONEBOOK);
# so res_index.res (the list of a tree's locales) is not one.
_LOCALE_FILE = re.compile(r"^([a-z]{2,3})(?:_(?:[A-Z0-9][A-Za-z0-9]*)?)*\.res$")
_SYMBOL = re.compile(rb"^icudt\d+_dat$")
_ALIGN = 16


class IcuDataError(RuntimeError):
    """The library is not what this script expects (format, symbol) or a tool failed."""


# --- ELF: find the data symbol ------------------------------------------------------------


def _elf_sections(elf: bytes) -> list[tuple[int, int, int, int, int, int]]:
    """(type, addr, offset, size, link, entsize) of each section of a 64-bit LE ELF file."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise IcuDataError("not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = []
    for i in range(shnum):
        _name, kind, _flags, addr, offset, size, link, _info, _align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", elf, shoff + i * shentsize
        )
        sections.append((kind, addr, offset, size, link, entsize))
    return sections


def _cstring(data: bytes, offset: int) -> bytes:
    return data[offset : data.index(b"\0", offset)]


def read_library(path: Path) -> tuple[str, str, bytes]:
    """(SONAME, data symbol, data package) of an ICU data library."""
    elf = path.read_bytes()
    sections = _elf_sections(elf)
    SHT_DYNSYM, SHT_DYNAMIC, DT_SONAME = 11, 6, 14
    soname = symbol = None
    blob = b""
    for kind, _addr, offset, size, link, entsize in sections:
        strtab = sections[link]
        strings = elf[strtab[2] : strtab[2] + strtab[3]]
        if kind == SHT_DYNAMIC:
            for pos in range(offset, offset + size, entsize):
                tag, value = struct.unpack_from("<qQ", elf, pos)
                if tag == DT_SONAME:
                    soname = _cstring(strings, value).decode()
        if kind != SHT_DYNSYM:
            continue
        for pos in range(offset, offset + size, entsize):
            st_name, _info, _other, shndx, value, length = struct.unpack_from("<IBBHQQ", elf, pos)
            name = _cstring(strings, st_name)
            if _SYMBOL.match(name) and shndx:
                _k, sec_addr, sec_offset, _s, _l, _e = sections[shndx]
                start = sec_offset + value - sec_addr
                symbol, blob = name.decode(), elf[start : start + length]
    if not (soname and symbol and blob):
        raise IcuDataError(f"{path}: no SONAME or no icudtNN_dat symbol: not ICU's data library")
    return soname, symbol, blob


# --- ICU common data package (format "CmnD") ----------------------------------------------


def parse_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(item name, item bytes)...]) of an ICU common data package.

    Layout: a standard ICU data header (``headerSize``, magic 0xda 0x27, UDataInfo with the
    format "CmnD"), then a table of contents relative to its own start: ``uint32 count``,
    ``count`` pairs ``(uint32 nameOffset, uint32 dataOffset)`` sorted by name, the names
    (NUL-terminated, e.g. ``icudt73l/coll/fr.res``), and the items, each one an ICU data
    file with its own header.
    """
    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD":
        raise IcuDataError("not an ICU common data package (CmnD)")
    if blob[8] != 0:  # UDataInfo.isBigEndian
        raise IcuDataError("big-endian ICU data is not supported")
    toc = blob[header_size:]
    count = struct.unpack_from("<I", toc, 0)[0]
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_offset, data_offset) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(toc)
        items.append((_cstring(toc, name_offset).decode("ascii"), toc[data_offset:end]))
    return blob[:header_size], items


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % _ALIGN)


def build_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The inverse of :func:`parse_package`; items keep their (sorted) order and are
    16-aligned (ICU's items are already padded to 16 bytes: nothing is added to them)."""
    names = [name.encode("ascii") + b"\0" for name, _ in items]
    toc_size = 4 + 8 * len(items)
    names_size = sum(len(n) for n in names)
    data_start = toc_size + names_size + (-(len(header) + toc_size + names_size) % _ALIGN)
    entries, name_offset, data_offset = [], toc_size, data_start
    for name, (_, data) in zip(names, items, strict=True):
        entries.append(struct.pack("<II", name_offset, data_offset))
        name_offset += len(name)
        data_offset += len(_pad(data))
    toc = struct.pack("<I", len(items)) + b"".join(entries) + b"".join(names)
    toc += b"\0" * (data_start - len(toc))
    return header + toc + b"".join(_pad(data) for _, data in items)


def _converter_is_single_byte(data: bytes) -> bool:
    """UConverterStaticData.maxBytesPerChar == 1 (it follows the item's data header)."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    # structSize (4), name[60], codepage (4), platform, conversionType, min, max bytes
    return data[header_size + 71] == 1


def keep_item(name: str, data: bytes) -> bool:
    """Whether the reduced package keeps this item (``icudt73l/coll/fr.res``...)."""
    parts = name.split("/")[1:]  # drop the package name
    filename = parts[-1]
    if parts[0] in DROPPED_TREES or filename in DROPPED_FILES:
        return False
    if filename.endswith(DROPPED_SUFFIXES):
        return False
    if filename.endswith(".cnv"):
        return _converter_is_single_byte(data)
    locale = _LOCALE_FILE.match(filename)
    if locale:
        return locale.group(1) in KEPT_LANGUAGES
    return True  # root.res, pool.res, res_index.res, supplemental data, .nrm, .icu...


def reduce_package(blob: bytes) -> tuple[bytes, list[str]]:
    """(reduced package, names of the dropped items)."""
    header, items = parse_package(blob)
    kept, dropped = [], []
    for name, data in items:
        if keep_item(name, data):
            kept.append((name, data))
        else:
            dropped.append(name)
    reduced = build_package(header, kept)
    if parse_package(reduced)[1] != [(name, _pad(data)) for name, data in kept]:  # pragma: no cover
        raise IcuDataError("the rebuilt ICU package does not read back")
    return reduced, dropped


# --- Shared library -----------------------------------------------------------------------


def _tools() -> tuple[str, str]:
    found = shutil.which("as"), shutil.which("ld")
    if not all(found):
        raise IcuDataError(
            "'as' and 'ld' (GNU binutils) are needed to rebuild Qt's ICU data library on "
            "Linux: install them (Debian/Ubuntu: apt-get install binutils)"
        )
    return found[0], found[1]  # type: ignore[return-value]


def link_library(package: bytes, soname: str, symbol: str, out: Path) -> None:
    """Write a shared library named ``soname`` exporting ``symbol`` = ``package``."""
    as_, ld = _tools()
    with tempfile.TemporaryDirectory(prefix="icu-data-") as tmp:
        work = Path(tmp)
        (work / "data.bin").write_bytes(package)
        (work / "data.S").write_text(
            "\t.section .rodata\n"
            f"\t.balign {_ALIGN}\n"
            f"\t.globl {symbol}\n"
            f"\t.type {symbol}, @object\n"
            f"{symbol}:\n"
            '\t.incbin "data.bin"\n'
            f"\t.size {symbol}, . - {symbol}\n"
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        for command in (
            [as_, "--64", "-o", "data.o", "data.S"],
            [ld, "-shared", "-s", "-soname", soname, "-z", "noexecstack", "-o", "lib.so", "data.o"],
        ):
            done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise IcuDataError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        shutil.copyfile(work / "lib.so", partial)
        partial.replace(out)
    if read_library(out) != (soname, symbol, package):
        raise IcuDataError(f"{out}: the rebuilt library does not carry the expected data")


def reduced_library(source: Path, cache_dir: Path) -> Path:
    """The reduced copy of ``source`` (built once, then taken from ``cache_dir``)."""
    key = hashlib.sha256(source.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:16]
    out = cache_dir / key / source.name
    if not out.is_file():
        soname, symbol, blob = read_library(source)
        package, dropped = reduce_package(blob)
        link_library(package, soname, symbol, out)
        (out.parent / "dropped-items.txt").write_text("\n".join(dropped) + "\n", "ascii")
        for stale in cache_dir.iterdir():  # copies made from another Qt or another policy
            if stale.is_dir() and stale.name != key:
                shutil.rmtree(stale)
    return out


def _summary(names: Iterable[str]) -> str:
    trees: dict[str, int] = {}
    for name in names:
        parts = name.split("/")[1:]
        tree = parts[0] if len(parts) > 1 else "(top)"
        trees[tree] = trees.get(tree, 0) + 1
    return ", ".join(f"{tree} {n}" for tree, n in sorted(trees.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path, help="PySide6/Qt/lib/libicudata.so.NN")
    parser.add_argument("--cache", type=Path, default=Path("build") / "icu-data")
    args = parser.parse_args(argv)
    try:
        out = reduced_library(args.library, args.cache)
    except (IcuDataError, OSError) as exc:
        print(f"icu_data.py: {exc}", file=sys.stderr)
        return 1
    dropped = (out.parent / "dropped-items.txt").read_text("ascii").split()
    before, after = args.library.stat().st_size, out.stat().st_size
    print(f"{out}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    print(f"dropped {len(dropped)} items: {_summary(dropped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
