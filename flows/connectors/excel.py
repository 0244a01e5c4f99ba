"""Excel workbooks (.xlsx, .xlsm, .xls, .ods) through fastexcel (calamine).

Cells are read with their types and rendered as text the way a person reads them: whole numbers
without ".0", date cells as ISO yyyy-mm-dd, text cells (postal codes with leading zeros) as they
are. ``sheet`` is a name or a 1-based position (like polars' sheet_id); the first sheet by default.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from flows.connectors.cast import frame_to_text
from flows.connectors.locate import source_path, where_to_fix
from flows.connectors.result import SiloExtract, table_extract, unique_column_names
from rules.config import GoldenConfig, SiloConfig
from rules.errors import SiloError


def read_excel(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    """Read one sheet of a workbook; the first row is the header."""
    path = source_path(silo, config)
    try:
        workbook = fastexcel.read_excel(path)
    except (fastexcel.FastExcelError, OSError):
        raise SiloError(
            silo.name,
            f"cannot open {path} as an Excel workbook — save it as .xlsx, or use "
            f'connector = "csv" for text exports',
        ) from None
    sheet = _sheet(silo, path, workbook.sheet_names)
    try:
        header = workbook.load_sheet(sheet, header_row=None, n_rows=1, dtypes="string")
        # All rows decide a column's type: a text cell in row 5,000 must not become null.
        typed = workbook.load_sheet(sheet, schema_sample_rows=None).to_polars()
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError):
        raise SiloError(
            silo.name,
            f"cannot read sheet '{workbook.sheet_names[sheet]}' of {path} — check that the "
            f"file is not damaged (open and save it in Excel)",
        ) from None
    header_cells = header.to_polars().row(0) if typed.width else ()
    names = [cell or "" for cell in header_cells]
    if len(names) != typed.width:
        names = list(typed.columns)
    frame = frame_to_text(typed, midnight_is_date=True)
    frame.columns = unique_column_names(silo.name, names)
    return table_extract(silo.name, frame, silo.max_value_length, silo.id_column)


def _sheet(silo: SiloConfig, path: Path, sheets: list[str]) -> int:
    """The 0-based index of the configured sheet; raises SiloError listing the sheets."""
    available = ", ".join(f"'{name}'" for name in sheets)
    if silo.sheet is None:
        if not sheets:
            raise SiloError(silo.name, f"{path} has no sheets — export the data again")
        return 0
    if isinstance(silo.sheet, int):
        if 1 <= silo.sheet <= len(sheets):
            return silo.sheet - 1
        raise SiloError(
            silo.name,
            f"sheet {silo.sheet} does not exist in {path} (sheets are numbered from 1; "
            f"available: {available}) — {where_to_fix(silo, 'sheet')}",
        )
    if silo.sheet in sheets:
        return sheets.index(silo.sheet)
    folded = [name for name in sheets if name.strip().casefold() == silo.sheet.strip().casefold()]
    if len(folded) == 1:
        return sheets.index(folded[0])
    raise SiloError(
        silo.name,
        f"sheet '{silo.sheet}' not found in {path}; available sheets: {available} — "
        f"{where_to_fix(silo, 'sheet')}",
    )
