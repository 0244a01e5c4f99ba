"""The "Löschfristen" section speaks the report's language, reasons included."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from matching.retention import retention_due
from reports.retention import render_retention_section
from rules.retention import RetentionConfig, SiloRetention, retention_periods

CONFIG = RetentionConfig(
    silos={
        "erp": SiloRetention(group="billing"),
        "newsletter": SiloRetention(group="marketing"),
        "crm": SiloRetention(group="prospect"),
    }
)
SCHEMA = {
    "record_key": pl.String, "silo": pl.String, "source_id": pl.String, "golden_id": pl.String,
    "country": pl.String, "consent_email": pl.Boolean, "consent_email_date": pl.Date,
    "last_activity": pl.Datetime("us"), "updated_at": pl.Datetime("us"),
    "created_at": pl.Datetime("us"),
}  # fmt: skip
ROWS = [
    # silo, source_id, golden_id, consent, consent date, last activity
    ("erp", "1", "G1", None, None, datetime(2017, 3, 1)),  # invoice 2017: due
    ("crm", "1", "G1", None, None, datetime(2026, 10, 1)),  # ... the customer is active
    ("erp", "2", "G2", None, None, datetime(2022, 5, 1)),  # kept only by law: gesperrt
    ("newsletter", "3", "G3", None, None, datetime(2020, 1, 1)),  # never consented
    ("newsletter", "4", "G4", False, date(2026, 9, 1), datetime(2020, 1, 1)),  # withdrawn
    ("crm", "5", "G5", None, None, datetime(2024, 6, 1)),  # prospect, 24 months quiet
]


@pytest.fixture(scope="module")
def due() -> pl.DataFrame:
    frame = pl.DataFrame(
        [
            (f"{silo}:{sid}", silo, sid, gid, "DE", consent, when, activity, None, None)
            for silo, sid, gid, consent, when, activity in ROWS
        ],
        schema=SCHEMA,
        orient="row",
    )
    result = retention_due(
        frame.drop("golden_id"),
        frame.select("record_key", "golden_id"),
        CONFIG,
        retention_periods(CONFIG),
        "DE",
        date(2026, 11, 1),
    )
    assert result.height == 5  # one record per reason
    return result


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        (
            "de",
            [
                "Löschfristen",
                "8 Jahre nach Ende des Jahres 2017 (letzte Rechnung)",
                "nur noch wegen der gesetzlichen Aufbewahrungspflicht gespeichert, bis 2031-01-01",
                "keine Einwilligung in Werbung",
                "Einwilligung in Werbung widerrufen",
                "seit 24 Monaten keine Aktivität",
            ],
            ["years after", "retention duty", "marketing consent", "no activity"],
        ),
        (
            "en",
            [
                "Retention periods",
                "8 years after the end of 2017 (last invoice)",
                "only kept for the legal retention duty until 2031-01-01",
                "no marketing consent",
                "marketing consent withdrawn",
                "no activity for 24 months",
            ],
            ["Jahre nach", "Aufbewahrungspflicht gespeichert", "Einwilligung in Werbung"],
        ),
    ],
)
def test_reasons_in_the_report_language(
    due: pl.DataFrame, language: str, expected: list[str], absent: list[str]
) -> None:
    html = render_retention_section(due, language)
    for text in expected:
        assert text in html
    for text in absent:
        assert text not in html


def test_an_unknown_reason_is_shown_as_written(due: pl.DataFrame) -> None:
    other = due.head(1).with_columns(pl.lit("set by hand <b>").alias("reason"))
    html = render_retention_section(other, "de")
    assert "set by hand &lt;b&gt;" in html  # escaped, not translated
