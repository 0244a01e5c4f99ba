"""Staleness reason columns, the newer reasons (cut-off date, consent proof), owners, reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from matching.staleness import REASONS, REMINDERS_SCHEMA, STALE_SCHEMA, flag_stale, reminders
from rules.canonical import FINDINGS_SCHEMA
from rules.config import StalenessConfig

TODAY = date(2025, 3, 1)
RECENT = datetime(2025, 2, 1)


def _flag(
    make_records: Any,
    rows: list[dict[str, Any]],
    rules: StalenessConfig | None = None,
    owners: dict[str, str] | None = None,
    findings: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> pl.DataFrame:
    frame = make_records([{"updated_at": RECENT, **row} for row in rows])
    assignment = frame.select("record_key", ("G-" + pl.col("record_key")).alias("golden_id"))
    finding_frame = pl.DataFrame(
        [(key, *key.split(":"), field, "invalid", "test", None) for key, field in findings],
        schema=FINDINGS_SCHEMA,
        orient="row",
    )
    return flag_stale(
        frame, assignment, finding_frame, rules or StalenessConfig(), TODAY, silo_owners=owners
    )


def _true_reasons(flagged: pl.DataFrame) -> dict[str, list[str]]:
    return {
        f"{row['silo']}:{row['source_id']}": [reason for reason in REASONS if row[reason]]
        for row in flagged.to_dicts()
    }


REASON_CASES: list[dict[str, Any]] = [
    {
        "description": "no activity since the configured cut-off date",
        "rules": StalenessConfig(no_activity_since=date(2024, 6, 1)),
        "record": {"last_activity": datetime(2024, 5, 31)},
        "reasons": ["no_activity_since"],
    },
    {
        "description": "activity on the cut-off date is not flagged",
        "rules": StalenessConfig(no_activity_since=date(2024, 6, 1)),
        "record": {"last_activity": datetime(2024, 6, 1)},
        "reasons": [],
    },
    {
        "description": "no cut-off configured: the column is there but false",
        "rules": StalenessConfig(),
        "record": {"last_activity": datetime(2024, 5, 31), "emails": ["a@x.de"]},
        "reasons": ["consent_missing"],
    },
    {
        "description": "consent without date and source has no proof",
        "rules": StalenessConfig(),
        "record": {"consent_post": True},
        "reasons": ["consent_without_proof"],
    },
    {
        "description": "consent with a source is provable",
        "rules": StalenessConfig(),
        "record": {"consent_post": True, "consent_post_source": "Kundenkarte"},
        "reasons": [],
    },
    {
        "description": "an opt-out needs no proof here",
        "rules": StalenessConfig(),
        "record": {"consent_phone": False},
        "reasons": [],
    },
    {
        "description": "proof check switched off",
        "rules": StalenessConfig(flag_consent_without_proof=False),
        "record": {"consent_post": True},
        "reasons": [],
    },
    {
        "description": "several reasons give several true columns",
        "rules": StalenessConfig(),
        "record": {
            "updated_at": datetime(2023, 1, 1),
            "emails": ["a@x.de"],
            "consent_email": True,
            "consent_email_date": date(2020, 1, 1),
        },
        "reasons": ["not_updated", "consent_expired"],
    },
]


@pytest.mark.parametrize("case", REASON_CASES, ids=[case["description"] for case in REASON_CASES])
def test_reason_columns(case: dict[str, Any], make_records: Any) -> None:
    flagged = _flag(make_records, [{"record_key": "crm:1", **case["record"]}], rules=case["rules"])
    expected = {"crm:1": case["reasons"]} if case["reasons"] else {}
    assert _true_reasons(flagged) == expected
    assert flagged.schema == pl.Schema(STALE_SCHEMA)


def test_joined_reasons_match_the_columns(make_records: Any) -> None:
    flagged = _flag(
        make_records,
        [{"record_key": "crm:1", "updated_at": datetime(2023, 1, 1), "consent_post": True}],
        rules=StalenessConfig(no_activity_since=date(2024, 6, 1)),
    )
    assert flagged["reasons"].to_list() == [
        "not updated for more than 6 months; consent without proof (no date or source recorded)"
    ]


def test_silo_owner_fills_records_without_owner(make_records: Any) -> None:
    rows = [
        {"record_key": "crm:1", "emails": ["a@x.de"], "owner": "Frau Meier"},
        {"record_key": "crm:2", "emails": ["b@x.de"]},
        {"record_key": "shop:1", "emails": ["c@x.de"]},
    ]
    flagged = _flag(make_records, rows, owners={"crm": "Vertrieb"})
    assert dict(flagged.select(pl.concat_str("silo", "source_id"), "owner").iter_rows()) == {
        "crm1": "Frau Meier",
        "crm2": "Vertrieb",
        "shop1": None,
    }


def test_reminders_group_per_silo_and_owner(make_records: Any) -> None:
    rows = [
        {"record_key": "crm:1", "emails": ["a@x.de"], "owner": "Frau Meier"},
        {
            "record_key": "crm:2",
            "emails": ["b@x.de"],
            "owner": "Frau Meier",
            "updated_at": datetime(2025, 2, 20),
        },
        {"record_key": "crm:3", "updated_at": datetime(2020, 1, 1)},
        {"record_key": "shop:1", "emails": ["c@x.de"]},
    ]
    flagged = _flag(make_records, rows, owners={"crm": "Vertrieb"}, findings=[("crm:1", "phones")])
    grouped = reminders(flagged, TODAY)
    assert grouped.schema == pl.Schema(REMINDERS_SCHEMA)
    by_owner = {(row["silo"], row["owner"]): row for row in grouped.to_dicts()}
    assert list(by_owner) == [("crm", "Frau Meier"), ("crm", "Vertrieb"), ("shop", None)]
    meier = by_owner[("crm", "Frau Meier")]
    assert meier["records"] == 2
    assert meier["consent_missing"] == 2
    assert meier["invalid_contact"] == 1
    # crm:1 is due now (updated 1 Feb + 6 months = 1 Aug); review_due is never before today
    assert meier["first_review_due"] == date(2025, 8, 1)
    assert meier["overdue"] == 0
    vertrieb = by_owner[("crm", "Vertrieb")]
    assert vertrieb["overdue"] == 1 and vertrieb["not_updated"] == 1
    assert vertrieb["first_review_due"] == TODAY


def test_no_flagged_records_no_reminders() -> None:
    empty = pl.DataFrame(schema=STALE_SCHEMA)
    assert reminders(empty, TODAY).schema == pl.Schema(REMINDERS_SCHEMA)
    assert reminders(empty, TODAY).is_empty()
