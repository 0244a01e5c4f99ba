"""The demo's silos read and cleaned as the nightly run does, for tests of the later stages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from flows import stages
from flows.connectors import read_silo
from flows.demo import DEMO_TODAY, write_demo
from matching.comparisons import compare_pairs
from rules.config import GoldenConfig, load_config


def cleaned_demo(directory: Path, persons: int, seed: int) -> tuple[GoldenConfig, stages.Cleaned]:
    """Write a demo into ``directory`` and return its config and cleaned records."""
    write_demo(directory, persons=persons, seed=seed)
    config = load_config(directory / "golden.toml")
    extracts = [read_silo(silo, config) for silo in config.enabled_silos()]
    return config, stages.clean(config, stages.prepare(config, extracts), DEMO_TODAY)


def clusters_of(config: GoldenConfig, cleaned: stages.Cleaned, pairs: pl.DataFrame) -> pl.DataFrame:
    """The cluster stage on already scored ``pairs``, sorted by record_key."""
    matched = stages.Matched(pairs=pairs, blocking=None)  # type: ignore[arg-type]
    return stages.cluster(config, cleaned, matched).clusters.sort("record_key")


def compare_in_halves(
    map_parts: Callable[..., list[pl.DataFrame]], pairs: pl.DataFrame, attributes: pl.DataFrame
) -> list[pl.DataFrame]:
    """compare_pairs over two halves of ``pairs`` as two parts of the match stage's work, through
    a runner's map_parts (flows.progress.ProgressRunner, flows.nightly.PrefectRunner)."""
    halves = [pairs.head(pairs.height // 2), pairs.tail(pairs.height - pairs.height // 2)]
    return map_parts(
        "match",
        compare_pairs,
        [(half, attributes) for half in halves],
        [half.height for half in halves],
        "pairs",
    )
