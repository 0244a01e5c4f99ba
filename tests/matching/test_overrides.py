"""Reviewers' survivorship overrides: which stored choices a run applies, which it drops, and how
survivorship and lineage honour the applied ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
import pytest

from matching.overrides import (
    APPLIED_SCHEMA,
    DROP_REASONS,
    OVERRIDES_SCHEMA,
    resolve_overrides,
    value_hashes,
)
from matching.survivorship import build_golden_records
from rules.config import SurvivorshipConfig

TRUST = {"crm": 1, "shop": 2}
DAY = datetime(2026, 12, 4, 9, 30)
LATER = datetime(2026, 12, 5, 7, 0)

ROWS: list[dict[str, Any]] = [
    {
        "record_key": "crm:1",
        "first_name": "Hans",
        "last_name": "Müller",
        "street": "Hauptstraße",
        "house_number": "1",
        "postal_code": "10115",
        "city": "Berlin",
        "updated_at": datetime(2020, 1, 1),
    },
    {
        "record_key": "shop:7",
        "first_name": "Johannes",
        "last_name": "Mueller",
        "street": "Bahnhofstraße",
        "house_number": "9",
        "postal_code": "80331",
        "city": "München",
        "updated_at": datetime(2025, 1, 1),
    },
]


def _assignment(mapping: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"record_key": list(mapping), "golden_id": list(mapping.values())},
        schema={"record_key": pl.String(), "golden_id": pl.String()},
    )


def _hash(records: pl.DataFrame, key: str, field: str) -> str:
    hashes = value_hashes(records).filter(
        (pl.col("record_key") == key) & (pl.col("field") == field)
    )
    return str(hashes["value_hash"][0]) if hashes.height else "0" * 16


def _stored(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=OVERRIDES_SCHEMA)


def _override(
    records: pl.DataFrame,
    key: str,
    field: str,
    *,
    golden_id: str = "G1",
    when: datetime = DAY,
    override_id: str = "o1",
    value_hash: str | None = None,
) -> dict[str, Any]:
    silo, _, source_id = key.partition(":")
    return {
        "override_id": override_id,
        "golden_id": golden_id,
        "field": field,
        "silo": silo,
        "source_id": source_id,
        "value_hash": value_hash or _hash(records, key, field),
        "reviewer": "Erika Muster",
        "decided_at": when,
    }


RESOLVE_CASES: list[dict[str, Any]] = [
    {
        "description": "the chosen record is in the golden record with the values seen: applied",
        "assignment": {"crm:1": "G1", "shop:7": "G1"},
        "change": {},
        "redirects": {},
        "expected": ("applied", "shop:7", "G1"),
    },
    {
        "description": "the golden id was merged into another: applied to the survivor",
        "assignment": {"crm:1": "G0", "shop:7": "G0"},
        "change": {},
        "redirects": {"G1": "G0"},
        "expected": ("applied", "shop:7", "G0"),
    },
    {
        "description": "redirects are followed through several merges",
        "assignment": {"crm:1": "GZ", "shop:7": "GZ"},
        "change": {},
        "redirects": {"G1": "G0", "G0": "GZ"},
        "expected": ("applied", "shop:7", "GZ"),
    },
    {
        "description": "the chosen record is no longer delivered: dropped",
        "assignment": {"crm:1": "G1"},
        "change": {},
        "redirects": {},
        "expected": ("dropped", "record_gone", None),
    },
    {
        "description": "the chosen record was split off into another golden record: dropped",
        "assignment": {"crm:1": "G1", "shop:7": "G2"},
        "change": {},
        "redirects": {},
        "expected": ("dropped", "record_moved", "G2"),
    },
    {
        "description": "the chosen record's value changed since the review: dropped",
        "assignment": {"crm:1": "G1", "shop:7": "G1"},
        "change": {"first_name": "Jo"},
        "redirects": {},
        "expected": ("dropped", "value_changed", "G1"),
    },
    {
        "description": "the chosen record has no value for the field any more: dropped",
        "assignment": {"crm:1": "G1", "shop:7": "G1"},
        "change": {"last_name": None},
        "redirects": {},
        "expected": ("dropped", "value_empty", "G1"),
    },
]


@pytest.mark.parametrize("case", RESOLVE_CASES, ids=[case["description"] for case in RESOLVE_CASES])
def test_resolve_overrides(case: dict[str, Any], make_records: Any) -> None:
    seen = make_records(ROWS)
    stored = _stored([_override(seen, "shop:7", "name")])
    now_rows = [{**row, **case["change"]} if row["record_key"] == "shop:7" else row for row in ROWS]
    records = make_records(now_rows).filter(pl.col("record_key").is_in(list(case["assignment"])))
    applied, dropped = resolve_overrides(
        stored, _assignment(case["assignment"]), records, case["redirects"]
    )
    outcome, detail, golden_id = case["expected"]
    if outcome == "applied":
        assert dropped.height == 0
        assert applied.select("golden_id", "field", "record_key").rows() == [
            (golden_id, "name", detail)
        ]
    else:
        assert applied.height == 0
        assert dropped.select("golden_id", "field", "reason", "now_in").rows() == [
            ("G1", "name", detail, golden_id)
        ]
        assert detail in DROP_REASONS


def test_the_latest_override_per_golden_record_and_field_wins(make_records: Any) -> None:
    records = make_records(ROWS)
    stored = _stored(
        [
            _override(records, "shop:7", "name", override_id="o1", when=LATER),
            _override(records, "crm:1", "name", override_id="o2", when=DAY),
            _override(records, "crm:1", "address", override_id="o3", when=DAY),
        ]
    )
    applied, dropped = resolve_overrides(
        stored, _assignment({"crm:1": "G1", "shop:7": "G1"}), records
    )
    assert dropped.height == 0
    assert applied.select("field", "record_key").rows() == [
        ("address", "crm:1"),
        ("name", "shop:7"),
    ]


def test_value_hashes_follow_the_value_not_the_row(make_records: Any) -> None:
    records = make_records(ROWS)
    moved = make_records([{**ROWS[1], "record_key": "shop:8"}])
    assert _hash(records, "shop:7", "name") == _hash(moved, "shop:8", "name")
    assert _hash(records, "shop:7", "name") != _hash(records, "crm:1", "name")
    # a record without a last name has no name to choose
    nameless = make_records([{**ROWS[0], "last_name": None}])
    assert value_hashes(nameless).filter(pl.col("field") == "name").height == 0


SURVIVE_CASES: list[dict[str, Any]] = [
    {
        "description": "no override: trust picks the CRM's name and address",
        "overrides": [],
        "expected_name": ("Müller", "Hans", "crm:1", "name:trust"),
        "expected_city": ("Berlin", "crm:1", "address:trust"),
    },
    {
        "description": "a name override takes the whole name from the chosen record",
        "overrides": [("name", "shop:7")],
        "expected_name": (
            "Mueller",
            "Johannes",
            "shop:7",
            "name:review override by Erika Muster on 2026-12-04",
        ),
        "expected_city": ("Berlin", "crm:1", "address:trust"),
    },
    {
        "description": "an address override never mixes the address with the rule's record",
        "overrides": [("address", "shop:7")],
        "expected_name": ("Müller", "Hans", "crm:1", "name:trust"),
        "expected_city": (
            "München",
            "shop:7",
            "address:review override by Erika Muster on 2026-12-04",
        ),
    },
    {
        "description": "an override naming the rule's own choice changes the value nothing",
        "overrides": [("name", "crm:1")],
        "expected_name": (
            "Müller",
            "Hans",
            "crm:1",
            "name:review override by Erika Muster on 2026-12-04",
        ),
        "expected_city": ("Berlin", "crm:1", "address:trust"),
    },
]


@pytest.mark.parametrize("case", SURVIVE_CASES, ids=[case["description"] for case in SURVIVE_CASES])
def test_survivorship_with_overrides(case: dict[str, Any], make_records: Any) -> None:
    records = make_records(ROWS + [{**ROWS[1], "record_key": "shop:9", "first_name": "Ida"}])
    assignment = _assignment({"crm:1": "G1", "shop:7": "G1", "shop:9": "G2"})
    applied = pl.DataFrame(
        [
            {
                "golden_id": "G1",
                "field": field,
                "record_key": key,
                "reviewer": "Erika Muster",
                "decided_at": DAY,
            }
            for field, key in case["overrides"]
        ],
        schema=APPLIED_SCHEMA,
    )
    result = build_golden_records(records, assignment, TRUST, SurvivorshipConfig(), applied)
    golden = {row["golden_id"]: row for row in result.golden.to_dicts()}
    lineage = {(row["golden_id"], row["field"]): row for row in result.lineage.to_dicts()}
    last, first, source, rule = case["expected_name"]
    assert (golden["G1"]["last_name"], golden["G1"]["first_name"]) == (last, first)
    for field in ("last_name", "first_name"):
        entry = lineage[("G1", field)]
        assert (f"{entry['silo']}:{entry['source_id']}", entry["rule"]) == (source, rule)
    city, source, rule = case["expected_city"]
    assert golden["G1"]["city"] == city
    for field in ("street", "house_number", "postal_code", "city"):
        entry = lineage[("G1", field)]
        assert (f"{entry['silo']}:{entry['source_id']}", entry["rule"]) == (source, rule)
    # the other golden record is untouched by G1's overrides
    assert golden["G2"]["first_name"] == "Ida"
    assert lineage[("G2", "first_name")]["rule"] == "name:trust"
