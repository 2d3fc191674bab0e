"""Reading an extract: its bytes, its encoding, its delimiter, the header line (after a
title line or two) and the data records with their physical line numbers."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.services.importer.columns import FIELD_LABELS, Columns, map_columns
from app.services.importer.report import ImportFileError

MAX_BYTES = 100 * 1024 * 1024
HEADER_SEARCH_LINES = 10  # a title line or two may precede the header in some extracts
DELIMITERS = (";", ",", "\t")


def refuse(message: str, detail: str = "") -> ImportFileError:
    return ImportFileError(message, detail=detail)


def read_bytes(path: Path) -> bytes:
    name = path.name or str(path)
    try:
        if path.is_dir():
            raise refuse(f"« {path} » est un dossier, pas un fichier CSV.")
        if path.stat().st_size > MAX_BYTES:
            raise refuse(
                f"Le fichier « {name} » est trop volumineux "
                f"(plus de {MAX_BYTES // 1024 // 1024} Mo) : découpez-le en plusieurs fichiers."
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise refuse(f"Le fichier « {path} » est introuvable.", str(exc)) from exc
    except PermissionError as exc:
        raise refuse(
            f"Accès refusé au fichier « {name} » : fermez-le s'il est ouvert dans Excel, "
            "ou vérifiez vos droits sur le dossier.",
            str(exc),
        ) from exc
    except OSError as exc:
        raise refuse(
            f"Le fichier « {name} » ne peut pas être lu ({exc.strerror}).", str(exc)
        ) from exc


def _not_text(name: str, what: str = "") -> ImportFileError:
    return refuse(
        f"« {name} » n'est pas un fichier texte CSV{what}. Dans Excel, utilisez "
        "« Enregistrer sous » puis le type « CSV (séparateur : point-virgule) »."
    )


def decode(raw: bytes, name: str) -> tuple[str, str, list[str]]:
    """(text, encoding label, notes). Strict UTF-8 first, then Windows-1252."""
    if raw.startswith(b"PK\x03\x04"):
        raise _not_text(name, " (c'est un classeur Excel ou un fichier compressé)")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise _not_text(name, " (c'est un classeur Excel ancien format .xls)")
    if raw.startswith(b"%PDF"):
        raise _not_text(name, " (c'est un document PDF)")
    notes: list[str] = []
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise _not_text(name) from exc
    elif b"\x00" in raw:
        raise _not_text(name, " (contenu binaire)")
    else:
        try:
            text = raw.decode("utf-8-sig")
            encoding = "UTF-8 avec BOM" if raw.startswith(codecs.BOM_UTF8) else "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError as exc:
                raise _not_text(name, " (contenu binaire ou encodage inconnu)") from exc
            text, mixed = _decode_mixed(raw, text)
            if mixed:
                encoding = "UTF-8 et Windows-1252 mélangés"
                notes.append(
                    "Attention : le fichier mélange deux encodages ; chaque ligne a été lue "
                    "dans le sien (vérifiez les accents des lignes importées)."
                )
    text = text.removeprefix("\ufeff").rstrip("\x1a")
    sample = text[:100_000]
    controls = sum(1 for c in sample if (c < " " and c not in "\t\r\n") or "\x7f" <= c <= "\x9f")
    if controls > max(3, len(sample) // 100):
        raise _not_text(name, " (contenu binaire)")
    return text, encoding, notes


def _decode_mixed(raw: bytes, whole_cp1252: str) -> tuple[str, bool]:
    """Files pasted together may hold UTF-8 lines among Windows-1252 ones: decode each line
    in its own encoding (byte 0x0A is a line feed in both)."""
    parts: list[str] = []
    utf8_lines = 0
    for chunk in raw.split(b"\n"):
        if chunk.isascii():
            parts.append(chunk.decode("ascii"))
            continue
        try:
            parts.append(chunk.decode("utf-8"))
            utf8_lines += 1
        except UnicodeDecodeError:
            parts.append(chunk.decode("cp1252"))
    if not utf8_lines:
        return whole_cp1252, False
    return "\n".join(parts), True


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == delimiter and not quoted:
            count += 1
    return count


def _reader(lines: list[str], delimiter: str) -> Any:
    return csv.reader(
        iter(lines), delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True
    )


@dataclass
class Layout:
    header_index: int  # 0-based index of the header's first physical line
    delimiter: str
    columns: Columns


def find_header(lines: list[str], name: str) -> Layout:
    best: tuple[tuple[bool, int, int], Layout] | None = None
    seen = 0
    first_line = ""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        first_line = first_line or line.strip()
        seen += 1
        if seen > HEADER_SEARCH_LINES:
            break
        counts = {d: _count_outside_quotes(line, d) for d in DELIMITERS}
        for delimiter in [d for d in DELIMITERS if counts[d]] or [";"]:
            try:
                cells: list[str] = next(_reader(lines[index : index + 20], delimiter), [])
            except csv.Error:
                continue
            columns = map_columns(cells)
            score = (not columns.missing, len(columns.fields), counts[delimiter])
            if best is None or score > best[0]:
                best = (score, Layout(index, delimiter, columns))
        if best and not best[1].columns.missing:
            break
    if best is None:
        raise refuse(f"Le fichier « {name} » est vide.")
    layout = best[1]
    if not layout.columns.fields:
        raise refuse(
            f"Aucune ligne d'en-tête reconnue dans « {name} » : la première ligne doit donner "
            "les noms des colonnes, dont au moins « Nom » et « Prénom ». "
            f"Première ligne lue : « {first_line[:150]} »."
        )
    if layout.columns.missing:
        missing = ", ".join(f"« {FIELD_LABELS[f].capitalize()} »" for f in layout.columns.missing)
        found = ", ".join(f"« {h} »" for h in layout.columns.header if h)
        raise refuse(
            f"Colonne obligatoire absente de l'en-tête (ligne {layout.header_index + 1}) de "
            f"« {name} » : {missing}. Colonnes trouvées : {found}."
        )
    return layout


@dataclass
class Record:
    first_line: int
    last_line: int
    cells: list[str]
    unclosed_quote: bool = False  # spans lines with an odd number of quotes


def read_records(lines: list[str], layout: Layout, name: str) -> list[Record]:
    """The data records after the header, with their physical line numbers (1-based)."""
    base = layout.header_index
    reader = _reader(lines[base:], layout.delimiter)
    next(reader)
    consumed = reader.line_num
    out: list[Record] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise refuse(
                f"Ligne {base + consumed + 1} de « {name} » : guillemet ouvrant jamais fermé "
                "(ou valeur démesurée) ; le fichier ne peut pas être lu au-delà. "
                "Corrigez cette ligne puis relancez l'import.",
                str(exc),
            ) from exc
        record = Record(base + consumed + 1, base + reader.line_num, cells)
        if record.last_line > record.first_line:
            span = "".join(lines[record.first_line - 1 : record.last_line])
            record.unclosed_quote = span.count('"') % 2 == 1
        out.append(record)
        consumed = reader.line_num
    return out
