"""Reading single delimited lines leniently, and the reasons a record is rejected.

Records that span lines are found by ``flows.connectors.lines`` and read by
``flows.connectors.delimited``; this module holds what both need for one line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence

from flows.connectors.lines import QUOTE
from flows.connectors.result import EMPTY_ROW


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one line, read leniently (an open quote runs to the end of the line)."""
    return next(csv.reader([line], delimiter=delimiter, quotechar=QUOTE), [])


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


def broken_line_id(
    line: str, fields: Sequence[str], delimiter: str, position: int | None, expected: int
) -> str | None:
    """The id of a line whose quote never closes, where the line still shows it, else None.

    ``position`` is the id column's index (None: the id is no column of the file), ``fields``
    the line read leniently (``split_line``), ``expected`` the header's column count. The line
    is split on the delimiter as the parser splits it, up to the id column, and only while
    every field up to and including it is unquoted (no quote in it) or cleanly quoted ("..."
    with "" for a quote, a delimiter or the line's end right after): a quote opened before the
    id column, or text after a closing quote, leaves the id unreadable. So does a line with more
    fields than the header: which field shifted the id cannot be told. The id is trimmed, and
    empty is None, as the mapping reads an id column (cleaners.mapping).
    """
    found = _id_field(line, fields, delimiter, position, expected)
    return None if found is None else _id_value(found.group(1))


#: What a decoder puts for each byte it cannot decode (errors="replace").
UNDECODABLE = "\ufffd"


def undecodable_line_id(
    line: str, delimiter: str, position: int | None, expected: int
) -> str | None:
    """The id of a line no encoding decodes, where it can be read safely, else None.

    ``line`` is the record's first line as decoded, each undecodable byte replaced by U+FFFD.
    The id is read as ``broken_line_id`` reads it, and only when the id column is plain ASCII
    and ends before the first undecodable byte: ASCII reads alike in every candidate encoding,
    while after an undecodable byte the line's real encoding is unknown.
    """
    found = _id_field(line, split_line(line, delimiter), delimiter, position, expected)
    if found is None or not found.group(1).isascii():
        return None
    first_bad = line.find(UNDECODABLE)
    if 0 <= first_bad < found.end(1):
        return None
    return _id_value(found.group(1))


def _id_field(
    line: str, fields: Sequence[str], delimiter: str, position: int | None, expected: int
) -> re.Match[str] | None:
    """The line split up to the id column as ``broken_line_id`` describes; group 1 is the id
    column's text as written (quotes included)."""
    if position is None or len(fields) > expected:
        return None
    split = re.escape(delimiter)
    field = rf'(?:"(?:[^"]|"")*"|[^"{split}]*)'  # cleanly quoted, or without a quote
    return re.match(rf"(?:{field}{split}){{{position}}}({field})(?:{split}|\Z)", line)


def _id_value(written: str) -> str | None:
    """An id column's text as the mapping reads it: unquoted, trimmed, empty is None."""
    value = written[1:-1].replace(QUOTE * 2, QUOTE) if written.startswith(QUOTE) else written
    return value.strip() or None
