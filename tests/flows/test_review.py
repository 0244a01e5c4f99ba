"""Review decisions: stored in the state store, validated whole, honoured by the next run."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from flows.demo import write_demo
from flows.pipeline import PlainRunner, run_pipeline
from flows.review import apply_decisions, history, split_halves, unmerge
from flows.stages import decision_links
from flows.state import ReviewDecision, StateStore
from rules.config import GoldenConfig, load_config
from rules.errors import GoldenError


def _decision(
    left: str, right: str, decision: str, at: datetime, identifier: str = "d1"
) -> ReviewDecision:
    left_silo, _, left_id = left.partition(":")
    right_silo, _, right_id = right.partition(":")
    return ReviewDecision(
        decision_id=identifier,
        left_silo=left_silo,
        left_source_id=left_id,
        right_silo=right_silo,
        right_source_id=right_id,
        decision=decision,
        reviewer="Erika Muster",
        reason="gleiche Person",
        decided_at=at,
        run_id="r1",
        golden_id="G1",
        origin="test",
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_decisions_round_trip(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (
        f"sqlite:///{tmp_path / 'state.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    store = StateStore.open(url)
    first = _decision("crm:1", "shop:a", "approve", datetime(2026, 11, 1, 9, tzinfo=UTC))
    second = _decision("crm:2", "shop:b", "reject", datetime(2026, 11, 2, 9, tzinfo=UTC), "d2")
    store.save_review_decisions([second, first])
    store.close()
    reopened = StateStore.open(url)
    loaded = reopened.load_review_decisions()
    reopened.close()
    assert loaded["decision_id"].to_list() == ["d1", "d2"]
    row = loaded.row(0, named=True)
    assert row["reviewer"] == "Erika Muster" and row["decision"] == "approve"
    assert row["decided_at"] == datetime(2026, 11, 1, 9)
    assert (row["left_silo"], row["left_source_id"], row["right_source_id"]) == ("crm", "1", "a")


def test_saving_is_all_or_nothing(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(GoldenError):  # the same decision id twice fails the whole batch
        store.save_review_decisions(
            [
                _decision("crm:1", "shop:a", "approve", at),
                _decision("crm:2", "shop:b", "reject", at),
            ]
        )
    assert store.load_review_decisions().height == 0


def test_latest_decision_per_pair_wins() -> None:
    decisions = pl.DataFrame(
        [
            _decision("shop:a", "crm:1", "approve", datetime(2026, 1, 1), "d1").__dict__,
            _decision("crm:1", "shop:a", "reject", datetime(2026, 1, 2), "d2").__dict__,
            _decision("crm:2", "crm:3", "approve", datetime(2026, 1, 1), "d3").__dict__,
        ]
    )
    must_link, cannot_link = decision_links(decisions)
    assert must_link.rows() == [("crm:2", "crm:3")]
    assert cannot_link.rows() == [("crm:1", "shop:a")]


# -- a real run ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("review-demo")
    write_demo(directory, persons=100)
    run_pipeline(load_config(directory / "golden.toml"), PlainRunner())
    return directory


def _crosswalk(config: GoldenConfig) -> dict[str, str]:
    frame = pl.read_parquet(config.output_dir / "latest" / "crosswalk.parquet")
    return {f"{s}:{i}": g for s, i, g in frame.select("silo", "source_id", "golden_id").iter_rows()}


def _queue(config: GoldenConfig) -> list[dict[str, str]]:
    frame = pl.read_csv(config.output_dir / "latest" / "review_queue.csv", infer_schema=False)
    return frame.to_dicts()


def _write_json(path: Path, rows: list[dict[str, object]], run_id: str = "r") -> Path:
    path.write_text(json.dumps({"run_id": run_id, "reviewer": "Erika", "decisions": rows}), "utf-8")
    return path


def _row(item: dict[str, str], decision: str, **extra: object) -> dict[str, object]:
    keys = ("left_silo", "left_source_id", "right_silo", "right_source_id", "pair_hash")
    return {**{key: item[key] for key in keys}, "decision": decision, **extra}


ERROR_CASES = [
    {
        "description": "unknown decision word",
        "rows": lambda q: [_row(q[0], "vielleicht")],
        "error": r"row 1, field 'decision': unknown decision 'vielleicht'",
    },
    {
        "description": "record not in the crosswalk",
        "rows": lambda q: [{**_row(q[0], "ja"), "left_source_id": "nope-999"}],
        "error": r"row 1, field 'left_source_id': record \S+:nope-999 is not in the current",
    },
    {
        "description": "records changed since the report",
        "rows": lambda q: [_row(q[0], "approve"), _row(q[1], "reject", pair_hash="0" * 16)],
        "error": r"row 2, field 'pair_hash': the records of .* changed since the report",
    },
    {
        "description": "pair not in the latest review queue",
        "rows": lambda q: [
            {
                **_row(q[0], "approve"),
                "right_silo": q[-1]["left_silo"],
                "right_source_id": q[-1]["left_source_id"],
            }
        ],
        "error": r"row 1, field 'pair_hash': .* is not in the review queue of the latest run",
    },
    {
        "description": "conflicting decisions for one pair",
        "rows": lambda q: [_row(q[0], "zusammenführen"), _row(q[0], "trennen")],
        "error": r"row 2, field 'decision': conflicts with row 1 for the same pair",
    },
    {
        "description": "empty id",
        "rows": lambda q: [{**_row(q[0], "nein"), "right_silo": ""}],
        "error": r"row 1, field 'right_silo': empty",
    },
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case["description"] for case in ERROR_CASES])
def test_apply_refuses_invalid_files_and_stores_nothing(
    demo: Path, tmp_path: Path, case: dict[str, object]
) -> None:
    config = load_config(demo / "golden.toml")
    queue = _queue(config)
    assert len(queue) >= 2
    path = _write_json(tmp_path / "decisions.json", case["rows"](queue))  # type: ignore[operator]
    with pytest.raises(GoldenError, match=str(case["error"])) as raised:
        apply_decisions(config, path)
    assert "\n" not in str(raised.value) and str(path) in str(raised.value)
    assert StateStore.open(config.state_url).load_review_decisions().height == 0


# -- move-outs (review.html: one member out of its golden record) --------------------------------
def _members(config: GoldenConfig) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for key, golden_id in sorted(_crosswalk(config).items()):
        members.setdefault(golden_id, []).append(key)
    return members


def _ids(key: str) -> dict[str, str]:
    silo, _, source_id = key.partition(":")
    return {"silo": silo, "source_id": source_id}


def _move(golden_id: str, key: str, others: list[str], **extra: object) -> dict[str, object]:
    return {
        "action": "move_out",
        "golden_id": golden_id,
        **_ids(key),
        "members": [_ids(other) for other in others],
        "reason": "andere Person",
        "decided_at": "2026-11-20T10:00:00Z",
        **extra,
    }


def _pair_hash(item: dict[str, str]) -> dict[str, str]:
    keys = ("left_silo", "left_source_id", "right_silo", "right_source_id", "pair_hash")
    return {key: item[key] for key in keys}


def _movable(config: GoldenConfig) -> tuple[dict[str, str], str, str, list[str]]:
    """A queue pair whose left record sits in a golden record of two or more: pair, id, ..."""
    members = _members(config)
    item = next(item for item in _queue(config) if len(members[item["left_golden_id"]]) >= 2)
    golden_id = item["left_golden_id"]
    key = f"{item['left_silo']}:{item['left_source_id']}"
    return item, golden_id, key, [other for other in members[golden_id] if other != key]


MOVE_OUT_ERRORS = [
    {
        "description": "unknown member, after a valid row",
        "entries": lambda q, g, k, o, m: [
            _row(q, "reject"),
            _move(g, "crm:nope-999", o),
        ],
        "error": r"row 2, field 'source_id': record crm:nope-999 is not in the current crosswalk",
    },
    {
        "description": "unknown golden id",
        "entries": lambda q, g, k, o, m: [_move("GNOTTHERE0000", k, o)],
        "error": r"row 1, field 'golden_id': golden id GNOTTHERE0000 is not in the current",
    },
    {
        "description": "member no longer in that golden record",
        "entries": lambda q, g, k, o, m: [
            _move(next(h for h in m if h != g and len(m[h]) >= 2), k, o)
        ],
        "error": r"row 1, field 'golden_id': record \S+ is no longer in \S+ but in .* older run",
    },
    {
        "description": "its record changed since the report",
        "entries": lambda q, g, k, o, m: [
            _move(g, k, o, pair_hashes=[{**_pair_hash(q), "pair_hash": "0" * 16}])
        ],
        "error": r"row 1, field 'pair_hashes': the records of .* changed since the report",
    },
    {
        "description": "the golden record's members changed since the report",
        "entries": lambda q, g, k, o, m: [_move(g, k, [*o, "crm:gone-1"])],
        "error": r"row 1, field 'members': the records of \S+ changed since the report .* "
        r"gone crm:gone-1",
    },
    {
        "description": "conflicts with an approve of the member and another member",
        "entries": lambda q, g, k, o, m: [
            {
                **{f"left_{n}": v for n, v in _ids(k).items()},
                **{f"right_{n}": v for n, v in _ids(o[0]).items()},
                "decision": "approve",
            },
            _move(g, k, o),
        ],
        "error": r"row 2, field 'action': moving \S+ out of \S+ conflicts with row 1, which "
        r"approves",
    },
    {
        "description": "the only record of its golden record",
        "entries": lambda q, g, k, o, m: [
            _move(*next((h, keys[0]) for h, keys in sorted(m.items()) if len(keys) == 1), [])
        ],
        "error": r"row 1, field 'source_id': \S+ is the only record of \S+: nothing to move",
    },
    {
        "description": "empty golden id",
        "entries": lambda q, g, k, o, m: [_move("", k, o)],
        "error": r"row 1, field 'golden_id': empty",
    },
    {
        "description": "a move-out word on a pair row",
        "entries": lambda q, g, k, o, m: [_row(q, "herausnehmen")],
        "error": r"row 1, field 'decision': 'herausnehmen' — a row is a pair",
    },
    {
        "description": "unknown action",
        "entries": lambda q, g, k, o, m: [{**_move(g, k, o), "action": "split"}],
        "error": r"row 1, field 'action': unknown action 'split'",
    },
]


@pytest.mark.parametrize(
    "case", MOVE_OUT_ERRORS, ids=[case["description"] for case in MOVE_OUT_ERRORS]
)
def test_apply_refuses_invalid_move_outs_and_stores_nothing(
    demo: Path, tmp_path: Path, case: dict[str, object]
) -> None:
    config = load_config(demo / "golden.toml")
    item, golden_id, key, others = _movable(config)
    entries = case["entries"](item, golden_id, key, others, _members(config))  # type: ignore[operator]
    path = _write_json(tmp_path / "decisions.json", entries)
    with pytest.raises(GoldenError, match=str(case["error"])) as raised:
        apply_decisions(config, path)
    assert "\n" not in str(raised.value) and str(path) in str(raised.value)
    assert StateStore.open(config.state_url).load_review_decisions().height == 0


def _listed_members(config: GoldenConfig) -> dict[str, dict[str, str]]:
    """golden id -> {record: record_hash} of the records the latest review.html lists."""
    path = config.output_dir / "latest" / "review_members.csv"
    listed: dict[str, dict[str, str]] = {}
    for item in pl.read_csv(path, infer_schema=False).iter_rows(named=True):
        key = f"{item['silo']}:{item['source_id']}"
        listed.setdefault(item["golden_id"], {})[key] = item["record_hash"]
    return listed


def test_move_out_checks_the_fingerprints_of_the_records_it_showed(
    demo: Path, tmp_path: Path
) -> None:
    config = load_config(demo / "golden.toml")
    listed = _listed_members(config)
    page = (config.output_dir / "latest" / "review.html").read_text("utf-8")
    for records in listed.values():  # the file holds what the page shows
        for key, digest in records.items():
            assert re.search(
                rf'data-member-key="{re.escape(key)}"[^>]*data-record-hash="{digest}"', page
            )
    golden_id, records = next((g, r) for g, r in sorted(listed.items()) if len(r) >= 2)
    assert sorted(records) == _members(config)[golden_id]  # every member of it is listed
    key, *others = sorted(records)

    def move(own: str, changed: str | None = None, gid: str = golden_id) -> dict[str, object]:
        entry = _move(gid, key, others, record_hash=own)
        entry["members"] = [
            {**_ids(other), "record_hash": "f" * 16 if other == changed else records[other]}
            for other in others
        ]
        return entry

    unlisted = next(
        (g, keys)
        for g, keys in sorted(_members(config).items())
        if len(keys) >= 2 and g not in listed
    )
    refused = [
        (move("0" * 16), rf"field 'record_hash': the values of {re.escape(key)} changed since"),
        (
            move(records[key], changed=others[0]),
            rf"field 'record_hash': the values of {re.escape(others[0])} changed since",
        ),
        (
            {**_move(unlisted[0], unlisted[1][0], unlisted[1][1:]), "record_hash": "a" * 16},
            rf"field 'record_hash': {re.escape(unlisted[1][0])} is not listed in the review.html",
        ),
    ]
    for entry, error in refused:
        path = _write_json(tmp_path / "decisions.json", [entry])
        with pytest.raises(GoldenError, match=error):
            apply_decisions(config, path)
        assert StateStore.open(config.state_url).load_review_decisions().height == 0
    path = _write_json(tmp_path / "decisions.json", [move(records[key])])
    assert apply_decisions(config, path).moved_out == 1
    _clear(config)


def test_move_out_in_a_csv_says_to_use_the_json(demo: Path, tmp_path: Path) -> None:
    config = load_config(demo / "golden.toml")
    queue = pl.read_csv(config.output_dir / "latest" / "review_queue.csv", infer_schema=False)
    edited = queue.with_columns(decision=pl.Series(["herausnehmen"] + [""] * (queue.height - 1)))
    path = tmp_path / "review_queue.csv"
    path.write_bytes(edited.write_csv(separator=";").encode("utf-8"))
    with pytest.raises(GoldenError, match=r"row 2, field 'decision': .* `golden unmerge"):
        apply_decisions(config, path, reviewer="Erika")
    assert StateStore.open(config.state_url).load_review_decisions().height == 0


def test_apply_reads_excel_csv_with_semicolons_and_bom(demo: Path, tmp_path: Path) -> None:
    config = load_config(demo / "golden.toml")
    queue = pl.read_csv(config.output_dir / "latest" / "review_queue.csv", infer_schema=False)
    edited = queue.with_columns(
        decision=pl.Series(["Ja"] + ["nein"] + [""] * (queue.height - 2)),
        reason=pl.lit("Excel"),
    )
    path = tmp_path / "review_queue.csv"
    path.write_bytes(b"\xef\xbb\xbf" + edited.write_csv(separator=";").encode("utf-8"))
    with pytest.raises(GoldenError, match="field 'reviewer': no reviewer name"):
        apply_decisions(config, path)
    result = apply_decisions(config, path, reviewer="Excel-Erika")
    assert (result.approved, result.rejected) == (1, 1)
    stored = StateStore.open(config.state_url).load_review_decisions()
    assert stored["reviewer"].to_list() == ["Excel-Erika"] * 2
    assert stored["decision"].sort().to_list() == ["approve", "reject"]
    _clear(config)


def _clear(config: GoldenConfig) -> None:
    from sqlalchemy import delete

    from flows.state import review_decisions

    store = StateStore.open(config.state_url)
    with store.engine.begin() as connection:
        connection.execute(delete(review_decisions))
    store.close()


def test_next_run_honours_must_link_and_transitive_cannot_link(demo: Path) -> None:
    config = load_config(demo / "golden.toml")
    before = _crosswalk(config)
    members: dict[str, list[str]] = {}
    for key, golden_id in sorted(before.items()):
        members.setdefault(golden_id, []).append(key)
    # A golden record of three or more: reject its first and last member. They are linked
    # through the others, so only a transitive cannot-link keeps them apart.
    big = next(keys for keys in members.values() if len(keys) >= 3)
    apart, other = big[0], big[-1]
    together = next(
        item for item in _queue(config) if item["left_golden_id"] != item["right_golden_id"]
    )
    left = f"{together['left_silo']}:{together['left_source_id']}"
    right = f"{together['right_silo']}:{together['right_source_id']}"
    assert before[left] != before[right]
    at = datetime.now(UTC)
    StateStore.open(config.state_url).save_review_decisions(
        [
            _decision(apart, other, "reject", at, "t-reject"),
            _decision(left, right, "approve", at, "t-approve"),
        ]
    )
    run_pipeline(config, PlainRunner())
    after = _crosswalk(config)
    assert after[apart] != after[other]
    assert after[left] == after[right]
    run_pipeline(config, PlainRunner())  # decisions keep holding on later runs
    again = _crosswalk(config)
    assert again[apart] != again[other] and again[left] == again[right]
    _clear(config)


def test_unmerge_splits_a_member_off_and_history_shows_it(demo: Path) -> None:
    config = load_config(demo / "golden.toml")
    before = _crosswalk(config)
    members: dict[str, list[str]] = {}
    for key, golden_id in sorted(before.items()):
        members.setdefault(golden_id, []).append(key)
    golden_id, keys = next((g, k) for g, k in sorted(members.items()) if len(k) >= 2)
    with pytest.raises(GoldenError, match="not a member of"):
        unmerge(config, golden_id, "crm:not-there", reviewer="Erika")
    decisions = unmerge(config, golden_id, keys[0], reviewer="Erika", reason="zwei Personen")
    assert len(decisions) == len(keys) - 1
    run_pipeline(config, PlainRunner())
    after = _crosswalk(config)
    assert all(after[keys[0]] != after[key] for key in keys[1:])
    entries = history(config, golden_id)
    # One line for the unmerge, not one per cannot-link it stored.
    lines = [entry for entry in entries if entry.kind == "unmerged"]
    assert len(lines) == 1 and "reject" not in [entry.kind for entry in entries]
    rest = ", ".join(sorted(keys[1:]))
    assert f"{golden_id} split: {keys[0]} kept apart from {rest}" in lines[0].detail
    assert "zwei Personen" in lines[0].detail and "Erika" in lines[0].detail
    _clear(config)


def _leaf(config: GoldenConfig, keys: list[str], prefer: set[str]) -> str | None:
    """A member (one of ``prefer`` if possible) whose others stay linked by confident pairs."""
    pairs = pl.read_parquet(
        config.output_dir / "latest" / "pairs.parquet",
        columns=["left_key", "right_key", "probability"],
    )
    strong = pairs.filter(pl.col("probability") >= config.matching.match_threshold)
    edges = [(left, right) for left, right in strong.select("left_key", "right_key").iter_rows()]
    for candidate in sorted(keys, key=lambda key: key not in prefer):
        rest = [key for key in keys if key != candidate]
        reached, todo = {rest[0]}, [rest[0]]
        while todo:
            node = todo.pop()
            for left, right in edges:
                for a, b in ((left, right), (right, left)):
                    if a == node and b in rest and b not in reached:
                        reached.add(b)
                        todo.append(b)
        if reached == set(rest):
            return candidate
    return None


def test_move_out_is_stored_as_cannot_links_and_the_next_run_splits_it_off(
    demo: Path, tmp_path: Path
) -> None:
    config = load_config(demo / "golden.toml")
    members = _members(config)
    queue = _queue(config)
    in_queue = {
        f"{item[f'{side}_silo']}:{item[f'{side}_source_id']}"
        for item in queue
        for side in ("left", "right")
    }
    choices = [
        (golden_id, leaf)
        for golden_id, keys in sorted(members.items())
        if len(keys) >= 3
        for leaf in [_leaf(config, keys, in_queue)]
        if leaf is not None
    ]
    # preferably a member with pairs in the report: their fingerprints are checked too
    golden_id, key = min(choices, key=lambda choice: choice[1] not in in_queue)
    others = [other for other in members[golden_id] if other != key]
    shown = [
        _pair_hash(item)
        for item in queue
        if key
        in (
            f"{item['left_silo']}:{item['left_source_id']}",
            f"{item['right_silo']}:{item['right_source_id']}",
        )
    ]
    untouched = next(
        item for item in queue if golden_id not in (item["left_golden_id"], item["right_golden_id"])
    )
    move = _move(golden_id, key, others, pair_hashes=shown, reviewer="Moritz")
    path = _write_json(
        tmp_path / "decisions.json",
        [_row(untouched, "reject"), move, move],  # repeated: once
    )
    result = apply_decisions(config, path)
    assert (result.approved, result.rejected, result.moved_out) == (0, 1, 1)
    assert (result.separations, result.skipped_duplicates) == (len(others), 1)
    stored = StateStore.open(config.state_url).load_review_decisions()
    moved = stored.filter(pl.col("origin").str.starts_with("review-move-out"))
    assert moved.height == len(others) and set(moved["decision"]) == {"reject"}
    assert set(moved["reviewer"]) == {"Moritz"} and set(moved["reason"]) == {"andere Person"}
    assert set(moved["golden_id"]) == {golden_id}
    assert moved["decided_at"].to_list() == [datetime(2026, 11, 20, 10)] * len(others)
    assert sorted(
        f"{silo}:{source_id}"
        for silo, source_id in moved.select("right_silo", "right_source_id").iter_rows()
    ) == sorted(others)

    entries = history(config, golden_id)
    lines = [entry for entry in entries if entry.kind == "moved out"]
    assert len(lines) == 1 and key in lines[0].detail and "andere Person" in lines[0].detail
    assert all(other in lines[0].detail for other in others)
    assert not [
        entry for entry in entries if "review-move-out" in entry.detail and entry is not lines[0]
    ]

    run_pipeline(config, PlainRunner())
    after = _crosswalk(config)
    assert all(after[key] != after[other] for other in others)
    assert len({after[other] for other in others}) == 1  # the rest stays together
    assert any(entry.kind == "moved out" for entry in history(config, after[key]))
    _clear(config)


SPLIT_CASES = [
    {
        "description": "a chain is cut at its weakest link",
        "members": ["a", "b", "c", "d"],
        "edges": [("a", "b", 9.0), ("b", "c", 1.0), ("c", "d", 8.0)],
        "halves": (["a", "b"], ["c", "d"]),
    },
    {
        "description": "a triangle loses its weakest member",
        "members": ["a", "b", "c"],
        "edges": [("a", "b", 9.0), ("a", "c", 2.0), ("b", "c", 3.0)],
        "halves": (["a", "b"], ["c"]),
    },
    {
        "description": "a member linked by no stored pair goes to the other half",
        "members": ["a", "b", "c"],
        "edges": [("a", "b", 5.0)],
        "halves": (["a", "b"], ["c"]),
    },
]


@pytest.mark.parametrize("case", SPLIT_CASES, ids=[case["description"] for case in SPLIT_CASES])
def test_split_halves(case: dict[str, object]) -> None:
    pairs = pl.DataFrame(case["edges"], schema=["left_key", "right_key", "score"], orient="row")
    assert split_halves(case["members"], pairs) == case["halves"]  # type: ignore[arg-type]


def test_unmerge_without_member_splits_in_two(demo: Path) -> None:
    config = load_config(demo / "golden.toml")
    before = _crosswalk(config)
    members: dict[str, list[str]] = {}
    for key, golden_id in sorted(before.items()):
        members.setdefault(golden_id, []).append(key)
    golden_id, keys = next((g, k) for g, k in sorted(members.items()) if len(k) >= 3)
    decisions = unmerge(config, golden_id, None, reviewer="Erika")
    assert decisions and all(decision.origin == "unmerge" for decision in decisions)
    apart = sorted({f"{d.left_silo}:{d.left_source_id}" for d in decisions})
    rest = sorted({f"{d.right_silo}:{d.right_source_id}" for d in decisions})
    assert sorted(apart + rest) == sorted(keys)
    later = datetime(2031, 1, 1, tzinfo=UTC)  # a second unmerge of the same record, later
    unmerge(config, golden_id, apart[0], reviewer="Max", reason="Nachtrag", now=later)
    lines = [entry for entry in history(config, golden_id) if entry.kind == "unmerged"]
    assert len(lines) == 2, [entry.detail for entry in lines]
    assert all(key in lines[0].detail for key in keys) and "Erika" in lines[0].detail
    assert "Max" in lines[1].detail and "Nachtrag" in lines[1].detail
    run_pipeline(config, PlainRunner())
    after = _crosswalk(config)
    assert len({after[key] for key in keys}) >= 2
    _clear(config)
