"""Stored reviewer decisions: the latest one per pair wins, whichever way round it was named."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from matching.decisions import latest_decisions, mark_decided


def _decision(left: str, right: str, decision: str, hour: int, reviewer: str) -> dict[str, object]:
    return {
        "decision_id": f"d{hour}",
        "left_silo": left.split(":")[0],
        "left_source_id": left.split(":")[1],
        "right_silo": right.split(":")[0],
        "right_source_id": right.split(":")[1],
        "decision": decision,
        "reviewer": reviewer,
        "reason": None,
        "decided_at": datetime(2026, 12, 3, hour),
    }


DECISIONS = pl.DataFrame(
    [
        _decision("crm:1", "shop:2", "approve", 8, "Erika"),
        _decision("shop:2", "crm:1", "reject", 9, "Jonas"),  # changed their mind, other order
        _decision("crm:3", "shop:4", "approve", 7, "Erika"),
    ]
)


def test_the_latest_decision_per_pair_wins_in_either_order() -> None:
    latest = latest_decisions(DECISIONS)
    assert latest.select("left_key", "right_key", "decision", "reviewer").rows() == [
        ("crm:1", "shop:2", "reject", "Jonas"),
        ("crm:3", "shop:4", "approve", "Erika"),
    ]


def test_pairs_are_marked_with_their_stored_decision_and_undecided_ones_left_null() -> None:
    pairs = pl.DataFrame(
        {"left_key": ["shop:2", "crm:5", "crm:3"], "right_key": ["crm:1", "shop:6", "shop:4"]}
    )
    marked = mark_decided(pairs, DECISIONS)
    assert marked["left_key"].to_list() == ["shop:2", "crm:5", "crm:3"]  # order kept
    assert marked["stored_decision"].to_list() == ["reject", None, "approve"]
    assert marked["decided_by"].to_list() == ["Jonas", None, "Erika"]
    assert marked["decided_at"].to_list()[0] == datetime(2026, 12, 3, 9)


def test_no_stored_decisions_mark_nothing() -> None:
    pairs = pl.DataFrame({"left_key": ["crm:1"], "right_key": ["shop:2"]})
    assert mark_decided(pairs, None)["stored_decision"].to_list() == [None]
