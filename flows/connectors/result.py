"""What a connector hands to the pipeline: the raw rows as text, and the rows it could not parse.

Every connector returns a ``SiloExtract`` built by ``build_extract``, so the accounting rule
``rows_read == frame.height + quarantine.height`` and the column contract (every source column as
``pl.String`` plus ``_row_number``) hold for all of them in one place. ``rows_read`` is the count
of the source's physical records made without the parser (``physical_rows``) where the connector
has one (delimited text, JSON Lines): if the parser's rows and quarantine do not add up to it,
rows were lost or invented, and the silo fails loudly instead of publishing.

``build_extract`` also runs the value checks of ``flows.connectors.checks`` (control characters,
mojibake, over-long values) for every connector.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from flows.connectors.checks import check_values, empty_extract_findings
from rules.canonical import QUARANTINE_SCHEMA
from rules.errors import SiloError

log = logging.getLogger(__name__)

#: Column with the 1-based data row of each record in its source (header not counted).
ROW_NUMBER = "_row_number"
#: Quarantine ``raw`` values are cut to this many characters.
RAW_LIMIT = 500
EMPTY_ROW = "empty row"


@dataclass(frozen=True)
class SiloExtract:
    """The rows of one silo as text, plus the rows that could not be parsed."""

    silo: str
    #: Every source column as pl.String (original header names) plus "_row_number" (Int64).
    frame: pl.DataFrame
    #: QUARANTINE_SCHEMA rows for source rows that could not be parsed.
    quarantine: pl.DataFrame
    #: Every data row seen: frame.height + quarantine.height.
    rows_read: int
    #: Source column names in order (without "_row_number").
    columns: list[str]
    #: Values the connector changed (EXTRACT_FINDINGS_SCHEMA: row_number, column, status,
    #: reason, value); column is null for a finding about the whole row (its encoding).
    findings: pl.DataFrame = field(default_factory=empty_extract_findings)


@dataclass(frozen=True)
class Rejected:
    """One source row that could not be parsed."""

    row_number: int
    reason: str
    raw: str | None
    #: The row's id where it can be read without parsing the row (a broken quote after it).
    source_id: str | None = None


def unique_column_names(silo: str, names: Sequence[str]) -> list[str]:
    """Strip header names, name empty ones by position and make duplicates unique with _2, _3.

    Duplicates are renamed rather than refused: the mapping can then still pick the second
    "Telefon" column as "Telefon_2" for the phone list.
    """
    taken: set[str] = {ROW_NUMBER}
    result: list[str] = []
    renamed: list[str] = []
    for position, name in enumerate(names, start=1):
        base = str(name).replace("\ufeff", "").strip() or f"column_{position}"
        candidate, suffix = base, 2
        while candidate in taken:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        if candidate != base:
            renamed.append(f"{base} -> {candidate}")
        taken.add(candidate)
        result.append(candidate)
    if renamed:
        # Header names describe the schema, not a person: safe to log.
        log.warning("silo %s: duplicate column names renamed: %s", silo, ", ".join(renamed))
    return result


def blank_rows(columns: Sequence[str]) -> pl.Expr:
    """True where every column is null or only whitespace (an empty row)."""
    if not columns:
        return pl.lit(False)
    return pl.all_horizontal(
        pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "") for name in columns
    )


def text_frame(columns: Sequence[str], values: Sequence[Sequence[str | None]]) -> pl.DataFrame:
    """A frame of String columns from column-wise values."""
    return pl.DataFrame(
        {name: list(column) for name, column in zip(columns, values, strict=True)},
        schema={name: pl.String for name in columns},
    )


def rows_frame(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> pl.DataFrame:
    """A frame of String columns from row-wise values (each row as long as ``columns``)."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return text_frame(columns, values)


@dataclass(frozen=True)
class RowFinding:
    """A finding about one whole source row (e.g. the line was in another encoding)."""

    #: None when the source does not tell the row (a line of a JSON document).
    row_number: int | None
    reason: str


def build_extract(
    silo: str,
    frame: pl.DataFrame,
    row_numbers: pl.Series | Sequence[int],
    rejected: Iterable[Rejected],
    separator: str = "\t",
    *,
    physical_rows: int | None = None,
    max_value_length: int = 1000,
    row_findings: Sequence[RowFinding] = (),
    id_column: str | None = None,
) -> SiloExtract:
    """Assemble the extract: values checked, empty strings null, empty rows in quarantine.

    ``frame`` holds the parsed rows with their final column names, ``row_numbers`` their
    1-based positions in the source, ``rejected`` the rows that could not be parsed; empty rows
    are shown in quarantine with their values joined by ``separator``. ``physical_rows`` is the
    source's record count made without the parser; without it the parsed rows are the count.
    ``id_column`` is the column mapped to source_id: a row quarantined for an over-long value
    carries its id (unless the id is that value); ``ROW_NUMBER`` (the row number is the id) gives
    every quarantined row its row number as id. Raises SiloError when the rows do not add up.
    """
    columns = list(frame.columns)
    frame = frame.with_columns(pl.Series(ROW_NUMBER, row_numbers, dtype=pl.Int64))
    checked = check_values(frame, columns, ROW_NUMBER, max_value_length, silo)
    # After the checks: a value that was only a NUL is empty now, and empty is null.
    frame = checked.frame.with_columns(
        [pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in columns]
    )
    quarantined = list(rejected)
    if checked.too_long:
        long_rows = pl.Series([number for number, _ in checked.too_long], dtype=pl.Int64)
        long_frame = frame.filter(pl.col(ROW_NUMBER).is_in(long_rows))
        raw = _raw_rows(long_frame, columns, separator)
        ids = _row_ids(long_frame, id_column, max_value_length)
        reasons = dict(checked.too_long)
        quarantined += [
            Rejected(number, reasons[number], text, ids.get(number)) for number, text in raw
        ]
        frame = frame.filter(~pl.col(ROW_NUMBER).is_in(long_rows))
    is_blank = frame.select(blank_rows(columns).alias("blank"))["blank"]
    if is_blank.any():
        blanks = frame.filter(is_blank)
        quarantined += [
            Rejected(number, EMPTY_ROW, raw)
            for number, raw in _raw_rows(blanks, columns, separator)
        ]
        frame = frame.filter(~is_blank)
    if id_column == ROW_NUMBER:
        # No id column: the row number is the id (golden dedupe without --id), also of the
        # rows that go no further, as the crosswalk writes it for the others.
        quarantined = [replace(item, source_id=str(item.row_number)) for item in quarantined]
    quarantine = quarantine_frame(silo, quarantined)
    rows_read = frame.height + quarantine.height
    if physical_rows is not None and physical_rows != rows_read:
        raise SiloError(
            silo,
            f"the source has {physical_rows:,} records but {frame.height:,} were read and "
            f"{quarantine.height:,} quarantined — rows would be lost or doubled, so nothing is "
            f"published; please report this (with the file's layout, not its data) as a bug",
        )
    findings = pl.concat(
        [
            checked.findings,
            pl.DataFrame(
                {
                    "row_number": [item.row_number for item in row_findings],
                    "column": [None] * len(row_findings),
                    "status": ["corrected"] * len(row_findings),
                    "reason": [item.reason for item in row_findings],
                    "value": [None] * len(row_findings),
                },
                schema=checked.findings.schema,
            ),
        ]
    ).sort("row_number", "column", nulls_last=False, maintain_order=True)
    return SiloExtract(
        silo=silo,
        frame=frame,
        quarantine=quarantine,
        rows_read=rows_read,
        columns=columns,
        findings=findings,
    )


def table_extract(
    silo: str, frame: pl.DataFrame, max_value_length: int, id_column: str | None = None
) -> SiloExtract:
    """``build_extract`` of a table read whole (a query, a sheet, a Parquet file): its n-th
    row is row n, none rejected, and its rows are the source's count."""
    return build_extract(
        silo,
        frame,
        range(1, frame.height + 1),
        [],
        physical_rows=frame.height,
        max_value_length=max_value_length,
        id_column=id_column,
    )


def _row_ids(frame: pl.DataFrame, id_column: str | None, max_length: int) -> dict[int, str]:
    """Row number -> the row's id as the mapping reads it (trimmed, empty is none), for rows
    whose id column holds one no longer than ``max_length`` (an over-long id is no id)."""
    if id_column in (None, ROW_NUMBER) or id_column not in frame.columns:
        return {}  # no id column (a row number as id is given to every quarantined row)
    value = pl.col(id_column)
    trimmed = value.str.strip_chars()
    ids = frame.filter((value.str.len_chars() <= max_length) & (trimmed != "")).select(
        ROW_NUMBER, trimmed
    )
    return dict(ids.iter_rows())


def _raw_rows(frame: pl.DataFrame, columns: Sequence[str], separator: str) -> list[tuple[int, str]]:
    """(row number, the row's values joined by ``separator``) for quarantine's raw column."""
    raw = frame.select(
        pl.col(ROW_NUMBER),
        pl.concat_str([pl.col(name).fill_null("") for name in columns], separator=separator)
        if columns
        else pl.lit(""),
    )
    return [(number, text) for number, text in raw.iter_rows()]


def quarantine_frame(silo: str, rejected: Sequence[Rejected]) -> pl.DataFrame:
    """QUARANTINE_SCHEMA rows for rejected source rows, in source order."""
    ordered = sorted(rejected, key=lambda item: item.row_number)
    return pl.DataFrame(
        {
            "silo": [silo] * len(ordered),
            "source_id": [item.source_id for item in ordered],
            "row_number": [item.row_number for item in ordered],
            "field": [None] * len(ordered),
            "reason": [item.reason for item in ordered],
            "raw": [None if item.raw is None else item.raw[:RAW_LIMIT] for item in ordered],
        },
        schema=QUARANTINE_SCHEMA,
    )
