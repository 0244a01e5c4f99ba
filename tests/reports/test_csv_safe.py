"""Excel-safe CSV: formula escaping, BOM, delimiter, list and date columns, round trip."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from flows.files import unescape_formula
from reports.csv_safe import FORMULA_PREFIXES, escape_formula, write_csv

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
        '"Meier, Hans";8010',  # quoted: comma-locale Excel would split it
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


# --- both Excel locales (issue 15) -------------------------------------------------------------


def _cells_both_ways(path: Path) -> list[str]:
    """Every cell as comma-locale Excel and as German Excel (``;``) split the file."""
    import csv

    text = path.read_text(encoding="utf-8-sig")
    return [
        cell
        for delimiter in (",", ";")
        for row in csv.reader(text.splitlines(), delimiter=delimiter)
        for cell in row
    ]


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize(
    "value",
    [
        "Meier;=1+1",
        "Meier,=1+1",
        'a;"=x',
        "Müller, -Schmidt;+49",
        "x;@SUM(A1),\t=1",
        "=1;=2,=3",
    ],
)
def test_no_piece_starts_a_formula_in_either_locale(
    value: str, delimiter: str, tmp_path: Path
) -> None:
    path = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"name": [value], "other": ["ok"]}), path, delimiter=delimiter)

    assert not [cell for cell in _cells_both_ways(path) if cell.startswith(FORMULA_PREFIXES)]
    # The file's own locale reads the cell whole, escaped only where a piece began a formula.
    read = _read_back(path, delimiter)["name"].item()
    assert read.replace("'", "") == value.replace("'", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("Meier;=1+1", "Meier;'=1+1", id="after-semicolon"),
        pytest.param("a,-b", "a,'-b", id="after-comma"),
        pytest.param("a, -b", "a, -b", id="space-before"),
        pytest.param('a;"=x', "a;\"'=x", id="quote-between"),
        pytest.param("a-b=c", "a-b=c", id="inside-a-piece"),
    ],
)
def test_escape_formula_per_piece(value: str, expected: str) -> None:
    frame = pl.DataFrame({"text": [value]})
    assert frame.select(escape_formula(pl.col("text"))).item() == expected
    assert frame.select(unescape_formula("text")).item() == value  # no escape to undo
    escaped = frame.select(escape_formula(pl.col("text")).alias("text"))
    assert escaped.select(unescape_formula("text")).item() == value


def test_identifiers_are_written_exactly_and_quoted(tmp_path: Path) -> None:
    path = tmp_path / "merge_map.csv"
    frame = pl.DataFrame(
        {"silo": ["crm"], "source_id": ["+1+1"], "golden_id": ["G1"], "note": ["+1+1"]}
    )
    write_csv(frame, path, bom=False)

    assert path.read_text("utf-8").splitlines()[1] == '"crm","+1+1","G1",\'+1+1'
    assert _read_back(path).row(0) == ("crm", "+1+1", "G1", "'+1+1")


def test_phone_columns_keep_plain_e164_and_escape_anything_else(tmp_path: Path) -> None:
    path = tmp_path / "golden.csv"
    frame = pl.DataFrame(
        {"phones": [["+4930123456", "+436641234567"], ["+49=1+2"]], "note": ["+4930123456", "x"]}
    )
    write_csv(frame, path, bom=False)

    assert _read_back(path).rows() == [
        ("+4930123456; +436641234567", "'+4930123456"),
        ("'+49=1+2", "x"),
    ]
