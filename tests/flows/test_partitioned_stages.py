"""Clean and compare in partitions: the same frames as in one piece, whatever the partition size."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows import stages
from flows.demo import write_demo
from flows.pipeline import PlainRunner
from rules.config import GoldenConfig, load_config

TODAY = date(2026, 3, 2)


class Recording:
    """MapParts that runs the parts in order and remembers each stage's part sizes, over all
    its calls (a chunked match calls it once per batch, batches side by side in threads)."""

    def __init__(self) -> None:
        self.sizes: dict[str, list[int]] = {}
        self.units: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(
        self,
        stage: str,
        function: Callable[..., Any],
        parts: Sequence[tuple[Any, ...]],
        sizes: Sequence[int],
        unit: str,
    ) -> list[Any]:
        with self._lock:
            self.sizes.setdefault(stage, []).extend(sizes)
            self.units[stage] = unit
        return stages.in_order(stage, function, parts, sizes, unit)


def _with(config: GoldenConfig, **project: int | bool) -> GoldenConfig:
    return config.model_copy(update={"project": config.project.model_copy(update=project)})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, stages.Prepared]:
    folder: Path = tmp_path_factory.mktemp("demo")
    write_demo(folder, persons=150, seed=4)
    config = load_config(folder / "golden.toml")
    extracts = PlainRunner().extract(config.enabled_silos(), config)
    return config, stages.prepare(config, extracts)


def test_clean_in_partitions_equals_clean_in_one_piece(
    demo: tuple[GoldenConfig, stages.Prepared],
) -> None:
    config, prepared = demo
    recording = Recording()

    whole = stages.clean(config, prepared, TODAY)
    parted = stages.clean(_with(config, partition_rows=23), prepared, TODAY, recording)

    assert len(recording.sizes["clean"]) > 3 and recording.units["clean"] == "rows"
    assert sum(recording.sizes["clean"]) == prepared.canonical.height
    assert_frame_equal(parted.records, whole.records)
    assert_frame_equal(parted.findings, whole.findings)
    assert_frame_equal(parted.quarantine, whole.quarantine)
    assert parted.counts == whole.counts


def test_compare_in_partitions_equals_compare_in_one_piece(
    demo: tuple[GoldenConfig, stages.Prepared],
) -> None:
    config, prepared = demo
    cleaned = stages.clean(config, prepared, TODAY)
    recording = Recording()

    # Every scored pair kept, so the parts can be counted against the whole.
    config = _with(config, write_all_pairs=True)
    whole = stages.match(config, cleaned, full=True)
    parted = stages.match(_with(config, partition_pairs=40), cleaned, True, recording)

    assert len(recording.sizes["match"]) > 3 and recording.units["match"] == "pairs"
    assert sum(recording.sizes["match"]) == whole.pairs.height
    assert_frame_equal(parted.pairs, whole.pairs)
    assert parted.weights == whole.weights


def test_compare_in_partitions_keeps_the_same_pairs(
    demo: tuple[GoldenConfig, stages.Prepared],
) -> None:
    """With the default (only the pairs that matter kept) partitions change nothing either."""
    config, prepared = demo
    cleaned = stages.clean(config, prepared, TODAY)

    whole = stages.match(config, cleaned, full=True)
    parted = stages.match(_with(config, partition_pairs=40), cleaned, True, Recording())

    assert 0 < whole.pairs.height
    assert_frame_equal(parted.pairs, whole.pairs)
    assert parted.weights == whole.weights


def _scattered(
    stage: str,
    function: Callable[..., Any],
    parts: Sequence[tuple[Any, ...]],
    sizes: Sequence[int],
    unit: str,
) -> list[Any]:
    """MapParts whose results come back in many small chunks, as frames from other processes
    may (same values, another memory layout)."""
    results = stages.in_order(stage, function, parts, sizes, unit)
    return [
        pl.concat([result.slice(start, 7) for start in range(0, result.height, 7)], rechunk=False)
        if isinstance(result, pl.DataFrame) and result.height
        else result
        for result in results
    ]


def test_pairs_file_does_not_depend_on_how_the_parts_came_back(
    demo: tuple[GoldenConfig, stages.Prepared], tmp_path: Path
) -> None:
    config, prepared = demo
    cleaned = stages.clean(config, prepared, TODAY)

    whole = stages.match(config, cleaned, full=True)
    parted = stages.match(_with(config, partition_pairs=40), cleaned, True, _scattered)

    # Parquet's bytes follow the frame's chunks once a file is large (pairs.parquet of 100,000
    # records differed with the same values): the layout must not depend on the parts either.
    assert parted.pairs.n_chunks() == whole.pairs.n_chunks()
    whole.pairs.write_parquet(tmp_path / "whole.parquet")
    parted.pairs.write_parquet(tmp_path / "parted.parquet")
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "parted.parquet").read_bytes()
