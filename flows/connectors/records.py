"""Reading single delimited lines leniently, and the reasons a record is rejected.

Records that span lines are found by ``flows.connectors.lines`` and read by
``flows.connectors.delimited``; this module holds what both need for one line.
"""

from __future__ import annotations

import csv
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
