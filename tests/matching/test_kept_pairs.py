"""Chunked scoring: the pairs kept, and the clusters made from them, do not depend on the chunk
size, and dropping the clear non-matches changes no cluster."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows import stages
from matching.comparisons import compare_pairs
from matching.incremental import match_records
from matching.kept_pairs import (
    BYTES_PER_PAIR_IN_FLIGHT,
    CHUNK_SHARE_OF_LIMIT,
    MAX_CHUNK_PAIRS,
    MIN_CHUNK_PAIRS,
    chunk_pairs_for,
    score_and_keep_as,
)
from matching.reused_scores import score_reusing
from matching.scoring import score_pairs
from rules.config import GoldenConfig
from tests.demo_stages import cleaned_demo, clusters_of


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, stages.Cleaned]:
    """Cleaned records of a small demo (duplicates across four silos)."""
    return cleaned_demo(tmp_path_factory.mktemp("kept-pairs-demo"), persons=200, seed=3)


def test_kept_pairs_do_not_depend_on_the_chunk_size(
    demo: tuple[GoldenConfig, stages.Cleaned],
) -> None:
    config, cleaned = demo
    settings = config.matching.model_copy(update={"incremental": False})
    whole = match_records(
        cleaned.records, settings, None, chunk_pairs=1_000_000, keep_all_pairs=False
    )
    chunked = match_records(cleaned.records, settings, None, chunk_pairs=7, keep_all_pairs=False)
    assert whole.report.candidate_pairs > 7 * 10  # many chunks
    assert_frame_equal(chunked.pairs, whole.pairs)
    assert chunked.weights == whole.weights


def test_dropped_pairs_are_clear_non_matches_and_change_no_cluster(
    demo: tuple[GoldenConfig, stages.Cleaned],
) -> None:
    config, cleaned = demo
    settings = config.matching.model_copy(update={"incremental": False})
    everything = match_records(cleaned.records, settings, None, chunk_pairs=50)
    kept = match_records(cleaned.records, settings, None, chunk_pairs=50, keep_all_pairs=False)
    assert everything.pairs.height == everything.report.candidate_pairs
    assert 0 < kept.pairs.height < everything.pairs.height
    dropped = everything.pairs.join(kept.pairs, on=["left_key", "right_key"], how="anti")
    assert dropped["probability"].max() < settings.review_threshold
    # Every pair that is merged or reviewed is kept, with the same values.
    relevant = everything.pairs.filter(pl.col("probability") >= settings.review_threshold)
    assert_frame_equal(
        kept.pairs.filter(pl.col("probability") >= settings.review_threshold), relevant
    )
    clusters = clusters_of(config, cleaned, everything.pairs)
    assert_frame_equal(clusters_of(config, cleaned, kept.pairs), clusters)
    # Groups of three or more: clustering weighs pairs below the review threshold there.
    assert clusters.group_by("cluster_key").len()["len"].max() >= 3


@pytest.mark.parametrize("limit", [1024, 64 * 1024**2, 1024**3, 12 * 1024**3, 10 * 1024**4])
def test_a_chunk_stays_within_its_share_of_the_memory_limit(limit: int) -> None:
    pairs = chunk_pairs_for(limit)
    assert MIN_CHUNK_PAIRS <= pairs <= MAX_CHUNK_PAIRS
    if pairs > MIN_CHUNK_PAIRS:
        assert pairs * BYTES_PER_PAIR_IN_FLIGHT * CHUNK_SHARE_OF_LIMIT <= limit


def test_a_larger_memory_limit_never_makes_smaller_chunks() -> None:
    sizes = [chunk_pairs_for(2**power) for power in range(10, 45)]
    assert sizes == sorted(sizes)


def test_known_probabilities_spare_scoring_and_keep_the_same_pairs(
    demo: tuple[GoldenConfig, stages.Cleaned], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A night that knows yesterday's probabilities scores only the pairs it keeps (or that
    lie in a component of accepted pairs) and keeps exactly what scoring every pair keeps."""
    config, cleaned = demo
    settings = config.matching  # incremental on: the cache keeps every pair's probability
    outcome = match_records(cleaned.records, settings, None, chunk_pairs=50, keep_all_pairs=False)
    cache = outcome.cache
    assert cache is not None
    probabilities_kept = cache.pairs["probability"]  # beside each pair in compared.parquet
    assert probabilities_kept.null_count() == 0
    assert probabilities_kept.len() == cache.compared.height
    # The cache keeps numbers and levels: every pair compared again, as the run compared it.
    pairs = cache.compared.select("left_key", "right_key", "rules")
    compared = compare_pairs(pairs, cleaned.records)
    every = score_and_keep_as(settings, compared, cleaned.records, cache.weights, chunk_pairs=50)
    assert_frame_equal(outcome.pairs, every.pairs)
    scored: list[int] = []

    def counting(compared: pl.DataFrame, *args: object) -> pl.DataFrame:
        scored.append(compared.height)
        return score_pairs(compared, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("matching.kept_pairs.score_pairs", counting)  # scored_chunks
    kept, probabilities = score_reusing(
        settings,
        compared,
        probabilities_kept,
        cleaned.records,
        cache.weights,
        frequencies=None,
        chunk_pairs=50,
    )
    assert_frame_equal(kept.pairs, every.pairs)
    assert probabilities.equals(probabilities_kept, check_names=False)
    # Only the kept pairs were scored: the clear non-matches were dropped unscored.
    assert sum(scored) == kept.pairs.height < cache.compared.height
