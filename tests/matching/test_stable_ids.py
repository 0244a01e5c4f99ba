"""Stable golden ids: kept across runs, surviving merges (oldest wins) and splits (larger part)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.stable_ids import (
    IdAssignment,
    assign_golden_ids,
    linked_golden_id_links,
    new_golden_id,
)

GOLDEN_ID = re.compile(r"^G[0-9A-F]{12}$")


def _sha_id(text: str) -> str:
    return "G" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12].upper()


def _clusters(groups: list[list[str]]) -> pl.DataFrame:
    """Clusters as connected_components returns them: cluster_key = smallest member key."""
    rows = [(key, min(group)) for group in groups for key in group]
    return pl.DataFrame(
        rows, schema={"record_key": pl.String(), "cluster_key": pl.String()}, orient="row"
    )


@dataclass
class State:
    """What the state store keeps between runs: last crosswalk and every id ever issued."""

    previous: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"record_key": pl.String(), "golden_id": pl.String()}
        )
    )
    issued: dict[str, str] = field(default_factory=dict)

    def issued_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {"golden_id": list(self.issued), "created_run": list(self.issued.values())},
            schema={"golden_id": pl.String(), "created_run": pl.String()},
        )

    def run(self, run_id: str, groups: list[list[str]]) -> IdAssignment:
        result = assign_golden_ids(_clusters(groups), self.previous, self.issued_frame())
        for golden_id in result.assignment["golden_id"].unique().to_list():
            self.issued.setdefault(golden_id, run_id)
        self.previous = result.assignment
        return result


def _ids(result: IdAssignment) -> dict[str, str]:
    return dict(result.assignment.iter_rows())


def _redirects(result: IdAssignment) -> dict[str, str | None]:
    return dict(result.redirects.iter_rows())


# --- new_golden_id ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "taken_seeds", "expected_seed"),
    [
        ("nothing taken: hash of the seed", [], "crm:1"),
        ("first candidate taken: hash of seed#1", ["crm:1"], "crm:1#1"),
        ("two candidates taken: hash of seed#2", ["crm:1", "crm:1#1"], "crm:1#2"),
        ("unrelated ids taken: no effect", ["crm:2", "shop:1"], "crm:1"),
    ],
)
def test_new_golden_id(description: str, taken_seeds: list[str], expected_seed: str) -> None:
    taken = {_sha_id(seed) for seed in taken_seeds}
    golden_id = new_golden_id("crm:1", taken)
    assert golden_id == _sha_id(expected_seed), description
    assert GOLDEN_ID.match(golden_id)
    assert golden_id not in taken


def test_new_golden_id_does_not_change_taken() -> None:
    taken = {_sha_id("crm:1")}
    new_golden_id("crm:1", taken)
    assert taken == {_sha_id("crm:1")}


# --- first run --------------------------------------------------------------------------------


def test_first_run_gives_deterministic_ids_from_the_smallest_key() -> None:
    groups = [["shop:7", "crm:3"], ["crm:1"], ["erp:2", "erp:10", "shop:1"]]
    first = State().run("2025-01-01T02-00-00", groups)
    again = State().run("2025-01-01T02-00-00", groups)
    assert first.assignment.equals(again.assignment)
    ids = _ids(first)
    assert ids == {
        "crm:3": _sha_id("crm:3"),
        "shop:7": _sha_id("crm:3"),
        "crm:1": _sha_id("crm:1"),
        "erp:10": _sha_id("erp:10"),
        "erp:2": _sha_id("erp:10"),
        "shop:1": _sha_id("erp:10"),
    }
    assert all(GOLDEN_ID.match(golden_id) for golden_id in ids.values())
    assert first.redirects.height == 0
    assert first.assignment["record_key"].to_list() == sorted(ids)


def test_unchanged_input_keeps_every_id_over_three_runs() -> None:
    groups = [["crm:1", "shop:1"], ["crm:2"], ["crm:3", "erp:3", "shop:3"]]
    state = State()
    results = [state.run(f"2025-01-0{day}T02-00-00", groups) for day in (1, 2, 3)]
    assert results[0].assignment.equals(results[1].assignment)
    assert results[1].assignment.equals(results[2].assignment)
    assert all(result.redirects.height == 0 for result in results)
    # No run after the first issued a new id.
    assert set(state.issued.values()) == {"2025-01-01T02-00-00"}


def test_unchanged_input_keeps_ids_even_when_a_smaller_key_joins() -> None:
    state = State()
    first = _ids(state.run("r1", [["crm:5", "shop:5"]]))
    second = _ids(state.run("r2", [["crm:0", "crm:5", "shop:5"]]))
    assert second == {key: first["crm:5"] for key in ("crm:0", "crm:5", "shop:5")}


def test_a_joining_member_takes_the_existing_id() -> None:
    state = State()
    first = _ids(state.run("r1", [["crm:1", "shop:1"], ["crm:2"]]))
    second = state.run("r2", [["crm:1", "shop:1", "erp:9"], ["crm:2"]])
    assert _ids(second) == {
        "crm:1": first["crm:1"],
        "shop:1": first["crm:1"],
        "erp:9": first["crm:1"],
        "crm:2": first["crm:2"],
    }
    assert second.redirects.height == 0


def test_merge_keeps_the_older_id_even_when_the_newer_has_more_members() -> None:
    state = State()
    older = _ids(state.run("2025-01-01T02-00-00", [["shop:8", "shop:9"]]))["shop:8"]
    newer = _ids(
        state.run("2025-01-02T02-00-00", [["shop:8", "shop:9"], ["crm:1", "crm:2", "crm:3"]])
    )["crm:1"]
    assert older != newer
    merged = state.run("2025-01-03T02-00-00", [["crm:1", "crm:2", "crm:3", "shop:8", "shop:9"]])
    assert set(_ids(merged).values()) == {older}
    assert _redirects(merged) == {newer: older}


def test_merge_of_ids_from_the_same_run_keeps_the_smaller_id() -> None:
    state = State()
    first = _ids(state.run("r1", [["crm:1"], ["crm:2"], ["crm:3"]]))
    merged = state.run("r2", [["crm:1", "crm:2", "crm:3"]])
    survivor = min(first.values())
    assert set(_ids(merged).values()) == {survivor}
    assert _redirects(merged) == {
        golden_id: survivor for golden_id in first.values() if golden_id != survivor
    }


def test_split_larger_part_keeps_the_id_smaller_part_gets_a_new_one() -> None:
    state = State()
    original = _ids(state.run("r1", [["crm:1", "crm:2", "crm:3"]]))["crm:1"]
    assert original == _sha_id("crm:1")
    # crm:1, whose key seeded the original id, leaves alone: seeding again from it collides.
    split = state.run("r2", [["crm:1"], ["crm:2", "crm:3"]])
    ids = _ids(split)
    assert ids["crm:2"] == ids["crm:3"] == original
    assert ids["crm:1"] != original
    assert GOLDEN_ID.match(ids["crm:1"])
    assert split.redirects.height == 0


def test_split_into_equal_halves_gives_the_id_to_the_smallest_cluster_key() -> None:
    state = State()
    original = _ids(state.run("r1", [["a:1", "a:2", "b:1", "b:2"]]))["a:1"]
    ids = _ids(state.run("r2", [["b:1", "b:2"], ["a:1", "a:2"]]))
    assert ids["a:1"] == ids["a:2"] == original
    assert ids["b:1"] == ids["b:2"] != original


def test_split_and_merge_at_once() -> None:
    # X = {a1, a2, a3} splits: a1 goes alone, a2 and a3 join the older Y = {y1}.
    state = State()
    y_id = _ids(state.run("r1", [["y:1"]]))["y:1"]
    x_id = _ids(state.run("r2", [["y:1"], ["a:1", "a:2", "a:3"]]))["a:1"]
    result = state.run("r3", [["a:1"], ["a:2", "a:3", "y:1"]])
    ids = _ids(result)
    # X's larger part is in the cluster with Y; Y is older, so X redirects to Y.
    assert ids["a:2"] == ids["a:3"] == ids["y:1"] == y_id
    assert ids["a:1"] not in (x_id, y_id)
    assert _redirects(result) == {x_id: y_id}


def test_all_members_gone_retires_the_id_without_redirect() -> None:
    state = State()
    gone = _ids(state.run("r1", [["crm:1", "shop:1"], ["crm:2"]]))["crm:1"]
    result = state.run("r2", [["crm:2"]])
    assert _redirects(result) == {gone: None}
    assert result.redirects.schema == pl.Schema(
        {"golden_id": pl.String(), "redirect_to": pl.String()}
    )
    assert gone not in _ids(result).values()


def test_a_retired_id_is_never_issued_again() -> None:
    state = State()
    retired = _ids(state.run("r1", [["crm:1"]]))["crm:1"]
    state.run("r2", [["crm:2"]])
    back = _ids(state.run("r3", [["crm:1"], ["crm:2"]]))
    assert back["crm:1"] != retired
    assert back["crm:1"] == _sha_id("crm:1#1")


def test_previous_id_unknown_to_the_issued_table_is_still_kept() -> None:
    # A crosswalk id without created_run (e.g. imported) is kept; in a merge it counts as newest.
    previous = pl.DataFrame({"record_key": ["crm:1", "crm:2"], "golden_id": ["GIMPORTED", "GOLD"]})
    issued = pl.DataFrame({"golden_id": ["GOLD"], "created_run": ["r1"]})
    alone = assign_golden_ids(_clusters([["crm:1"]]), previous.head(1), issued.clear())
    assert _ids(alone) == {"crm:1": "GIMPORTED"}
    merged = assign_golden_ids(_clusters([["crm:1", "crm:2"]]), previous, issued)
    assert set(_ids(merged).values()) == {"GOLD"}
    assert _redirects(merged) == {"GIMPORTED": "GOLD"}


# --- property ---------------------------------------------------------------------------------


@st.composite
def _two_runs(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]], list[str]]:
    keys = [f"k:{index:02}" for index in range(draw(st.integers(1, 16)))]

    def partition(pool: list[str]) -> list[list[str]]:
        labels = draw(st.lists(st.integers(0, 5), min_size=len(pool), max_size=len(pool)))
        groups: dict[int, list[str]] = {}
        for key, label in zip(pool, labels, strict=True):
            groups.setdefault(label, []).append(key)
        return list(groups.values())

    before = partition(draw(st.lists(st.sampled_from(keys), unique=True)))
    after = partition(draw(st.lists(st.sampled_from(keys), unique=True)))
    runs = draw(
        st.lists(st.sampled_from(["r1", "r2", "r3"]), min_size=len(before), max_size=len(before))
    )
    return before, after, runs


@settings(max_examples=200, deadline=None)
@given(scenario=_two_runs())
def test_ids_stay_consistent_whatever_the_change(
    scenario: tuple[list[list[str]], list[list[str]], list[str]],
) -> None:
    before, after, runs = scenario
    previous_rows = [(key, f"G{index:012X}") for index, group in enumerate(before) for key in group]
    previous = pl.DataFrame(
        previous_rows, schema={"record_key": pl.String(), "golden_id": pl.String()}, orient="row"
    )
    created = {f"G{index:012X}": run for index, run in enumerate(runs)}
    issued = pl.DataFrame(
        {"golden_id": list(created), "created_run": list(created.values())},
        schema={"golden_id": pl.String(), "created_run": pl.String()},
    )
    result = assign_golden_ids(_clusters(after), previous, issued)
    ids = _ids(result)
    redirects = _redirects(result)

    # Every record gets one id; one id per cluster, and clusters never share an id.
    assert sorted(ids) == sorted(key for group in after for key in group)
    cluster_ids = [{ids[key] for key in group} for group in after]
    assert all(len(group_ids) == 1 for group_ids in cluster_ids)
    assert len({next(iter(group_ids)) for group_ids in cluster_ids}) == len(after)
    # Each previous id is either still used or redirected, never both, never lost.
    used = set(ids.values())
    old = set(created)
    assert old <= used | set(redirects)
    assert not used & set(redirects)
    assert set(redirects) <= old
    assert all(target is None or target in used for target in redirects.values())
    # New ids are well-formed and were never issued before.
    for golden_id in used - old:
        assert GOLDEN_ID.match(golden_id)
    # A kept id stays with the cluster holding most of its former members (ties: smallest key).
    former = {key: golden_id for key, golden_id in previous_rows}
    for golden_id in used & old:
        holders = Counter(
            min(group) for group in after for key in group if former.get(key) == golden_id
        )
        best = max(holders.values())
        winner = min(cluster for cluster, count in holders.items() if count == best)
        assert ids[winner] == golden_id
    # An id retired without successor had no member left.
    for golden_id, target in redirects.items():
        members_left = [key for key in ids if former.get(key) == golden_id]
        assert (target is None) == (not members_left)


# --- records carrying a golden id (linked_golden_id) ---------------------------------------------


def _linked(*rows: tuple[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"record_key": pl.String(), "linked_golden_id": pl.String()}, orient="row"
    )


PREVIOUS = pl.DataFrame(
    {
        "record_key": ["crm:2", "shop:1", "crm:7", "erp:3"],
        "golden_id": ["GAAA", "GAAA", "GBBB", "GCCC"],
    }
)
ISSUED = pl.DataFrame(
    {
        "golden_id": ["GAAA", "GBBB", "GCCC", "GOLD", "GOLDER", "GGONE"],
        "redirect_to": [None, None, None, "GBBB", "GOLD", None],
    }
)


def test_a_record_carrying_a_golden_id_is_linked_to_its_smallest_member() -> None:
    found = linked_golden_id_links(_linked(("export:GAAA", "GAAA")), PREVIOUS, ISSUED)
    assert found.links.rows() == [("crm:2", "export:GAAA")]
    assert (found.unknown, found.redirected) == (0, 0)


def test_merged_away_ids_are_followed_to_the_survivor_through_a_chain() -> None:
    found = linked_golden_id_links(
        _linked(("hubspot:1", "GOLDER"), ("hubspot:2", " gold ")), PREVIOUS, ISSUED
    )
    assert found.links.rows() == [("crm:7", "hubspot:1"), ("crm:7", "hubspot:2")]
    assert found.redirected == 2


def test_unknown_retired_and_empty_ids_link_nothing() -> None:
    found = linked_golden_id_links(
        _linked(("a:1", "GNEVER"), ("a:2", "GGONE"), ("a:3", None), ("a:4", "  ")),
        PREVIOUS,
        ISSUED,
    )
    assert found.links.height == 0
    assert found.unknown == 2


def test_a_member_carrying_its_own_id_needs_no_link() -> None:
    found = linked_golden_id_links(_linked(("crm:2", "GAAA")), PREVIOUS, ISSUED)
    assert found.links.height == 0 and found.unknown == 0


def test_a_redirect_cycle_does_not_hang() -> None:
    issued = pl.DataFrame({"golden_id": ["GX", "GY"], "redirect_to": ["GY", "GX"]})
    found = linked_golden_id_links(_linked(("a:1", "GX")), PREVIOUS, issued)
    assert found.links.height == 0 and found.unknown == 1


def test_records_without_the_column_link_nothing() -> None:
    records = pl.DataFrame({"record_key": ["a:1"]})
    assert linked_golden_id_links(records, PREVIOUS, ISSUED).links.height == 0


def test_a_new_cluster_whose_id_was_issued_before_gets_the_next_one() -> None:
    """New ids are checked against every id issued (in polars, no Python set of a million ids):
    one issued before, retired since, is never handed out again; the other new clusters keep
    their first candidate."""
    state = State()
    state.issued[_sha_id("crm:5")] = "run-0"  # issued long ago, retired since
    ids = _ids(state.run("run-1", [["crm:1", "crm:2"], ["crm:5"], ["crm:7"]]))
    assert ids["crm:5"] == _sha_id("crm:5#1")
    assert ids["crm:1"] == ids["crm:2"] == _sha_id("crm:1")
    assert ids["crm:7"] == _sha_id("crm:7")
