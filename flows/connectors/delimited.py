"""CSV and other delimited text files: every row accounted for, values kept exactly as written.

Decoding is decided per line where a file mixes UTF-8 and Windows-1252 (``decode_lines``).
Records are then found from the lines and their quotes alone (``flows.connectors.lines``): that
physical count is what ``rows_read`` reports, and the parsed rows plus quarantine must add up to
it. Single-line records with the right number of delimiters are parsed by polars' CSV reader in
one go; records spanning lines (a quoted value with line breaks, at most ``max_record_lines``)
by the csv module one by one; a line whose quote never closes properly is quarantined as a
broken quote (with its id where the line shows it before the quote), and the lines after it
are rows again, so a stray quote never swallows the customers that follow it. Row numbers
count records, not lines.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from flows.connectors.detect import Decoded, LineNote, decode_lines, delimiter_char, sniff_delimiter
from flows.connectors.lines import QUOTE, QUOTED, PhysicalLines, Segments, segment, split_lines
from flows.connectors.locate import read_bytes, source_path, where_to_fix
from flows.connectors.records import (
    broken_line_id,
    field_count_reason,
    quote_reason,
    split_line,
    undecodable_line_id,
)
from flows.connectors.result import (
    Rejected,
    RowFinding,
    SiloExtract,
    build_extract,
    rows_frame,
    text_frame,
    unique_column_names,
)
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError


def read_csv(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read a delimited text file (encoding and delimiter configured or detected)."""
    path = source_path(silo, config)
    decoded = _decode(silo, path, read_bytes(silo, path))
    delimiter = delimiter_char(silo.delimiter) or sniff_delimiter(decoded.text)
    return parse_delimited(
        silo.name,
        decoded.text,
        delimiter,
        max_record_lines=silo.max_record_lines,
        max_value_length=silo.max_value_length,
        notes=decoded.notes,
        id_column=silo.id_column,
    )


def parse_delimited(
    silo: str,
    text: str,
    delimiter: str,
    *,
    max_record_lines: int = 3,
    max_value_length: int = 1000,
    notes: Sequence[LineNote] = (),
    id_column: str | None = None,
) -> SiloExtract:
    """Parse decoded delimited text with a header line into a SiloExtract.

    ``notes`` are the decoder's lines in another encoding (offsets into ``text``);
    ``id_column`` is the column mapped to source_id: a broken-quote row's quarantine entry
    carries its id where the line shows it before the quote (``broken_line_id``), an
    undecodable row's where it can be read safely (``undecodable_line_id``), a row with an
    over-long value its id (``build_extract``).
    """
    layout = record_layout(silo, text, delimiter, max_record_lines)
    if layout is None:
        return build_extract(silo, pl.DataFrame(), [], [], physical_rows=0)
    shift, lines, segments, columns = layout.shift, layout.lines, layout.segments, layout.columns
    position = columns.index(id_column) if id_column in columns else None
    frame, numbers, rejected = _parse_records(lines, segments, delimiter, columns, position)
    findings, undecodable = _decoding_notes(silo, notes, shift, lines, segments)
    if undecodable:
        ids = {
            number: undecodable_line_id(
                lines.content[int(segments.starts[number])], delimiter, position, len(columns)
            )
            for number in undecodable
        }
        frame, numbers, rejected = _drop_undecodable(
            frame, numbers, rejected, undecodable, delimiter, ids
        )
    return build_extract(
        silo,
        frame,
        numbers,
        rejected,
        separator=delimiter,
        physical_rows=len(segments.starts) - 1,
        max_value_length=max_value_length,
        row_findings=findings,
        id_column=id_column,
    )


@dataclass(frozen=True)
class RecordLayout:
    """The records of a delimited text as ``parse_delimited`` numbers its rows.

    Record 0 of ``segments`` is the header line, record n (lines ``starts[n]`` to
    ``stops[n] - 1``) is row n: a line of its own, a quoted value spanning lines, a broken-quote
    line (``broken[n]``, quarantined) or a blank line (quarantined as empty).
    """

    #: Characters of the blank lines above the header (not rows); ``lines`` start after them.
    shift: int
    lines: PhysicalLines
    segments: Segments
    #: The header's column names (made unique).
    columns: list[str]


def record_layout(
    silo: str, text: str, delimiter: str, max_record_lines: int
) -> RecordLayout | None:
    """Split decoded text into the header and its records; None for a text without a header.

    Raises SiloError when the header's quote is never closed.
    """
    stripped = text.lstrip("\r\n")  # blank lines above the header are not data rows
    if not stripped:
        return None
    lines = split_lines(stripped)
    header = lines.content[0]
    if header.count(QUOTE) % 2:
        raise SiloError(
            silo,
            "the header line cannot be parsed (a quote is never closed) — fix the first line "
            "of the file, or check `delimiter` in golden.toml",
        )
    columns = unique_column_names(silo, split_line(header, delimiter))
    segments = segment(lines, delimiter, len(columns), max_record_lines)
    return RecordLayout(len(text) - len(stripped), lines, segments, columns)


def _decode(silo: SiloConfig, path: Path, data: bytes) -> Decoded:
    try:
        return decode_lines(data, silo.encoding)
    except LookupError:
        raise SiloError(
            silo.name,
            f'unknown encoding \'{silo.encoding}\' — use "auto", "utf-8", "cp1252", '
            f'"latin-1" or "utf-16"; {where_to_fix(silo, "encoding")}',
        ) from None
    except UnicodeDecodeError as exc:
        tried = "UTF-8 or Windows-1252" if silo.encoding == "auto" else exc.encoding
        raise SiloError(
            silo.name,
            f"{path} cannot be decoded as {tried} (byte offset {exc.start}) — set `encoding` "
            f'to the file\'s real encoding (e.g. "latin-1" or "utf-16") in golden.toml '
            f"[silos.{silo.name}]",
        ) from None


def _parse_records(
    lines: PhysicalLines,
    segments: Segments,
    delimiter: str,
    columns: list[str],
    id_position: int | None,
) -> tuple[pl.DataFrame, pl.Series, list[Rejected]]:
    """Rows (by record number, 1-based after the header) and rejected records.

    ``id_position``: the id column's index, for the id of a broken-quote row."""
    expected = len(columns)
    starts, stops, broken = segments.starts[1:], segments.stops[1:], segments.broken[1:]
    numbers = np.arange(1, len(starts) + 1, dtype=np.int64)
    single = (stops - starts == 1) & ~broken
    if len(starts) == len(lines) - 1:  # every line a record: no gather needed
        first = lines.content.slice(1)
    else:
        first = lines.content.gather(pl.Series(starts, dtype=pl.Int64))
    outside = first.str.replace_all(QUOTED, "")
    well_formed = (
        single
        & (first.str.count_matches(QUOTE, literal=True) % 2 == 0).to_numpy()
        & (outside.str.count_matches(delimiter, literal=True) == expected - 1).to_numpy()
        & (first.str.len_bytes() > 0).to_numpy()
    )
    fast = first.filter(pl.Series(well_formed))
    frame = _polars_rows(fast, columns, delimiter)
    fast_numbers = numbers[well_formed]
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    rejected: list[Rejected] = []
    if frame is None:  # polars refused or miscounted: the csv module reads these lines
        frame = text_frame(columns, [[] for _ in columns])
        for number, line in zip(fast_numbers.tolist(), fast.to_list(), strict=True):
            _read_line(number, line, delimiter, expected, rows, row_numbers, rejected)
        fast_numbers = fast_numbers[:0]
    slow = np.flatnonzero(~well_formed)
    for index in slow.tolist():  # broken, spanning or irregular records: few
        number = int(numbers[index])
        start, stop = int(starts[index]), int(stops[index])
        line = lines.content[start]
        if broken[index]:
            fields = split_line(line, delimiter)
            source_id = broken_line_id(line, fields, delimiter, id_position, expected)
            rejected.append(Rejected(number, quote_reason(fields, expected), line, source_id))
        elif stop - start > 1:
            _read_span(
                number,
                lines.joined(start, stop),
                line,
                delimiter,
                expected,
                rows,
                row_numbers,
                rejected,
            )
        else:
            _read_line(number, line, delimiter, expected, rows, row_numbers, rejected)
    if not rows:
        return frame, pl.Series("n", fast_numbers, pl.Int64), rejected
    frame = pl.concat([frame, rows_frame(columns, rows)])
    all_numbers = pl.Series(
        "n", np.concatenate([fast_numbers, np.array(row_numbers, dtype=np.int64)]), pl.Int64
    )
    order = all_numbers.arg_sort()
    return frame[order], all_numbers[order], rejected


def _read_line(
    number: int,
    line: str,
    delimiter: str,
    expected: int,
    rows: list[list[str]],
    row_numbers: list[int],
    rejected: list[Rejected],
) -> None:
    """One line read leniently by the csv module ("Zum "Anker" GmbH", a quote inside a value)."""
    fields = split_line(line, delimiter)
    if len(fields) == expected and any(value.strip() for value in fields):
        rows.append(fields)
        row_numbers.append(number)
    else:
        rejected.append(Rejected(number, field_count_reason(fields, expected), line))


def _read_span(
    number: int,
    text: str,
    first_line: str,
    delimiter: str,
    expected: int,
    rows: list[list[str]],
    row_numbers: list[int],
    rejected: list[Rejected],
) -> None:
    """A record spanning lines, read strictly by the csv module."""
    reader = csv.reader([text], delimiter=delimiter, quotechar=QUOTE, strict=True)
    try:
        fields = next(reader, [])
        if next(reader, None) is not None:
            raise csv.Error("more than one record")
    except csv.Error:
        reason = "malformed quoting in a value spanning lines"
        rejected.append(Rejected(number, reason, first_line))
        return
    if len(fields) == expected:
        rows.append(fields)
        row_numbers.append(number)
    else:
        rejected.append(Rejected(number, field_count_reason(fields, expected), first_line))


def _polars_rows(lines: pl.Series, columns: list[str], delimiter: str) -> pl.DataFrame | None:
    """Well-formed lines parsed by polars; None if polars refuses them or miscounts."""
    if lines.is_empty():
        return text_frame(columns, [[] for _ in columns])
    data = lines.str.join("\n").item().encode("utf-8")
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            new_columns=columns,
            schema={name: pl.String for name in columns},
            separator=delimiter,
            quote_char=QUOTE,
            infer_schema=False,
            empty_string_is_null=False,
        )
    except (pl.exceptions.PolarsError, ValueError):
        # e.g. text after a closing quote ("Zum Anker" GmbH): the csv module reads it leniently.
        return None
    return frame if frame.height == lines.len() else None


def _decoding_notes(
    silo: str,
    notes: Sequence[LineNote],
    shift: int,
    lines: PhysicalLines,
    segments: Segments,
) -> tuple[list[RowFinding], dict[int, str]]:
    """Row findings for lines decoded otherwise, and the rows no encoding could decode."""
    findings: list[RowFinding] = []
    undecodable: dict[int, str] = {}
    for note in notes:
        if note.offset < shift:
            continue  # a blank line above the header
        line = int(np.searchsorted(lines.offsets, note.offset - shift, side="right")) - 1
        record = int(np.searchsorted(segments.starts, line, side="right")) - 1
        if record == 0:
            if note.undecodable:
                raise SiloError(silo, f"the header line: {note.reason}")
            continue
        if note.undecodable:
            undecodable.setdefault(record, note.reason)
        else:
            findings.append(RowFinding(record, note.reason))
    return findings, undecodable


def _drop_undecodable(
    frame: pl.DataFrame,
    numbers: pl.Series,
    rejected: list[Rejected],
    undecodable: dict[int, str],
    delimiter: str,
    ids: dict[int, str | None],
) -> tuple[pl.DataFrame, pl.Series, list[Rejected]]:
    """Move the rows with an undecodable line to quarantine (replacing any other reason), each
    with the id ``ids`` reads from its line (``undecodable_line_id``)."""
    keep = ~numbers.is_in(list(undecodable))
    raw = frame.filter(~keep)
    lines = {
        number: delimiter.join(value or "" for value in row)
        for number, row in zip(numbers.filter(~keep).to_list(), raw.rows(), strict=True)
    }
    previous = {item.row_number: item.raw for item in rejected}
    rejected = [item for item in rejected if item.row_number not in undecodable]
    rejected += [
        Rejected(number, reason, lines.get(number, previous.get(number)), ids.get(number))
        for number, reason in undecodable.items()
    ]
    return frame.filter(keep), numbers.filter(keep), rejected
