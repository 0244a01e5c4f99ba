"""Staleness: which golden records need action, why, how urgently, by when, per owner.

Reference day 2025-03-01 with the default [staleness] settings: no activity for 120 months
(before 2015-03-01); the half-yearly review is due 6 months after the golden record's newest
update. Old consent (``max_consent_age_months``) and no update (``months_without_update``) are
off by default and switched on where a case needs them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from matching.staleness import (
    REASONS,
    REMINDERS_SCHEMA,
    STALE_SCHEMA,
    flag_stale,
    reason_texts,
    reminders,
    reminders_file,
    stale_file,
)
from rules.canonical import FINDINGS_SCHEMA
from rules.config import StalenessConfig

TODAY = date(2025, 3, 1)
RECENT = datetime(2025, 2, 1, 9, 30, 12, 345678)
OLD = datetime(2013, 1, 1)


def _flag(
    make_records: Any,
    rows: list[dict[str, Any]],
    *,
    golden: dict[str, str] | None = None,
    invalid: list[str] = (),  # type: ignore[assignment]
    rules: StalenessConfig | None = None,
    marketing: dict[str, list[str]] | None = None,
    owners: dict[str, str] | None = None,
    language: str = "de",
) -> pl.DataFrame:
    frame = make_records([{"updated_at": RECENT, "last_activity": RECENT, **row} for row in rows])
    keys = frame["record_key"].to_list()
    golden = golden or {key: f"G-{key}" for key in keys}
    assignment = pl.DataFrame({"record_key": keys, "golden_id": [golden[key] for key in keys]})
    findings = pl.DataFrame(
        [(key, *key.split(":"), "emails", "invalid", "test", None) for key in invalid],
        schema=FINDINGS_SCHEMA,
        orient="row",
    )
    return flag_stale(
        frame,
        assignment,
        findings,
        rules or StalenessConfig(),
        TODAY,
        owners,
        marketing_channels=marketing,
        language=language,
    )


def _reasons(flagged: pl.DataFrame) -> dict[str, list[str]]:
    return {
        row["golden_id"]: [reason for reason in REASONS if row[reason]]
        for row in flagged.to_dicts()
    }


CASES: list[dict[str, Any]] = [
    {
        "description": "recently active, nothing else known: not flagged",
        "rows": [{"record_key": "crm:1"}],
        "reasons": {},
    },
    {
        "description": "not edited for two years is normal for a CRM: not flagged by default",
        "rows": [{"record_key": "crm:1", "updated_at": datetime(2023, 1, 1)}],
        "reasons": {},
    },
    {
        "description": "no activity in any silo for over ten years",
        "rows": [{"record_key": "crm:1", "last_activity": OLD}],
        "reasons": {"G-crm:1": ["no_activity"]},
    },
    {
        "description": "old activity in one silo, recent in another: the golden record is active",
        "rows": [
            {"record_key": "crm:1", "last_activity": OLD},
            {"record_key": "shop:2", "last_activity": RECENT},
        ],
        "golden": {"crm:1": "G1", "shop:2": "G1"},
        "reasons": {},
    },
    {
        "description": "an invalid e-mail in one member flags its golden record once",
        "rows": [{"record_key": "crm:1"}, {"record_key": "shop:2"}],
        "golden": {"crm:1": "G1", "shop:2": "G1"},
        "invalid": ["shop:2"],
        "reasons": {"G1": ["invalid_contact"]},
    },
    {
        "description": "members disagree on the address: probable move",
        "rows": [
            {"record_key": "crm:1", "postal_code": "10115", "street_key": "linden"},
            {"record_key": "shop:2", "postal_code": "80331", "street_key": "haupt"},
        ],
        "golden": {"crm:1": "G1", "shop:2": "G1"},
        "reasons": {"G1": ["probable_move"]},
    },
    {
        "description": "newsletter subscriber without any recorded e-mail consent",
        "rows": [{"record_key": "newsletter:1", "emails": ["a@example.de"]}],
        "marketing": {"newsletter": ["email"]},
        "reasons": {"G-newsletter:1": ["consent_missing"]},
    },
    {
        "description": "a recorded opt-out is a decision the newsletter tool honours: no task",
        "rows": [{"record_key": "newsletter:1", "consent_email": False}],
        "marketing": {"newsletter": ["email"]},
        "reasons": {},
    },
    {
        "description": "consent recorded in another silo of the golden record covers it",
        "rows": [
            {"record_key": "newsletter:1"},
            {
                "record_key": "shop:2",
                "consent_email": True,
                "consent_email_source": "checkout",
            },
        ],
        "golden": {"newsletter:1": "G1", "shop:2": "G1"},
        "marketing": {"newsletter": ["email"]},
        "reasons": {},
    },
    {
        "description": "no silo sends marketing: unknown consent is no task",
        "rows": [{"record_key": "crm:1", "emails": ["a@example.de"]}],
        "reasons": {},
    },
    {
        "description": "e-mail consent without date or source cannot be demonstrated",
        "rows": [{"record_key": "crm:1", "consent_email": True}],
        "reasons": {"G-crm:1": ["consent_without_proof"]},
    },
    {
        "description": "postal advertising needs no consent: a postal opt-in without proof is fine",
        "rows": [{"record_key": "crm:1", "consent_post": True}],
        "reasons": {},
    },
    {
        "description": "old e-mail consent, unused since: renew it (when switched on)",
        "rules": StalenessConfig(max_consent_age_months=24),
        "rows": [
            {
                "record_key": "crm:1",
                "consent_email": True,
                "consent_email_date": date(2020, 5, 1),
                "last_activity": datetime(2021, 1, 1),
            }
        ],
        "reasons": {"G-crm:1": ["consent_expired"]},
    },
    {
        "description": "old e-mail consent with recent activity is still in use",
        "rules": StalenessConfig(max_consent_age_months=24),
        "rows": [
            {
                "record_key": "crm:1",
                "consent_email": True,
                "consent_email_date": date(2020, 5, 1),
            }
        ],
        "reasons": {},
    },
    {
        "description": "months_without_update switched on flags unedited golden records",
        "rows": [{"record_key": "crm:1", "updated_at": datetime(2024, 1, 1)}],
        "rules": StalenessConfig(months_without_update=6),
        "reasons": {"G-crm:1": ["not_updated"]},
    },
    {
        "description": "no activity since a cut-off date",
        "rows": [{"record_key": "crm:1", "last_activity": datetime(2024, 5, 31)}],
        "rules": StalenessConfig(no_activity_since=date(2024, 6, 1)),
        "reasons": {"G-crm:1": ["no_activity_since"]},
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_reasons(case: dict[str, Any], make_records: Any) -> None:
    flagged = _flag(
        make_records,
        case["rows"],
        golden=case.get("golden"),
        invalid=case.get("invalid", []),
        rules=case.get("rules"),
        marketing=case.get("marketing"),
    )
    assert _reasons(flagged) == case["reasons"]


def test_one_row_per_golden_record_most_severe_first_with_due_dates(make_records: Any) -> None:
    flagged = _flag(
        make_records,
        [
            {"record_key": "crm:1", "last_activity": OLD, "updated_at": datetime(2024, 2, 1)},
            {"record_key": "crm:2", "owner": "Frau Roth"},
            {"record_key": "shop:3"},
        ],
        golden={"crm:1": "GA", "crm:2": "GB", "shop:3": "GB"},
        invalid=["shop:3"],
        owners={"shop": "Vertrieb", "crm": "Innendienst"},
    )
    assert flagged.schema == pl.Schema(STALE_SCHEMA)
    assert flagged.select("golden_id", "severity", "owner", "silo", "members").rows() == [
        ("GB", "high", "Frau Roth", "crm", "crm:2; shop:3"),
        ("GA", "low", "Innendienst", "crm", "crm:1"),
    ]
    # high: due today; low: 6 months after the last change (2024-08-01), never before today
    assert flagged["review_due"].to_list() == [TODAY, TODAY]
    assert flagged["updated_at"].to_list()[0] == date(2025, 2, 1)  # a date, no microseconds
    reasons = flagged["reasons"].to_list()
    assert reasons[0] == reason_texts()["invalid_contact"]["de"]
    assert "120 Monaten" in reasons[1]


def test_reasons_in_english_on_request(make_records: Any) -> None:
    flagged = _flag(make_records, [{"record_key": "crm:1", "last_activity": OLD}], language="en")
    assert flagged["reasons"][0].startswith("No activity in any source for over 120 months")


def test_stale_and_reminders_files_are_german_with_language_de(make_records: Any) -> None:
    flagged = _flag(
        make_records,
        [{"record_key": "crm:1", "last_activity": OLD}, {"record_key": "crm:2"}],
        invalid=["crm:2"],
        owners={"crm": "Innendienst"},
    )
    table = stale_file(flagged, "de")
    assert table.columns[:5] == [
        "Golden-ID",
        "Dringlichkeit",
        "Gründe",
        "Prüfen bis",
        "Verantwortlich",
    ]
    assert table["Dringlichkeit"].to_list() == ["hoch", "niedrig"]
    assert table["Kontaktdaten ungültig"].to_list() == ["ja", None]
    grouped = reminders(flagged, TODAY)
    assert grouped.schema == pl.Schema(REMINDERS_SCHEMA)
    assert grouped.select("owner", "records", "high", "low", "overdue").rows() == [
        ("Innendienst", 2, 1, 1, 1)  # the low one is due 6 months after its last change
    ]
    assert reminders_file(grouped, "de").columns[:4] == [
        "Verantwortlich",
        "Quelle",
        "Golden Records",
        "hoch",
    ]


def test_every_reason_has_a_severity_and_a_sentence_in_both_languages() -> None:
    texts = reason_texts()
    assert set(texts) == set(REASONS)
    for reason in REASONS:
        assert texts[reason]["severity"] in {"high", "medium", "low"}
        assert texts[reason]["de"].endswith(".") and texts[reason]["en"].endswith(".")
        assert texts[reason]["column_de"]


def test_nothing_flagged_gives_empty_frames_with_their_schemas(make_records: Any) -> None:
    flagged = _flag(make_records, [{"record_key": "crm:1"}])
    assert flagged.height == 0 and flagged.schema == pl.Schema(STALE_SCHEMA)
    assert reminders(flagged, TODAY).schema == pl.Schema(REMINDERS_SCHEMA)
