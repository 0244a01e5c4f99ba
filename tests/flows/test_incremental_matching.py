"""Incremental matching on demo data: after random edits (records added, changed, deleted) an
incremental run's scored pairs, clusters and golden ids equal a full run's; the pipeline
publishes the match cache with the run and says how it matched."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from flows import stages
from flows.cli import app
from flows.demo import write_demo
from flows.pipeline import PlainRunner, run_pipeline
from matching.comparisons import compare_pairs
from matching.frozen_model import frozen_record_frequencies
from matching.incremental import CACHE_FOLDER, MatchOutcome, match_records, write_match_cache
from matching.scoring import score_pairs
from matching.stable_ids import assign_golden_ids
from matching.term_frequency import term_frequency_adjustments
from rules.config import GoldenConfig, MatchingConfig, load_config
from tests.demo_stages import cleaned_demo

#: Field groups an edit copies from another record (a typo fixed, a move, a new e-mail ...).
FIELD_GROUPS = (
    ("emails",),
    ("phones", "phone_types"),
    ("salutation",),
    ("last_name_key", "last_name_phonetic"),
    ("first_name_key", "first_name_group", "first_name_groups", "first_name_phonetic"),
    ("postal_code", "city_key", "street_key", "house_number"),
    ("birth_date",),
    ("organisation_key", "vat_id"),
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, stages.Cleaned]:
    """Cleaned records of a small demo (about 450 records, duplicates across four silos)."""
    return cleaned_demo(tmp_path_factory.mktemp("incremental-demo"), persons=250, seed=11)


def edit(records: pl.DataFrame, seed: int, added: int, changed: int, deleted: int) -> pl.DataFrame:
    """Delete, change (a field group copied from another record or emptied) and add records."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(records.height)
    keys = records["record_key"]
    doomed = keys.gather(order[:deleted])
    altered = keys.gather(order[deleted : deleted + changed])
    kept = records.filter(~pl.col("record_key").is_in(doomed.implode()))
    unchanged = kept.filter(~pl.col("record_key").is_in(altered.implode()))
    rows = kept.filter(pl.col("record_key").is_in(altered.implode()))
    group = _present(FIELD_GROUPS[int(rng.integers(len(FIELD_GROUPS)))], records)
    donors = records.select(group).gather(rng.integers(0, records.height, rows.height))
    if rng.random() < 0.3:
        donors = donors.clear(rows.height)  # all nulls: values removed by the source
    rows = rows.with_columns(donors)
    # New records: copies of existing ones (true duplicates) with one field group of another.
    copies = records.gather(rng.integers(0, records.height, added)).with_columns(
        pl.format("new:{}", pl.int_range(pl.len()).cast(pl.String) + f"-{seed}").alias("record_key")
    )
    mixed = _present(FIELD_GROUPS[int(rng.integers(len(FIELD_GROUPS)))], records)
    copies = copies.with_columns(
        records.select(mixed).gather(rng.integers(0, records.height, added))
    )
    return pl.concat([unchanged, rows, copies]).sort("record_key")


def _present(group: tuple[str, ...], records: pl.DataFrame) -> list[str]:
    return [name for name in group if name in records.columns]


def _clusters_and_ids(
    config: GoldenConfig, cleaned: stages.Cleaned, outcome: MatchOutcome
) -> tuple[pl.DataFrame, pl.DataFrame]:
    matched = stages.Matched(pairs=outcome.pairs, blocking=outcome.blocking)
    clusters = stages.cluster(config, cleaned, matched).clusters.sort("record_key")
    empty = pl.DataFrame(schema={"record_key": pl.String(), "golden_id": pl.String()})
    issued = pl.DataFrame(
        schema=dict.fromkeys(
            ("golden_id", "created_run", "retired_run", "redirect_to"), pl.String()
        )
    )
    ids = assign_golden_ids(clusters, empty, issued).assignment.sort("record_key")
    return clusters, ids


@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking takes minutes here
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 2**31),
            st.integers(0, 12),
            st.integers(0, 25),
            st.integers(0, 12),
        ),
        min_size=1,
        max_size=2,
    ),
    max_block_size=st.sampled_from([200, 4]),
    pairs_per_record=st.sampled_from([0.0, 0.3]),
)
def test_incremental_run_equals_full_run_after_random_edits(
    demo: tuple[GoldenConfig, stages.Cleaned],
    tmp_path_factory: pytest.TempPathFactory,
    edits: list[tuple[int, int, int, int]],
    max_block_size: int,
    pairs_per_record: float,
) -> None:
    config, cleaned = demo
    matching = MatchingConfig(
        estimate_weights=False,  # the same weights in both runs
        incremental_max_changed_percent=100,
        max_block_size=max_block_size,  # 4: blocks cross the limit with the edits
        # 0.3: rules over budget, blocks above 3 split or capped, in one run and not the next
        rule_pairs_per_record=pairs_per_record,
        split_block_size=3,
    )
    config = config.model_copy(update={"matching": matching})
    folder = tmp_path_factory.mktemp("cache")
    records = cleaned.records
    previous = match_records(records, matching, None)
    for step, (seed, added, changed, deleted) in enumerate(edits):
        cache = folder / f"{step}" / CACHE_FOLDER
        write_match_cache(cache, previous.cache)
        records = edit(records, seed, added, changed, deleted)
        incremental = match_records(records, matching, cache)
        # Every pair compared afresh, scored with the cached run's frozen model.
        full = match_records(records, matching, cache, full=True, keep_model=True)
        assert incremental.report.mode == "incremental", incremental.report.reason
        assert_frame_equal(incremental.pairs, full.pairs)
        assert_frame_equal(incremental.blocking.oversized_blocks, full.blocking.oversized_blocks)
        edited = replace(cleaned, records=records)
        for got, expected in zip(
            _clusters_and_ids(config, edited, incremental),
            _clusters_and_ids(config, edited, full),
            strict=True,
        ):
            assert_frame_equal(got, expected)
        assert (
            incremental.report.compared_pairs + incremental.report.reused_pairs == full.pairs.height
        )
        previous = incremental  # the next edit starts from the incremental run's cache


def test_incremental_run_scores_with_the_cached_weights(
    demo: tuple[GoldenConfig, stages.Cleaned], tmp_path: Path
) -> None:
    _, cleaned = demo
    matching = MatchingConfig()  # EM on: a full run would estimate new weights
    first = match_records(cleaned.records, matching, None)
    write_match_cache(tmp_path / CACHE_FOLDER, first.cache)
    records = edit(cleaned.records, seed=3, added=5, changed=10, deleted=5)
    incremental = match_records(records, matching, tmp_path / CACHE_FOLDER)
    full = match_records(records, matching, None)
    assert incremental.report.mode == "incremental"
    assert incremental.cache.weights == first.cache.weights
    assert_frame_equal(incremental.cache.compared, full.cache.compared)
    # the frozen term frequencies too
    assert incremental.cache.tables.totals == first.cache.tables.totals
    assert_frame_equal(incremental.cache.tables.counts, first.cache.tables.counts)
    frozen = frozen_record_frequencies(records, first.cache.tables)
    # The cache keeps numbers and levels only: the full run's pairs compared again, as it did.
    compared = compare_pairs(full.cache.compared.select("left_key", "right_key", "rules"), records)
    assert_frame_equal(compared.select(full.cache.compared.columns), full.cache.compared)
    rescored = score_pairs(
        term_frequency_adjustments(compared, records, frozen),
        first.cache.weights,
        matching.hard_rules,
    ).sort("left_key", "right_key")
    assert_frame_equal(incremental.pairs, rescored)


# --- the pipeline ------------------------------------------------------------------------------


def _demo_without_em(directory: Path) -> Path:
    write_demo(directory, persons=120, seed=5)
    config = directory / "golden.toml"
    text = config.read_text("utf-8")
    text = text.replace("[matching]\n", "[matching]\nestimate_weights = false\n", 1)
    text = text.replace("[dq]\n", "[dq]\nrun_checks = false\n", 1)
    config.write_text(text, "utf-8")
    return config


def _edit_newsletter(directory: Path) -> None:
    """Drop two subscribers, change one's e-mail, add one who is another's duplicate."""
    path = directory / "newsletter.csv"
    lines = path.read_text("utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    columns = header.split(",")
    email = columns.index("email")
    changed = rows[5].split(",")
    changed[email] = rows[9].split(",")[email]
    duplicate = rows[12].split(",")
    duplicate[0] = "ffffffffff"
    rows = [*rows[2:5], ",".join(changed), *rows[6:], ",".join(duplicate)]
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")


def test_pipeline_matches_incrementally_and_publishes_what_a_full_run_does(
    tmp_path: Path,
) -> None:
    config = _demo_without_em(tmp_path / "a")
    first = run_pipeline(load_config(config), PlainRunner())
    assert (first.folder / CACHE_FOLDER / "manifest.json").is_file()
    shutil.copytree(tmp_path / "a", tmp_path / "b", symlinks=True)
    for directory in ("a", "b"):
        _edit_newsletter(tmp_path / directory)
    incremental = run_pipeline(load_config(config), PlainRunner())
    full = run_pipeline(
        load_config(tmp_path / "b" / "golden.toml"), PlainRunner(), full=True, keep_model=True
    )

    summary = json.loads((incremental.folder / "summary.json").read_text("utf-8"))
    assert summary["matching"]["mode"] == "incremental"
    assert summary["matching"]["changed"] == 2 and summary["matching"]["removed"] == 2
    assert summary["matching"]["reused_pairs"] > summary["matching"]["compared_pairs"] > 0
    assert summary["pairs_per_blocking_rule"] == summary["matching"]["pairs_per_blocking_rule"]
    full_summary = json.loads((full.folder / "summary.json").read_text("utf-8"))
    assert full_summary["matching"]["mode"] == "full"
    assert "--full" in full_summary["matching"]["reason"]
    for name in ("pairs.parquet", "crosswalk.parquet", "golden.parquet"):
        assert_frame_equal(
            pl.read_parquet(incremental.folder / name), pl.read_parquet(full.folder / name)
        )
    # only the published run keeps a cache: older ones are never read again
    caches = sorted((tmp_path / "a" / "out" / "runs").glob(f"*/{CACHE_FOLDER}"))
    assert caches == [incremental.folder / CACHE_FOLDER]


def test_failed_publish_leaves_the_previous_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _demo_without_em(tmp_path)
    first = run_pipeline(load_config(config), PlainRunner())

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("flows.pipeline.write_outputs", broken)
    with pytest.raises(OSError, match="disk full"):
        run_pipeline(load_config(config), PlainRunner())
    latest = tmp_path / "out" / "latest"
    assert latest.resolve() == first.folder.resolve()
    assert (latest / CACHE_FOLDER / "manifest.json").is_file()
    assert [path.name for path in (tmp_path / "out" / "runs").iterdir()] == [first.folder.name]


def test_run_command_offers_full() -> None:
    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    assert "--full" in result.output
