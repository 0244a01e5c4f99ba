"""Reviewer decisions: validate a decisions file whole, store it as the audit trail.

``apply_decisions`` reads a decisions file (flows.review_files: review.html's JSON or an edited
review_queue.csv), checks it whole against the latest run (matching.review_checks) and stores every
decision with reviewer, time and reason in one transaction, or nothing. Stored decisions are
must-links (approve) and cannot-links (reject) for the cluster stage of every later run
(flows.stages.cluster). A move-out from review.html is stored like ``unmerge --member``: one
cannot-link between the member and each other member of its golden record. The value choices of an
approved pair (file version 3) are stored with it as survivorship overrides (matching.overrides),
in the same transaction.

``unmerge`` records cannot-links between one member (or one half) and the rest of its golden
record, so the next run splits it (the larger part keeps the id); ``history`` lists what touched a
golden id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from flows.review_files import latest_review, read_decisions_file
from flows.state import ReviewDecision, StateStore, SurvivorshipOverride
from matching.overrides import DROP_REASONS
from matching.proposed_decisions import DECISION_WORDS
from matching.review_checks import golden_members, validate_decisions
from rules.canonical import record_key_of
from rules.config import GoldenConfig
from rules.errors import GoldenError

#: ``origin`` of the cannot-links a move-out from review.html stores (``history`` groups them).
MOVE_OUT_ORIGIN = "review-move-out"
#: ``origin`` of the cannot-links `golden unmerge` stores (``history`` groups them too).
UNMERGE_ORIGIN = "unmerge"


@dataclass(frozen=True)
class ApplyResult:
    """What `golden review apply` stored."""

    approved: int
    rejected: int
    skipped_duplicates: int
    #: members moved out of their golden record, and the cannot-links that stores
    moved_out: int = 0
    separations: int = 0
    #: value choices stored as survivorship overrides
    values_chosen: int = 0


@dataclass(frozen=True)
class HistoryEntry:
    """One line of `golden history`: a decision or a redirect touching a golden id."""

    when: datetime | None
    kind: str
    detail: str


def _golden_of(crosswalk: pl.DataFrame) -> dict[str, str]:
    return {
        record_key_of(silo, source_id): golden_id
        for silo, source_id, golden_id in crosswalk.select(
            "silo", "source_id", "golden_id"
        ).iter_rows()
    }


def _decision_ids(moment: datetime) -> Iterator[str]:
    """Unique decision ids: the time stored, a random part, a running number."""
    index = 0
    while True:
        index += 1
        yield f"{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}-{index}"


def _separations(
    golden_id: str,
    apart: list[str],
    rest: list[str],
    ids: Iterator[str],
    *,
    reviewer: str,
    reason: str | None,
    decided_at: datetime,
    run_id: str | None,
    origin: str,
) -> list[ReviewDecision]:
    """Cannot-links between every record of ``apart`` and every record of ``rest``."""
    return [
        ReviewDecision(
            decision_id=next(ids),
            left_silo=left.partition(":")[0],
            left_source_id=left.partition(":")[2],
            right_silo=right.partition(":")[0],
            right_source_id=right.partition(":")[2],
            decision="reject",
            reviewer=reviewer,
            reason=reason,
            decided_at=decided_at,
            run_id=run_id,
            golden_id=golden_id,
            origin=origin,
        )
        for left in apart
        for right in rest
    ]


def apply_decisions(
    config: GoldenConfig, path: Path, *, reviewer: str | None = None, now: datetime | None = None
) -> ApplyResult:
    """Validate a decisions file whole, then store every decision in one transaction."""
    file = read_decisions_file(path)
    state = StateStore.open(config.state_url)
    try:
        golden_of = _golden_of(state.load_crosswalk())
        latest = latest_review(config.output_dir)
        valid = validate_decisions(file, golden_of, latest)
        nameless = sorted(
            [row.row for row in valid.pairs if not (reviewer or row.reviewer)]
            + [entry.row for entry in valid.move_outs if not (reviewer or entry.reviewer)]
        )
        if nameless:
            raise GoldenError(
                f"{path}: row {nameless[0]}, field 'reviewer': no reviewer name — pass "
                "--reviewer NAME — nothing was stored"
            )
        moment = now or datetime.now(UTC)
        ids = _decision_ids(moment)
        run_id = file.run_id or latest.run_id
        decisions = [
            ReviewDecision(
                decision_id=next(ids),
                left_silo=row.left_silo,
                left_source_id=row.left_source_id,
                right_silo=row.right_silo,
                right_source_id=row.right_source_id,
                decision=DECISION_WORDS[row.decision.casefold()],
                reviewer=reviewer or row.reviewer or "",
                reason=row.reason,
                decided_at=row.decided_at or moment,
                run_id=run_id,
                golden_id=golden_of.get(row.left_key),
                origin=f"review file {path.name}",
            )
            for row in valid.pairs
        ]
        overrides = [
            SurvivorshipOverride(
                override_id=f"{decision.decision_id}-{value.field}",
                golden_id=value.golden_id,
                field=value.field,
                silo=value.silo,
                source_id=value.source_id,
                value_hash=value.value_hash,
                reviewer=decision.reviewer,
                decided_at=decision.decided_at,
                decision_id=decision.decision_id,
                origin=decision.origin,
            )
            for row, decision in zip(valid.pairs, decisions, strict=True)
            for value in row.values
        ]
        members_of = golden_members(golden_of)
        separations = [
            decision
            for entry in valid.move_outs
            for decision in _separations(
                entry.golden_id,
                [entry.key],
                [other for other in members_of[entry.golden_id] if other != entry.key],
                ids,
                reviewer=reviewer or entry.reviewer or "",
                reason=entry.reason,
                decided_at=entry.decided_at or moment,
                run_id=run_id,
                origin=f"{MOVE_OUT_ORIGIN}: review file {path.name}",
            )
        ]
        state.save_review_decisions(decisions + separations, overrides)
    finally:
        state.close()
    approved = sum(decision.decision == "approve" for decision in decisions)
    repeated = len(file.rows) + len(file.move_outs) - len(valid.pairs) - len(valid.move_outs)
    return ApplyResult(
        approved,
        len(decisions) - approved,
        repeated,
        len(valid.move_outs),
        len(separations),
        len(overrides),
    )


def split_halves(members: list[str], pairs: pl.DataFrame) -> tuple[list[str], list[str]]:
    """Split a golden record's members in two at the weakest link of its strongest-pairs tree.

    ``pairs`` has left_key, right_key, score (pairs.parquet). The strongest pairs are joined
    first (a maximum spanning tree); leaving out the last, weakest tree edge gives two halves.
    Members not linked by any stored pair end up in the half without the smallest member.
    """
    keys = sorted(members)
    inside = pairs.filter(pl.col("left_key").is_in(keys) & pl.col("right_key").is_in(keys)).sort(
        ["score", "left_key", "right_key"], descending=[True, False, False]
    )

    def components(edges: list[tuple[str, str]]) -> dict[str, str]:
        parent = {key: key for key in keys}

        def root(key: str) -> str:
            while parent[key] != key:
                key = parent[key]
            return key

        for left, right in edges:
            a, b = root(left), root(right)
            if a != b:
                parent[max(a, b)] = min(a, b)
        return {key: root(key) for key in keys}

    tree: list[tuple[str, str]] = []
    for left, right in inside.select("left_key", "right_key").iter_rows():
        labels = components(tree)
        if labels[left] != labels[right]:
            tree.append((left, right))
    labels = components(tree[:-1] if len(tree) == len(keys) - 1 else tree)
    first = [key for key in keys if labels[key] == labels[keys[0]]]
    return first, [key for key in keys if key not in first]


def unmerge(
    config: GoldenConfig,
    golden_id: str,
    member: str | None,
    *,
    reviewer: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> list[ReviewDecision]:
    """Record cannot-links that split ``golden_id`` in the next run.

    With ``member`` (silo:source_id): between it and every other member. Without: between the
    two halves left when the weakest link of its stored pairs (latest pairs.parquet) is cut.
    """
    if member is not None:
        silo, separator, source_id = member.partition(":")
        if not separator or not silo or not source_id:
            raise GoldenError(f"--member {member!r}: write it as SILO:SOURCE_ID")
    state = StateStore.open(config.state_url)
    try:
        golden_of = _golden_of(state.load_crosswalk())
        members = golden_members(golden_of).get(golden_id, [])
        if not members:
            raise GoldenError(
                f"golden id {golden_id} is not in the current crosswalk — check the id "
                "(`golden history` shows where a retired id went)"
            )
        if member is not None and member not in members:
            raise GoldenError(
                f"--member {member}: not a member of {golden_id} (members: {', '.join(members)})"
            )
        if len(members) == 1:
            raise GoldenError(f"{golden_id} has only one member, {members[0]}: nothing to split")
        if member is not None:
            apart = [member]
            rest = [key for key in members if key != member]
        else:
            pairs_file = config.output_dir / "latest" / "pairs.parquet"
            if not pairs_file.is_file():
                raise GoldenError(
                    f"{pairs_file}: not found — run the flow first, or name the member to split "
                    "off with --member SILO:SOURCE_ID"
                )
            apart, rest = split_halves(
                members, pl.read_parquet(pairs_file, columns=["left_key", "right_key", "score"])
            )
        moment = now or datetime.now(UTC)
        decisions = _separations(
            golden_id,
            apart,
            rest,
            _decision_ids(moment),
            reviewer=reviewer,
            reason=reason,
            decided_at=moment,
            run_id=None,
            origin=UNMERGE_ORIGIN,
        )
        state.save_review_decisions(decisions)
    finally:
        state.close()
    return decisions


def history(config: GoldenConfig, golden_id: str) -> list[HistoryEntry]:
    """Decisions and redirects touching ``golden_id``, oldest first."""
    state = StateStore.open(config.state_url)
    try:
        golden_of = _golden_of(state.load_crosswalk())
        decisions = state.load_review_decisions()
        ids = state.load_golden_ids()
        overrides = state.load_overrides(dropped=True)
    finally:
        state.close()
    members = {key for key, owner in golden_of.items() if owner == golden_id}
    entries = _decision_entries(decisions, golden_id, members) + _override_entries(
        overrides, golden_id, members
    )
    for item in ids.iter_rows(named=True):
        if item["golden_id"] == golden_id and item["retired_run"]:
            target = item["redirect_to"] or "(no successor: its records left)"
            entries.append(
                HistoryEntry(None, "retired", f"in run {item['retired_run']}, now {target}")
            )
        elif item["redirect_to"] == golden_id:
            entries.append(
                HistoryEntry(None, "merged in", f"{item['golden_id']} in run {item['retired_run']}")
            )
        if item["golden_id"] == golden_id:
            entries.insert(0, HistoryEntry(None, "created", f"in run {item['created_run']}"))
    return entries


def _decision_entries(
    decisions: pl.DataFrame, golden_id: str, members: set[str]
) -> list[HistoryEntry]:
    """History lines of the decisions touching ``golden_id`` or its members.

    The cannot-links of one move-out from review.html make one "moved out" line, those of one
    `golden unmerge` one "unmerged" line; every other decision is a line of its own.
    """
    groups: dict[tuple[object, ...], tuple[Mapping[str, object], list[str], list[str]]] = {}
    for item in decisions.iter_rows(named=True):
        left = f"{item['left_silo']}:{item['left_source_id']}"
        right = f"{item['right_silo']}:{item['right_source_id']}"
        # A decision outside a move-out or unmerge is a group of its own (by its id).
        group = _separation_group(item) or (item["decision_id"],)
        _first, lefts, rights = groups.setdefault(group, (item, [], []))
        if left not in lefts:
            lefts.append(left)
        if right not in rights:
            rights.append(right)
    entries = []
    for first, unsorted_lefts, unsorted_rights in groups.values():
        lefts, rights = sorted(unsorted_lefts), sorted(unsorted_rights)  # same line every time
        if first["golden_id"] != golden_id and not {*lefts, *rights} & members:
            continue
        reason = f" — {first['reason']}" if first["reason"] else ""
        by = f"by {first['reviewer']} ({first['origin']}){reason}"
        kind = _separation_kind(first)
        if kind == "moved out":
            detail = (
                f"{lefts[0]} out of {first['golden_id']}, kept apart from {', '.join(rights)}, {by}"
            )
        elif kind == "unmerged":
            detail = (
                f"{first['golden_id']} split: {', '.join(lefts)} kept apart from "
                f"{', '.join(rights)}, {by}"
            )
        else:
            detail = f"{lefts[0]} / {rights[0]} {by}"
        decided_at = first["decided_at"]
        when = decided_at if isinstance(decided_at, datetime) else None
        entries.append(HistoryEntry(when, kind or str(first["decision"]), detail))
    return entries


def _override_entries(
    overrides: pl.DataFrame, golden_id: str, members: set[str]
) -> list[HistoryEntry]:
    """History lines of the value choices made for ``golden_id`` or choosing one of its
    records (``members``: a choice made before a merge), and of their dropping."""
    entries = []
    chosen = pl.col("silo") + ":" + pl.col("source_id")
    touching = overrides.filter((pl.col("golden_id") == golden_id) | chosen.is_in(list(members)))
    for item in touching.iter_rows(named=True):
        record = f"{item['silo']}:{item['source_id']}"
        entries.append(
            HistoryEntry(
                item["decided_at"],
                "value chosen",
                f"{item['field']} from {record} by {item['reviewer']} ({item['origin']})",
            )
        )
        if item["dropped_run"]:
            reason = DROP_REASONS.get(item["dropped_reason"], item["dropped_reason"])
            entries.append(
                HistoryEntry(
                    None,
                    "value choice dropped",
                    f"{item['field']} from {record}, in run {item['dropped_run']}: {reason}",
                )
            )
    return entries


def _separation_kind(item: Mapping[str, object]) -> str | None:
    """ "moved out" or "unmerged" for the cannot-links of a move-out or an unmerge, else None."""
    origin = str(item["origin"] or "")
    if origin.startswith(MOVE_OUT_ORIGIN):
        return "moved out"
    if origin == UNMERGE_ORIGIN:
        return "unmerged"
    return None


def _separation_group(item: Mapping[str, object]) -> tuple[object, ...] | None:
    """What the cannot-links of one move-out (one record) or one unmerge (one split) share."""
    kind = _separation_kind(item)
    if kind is None:
        return None
    shared = (
        item["origin"],
        item["golden_id"],
        item["decided_at"],
        item["reviewer"],
        item["reason"],
    )
    if kind == "moved out":
        return (*shared, item["left_silo"], item["left_source_id"])
    return shared
