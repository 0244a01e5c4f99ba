"""CSV and other delimited text files: every row accounted for, values kept exactly as written.

Lines first: polars splits the text into physical lines and checks them all at once. With the
quoted sections removed, a line whose quotes are all closed is one record of its own, well formed
if exactly N-1 delimiters are left. Well-formed lines are parsed by polars' CSV reader in one go;
lines with the wrong count are quarantined one by one; lines with a quote left open start a
record spanning lines and are parsed with the csv module (``flows.connectors.records``). Only
files with lone CR line ends, a header spanning lines, or a line polars refuses go through the
csv module as a whole. Row numbers count records, not lines, so both ways number alike.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.connectors.detect import decode_text, delimiter_char, sniff_delimiter
from flows.connectors.locate import read_bytes, source_path, where_to_fix
from flows.connectors.records import (
    QUOTE,
    QUOTED,
    Records,
    field_count_reason,
    open_quote,
    parse_from_lines,
    parse_text,
    split_line,
)
from flows.connectors.result import (
    Rejected,
    SiloExtract,
    build_extract,
    rows_frame,
    text_frame,
    unique_column_names,
)
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError

#: A carriage return that does not end a CRLF line: old Mac line ends or a CR inside a value.
_LONE_CR = re.compile(r"\r(?!\n)")
#: Splitting lines with polars needs a separator that is not in the text.
_UNIT_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class _Parsed:
    """Rows parsed from delimited text, before the extract's common finishing."""

    frame: pl.DataFrame
    row_numbers: pl.Series
    rejected: list[Rejected]


def read_csv(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read a delimited text file (encoding and delimiter configured or detected)."""
    path = source_path(silo, config)
    text = _decode(silo, path, read_bytes(silo, path))
    delimiter = delimiter_char(silo.delimiter) or sniff_delimiter(text)
    return parse_delimited(silo.name, text, delimiter)


def parse_delimited(silo: str, text: str, delimiter: str) -> SiloExtract:
    """Parse decoded delimited text with a header line into a SiloExtract."""
    text = text.lstrip("\r\n")  # blank lines above the header are not data rows
    if not text:
        return build_extract(silo, pl.DataFrame(), [], [])
    parsed = None if _LONE_CR.search(text) else _by_lines(silo, text, delimiter)
    if parsed is None:
        parsed = _by_records(silo, text, delimiter)
    return build_extract(
        silo, parsed.frame, parsed.row_numbers, parsed.rejected, separator=delimiter
    )


def _decode(silo: SiloConfig, path: Path, data: bytes) -> str:
    try:
        return decode_text(data, silo.encoding)[0]
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


def _by_lines(silo: str, text: str, delimiter: str) -> _Parsed | None:
    """Parse line by line; None when only the csv module can read the text."""
    header_line, _, body = text.partition("\n")
    header_line = header_line.removesuffix("\r")
    if open_quote(header_line):
        return None
    columns = unique_column_names(silo, split_line(header_line, delimiter))
    data = body.encode("utf-8")
    lines = _body_lines(body, data)
    outside_quotes = lines.str.replace_all(QUOTED, "")
    opened = outside_quotes.str.contains(QUOTE, literal=True)
    spans = Records()
    if opened.any():
        # Python's split keeps each line's CR, so values spanning lines keep their line ends.
        raw_lines = body.removesuffix("\n").split("\n")
        if len(raw_lines) != lines.len():
            return None
        spans = parse_from_lines(raw_lines, opened.arg_true().to_list(), delimiter, len(columns))
    line_index = pl.int_range(0, lines.len(), eager=True)
    single = ~opened & ~line_index.is_in(spans.continuations)
    well_formed = (
        single
        & (outside_quotes.str.count_matches(delimiter, literal=True) == len(columns) - 1)
        & (lines.str.len_bytes() > 0)
    )
    if not well_formed.all():
        data = lines.filter(well_formed).str.join("\n").item().encode("utf-8")
    frame = _polars_rows(data, int(well_formed.sum()), columns, delimiter)
    if frame is None:
        return None
    frame, starts = _with_spans(frame, line_index.filter(well_formed), columns, spans)
    rejected = spans.rejected + _broken_lines(
        lines, line_index, single & ~well_formed, delimiter, len(columns)
    )
    return _numbered(frame, starts, rejected, spans.continuations, first_line=0)


def _broken_lines(
    lines: pl.Series, line_index: pl.Series, broken: pl.Series, delimiter: str, expected: int
) -> list[Rejected]:
    """Lines that are records of their own but have the wrong number of fields."""
    return [
        Rejected(index, field_count_reason(split_line(line, delimiter), expected), line)
        for index, line in zip(
            line_index.filter(broken).to_list(), lines.filter(broken).to_list(), strict=True
        )
    ]


def _with_spans(
    frame: pl.DataFrame, starts: pl.Series, columns: list[str], spans: Records
) -> tuple[pl.DataFrame, pl.Series]:
    """Merge the records that span lines into the one-line records, in source order."""
    if not spans.rows:
        return frame, starts
    frame = pl.concat([frame, rows_frame(columns, spans.rows)])
    starts = pl.concat([starts, pl.Series(spans.starts, dtype=starts.dtype)])
    order = starts.arg_sort()
    return frame[order], starts[order]


def _by_records(silo: str, text: str, delimiter: str) -> _Parsed:
    """Parse the whole text with the csv module."""
    try:
        header, header_lines, records = parse_text(text, delimiter)
    except csv.Error:
        raise SiloError(
            silo,
            "the header line cannot be parsed (a quote is never closed) — fix the first line "
            "of the file, or check `delimiter` in golden.toml",
        ) from None
    columns = unique_column_names(silo, header)
    frame = rows_frame(columns, records.rows)
    starts = pl.Series(records.starts, dtype=pl.Int64)
    return _numbered(frame, starts, records.rejected, records.continuations, header_lines)


def _body_lines(body: str, data: bytes) -> pl.Series:
    """The data lines without line ends; a final line end does not start another row."""
    if not body:
        return pl.Series("line", [], dtype=pl.String)
    if _UNIT_SEPARATOR in body:
        return pl.Series("line", body.removesuffix("\n").split("\n")).str.strip_suffix("\r")
    # polars' reader with a separator that does not occur splits lines fast, keeps blank ones
    # and drops the CR of CRLF line ends.
    return pl.read_csv(
        data,
        has_header=False,
        new_columns=["line"],
        separator=_UNIT_SEPARATOR,
        quote_char=None,
        infer_schema=False,
        empty_string_is_null=False,
    )["line"]


def _polars_rows(
    data: bytes, expected: int, columns: list[str], delimiter: str
) -> pl.DataFrame | None:
    """Well-formed lines parsed by polars; None if polars refuses them or miscounts."""
    if expected == 0:
        return text_frame(columns, [[] for _ in columns])
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
    return frame if frame.height == expected else None


def _numbered(
    frame: pl.DataFrame,
    starts: pl.Series,
    rejected: Sequence[Rejected],
    continuations: Sequence[int],
    first_line: int,
) -> _Parsed:
    """Turn start lines (0-based) into 1-based record numbers: lines continuing a record and
    the header's lines do not count."""
    rejected_starts = pl.Series([item.row_number for item in rejected], dtype=pl.Int64)
    numbers = _record_numbers(rejected_starts, continuations, first_line).to_list()
    return _Parsed(
        frame,
        _record_numbers(starts.cast(pl.Int64), continuations, first_line),
        [
            dataclasses.replace(item, row_number=number)
            for item, number in zip(rejected, numbers, strict=True)
        ],
    )


def _record_numbers(starts: pl.Series, continuations: Sequence[int], first_line: int) -> pl.Series:
    skipped = pl.Series(sorted(continuations), dtype=pl.Int64).search_sorted(starts, side="left")
    return starts - first_line + 1 - skipped.cast(pl.Int64)
