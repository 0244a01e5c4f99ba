"""Reading small id tables (truth.csv, crosswalk.csv) that people may have opened in Excel."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rules.errors import GoldenError


def unescape_formula(column: str) -> pl.Expr:
    """Undo reports.csv_safe's formula escaping: drop the apostrophe before = + - @ tab CR at
    the start of the cell or after a ; or , (quotes in between allowed)."""
    return pl.col(column).str.replace_all(r"""(^|[;,])("*)'([=+\-@\t\r])""", "$1$2$3")


def read_id_table(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    """Read a CSV with the given columns as text (BOM, ; or , delimiter, escaped cells)."""
    if not path.is_file():
        raise GoldenError(f"{path}: file not found")
    text = path.read_text(encoding="utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        frame = pl.read_csv(text.encode("utf-8"), separator=delimiter, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise GoldenError(f"{path}: not a readable CSV file: {exc}") from None
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise GoldenError(
            f"{path}: column(s) {', '.join(missing)} missing; found {', '.join(frame.columns)}"
        )
    return frame.select(unescape_formula(name) for name in columns)
