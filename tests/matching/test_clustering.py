"""Clustering: connected components over accepted pairs, labelled by the smallest record key."""

from __future__ import annotations

import random
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.clustering import connected_components, constrained_clusters


def _edges(pairs: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"left_key": [left for left, _ in pairs], "right_key": [right for _, right in pairs]},
        schema={"left_key": pl.String(), "right_key": pl.String()},
    )


def _clusters(keys: list[str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    result = connected_components(pl.Series("record_key", keys, dtype=pl.String), _edges(pairs))
    assert result.columns == ["record_key", "cluster_key"]
    assert result["record_key"].to_list() == sorted(set(keys)), "one row per key, sorted"
    return dict(result.iter_rows())


def _reference(keys: list[str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Union-find with path halving; each component is labelled by its smallest key."""
    parent = {key: key for key in keys}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for left, right in pairs:
        root_left, root_right = find(left), find(right)
        if root_left != root_right:
            # keep the smaller key as the root, so the root is the component's label
            small, large = sorted((root_left, root_right))
            parent[large] = small
    return {key: find(key) for key in keys}


CASES: list[dict[str, Any]] = [
    {
        "description": "chain a-b, b-c is one cluster labelled a",
        "keys": ["a", "b", "c"],
        "pairs": [("a", "b"), ("b", "c")],
        "expected": {"a": "a", "b": "a", "c": "a"},
    },
    {
        "description": "chain given from its far end",
        "keys": ["c", "b", "a"],
        "pairs": [("b", "c"), ("a", "b")],
        "expected": {"a": "a", "b": "a", "c": "a"},
    },
    {
        "description": "edges may name the larger key first",
        "keys": ["a", "b", "c"],
        "pairs": [("c", "b"), ("b", "a")],
        "expected": {"a": "a", "b": "a", "c": "a"},
    },
    {
        "description": "records without edges keep their own key",
        "keys": ["crm:1", "crm:2", "shop:7"],
        "pairs": [("crm:2", "shop:7")],
        "expected": {"crm:1": "crm:1", "crm:2": "crm:2", "shop:7": "crm:2"},
    },
    {
        "description": "no edges at all",
        "keys": ["b", "a"],
        "pairs": [],
        "expected": {"a": "a", "b": "b"},
    },
    {
        "description": "two separate components",
        "keys": ["a", "b", "c", "d", "e"],
        "pairs": [("a", "c"), ("b", "d"), ("d", "e")],
        "expected": {"a": "a", "c": "a", "b": "b", "d": "b", "e": "b"},
    },
    {
        "description": "the smallest key sits in the middle of the chain",
        "keys": ["d", "c", "a", "e", "f"],
        "pairs": [("d", "c"), ("c", "a"), ("a", "e"), ("e", "f")],
        "expected": {key: "a" for key in "acdef"},
    },
    {
        "description": "cycle and duplicate edges",
        "keys": ["x", "y", "z"],
        "pairs": [("x", "y"), ("y", "z"), ("z", "x"), ("y", "x"), ("x", "y")],
        "expected": {"x": "x", "y": "x", "z": "x"},
    },
    {
        "description": "duplicate record keys give one row",
        "keys": ["a", "a", "b"],
        "pairs": [("a", "b")],
        "expected": {"a": "a", "b": "a"},
    },
    {
        "description": "string order, not numeric order, decides the label",
        "keys": ["crm:10", "crm:9", "crm:100"],
        "pairs": [("crm:9", "crm:10"), ("crm:10", "crm:100")],
        "expected": {"crm:10": "crm:10", "crm:9": "crm:10", "crm:100": "crm:10"},
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_components(case: dict[str, Any]) -> None:
    assert _clusters(case["keys"], case["pairs"]) == case["expected"]


def test_empty_input() -> None:
    assert _clusters([], []) == {}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_long_path_in_random_order_converges(seed: int) -> None:
    # A path of 1000 records visited in random key order: the worst case for label propagation
    # (the minimum has to travel far); the answer is one cluster labelled by the smallest key.
    rng = random.Random(seed)
    keys = [f"r:{index:04}" for index in range(1000)]
    path = keys[:]
    rng.shuffle(path)
    pairs = list(zip(path, path[1:], strict=False))
    rng.shuffle(pairs)
    clusters = _clusters(keys, pairs)
    assert set(clusters.values()) == {"r:0000"}
    assert len(clusters) == 1000


def test_long_sorted_path_with_minimum_at_the_end() -> None:
    # Keys descend along the path, so the minimum is 999 hops from the far end.
    keys = [f"r:{index:04}" for index in range(1000)]
    pairs = [(keys[index + 1], keys[index]) for index in range(999)][::-1]
    clusters = _clusters(keys, pairs)
    assert set(clusters.values()) == {"r:0000"}


def test_two_long_paths_stay_apart() -> None:
    rng = random.Random(7)
    first = [f"a:{index:03}" for index in range(500)]
    second = [f"b:{index:03}" for index in range(500)]
    pairs = []
    for keys in (first, second):
        path = keys[:]
        rng.shuffle(path)
        pairs.extend(zip(path, path[1:], strict=False))
    clusters = _clusters(first + second, pairs)
    assert {clusters[key] for key in first} == {"a:000"}
    assert {clusters[key] for key in second} == {"b:000"}


@st.composite
def _graphs(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str]]]:
    keys = draw(
        st.lists(st.text(alphabet="abc:0129", min_size=1, max_size=4), unique=True, max_size=40)
    )
    if len(keys) < 2:
        return keys, []
    pairs = draw(
        st.lists(
            # self-loops included: they must not change anything
            st.tuples(st.sampled_from(keys), st.sampled_from(keys)),
            max_size=60,
        )
    )
    return keys, pairs


@settings(max_examples=200, deadline=None)
@given(graph=_graphs())
def test_equals_reference_union_find(graph: tuple[list[str], list[tuple[str, str]]]) -> None:
    keys, pairs = graph
    assert _clusters(keys, pairs) == _reference(keys, pairs)


def test_edges_to_unknown_keys_neither_add_records_nor_bridge_them() -> None:
    # "x" is not a record (gone since the pairs were made): a-x and x-b do not join a and b.
    clusters = _clusters(["a", "b", "c"], [("a", "x"), ("x", "b"), ("b", "c")])
    assert clusters == {"a": "a", "b": "b", "c": "b"}


# --- constrained clustering -------------------------------------------------------------------


def _scored_edges(*triples: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        triples,
        schema={"left_key": pl.String(), "right_key": pl.String(), "score": pl.Float64()},
        orient="row",
    )


def _link_pairs(*pairs: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        pairs, schema={"left_key": pl.String(), "right_key": pl.String()}, orient="row"
    )


def _group_sets(result: pl.DataFrame) -> set[frozenset[str]]:
    return {
        frozenset(group)
        for group in result.group_by("cluster_key").agg("record_key")["record_key"].to_list()
    }


def test_cannot_link_stops_a_chain_at_its_weakest_link() -> None:
    # twin a - shared e-mail record - twin b: plain components would make one entity
    keys = pl.Series(["a", "m", "b"])
    edges = _scored_edges(("a", "m", 12.0), ("b", "m", 8.0))
    result = constrained_clusters(keys, edges, _link_pairs(("a", "b")))
    assert _group_sets(result) == {frozenset({"a", "m"}), frozenset({"b"})}


def test_cannot_link_holds_transitively_through_several_records() -> None:
    keys = pl.Series(["a", "b", "c", "d"])
    edges = _scored_edges(("a", "b", 9.0), ("c", "d", 9.0), ("b", "c", 5.0))
    result = constrained_clusters(keys, edges, _link_pairs(("a", "d")))
    assert _group_sets(result) == {frozenset({"a", "b"}), frozenset({"c", "d"})}


def test_must_link_merges_even_without_an_edge_but_never_over_a_cannot_link() -> None:
    keys = pl.Series(["a", "b", "c"])
    result = constrained_clusters(
        keys,
        _scored_edges(),
        _link_pairs(("a", "c")),
        must_link=_link_pairs(("a", "b"), ("b", "c")),
    )
    assert _group_sets(result) == {frozenset({"a", "b"}), frozenset({"c"})}


def test_without_constraints_it_equals_connected_components() -> None:
    keys = pl.Series([f"r{i:02d}" for i in range(20)])
    edges = _scored_edges(
        *[(f"r{i:02d}", f"r{i + 1:02d}", float(i % 7)) for i in range(0, 19, 2)],
        ("r01", "r02", 1.0),
    )
    plain = connected_components(keys, edges)
    constrained = constrained_clusters(keys, edges, _link_pairs())
    assert plain.sort("record_key").to_dicts() == constrained.sort("record_key").to_dicts()


def test_cluster_key_is_the_smallest_member_and_output_is_sorted() -> None:
    result = constrained_clusters(
        pl.Series(["z", "y", "x"]), _scored_edges(("y", "z", 3.0)), _link_pairs()
    )
    assert result.to_dicts() == [
        {"record_key": "x", "cluster_key": "x"},
        {"record_key": "y", "cluster_key": "y"},
        {"record_key": "z", "cluster_key": "y"},
    ]


@settings(max_examples=150, deadline=None)
@given(graph=_graphs(), data=st.data())
def test_cannot_links_across_components_change_nothing(
    graph: tuple[list[str], list[tuple[str, str]]], data: st.DataObject
) -> None:
    # Groups merge only along edges, so a cannot-link between two records that no chain of
    # edges connects can never apply; the cannot-links inside one component still must.
    keys, pairs = graph
    edges = _scored_edges(
        *[(left, right, float(index % 5)) for index, (left, right) in enumerate(pairs)]
    )
    component = _reference(keys, pairs)
    candidates = [(a, b) for a in keys for b in keys if a < b]
    chosen = data.draw(st.lists(st.sampled_from(candidates), max_size=30)) if candidates else []
    inside = [(a, b) for a, b in chosen if component[a] == component[b]]
    across = [(a, b) for a, b in chosen if component[a] != component[b]]
    series = pl.Series(keys, dtype=pl.String())
    with_all = constrained_clusters(series, edges, _link_pairs(*inside, *across))
    inside_only = constrained_clusters(series, edges, _link_pairs(*inside))
    assert with_all.to_dicts() == inside_only.to_dicts()
    for a, b in inside:  # and the ones inside hold
        cluster = dict(with_all.iter_rows())
        assert cluster[a] != cluster[b]
