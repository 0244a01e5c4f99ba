"""Reviewers' stored decisions as matching uses them: the latest decision per pair.

A pair is named by its two record keys in sorted order (``left_key`` < ``right_key``), whatever
order the decisions file or the scored pairs used. The latest decision (by ``decided_at``, then
``decision_id``) wins: a reviewer who changes their mind overrides the earlier decision. The
cluster stage turns these into must-links (approve) and cannot-links (reject); the review queue
marks the pairs already decided, so the review page shows them as decided instead of asking again.
"""

from __future__ import annotations

from typing import Final

import polars as pl

#: latest_decisions: one row per decided pair.
LATEST_SCHEMA: Final = {
    "left_key": pl.String(),
    "right_key": pl.String(),
    "decision": pl.String(),
    "reviewer": pl.String(),
    "reason": pl.String(),
    "decided_at": pl.Datetime("us"),
}


def latest_decisions(decisions: pl.DataFrame | None) -> pl.DataFrame:
    """The latest decision per pair (LATEST_SCHEMA), from stored decisions (DECISIONS_SCHEMA)."""
    if decisions is None or decisions.height == 0:
        return pl.DataFrame(schema=LATEST_SCHEMA)
    left = pl.col("left_silo") + ":" + pl.col("left_source_id")
    right = pl.col("right_silo") + ":" + pl.col("right_source_id")
    return (
        decisions.sort("decided_at", "decision_id")
        .select(
            pl.min_horizontal(left, right).alias("left_key"),
            pl.max_horizontal(left, right).alias("right_key"),
            "decision",
            "reviewer",
            "reason",
            pl.col("decided_at").cast(pl.Datetime("us")),
        )
        .unique(["left_key", "right_key"], keep="last", maintain_order=True)
        .sort("left_key", "right_key")
    )


def mark_decided(pairs: pl.DataFrame, decisions: pl.DataFrame | None) -> pl.DataFrame:
    """``pairs`` (left_key, right_key, ...) plus stored_decision, decided_by, decided_at.

    The three columns are null for a pair nobody decided yet.
    """
    latest = latest_decisions(decisions).select(
        "left_key",
        "right_key",
        pl.col("decision").alias("stored_decision"),
        pl.col("reviewer").alias("decided_by"),
        "decided_at",
    )
    ordered = pairs.with_columns(
        pl.min_horizontal("left_key", "right_key").alias("_low"),
        pl.max_horizontal("left_key", "right_key").alias("_high"),
    )
    return ordered.join(
        latest.rename({"left_key": "_low", "right_key": "_high"}),
        on=["_low", "_high"],
        how="left",
        maintain_order="left",
    ).drop("_low", "_high")
