"""What a connector hands to the pipeline: the raw rows as text, and the rows it could not parse.

Every connector returns a ``SiloExtract`` built by ``build_extract``, so the accounting rule
``rows_read == frame.height + quarantine.height`` and the column contract (every source column as
``pl.String`` plus ``_row_number``) hold for all of them in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from rules.canonical import QUARANTINE_SCHEMA

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


@dataclass(frozen=True)
class Rejected:
    """One source row that could not be parsed."""

    row_number: int
    reason: str
    raw: str | None


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


def build_extract(
    silo: str,
    frame: pl.DataFrame,
    row_numbers: pl.Series | Sequence[int],
    rejected: Iterable[Rejected],
    separator: str = "\t",
) -> SiloExtract:
    """Assemble the extract: empty strings become null, empty rows move to quarantine.

    ``frame`` holds the parsed rows with their final column names, ``row_numbers`` their
    1-based positions in the source, ``rejected`` the rows that could not be parsed; empty rows
    are shown in quarantine with their values joined by ``separator``.
    """
    columns = list(frame.columns)
    frame = frame.with_columns(
        [pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in columns]
    ).with_columns(pl.Series(ROW_NUMBER, row_numbers, dtype=pl.Int64))
    is_blank = frame.select(blank_rows(columns).alias("blank"))["blank"]
    quarantined = list(rejected)
    if is_blank.any():
        blanks = frame.filter(is_blank)
        raw_rows = blanks.select(
            pl.concat_str([pl.col(name).fill_null("") for name in columns], separator=separator)
        ).to_series()
        quarantined += [
            Rejected(number, EMPTY_ROW, raw)
            for number, raw in zip(blanks[ROW_NUMBER], raw_rows, strict=True)
        ]
        frame = frame.filter(~is_blank)
    quarantine = quarantine_frame(silo, quarantined)
    return SiloExtract(
        silo=silo,
        frame=frame,
        quarantine=quarantine,
        rows_read=frame.height + quarantine.height,
        columns=columns,
    )


def quarantine_frame(silo: str, rejected: Sequence[Rejected]) -> pl.DataFrame:
    """QUARANTINE_SCHEMA rows for rejected source rows, in source order."""
    ordered = sorted(rejected, key=lambda item: item.row_number)
    return pl.DataFrame(
        {
            "silo": [silo] * len(ordered),
            "source_id": [None] * len(ordered),
            "row_number": [item.row_number for item in ordered],
            "field": [None] * len(ordered),
            "reason": [item.reason for item in ordered],
            "raw": [None if item.raw is None else item.raw[:RAW_LIMIT] for item in ordered],
        },
        schema=QUARANTINE_SCHEMA,
    )
