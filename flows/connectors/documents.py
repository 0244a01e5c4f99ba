"""JSON and JSON Lines exports: one object per record, flattened to text columns.

A JSON file holds a top-level array of objects, or an object with exactly one list of records
(``{"customers": [...]}``, other keys such as counts are ignored). Nested objects are flattened
one level into "parent.child" columns; deeper values and lists of objects stay JSON text; lists
of scalars are joined by "; " so the mapping can split phones and e-mails. Numbers keep the
digits they were written with (parsed as int and Decimal, never through float).
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows.connectors.cast import json_text, value_to_text
from flows.connectors.detect import Decoded, decode_lines
from flows.connectors.locate import read_bytes, source_path, where_to_fix
from flows.connectors.result import (
    EMPTY_ROW,
    Rejected,
    RowFinding,
    SiloExtract,
    build_extract,
    text_frame,
    unique_column_names,
)
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError


def read_json(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read a JSON file with an array of records (or an object wrapping one)."""
    path = source_path(silo, config)
    decoded = _decode(silo, path)
    text = decoded.text
    if not text.strip():
        return build_extract(silo.name, text_frame([], []), [], [], physical_rows=0)
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        raise SiloError(
            silo.name,
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}) — "
            f'fix the file, or use connector = "jsonl" if it has one object per line',
        ) from None
    records = _records(silo, path, document)
    undecodable = [note for note in decoded.notes if note.undecodable]
    if undecodable:
        line = text.count("\n", 0, undecodable[0].offset) + 1
        raise SiloError(silo.name, f"{path} line {line}: {undecodable[0].reason}")
    # A JSON document does not tell which record a line belongs to: the finding names the line.
    findings = [
        RowFinding(None, f"line {text.count(chr(10), 0, note.offset) + 1}: {note.reason}")
        for note in decoded.notes
    ]
    return _extract(silo, enumerate(records, start=1), [], len(records), findings)


def read_jsonl(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read a JSON Lines file; a line that is not a JSON object goes to quarantine."""
    path = source_path(silo, config)
    decoded = _decode(silo, path)
    # Lines end at LF, CRLF or a lone CR (a raw CR cannot be inside a JSON string); not
    # splitlines: U+2028 is valid inside JSON text.
    pieces = _LINE_END.split(decoded.text)
    lines, ends = pieces[0::2], pieces[1::2]
    if lines and lines[-1] == "":
        lines.pop()  # the final line end does not start another record
    widths = (len(line) + len(end) for line, end in zip(lines, [*ends, ""], strict=False))
    starts = list(itertools.accumulate(widths, initial=0))
    notes = {bisect.bisect_right(starts, note.offset): note for note in decoded.notes}
    findings = [
        RowFinding(number, note.reason) for number, note in notes.items() if not note.undecodable
    ]
    records: list[tuple[int, Any]] = []
    rejected: list[Rejected] = []
    for number, line in enumerate(lines, start=1):
        if number in notes and notes[number].undecodable:
            rejected.append(Rejected(number, notes[number].reason, line))
            continue
        if not line.strip():
            rejected.append(Rejected(number, EMPTY_ROW, line))
            continue
        try:
            records.append((number, _loads(line)))
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON: {exc.msg} (column {exc.colno})"
            rejected.append(Rejected(number, reason, line))
    return _extract(silo, records, rejected, len(lines), findings)


_LINE_END = re.compile("(\r\n|\r|\n)")


def _decode(silo: SiloConfig, path: Path) -> Decoded:
    data = read_bytes(silo, path)
    try:
        return decode_lines(data, silo.encoding)
    except LookupError:
        raise SiloError(
            silo.name, f"unknown encoding '{silo.encoding}' — {where_to_fix(silo, 'encoding')}"
        ) from None
    except UnicodeDecodeError as exc:
        raise SiloError(
            silo.name,
            f"{path} cannot be decoded (byte offset {exc.start}) — JSON should be UTF-8; "
            f"{where_to_fix(silo, 'encoding')}",
        ) from None


def _loads(text: str) -> Any:
    # Decimal keeps numbers as written: no float rounding, no lost trailing zeros.
    return json.loads(text, parse_float=Decimal)


def _records(silo: SiloConfig, path: Path, document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [key for key, value in document.items() if isinstance(value, list)]
        if len(lists) == 1:
            return list(document[lists[0]])
        found = ", ".join(lists) if lists else "none"
        raise SiloError(
            silo.name,
            f"{path}: expected an array of records or an object with exactly one list of "
            f"records (lists found: {found}) — export the records as a JSON array",
        )
    raise SiloError(silo.name, f"{path}: expected an array of records, found a single JSON value")


def _extract(
    silo: SiloConfig,
    records: Iterable[tuple[int, Any]],
    rejected: list[Rejected],
    physical_rows: int,
    findings: list[RowFinding],
) -> SiloExtract:
    rows: list[dict[str, str | None]] = []
    row_numbers: list[int] = []
    for number, record in records:
        if not isinstance(record, dict):
            kind = _json_kind(record)
            rejected.append(Rejected(number, f"not a JSON object ({kind})", _dumps(record)))
            continue
        flat = flatten_record(record)
        if all(value is None or not value.strip() for value in flat.values()):
            # Also catches {} rows, which would add no column to hold them.
            rejected.append(Rejected(number, EMPTY_ROW, _dumps(record)))
            continue
        rows.append(flat)
        row_numbers.append(number)
    names: dict[str, None] = {}  # insertion-ordered union of keys, first appearance wins
    for row in rows:
        names.update(dict.fromkeys(row))
    keys = list(names)
    columns = unique_column_names(silo.name, keys)
    values = [[row.get(key) for row in rows] for key in keys]
    return build_extract(
        silo.name,
        text_frame(columns, values),
        row_numbers,
        rejected,
        physical_rows=physical_rows,
        max_value_length=silo.max_value_length,
        row_findings=findings,
        id_column=silo.id_column,
    )


def flatten_record(record: dict[str, Any]) -> dict[str, str | None]:
    """A JSON object as text columns; nested objects one level deep as "parent.child"."""
    flat: dict[str, str | None] = {}
    for key, value in record.items():
        if isinstance(value, dict) and value:
            for child, child_value in value.items():
                flat[f"{key}.{child}"] = value_to_text(child_value)
        else:
            flat[str(key)] = None if isinstance(value, dict) else value_to_text(value)
    return flat


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "string" if isinstance(value, str) else "number"


def _dumps(value: Any) -> str:
    return json_text(value)
