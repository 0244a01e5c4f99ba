"""Excel-safe CSV export: the files people open by double-click (quarantine.csv, findings.csv ...).

What "safe" means here, and why:

* UTF-8 with a byte-order mark by default: without it Excel reads UTF-8 as Windows-1252 and turns
  "Müller" into "MÃ¼ller". ``bom=False`` for tools that choke on the BOM.
* ``delimiter=";"`` for German/Austrian/Swiss Excel, whose list separator is the semicolon.
* List columns (phones, emails) become one cell, items joined with ``"; "``.
* Dates, datetimes and times are written as ISO 8601 text (``2024-03-01``,
  ``2024-03-01 12:30:00.000000+01:00``), never in a locale format.
* Formula injection (OWASP "CSV Injection"): a text cell that starts with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return gets a leading apostrophe, so Excel and LibreOffice show it as
  text instead of evaluating it (``=HYPERLINK(...)`` in a customer's company name, say).
  Consequence, intended: E.164 phone numbers start with ``+`` and are written as ``'+4930123456``;
  Excel shows them as text ``+4930123456`` (which also keeps the leading ``+``; as a number Excel
  would drop it). Tools that read the CSV programmatically must strip one leading apostrophe.
  Numeric columns are not escaped: a negative number is a value, not a formula.

The caller writes into a temporary directory and publishes it as a whole, so no atomic write here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection advice).
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")

#: Separator between the items of a list column inside one cell.
LIST_SEPARATOR: Final = "; "

_FORMULA_PATTERN: Final = "^[=+\\-@\t\r]"


def escape_formula(expr: pl.Expr) -> pl.Expr:
    """Prefix text values that start with =, +, -, @, tab or CR with an apostrophe."""
    return pl.when(expr.str.contains(_FORMULA_PATTERN)).then(pl.lit("'") + expr).otherwise(expr)


def write_csv(frame: pl.DataFrame, path: Path, *, delimiter: str = ",", bom: bool = True) -> None:
    """Write ``frame`` to ``path`` as Excel-safe CSV (see the module docstring)."""
    safe = frame.select(_excel_safe(name, dtype) for name, dtype in frame.schema.items())
    safe = safe.rename({name: _escape_header(name) for name in safe.columns})
    safe.write_csv(path, separator=delimiter, include_bom=bom)


def _excel_safe(name: str, dtype: pl.DataType) -> pl.Expr:
    """Return the column as CSV-ready values: text escaped, lists joined, temporals as ISO."""
    column = pl.col(name)
    if isinstance(dtype, pl.List):
        # Cast items to text first so lists of numbers or dates join as well.
        return escape_formula(column.cast(pl.List(pl.String)).list.join(LIST_SEPARATOR)).alias(name)
    if isinstance(dtype, pl.Array):
        text_items = column.cast(pl.Array(pl.String, dtype.shape))
        return escape_formula(text_items.arr.join(LIST_SEPARATOR)).alias(name)
    if dtype.is_temporal() and not isinstance(dtype, pl.Duration):
        return column.dt.to_string("iso").alias(name)
    if isinstance(dtype, pl.Struct):
        return escape_formula(column.struct.json_encode()).alias(name)
    if isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
        return escape_formula(column.cast(pl.String)).alias(name)
    return column


def _escape_header(name: str) -> str:
    # Headers can come from silo column names, i.e. from outside; a handful of strings, so plain
    # Python is fine here (the cells, possibly millions, go through escape_formula).
    return f"'{name}" if name.startswith(FORMULA_PREFIXES) else name
