"""Checking a decisions file whole against the latest run before anything is stored.

Unknown records or golden ids, a report whose records changed since (pair fingerprints that no
longer match the latest review queue, record fingerprints that no longer match the latest
review_members.csv, a member no longer in its golden record, a golden record whose members
changed), conflicting decisions (two decisions for one pair; a move-out against an
approve of the member with another member of its golden record), unknown decision words and
value choices that no longer hold (unknown field or golden id, a record that is not one of the
pair's, not in that golden record, or whose value changed since the report: review_values.csv
of the latest run) all become one GoldenError naming file, row and field, the first row's
problem first. The decisions come parsed (matching.proposed_decisions), the latest run's
fingerprints read (``LatestReview``, flows.review_files.latest_review): nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from matching.overrides import OVERRIDABLE_FIELDS
from matching.proposed_decisions import (
    DECISION_WORDS,
    ID_FIELDS,
    MOVE_OUT_WORDS,
    VALUE_FIELDS,
    DecisionsFile,
    PairHash,
    ProposedDecision,
    ProposedMoveOut,
    ProposedValue,
)
from rules.errors import GoldenError


@dataclass(frozen=True)
class ValidDecisions:
    """The distinct rows of a valid decisions file (repeated rows left out)."""

    pairs: list[ProposedDecision]
    move_outs: list[ProposedMoveOut]


@dataclass(frozen=True)
class LatestReview:
    """What the latest published run offered for review: a decisions file is checked against it.

    ``pair_hashes``: pair -> pair_hash of its review_queue.csv; ``member_hashes``: record ->
    record_hash of the records its review.html listed (None: a run from before
    review_members.csv, whose move-outs are checked by membership and pairs only).
    """

    run_id: str | None
    pair_hashes: Mapping[tuple[str, str], str]
    member_hashes: Mapping[str, str] | None
    #: (record, field) -> value_hash of the values its review.html offered to choose from
    #: (review_values.csv; None: a run from before value choices)
    value_hashes: Mapping[tuple[str, str], str] | None = None


def golden_members(golden_of: Mapping[str, str]) -> dict[str, list[str]]:
    """golden id -> its records (silo:source_id), sorted."""
    members: dict[str, list[str]] = {}
    for key, golden_id in sorted(golden_of.items()):
        members.setdefault(golden_id, []).append(key)
    return members


def _hash_problem(
    at: str,
    field: str,
    pair: PairHash,
    latest: LatestReview,
    origin: str,
) -> str | None:
    """Why a fingerprint from the report no longer holds, or None if it does."""
    latest_run = latest.run_id
    current = latest.pair_hashes.get(pair.pair)
    if current is None:
        return (
            f"{at}, field '{field}': {pair.left_key} / {pair.right_key} is not in the review "
            f"queue of the latest run {latest_run} (report: {origin}) — its records or scores "
            "changed; review the latest review.html"
        )
    if current != pair.pair_hash:
        return (
            f"{at}, field '{field}': the records of {pair.left_key} / {pair.right_key} changed "
            f"since the report ({origin}; latest run {latest_run}) — review them again in the "
            "latest review.html"
        )
    return None


def _pair_problems(
    at: str,
    row: ProposedDecision,
    known_records: Mapping[str, str],
    latest: LatestReview,
    origin: str,
) -> list[str]:
    problems = []
    folded = row.decision.casefold()
    if folded in MOVE_OUT_WORDS:
        problems.append(
            f"{at}, field 'decision': {row.decision!r} — a row is a pair, so a member can only be "
            "moved out in review.html (JSON) or with `golden unmerge GOLDEN_ID --member "
            "SILO:SOURCE_ID`"
        )
    elif folded not in DECISION_WORDS:
        problems.append(
            f"{at}, field 'decision': unknown decision {row.decision!r} — write approve/reject "
            "(ja/nein, zusammenführen/trennen)"
        )
    empty = [name for name in ID_FIELDS if not getattr(row, name)]
    if empty:
        return [*problems, f"{at}, field '{empty[0]}': empty"]
    for side, key in (("left", row.left_key), ("right", row.right_key)):
        if key not in known_records:
            problems.append(
                f"{at}, field '{side}_source_id': record {key} is not in the current "
                "crosswalk — is the file from another project or a record that was deleted?"
            )
    if row.left_key == row.right_key:
        problems.append(f"{at}, field 'right_source_id': a record paired with itself")
    if row.pair_hash is not None:
        fingerprint = PairHash(row.left_key, row.right_key, row.pair_hash)
        problem = _hash_problem(at, "pair_hash", fingerprint, latest, origin)
        problems.extend([problem] if problem else [])
    return problems


def _move_out_problems(
    at: str,
    entry: ProposedMoveOut,
    golden_of: Mapping[str, str],
    members_of: Mapping[str, list[str]],
    latest: LatestReview,
    origin: str,
) -> list[str]:
    latest_run = latest.run_id
    empty = [name for name in ("golden_id", "silo", "source_id") if not getattr(entry, name)]
    if empty:
        return [f"{at}, field '{empty[0]}': empty"]
    key, golden_id = entry.key, entry.golden_id
    members = members_of.get(golden_id, [])
    if key not in golden_of:
        return [
            f"{at}, field 'source_id': record {key} is not in the current crosswalk — is the "
            "file from another project or a record that was deleted?"
        ]
    if not members:
        return [
            f"{at}, field 'golden_id': golden id {golden_id} is not in the current crosswalk "
            f"(latest run {latest_run}; report: {origin}) — a typo, another project, or a golden "
            f"record merged or split since (`golden history {golden_id}` shows where it went)"
        ]
    if golden_of[key] != golden_id:
        return [
            f"{at}, field 'golden_id': record {key} is no longer in {golden_id} but in "
            f"{golden_of[key]} (latest run {latest_run}; report: {origin}) — the report is from "
            "an older run; review the latest review.html"
        ]
    others = [other for other in members if other != key]
    if not others:
        return [
            f"{at}, field 'source_id': {key} is the only record of {golden_id}: nothing to move"
        ]
    problems = []
    if entry.members is not None and sorted(set(entry.members)) != others:
        gone = sorted(set(entry.members) - set(others)) or ["none"]
        added = sorted(set(others) - set(entry.members)) or ["none"]
        problems.append(
            f"{at}, field 'members': the records of {golden_id} changed since the report "
            f"({origin}; latest run {latest_run}): gone {', '.join(gone)}, new "
            f"{', '.join(added)} — review the latest review.html"
        )
    for fingerprint in entry.pair_hashes:
        if key not in (fingerprint.left_key, fingerprint.right_key):
            problems.append(
                f"{at}, field 'pair_hashes': pair {fingerprint.left_key} / "
                f"{fingerprint.right_key} does not involve {key}"
            )
            continue
        problem = _hash_problem(at, "pair_hashes", fingerprint, latest, origin)
        problems.extend([problem] if problem else [])
    return problems + _record_hash_problems(at, entry, latest, origin)


def _record_hash_problems(
    at: str, entry: ProposedMoveOut, latest: LatestReview, origin: str
) -> list[str]:
    """The records whose values changed since the report showed them (or left the page)."""
    if latest.member_hashes is None:
        return []
    problems = []
    for key, digest in entry.record_hashes:
        current = latest.member_hashes.get(key)
        if current is None:
            problems.append(
                f"{at}, field 'record_hash': {key} is not listed in the review.html of the "
                f"latest run {latest.run_id} (report: {origin}) — its golden record changed; "
                "review the latest review.html"
            )
        elif current != digest:
            problems.append(
                f"{at}, field 'record_hash': the values of {key} changed since the report "
                f"({origin}; latest run {latest.run_id}) — review it again in the latest "
                "review.html"
            )
    return problems


def _value_problems(
    at: str,
    row: ProposedDecision,
    golden_of: Mapping[str, str],
    known_golden_ids: set[str],
    latest: LatestReview,
    origin: str,
) -> list[str]:
    """Why a pair's value choices cannot be stored (each named by field 'values.<field>')."""
    if not row.values:
        return []
    if DECISION_WORDS.get(row.decision.casefold()) != "approve":
        return [
            f"{at}, field 'values': a value can only be chosen for a pair that is merged "
            f"(decision approve, not {row.decision!r}) — remove the choice or approve the pair"
        ]
    problems: list[str] = []
    seen: set[str] = set()
    for value in row.values:
        problem = _value_problem(
            f"{at}, field 'values.{value.field or '?'}'",
            row,
            value,
            golden_of,
            known_golden_ids,
            latest,
            origin,
        )
        if problem is None and value.field in seen:
            problem = f"{at}, field 'values.{value.field}': chosen twice for one pair — keep one"
        seen.add(value.field)
        problems.extend([problem] if problem else [])
    return problems


def _value_problem(
    where: str,
    row: ProposedDecision,
    value: ProposedValue,
    golden_of: Mapping[str, str],
    known_golden_ids: set[str],
    latest: LatestReview,
    origin: str,
) -> str | None:
    empty = [name for name in VALUE_FIELDS if not getattr(value, name)]
    if empty:
        return f"{where}: {empty[0]} empty — export the file from review.html"
    if value.field not in OVERRIDABLE_FIELDS:
        return (
            f"{where}: unknown field {value.field!r} — a value can be chosen for "
            f"{', '.join(OVERRIDABLE_FIELDS)}"
        )
    key = value.key
    if key not in (row.left_key, row.right_key):
        return (
            f"{where}: record {key} is not one of the pair's records ({row.left_key}, "
            f"{row.right_key}) — choose the value of one of the two"
        )
    if key not in golden_of:
        return (
            f"{where}: record {key} is not in the current crosswalk — is the file from another "
            "project or a record that was deleted?"
        )
    if value.golden_id not in known_golden_ids:
        return (
            f"{where}: golden id {value.golden_id} is not in the current crosswalk (latest run "
            f"{latest.run_id}; report: {origin}) — a typo, another project, or a golden record "
            f"merged or split since (`golden history {value.golden_id}` shows where it went)"
        )
    if golden_of[key] != value.golden_id:
        return (
            f"{where}: record {key} is no longer in {value.golden_id} but in {golden_of[key]} "
            f"(latest run {latest.run_id}; report: {origin}) — review the latest review.html"
        )
    if latest.value_hashes is None:
        return (
            f"{where}: the latest run {latest.run_id} published no review_values.csv to check "
            "the value against — run the flow again and choose in its review.html"
        )
    current = latest.value_hashes.get((key, value.field))
    if current is None:
        return (
            f"{where}: the value of {key} is no longer offered in the review.html of the latest "
            f"run {latest.run_id} (report: {origin}) — its values or the pair changed; choose "
            "again in the latest review.html"
        )
    if current != value.value_hash:
        return (
            f"{where}: the value of {key} changed since the report ({origin}; latest run "
            f"{latest.run_id}) — choose again in the latest review.html"
        )
    return None


def _value_conflicts(where: Path, rows: tuple[ProposedDecision, ...]) -> list[tuple[int, str]]:
    """Two rows choosing different records for one field of one golden record."""
    chosen: dict[tuple[str, str], tuple[int, str]] = {}
    problems = []
    for row in rows:
        if DECISION_WORDS.get(row.decision.casefold()) != "approve":
            continue
        for value in row.values:
            earlier = chosen.setdefault((value.golden_id, value.field), (row.row, value.key))
            if earlier[1] != value.key:
                problems.append(
                    (
                        row.row,
                        f"{where}: row {row.row}, field 'values.{value.field}': chooses "
                        f"{value.key} for {value.golden_id}, row {earlier[0]} chose "
                        f"{earlier[1]} — keep one choice per golden record and field",
                    )
                )
    return problems


def _conflicts(
    where: Path,
    pairs: list[ProposedDecision],
    move_outs: list[ProposedMoveOut],
    members_of: Mapping[str, list[str]],
) -> list[tuple[int, str]]:
    """A move-out against an approve of the member with another member of its golden record."""
    approved = {
        row.pair: row for row in pairs if DECISION_WORDS.get(row.decision.casefold()) == "approve"
    }
    problems = []
    for entry in move_outs:
        for other in members_of.get(entry.golden_id, []):
            row = approved.get((min(entry.key, other), max(entry.key, other)))
            if other != entry.key and row is not None:
                problems.append(
                    (
                        entry.row,
                        f"{where}: row {entry.row}, field 'action': moving {entry.key} out of "
                        f"{entry.golden_id} conflicts with row {row.row}, which approves "
                        f"{row.left_key} / {row.right_key} (both in {entry.golden_id}) — keep "
                        "one of the two",
                    )
                )
    return problems


def validate_decisions(
    file: DecisionsFile,
    golden_of: Mapping[str, str],
    latest: LatestReview,
) -> ValidDecisions:
    """Every problem of the file as one GoldenError (nothing stored); else the distinct rows.

    ``golden_of`` maps every record of the latest crosswalk (silo:source_id) to its golden id.
    ``latest`` holds the latest run's fingerprints: a row with a pair_hash, a move-out with
    record hashes must match them, or its report was taken on records that changed since.
    """
    problems: list[tuple[int, str]] = []  # (row, message), reported in row order
    seen: dict[tuple[str, str], ProposedDecision] = {}
    distinct: list[ProposedDecision] = []
    origin = f"run {file.run_id}" if file.run_id else "an older run"
    # golden ids of the crosswalk, for value choices (a set made once, not a scan per choice)
    known_golden_ids = set(golden_of.values()) if any(row.values for row in file.rows) else set()
    for row in file.rows:
        at = f"{file.path}: row {row.row}"
        problems += [
            (row.row, problem) for problem in _pair_problems(at, row, golden_of, latest, origin)
        ]
        problems += [
            (row.row, problem)
            for problem in _value_problems(at, row, golden_of, known_golden_ids, latest, origin)
        ]
        word = DECISION_WORDS.get(row.decision.casefold())
        if any(not getattr(row, name) for name in ID_FIELDS):
            continue
        earlier = seen.get(row.pair)
        if earlier is not None and word is not None:
            if DECISION_WORDS.get(earlier.decision.casefold()) != word:
                problems.append(
                    (
                        row.row,
                        f"{at}, field 'decision': conflicts with row {earlier.row} for the same "
                        f"pair {row.pair[0]} / {row.pair[1]} — keep one decision per pair",
                    )
                )
            continue
        seen[row.pair] = row
        distinct.append(row)
    members_of = golden_members(golden_of)
    moved: dict[tuple[str, str], ProposedMoveOut] = {}
    for entry in file.move_outs:
        at = f"{file.path}: row {entry.row}"
        problems += [
            (entry.row, problem)
            for problem in _move_out_problems(at, entry, golden_of, members_of, latest, origin)
        ]
        moved.setdefault((entry.golden_id, entry.key), entry)  # a repeated move-out counts once
    problems += _conflicts(file.path, distinct, list(moved.values()), members_of)
    problems += _value_conflicts(file.path, file.rows)
    if problems:
        first = min(problems, key=lambda problem: problem[0])[1]
        more = f" (and {len(problems) - 1} more problem(s); nothing was stored)"
        raise GoldenError(first + (more if len(problems) > 1 else " — nothing was stored"))
    return ValidDecisions(distinct, list(moved.values()))
