"""Dates: birth dates, consent dates and timestamps in DACH formats."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from cleaner_frames import TODAY, clean, clean_one
from hypothesis import given
from hypothesis import strategies as st

from cleaners.dates import parse_timestamp
from cleaners.outcome import CORRECTED, INVALID, VALID
from cleaners.text import clean_text

DATES = [
    ("01.02.1980", datetime(1980, 2, 1), VALID),
    ("1.2.1980", datetime(1980, 2, 1), VALID),
    ("1.2.80", datetime(1980, 2, 1), CORRECTED),
    ("1.2.05", datetime(2005, 2, 1), CORRECTED),
    ("1.2.30", datetime(1930, 2, 1), CORRECTED),  # 2030 would be in the future
    ("1980-02-01", datetime(1980, 2, 1), VALID),
    ("1980/02/01", datetime(1980, 2, 1), VALID),
    ("1980.02.01", datetime(1980, 2, 1), VALID),
    ("01/02/1980", datetime(1980, 2, 1), VALID),  # day first
    ("01-02-1980", datetime(1980, 2, 1), VALID),
    ("19800201", datetime(1980, 2, 1), VALID),
    ("25569", datetime(1970, 1, 1), CORRECTED),  # Excel serial
    ("29221.0", datetime(1980, 1, 1), CORRECTED),
    ("3. März 1970", datetime(1970, 3, 3), VALID),
    ("3 Mar 1970", datetime(1970, 3, 3), VALID),
    ("3. Jänner 1970", datetime(1970, 1, 3), VALID),  # Austrian
    ("03.Okt.1970", datetime(1970, 10, 3), VALID),
    ("March 3, 1970", datetime(1970, 3, 3), VALID),
    ("2024-01-05 13:45:00", datetime(2024, 1, 5, 13, 45), VALID),
    ("2024-01-05T13:45:00", datetime(2024, 1, 5, 13, 45), VALID),
    ("2024-01-05T13:45:00Z", datetime(2024, 1, 5, 13, 45), VALID),
    ("2024-01-05T13:45:00+01:00", datetime(2024, 1, 5, 12, 45), VALID),
    ("05.01.2024 13:45", datetime(2024, 1, 5, 13, 45), VALID),
    ("3.3.1970", datetime(1970, 3, 3), VALID),
    ("3.3.70", datetime(1970, 3, 3), CORRECTED),
    ("07.05.45", datetime(1945, 5, 7), CORRECTED),
    ("29.02.2000", datetime(2000, 2, 29), VALID),
    ("44196", datetime(2020, 12, 31), CORRECTED),  # Excel serial
    ("1. Januar 2000", datetime(2000, 1, 1), VALID),
    ("12. Dezember 1985", datetime(1985, 12, 12), VALID),
    ("3. Mär. 1970", datetime(1970, 3, 3), VALID),
    ("15. Feber 1960", datetime(1960, 2, 15), VALID),  # Austrian
    ("5.Mai 1980", datetime(1980, 5, 5), VALID),
    ("3-Mar-1970", datetime(1970, 3, 3), VALID),
    ("24.12.1964 00:00:00", datetime(1964, 12, 24), VALID),
]


@pytest.mark.parametrize(("raw", "expected", "status"), DATES)
def test_parse_timestamp(raw: str, expected: datetime, status: str) -> None:
    outcome = parse_timestamp(raw, today=TODAY)
    assert (outcome.value, outcome.status) == (expected, status)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("31.02.1980", "impossible date"),
        ("30.13.1980", "impossible date"),
        ("2023-02-29", "impossible date"),
        ("29.02.1900", "impossible date"),
        ("31.04.1975", "impossible date"),
        ("1980", "only a year, no date"),
        ("gestern", "unrecognized date format"),
        ("3. Foo 1970", "unrecognized month name"),
    ],
)
def test_invalid_dates(raw: str, reason: str) -> None:
    assert parse_timestamp(raw, today=TODAY) == (None, INVALID, reason)


def test_silo_format_is_tried_first() -> None:
    us = parse_timestamp("02/01/1980", "%m/%d/%Y", today=TODAY)
    assert us.value == datetime(1980, 2, 1)
    result = clean(
        {"birth_date": "02/01/1980", "silo": "shop"},
        {"birth_date": "02/01/1980", "silo": "crm"},
        date_formats={"shop": "%m/%d/%Y", "crm": None},
    )
    assert result.frame["birth_date"].to_list() == [date(1980, 2, 1), date(1980, 1, 2)]


@pytest.mark.parametrize(
    ("raw", "expected", "reason"),
    [
        ("01.02.1980", date(1980, 2, 1), None),
        ("2030-01-01", None, "birth date in the future"),
        # An old but possible date stays a date (FEBRL 4 has 1900-1906); the DQ rule
        # validity.plausible_age reports it (tests/reports/test_dq_checks.py).
        ("01.01.1890", date(1890, 1, 1), None),
        ("19.03.1903", date(1903, 3, 19), None),
        ("02.06.2025", None, "birth date in the future"),  # the day after TODAY
        ("1.6.1905", date(1905, 6, 1), None),  # exactly 120 years
        ("31.05.1875", None, "birth date more than 150 years ago"),  # TODAY is 2025-06-01
        ("01.01.1900", None, "placeholder date, not a birth date"),  # Excel/ERP "no date"
        ("1899-12-30", None, "placeholder date, not a birth date"),  # Excel serial 0
        ("31.02.1980", None, "impossible date"),
    ],
)
def test_birth_dates(raw: str, expected: date | None, reason: str | None) -> None:
    row, findings = clean_one({"birth_date": raw})
    assert row["birth_date"] == expected
    assert [f["reason"] for f in findings] == ([reason] if reason else [])


def test_date_columns_and_types() -> None:
    result = clean(
        {
            "consent_email_date": "2023-05-01T10:00:00",
            "created_at": "2024-01-05",
            "updated_at": "05.01.2024 13:45",
            "last_activity": "2024-01-05T13:45:00+01:00",
        }
    )
    row = result.frame.row(0, named=True)
    assert row["consent_email_date"] == date(2023, 5, 1)
    assert row["created_at"] == datetime(2024, 1, 5)
    assert row["updated_at"] == datetime(2024, 1, 5, 13, 45)
    assert row["last_activity"] == datetime(2024, 1, 5, 12, 45)
    assert result.frame.schema["created_at"] == pl.Datetime("us")
    assert result.frame.schema["consent_email_date"] == pl.Date()


@pytest.mark.parametrize("raw", [value for value, *_ in DATES])
def test_fast_and_slow_paths_agree(raw: str) -> None:
    row, _ = clean_one({"created_at": raw})
    assert row["created_at"] == parse_timestamp(raw, today=TODAY).value


@given(st.text())
def test_parse_never_raises_or_drops_silently(value: str) -> None:
    outcome = parse_timestamp(value, today=TODAY)
    if clean_text(value) and outcome.value is None:
        assert outcome.status == INVALID and outcome.reason
