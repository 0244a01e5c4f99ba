"""Encoding and delimiter detection for text exports (CSV, JSON).

DACH exports come either as UTF-8 (often with a BOM, from Excel "CSV UTF-8") or as Windows-1252
(Excel "CSV (Trennzeichen-getrennt)"), usually with semicolons because the comma is the decimal
separator. "auto" handles exactly these cases; anything else is configured explicitly.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass, field

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


#: Two bytes that can start a UTF-8 letter (lead byte, continuation byte).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
#: Characters a DACH silo's text plausibly holds beyond ASCII (Latin letters, punctuation, €);
#: a line in another encoding read as UTF-8 by accident gives others (NKo, CJK ...).
_PLAUSIBLE = re.compile("[\u00a0-\u024f\u2010-\u2044\u20ac\u2122\ufeff]*")
#: Invalid bytes kept by the "surrogateescape" error handler.
_SURROGATE = re.compile("[\udc80-\udcff]")
_LINE_END = re.compile("[\r\n]")
_NON_ASCII_LINE = re.compile("[^\x00-\x7f][^\r\n]*")
#: Beyond this many bad lines the line-by-line path decides the file's encoding.
_FEW_LINES = 10_000
_OTHER_BUT_VALID = "valid in the configured encoding, but a line in the other one"
_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}


@dataclass(frozen=True)
class LineNote:
    """A line of the text that was not in the file's encoding."""

    #: Character offset of the line's start in the decoded text.
    offset: int
    reason: str
    #: True when no candidate encoding gave valid text: the line's row goes to quarantine.
    undecodable: bool


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the encoding of most of it, and the lines decoded otherwise."""

    text: str
    encoding: str
    notes: list[LineNote] = field(default_factory=list)


def decode_lines(data: bytes, encoding: str) -> Decoded:
    """Decode a text file line by line where it mixes UTF-8 and Windows-1252.

    The file's encoding (configured, or for "auto" the one most lines are in) decodes every line
    that is valid in it; a line that is not, or in a non-UTF-8 file a line that is valid UTF-8
    with letters beyond ASCII, is decoded by the other candidate and noted; a line neither gives
    valid text for is noted as undecodable (its row goes to quarantine). The rest of the file is
    never re-decoded. UTF-16 files are decoded whole. Raises LookupError for an unknown encoding
    and UnicodeDecodeError when a configured encoding fits fewer than half the non-ASCII lines.
    """
    name = encoding_name(encoding)
    configured = name != "auto"
    if not configured:
        name = _bom_encoding(data) or "utf-8"
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return Decoded(decode_text(data, name)[0], name)
    if name == "utf-8":
        try:
            return Decoded(data.decode("utf-8-sig"), name)
        except UnicodeDecodeError:
            few = _few_bad_utf8_lines(data)
            if few is not None:
                return few
            if configured:
                return _mixed(data, name, "cp1252", configured)
            return _mixed(data, _majority(data), None, configured)
    if not _UTF8_SEQUENCE.search(data):
        try:
            return Decoded(data.decode(name).removeprefix("\ufeff"), name)
        except UnicodeDecodeError:
            pass
    return _mixed(data, name, "utf-8", configured)


def _few_bad_utf8_lines(data: bytes) -> Decoded | None:
    """Mostly UTF-8 with a few lines that are not: only those lines are decoded again.

    The fast path of ``_mixed`` for UTF-8 files: one C-speed decode keeps invalid bytes as
    surrogates, and only the lines holding one go through ``_decode_line``. None when the bad
    lines are not clearly fewer than the good non-ASCII ones (``_mixed`` then decides).
    """
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    bad: list[tuple[int, int]] = []
    position = 0
    while (match := _SURROGATE.search(text, position)) is not None:
        start = max(text.rfind("\n", 0, match.start()), text.rfind("\r", 0, match.start())) + 1
        end = _LINE_END.search(text, match.start())
        stop = len(text) if end is None else end.start()
        bad.append((start, stop))
        position = stop
        if len(bad) > _FEW_LINES:
            return None
    # Enough good non-ASCII lines to outvote the bad ones (counting stops there).
    needed = 2 * len(bad) + 1
    if sum(1 for _ in itertools.islice(_NON_ASCII_LINE.finditer(text), needed)) < needed:
        return None
    pieces: list[str] = []
    notes: list[LineNote] = []
    offset = previous = 0
    for start, stop in bad:
        pieces.append(text[previous:start])
        offset += start - previous
        line = text[start:stop].encode("utf-8", errors="surrogateescape")
        decoded, note = _decode_line(line, "utf-8", "cp1252")
        if decoded is None:
            decoded = line.decode("utf-8", errors="replace")
        if note is not None:
            notes.append(LineNote(offset, note[0], _is_undecodable(note)))
        pieces.append(decoded)
        offset += len(decoded)
        previous = stop
    pieces.append(text[previous:])
    return Decoded("".join(pieces), "utf-8", notes)


def _is_undecodable(note: tuple[str, UnicodeDecodeError]) -> bool:
    return note[0].startswith("row cannot be decoded")


def _bom_encoding(data: bytes) -> str | None:
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def _majority(data: bytes) -> str:
    """ "utf-8" if more non-ASCII lines are valid UTF-8 than not, else "cp1252"."""
    valid = invalid = 0
    for line in data.splitlines():
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            valid += 1
        except UnicodeDecodeError:
            invalid += 1
    return "utf-8" if valid > invalid else "cp1252"


def _mixed(data: bytes, primary: str, other: str | None, configured: bool) -> Decoded:
    """Decode line by line: ``primary`` first, the other candidate where it gives valid text."""
    other = other or ("cp1252" if primary == "utf-8" else "utf-8")
    texts: list[str] = []
    notes: list[LineNote] = []
    offset = byte_offset = 0
    non_ascii = failed = 0
    first_failure: UnicodeDecodeError | None = None
    lines = data.splitlines(keepends=True)  # bytes split at LF, CRLF and CR only
    if lines and lines[0].startswith(codecs.BOM_UTF8):
        lines[0] = lines[0][len(codecs.BOM_UTF8) :]
        byte_offset = len(codecs.BOM_UTF8)
    for line in lines:
        if line.isascii():
            text = line.decode("ascii")
        else:
            non_ascii += 1
            decoded, note = _decode_line(line, primary, other)
            text = line.decode(primary, errors="replace") if decoded is None else decoded
            if note is not None:
                error = note[1]
                if error.reason != _OTHER_BUT_VALID:
                    failed += 1
                    if first_failure is None:
                        start, end = byte_offset + error.start, byte_offset + error.end
                        first_failure = UnicodeDecodeError(
                            error.encoding, data, start, end, error.reason
                        )
                notes.append(LineNote(offset, note[0], decoded is None))
        texts.append(text)
        offset += len(text)
        byte_offset += len(line)
    if configured and first_failure is not None and failed * 2 > non_ascii:
        # Most lines are not in the configured encoding: the setting is wrong, not a few lines.
        raise first_failure
    return Decoded("".join(texts), primary, notes)


def _decode_line(
    line: bytes, primary: str, other: str
) -> tuple[str | None, tuple[str, UnicodeDecodeError] | None]:
    """(text, None) in the primary encoding, else (text or None, (reason, error))."""
    utf8_first = primary == "utf-8"
    try:
        if not utf8_first:
            utf8 = _as_utf8(line)
            if utf8 is not None:
                return utf8, (_other_reason(primary, "utf-8"), _error(line, primary))
        return line.decode(primary), None
    except UnicodeDecodeError as exc:
        error = exc
    try:
        text = line.decode(other)
        if other != "utf-8" or _PLAUSIBLE.fullmatch(_non_ascii(text)):
            return text, (_other_reason(primary, other), error)
    except UnicodeDecodeError:
        pass
    reason = (
        f"row cannot be decoded as {_label(primary)} or {_label(other)} (byte {error.start + 1} "
        f"of its line) — fix the line in the source or set `encoding` in golden.toml"
    )
    return None, (reason, error)


def _as_utf8(line: bytes) -> str | None:
    """The line as UTF-8 if that is valid and gives only plausible letters, else None."""
    if not _UTF8_SEQUENCE.search(line):
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _PLAUSIBLE.fullmatch(_non_ascii(text)) else None


def _non_ascii(text: str) -> str:
    return "".join(char for char in text if not char.isascii())


def _error(line: bytes, encoding: str) -> UnicodeDecodeError:
    return UnicodeDecodeError(encoding, line, 0, 1, _OTHER_BUT_VALID)


def _other_reason(primary: str, other: str) -> str:
    return (
        f"row was encoded as {_label(other)}, the rest of the file as {_label(primary)}: "
        f"decoded as {_label(other)}"
    )


def _label(encoding: str) -> str:
    return _NAMES.get(encoding, encoding)


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
