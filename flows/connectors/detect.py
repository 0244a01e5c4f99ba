"""Encoding and delimiter detection for text exports (CSV, JSON).

DACH exports come either as UTF-8 (often with a BOM, from Excel "CSV UTF-8") or as Windows-1252
(Excel "CSV (Trennzeichen-getrennt)"), usually with semicolons because the comma is the decimal
separator. "auto" handles exactly these cases; anything else is configured explicitly.
"""

from __future__ import annotations

import codecs
import csv
import io

#: Delimiters tried by "auto", in order of preference when the evidence is equal.
DELIMITER_CANDIDATES = (";", ",", "\t", "|")
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 50

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def encoding_name(encoding: str) -> str:
    """The canonical codec name of an encoding, or "auto"; raises LookupError for unknown ones."""
    if encoding.strip().lower() == "auto":
        return "auto"
    return codecs.lookup(encoding.strip()).name


def decode_text(data: bytes, encoding: str) -> tuple[str, str]:
    """Decode bytes and drop a BOM; returns (text, encoding used).

    "auto" picks UTF-16 or UTF-8 by their BOM, else UTF-8 if the bytes decode as UTF-8, else
    Windows-1252. Raises LookupError for an unknown encoding and UnicodeDecodeError when the bytes
    are not in the encoding.
    """
    name = encoding_name(encoding)
    if name == "auto":
        name = detect_encoding(data)
    if name == "utf-8":
        # utf-8-sig strips a BOM if present and is otherwise identical to utf-8.
        return data.decode("utf-8-sig"), name
    return data.decode(name).removeprefix("\ufeff"), name


def detect_encoding(data: bytes) -> str:
    """UTF-16 or UTF-8 by BOM, UTF-8 if the bytes are valid UTF-8, else Windows-1252."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def delimiter_char(delimiter: str) -> str | None:
    """The configured delimiter as one character, or None for "auto" ("\\t" means tab)."""
    if delimiter == "auto":
        return None
    return "\t" if delimiter == "\\t" else delimiter


def sniff_delimiter(text: str) -> str:
    """Pick among ; , tab and | the delimiter that splits the header and first rows alike.

    The winner is the candidate whose field counts agree on the most of the first rows, then the
    one splitting the header into the most columns, then the earlier in the list; a file without
    any candidate gets ",", which then reads a single column.
    """
    sample = text[:_SNIFF_CHARS]
    truncated = len(text) > len(sample)
    best, best_score = ",", (0, 0.0, 0)
    for candidate in DELIMITER_CANDIDATES:
        counts = _field_counts(sample, candidate, truncated)
        if not counts or counts[0] < 2:
            continue
        header, rows = counts[0], counts[1:]
        agreement = sum(count == header for count in rows) / len(rows) if rows else 1.0
        score = (1, agreement, header)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _field_counts(sample: str, delimiter: str, truncated: bool) -> list[int]:
    """Fields per record of the sample's first records, blank records skipped."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"')
    counts: list[int] = []
    try:
        for fields in reader:
            if fields:
                counts.append(len(fields))
            if len(counts) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass  # a malformed record ends the evidence; what was read so far still counts
    if truncated and len(counts) > 1 and len(counts) <= _SNIFF_RECORDS:
        counts.pop()  # the sample may have cut the last record in half
    return counts
