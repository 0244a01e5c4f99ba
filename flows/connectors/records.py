"""Quote-aware parsing of delimited records with Python's csv module, line-accurate on errors.

Used where a record is not simply one line: quoted fields that span lines, quotes that are never
closed, and files whose lines end in a lone carriage return. On a broken record only its first
line is rejected and parsing resumes on the next line, so one stray quote never swallows or
shifts the rows after it. A quoted field may span at most ``MAX_RECORD_LINES`` lines; beyond
that the quote is taken as never closed, which also bounds the work per broken line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from flows.connectors.result import EMPTY_ROW, Rejected

QUOTE = '"'
#: A quoted section, escaped quotes ("") included.
QUOTED = r'"[^"]*"'
MAX_RECORD_LINES = 100


@dataclass
class Records:
    """Records parsed by the csv module, by the 0-based index of the line they start on."""

    rows: list[list[str]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    #: ``Rejected.row_number`` holds the 0-based start line until the caller numbers records.
    rejected: list[Rejected] = field(default_factory=list)
    #: Lines that continue a record started on an earlier line.
    continuations: list[int] = field(default_factory=list)


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one line, read leniently (an open quote runs to the end of the line)."""
    return next(csv.reader([line], delimiter=delimiter, quotechar=QUOTE), [])


def open_quote(line: str) -> bool:
    """True if a quote on this line is not closed on it (a field continues on the next line)."""
    return QUOTE in re.sub(QUOTED, "", line)


def field_count_reason(fields: Sequence[str], expected: int) -> str:
    """Why a record with the wrong number of fields is rejected."""
    if all(not value.strip() for value in fields):
        return EMPTY_ROW
    return f"expected {expected} fields, found {len(fields)}"


def quote_reason(fields: Sequence[str], expected: int) -> str:
    """Why a record whose quote is never closed is rejected."""
    if len(fields) == expected:
        return "unterminated quote"
    return f"expected {expected} fields, found {len(fields)} (unterminated quote)"


def parse_from_lines(
    lines: Sequence[str], starts: Sequence[int], delimiter: str, expected: int
) -> Records:
    """Parse the records that start on the given lines (split at LF, CR kept), in order.

    Lines consumed by an earlier record are skipped; the caller treats every other line as a
    record of its own.
    """
    records = Records()
    position = 0
    for start in starts:
        if start < position:
            continue
        window = lines[start : start + MAX_RECORD_LINES]
        fields, consumed = _first_record((line + "\n" for line in window), delimiter)
        if fields is not None and len(fields) == expected:
            records.rows.append(fields)
            records.starts.append(start)
            records.continuations.extend(range(start + 1, start + consumed))
            position = start + consumed
            continue
        line = lines[start].removesuffix("\r")
        reason = (
            field_count_reason(fields, expected)
            if fields is not None and consumed == 1
            else quote_reason(split_line(line, delimiter), expected)
        )
        records.rejected.append(Rejected(start, reason, line))
        position = start + 1
    return records


def parse_text(text: str, delimiter: str) -> tuple[list[str], int, Records]:
    """Header, lines the header takes, and records of a whole text (any line ends).

    Raises csv.Error when the header itself cannot be parsed.
    """
    feed = _Lines(text)
    reader = csv.reader(feed, delimiter=delimiter, quotechar=QUOTE, strict=True)
    header = next(reader, [])
    header_lines = feed.position
    records = Records()
    while True:
        start = feed.begin_record()
        try:
            fields: list[str] | None = next(reader)
        except StopIteration:
            break
        except csv.Error:
            fields = None
        if fields is not None and len(fields) == len(header):
            records.rows.append(fields)
            records.starts.append(start)
            records.continuations.extend(range(start + 1, feed.position))
            continue
        if fields is not None and feed.position - start == 1:
            reason = field_count_reason(fields, len(header))
            records.rejected.append(Rejected(start, reason, feed.raw(start, start + 1)))
            continue
        # Broken across lines: reject the first line only and read on from the next one.
        feed.position = start + 1
        line = feed.raw(start, start + 1)
        lenient = split_line(line, delimiter)
        if not open_quote(line) and len(lenient) == len(header):
            # Text after a closing quote within one line ("Zum Anker" GmbH) reads leniently.
            records.rows.append(lenient)
            records.starts.append(start)
        else:
            records.rejected.append(Rejected(start, quote_reason(lenient, len(header)), line))
    return header, header_lines, records


def _first_record(lines: Iterator[str], delimiter: str) -> tuple[list[str] | None, int]:
    """(fields or None if the quoting is broken, lines consumed) of the first record."""
    consumed = 0

    def counted() -> Iterator[str]:
        nonlocal consumed
        for line in lines:
            consumed += 1
            yield line

    # strict: a quote still open at the end of the window raises instead of swallowing it.
    reader = csv.reader(counted(), delimiter=delimiter, quotechar=QUOTE, strict=True)
    try:
        return next(reader), consumed
    except (csv.Error, StopIteration):
        return None, max(consumed, 1)


class _Lines:
    """Physical lines fed to csv.reader; movable back after a broken record, and bounded."""

    def __init__(self, text: str) -> None:
        self.lines = list(io.StringIO(text, newline=""))
        self.position = 0
        self.limit = len(self.lines)

    def begin_record(self) -> int:
        self.limit = min(self.position + MAX_RECORD_LINES, len(self.lines))
        return self.position

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.position >= self.limit:
            raise StopIteration
        line = self.lines[self.position]
        self.position += 1
        return line

    def raw(self, start: int, end: int) -> str:
        return "".join(self.lines[start:end]).rstrip("\r\n")
