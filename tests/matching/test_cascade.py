"""The cascade (matching.cascade): comparing the costly fields only where they can still matter
gives the same kept pairs, scores and clusters as comparing every field of every pair; the EM
on a sample of the candidate pairs is the EM over all of them when they are fewer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows import stages
from matching.blocking import candidate_pairs
from matching.blocking_budget import BlockingBudget
from matching.cascade import STAGES, compare_in_stages, hard_rule_bounds
from matching.chunked_match import LEVEL_COLUMNS, compare_in_batches, match_in_chunks
from matching.comparisons import COMPARISONS, compare_pairs
from matching.estimation import candidate_sample, estimate_from_patterns, estimate_weights
from matching.incremental import (
    CACHE_FOLDER,
    MATCHED_COLUMNS,
    load_match_cache,
    match_records,
    write_match_cache,
)
from matching.kept_pairs import pair_scorer
from matching.scoring import MatchWeights
from rules.config import GoldenConfig, HardRule, MatchingConfig
from tests.demo_stages import cleaned_demo, clusters_of


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, stages.Cleaned]:
    """Cleaned records of the four-silo DACH demo: persons and organisations, duplicates."""
    return cleaned_demo(tmp_path_factory.mktemp("cascade-demo"), persons=2000, seed=11)


def _settings(config: GoldenConfig, prune: bool) -> MatchingConfig:
    # A sample smaller than the pairs: the EM learns from part of them, the rest is pruned.
    return config.matching.model_copy(
        update={"incremental": False, "prune_pairs": prune, "em_candidate_pairs": 2000}
    )


def test_every_comparison_is_in_one_stage() -> None:
    names = [name for stage in STAGES for name in stage]
    assert sorted(names) == sorted(c.name for c in COMPARISONS)


@pytest.mark.parametrize("chunk_pairs", [311, 100_000])
def test_pruned_match_keeps_the_pairs_scores_and_clusters_of_the_full_one(
    demo: tuple[GoldenConfig, stages.Cleaned], chunk_pairs: int
) -> None:
    config, cleaned = demo
    full = match_in_chunks(
        cleaned.records, _settings(config, False), compare_pairs, chunk_pairs=chunk_pairs
    )
    pruned = match_in_chunks(
        cleaned.records, _settings(config, True), compare_pairs, chunk_pairs=chunk_pairs
    )
    assert pruned.weights == full.weights
    assert pruned.kept.scored == full.kept.scored
    assert pruned.kept.dropped == full.kept.dropped
    assert_frame_equal(pruned.kept.pairs, full.kept.pairs)
    assert_frame_equal(
        clusters_of(config, cleaned, pruned.kept.pairs),
        clusters_of(config, cleaned, full.kept.pairs),
    )


@pytest.mark.parametrize(
    ("description", "update"),
    [
        ("a high review threshold: the bound is tested close to the kept pairs", {"high": True}),
        ("a match rule on a later stage's field may raise pairs pruned so far", {"rule": True}),
    ],
)
def test_no_pair_that_would_be_kept_is_pruned(
    demo: tuple[GoldenConfig, stages.Cleaned], description: str, update: dict[str, bool]
) -> None:
    config, cleaned = demo
    settings = _settings(config, True)
    if update.get("high"):
        settings = settings.model_copy(update={"review_threshold": 0.97, "match_threshold": 0.99})
    if update.get("rule"):
        odd = HardRule(when=["address:street|place"], then="match", record_type="person")
        settings = settings.model_copy(update={"hard_rules": [*settings.hard_rules, odd]})
    staged = compare_in_stages(cleaned.records, settings, compare_pairs, 100_000)
    every = staged.compared.take(pl.Series(np.arange(staged.compared.height), dtype=pl.UInt32))
    scored = pair_scorer(
        cleaned.records,
        staged.weights,
        settings.hard_rules,
        term_frequency=settings.term_frequency,
        frequencies=None,
    )(every)
    probability = scored["probability"].to_numpy()
    assert staged.pruned.sum() > 0, description
    assert probability[staged.pruned].max() < settings.review_threshold, description
    if update.get("rule"):
        raised = (
            scored["hard_rule"].str.contains("address:street|place", literal=True).fill_null(False)
        )
        assert raised.any() and not staged.pruned[raised.to_numpy()].any(), description
    full = match_in_chunks(
        cleaned.records,
        settings.model_copy(update={"prune_pairs": False}),
        compare_pairs,
        chunk_pairs=100_000,
    )
    pruned = match_in_chunks(cleaned.records, settings, compare_pairs, chunk_pairs=100_000)
    assert_frame_equal(pruned.kept.pairs, full.kept.pairs)


def test_the_cascade_prunes_and_completes_pruned_pairs_inside_a_component(
    demo: tuple[GoldenConfig, stages.Cleaned],
) -> None:
    config, cleaned = demo
    settings = _settings(config, True)
    staged = compare_in_stages(cleaned.records, settings, compare_pairs, 5000)
    compact = staged.compared
    assert staged.stage_pairs[0] == settings.em_candidate_pairs
    # Each stage compares fewer pairs than the one before; most pairs are pruned on the way.
    assert list(staged.stage_pairs[1:]) == sorted(staged.stage_pairs[1:], reverse=True)
    assert staged.pruned.sum() > compact.height / 4
    # A pruned pair asked for (a component's pair) is compared in full, as compare_pairs does.
    rows = pl.Series(np.flatnonzero(staged.pruned)[:50], dtype=pl.UInt32)
    some = pl.Series(np.arange(0, 100), dtype=pl.UInt32)
    for asked in (rows, some):
        taken = compact.take(asked)
        expected = compare_pairs(taken.select("left_key", "right_key", "rules"), cleaned.records)
        assert_frame_equal(taken, expected.select(taken.columns))
    assert_frame_equal(compact.chunk(0, 100), compact.take(some))


def test_keep_all_scores_every_pair(demo: tuple[GoldenConfig, stages.Cleaned]) -> None:
    config, cleaned = demo
    kept = match_in_chunks(
        cleaned.records, _settings(config, True), compare_pairs, chunk_pairs=50_000, keep_all=True
    ).kept
    assert kept.dropped == 0 and kept.pairs.height == kept.scored
    assert kept.pairs.select(pl.col("probability").is_null().sum()).item() == 0


def test_the_sample_em_is_the_full_em_when_the_pairs_are_fewer(
    demo: tuple[GoldenConfig, stages.Cleaned],
) -> None:
    config, cleaned = demo
    settings = config.matching
    pairs = candidate_pairs(
        cleaned.records,
        settings.blocking_rules,
        settings.max_block_size,
        BlockingBudget.from_settings(settings),
    ).pairs
    assert pairs.height <= settings.em_candidate_pairs
    assert candidate_sample(pairs.height, settings.em_candidate_pairs) is None
    full = estimate_weights(
        cleaned.records,
        compare_pairs(pairs, cleaned.records),
        MatchWeights.defaults(),
        settings.hard_rules,
        sample_size=settings.em_sample_size,
    )
    _, compact, patterns = compare_in_batches(cleaned.records, settings, compare_pairs, 100_000)
    sampled = estimate_from_patterns(
        cleaned.records,
        patterns,
        MatchWeights.defaults(),
        sample_size=settings.em_sample_size,
        candidate_pairs=compact.height,
    )
    assert sampled.weights == full.weights
    # Fewer sampled pairs than there are: the EM learns from other counts.
    small = settings.model_copy(update={"em_candidate_pairs": 1000})
    _, _, few = compare_in_batches(cleaned.records, small, compare_pairs, 100_000)
    assert int(few["count"].sum()) == 1000
    assert few.height < patterns.height


def test_the_candidate_sample_is_seeded() -> None:
    first = candidate_sample(10_000, 1000)
    assert first is not None and first.sum() == 1000
    assert np.array_equal(first, candidate_sample(10_000, 1000))  # type: ignore[arg-type]
    assert candidate_sample(1000, 1000) is None


LEVELS = {c.name: c.levels for c in COMPARISONS}


def _pair(record_type: str = "person", **labels: str) -> pl.DataFrame:
    """One compared pair with the levels given by label (the others missing)."""
    row: dict[str, object] = {
        "record_type_l": record_type,
        "record_type_r": record_type,
        "same_domain_owner": False,
    }
    for comparison in COMPARISONS:
        label = labels.get(comparison.name)
        row[f"{comparison.name}_level"] = (
            -1 if label is None else LEVELS[comparison.name].index(label)
        )
    return pl.DataFrame([row])


@pytest.mark.parametrize(
    ("description", "rule", "compared", "labels", "surely_no", "may_raise"),
    [
        {
            "description": "a match rule on a field not compared yet may still raise",
            "rule": HardRule(when=["email:shared"], then="match", record_type="person"),
            "compared": {"birth_date"},
            "labels": {"birth_date": "different"},
            "surely_no": False,
            "may_raise": True,
        }.values(),
        {
            "description": "a match rule whose compared condition fails cannot raise",
            "rule": HardRule(when=["email:shared"], then="match", record_type="person"),
            "compared": {"email"},
            "labels": {"email": "different"},
            "surely_no": False,
            "may_raise": False,
        }.values(),
        {
            "description": "a match rule for organisations never raises two persons",
            "rule": HardRule(when=["vat_id:exact"], then="match", record_type="organisation"),
            "compared": set(),
            "labels": {},
            "surely_no": False,
            "may_raise": False,
        }.values(),
        {
            "description": "a no-match rule decided by compared fields decides the pair",
            "rule": HardRule(
                when=["birth_date:different"],
                then="no_match",
                record_type="person",
                unless=["personal_id:exact"],
            ),
            "compared": {"birth_date", "personal_id"},
            "labels": {"birth_date": "different"},
            "surely_no": True,
            "may_raise": False,
        }.values(),
        {
            "description": "an 'unless' on a field not compared yet leaves the pair open",
            "rule": HardRule(
                when=["birth_date:different"],
                then="no_match",
                record_type="person",
                unless=["email:shared"],
            ),
            "compared": {"birth_date"},
            "labels": {"birth_date": "different"},
            "surely_no": False,
            "may_raise": False,
        }.values(),
    ],
)
def test_hard_rule_bounds(
    description: str,
    rule: HardRule,
    compared: set[str],
    labels: dict[str, str],
    surely_no: bool,
    may_raise: bool,
) -> None:
    no, raise_ = hard_rule_bounds([rule], frozenset(compared))
    result = _pair(**labels).select(no.alias("no"), raise_.alias("raise")).row(0)
    assert result == (surely_no, may_raise), description


def test_two_organisations_may_be_raised_by_the_mailbox_rule() -> None:
    _, may_raise = hard_rule_bounds([], frozenset())
    assert _pair("organisation").select(may_raise).item() is True
    assert _pair("person").select(may_raise).item() is False
    different = _pair().with_columns(pl.lit("organisation").alias("record_type_r"))
    surely_no, _ = hard_rule_bounds([], frozenset())
    assert different.select(surely_no).item() is True


def test_small_batches_compare_as_one_batch(demo: tuple[GoldenConfig, stages.Cleaned]) -> None:
    """Batches of a few hundred pairs (list columns in several chunks after a filter made
    polars' list.set_intersection panic inside the e-mail comparison) give one batch's levels."""
    config, cleaned = demo
    settings = config.matching.model_copy(update={"incremental": False})
    _, whole, whole_patterns = compare_in_batches(
        cleaned.records, settings, compare_pairs, 1_000_000
    )
    _, small, small_patterns = compare_in_batches(cleaned.records, settings, compare_pairs, 500)
    assert small.levels.equals(whole.levels)
    key = sorted(c for c in whole_patterns.columns if c != "count")
    assert small_patterns.sort(key).equals(whole_patterns.sort(key))


# --- nights with the match cache ---------------------------------------------------------------


def _night_settings(config: GoldenConfig, prune: bool) -> MatchingConfig:
    # The nightly flow's settings (incremental), a sample smaller than the pairs.
    return config.matching.model_copy(
        update={"incremental": True, "prune_pairs": prune, "em_candidate_pairs": 2000}
    )


def _changed(records: pl.DataFrame, every: int, offset: int) -> pl.DataFrame:
    """``records`` with every ``every``-th record (from ``offset``) given the matched values of
    a record further on: new duplicates, groups left; and the last of them gone."""
    rows = list(range(offset, records.height - 50, every))
    donors = [row + 37 for row in rows]
    columns = [name for name in MATCHED_COLUMNS if name in records.columns]
    moved = records[donors].select(columns).with_columns(records["record_key"][rows])
    changed = records.update(moved, on="record_key")
    return changed.filter(pl.col("record_key") != records["record_key"][rows[-1]])


def test_pruned_nights_keep_the_pairs_and_clusters_of_unpruned_ones(
    demo: tuple[GoldenConfig, stages.Cleaned], tmp_path: Path
) -> None:
    """A full night prunes as golden dedupe does and keeps the pruned pairs in the match cache
    (levels compared so far, no probability); the next nights keep them pruned, and give
    the kept pairs of every pair compared and scored with the same frozen model."""
    config, cleaned = demo
    pruning, every_field = _night_settings(config, True), _night_settings(config, False)
    records = cleaned.records
    first = match_records(records, pruning, None, keep_all_pairs=False)
    unpruned = match_records(records, every_field, None, keep_all_pairs=False)
    assert first.report.pruned_pairs > first.report.candidate_pairs / 4
    assert unpruned.report.pruned_pairs == 0
    assert first.weights == unpruned.weights
    assert_frame_equal(first.pairs, unpruned.pairs)
    assert_frame_equal(
        clusters_of(config, cleaned, first.pairs), clusters_of(config, cleaned, unpruned.pairs)
    )
    assert first.cache is not None
    stored = first.cache.pairs
    incomplete = stored.select(pl.any_horizontal(pl.col(LEVEL_COLUMNS).is_null())).to_series()
    assert incomplete.sum() == first.report.pruned_pairs
    assert stored.filter(incomplete)["probability"].null_count() == incomplete.sum()
    assert stored.filter(~incomplete)["probability"].null_count() == 0
    folder = tmp_path / "night-1" / CACHE_FOLDER
    write_match_cache(folder, first.cache)

    for night, (every, offset) in enumerate([(60, 3), (45, 11)], start=2):
        records = _changed(records, every, offset)
        incremental = match_records(records, pruning, folder, keep_all_pairs=False)
        report = incremental.report
        assert report.mode == "incremental", report.reason
        assert report.reused_pairs > 0 and report.pruned_pairs > 0
        # Every pair compared, scored with the frozen model of the first night.
        full = match_records(
            records, every_field, folder, full=True, keep_model=True, keep_all_pairs=False
        )
        assert full.report.pruned_pairs == 0
        assert_frame_equal(incremental.pairs, full.pairs)
        assert_frame_equal(
            clusters_of(config, replace(cleaned, records=records), incremental.pairs),
            clusters_of(config, replace(cleaned, records=records), full.pairs),
        )
        # A full night keeping the frozen model prunes too, with the same kept pairs.
        frozen = match_records(
            records, pruning, folder, full=True, keep_model=True, keep_all_pairs=False
        )
        assert frozen.report.pruned_pairs > 0
        assert_frame_equal(frozen.pairs, full.pairs)
        assert incremental.cache is not None
        folder = tmp_path / f"night-{night}" / CACHE_FOLDER
        write_match_cache(folder, incremental.cache)
        assert load_match_cache(folder).pairs.equals(incremental.cache.pairs)


def test_a_pruned_pair_whose_domain_owners_changed_is_compared_in_full(
    demo: tuple[GoldenConfig, stages.Cleaned], tmp_path: Path
) -> None:
    """Pruned under yesterday's domain owners: today's may raise it (a mailbox rule), so the
    night compares it in full and scores it, and stores its levels."""
    config, cleaned = demo
    settings = _night_settings(config, True)
    first = match_records(cleaned.records, settings, None, keep_all_pairs=False)
    assert first.cache is not None
    pairs = first.cache.pairs
    incomplete = pairs.select(pl.any_horizontal(pl.col(LEVEL_COLUMNS).is_null())).to_series()
    # Yesterday's owners said otherwise for some pruned pairs (as if a firm had left).
    flipped = incomplete & (pl.Series(np.arange(pairs.height)) % 7 == 0)
    assert flipped.sum() > 0
    pairs = pairs.with_columns(
        pl.when(flipped).then(~pl.col("same_owner")).otherwise(pl.col("same_owner"))
    )
    folder = tmp_path / CACHE_FOLDER
    write_match_cache(folder, replace(first.cache, pairs=pairs))
    night = match_records(cleaned.records, settings, folder, keep_all_pairs=False)
    assert night.report.mode == "incremental", night.report.reason
    assert night.cache is not None
    stored = night.cache.pairs
    assert (
        stored.filter(flipped)
        .select(pl.col(LEVEL_COLUMNS).null_count().sum())
        .sum_horizontal()
        .item()
        == 0
    )
    expected = compare_pairs(
        night.cache.compared.filter(flipped).select("left_key", "right_key", "rules"),
        cleaned.records,
    )
    assert_frame_equal(stored.filter(flipped).select(LEVEL_COLUMNS), expected.select(LEVEL_COLUMNS))
    assert night.report.pruned_pairs == first.report.pruned_pairs - flipped.sum()
    assert_frame_equal(night.pairs, first.pairs)


@pytest.mark.parametrize(
    ("description", "compared", "labels", "owner", "may_raise"),
    [
        ("nothing compared: a person's mailbox may still join them", set(), {}, True, True),
        ("no one owner of the address: no mailbox rule", set(), {}, False, False),
        (
            "the same address, both names missing so far",
            {"email", "last_name"},
            {"email": "shared"},
            True,
            True,
        ),
        (
            "a last name on both sides: not a nameless row",
            {"email", "last_name"},
            {"email": "shared", "last_name": "exact"},
            True,
            False,
        ),
        ("another address", {"email", "last_name"}, {"email": "different"}, True, False),
        (
            "the first name known and missing: still open",
            {"email", "last_name", "first_name"},
            {"email": "shared_household"},
            True,
            True,
        ),
    ],
)
def test_two_persons_may_be_raised_by_the_persons_mailbox_rule(
    description: str, compared: set[str], labels: dict[str, str], owner: bool, may_raise: bool
) -> None:
    _, raise_ = hard_rule_bounds([], frozenset(compared))
    pair = _pair(**labels).with_columns(pl.lit(owner).alias("same_domain_owner"))
    assert pair.select(raise_).item() is may_raise, description
