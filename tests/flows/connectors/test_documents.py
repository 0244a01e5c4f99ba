"""JSON and JSON Lines silos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.errors import SiloError

from .helpers import SiloFactory, quarantined, read_checked, rows

RECORDS = [
    {
        "id": 1,
        "name": "Jürgen Weiß",
        "plz": "01067",
        "address": {"city": "Dresden", "street": "Königstraße 5", "geo": {"lat": 51.05}},
        "phones": ["0351 123", "0171 456"],
        "vip": True,
        "umsatz": 1234.50,
        "notiz": None,
    },
    {"id": 2, "name": "Eva", "email": "eva@example.at", "address": {"city": "Wien"}, "notiz": ""},
]

EXPECTED_COLUMNS = [
    "id",
    "name",
    "plz",
    "address.city",
    "address.street",
    "address.geo",
    "phones",
    "vip",
    "umsatz",
    "notiz",
    "email",
]
EXPECTED_ROWS = [
    (
        "1",
        "Jürgen Weiß",
        "01067",
        "Dresden",
        "Königstraße 5",
        '{"lat": 51.05}',
        "0351 123; 0171 456",
        "true",
        "1234.5",
        None,
        None,
    ),
    ("2", "Eva", None, "Wien", None, None, None, None, None, None, "eva@example.at"),
]


@pytest.mark.parametrize(
    "case",
    [
        {"description": "top-level array", "document": RECORDS},
        {"description": "object wrapping one list", "document": {"customers": RECORDS}},
        {
            "description": "wrapper with metadata",
            "document": {"count": 2, "exported": "2024-01-02", "customers": RECORDS},
        },
    ],
    ids=lambda case: case["description"],
)
def test_json_shapes(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "kunden.json").write_text(json.dumps(case["document"]), encoding="utf-8")

    extract = read_checked(*make_silo("json", path="kunden.json"))

    assert extract.columns == EXPECTED_COLUMNS
    assert rows(extract) == EXPECTED_ROWS
    assert extract.frame["_row_number"].to_list() == [1, 2]


def test_json_numbers_keep_their_digits(tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.json").write_text('[{"id": 12345678901234567890, "betrag": 1.50}]')

    extract = read_checked(*make_silo("json", path="k.json"))

    assert rows(extract) == [("12345678901234567890", "1.50")]


def test_json_items_that_are_not_objects_go_to_quarantine(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    (tmp_path / "k.json").write_text('[{"id": "a"}, 42, null, ["x"], {}, {"id": " "}, {"id": "b"}]')

    extract = read_checked(*make_silo("json", path="k.json"))

    assert rows(extract) == [("a",), ("b",)]
    assert extract.frame["_row_number"].to_list() == [1, 7]
    assert quarantined(extract) == [
        (2, "not a JSON object (number)"),
        (3, "not a JSON object (null)"),
        (4, "not a JSON object (array)"),
        (5, "empty row"),
        (6, "empty row"),
    ]
    assert extract.quarantine["raw"].to_list() == ["42", "null", '["x"]', "{}", '{"id": " "}']


def test_json_of_empty_objects_only(tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.json").write_text("[{}, {}]")

    extract = read_checked(*make_silo("json", path="k.json"))

    assert extract.columns == []
    assert quarantined(extract) == [(1, "empty row"), (2, "empty row")]


@pytest.mark.parametrize(
    "case",
    [
        {"description": "empty file", "text": ""},
        {"description": "empty array", "text": "[]"},
        {"description": "empty wrapped list", "text": '{"customers": []}'},
    ],
    ids=lambda case: case["description"],
)
def test_json_without_records(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.json").write_text(case["text"])

    extract = read_checked(*make_silo("json", path="k.json"))

    assert extract.rows_read == 0
    assert extract.columns == []


@pytest.mark.parametrize(
    "case",
    [
        {
            "description": "invalid JSON",
            "text": '[{"id": 1},\n {"id": 2 "name": "Geheim"}]',
            "message": r"not valid JSON \(line 2, column 11: Expecting ',' delimiter\)",
        },
        {
            "description": "two lists",
            "text": '{"a": [], "b": []}',
            "message": r"exactly one list of records \(lists found: a, b\)",
        },
        {"description": "a scalar", "text": '"x"', "message": "found a single JSON value"},
    ],
    ids=lambda case: case["description"],
)
def test_json_errors(case: dict, tmp_path: Path, make_silo: SiloFactory) -> None:
    (tmp_path / "k.json").write_text(case["text"])
    silo, config = make_silo("json", path="k.json")

    with pytest.raises(SiloError, match=case["message"]) as caught:
        read_checked(silo, config)
    assert "Geheim" not in str(caught.value)


def test_jsonl_broken_and_empty_lines_go_to_quarantine(
    tmp_path: Path, make_silo: SiloFactory
) -> None:
    lines = [
        json.dumps({"id": "1", "name": "Jürgen", "tags": ["a", "b"]}, ensure_ascii=False),
        '{"id": "2", "name": "Eva"',
        "",
        "[1, 2]",
        json.dumps({"id": "3", "name": "Zoë\u2028Line"}, ensure_ascii=False),
    ]
    (tmp_path / "k.jsonl").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    extract = read_checked(*make_silo("jsonl", path="k.jsonl"))

    assert extract.columns == ["id", "name", "tags"]
    assert rows(extract) == [("1", "Jürgen", "a; b"), ("3", "Zoë\u2028Line", None)]
    assert extract.frame["_row_number"].to_list() == [1, 5]
    assert quarantined(extract) == [
        (2, "not valid JSON: Expecting ',' delimiter (column 26)"),
        (3, "empty row"),
        (4, "not a JSON object (array)"),
    ]
    assert extract.quarantine["raw"][0] == '{"id": "2", "name": "Eva"'


def test_jsonl_missing_file(make_silo: SiloFactory) -> None:
    silo, config = make_silo("jsonl", path="fehlt.jsonl")

    with pytest.raises(SiloError, match="silo 'crm': file not found: .*fehlt.jsonl"):
        read_checked(silo, config)
