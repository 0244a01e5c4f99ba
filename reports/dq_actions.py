""" "What to do first": the run's problems as tasks, most severe and most widespread first.

The DQ report opens with this list. Each task pools one kind of problem in one silo and says how
many records it affects, how severe it is, who owns it, one masked example, and which output
file lists every affected row with which filter (so a steward opens the file, filters, fixes).

Severity, from what the problem costs:

- high: rows that never reached matching (quarantine.csv), golden records with a high-severity
  staleness reason (invalid contact data, marketing without consent: stale.csv);
- medium: values that break a validity, uniqueness or consistency rule (dq_failures.csv),
  medium staleness reasons (probable move);
- low: missing optional values (completeness), old data (timeliness), low staleness reasons.

Examples are masked like the rest of the report (reports.masking); ids are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from reports.masking import mask_contact

#: Tasks shown at the top of the report.
FIRST_ACTIONS: Final = 5
SEVERITY_RANK: Final = {"high": 1, "medium": 2, "low": 3}
#: DQ rule dimension -> severity of its failures.
DIMENSION_SEVERITY: Final = {
    "validity": "medium",
    "uniqueness": "medium",
    "consistency": "medium",
    "completeness": "low",
    "timeliness": "low",
}


@dataclass(frozen=True)
class Action:
    """One task: what, where, how many, how urgent, who, an example, and where to find all rows.

    ``kind`` says what ``name`` is: "quarantine" (a quarantine reason, as the file has it),
    "rule" (a DQ rule, with ``field``, ``months`` and ``country``) or "stale" (a staleness
    reason column).
    """

    kind: str
    name: str
    field: str | None
    months: int | None
    country: str | None
    silo: str
    owner: str | None
    records: int
    severity: str
    example: str
    file: str
    filter: tuple[tuple[str, str], ...]


def _quarantine_actions(quarantine: pl.DataFrame, owners: Mapping[str, str]) -> list[Action]:
    if quarantine.is_empty():
        return []
    groups = (
        quarantine.group_by("silo", "reason")
        .agg(pl.len().alias("rows"), pl.col("row_number").min().alias("first_row"))
        .sort("silo", "reason")
    )
    return [
        Action(
            kind="quarantine",
            name=row["reason"] or "",
            field=None,
            months=None,
            country=None,
            silo=row["silo"] or "",
            owner=owners.get(row["silo"] or ""),
            records=row["rows"],
            severity="high",
            example="" if row["first_row"] is None else str(row["first_row"]),
            file="quarantine.csv",
            filter=(("silo", row["silo"] or ""), ("reason", row["reason"] or "")),
        )
        for row in groups.iter_rows(named=True)
    ]


def _rule_actions(
    failures: pl.DataFrame,
    owners: Mapping[str, str],
    rule_details: Mapping[str, tuple[int | None, str | None]],
    show_contact_data: bool,
) -> list[Action]:
    if failures.is_empty():
        return []
    groups = (
        failures.sort("silo", "source_id")
        .group_by("silo", "dimension", "rule", "check", "field")
        .agg(
            pl.col("source_id").n_unique().alias("records"),
            pl.col("value").cast(pl.String).drop_nulls().first().alias("example"),
        )
        .with_columns(
            mask_contact(pl.col("example"), pl.col("field"), show_contact_data=show_contact_data)
        )
        .sort("silo", "check", "field")
    )
    actions = []
    for row in groups.iter_rows(named=True):
        months, country = rule_details.get(row["check"], (None, None))
        actions.append(
            Action(
                kind="rule",
                name=row["rule"],
                field=row["field"],
                months=months,
                country=country,
                silo=row["silo"],
                owner=owners.get(row["silo"]),
                records=row["records"],
                severity=DIMENSION_SEVERITY.get(row["dimension"], "low"),
                example=row["example"] or "",
                file="dq_failures.csv",
                filter=(("silo", row["silo"]), ("rule", row["rule"]), ("field", row["field"])),
            )
        )
    return actions


def _owners(values: pl.Series) -> str | None:
    """Up to three owners, most frequent first, "+N" for the rest."""
    counts = values.drop_nulls().value_counts(sort=True, name="n")
    names = [str(name) for name in counts[values.name]]
    if not names:
        return None
    return ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")


def _stale_actions(
    stale: pl.DataFrame,
    reasons: Sequence[str],
    columns: Mapping[str, tuple[str, str, str]],
    silo_column: str,
) -> list[Action]:
    present = [reason for reason in reasons if reason in stale.columns]
    if stale.is_empty() or not present:
        return []
    actions = []
    for reason in present:
        flagged = stale.filter(pl.col(reason))
        for (silo,), group in sorted(flagged.group_by("silo"), key=lambda item: str(item[0][0])):
            column, value, severity = columns.get(reason, (reason, "true", "low"))
            actions.append(
                Action(
                    kind="stale",
                    name=reason,
                    field=None,
                    months=None,
                    country=None,
                    silo=str(silo or ""),
                    owner=_owners(group["owner"]),
                    records=group.height,
                    severity=severity,
                    example=str(group.sort("golden_id")["golden_id"][0]),
                    file="stale.csv",
                    filter=((column, value), (silo_column, str(silo or ""))),
                )
            )
    return actions


def first_actions(
    quarantine: pl.DataFrame,
    failures: pl.DataFrame,
    stale: pl.DataFrame,
    *,
    owners: Mapping[str, str] | None = None,
    stale_reasons: Sequence[str] = (),
    rule_details: Mapping[str, tuple[int | None, str | None]] | None = None,
    stale_columns: Mapping[str, tuple[str, str, str]] | None = None,
    stale_silo_column: str = "silo",
    limit: int = FIRST_ACTIONS,
    show_contact_data: bool = False,
) -> tuple[tuple[Action, ...], int]:
    """The ``limit`` most urgent tasks (severity, then records affected) and how many in all.

    ``owners``: silo -> owner; ``stale_reasons``: the stale frame's reason columns;
    ``rule_details``: check key -> (months, country) to label rules like the report does;
    ``stale_columns``: reason -> (column, value, severity): how stale.csv marks it, how urgent.
    """
    owners = dict(owners or {})
    actions = [
        *_quarantine_actions(quarantine, owners),
        *_rule_actions(failures, owners, dict(rule_details or {}), show_contact_data),
        *_stale_actions(stale, stale_reasons, dict(stale_columns or {}), stale_silo_column),
    ]
    actions.sort(
        key=lambda action: (
            SEVERITY_RANK.get(action.severity, 9),
            -action.records,
            action.silo,
            action.name,
        )
    )
    return tuple(actions[:limit]), len(actions)
