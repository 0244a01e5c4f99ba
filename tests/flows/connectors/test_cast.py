"""Typed values rendered as the text the pipeline reads."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import polars as pl
import pytest

from flows.connectors.cast import column_to_text, frame_to_text, value_to_text


@pytest.mark.parametrize(
    "case",
    [
        {"description": "None", "value": None, "text": None},
        {"description": "empty string", "value": "", "text": None},
        {"description": "leading zeros", "value": "01067", "text": "01067"},
        {"description": "int", "value": 42, "text": "42"},
        {"description": "bool before int", "value": True, "text": "true"},
        {"description": "integral float", "value": 80331.0, "text": "80331"},
        {"description": "fraction", "value": 12.5, "text": "12.5"},
        {"description": "huge float", "value": 1e20, "text": "1e+20"},
        {"description": "decimal keeps scale", "value": Decimal("12.50"), "text": "12.50"},
        {"description": "decimal without exponent", "value": Decimal("1E+3"), "text": "1000"},
        {"description": "date", "value": dt.date(1980, 5, 17), "text": "1980-05-17"},
        {
            "description": "datetime",
            "value": dt.datetime(2024, 1, 2, 13, 45, 0, 123),
            "text": "2024-01-02T13:45:00",
        },
        {
            "description": "aware datetime",
            "value": dt.datetime(2024, 1, 2, 13, 45, tzinfo=dt.UTC),
            "text": "2024-01-02T13:45:00+00:00",
        },
        {"description": "bytes", "value": b"\x01\xff", "text": "01ff"},
        {
            "description": "uuid",
            "value": uuid.UUID(int=1),
            "text": "00000000-0000-0000-0000-000000000001",
        },
        {"description": "list of scalars", "value": ["030 1", None, 7], "text": "030 1; 7"},
        {"description": "empty list", "value": [], "text": None},
        {"description": "list of objects", "value": [{"a": 1}], "text": '[{"a": 1}]'},
        {"description": "object", "value": {"Ort": "Köln"}, "text": '{"Ort": "Köln"}'},
    ],
    ids=lambda case: case["description"],
)
def test_value_to_text(case: dict) -> None:
    assert value_to_text(case["value"]) == case["text"]


def test_column_to_text_fast_and_mixed() -> None:
    assert column_to_text(["a", "", None]) == ["a", None, None]
    assert column_to_text(["a", 1, 2.0]) == ["a", "1", "2"]


def test_frame_to_text() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2],
            "betrag": [1.0, 2.5],
            "geburt": [dt.datetime(1980, 5, 17), None],
            "stempel": [dt.datetime(2024, 1, 2, 13, 45), dt.datetime(2024, 1, 3)],
            "tag": [dt.date(2024, 1, 2), None],
            "telefone": [["030 1", "030 2"], []],
            "adresse": [{"ort": "Köln", "plz": "50667"}, None],
            "aktiv": [True, None],
            "leer": ["", "x"],
        }
    )

    text = frame_to_text(frame, midnight_is_date=True)

    assert text.columns == [
        "id",
        "betrag",
        "geburt",
        "stempel",
        "tag",
        "telefone",
        "adresse.ort",
        "adresse.plz",
        "aktiv",
        "leer",
    ]
    assert all(dtype == pl.String for dtype in text.dtypes)
    assert text.rows() == [
        (
            "1",
            "1",
            "1980-05-17",
            "2024-01-02T13:45:00",
            "2024-01-02",
            "030 1; 030 2",
            "Köln",
            "50667",
            "true",
            None,
        ),
        ("2", "2.5", None, "2024-01-03T00:00:00", None, None, None, None, None, "x"),
    ]
