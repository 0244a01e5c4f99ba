"""Block keys kept per record (matching.block_keys): a night that takes the unchanged records'
keys from the last run's hashes blocks exactly as one that makes every record's keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

import matching.blocking
from matching.block_keys import (
    CROSS_RECORD_RULES,
    KEYS_FILE,
    PLACED_SCHEMA,
    RuleTouching,
    block_hash,
    keys_without,
    placed_hashes,
    read_rule_keys,
    renumbered,
    write_keys,
)
from matching.blocking import (
    BLOCKING_RULES,
    BlockingBudget,
    IncrementalBlocking,
    candidate_pairs_touching,
    numbered_candidate_pairs,
    oversized_hashes,
)
from matching.incremental import record_fingerprints

FIRST_NAMES = ("anna", "bernd", "clara", "dieter", "erik", "frieda")
SURNAMES = ("meier", "huber", "schmidt", "keller", "nowak", "wagner")
RULES = ["email", "phone", "full_name", "birth_date", "name_city", "email_domain"]


def _person(index: int, **values: Any) -> dict[str, Any]:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = SURNAMES[(index // len(FIRST_NAMES)) % len(SURNAMES)]
    return {
        "record_key": f"crm:{index:03d}",
        "record_type": "person",
        "first_name_key": first,
        "first_name_group": first,
        "last_name_key": last,
        "last_name_phonetic": last[:3],
        "emails": [f"{first}.{last}{index}@posteo.de"],
        "phones": [f"+4930{index % 7:04d}"],
        "birth_date": date(1980, 3, 1 + index % 3),
        "city_key": "ulm",
        **values,
    }


def _firm(index: int, **values: Any) -> dict[str, Any]:
    return {
        "record_key": f"erp:{index:03d}",
        "record_type": "organisation",
        "organisation_key": f"maier transporte {index % 2}",
        "emails": [f"info@maier{index % 2}.de"],
        "postal_code": "89073",
        "city_key": "ulm",
        **values,
    }


PEOPLE = [_person(index) for index in range(24)] + [_firm(index) for index in range(4)]


def _night(
    before: pl.DataFrame,
    after: pl.DataFrame,
    rules: list[str],
    budget: BlockingBudget,
    kept_changes: Callable[[str, pl.DataFrame, pl.DataFrame], pl.DataFrame] | None = None,
) -> tuple[IncrementalBlocking, IncrementalBlocking]:
    """The night's blocking of ``after`` from the keys the run on ``before`` kept, and from
    every record's keys made afresh. ``kept_changes``: edits the kept hashes of a rule."""
    first, _ = numbered_candidate_pairs(
        before, rules, budget.max_block_size, budget, keep_keys=True
    )
    assert first.kept_keys is not None
    assert set(first.kept_keys) == set(rules)
    previous = oversized_hashes(first.oversized_blocks, first.adjusted_blocks)
    old, new = record_fingerprints(before), record_fingerprints(after)
    unchanged = new.join(old, on=["record_key", "fingerprint_1", "fingerprint_2"], how="semi")
    changed = new.join(unchanged, on="record_key", how="anti")["record_key"]
    today = new.select("record_key").with_row_index("place")
    renumber = (
        old.select("record_key")
        .join(
            today.join(unchanged, on="record_key", how="semi"),
            on="record_key",
            how="left",
            maintain_order="left",
        )["place"]
        .cast(pl.Int64)
        .fill_null(-1)
        .to_numpy()
    )

    def kept(name: str) -> pl.DataFrame | None:
        keys = renumbered(first.kept_keys[name], renumber) if name in first.kept_keys else None
        if keys is not None and kept_changes is not None:
            keys = kept_changes(name, keys, today)
        return keys

    max_block_size = budget.max_block_size
    with_kept = candidate_pairs_touching(
        after, changed, rules, max_block_size, previous, budget, kept
    )
    made = candidate_pairs_touching(after, changed, rules, max_block_size, previous, budget)
    return with_kept, made


def _assert_same(with_kept: IncrementalBlocking, made: IncrementalBlocking) -> None:
    kept, fresh = with_kept.result, made.result
    assert_frame_equal(kept.pairs, fresh.pairs)
    assert_frame_equal(with_kept.recheck, made.recheck)
    assert_frame_equal(kept.oversized_blocks, fresh.oversized_blocks)
    assert_frame_equal(kept.adjusted_blocks, fresh.adjusted_blocks)
    assert kept.adjustments == fresh.adjustments
    assert kept.pairs_per_rule == fresh.pairs_per_rule
    # Today's hashes for the next night: the same whichever way they were made.
    assert kept.kept_keys is not None and fresh.kept_keys is not None
    assert kept.kept_keys.keys() == fresh.kept_keys.keys()
    for name, keys in kept.kept_keys.items():
        order = ["place", "block_hash"]
        assert_frame_equal(keys.sort(order), fresh.kept_keys[name].sort(order))


@pytest.fixture
def from_kept(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[bool]]:
    """Per rule, per call of touching_from_kept: whether it planned from the kept keys (True)
    or gave up for every record's keys (False)."""
    calls: dict[str, list[bool]] = {}
    original = matching.blocking.touching_from_kept

    def spy(*args: Any) -> RuleTouching | None:
        part = original(*args)
        calls.setdefault(args[1], []).append(part is not None)
        return part

    monkeypatch.setattr(matching.blocking, "touching_from_kept", spy)
    return calls


NO_BUDGET = BlockingBudget(max_block_size=200)

CASES: list[dict[str, Any]] = [
    {
        "description": "nothing changed",
        "before": PEOPLE,
        "after": PEOPLE,
        "budget": NO_BUDGET,
    },
    {
        "description": "new, changed and deleted records",
        "before": PEOPLE,
        "after": [
            *PEOPLE[1:5],
            _person(5, emails=["anna.meier0@posteo.de"], phones=["+49309999"]),
            *PEOPLE[6:],
            _person(30, record_key="news:001", first_name_key="clara"),
            _firm(9, organisation_key="maier transporte 1"),
        ],
        "budget": NO_BUDGET,
    },
    {
        "description": "a block growing past the size limit",
        "before": PEOPLE,
        "after": [*PEOPLE, _person(40, record_key="shop:040"), _person(41, record_key="shop:041")],
        "budget": BlockingBudget(max_block_size=8),
    },
    {
        "description": "a block shrinking below the size limit",
        "before": [*PEOPLE, _person(40, record_key="shop:040")],
        "after": PEOPLE[:-8],
        "budget": BlockingBudget(max_block_size=8),
    },
    {
        "description": "split blocks, a sub-block growing past the split size",
        "before": PEOPLE,
        "after": [*PEOPLE[2:], *(_person(6 * n, record_key=f"shop:{n:03d}") for n in range(4))],
        "budget": BlockingBudget(max_block_size=200, pairs_per_record=1, split_block_size=4),
    },
    {
        "description": "split blocks, oversized ones too",
        "before": PEOPLE,
        "after": [_person(3, first_name_key="zoe", last_name_key="zander"), *PEOPLE[4:]],
        "budget": BlockingBudget(max_block_size=8, pairs_per_record=1, split_block_size=4),
    },
    {
        "description": "a rule over its budget only after the night's records",
        "before": PEOPLE[:12],
        "after": PEOPLE,
        "budget": BlockingBudget(max_block_size=200, pairs_per_record=2, split_block_size=4),
    },
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["description"])
def test_kept_keys_block_as_every_records_keys(
    case: dict[str, Any], make_records: Any, from_kept: dict[str, list[bool]]
) -> None:
    with_kept, made = _night(
        make_records(case["before"]), make_records(case["after"]), RULES, case["budget"]
    )
    _assert_same(with_kept, made)
    # Every rule planned from the kept keys.
    assert from_kept == {name: [True] for name in RULES}


def test_cases_cover_oversized_split_and_capped_blocks(make_records: Any) -> None:
    """The table above goes through each part of the plan, in both nights' results."""
    seen = set()
    for case in CASES:
        with_kept, _ = _night(
            make_records(case["before"]), make_records(case["after"]), RULES, case["budget"]
        )
        result = with_kept.result
        seen |= {"oversized"} if result.oversized_blocks.height else set()
        seen |= {"recheck"} if with_kept.recheck.height else set()
        for adjustment in result.adjustments:
            seen |= {"split"} if adjustment.blocks_split else set()
            seen |= {"capped"} if adjustment.blocks_capped else set()
    assert seen == {"oversized", "recheck", "split", "capped"}


def test_a_fresh_key_sharing_a_kept_hash_makes_the_rules_keys_again(
    make_records: Any, from_kept: dict[str, list[bool]]
) -> None:
    """A kept hash made equal to a changed record's new key of another text (a collision, as
    64-bit hashes may collide): counting hashes would merge two blocks, so the rule makes
    every record's keys instead, and the result is the same."""
    changed = _person(5, emails=["neu@example.org"])

    def collide(name: str, keys: pl.DataFrame, today: pl.DataFrame) -> pl.DataFrame:
        if name != "email":
            return keys
        fresh = pl.select(block_hash(pl.lit("neu@example.org"))).item()
        other = today.filter(pl.col("record_key") == "crm:000")["place"].item()
        return keys.with_columns(
            pl.when(pl.col("place") == other)
            .then(pl.lit(fresh, dtype=pl.UInt64))
            .otherwise(pl.col("block_hash"))
            .alias("block_hash")
        )

    after = [*PEOPLE[:5], changed, *PEOPLE[6:]]
    with_kept, made = _night(
        make_records(PEOPLE), make_records(after), RULES, NO_BUDGET, kept_changes=collide
    )
    _assert_same(with_kept, made)
    assert from_kept["email"] == [False]
    assert from_kept["phone"] == [True]


def test_a_kept_key_its_record_no_longer_makes_makes_the_rules_keys_again(
    make_records: Any, from_kept: dict[str, list[bool]]
) -> None:
    """Kept hashes that do not fit the records (a cache of other data) are caught where a
    reported block's key is made again from one of its members."""

    def other_keys(name: str, keys: pl.DataFrame, today: pl.DataFrame) -> pl.DataFrame:
        if name != "birth_date":
            return keys
        return keys.with_columns(pl.col("block_hash") + 1)

    budget = BlockingBudget(max_block_size=5)
    with_kept, made = _night(
        make_records(PEOPLE),
        make_records([*PEOPLE[1:]]),
        RULES,
        budget,
        kept_changes=other_keys,
    )
    _assert_same(with_kept, made)
    assert from_kept["birth_date"] == [False]


def test_keys_sharing_a_hash_are_not_kept(
    make_records: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two different keys of one hash: the rule is not kept, the next night makes its keys."""
    frame = make_records(PEOPLE)
    keys = BLOCKING_RULES["email"](frame)
    places = frame.select("record_key").sort("record_key").with_row_index("place")
    assert placed_hashes(keys, places) is not None
    monkeypatch.setattr(
        matching.block_keys,
        "block_hash",
        lambda key: key.str.len_bytes().cast(pl.UInt64).alias("block_hash"),
    )
    assert placed_hashes(keys, places) is None


@pytest.mark.parametrize("name", sorted(BLOCKING_RULES))
def test_a_records_keys_do_not_depend_on_the_other_records(name: str, make_records: Any) -> None:
    """What keeping keys per record rests on: a rule makes the same keys of a record in any
    frame holding it and the records CROSS_RECORD_RULES makes every night."""
    frame = make_records(
        [
            *PEOPLE,
            _firm(7, emails=None, organisation_key="engel versicherungsmakler"),
            _firm(8, emails=["info@engel-vm.de"], organisation_key=None),
        ]
    )
    remade = frame.filter(CROSS_RECORD_RULES[name]) if name in CROSS_RECORD_RULES else frame.head(0)
    every = BLOCKING_RULES[name](frame)
    for part in (frame.head(5), frame.tail(5), frame.gather_every(3)):
        alone = (
            BLOCKING_RULES[name](pl.concat([part, remade]).unique("record_key"))
            .join(part.select("record_key"), on="record_key", how="semi")
            .sort("record_key", "block_key")
        )
        within = every.join(part.select("record_key"), on="record_key", how="semi")
        assert_frame_equal(alone, within.sort("record_key", "block_key"))


def test_an_erasure_renumbers_the_kept_keys() -> None:
    keys = pl.DataFrame(
        {"rule": [0, 0, 1, 1], "place": [0, 2, 1, 2], "block_hash": [7, 8, 9, 10]},
        schema={"rule": pl.UInt8(), "place": pl.UInt32(), "block_hash": pl.UInt64()},
    )
    kept = keys_without(keys, pl.Series([False, True, False]))
    assert kept.rows() == [(0, 0, 7), (0, 1, 8), (1, 1, 10)]


def test_a_place_outside_the_records_is_not_used() -> None:
    keys = pl.DataFrame(
        {"place": [0, 5], "block_hash": [1, 2]},
        schema={"place": pl.UInt32(), "block_hash": pl.UInt64()},
    )
    assert renumbered(keys, np.array([0, 1])) is None
    assert renumbered(keys.head(1), np.array([-1, 0])) is not None


def test_a_damaged_byte_of_the_keys_file_never_gives_other_hashes(tmp_path: Path) -> None:
    """Whichever byte of a rule's stored hashes is damaged, reading them gives the hashes
    written or nothing (page checksums, counts per rule): never other ones."""
    written = {
        "email": pl.DataFrame(
            {"place": [0, 1, 2, 3], "block_hash": [11, 22, 33, 2**63 + 5]}, schema=PLACED_SCHEMA
        ),
        "phone": pl.DataFrame({"place": [1, 3], "block_hash": [5, 6]}, schema=PLACED_SCHEMA),
    }
    path = tmp_path / KEYS_FILE
    rows = write_keys(path, written, ("email", "phone"))
    assert rows == {"email": 4, "phone": 2}
    intact = path.read_bytes()
    metadata = pq.ParquetFile(path).metadata
    columns = [metadata.row_group(0).column(index) for index in range(3)]
    start = min(column.dictionary_page_offset or column.data_page_offset for column in columns)
    end = max(column.data_page_offset + column.total_compressed_size for column in columns)
    caught = 0
    for offset in range(start, end):
        damaged = bytearray(intact)
        damaged[offset] ^= 0xFF
        path.write_bytes(bytes(damaged))
        read = read_rule_keys(path, 0, rows["email"])
        if read is None:
            caught += 1
        else:
            assert_frame_equal(read, written["email"])
    assert caught > (end - start) // 3
