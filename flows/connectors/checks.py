"""Checks every connector's values pass before the pipeline sees them.

* Control characters (NUL, escape, a byte-order mark in mid-text ...) are removed, with a
  finding per value: never silently.
* Mojibake (UTF-8 read as Windows-1252: "JÃ¼rgen") is repaired with ftfy, with a finding.
* A value longer than the silo's ``max_value_length`` puts its row in quarantine: it is not a
  name or an address, and Excel would cut it at 32,767 characters anyway.

The checks run on column expressions; ftfy runs only on the distinct values that show a
mojibake pattern, so a clean silo costs one regex scan per column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from cleaners.text import (
    has_control_characters,
    may_be_mojibake,
    repair_mojibake,
    strip_control_characters,
)

#: Columns of a connector's findings (values it changed), before the pipeline knows record keys.
EXTRACT_FINDINGS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "row_number": pl.Int64(),
    "column": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
    "value": pl.String(),
}
CONTROL_REASON: Final = "control characters removed (NUL, escape, byte-order mark ...)"
MOJIBAKE_REASON: Final = "mojibake repaired (UTF-8 text had been read as Windows-1252)"
#: Findings keep at most this many characters of the original value.
VALUE_LIMIT: Final = 200


@dataclass(frozen=True)
class CheckedValues:
    """The frame with values repaired, the findings, and rows too long to publish."""

    frame: pl.DataFrame
    findings: pl.DataFrame
    #: (row number, reason) of rows with a value over the limit.
    too_long: list[tuple[int, str]]


def empty_extract_findings() -> pl.DataFrame:
    """An empty connector findings frame."""
    return pl.DataFrame(schema=EXTRACT_FINDINGS_SCHEMA)


def check_values(
    frame: pl.DataFrame, columns: list[str], row_number: str, max_length: int, silo: str
) -> CheckedValues:
    """Repair control characters and mojibake; list rows with values over ``max_length``."""
    findings = [empty_extract_findings()]
    # One pass over all columns at once (polars runs the expressions in parallel).
    scan = (
        frame.select(
            *(
                has_control_characters(pl.col(name)).any().alias(f"c{i}")
                for i, name in enumerate(columns)
            ),
            *(may_be_mojibake(pl.col(name)).any().alias(f"m{i}") for i, name in enumerate(columns)),
        ).row(0, named=True)
        if columns and frame.height
        else {}
    )
    for index, name in enumerate(columns):
        value = pl.col(name)
        flags = (scan.get(f"c{index}"), scan.get(f"m{index}"))
        if flags[1]:  # first: a repaired "ï»¿" is a byte-order mark, removed next
            frame, repaired = _repair_mojibake(frame, name, row_number)
            findings.append(repaired)
        if flags[0] or flags[1]:
            control = has_control_characters(value)
            if frame.select(control.any()).item():
                findings.append(_findings(frame, name, row_number, control))
                frame = frame.with_columns(strip_control_characters(value).alias(name))
    too_long = _too_long(frame, columns, row_number, max_length, silo)
    return CheckedValues(frame, pl.concat(findings), too_long)


def _findings(frame: pl.DataFrame, name: str, row_number: str, mask: pl.Expr) -> pl.DataFrame:
    return frame.filter(mask.fill_null(False)).select(
        pl.col(row_number).alias("row_number"),
        pl.lit(name).alias("column"),
        pl.lit("corrected").alias("status"),
        pl.lit(CONTROL_REASON).alias("reason"),
        # The finding shows what was removed: control characters as \\uXXXX escapes.
        pl.col(name)
        .str.slice(0, VALUE_LIMIT)
        .map_elements(lambda text: text.encode("unicode_escape").decode("ascii"), pl.String)
        .alias("value"),
    )


def _repair_mojibake(
    frame: pl.DataFrame, name: str, row_number: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    value = pl.col(name)
    distinct = frame.filter(may_be_mojibake(value).fill_null(False)).select(value.unique())
    repaired = distinct.with_columns(
        value.map_elements(repair_mojibake, pl.String).alias("__repaired")
    ).filter(pl.col("__repaired") != value)
    if repaired.is_empty():
        return frame, empty_extract_findings()
    joined = frame.join(repaired, on=name, how="left", maintain_order="left")
    changed = pl.col("__repaired").is_not_null()
    findings = joined.filter(changed).select(
        pl.col(row_number).alias("row_number"),
        pl.lit(name).alias("column"),
        pl.lit("corrected").alias("status"),
        pl.lit(MOJIBAKE_REASON).alias("reason"),
        value.str.slice(0, VALUE_LIMIT).alias("value"),
    )
    frame = joined.with_columns(pl.coalesce("__repaired", value).alias(name)).drop("__repaired")
    return frame, findings


def _too_long(
    frame: pl.DataFrame, columns: list[str], row_number: str, max_length: int, silo: str
) -> list[tuple[int, str]]:
    if not columns or frame.is_empty():
        return []
    # Bytes first: a text of more characters than the limit has at least as many bytes.
    candidates = frame.filter(
        pl.any_horizontal(pl.col(name).str.len_bytes() > max_length for name in columns)
    )
    lengths = candidates.select(
        pl.col(row_number), *(pl.col(name).str.len_chars().alias(name) for name in columns)
    )
    over = lengths.filter(pl.any_horizontal(pl.col(name) > max_length for name in columns))
    result = []
    for row in over.iter_rows(named=True):  # only the offending rows, few
        name = next(name for name in columns if (row[name] or 0) > max_length)
        result.append(
            (
                row[row_number],
                f"value too long: column '{name}' has {row[name]:,} characters (limit "
                f"{max_length:,}; raise `max_value_length` in golden.toml [silos.{silo}] if "
                f"such values are real)",
            )
        )
    return result
