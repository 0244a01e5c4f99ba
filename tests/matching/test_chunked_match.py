"""The chunked full match (pairs as numbers, levels per batch, EM on pattern counts) gives the
same weights, kept pairs and clusters as the in-memory one (every compared pair in one frame)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows import stages
from matching.blocking import candidate_pairs, numbered_candidate_pairs
from matching.blocking_budget import BlockingBudget
from matching.chunked_match import compare_in_batches, match_in_chunks
from matching.comparisons import compare_pairs
from matching.estimation import estimate_weights, level_patterns
from matching.incremental import match_records
from matching.scoring import MatchWeights
from rules.config import GoldenConfig
from tests.demo_stages import cleaned_demo, clusters_of


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, stages.Cleaned]:
    """Cleaned records of a small demo (duplicates across four silos)."""
    return cleaned_demo(tmp_path_factory.mktemp("chunked-match-demo"), persons=800, seed=5)


@pytest.mark.parametrize("keep_all", [False, True])
@pytest.mark.parametrize("chunk_pairs", [97, 100_000])
def test_chunked_match_gives_the_in_memory_pairs_weights_andclusters_of(
    demo: tuple[GoldenConfig, stages.Cleaned], keep_all: bool, chunk_pairs: int
) -> None:
    config, cleaned = demo
    # incremental = true, no cache: a full run holding every compared pair in one frame.
    in_memory = match_records(
        cleaned.records, config.matching, None, chunk_pairs=chunk_pairs, keep_all_pairs=keep_all
    )
    assert in_memory.report.mode == "full" and in_memory.cache is not None
    chunked = match_in_chunks(
        cleaned.records,
        config.matching,
        compare_pairs,
        chunk_pairs=chunk_pairs,
        keep_all=keep_all,
    )
    assert in_memory.report.candidate_pairs > 97 * 8 * 2  # several batches of small chunks
    assert chunked.kept.scored == in_memory.report.candidate_pairs
    assert chunked.weights == in_memory.weights
    assert chunked.weights != MatchWeights.defaults()  # the EM ran
    assert chunked.blocking.pairs_per_rule == in_memory.blocking.pairs_per_rule
    assert_frame_equal(chunked.kept.pairs, in_memory.pairs)
    assert_frame_equal(
        clusters_of(config, cleaned, chunked.kept.pairs),
        clusters_of(config, cleaned, in_memory.pairs),
    )


def test_golden_dedupe_settings_take_the_chunked_path(
    demo: tuple[GoldenConfig, stages.Cleaned],
) -> None:
    config, cleaned = demo
    settings = config.matching.model_copy(update={"incremental": False})
    outcome = match_records(cleaned.records, settings, None, keep_all_pairs=False)
    chunked = match_in_chunks(cleaned.records, settings, compare_pairs, chunk_pairs=250_000)
    assert outcome.cache is None
    assert_frame_equal(outcome.pairs, chunked.kept.pairs)


def test_batches_rebuild_the_compared_frame_and_add_up_its_patterns(
    demo: tuple[GoldenConfig, stages.Cleaned],
) -> None:
    config, cleaned = demo
    settings = config.matching
    budget = BlockingBudget.from_settings(settings)
    pairs = candidate_pairs(
        cleaned.records, settings.blocking_rules, settings.max_block_size, budget
    ).pairs
    compared = compare_pairs(pairs, cleaned.records)
    _, compact, patterns = compare_in_batches(cleaned.records, settings, compare_pairs, 50)
    assert compact.height == compared.height
    assert_frame_equal(compact.chunk(0, compact.height), compared)
    rows = pl.Series([compared.height - 1, 0, 7], dtype=pl.UInt32)
    assert_frame_equal(compact.take(rows), compared.select(pl.all().gather(rows)))
    whole = level_patterns(compared, settings.hard_rules)
    order = whole.columns[:-1]
    assert_frame_equal(patterns.sort(order), whole.sort(order))
    start = MatchWeights.defaults()
    assert estimate_weights(cleaned.records, compared, start, settings.hard_rules).weights != start


def test_numbered_pairs_name_as_candidate_pairs(demo: tuple[GoldenConfig, stages.Cleaned]) -> None:
    _, cleaned = demo
    rules = ["email", "birth_date", "name_city"]
    whole = candidate_pairs(cleaned.records, rules, 200).pairs
    _, numbered = numbered_candidate_pairs(cleaned.records, rules, 200)
    assert numbered.height == whole.height > 0
    assert_frame_equal(pl.concat([numbered.named(0, 10), numbered.named(10)]), whole)


@pytest.mark.parametrize("incremental", [False, True])
def test_clustering_completes_components_with_the_match_stage_owners(
    demo: tuple[GoldenConfig, stages.Cleaned],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    incremental: bool,
) -> None:
    """The match stage hands its domain owners and town branches on: completing components
    with them gives the pairs that deciding them again over all records gives, and the cluster
    stage does not decide them again (they cost seconds at 200,000 records)."""
    from matching import clustering
    from matching.comparisons import domain_owners

    config, cleaned = demo
    settings = config.matching.model_copy(update={"incremental": incremental})
    outcome = match_records(cleaned.records, settings, tmp_path / "cache", keep_all_pairs=False)
    assert outcome.owners is not None
    keys = cleaned.records["record_key"]
    arguments = (
        keys,
        outcome.pairs,
        cleaned.records,
        outcome.weights or MatchWeights.defaults(),
        settings.hard_rules,
        settings.match_threshold,
    )
    decided_again = clustering.complete_pairs(*arguments)
    # domain_owners leaves out records without a business domain or a named address
    expected = outcome.owners.select("record_key").join(
        domain_owners(cleaned.records), on="record_key", how="left"
    )
    expected = expected.with_columns(pl.col("town_branch").fill_null(False))  # as compared
    assert_frame_equal(
        outcome.owners.sort("record_key"),
        expected.select(outcome.owners.columns).sort("record_key"),
        check_dtypes=False,
    )

    def decided(*_: object) -> pl.DataFrame:
        raise AssertionError("domain owners decided again in the cluster stage")

    monkeypatch.setattr(clustering, "domain_owners", decided)
    handed_on = clustering.complete_pairs(*arguments, owners=outcome.owners)
    assert handed_on.height > outcome.pairs.height  # components were completed
    assert_frame_equal(handed_on, decided_again)
    matched = stages.Matched(pairs=outcome.pairs, blocking=outcome.blocking, owners=outcome.owners)
    stages.cluster(config, cleaned, matched)  # would raise if it decided them again
