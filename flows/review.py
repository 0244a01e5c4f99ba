"""Reviewer decisions: read a decisions file, validate it whole, store it as the audit trail.

A decisions file is the JSON that review.html exports, or review_queue.csv with a ``decision``
column filled in (Excel: semicolon or comma, UTF-8 with BOM or Windows-1252). Nothing is stored
unless every row is valid: unknown records, a report whose records changed since, conflicting
decisions for one pair and unknown decision words all stop the whole file with one line naming
file, row and field. Stored decisions are must-links (approve) and cannot-links (reject) for the
cluster stage of every later run (flows.stages.cluster).

``unmerge`` records cannot-links between one member (or one half) and the rest of its golden
record, so the next run splits it (the larger part keeps the id); ``history`` lists what touched a
golden id.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from flows.state import ReviewDecision, StateStore
from rules.config import GoldenConfig
from rules.errors import GoldenError

#: Decision words a reviewer may write (lower case), German and English.
DECISION_WORDS = {
    "approve": "approve",
    "approved": "approve",
    "ja": "approve",
    "zusammenführen": "approve",
    "zusammenfuehren": "approve",
    "reject": "reject",
    "rejected": "reject",
    "nein": "reject",
    "trennen": "reject",
}

ID_FIELDS = ("left_silo", "left_source_id", "right_silo", "right_source_id")


@dataclass(frozen=True)
class ProposedDecision:
    """One row of a decisions file, before validation (``row`` as a person counts it)."""

    row: int
    left_silo: str
    left_source_id: str
    right_silo: str
    right_source_id: str
    decision: str
    reason: str | None
    reviewer: str | None
    pair_hash: str | None
    decided_at: datetime | None

    @property
    def left_key(self) -> str:
        return f"{self.left_silo}:{self.left_source_id}"

    @property
    def right_key(self) -> str:
        return f"{self.right_silo}:{self.right_source_id}"

    @property
    def pair(self) -> tuple[str, str]:
        """The pair as an unordered key (smaller record key first)."""
        return (min(self.left_key, self.right_key), max(self.left_key, self.right_key))


@dataclass(frozen=True)
class DecisionsFile:
    """A parsed decisions file: its rows and the run of the report it came from (if known)."""

    path: Path
    rows: tuple[ProposedDecision, ...]
    run_id: str | None


@dataclass(frozen=True)
class ApplyResult:
    """What `golden review apply` stored."""

    approved: int
    rejected: int
    skipped_duplicates: int


@dataclass(frozen=True)
class HistoryEntry:
    """One line of `golden history`: a decision or a redirect touching a golden id."""

    when: datetime | None
    kind: str
    detail: str


# -- reading ------------------------------------------------------------------------------------
def read_decisions_file(path: Path) -> DecisionsFile:
    """Parse a decisions JSON (from review.html) or CSV (review_queue.csv plus decision column)."""
    if not path.is_file():
        raise GoldenError(f"{path}: file not found — pass the decisions file review.html exported")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise GoldenError(f"{path}: unknown file type {suffix!r} — use the .json or a .csv file")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _unescape(value: str) -> str:
    # review_queue.csv escapes cells starting with = + - @ (reports.csv_safe): undo that.
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@") else value


def _moment(path: Path, row: int, value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GoldenError(
            f"{path}: row {row}, field 'decided_at': not an ISO date-time: {value!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _proposed(
    path: Path, row: int, item: dict[str, object], reviewer: str | None
) -> ProposedDecision:
    values = {name: _unescape(_text(item.get(name))) for name in ID_FIELDS}
    return ProposedDecision(
        row=row,
        **values,
        decision=_text(item.get("decision")),
        reason=_text(item.get("reason")) or None,
        reviewer=_text(item.get("reviewer")) or reviewer,
        pair_hash=_text(item.get("pair_hash")) or None,
        decided_at=_moment(path, row, _text(item.get("decided_at"))),
    )


def _read_json(path: Path) -> DecisionsFile:
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldenError(f"{path}: not a readable JSON file: {exc}") from None
    items = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise GoldenError(
            f"{path}: no 'decisions' list of objects — export the file from review.html"
        )
    reviewer = _text(data.get("reviewer")) or None
    rows = tuple(_proposed(path, index, item, reviewer) for index, item in enumerate(items, 1))
    return DecisionsFile(path, rows, _text(data.get("run_id")) or None)


def _read_csv(path: Path) -> DecisionsFile:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on German Windows
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [name.strip().lstrip("'") for name in reader.fieldnames or []]
    missing = [name for name in (*ID_FIELDS, "decision") if name not in columns]
    if missing:
        raise GoldenError(
            f"{path}: row 1: column(s) {', '.join(missing)} missing — start from review_queue.csv "
            "and add a column 'decision'"
        )
    reader.fieldnames = columns
    rows = []
    for line, item in enumerate(reader, 2):  # line 1 is the header
        if not _text(item.get("decision")):
            continue  # not decided yet
        rows.append(_proposed(path, line, dict(item), None))
    return DecisionsFile(path, tuple(rows), None)  # review_queue.csv names no run


# -- validating ---------------------------------------------------------------------------------
def validate_decisions(
    file: DecisionsFile,
    known_records: set[str],
    latest_hashes: dict[tuple[str, str], str],
    latest_run: str | None,
) -> list[ProposedDecision]:
    """Every problem of the file as one GoldenError (nothing stored); else the distinct rows.

    ``latest_hashes`` maps the pairs of the latest run's review queue to their pair_hash: a row
    with a pair_hash must match it, or its report was taken on records that changed since.
    """
    problems: list[str] = []
    seen: dict[tuple[str, str], ProposedDecision] = {}
    distinct: list[ProposedDecision] = []
    where = f"{file.path}"
    for row in file.rows:
        at = f"{where}: row {row.row}"
        word = DECISION_WORDS.get(row.decision.casefold())
        if word is None:
            problems.append(
                f"{at}, field 'decision': unknown decision {row.decision!r} — write approve/reject "
                "(ja/nein, zusammenführen/trennen)"
            )
        empty = [name for name in ID_FIELDS if not getattr(row, name)]
        if empty:
            problems.append(f"{at}, field '{empty[0]}': empty")
            continue
        for side, key in (("left", row.left_key), ("right", row.right_key)):
            if key not in known_records:
                problems.append(
                    f"{at}, field '{side}_source_id': record {key} is not in the current "
                    "crosswalk — is the file from another project or a record that was deleted?"
                )
        if row.left_key == row.right_key:
            problems.append(f"{at}, field 'right_source_id': a record paired with itself")
        if row.pair_hash is not None:
            current = latest_hashes.get(row.pair)
            origin = f"run {file.run_id}" if file.run_id else "an older run"
            if current is None:
                problems.append(
                    f"{at}, field 'pair_hash': {row.left_key} / {row.right_key} is not in the "
                    f"review queue of the latest run {latest_run} (report: {origin}) — its "
                    "records or scores changed; review the latest review.html"
                )
            elif current != row.pair_hash:
                problems.append(
                    f"{at}, field 'pair_hash': the records of {row.left_key} / {row.right_key} "
                    f"changed since the report ({origin}; latest run {latest_run}) — review "
                    "them again in the latest review.html"
                )
        earlier = seen.get(row.pair)
        if earlier is not None and word is not None:
            if DECISION_WORDS.get(earlier.decision.casefold()) != word:
                problems.append(
                    f"{at}, field 'decision': conflicts with row {earlier.row} for the same pair "
                    f"{row.pair[0]} / {row.pair[1]} — keep one decision per pair"
                )
            continue
        seen[row.pair] = row
        distinct.append(row)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s); nothing was stored)"
        raise GoldenError(problems[0] + (more if len(problems) > 1 else " — nothing was stored"))
    return distinct


def latest_review_hashes(output_dir: Path) -> tuple[dict[tuple[str, str], str], str | None]:
    """pair -> pair_hash of the published review queue, and the published run id."""
    latest = output_dir / "latest"
    run_id = None
    summary = latest / "summary.json"
    if summary.is_file():
        run_id = json.loads(summary.read_text("utf-8")).get("run_id")
    queue = latest / "review_queue.csv"
    if not queue.is_file():
        return {}, run_id
    frame = pl.read_csv(queue, infer_schema=False, encoding="utf8-lossy")
    if "pair_hash" not in frame.columns:
        return {}, run_id
    hashes = {}
    for item in frame.iter_rows(named=True):
        left = f"{_unescape(item['left_silo'])}:{_unescape(item['left_source_id'])}"
        right = f"{_unescape(item['right_silo'])}:{_unescape(item['right_source_id'])}"
        hashes[(min(left, right), max(left, right))] = item["pair_hash"]
    return hashes, run_id


# -- storing ------------------------------------------------------------------------------------
def _golden_of(crosswalk: pl.DataFrame) -> dict[str, str]:
    return {
        f"{silo}:{source_id}": golden_id
        for silo, source_id, golden_id in crosswalk.select(
            "silo", "source_id", "golden_id"
        ).iter_rows()
    }


def apply_decisions(
    config: GoldenConfig, path: Path, *, reviewer: str | None = None, now: datetime | None = None
) -> ApplyResult:
    """Validate a decisions file whole, then store every decision in one transaction."""
    file = read_decisions_file(path)
    state = StateStore.open(config.state_url)
    try:
        golden_of = _golden_of(state.load_crosswalk())
        hashes, latest_run = latest_review_hashes(config.output_dir)
        rows = validate_decisions(file, set(golden_of), hashes, latest_run)
        nameless = [row.row for row in rows if not (reviewer or row.reviewer)]
        if nameless:
            raise GoldenError(
                f"{path}: row {nameless[0]}, field 'reviewer': no reviewer name — pass "
                "--reviewer NAME — nothing was stored"
            )
        moment = now or datetime.now(UTC)
        decisions = [
            ReviewDecision(
                decision_id=f"{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}-{index}",
                left_silo=row.left_silo,
                left_source_id=row.left_source_id,
                right_silo=row.right_silo,
                right_source_id=row.right_source_id,
                decision=DECISION_WORDS[row.decision.casefold()],
                reviewer=reviewer or row.reviewer or "",
                reason=row.reason,
                decided_at=row.decided_at or moment,
                run_id=file.run_id or latest_run,
                golden_id=golden_of.get(row.left_key),
                origin=f"review file {path.name}",
            )
            for index, row in enumerate(rows, 1)
        ]
        state.save_review_decisions(decisions)
    finally:
        state.close()
    approved = sum(decision.decision == "approve" for decision in decisions)
    return ApplyResult(approved, len(decisions) - approved, len(file.rows) - len(rows))


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
        members = sorted(key for key, owner in golden_of.items() if owner == golden_id)
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
        decisions = [
            ReviewDecision(
                decision_id=f"{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}-{index}",
                left_silo=left.partition(":")[0],
                left_source_id=left.partition(":")[2],
                right_silo=right.partition(":")[0],
                right_source_id=right.partition(":")[2],
                decision="reject",
                reviewer=reviewer,
                reason=reason,
                decided_at=moment,
                run_id=None,
                golden_id=golden_id,
                origin="unmerge",
            )
            for index, (left, right) in enumerate(
                ((left, right) for left in apart for right in rest), 1
            )
        ]
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
    finally:
        state.close()
    members = {key for key, owner in golden_of.items() if owner == golden_id}
    entries = []
    for item in decisions.iter_rows(named=True):
        left = f"{item['left_silo']}:{item['left_source_id']}"
        right = f"{item['right_silo']}:{item['right_source_id']}"
        if item["golden_id"] == golden_id or left in members or right in members:
            reason = f" — {item['reason']}" if item["reason"] else ""
            entries.append(
                HistoryEntry(
                    item["decided_at"],
                    item["decision"],
                    f"{left} / {right} by {item['reviewer']} ({item['origin']}){reason}",
                )
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
