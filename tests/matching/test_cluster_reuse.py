"""Which records a night touches, and which components keep yesterday's clusters
(matching.cluster_reuse). The end-to-end proof, every published file equal to a full run's, is
tests/flows/test_incremental_night.py; here the rules one by one."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from matching.cluster_reuse import (
    STRENGTH,
    ClusterCache,
    ClusterCacheUnusable,
    link_frame,
    load_cluster_cache,
    pair_digests,
    split_components,
    touched_records,
    write_cluster_cache,
)

KEYS = ["a", "b", "c", "d", "e", "f"]
NO_LINKS = pl.DataFrame(schema={"left_key": pl.String(), "right_key": pl.String()})


def _fingerprints(changed: int | None = None) -> pl.DataFrame:
    """One fingerprint per record; ``changed``: the index of a record whose values changed."""
    return pl.DataFrame(
        {
            "record_key": KEYS,
            "fingerprint_1": [10 + i + (100 if i == changed else 0) for i in range(len(KEYS))],
            "fingerprint_2": [7] * len(KEYS),
        },
        schema={
            "record_key": pl.String(),
            "fingerprint_1": pl.UInt64(),
            "fingerprint_2": pl.UInt64(),
        },
    )


def _pairs(probability_cd: float = 0.99) -> pl.DataFrame:
    # a-b and c-d accepted, e-f below the threshold
    return pl.DataFrame(
        {
            "left_key": ["a", "c", "e"],
            "right_key": ["b", "d", "f"],
            "probability": [0.99, probability_cd, 0.1],
            "score": [9.0, 8.0, -3.0],
            "hard_rule": [None, None, None],
        },
        schema_overrides={"hard_rule": pl.String()},
    )


def _cache(pairs: pl.DataFrame, links: pl.DataFrame) -> ClusterCache:
    return ClusterCache(
        key="k",
        fingerprints=_fingerprints(),
        pairs=pair_digests(pairs),
        links=links,
        clusters=pl.DataFrame({"record_key": KEYS, "cluster_key": ["a", "a", "c", "c", "e", "f"]}),
        refused=pl.DataFrame(
            {
                "left_key": ["c"],
                "right_key": ["d"],
                "probability": [0.99],
                "reason": ["weak_link"],
                STRENGTH: [8.0],
            }
        ),
    )


def test_nothing_changed_touches_nothing() -> None:
    links = link_frame(NO_LINKS, NO_LINKS)
    cache = _cache(_pairs(), links)
    assert touched_records(_fingerprints(), pair_digests(_pairs()), links, cache).len() == 0


def test_changed_values_scores_and_links_touch_their_records() -> None:
    links = link_frame(NO_LINKS, NO_LINKS)
    cache = _cache(_pairs(), links)
    changed = touched_records(_fingerprints(changed=4), pair_digests(_pairs()), links, cache)
    assert changed.to_list() == ["e"]
    rescored = touched_records(_fingerprints(), pair_digests(_pairs(0.5)), links, cache)
    assert sorted(rescored.to_list()) == ["c", "d"]
    approved = pl.DataFrame({"left_key": ["b"], "right_key": ["c"]})
    linked = touched_records(
        _fingerprints(), pair_digests(_pairs()), link_frame(approved, NO_LINKS), cache
    )
    assert sorted(linked.to_list()) == ["b", "c"]
    # A pair gone (its record removed) touches the record left behind.
    gone = touched_records(_fingerprints(), pair_digests(_pairs().slice(1)), links, cache)
    assert sorted(gone.to_list()) == ["a", "b"]


def test_only_touched_components_are_clustered_again() -> None:
    links = link_frame(NO_LINKS, NO_LINKS)
    cache = _cache(_pairs(), links)
    accepted = _pairs().filter(pl.col("probability") >= 0.9).select("left_key", "right_key")
    split = split_components(pl.Series(KEYS), accepted, pl.Series(["d"]), cache)
    assert sorted(split.clustered.to_list()) == ["c", "d"]
    assert_frame_equal(
        split.clusters.sort("record_key"),
        pl.DataFrame({"record_key": ["a", "b", "e", "f"], "cluster_key": ["a", "a", "e", "f"]}),
    )
    assert split.refused.height == 0  # c-d's refused merge is redone with its component
    untouched = split_components(pl.Series(KEYS), accepted, pl.Series(["e"]), cache)
    assert untouched.refused["left_key"].to_list() == ["c"]
    # A record the cache never saw (never expected untouched): its component is redone.
    grown = split_components(
        pl.Series([*KEYS, "g"]),
        pl.concat([accepted, pl.DataFrame({"left_key": ["a"], "right_key": ["g"]})]),
        pl.Series([], dtype=pl.String),
        cache,
    )
    assert sorted(grown.clustered.to_list()) == ["a", "b", "g"]


def test_the_cache_round_trips_and_refuses_damage(tmp_path: Path) -> None:
    cache = _cache(_pairs(), link_frame(NO_LINKS, NO_LINKS))
    write_cluster_cache(tmp_path, cache, run_id="r1")
    loaded = load_cluster_cache(tmp_path)
    assert loaded.key == "k"
    assert_frame_equal(loaded.clusters, cache.clusters)
    assert_frame_equal(loaded.refused, cache.refused)
    (tmp_path / "clusters.parquet").write_bytes(b"not parquet")
    with pytest.raises(ClusterCacheUnusable):
        load_cluster_cache(tmp_path)
