"""Personal ids: checked schemes (AHV-Nr., SV-Nummer, Steuer-ID), unchecked ids, placeholders."""

from __future__ import annotations

import polars as pl
import pytest
from cleaner_frames import clean_one

from cleaners.outcome import INVALID, VALID
from cleaners.personal_ids import is_checked, normalize_personal_id, personal_id_number

CASES = [
    {
        "description": "Swiss AHV number, dotted: checked whatever the record's country",
        "value": "756.9217.0769.85",
        "country": "DE",
        "expected": ("CH-AHV:7569217076985", VALID),
    },
    {
        "description": "AHV number with a wrong check digit: kept unchecked, flagged",
        "value": "756.9217.0769.84",
        "country": "CH",
        "expected": ("7569217076984", INVALID),
    },
    {
        "description": "Austrian SV-Nummer of a record in Austria",
        "value": "1237 010180",
        "country": "AT",
        "expected": ("AT-SVNR:1237010180", VALID),
    },
    {
        "description": "SV-Nummer with a wrong check digit",
        "value": "2237 010180",
        "country": "AT",
        "expected": ("2237010180", INVALID),
    },
    {
        "description": "ten digits outside Austria: no scheme to check, unchecked",
        "value": "2237 010180",
        "country": "DE",
        "expected": ("2237010180", VALID),
    },
    {
        "description": "German Steuer-ID of a record in Germany",
        "value": "36 574 261 809",
        "country": "DE",
        "expected": ("DE-IDNR:36574261809", VALID),
    },
    {
        "description": "Steuer-ID with a wrong check digit",
        "value": "36574261808",
        "country": "DE",
        "expected": ("36574261808", INVALID),
    },
    {
        "description": "a US social security number: no check digit, unchecked",
        "value": "123-45-6789",
        "country": "US",
        "expected": ("123456789", VALID),
    },
    {
        "description": "FEBRL's soc_sec_id: unchecked",
        "value": "6988048",
        "country": None,
        "expected": ("6988048", VALID),
    },
    {
        "description": "letters are upper-cased, separators dropped",
        "value": "x12-ab 34",
        "country": None,
        "expected": ("X12AB34", VALID),
    },
    {
        "description": "one digit repeated is a placeholder",
        "value": "000-00-0000",
        "country": "US",
        "expected": (None, INVALID),
    },
    {
        "description": "too short for an id",
        "value": "12",
        "country": None,
        "expected": (None, INVALID),
    },
    {"description": "empty", "value": "  ", "country": None, "expected": (None, VALID)},
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_normalize_personal_id(case: dict) -> None:
    outcome = normalize_personal_id(case["value"], case["country"])
    assert (outcome.value, outcome.status) == case["expected"]
    if outcome.status == INVALID:
        assert outcome.reason


def test_checked_and_number_split_the_scheme() -> None:
    ids = pl.DataFrame({"id": ["CH-AHV:7569217076985", "6988048", None]})
    out = ids.select(is_checked(pl.col("id")), personal_id_number(pl.col("id")).alias("number"))
    assert out["id"].to_list() == [True, False, None]
    assert out["number"].to_list() == ["7569217076985", "6988048", None]


def test_the_pipeline_checks_against_the_cleaned_country() -> None:
    row, findings = clean_one({"personal_id": "36574261809", "country": "Deutschland"})
    assert row["personal_id"] == "DE-IDNR:36574261809"
    assert findings == []


def test_the_pipeline_keeps_a_mistyped_id_with_a_finding() -> None:
    row, findings = clean_one({"personal_id": "756.9217.0769.84"})
    assert row["personal_id"] == "7569217076984"
    assert [(f["field"], f["status"]) for f in findings] == [("personal_id", INVALID)]
