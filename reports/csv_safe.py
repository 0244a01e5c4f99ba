"""Excel-safe CSV export: the files people open by double-click (quarantine.csv, findings.csv ...).

What "safe" means here, and why:

* UTF-8 with a byte-order mark by default: without it Excel reads UTF-8 as Windows-1252 and turns
  "Müller" into "MÃ¼ller". ``bom=False`` for tools that choke on the BOM.
* ``delimiter=";"`` for German/Austrian/Swiss Excel, whose list separator is the semicolon.
* List columns (phones, emails) become one cell, items joined with ``"; "``.
* Dates, datetimes and times are written as ISO 8601 text (``2024-03-01``,
  ``2024-03-01 12:30:00.000000+01:00``), never in a locale format.
* Formula injection (OWASP "CSV Injection"), judged as Excel in either locale splits the line.
  German, Austrian and Swiss Excel open a double-clicked .csv with ``;`` as separator, comma
  locales with ``,``; a file is read one way or the other whatever delimiter it was written with.
  So every piece of a text cell that starts the cell or follows a ``;`` or ``,`` (quotes between
  allowed) and begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
  apostrophe: ``Meier;=1+1`` is written ``Meier;'=1+1``. Excel and LibreOffice then show it as
  text, in both locales. Tools that read the CSV programmatically undo it with
  ``flows.files.unescape_formula`` (one apostrophe after the start, a ``;`` or a ``,``).
* Phone columns, the same in every file (golden.csv, the CRM exports ...): a cell holding only
  plain E.164 numbers (``+`` and 7 to 15 digits, several joined by ``"; "``) is written as it is.
  Digits cannot carry a formula (Excel at worst shows the number without its ``+``), while an
  apostrophe would be imported into the CRM's phone field and break dialling there. Any other
  phone cell is escaped like text. ``PHONE_COLUMN`` names the phone columns of plain outputs.
  Numeric columns are not escaped: a negative number is a value, not a formula.
* Every cell containing ``;``, ``,``, a quote or a line break is quoted, whatever the delimiter,
  so neither locale splits it into more cells than the other.
* Identifiers are never altered: ``silo``, ``record_key``, ``source_id`` and golden-id columns
  (``IDENTIFIER`` matches their names) are written exactly as they are and always quoted, so a
  CRM key such as ``+1+1`` maps to exactly that key in crosswalk.csv and merge_map.csv. The
  price: Excel shows such a key as a formula's result. Import these files with the CRM's import
  tool or a program; do not edit and re-save them in Excel.

The caller writes into a temporary directory and publishes it as a whole, so no atomic write here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import polars as pl

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection advice).
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")

#: Separator between the items of a list column inside one cell.
LIST_SEPARATOR: Final = "; "

#: A formula character at the start of a cell or after a ; or , (either locale's separator),
#: with any quotes in between.
_FORMULA_PIECE: Final = '(^|[;,])("*)([=+\\-@\t\r])'
#: Cells containing one of these are quoted, whatever the file's delimiter.
_NEEDS_QUOTES: Final = '[;,"\r\n\t|]'
#: E.164 numbers ("+", 7 to 15 digits, no leading 0), alone or as a list joined by "; ".
_E164 = r"\+[1-9][0-9]{6,14}"
E164_CELL: Final = rf"^{_E164}(?:; {_E164})*$"
#: Column names of phone columns in plain outputs (golden.csv's ``phones``).
PHONE_COLUMN: Final = r"(?i)^\w*phones?\w*$"
#: Column names of identifiers: written exactly, always quoted.
IDENTIFIER: Final = r"^(silo|record_key\w*|source_id\w*|\w*golden_id\w*)$"


def escape_formula(expr: pl.Expr) -> pl.Expr:
    """Prefix every piece of a text that either Excel locale would start a cell with at =, +,
    -, @, tab or CR (the cell's start, or after a ; or ,) with an apostrophe."""
    # Replaced only where it occurs: nearly no cell holds one, and the test alone is cheaper
    # than rewriting every cell (golden.csv at 100,000 persons: 0.67 -> 0.45 s CPU).
    return (
        pl.when(expr.str.contains(_FORMULA_PIECE))
        .then(expr.str.replace_all(_FORMULA_PIECE, "${1}${2}'${3}"))
        .otherwise(expr)
    )


def escape_phone(expr: pl.Expr) -> pl.Expr:
    """Plain E.164 phone cells as they are, anything else escaped like text."""
    return pl.when(expr.str.contains(E164_CELL)).then(expr).otherwise(escape_formula(expr))


def quote_cell(expr: pl.Expr, *, always: bool = False) -> pl.Expr:
    """The text as a CSV cell: in quotes (inner quotes doubled) if it holds ; , a quote, a tab,
    | or a line break, or ``always``; nulls stay null (an empty cell)."""
    quoted = pl.lit('"') + expr.str.replace_all('"', '""', literal=True) + pl.lit('"')
    if always:
        return quoted
    # An empty text is quoted too: "" and a null (empty cell) stay apart, as polars writes them.
    return pl.when(expr.str.contains(_NEEDS_QUOTES) | (expr == "")).then(quoted).otherwise(expr)


def is_identifier(name: str) -> bool:
    """True for identifier columns (never escaped, always quoted)."""
    return re.match(IDENTIFIER, name) is not None


def write_csv(
    frame: pl.DataFrame | pl.LazyFrame, path: Path, *, delimiter: str = ",", bom: bool = True
) -> None:
    """Write ``frame`` to ``path`` as Excel-safe CSV (see the module docstring).

    Streamed: the escaped text is made and written a batch of rows at a time (polars'
    ``sink_csv``), so writing a file of millions of rows holds no second copy of it as text.
    """
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    safe = lazy.select(_excel_safe(name, dtype) for name, dtype in schema.items())
    safe = safe.rename({name: header_cell(name) for name in schema.names()})
    # Quoting is done per cell above (both locales' separators): polars must not add its own.
    safe.sink_csv(path, separator=delimiter, include_bom=bom, quote_style="never")


def _excel_safe(name: str, dtype: pl.DataType) -> pl.Expr:
    """Return the column as CSV-ready values: text escaped and quoted, lists joined, temporals as
    ISO; identifier columns exact and quoted."""
    column = pl.col(name)
    if is_identifier(name) and isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
        return quote_cell(column.cast(pl.String), always=True).alias(name)
    if isinstance(dtype, pl.List):
        # Cast items to text first so lists of numbers or dates join as well.
        text = column.cast(pl.List(pl.String)).list.join(LIST_SEPARATOR)
    elif isinstance(dtype, pl.Array):
        text = column.cast(pl.Array(pl.String, dtype.shape)).arr.join(LIST_SEPARATOR)
    elif dtype.is_temporal() and not isinstance(dtype, pl.Duration):
        return column.dt.to_string("iso").alias(name)
    elif isinstance(dtype, pl.Struct):
        text = column.struct.json_encode()
    elif isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
        text = column.cast(pl.String)
    else:
        return column
    escaped = escape_phone(text) if re.match(PHONE_COLUMN, name) else escape_formula(text)
    return quote_cell(escaped).alias(name)


def header_cell(name: str) -> str:
    """A column name as an escaped, quoted-if-needed header cell."""
    # Headers can come from silo column names, i.e. from outside; a handful of strings, so plain
    # Python is fine here (the cells, possibly millions, go through the expressions).
    escaped = re.sub(_FORMULA_PIECE, r"\1\2'\3", name)
    if re.search(_NEEDS_QUOTES, escaped):
        return '"' + escaped.replace('"', '""') + '"'
    return escaped
