"""Retention periods: billing by country after the year of the last invoice, marketing, prospects"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from matching.retention import retention_due
from rules.retention import RetentionConfig, SiloRetention, retention_periods

TODAY = date(2026, 11, 1)
CONFIG = RetentionConfig(
    silos={
        "erp": SiloRetention(group="billing"),
        "newsletter": SiloRetention(group="marketing"),
        "crm": SiloRetention(group="prospect"),
    }
)


def _record(silo: str, source_id: str, golden_id: str, **values: object) -> dict[str, object]:
    return {
        "record_key": f"{silo}:{source_id}",
        "silo": silo,
        "source_id": source_id,
        "golden_id": golden_id,
        "country": values.get("country", "DE"),
        "consent_email": values.get("consent"),
        "consent_email_date": values.get("consent_date"),
        "last_activity": values.get("activity"),
        "updated_at": values.get("updated"),
        "created_at": None,
    }


def _due(*rows: dict[str, object]) -> dict[str, tuple[str, date]]:
    frame = pl.DataFrame(
        list(rows),
        schema={
            "record_key": pl.String,
            "silo": pl.String,
            "source_id": pl.String,
            "golden_id": pl.String,
            "country": pl.String,
            "consent_email": pl.Boolean,
            "consent_email_date": pl.Date,
            "last_activity": pl.Datetime("us"),
            "updated_at": pl.Datetime("us"),
            "created_at": pl.Datetime("us"),
        },
    )
    result = retention_due(
        frame.drop("golden_id"),
        frame.select("record_key", "golden_id"),
        CONFIG,
        retention_periods(CONFIG),
        "DE",
        TODAY,
    )
    return {
        f"{silo}:{source_id}": (status, due_on)
        for silo, source_id, status, due_on in result.select(
            "silo", "source_id", "status", "due_on"
        ).iter_rows()
    }


@pytest.mark.parametrize(
    ("description", "country", "invoice", "expected"),
    [
        (
            "DE: 8 years after the end of 2017",
            "DE",
            datetime(2017, 3, 1),
            ("due", date(2026, 1, 1)),
        ),
        ("DE: 2018 is kept until the end of 2026", "DE", datetime(2018, 12, 31), None),
        (
            "AT: 7 years after the end of 2018",
            "AT",
            datetime(2018, 6, 1),
            ("due", date(2026, 1, 1)),
        ),
        ("CH: 10 years, 2016 not yet due", "CH", datetime(2016, 6, 1), None),
        ("unknown country: the longest period", "FR", datetime(2016, 6, 1), None),
    ],
)
def test_billing(description: str, country: str, invoice: datetime, expected: object) -> None:
    # activity elsewhere keeps the person from being only "kept by law"
    due = _due(
        _record("erp", "1", "G1", country=country, activity=invoice),
        _record("crm", "1", "G1", activity=datetime(2026, 10, 1)),
    )
    assert due.get("erp:1") == expected, description
    assert "crm:1" not in due  # a prospect with an invoice is a customer


def test_billing_kept_only_by_law_is_gesperrt() -> None:
    due = _due(_record("erp", "1", "G1", activity=datetime(2022, 5, 1)))
    assert due == {"erp:1": ("gesperrt", date(2031, 1, 1))}


def test_marketing_and_prospects() -> None:
    due = _due(
        _record("newsletter", "1", "G1", consent=False, consent_date=date(2026, 9, 1)),
        _record("newsletter", "2", "G2", consent=False, consent_date=date(2026, 10, 15)),
        _record("newsletter", "3", "G3", consent=True, consent_date=date(2019, 1, 1)),
        _record("crm", "4", "G4", activity=datetime(2024, 6, 1)),
        _record("crm", "5", "G5", activity=datetime(2024, 12, 1)),
        _record("crm", "6", "G6", activity=datetime(2020, 1, 1), updated=datetime(2025, 1, 1)),
    )
    assert due == {
        "newsletter:1": ("due", date(2026, 10, 1)),  # 30 days after the opt-out
        "crm:4": ("due", date(2026, 6, 1)),  # 24 months without activity
    }
