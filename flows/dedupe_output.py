"""The user's own file back, unchanged, plus duplicate-group columns, in the file's own format.

An Excel user de-duplicating a customer list expects their list back: same columns, same order,
same delimiter and encoding (a Windows-1252 CSV with ";" stays one), and three more columns:
``Dubletten_Gruppe``, ``Golden_ID`` and ``Sicherheit`` (matching.duplicate_groups). A CSV is
re-written record by record with Python's csv module, which keeps every field as it was (also
rows the pipeline put into quarantine: they get empty group columns); a workbook gets the columns
appended to the sheet that was read; JSON and Parquet are written back with polars.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from flows.connectors.detect import decode_text, delimiter_char, sniff_delimiter
from matching.duplicate_groups import GROUP_COLUMNS


def annotated_name(path: Path) -> str:
    """kunden.csv -> kunden_Dubletten.csv"""
    return f"{path.stem}_Dubletten{path.suffix}"


def _cells(groups: pl.DataFrame) -> dict[int, list[str]]:
    """row number -> the three cells as text."""
    texts = groups.select(
        "row_number", *(pl.col(name).cast(pl.String).fill_null("") for name in GROUP_COLUMNS)
    )
    return {row[0]: list(row[1:]) for row in texts.iter_rows()}


def write_annotated_csv(
    source: Path, target: Path, groups: pl.DataFrame, *, encoding: str, delimiter: str
) -> None:
    """``source`` with the group columns appended, same delimiter, encoding and line ends."""
    data = source.read_bytes()
    text, used = decode_text(data, encoding)
    separator = delimiter_char(delimiter) or sniff_delimiter(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    cells = _cells(groups)
    bom = data.startswith(b"\xef\xbb\xbf")
    del data
    # Written row by row into the file: no second copy of the whole text in memory.
    with target.open("w", encoding=used, newline="") as out:
        if bom:
            out.write("\ufeff")
        writer = csv.writer(out, delimiter=separator, lineterminator=newline)
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        for index, record in enumerate(rows):
            if index == 0:
                writer.writerow([*record, *GROUP_COLUMNS])
            elif record:
                writer.writerow([*record, *cells.get(index, ["", "", ""])])


def write_annotated_excel(
    source: Path, target: Path, groups: pl.DataFrame, sheet: str | int | None
) -> None:
    """The workbook with the group columns appended to the sheet that was read."""
    import openpyxl

    workbook = openpyxl.load_workbook(source)
    if isinstance(sheet, int):
        worksheet = workbook.worksheets[sheet - 1]
    else:
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    first = worksheet.max_column + 1
    for offset, name in enumerate(GROUP_COLUMNS):
        worksheet.cell(row=1, column=first + offset, value=name)
    values = {row[0]: row[1:] for row in groups.select("row_number", *GROUP_COLUMNS).iter_rows()}
    for row_number, row_values in values.items():
        for offset, value in enumerate(row_values):
            worksheet.cell(row=row_number + 1, column=first + offset, value=value)
    workbook.save(target)


def write_annotated_frame(rows: pl.DataFrame, target: Path, groups: pl.DataFrame) -> None:
    """JSON, JSON Lines or Parquet: the rows read (``_row_number``) plus the group columns."""
    joined = (
        rows.join(groups.rename({"row_number": "_row_number"}), on="_row_number", how="left")
        .sort("_row_number")
        .drop("_row_number")
    )
    suffix = target.suffix.lower()
    if suffix == ".parquet":
        joined.write_parquet(target)
    elif suffix in (".jsonl", ".ndjson"):
        joined.write_ndjson(target)
    else:
        target.write_text(
            json.dumps(joined.to_dicts(), ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
