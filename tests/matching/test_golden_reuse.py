"""Golden records survived again only where a member or an override changed (golden_reuse)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matching.golden_reuse import (
    GoldenCacheUnusable,
    build_reusing,
    load_golden_cache,
    write_golden_cache,
)
from matching.overrides import APPLIED_SCHEMA
from matching.survivorship import (
    FIELD_GROUPS,
    SURVIVAL_INPUTS,
    build_golden_records,
    survive,
    survivorship_members,
)
from rules.canonical import CONSENT_CHANNELS
from rules.config import SurvivorshipConfig

TRUST = {"crm": 1, "shop": 2}
DAY = datetime(2025, 2, 1, 8, 0)

ROWS: list[dict[str, Any]] = [
    # G1: two persons, one of them a contact of the organisation G3 by its name
    {
        "record_key": "crm:1",
        "record_type": "person",
        "last_name": "Huber",
        "first_name": "Anna",
        "updated_at": DAY,
    },
    {
        "record_key": "shop:1",
        "record_type": "person",
        "organisation_key": "huber bau",
        "last_name": "Huber",
        "first_name": "Anne",
        "emails": ["anna@huber-bau.de"],
    },
    # G2: one person
    {"record_key": "crm:2", "record_type": "person", "last_name": "Gruber", "city": "Wien"},
    # G3: the organisation
    {
        "record_key": "crm:3",
        "record_type": "organisation",
        "organisation_name": "Huber Bau GmbH",
        "organisation_key": "huber bau",
        "emails": ["info@huber-bau.de"],
    },
]
ASSIGNMENT = {"crm:1": "G1", "shop:1": "G1", "crm:2": "G2", "crm:3": "G3"}


def _assignment(mapping: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"record_key": list(mapping), "golden_id": list(mapping.values())},
        schema={"record_key": pl.String(), "golden_id": pl.String()},
    )


def _night(
    make_records: Any,
    rows: list[dict[str, Any]],
    assignment: dict[str, str],
    previous: Path | None,
    overrides: pl.DataFrame | None = None,
    rules: SurvivorshipConfig | None = None,
) -> Any:
    """build_reusing from ``previous``; asserts it equals build_golden_records of the same."""
    records = make_records(rows)
    rules = rules or SurvivorshipConfig()
    result = build_reusing(records, _assignment(assignment), TRUST, rules, overrides, previous)
    expected = build_golden_records(records, _assignment(assignment), TRUST, rules, overrides)
    assert_frame_equal(result.golden, expected.golden)
    assert_frame_equal(result.lineage, expected.lineage)
    return result


def _published(result: Any, folder: Path) -> Path:
    write_golden_cache(folder, result.cache, run_id="r")
    return folder


def test_account_rows_sort_before_every_other_lineage_field() -> None:
    """with_accounts merges the account rows in front of each golden id's lineage instead of
    sorting it again: that needs "account_golden_id" before every field name survivorship writes."""
    fields = [column for group in FIELD_GROUPS.values() for column in group]
    fields += [f"consent_{channel}" for channel in CONSENT_CHANNELS]
    assert all("account_golden_id" < field for field in fields)


def test_survive_reads_only_the_fingerprinted_columns(make_records: Any) -> None:
    """The digests cover SURVIVAL_INPUTS alone: survive must give the same without any other
    column (a column it read but the digest missed would let a changed value go unseen)."""
    members = survivorship_members(make_records(ROWS), _assignment(ASSIGNMENT), TRUST)
    whole = survive(members, SurvivorshipConfig())
    narrow = survive(members.select(SURVIVAL_INPUTS), SurvivorshipConfig())
    for part, expected in zip(narrow, whole, strict=True):
        assert_frame_equal(part, expected)


def test_a_moved_row_number_touches_no_golden_record(make_records: Any, tmp_path: Path) -> None:
    """A deleted row moves the row numbers after it; survivorship never reads them."""
    records = make_records(ROWS)
    first = build_reusing(
        records.with_columns(row_number=pl.int_range(pl.len())),
        _assignment(ASSIGNMENT),
        TRUST,
        SurvivorshipConfig(),
        None,
        None,
    )
    again = build_reusing(
        records.with_columns(row_number=pl.int_range(pl.len()) + 7),
        _assignment(ASSIGNMENT),
        TRUST,
        SurvivorshipConfig(),
        None,
        _published(first, tmp_path / "one"),
    )
    assert again.report is not None
    assert (again.report.mode, again.report.survived) == ("incremental", 0)
    assert_frame_equal(again.golden, first.golden)
    assert_frame_equal(again.lineage, first.lineage)


def test_only_golden_records_with_a_changed_member_survive_again(
    make_records: Any, tmp_path: Path
) -> None:
    first = _night(make_records, ROWS, ASSIGNMENT, None)
    assert first.report.mode == "full" and first.report.survived == 3
    assert (
        dict(zip(first.golden["golden_id"], first.golden["account_golden_id"], strict=True))["G1"]
        == "G3"
    )
    cache = _published(first, tmp_path / "one")
    # Karl moves: only G2 survives again.
    moved = [dict(row, city="Graz") if row["record_key"] == "crm:2" else row for row in ROWS]
    second = _night(make_records, moved, ASSIGNMENT, cache)
    assert (second.report.mode, second.report.survived) == ("incremental", 1)
    assert second.golden.filter(pl.col("golden_id") == "G2")["city"].to_list() == ["Graz"]
    # Anne leaves G1 for G2, then comes back: G1 and G2 survive again both times.
    cache = _published(second, tmp_path / "two")
    left = dict(ASSIGNMENT, **{"shop:1": "G2"})
    third = _night(make_records, moved, left, cache)
    assert third.report.survived == 2
    cache = _published(third, tmp_path / "three")
    back = _night(make_records, moved, ASSIGNMENT, cache)
    assert back.report.survived == 2
    # The organisation's own golden record is not touched when a contact leaves it, and its
    # accounts are decided over every golden record all the same.
    assert back.golden.filter(pl.col("golden_id") == "G1")["account_golden_id"].to_list() == ["G3"]


def test_an_override_or_other_rules_survive_again(make_records: Any, tmp_path: Path) -> None:
    cache = _published(_night(make_records, ROWS, ASSIGNMENT, None), tmp_path / "one")
    override = pl.DataFrame(
        {
            "golden_id": ["G1"],
            "field": ["name"],
            "record_key": ["shop:1"],
            "reviewer": ["eva"],
            "decided_at": [DAY],
        },
        schema=APPLIED_SCHEMA,
    )
    chosen = _night(make_records, ROWS, ASSIGNMENT, cache, overrides=override)
    assert chosen.report.survived == 1
    assert chosen.golden.filter(pl.col("golden_id") == "G1")["first_name"].to_list() == ["Anne"]
    recent = _night(
        make_records, ROWS, ASSIGNMENT, cache, rules=SurvivorshipConfig(default="recent")
    )
    assert recent.report.mode == "full" and recent.report.survived == 3


def test_a_damaged_cache_is_not_used(make_records: Any, tmp_path: Path) -> None:
    cache = _published(_night(make_records, ROWS, ASSIGNMENT, None), tmp_path / "one")
    (cache / "lineage.parquet").write_bytes(b"not parquet")
    with pytest.raises(GoldenCacheUnusable):
        load_golden_cache(cache)
    again = _night(make_records, ROWS, ASSIGNMENT, cache)
    assert again.report.mode == "full" and "unusable" in again.report.reason
