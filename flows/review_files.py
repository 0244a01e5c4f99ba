"""Decisions files: the JSON review.html exports, or review_queue.csv with a decision column.

``read_decisions_file`` turns either into proposed decisions (matching.proposed_decisions),
checked by matching.review_checks against ``latest_review`` (the latest run's review files) and
stored by flows.review. A JSON entry without ``action`` is a pair decision (approve/reject); one
with ``"action": "move_out"`` takes one member (silo, source_id) out of its golden record
(golden_id), with the other members and the pairs' fingerprints (pair_hashes) the report showed.
A CSV row is a pair: its ``decision`` column (Excel: semicolon or comma, UTF-8 with BOM or
Windows-1252) holds one of DECISION_WORDS; move-outs are JSON (or `golden unmerge`) only.

The JSON's ``format`` is "golden-review-decisions", its ``version``:
1, 2  pairs (approve/reject) and move-outs
3     a pair entry may carry ``values``: the reviewer's choice, per attribute group, of the
      record the golden record takes it from — a list of {field, golden_id, silo, source_id,
      value_hash} (matching.overrides). Files of versions 1 and 2 load unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from matching.proposed_decisions import (
    ID_FIELDS,
    VALUE_FIELDS,
    DecisionsFile,
    PairHash,
    ProposedDecision,
    ProposedMoveOut,
    ProposedValue,
)
from matching.review_checks import LatestReview
from rules.canonical import record_key_of
from rules.errors import GoldenError

#: The decisions JSON this version reads (and review.html writes); older versions load too.
FILE_FORMAT = "golden-review-decisions"
FILE_VERSION = 3


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


def unescape_cell(value: str) -> str:
    """A review_queue.csv cell as written before reports.csv_safe escaped = + - @ at its start."""
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
    values = {name: unescape_cell(_text(item.get(name))) for name in ID_FIELDS}
    return ProposedDecision(
        row=row,
        **values,
        decision=_text(item.get("decision")),
        reason=_text(item.get("reason")) or None,
        reviewer=_text(item.get("reviewer")) or reviewer,
        pair_hash=_text(item.get("pair_hash")) or None,
        decided_at=_moment(path, row, _text(item.get("decided_at"))),
        values=_values(path, row, item.get("values")),
    )


def _values(path: Path, row: int, value: object) -> tuple[ProposedValue, ...]:
    """The ``values`` list of a pair entry; a malformed one is a GoldenError naming the row."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise GoldenError(
            f"{path}: row {row}, field 'values': not a list of objects with "
            f"{', '.join(VALUE_FIELDS)} — export the file from review.html"
        )
    return tuple(
        ProposedValue(**{name: unescape_cell(_text(item.get(name))) for name in VALUE_FIELDS})
        for item in value
    )


def _objects(
    path: Path, row: int, field: str, value: object, names: tuple[str, ...]
) -> list[dict[str, str]]:
    """A list of objects with the text fields ``names`` (``[]`` if missing), else GoldenError."""
    if value is None:
        return []
    items = value if isinstance(value, list) else None
    if items is None or not all(
        isinstance(item, dict) and all(_text(item.get(name)) for name in names) for item in items
    ):
        raise GoldenError(
            f"{path}: row {row}, field '{field}': not a list of objects with "
            f"{', '.join(names)} — export the file from review.html"
        )
    return [{name: unescape_cell(_text(item.get(name))) for name in names} for item in items]


def _move_out(
    path: Path, row: int, item: dict[str, object], reviewer: str | None
) -> ProposedMoveOut:
    members = None
    silo = unescape_cell(_text(item.get("silo")))
    source_id = unescape_cell(_text(item.get("source_id")))
    fingerprints = [(record_key_of(silo, source_id), _text(item.get("record_hash")))]
    if item.get("members") is not None:
        listed = _objects(path, row, "members", item["members"], ("silo", "source_id"))
        members = tuple(record_key_of(other["silo"], other["source_id"]) for other in listed)
        raw = item["members"] if isinstance(item["members"], list) else []
        fingerprints += [
            (key, _text(other.get("record_hash"))) for key, other in zip(members, raw, strict=True)
        ]
    hashes = _objects(path, row, "pair_hashes", item.get("pair_hashes"), (*ID_FIELDS, "pair_hash"))
    return ProposedMoveOut(
        row=row,
        golden_id=_text(item.get("golden_id")),
        silo=silo,
        source_id=source_id,
        members=members,
        pair_hashes=tuple(
            PairHash(
                f"{pair['left_silo']}:{pair['left_source_id']}",
                f"{pair['right_silo']}:{pair['right_source_id']}",
                pair["pair_hash"],
            )
            for pair in hashes
        ),
        reason=_text(item.get("reason")) or None,
        reviewer=_text(item.get("reviewer")) or reviewer,
        decided_at=_moment(path, row, _text(item.get("decided_at"))),
        # Files exported before review.html had fingerprints of members carry none.
        record_hashes=tuple((key, digest) for key, digest in fingerprints if digest),
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
    _check_version(path, data)
    reviewer = _text(data.get("reviewer")) or None
    rows, move_outs = [], []
    for index, item in enumerate(items, 1):
        action = _text(item.get("action")).casefold()
        if action == "move_out":
            move_outs.append(_move_out(path, index, item, reviewer))
        elif action in ("", "decide"):
            rows.append(_proposed(path, index, item, reviewer))
        else:
            raise GoldenError(
                f"{path}: row {index}, field 'action': unknown action {item.get('action')!r} — "
                "leave it out for approve/reject, or write move_out"
            )
    return DecisionsFile(path, tuple(rows), _text(data.get("run_id")) or None, tuple(move_outs))


def _check_version(path: Path, data: dict[str, object]) -> None:
    """Refuse a JSON of another format or of a newer version than this one reads."""
    kind = _text(data.get("format"))
    if kind and kind != FILE_FORMAT:
        raise GoldenError(
            f"{path}: field 'format': {kind!r} is not a decisions file ({FILE_FORMAT}) — "
            "export the file from review.html"
        )
    version = data.get("version")
    if version is None:
        return  # the first files carried no version
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise GoldenError(f"{path}: field 'version': not a version number: {version!r}")
    if version > FILE_VERSION:
        raise GoldenError(
            f"{path}: field 'version': version {version} is newer than this golden-records "
            f"reads (up to {FILE_VERSION}) — update golden-records"
        )


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


# -- the latest run's review files ---------------------------------------------------------------
def latest_review(output_dir: Path) -> LatestReview:
    """The fingerprints the latest published run offered for review (see LatestReview)."""
    latest = output_dir / "latest"
    run_id = None
    summary = latest / "summary.json"
    if summary.is_file():
        run_id = json.loads(summary.read_text("utf-8")).get("run_id")
    pair_hashes = {}
    ids = ("left_silo", "left_source_id", "right_silo", "right_source_id")
    queue = _published(latest / "review_queue.csv", ids)
    if queue is not None and "pair_hash" in queue.columns:
        for item in queue.iter_rows(named=True):
            left = record_key_of(item["left_silo"], item["left_source_id"])
            right = record_key_of(item["right_silo"], item["right_source_id"])
            pair_hashes[(min(left, right), max(left, right))] = item["pair_hash"]
    members = _published(latest / "review_members.csv", ("silo", "source_id"))
    member_hashes = None
    if members is not None:
        member_hashes = {
            record_key_of(item["silo"], item["source_id"]): item["record_hash"]
            for item in members.iter_rows(named=True)
        }
    offered = _published(latest / "review_values.csv", ("silo", "source_id"))
    value_hashes = None
    if offered is not None:
        value_hashes = {
            (record_key_of(item["silo"], item["source_id"]), item["field"]): item["value_hash"]
            for item in offered.iter_rows(named=True)
        }
    return LatestReview(run_id, pair_hashes, member_hashes, value_hashes)


def _published(path: Path, ids: tuple[str, ...]) -> pl.DataFrame | None:
    """A CSV the run published, its ``ids`` columns turned back from Excel-safe cells; or None."""
    if not path.is_file():
        return None
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    return frame.with_columns(
        pl.col(name).map_elements(unescape_cell, return_dtype=pl.String) for name in ids
    )
