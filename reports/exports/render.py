"""Golden records -> the cells of one CRM object's import file, and the streaming file writer.

``render_object`` turns the golden frame (lazy) into one text column per profile header plus the
golden id as row key (``ROW_KEY``): persons or organisations only, dates in the profile's format,
booleans as its words, every cell escaped against formula injection with
reports.csv_safe.escape_formula; phone cells as in every CSV output
(reports.csv_safe.escape_phone): plain E.164 numbers (``+`` and 7 to 15 digits; several joined
by "; ") as they are, since digits alone cannot carry a formula while the escaping apostrophe
would be imported into the CRM's phone field and break dialling there.

``sink_csv`` writes a lazy frame with polars' streaming CSV sink (batches, no Python row loop),
UTF-8 with BOM by default and the chosen delimiter; every cell holding ; or , is quoted
(reports.csv_safe.quote_cell), so Excel splits no cell in either locale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from reports.csv_safe import escape_formula, escape_phone, header_cell, quote_cell
from reports.exports.profile import ExportColumn, ExportObject, ExportProfile
from reports.exports.values import VALUES, Kind, with_accounts, with_phone_types

#: The row key every rendered frame carries next to the headers (dropped before writing; a
#: header may itself be "golden_id", so the key has a name no profile uses).
ROW_KEY: Final = "__golden_id"

#: Between cells and for null cells in the text that content hashes are computed from.
_CELL_SEPARATOR: Final = "\x1f"
_NULL_CELL: Final = "\x00"


def _cell(column: ExportColumn, profile: ExportProfile) -> pl.Expr:
    """The column's value as the text written into the cell (before escaping)."""
    value = VALUES[column.value]
    expr = value.expression()
    if value.kind is Kind.DATE:
        return expr.dt.strftime(profile.date_format)
    if value.kind is Kind.DATETIME:
        return expr.dt.strftime(profile.datetime_format)
    if value.kind is Kind.BOOLEAN:
        unknown = pl.lit(None, pl.String)
        if column.marketing and profile.unknown_consent == "opt_out":
            # Unknown consent: no marketing e-mail (opted out / not subscribed), § 7 UWG.
            if column.unknown_text is not None:
                unknown = pl.lit(column.unknown_text)
            else:
                expr = expr.fill_null(column.value.endswith("_opt_out"))
        true_text = profile.true_text if column.true_text is None else column.true_text
        false_text = profile.false_text if column.false_text is None else column.false_text
        return (
            pl.when(expr)
            .then(pl.lit(true_text))
            .when(~expr)
            .then(pl.lit(false_text))
            .otherwise(unknown)
        )
    return expr.cast(pl.String)


def _escaped(text: pl.Expr, kind: Kind) -> pl.Expr:
    return escape_phone(text) if kind is Kind.PHONE else escape_formula(text)


def object_filter(export_object: ExportObject) -> pl.Expr:
    """The golden records the object takes: organisations, or everything else (persons)."""
    is_organisation = (pl.col("record_type") == "organisation").fill_null(False)
    return is_organisation if export_object.record_type == "organisation" else ~is_organisation


def render_object(
    golden: pl.LazyFrame, profile: ExportProfile, export_object: ExportObject
) -> pl.LazyFrame:
    """The object's rows: ``ROW_KEY`` (the golden id) and one text column per header.

    Organisations go to the organisation object; every other record (persons, and records
    whose type is unknown) to the person object.
    """
    cells = [
        _escaped(_cell(column, profile), column.kind).alias(column.header)
        for column in export_object.columns
    ]
    return (
        with_phone_types(with_accounts(golden))
        .filter(object_filter(export_object))
        .select(pl.col("golden_id").alias(ROW_KEY), *cells)
    )


def content_text(export_object: ExportObject) -> pl.Expr:
    """One text per row over all cells (null and empty told apart), to hash for change checks."""
    return pl.concat_str(
        [pl.col(header).fill_null(_NULL_CELL) for header in export_object.headers],
        separator=_CELL_SEPARATOR,
    )


def sink_csv(frame: pl.LazyFrame, path: Path, *, delimiter: str = ",", bom: bool = True) -> None:
    """Stream ``frame`` (text columns) into an Excel-friendly CSV file."""
    names = frame.collect_schema().names()
    cells = frame.select(
        quote_cell(pl.col(name).cast(pl.String)).alias(name) for name in names
    ).rename({name: header_cell(name) for name in names})
    cells.sink_csv(
        path,
        separator=delimiter,
        include_bom=bom,
        null_value="",
        quote_style="never",  # quote_cell quoted every cell that needs it, for both locales
        engine="streaming",
    )
