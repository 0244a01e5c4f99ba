"""Excel-safe CSV: formula escaping, BOM, delimiter, list and date columns, round trip."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from reports.csv_safe import escape_formula, write_csv

BOM = b"\xef\xbb\xbf"


def _read_back(path: Path, delimiter: str = ",") -> pl.DataFrame:
    return pl.read_csv(path, separator=delimiter, infer_schema=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('=HYPERLINK("x")', '\'=HYPERLINK("x")', id="equals"),
        pytest.param("+4930123456", "'+4930123456", id="plus-e164-phone"),
        pytest.param("-1+1", "'-1+1", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("Müller GmbH", "Müller GmbH", id="normal-text"),
        pytest.param("a=b", "a=b", id="equals-inside"),
        pytest.param(" =1", " =1", id="leading-space"),
        pytest.param("", "", id="empty"),
        pytest.param(None, None, id="null"),
    ],
)
def test_escape_formula(value: str | None, expected: str | None) -> None:
    frame = pl.DataFrame({"text": [value]}, schema={"text": pl.String})
    assert frame.select(escape_formula(pl.col("text"))).item() == expected


def test_write_csv_escapes_formula_cells_and_round_trips(tmp_path: Path) -> None:
    values = [
        "=1+1",
        "+49301234",
        "-5 Rabatt",
        "@cmd",
        "\tTab",
        "\rCR",
        "Müller",
        "a,b",
        'q"q',
        None,
    ]
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"name": values}), path)

    read = _read_back(path)["name"].to_list()
    assert read[:6] == ["'=1+1", "'+49301234", "'-5 Rabatt", "'@cmd", "'\tTab", "'\rCR"]
    assert read[6:] == ["Müller", "a,b", 'q"q', None]
    # Apart from the apostrophes the values are unchanged.
    unescaped = [v[1:] if v is not None and v.startswith("'") else v for v in read]
    assert unescaped == values


def test_write_csv_leaves_numbers_and_booleans_alone(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"amount": [-5, 3], "share": [-0.5, 1.0], "ok": [True, False]}), path)
    text = path.read_bytes().removeprefix(BOM).decode()
    assert text.splitlines() == ["amount,share,ok", "-5,-0.5,true", "3,1.0,false"]


def test_write_csv_escapes_hostile_headers(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"=cmd": ["x"], "name": ["y"]}), path)
    assert _read_back(path).columns == ["'=cmd", "name"]


def test_bom_present_by_default(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"city": ["Zürich"]}), path)
    data = path.read_bytes()
    assert data.startswith(BOM)
    assert data[len(BOM) :].decode("utf-8") == "city\nZürich\n"


def test_bom_absent_on_request(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"city": ["Zürich"]}), path, bom=False)
    assert path.read_bytes() == "city\nZürich\n".encode()


def test_semicolon_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    frame = pl.DataFrame({"name": ["Meier, Hans", "Graz"], "postal_code": ["8010", "0100"]})
    write_csv(frame, path, delimiter=";", bom=False)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "name;postal_code",
        "Meier, Hans;8010",
        "Graz;0100",
    ]
    assert _read_back(path, ";").to_dict(as_series=False) == frame.to_dict(as_series=False)


def test_list_columns_joined_and_escaped(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    frame = pl.DataFrame(
        {
            "phones": [["+4930123", "030 456"], [], None],
            "emails": [["a@example.org"], ["b@example.org", "c@example.org"], None],
        }
    )
    write_csv(frame, path, delimiter=";")
    read = _read_back(path, ";")
    # The whole cell starts with "+", so the joined cell gets one apostrophe.
    assert read["phones"].to_list() == ["'+4930123; 030 456", "", None]
    assert read["emails"].to_list() == ["a@example.org", "b@example.org; c@example.org", None]


def test_dates_written_as_iso(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    frame = pl.DataFrame(
        {"birth_date": [date(1970, 3, 1)], "updated_at": [datetime(2024, 12, 31, 23, 5, 9)]}
    )
    write_csv(frame, path, bom=False)
    row = path.read_text(encoding="utf-8").splitlines()[1]
    assert row == "1970-03-01,2024-12-31 23:05:09.000000"


def test_empty_frame_writes_header_only(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame(schema={"silo": pl.String, "row_number": pl.Int64}), path, bom=False)
    assert path.read_text(encoding="utf-8") == "silo,row_number\n"
