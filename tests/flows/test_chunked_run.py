"""A run compared and scored in small chunks ([project] memory_limit) publishes the same
clusters and outputs as one in a single chunk; write_all_pairs only adds pairs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.demo import DEMO_TODAY, write_demo
from flows.pipeline import PlainRunner, run_pipeline
from rules.config import GoldenConfig, load_config

#: Outputs that hold no run id or time: equal byte for byte between the two runs.
SAME_BYTES = (
    "crosswalk.csv",
    "golden.csv",
    "lineage.csv",
    "quarantine.csv",
    "review_queue.csv",
    "stale.csv",
    "oversized_blocks.csv",
    "pairs.parquet",
)


def _run(directory: Path, tmp: Path, name: str, **project: object) -> Path:
    config = load_config(directory / "golden.toml")
    settings = config.project.model_copy(update={"output_dir": str(tmp / name), **project})
    changed: GoldenConfig = config.model_copy(update={"project": settings})
    return run_pipeline(changed, PlainRunner(), today=DEMO_TODAY).folder


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("chunked-demo")
    write_demo(directory, persons=150, seed=9)
    return directory


def test_small_chunks_publish_the_same_outputs(demo: Path, tmp_path: Path) -> None:
    whole = _run(demo, tmp_path, "whole", memory_limit="64GiB")
    chunked = _run(demo, tmp_path, "chunked", memory_limit="1KiB")  # 10 pairs per chunk
    candidates = pl.read_parquet(whole / "match_cache" / "compared.parquet").height
    assert candidates > 100  # so "1KiB" means many chunks
    for name in SAME_BYTES:
        assert (chunked / name).read_bytes() == (whole / name).read_bytes(), name


def test_write_all_pairs_adds_pairs_and_changes_no_cluster(demo: Path, tmp_path: Path) -> None:
    kept = _run(demo, tmp_path, "kept")
    everything = _run(demo, tmp_path, "all", write_all_pairs=True)
    assert (kept / "crosswalk.csv").read_bytes() == (everything / "crosswalk.csv").read_bytes()
    kept_pairs = pl.read_parquet(kept / "pairs.parquet")
    all_pairs = pl.read_parquet(everything / "pairs.parquet")
    candidates = pl.read_parquet(everything / "match_cache" / "compared.parquet")
    assert all_pairs.height == candidates.height > kept_pairs.height
    assert_frame_equal(
        all_pairs.join(kept_pairs.select("left_key", "right_key"), on=["left_key", "right_key"]),
        kept_pairs,
    )
