"""Excel silos, with workbooks written by openpyxl in the test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from rules.errors import SiloError

from .helpers import SiloFactory, quarantined, read_checked, rows

HEADER = ["Kundennr", "PLZ", "Name", "Geburtsdatum", "Umsatz", "Newsletter", "Geändert"]


def _workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Hinweise"
    notes.append(["Export aus dem CRM"])
    customers = workbook.create_sheet("Kunden")
    customers.append(HEADER)
    customers.append(
        [
            1,
            "01067",
            "Jürgen Weiß",
            dt.date(1980, 5, 17),
            12.5,
            True,
            dt.datetime(2024, 1, 2, 13, 45),
        ]
    )
    customers.append([2, "80331", "Eva Groß", dt.datetime(1990, 1, 2), 100, False, None])
    customers.append([None] * len(HEADER))
    customers.append([3, "10115", "Ömer", None, None, None, dt.datetime(2024, 3, 1)])
    workbook.save(path)


@pytest.mark.parametrize("sheet", ["Kunden", "kunden", 2], ids=["name", "other case", "position"])
def test_sheet_values_as_text(sheet: str | int, tmp_path: Path, make_silo: SiloFactory) -> None:
    _workbook(tmp_path / "kunden.xlsx")

    extract = read_checked(*make_silo("excel", path="kunden.xlsx", sheet=sheet))

    assert extract.columns == HEADER
    assert rows(extract) == [
        ("1", "01067", "Jürgen Weiß", "1980-05-17", "12.5", "true", "2024-01-02T13:45:00"),
        ("2", "80331", "Eva Groß", "1990-01-02", "100", "false", None),
        ("3", "10115", "Ömer", None, None, None, "2024-03-01T00:00:00"),
    ]
    assert extract.frame["_row_number"].to_list() == [1, 2, 4]
    assert quarantined(extract) == [(3, "empty row")]


def test_first_sheet_by_default(tmp_path: Path, make_silo: SiloFactory) -> None:
    _workbook(tmp_path / "kunden.xlsx")

    extract = read_checked(*make_silo("excel", path="kunden.xlsx"))

    assert extract.columns == ["Export aus dem CRM"]
    assert extract.rows_read == 0


def test_duplicate_and_blank_headers(tmp_path: Path, make_silo: SiloFactory) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "Telefon", "Telefon", None, "x"])
    workbook.active.append(["007", "030 1", "030 2", "y", "z"])
    workbook.save(tmp_path / "k.xlsx")

    extract = read_checked(*make_silo("excel", path="k.xlsx"))

    assert extract.columns == ["id", "Telefon", "Telefon_2", "column_4", "x"]
    assert rows(extract) == [("007", "030 1", "030 2", "y", "z")]


@pytest.mark.parametrize(
    "case",
    [
        {
            "description": "wrong sheet name lists the sheets",
            "sheet": "Kundne",
            "message": r"sheet 'Kundne' not found in .*kunden.xlsx; available sheets: "
            r"'Hinweise', 'Kunden'",
        },
        {
            "description": "position out of range",
            "sheet": 3,
            "message": r"sheet 3 does not exist .*numbered from 1",
        },
        {"description": "position 0", "sheet": 0, "message": "numbered from 1"},
    ],
    ids=lambda case: case["description"],
)
def test_wrong_sheet(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    _workbook(tmp_path / "kunden.xlsx")
    silo, config = make_silo("excel", path="kunden.xlsx", sheet=case["sheet"])

    with pytest.raises(SiloError, match=case["message"]):
        read_checked(silo, config)


def test_not_a_workbook(tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.xlsx").write_text("id;Name\n1;Anna\n")
    silo, config = make_silo("excel", path="k.xlsx")

    with pytest.raises(SiloError, match="cannot open .*k.xlsx as an Excel workbook"):
        read_checked(silo, config)


def test_missing_workbook(make_silo: SiloFactory) -> None:
    silo, config = make_silo("excel", path="fehlt.xlsx")

    with pytest.raises(SiloError, match="silo 'crm': file not found: .*fehlt.xlsx"):
        read_checked(silo, config)
