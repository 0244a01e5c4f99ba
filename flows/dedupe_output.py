"""The user's own file back, unchanged, plus duplicate-group columns, in the file's own format.

An Excel user de-duplicating a customer list expects their list back: same columns, same order,
same delimiter and encoding (a Windows-1252 CSV with ";" stays one), and three more columns:
``Dubletten_Gruppe``, ``Golden_ID`` and ``Sicherheit`` (matching.duplicate_groups). A CSV is
split into records exactly as the pipeline read it (flows.connectors.delimited.record_layout) and
written back byte for byte, the group cells appended to each record's last line: row n's cells
land on the line(s) row n was read from, whatever a csv reader would make of a stray quote. Rows
the pipeline put into quarantine (a broken quote, too few fields ...) get empty group cells, a
blank line stays blank. A workbook gets the columns appended to the sheet that was read; JSON and
Parquet are written back with polars.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from flows.connectors.delimited import RecordLayout, record_layout
from flows.connectors.detect import decode_lines, delimiter_char, sniff_delimiter
from flows.connectors.lines import QUOTE
from matching.duplicate_groups import GROUP_COLUMNS

#: Byte order marks and the codec that writes the text after one, longest first (UTF-32 LE's
#: mark begins with UTF-16 LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
)


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
    source: Path,
    target: Path,
    groups: pl.DataFrame,
    *,
    encoding: str,
    delimiter: str,
    max_record_lines: int,
) -> None:
    """``source`` with the group columns appended, every byte of it kept.

    ``encoding``, ``delimiter`` and ``max_record_lines`` are the silo's settings the file was
    read with: decoded, sniffed and split into records as the delimited connector does, record
    n of the split is row n of ``groups``. A record spanning lines gets its cells after its last
    line; a broken-quote line (quarantined) gets a closing quote at its end and empty cells, so
    a spreadsheet does not swallow the lines after it into one cell.
    """
    data = source.read_bytes()
    decoded = decode_lines(data, encoding)
    separator = delimiter_char(delimiter) or sniff_delimiter(decoded.text)
    layout = record_layout(source.name, decoded.text, separator, max_record_lines)
    if layout is None:  # no header: nothing was read, the file comes back as it is
        target.write_bytes(data)
        return
    codec = decoded.encoding
    records = None
    if _family(codec) not in ("utf-16", "utf-32"):  # their line ends are not single bytes
        records = _byte_records(data, decoded.text, layout)
    if records is None:
        codec, records = _text_records(data, decoded.encoding, decoded.text, layout)
    del decoded
    cells = _cells(groups)
    empty = [""] * len(GROUP_COLUMNS)
    broken = layout.segments.broken
    with target.open("wb") as out:
        for number, (body, end) in enumerate(records):
            out.write(body)
            if number == 0:
                appended: list[str] | None = list(GROUP_COLUMNS)
            else:
                appended = cells.get(number, empty) if len(body) else None  # blank stays blank
            if appended is not None:
                text = "".join(separator + _field(value, separator) for value in appended)
                if number < len(broken) and broken[number]:
                    # The open quote closed at the line's end: a spreadsheet then reads the next
                    # lines as rows of their own, as the pipeline did, instead of one cell.
                    text = QUOTE + text
                out.write(text.encode(codec, errors="replace"))
            out.write(end)


def _field(value: str, separator: str) -> str:
    """A cell quoted as the csv module would (only when it holds a separator, quote or line end)."""
    if any(char in value for char in (separator, QUOTE, "\r", "\n")):
        return QUOTE + value.replace(QUOTE, QUOTE * 2) + QUOTE
    return value


Records = Iterator[tuple[bytes | memoryview, bytes | memoryview]]


def _byte_records(data: bytes, text: str, layout: RecordLayout) -> Records | None:
    """(record without its last line end, that line end) per record, sliced from ``data``.

    ``text`` was decoded from these bytes line by line (UTF-8, Windows-1252 and the like), so
    its n-th line is the bytes' n-th line: LF, CRLF and a lone CR are the same bytes in all of
    them. The header record starts at the file's start: a BOM and blank lines above the header
    come back with it. None if the lines do not agree (not seen; the text is written then).
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 0x0A)
    returns = np.flatnonzero(raw == 0x0D)
    lone = returns[~np.isin(returns + 1, newlines)]  # a CR not before LF ends a line
    stops = np.concatenate((newlines + 1, lone + 1))  # one past each line end
    end_lengths = np.concatenate(
        (np.where(np.isin(newlines - 1, returns), 2, 1), np.ones(len(lone), dtype=np.int64))
    )
    order = np.argsort(stops, kind="stable")
    stops, end_lengths = stops[order], end_lengths[order]
    if not len(stops) or stops[-1] != len(raw):  # the last line has no line end
        stops = np.append(stops, len(raw))
        end_lengths = np.append(end_lengths, 0)
    lead = sum(1 for _ in io.StringIO(text[: layout.shift], newline=""))
    if len(stops) != lead + len(layout.lines):
        return None
    return _slices(memoryview(data), stops[lead:], end_lengths[lead:], layout)


def _slices(
    data: memoryview, stops: np.ndarray, end_lengths: np.ndarray, layout: RecordLayout
) -> Records:
    previous = 0
    for last in (layout.segments.stops - 1).tolist():  # each record's last line
        finish, end = int(stops[last]), int(end_lengths[last])
        yield data[previous : finish - end], data[finish - end : finish]
        previous = finish


def _text_records(
    data: bytes, encoding: str, text: str, layout: RecordLayout
) -> tuple[str, Records]:
    """The codec to append with, and the records as the decoded text encoded again.

    For UTF-16 and UTF-32, whose line ends are not single bytes: they are decoded strictly, so
    the text encodes back to the file's bytes (byte order mark and byte order kept).
    """
    family = _family(encoding)
    codec, bom = next(
        ((name, mark) for mark, name in _BOMS if data.startswith(mark) and _family(name) == family),
        (encoding, b""),
    )
    if codec in ("utf-16", "utf-32"):  # no BOM: Python decoded it as little-endian
        codec += "-le"
    return codec, _encoded(text[: layout.shift], bom, codec, layout)


def _encoded(lead: str, bom: bytes, codec: str, layout: RecordLayout) -> Records:
    content, ends = layout.lines.content.to_list(), layout.lines.ends.to_list()
    starts, stops = layout.segments.starts.tolist(), layout.segments.stops.tolist()
    for number, (start, stop) in enumerate(zip(starts, stops, strict=True)):
        text = "".join(content[line] + ends[line] for line in range(start, stop - 1))
        body = (text + content[stop - 1]).encode(codec, errors="replace")
        if number == 0:
            body = bom + lead.encode(codec) + body
        yield body, ends[stop - 1].encode(codec)


def _family(encoding: str) -> str:
    """ "utf-16-le" -> "utf-16": the encoding without its byte order."""
    return "-".join(encoding.split("-")[:2])


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
