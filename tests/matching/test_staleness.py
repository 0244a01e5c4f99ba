"""Staleness: which source records are flagged for review, why, and by when.

Reference day 2025-03-01 with the default [staleness] settings: not updated since before
2024-09-01 (6 months), no activity since before 2023-03-01 (24 months), consent given before
2023-03-01 (24 months); review is due 6 months after the last update, never before today.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from matching.staleness import STALE_SCHEMA, flag_stale
from rules.canonical import FINDINGS_SCHEMA
from rules.config import StalenessConfig

TODAY = date(2025, 3, 1)
RECENT = datetime(2025, 2, 1, 9, 30)

NOT_UPDATED = "not updated for more than 6 months"
NO_ACTIVITY = "no activity for more than 24 months"
PROBABLE_MOVE = "probable move: silos disagree on the address"
NO_CONSENT = "e-mail without recorded consent"
OLD_CONSENT = "e-mail consent older than 24 months"
INVALID_CONTACT = "invalid contact data (see findings)"


def _findings(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    """Findings from (record_key, field, status)."""
    return pl.DataFrame(
        [
            (key, key.split(":")[0], key.split(":")[1], field, status, "test", None)
            for key, field, status in rows
        ],
        schema=FINDINGS_SCHEMA,
        orient="row",
    )


def _flag(
    make_records: Any,
    rows: list[dict[str, Any]],
    assignment: dict[str, str] | None = None,
    findings: list[tuple[str, str, str]] | None = None,
    rules: StalenessConfig | None = None,
    today: date = TODAY,
) -> pl.DataFrame:
    rows = [{"updated_at": RECENT, **row} for row in rows]
    frame = make_records(rows)
    if assignment is None:
        assignment = {key: f"G-{key}" for key in frame["record_key"]}
    assignment_frame = pl.DataFrame(
        {"record_key": list(assignment), "golden_id": list(assignment.values())},
        schema={"record_key": pl.String(), "golden_id": pl.String()},
    )
    return flag_stale(
        frame, assignment_frame, _findings(findings or []), rules or StalenessConfig(), today
    )


def _reasons(flagged: pl.DataFrame) -> dict[str, list[str]]:
    return {
        f"{silo}:{source_id}": reasons.split("; ")
        for silo, source_id, reasons in flagged.select("silo", "source_id", "reasons").iter_rows()
    }


REASON_CASES: list[dict[str, Any]] = [
    {
        "description": "recently updated, nothing else known: not flagged",
        "record": {},
        "reasons": None,
    },
    {
        "description": "last update 7 months ago",
        "record": {"updated_at": datetime(2024, 8, 1)},
        "reasons": [NOT_UPDATED],
    },
    {
        "description": "last update exactly 6 months ago is not more than 6 months",
        "record": {"updated_at": datetime(2024, 9, 1)},
        "reasons": None,
    },
    {
        "description": "last update one second more than 6 months ago",
        "record": {"updated_at": datetime(2024, 8, 31, 23, 59, 59)},
        "reasons": [NOT_UPDATED],
    },
    {
        "description": "never updated (null) is not a reason by itself",
        "record": {"updated_at": None},
        "reasons": None,
    },
    {
        "description": "last activity 27 months ago",
        "record": {"last_activity": datetime(2022, 12, 1)},
        "reasons": [NO_ACTIVITY],
    },
    {
        "description": "last activity 23 months ago",
        "record": {"last_activity": datetime(2023, 4, 1)},
        "reasons": None,
    },
    {
        "description": "e-mail without any consent statement",
        "record": {"emails": ["max@example.de"]},
        "reasons": [NO_CONSENT],
    },
    {
        "description": "e-mail with a recorded opt-out is not missing consent",
        "record": {"emails": ["max@example.de"], "consent_email": False},
        "reasons": None,
    },
    {
        "description": "no e-mail, no consent needed",
        "record": {"emails": [], "consent_email": None},
        "reasons": None,
    },
    {
        "description": "consent given more than 24 months ago",
        "record": {
            "emails": ["max@example.de"],
            "consent_email": True,
            "consent_email_date": date(2023, 2, 28),
        },
        "reasons": [OLD_CONSENT],
    },
    {
        "description": "consent given exactly 24 months ago",
        "record": {
            "emails": ["max@example.de"],
            "consent_email": True,
            "consent_email_date": date(2023, 3, 1),
        },
        "reasons": None,
    },
    {
        "description": "an old opt-out does not expire",
        "record": {
            "emails": ["max@example.de"],
            "consent_email": False,
            "consent_email_date": date(2015, 1, 1),
        },
        "reasons": None,
    },
    {
        "description": "several reasons at once, in a fixed order",
        "record": {
            "updated_at": datetime(2023, 1, 1),
            "last_activity": datetime(2022, 1, 1),
            "emails": ["max@example.de"],
        },
        "reasons": [NOT_UPDATED, NO_ACTIVITY, NO_CONSENT],
    },
]


@pytest.mark.parametrize("case", REASON_CASES, ids=[case["description"] for case in REASON_CASES])
def test_reasons(case: dict[str, Any], make_records: Any) -> None:
    flagged = _flag(make_records, [{"record_key": "crm:1", **case["record"]}])
    expected = {} if case["reasons"] is None else {"crm:1": case["reasons"]}
    assert _reasons(flagged) == expected


@pytest.mark.parametrize(
    ("description", "findings", "flagged"),
    [
        ("phone removed as invalid", [("crm:1", "phones", "invalid")], True),
        ("e-mail removed as invalid", [("crm:1", "emails", "invalid")], True),
        ("phone only corrected", [("crm:1", "phones", "corrected")], False),
        ("invalid birth date is not contact data", [("crm:1", "birth_date", "invalid")], False),
        ("another record's invalid phone", [("crm:2", "phones", "invalid")], False),
        (
            "two invalid contacts give one reason",
            [("crm:1", "phones", "invalid"), ("crm:1", "emails", "invalid")],
            True,
        ),
    ],
)
def test_invalid_contact_from_findings(
    description: str, findings: list[tuple[str, str, str]], flagged: bool, make_records: Any
) -> None:
    result = _flag(make_records, [{"record_key": "crm:1"}], findings=findings)
    assert _reasons(result) == ({"crm:1": [INVALID_CONTACT]} if flagged else {}), description


BERLIN = {"postal_code": "10115", "street_key": "invalidenstr"}
MUNICH = {"postal_code": "80331", "street_key": "marienplatz"}


def test_probable_move_when_members_of_one_golden_record_disagree(make_records: Any) -> None:
    rows = [
        {"record_key": "crm:1", **BERLIN},
        {"record_key": "shop:1", **MUNICH},
        # same address in two silos
        {"record_key": "crm:2", **BERLIN},
        {"record_key": "shop:2", **BERLIN, "house_number": "99"},
        # one member without address
        {"record_key": "crm:3", **BERLIN},
        {"record_key": "shop:3"},
        {"record_key": "newsletter:3", "postal_code": "80331"},
        # different addresses but different golden records
        {"record_key": "crm:4", **BERLIN},
        {"record_key": "crm:5", **MUNICH},
    ]
    assignment = {
        "crm:1": "G1",
        "shop:1": "G1",
        "crm:2": "G2",
        "shop:2": "G2",
        "crm:3": "G3",
        "shop:3": "G3",
        "newsletter:3": "G3",
        "crm:4": "G4",
        "crm:5": "G5",
    }
    flagged = _flag(make_records, rows, assignment=assignment)
    assert _reasons(flagged) == {"crm:1": [PROBABLE_MOVE], "shop:1": [PROBABLE_MOVE]}
    assert set(flagged["golden_id"]) == {"G1"}


def test_probable_move_with_three_addresses_flags_every_member_with_an_address(
    make_records: Any,
) -> None:
    rows = [
        {"record_key": "crm:1", **BERLIN},
        {"record_key": "shop:1", **MUNICH},
        {"record_key": "newsletter:1", "postal_code": "1010", "street_key": "ring"},
        {"record_key": "erp:1"},
    ]
    flagged = _flag(
        make_records,
        rows,
        assignment=dict.fromkeys(("crm:1", "shop:1", "newsletter:1", "erp:1"), "G1"),
    )
    assert set(_reasons(flagged)) == {"crm:1", "shop:1", "newsletter:1"}


@pytest.mark.parametrize(
    ("description", "rules", "expected"),
    [
        ("defaults flag both", StalenessConfig(), [NO_CONSENT, INVALID_CONTACT]),
        (
            "missing consent not flagged when switched off",
            StalenessConfig(flag_missing_consent=False),
            [INVALID_CONTACT],
        ),
        (
            "invalid contact not flagged when switched off",
            StalenessConfig(flag_invalid_contact=False),
            [NO_CONSENT],
        ),
        (
            "both switched off: nothing left",
            StalenessConfig(flag_missing_consent=False, flag_invalid_contact=False),
            None,
        ),
    ],
)
def test_switches(
    description: str, rules: StalenessConfig, expected: list[str] | None, make_records: Any
) -> None:
    flagged = _flag(
        make_records,
        [{"record_key": "crm:1", "emails": ["max@example.de"]}],
        findings=[("crm:1", "phones", "invalid")],
        rules=rules,
    )
    assert _reasons(flagged) == ({} if expected is None else {"crm:1": expected}), description


def test_old_consent_switch_follows_missing_consent_switch(make_records: Any) -> None:
    row = {
        "record_key": "crm:1",
        "emails": ["max@example.de"],
        "consent_email": True,
        "consent_email_date": date(2020, 1, 1),
    }
    assert _reasons(_flag(make_records, [row])) == {"crm:1": [OLD_CONSENT]}
    switched_off = StalenessConfig(flag_missing_consent=False)
    assert _reasons(_flag(make_records, [row], rules=switched_off)) == {}


def test_configured_months_are_used_and_named(make_records: Any) -> None:
    rules = StalenessConfig(
        months_without_update=12, months_without_activity=6, max_consent_age_months=3
    )
    rows = [
        {"record_key": "crm:1", "updated_at": datetime(2024, 8, 1)},  # 7 months: fine now
        {"record_key": "crm:2", "updated_at": datetime(2024, 2, 1)},  # 13 months
        {"record_key": "crm:3", "last_activity": datetime(2024, 8, 1)},  # 7 months
        {
            "record_key": "crm:4",
            "emails": ["a@x.de"],
            "consent_email": True,
            "consent_email_date": date(2024, 11, 1),  # 4 months
        },
    ]
    assert _reasons(_flag(make_records, rows, rules=rules)) == {
        "crm:2": ["not updated for more than 12 months"],
        "crm:3": ["no activity for more than 6 months"],
        "crm:4": ["e-mail consent older than 3 months"],
    }


@pytest.mark.parametrize(
    ("description", "updated_at", "interval", "review_due"),
    [
        ("long overdue: due today", datetime(2024, 1, 15), 6, TODAY),
        (
            "updated recently: due one interval after the update",
            datetime(2025, 2, 10, 17),
            6,
            date(2025, 8, 10),
        ),
        ("yearly interval", datetime(2025, 2, 10), 12, date(2026, 2, 10)),
        ("month end is clamped (31 Dec + 4 months)", datetime(2024, 12, 31), 4, date(2025, 4, 30)),
        ("never updated: due today", None, 6, TODAY),
    ],
)
def test_review_due(
    description: str,
    updated_at: datetime | None,
    interval: int,
    review_due: date,
    make_records: Any,
) -> None:
    # Every record here is flagged for a missing e-mail consent, so it appears with its date.
    rules = StalenessConfig(review_interval_months=interval, months_without_update=24)
    flagged = _flag(
        make_records,
        [{"record_key": "crm:1", "updated_at": updated_at, "emails": ["a@x.de"]}],
        rules=rules,
    )
    assert flagged["review_due"].to_list() == [review_due], description


def test_output_rows_columns_and_order(make_records: Any) -> None:
    rows = [
        {"record_key": "shop:2", "emails": ["a@x.de"], "owner": "vertrieb"},
        {
            "record_key": "crm:10",
            "updated_at": datetime(2020, 1, 1),
            "last_activity": datetime(2019, 1, 1),
        },
        {"record_key": "crm:9", "emails": ["b@x.de"], "owner": "m.meier"},
        {"record_key": "crm:1"},
    ]
    flagged = _flag(make_records, rows)
    assert flagged.schema == pl.Schema(STALE_SCHEMA)
    assert flagged.select("silo", "source_id").rows() == [
        ("crm", "10"),
        ("crm", "9"),
        ("shop", "2"),
    ]
    by_key = {f"{row['silo']}:{row['source_id']}": row for row in flagged.to_dicts()}
    assert by_key["crm:9"]["owner"] == "m.meier"
    assert by_key["crm:9"]["golden_id"] == "G-crm:9"
    assert by_key["crm:10"]["updated_at"] == datetime(2020, 1, 1)
    assert by_key["crm:10"]["last_activity"] == datetime(2019, 1, 1)
    assert "crm:1" not in by_key


def test_nothing_to_flag_gives_an_empty_frame_with_the_schema(make_records: Any) -> None:
    flagged = _flag(make_records, [{"record_key": "crm:1"}, {"record_key": "shop:1"}])
    assert flagged.height == 0
    assert flagged.schema == pl.Schema(STALE_SCHEMA)


def test_consent_recorded_in_another_silo_of_the_entity_covers_the_e_mail(
    make_records: Any,
) -> None:
    rows = [
        {"record_key": "crm:1", "emails": ["max@example.de"]},
        {
            "record_key": "newsletter:9",
            "emails": ["max@example.de"],
            "consent_email": True,
            "consent_email_date": date(2025, 1, 10),
        },
        {"record_key": "crm:2", "emails": ["eva@example.de"]},
    ]
    assignment = {"crm:1": "G1", "newsletter:9": "G1", "crm:2": "G2"}
    assert _reasons(_flag(make_records, rows, assignment=assignment)) == {"crm:2": [NO_CONSENT]}
