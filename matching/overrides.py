"""Reviewers' survivorship overrides: "for this golden record, take the name from that record".

A reviewer who merges a pair on review.html may choose, per attribute group of
matching.survivorship.FIELD_GROUPS (name, address, ...), which of the two records the golden
record takes it from. The choice names the record (``silo:source_id``), never the value: the page
may show a value masked, the decisions file carries no personal data, and the choice follows the
record's value across runs. ``value_hash`` fingerprints the group's values as the reviewer saw
them; a run in which they differ drops the override instead of keeping a value nobody chose.

An override is checked in every run (``resolve_overrides``) and applied only while
- the chosen record is still there (not deleted in its silo, not erased),
- it is still in the golden record the reviewer decided on (the stored golden id, or the id that
  golden id was merged into), and
- its values of the group are still the ones the reviewer saw (same ``value_hash``).
Otherwise it is dropped with a reason (DROP_REASONS); the run reports it and the state store
marks it dropped. The latest override per golden record and group wins (a reviewer who changes
their mind), like the latest decision per pair (matching.decisions).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Final

import polars as pl

from matching.stable_ids import follow_redirects
from matching.survivorship import FIELD_GROUPS

#: Stored overrides (flows.state golden_survivorship_overrides; dropped ones left out).
OVERRIDES_SCHEMA: Final = {
    "override_id": pl.String(),
    "golden_id": pl.String(),
    "field": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "value_hash": pl.String(),
    "reviewer": pl.String(),
    "decided_at": pl.Datetime("us"),
}

#: What survivorship takes: per golden id and group, the record whose values win.
APPLIED_SCHEMA: Final = {
    "golden_id": pl.String(),
    "field": pl.String(),
    "record_key": pl.String(),
    "reviewer": pl.String(),
    "decided_at": pl.Datetime("us"),
}

#: Overrides a run could not apply (reason: a key of DROP_REASONS); golden_id is the stored one.
DROPPED_SCHEMA: Final = {
    "override_id": pl.String(),
    "golden_id": pl.String(),
    "field": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "reviewer": pl.String(),
    "decided_at": pl.Datetime("us"),
    "reason": pl.String(),
    "now_in": pl.String(),
}

#: Why an override was dropped (reports translate the codes: reports/review_i18n.toml).
DROP_REASONS: Final = {
    "record_gone": "the chosen record is no longer delivered by its silo",
    "record_moved": "the chosen record is no longer in this golden record",
    "value_changed": "the chosen record's values changed since the review",
    "value_empty": "the chosen record has no value for this field any more",
}

#: Attribute groups a reviewer may choose a record for.
OVERRIDABLE_FIELDS: Final = tuple(FIELD_GROUPS)

VALUES_SCHEMA: Final = {
    "record_key": pl.String(),
    "field": pl.String(),
    "value_hash": pl.String(),
}


def _fingerprint(values: list[object]) -> str:
    text = json.dumps(values, default=str, ensure_ascii=False)
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:16]


def value_hashes(records: pl.DataFrame) -> pl.DataFrame:
    """record_key, field, value_hash (VALUES_SCHEMA) of every group a record has a value for.

    The fingerprint of a group is made from its columns' cleaned values in FIELD_GROUPS order;
    a record whose first column of a group is empty has no value to choose for that group.
    Called on the few records a page lists or an override names, not on a whole run.
    """
    parts = []
    for field, group in FIELD_GROUPS.items():
        if group[0] not in records.columns:
            continue
        columns = [name for name in group if name in records.columns]
        present = records.filter(pl.col(group[0]).is_not_null()).select(
            "record_key",
            pl.concat_list(pl.col(name).cast(pl.String) for name in columns).alias("__values"),
        )
        parts.append(
            present.select(
                "record_key",
                pl.lit(field).alias("field"),
                pl.col("__values")
                .map_elements(lambda values: _fingerprint(list(values)), return_dtype=pl.String)
                .alias("value_hash"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=VALUES_SCHEMA)
    return pl.concat(parts).cast(VALUES_SCHEMA).sort("record_key", "field")  # type: ignore[arg-type]


def latest_overrides(overrides: pl.DataFrame | None) -> pl.DataFrame:
    """The latest override per golden id and field (OVERRIDES_SCHEMA)."""
    if overrides is None or overrides.height == 0:
        return pl.DataFrame(schema=OVERRIDES_SCHEMA)
    return (
        overrides.cast(OVERRIDES_SCHEMA)  # type: ignore[arg-type]
        .sort("decided_at", "override_id")
        .unique(["golden_id", "field"], keep="last", maintain_order=True)
        .sort("golden_id", "field")
    )


def resolve_overrides(
    overrides: pl.DataFrame | None,
    assignment: pl.DataFrame,
    records: pl.DataFrame,
    redirects: Mapping[str, str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(applied APPLIED_SCHEMA, dropped DROPPED_SCHEMA) of the stored overrides for this run.

    ``assignment``: record_key -> golden_id of this run; ``records``: this run's cleaned
    records; ``redirects``: golden id -> the id it was merged into (earlier runs and this one).
    """
    latest = latest_overrides(overrides)
    if latest.height == 0:
        return pl.DataFrame(schema=APPLIED_SCHEMA), pl.DataFrame(schema=DROPPED_SCHEMA)
    successor = follow_redirects(redirects or {}, latest["golden_id"].unique().to_list())
    keyed = latest.with_columns(
        (pl.col("silo") + ":" + pl.col("source_id")).alias("record_key"),
        pl.col("golden_id")
        .replace_strict(successor, default=pl.col("golden_id"), return_dtype=pl.String)
        .alias("__target"),
    )
    named = records.join(keyed.select("record_key").unique(), on="record_key", how="semi")
    current = value_hashes(named).rename({"value_hash": "__current_hash"})
    checked = keyed.join(
        assignment.select("record_key", pl.col("golden_id").alias("now_in")),
        on="record_key",
        how="left",
    ).join(current, on=["record_key", "field"], how="left")
    reason = (
        pl.when(pl.col("now_in").is_null())
        .then(pl.lit("record_gone"))
        .when(pl.col("now_in") != pl.col("__target"))
        .then(pl.lit("record_moved"))
        .when(pl.col("__current_hash").is_null())
        .then(pl.lit("value_empty"))
        .when(pl.col("__current_hash") != pl.col("value_hash"))
        .then(pl.lit("value_changed"))
    )
    checked = checked.with_columns(reason.alias("reason"))
    applied = (
        checked.filter(pl.col("reason").is_null())
        .select(
            pl.col("now_in").alias("golden_id"), "field", "record_key", "reviewer", "decided_at"
        )
        # two stored ids merged into one: the later choice of a group wins
        .sort("decided_at")
        .unique(["golden_id", "field"], keep="last", maintain_order=True)
        .sort("golden_id", "field")
        .cast(APPLIED_SCHEMA)  # type: ignore[arg-type]
    )
    dropped = (
        checked.filter(pl.col("reason").is_not_null())
        .select(*DROPPED_SCHEMA)
        .cast(DROPPED_SCHEMA)  # type: ignore[arg-type]
        .sort("golden_id", "field")
    )
    return applied, dropped
