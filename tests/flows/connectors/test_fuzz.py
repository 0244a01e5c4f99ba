"""Fuzzing the CSV, JSON (array and lines) and Excel connectors with realistic damage (issue 15).

A clean silo is generated, then damaged at random: stray quotes, delimiters inside values,
lines in the other encoding, byte-order marks in mid-line, NUL bytes, CR-only line ends, very
long fields, a truncated last line. After reading, every row must be accounted for:

* a row whose line was not damaged, or only in ways the connector repairs with a finding
  (encoding, BOM, NUL, line ends), is in the frame with exactly its values or in quarantine
  with a reason;
* a damaged row is in the frame or in quarantine with a reason;
* the rows read equal the records the generator wrote (each clean record is one line), and the
  frame plus quarantine add up to them.

The example count is modest so CI stays fast; the damage kinds are all drawn in every run.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.connectors import SiloExtract, read_silo
from rules.config import parse_config
from rules.errors import SiloError

COLUMNS = ["id", "vorname", "nachname", "ort", "email"]
LONG = "x" * 1500
_NAMES = ["Müller", "Jürgen", "Weiß", "Öztürk", "Ärger", "Zoë", "Anna", "O'Neil", "Groß-Bär"]
_TEXT = st.text(alphabet="abcXYZ äöüßÄÖÜ-", min_size=0, max_size=12)
#: Values a clean silo may hold, quoting-worthy ones included (csv.writer quotes them).
_VALUE = st.one_of(
    st.sampled_from(_NAMES),
    _TEXT,
    st.builds(lambda a, b: f"{a}; {b}", _TEXT, _TEXT),
    st.builds(lambda a: f'Zum "{a}"', _TEXT),
)

#: Damage kinds; REPAIRED ones leave the row's values recoverable exactly.
REPAIRED = {"other_encoding", "bom", "nul", "cr_line_end"}
STRUCTURAL = {"stray_quote", "delimiter_in_value", "long_field"}
DAMAGE = sorted(REPAIRED | STRUCTURAL)


@dataclass
class Silo:
    rows: list[dict[str, str]]
    damaged: set[int] = field(default_factory=set)  # 0-based rows with structural damage


@st.composite
def clean_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(min_value=3, max_value=25))
    return [
        {"id": str(1000 + index), **{name: draw(_VALUE) for name in COLUMNS[1:]}}
        for index in range(count)
    ]


_DAMAGES = st.lists(
    st.tuples(st.sampled_from(DAMAGE), st.integers(0, 10_000), st.integers(0, 10_000)),
    max_size=6,
)


def _config(folder: Path, connector: str, path: str):  # noqa: ANN202
    text = (
        f'[silos.crm]\nconnector = "{connector}"\npath = "{path}"\n'
        'mapping = { source_id = "id" }\n'
    )
    return parse_config(text, folder / "golden.toml")


def _check(extract: SiloExtract, silo: Silo, truncated: int | None) -> None:
    """Every row in the frame (exact if undamaged) or in quarantine with a reason."""
    records = len(silo.rows)
    assert extract.rows_read == records
    assert extract.frame.height + extract.quarantine.height == records
    assert extract.quarantine["reason"].drop_nulls().len() == extract.quarantine.height
    assert (extract.quarantine["reason"].str.len_chars() > 0).all()
    # Every row quarantined: a JSON-lines file names its columns per row, so none are known.
    values = extract.frame.select(COLUMNS).rows() if extract.frame.height else []
    frame = dict(zip(extract.frame["_row_number"], values, strict=True))
    quarantined = set(extract.quarantine["row_number"])
    assert set(frame) | quarantined == set(range(1, records + 1))
    for index, row in enumerate(silo.rows):
        number = index + 1
        if index in silo.damaged or index == truncated or number in quarantined:
            continue
        expected = tuple(row[name] or None for name in COLUMNS)
        assert frame[number] == expected, (number, row)


def _insert(text: bytes, position: int, piece: bytes) -> bytes:
    position %= len(text) + 1
    return text[:position] + piece + text[position:]


# --- CSV ---------------------------------------------------------------------------------------


def _csv_line(row: dict[str, str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="").writerow([row[n] for n in COLUMNS])
    return buffer.getvalue()


def _damaged_csv(
    silo: Silo, damages: list[tuple[str, int, int]], truncate: bool, at: int
) -> tuple[bytes, int | None]:
    lines = [_csv_line(row).encode() for row in silo.rows]
    ends = [b"\n"] * len(lines)
    for kind, which, position in damages:
        index = which % len(lines)
        if kind == "other_encoding":
            try:
                lines[index] = _csv_line(silo.rows[index]).encode("cp1252")
            except UnicodeEncodeError:
                continue
        elif kind in ("bom", "nul"):
            lines[index] += "\ufeff".encode() if kind == "bom" else b"\x00"  # in the last value
        elif kind == "cr_line_end":
            ends[index] = b"\r"
        elif kind == "stray_quote":
            lines[index] = _insert(lines[index], position, b'"')
            silo.damaged.add(index)
        elif kind == "delimiter_in_value":
            lines[index] = _insert(lines[index], position, b";")
            silo.damaged.add(index)
        elif kind == "long_field":
            silo.rows[index]["ort"] = LONG
            lines[index] = _csv_line(silo.rows[index]).encode()
            silo.damaged.add(index)
    truncated = None
    if truncate and len(lines[-1]) > 1:
        lines[-1] = lines[-1][: 1 + at % (len(lines[-1]) - 1)]
        ends[-1] = b""
        truncated = len(lines) - 1
    header = ";".join(COLUMNS).encode() + b"\n"
    return header + b"".join(line + end for line, end in zip(lines, ends, strict=True)), truncated


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=clean_rows(), damages=_DAMAGES, truncate=st.booleans(), at=st.integers(0, 1000))
def test_csv_connector_survives_damage(
    rows: list[dict[str, str]], damages: list[tuple[str, int, int]], truncate: bool, at: int
) -> None:
    silo = Silo(rows)
    data, truncated = _damaged_csv(silo, damages, truncate, at)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "crm.csv").write_bytes(data)
        config = _config(Path(folder), "csv", "crm.csv")
        text = config.silos["crm"].model_copy(update={"delimiter": ";"})
        extract = read_silo(text, config)
    _check(extract, silo, truncated)


# --- JSON Lines and JSON arrays -----------------------------------------------------------------


def _json_line(row: dict[str, str]) -> str:
    return json.dumps(row, ensure_ascii=False)


def _damaged_json(silo: Silo, damages: list[tuple[str, int, int]], array: bool) -> list[bytes]:
    lines = [_json_line(row).encode() for row in silo.rows]
    for kind, which, position in damages:
        index = which % len(lines)
        row = silo.rows[index]
        if kind == "other_encoding":
            try:
                lines[index] = _json_line(row).encode("cp1252")
            except UnicodeEncodeError:
                continue
        elif kind in ("bom", "nul"):
            # A JSON string holds them escaped: the value then carries the character.
            escape = "\\ufeff" if kind == "bom" else "\\u0000"
            escaped = json.dumps(row["email"], ensure_ascii=False)[1:-1]
            marked = _json_line({**row, "email": "@"})
            lines[index] = marked.replace('"@"', f'"{escaped}{escape}"').encode()
        elif kind == "stray_quote":
            row["nachname"] += '"'  # escaped by json.dumps: a value with a quote, kept exactly
            lines[index] = _json_line(row).encode()
            if not array:
                lines[index] = _insert(lines[index], position, b'"')  # a raw quote breaks the line
                silo.damaged.add(index)
        elif kind == "delimiter_in_value":
            row["ort"] += ";,"
            lines[index] = _json_line(row).encode()
        elif kind == "long_field":
            row["ort"] = LONG
            lines[index] = _json_line(row).encode()
            silo.damaged.add(index)
    return lines


@settings(max_examples=40, deadline=None)
@given(rows=clean_rows(), damages=_DAMAGES, truncate=st.booleans(), at=st.integers(0, 1000))
def test_json_lines_connector_survives_damage(
    rows: list[dict[str, str]], damages: list[tuple[str, int, int]], truncate: bool, at: int
) -> None:
    silo = Silo(rows)
    lines = _damaged_json(silo, damages, array=False)
    ends = [b"\r" if kind == "cr_line_end" else b"\n" for kind, _, _ in damages][: len(lines)]
    ends += [b"\n"] * (len(lines) - len(ends))
    truncated = None
    if truncate:
        lines[-1] = lines[-1][: 1 + at % (len(lines[-1]) - 1)]
        ends[-1] = b""
        truncated = len(lines) - 1
    with tempfile.TemporaryDirectory() as folder:
        data = b"".join(line + end for line, end in zip(lines, ends, strict=True))
        (Path(folder) / "crm.jsonl").write_bytes(data)
        config = _config(Path(folder), "jsonl", "crm.jsonl")
        extract = read_silo(config.silos["crm"], config)
    _check(extract, silo, truncated)


@settings(max_examples=30, deadline=None)
@given(rows=clean_rows(), damages=_DAMAGES, truncate=st.booleans())
def test_json_array_connector_survives_damage(
    rows: list[dict[str, str]], damages: list[tuple[str, int, int]], truncate: bool
) -> None:
    silo = Silo(rows)
    lines = _damaged_json(silo, damages, array=True)
    end = b"\r" if any(kind == "cr_line_end" for kind, _, _ in damages) else b"\n"
    data = b"[" + (b"," + end).join(lines) + b"]" + end
    if truncate:
        data = data[: len(data) // 2]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "crm.json").write_bytes(data)
        config = _config(Path(folder), "json", "crm.json")
        if truncate:
            # A cut JSON document cannot be read in part: it is refused whole, loudly.
            with pytest.raises(SiloError, match="is not valid JSON"):
                read_silo(config.silos["crm"], config)
            return
        extract = read_silo(config.silos["crm"], config)
    _check(extract, silo, None)


# --- Excel -------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(rows=clean_rows(), damages=_DAMAGES, truncate=st.booleans(), at=st.integers(0, 4))
def test_excel_connector_survives_damage(
    rows: list[dict[str, str]], damages: list[tuple[str, int, int]], truncate: bool, at: int
) -> None:
    silo = Silo(rows)
    for kind, which, _ in damages:
        row = silo.rows[which % len(silo.rows)]
        if kind == "stray_quote":
            row["nachname"] += '"'  # text in a cell: kept exactly
        elif kind == "delimiter_in_value":
            row["ort"] += ";,"
        elif kind == "bom":
            row["vorname"] = "\ufeff" + row["vorname"]  # removed again with a finding
        elif kind == "long_field":
            row["ort"] = LONG
            silo.damaged.add(which % len(silo.rows))
    # calamine reads a cell of only spaces as empty (a reader quirk, not damage).
    expected = [
        {name: value.replace("\ufeff", "") if value.strip() else "" for name, value in row.items()}
        for row in rows
    ]
    if truncate:  # the last row's cells from a column on are missing
        for name in COLUMNS[1 + at :]:
            rows[-1][name] = ""
            expected[-1][name] = ""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row[name] or None for name in COLUMNS])
    with tempfile.TemporaryDirectory() as folder:
        workbook.save(Path(folder) / "crm.xlsx")
        config = _config(Path(folder), "excel", "crm.xlsx")
        extract = read_silo(config.silos["crm"], config)
    _check(extract, Silo(expected, silo.damaged), None)
