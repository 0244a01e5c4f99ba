"""Survivorship only for the golden records a night touched; the others keep yesterday's.

A golden record's values and lineage (matching.survivorship ``survive``) depend only on its own
members' cleaned values (``SURVIVAL_INPUTS``), their silos' trust ranks, the survivorship rules
and the reviewers' overrides of that golden id; its account (``with_accounts``) crosses golden
records and is decided afresh over all of them every run. So each run keeps, per golden id, a
128-bit digest of its members (every column survivorship reads, golden id and trust rank
included) and of the overrides applied to it, with the golden records and lineage ``survive``
gave. The next incremental night survives only the golden ids whose digest is new or different
(a member changed, joined, left, or an override changed); the others take the cached rows,
merged in golden-id order, and every golden id gets its account as in a full run. Published
golden.csv and lineage.csv are the same bytes (tests/flows/test_incremental_night.py).

The cache (``golden_cache/`` in the run folder, published with it) holds golden records and
lineage, so personal values like lineage.csv: owner-only, pruned with the other caches, deleted
whole on an erasure (flows.scrub). It is used only when the survivorship rules, trust ranks,
the cleaned columns and the code (matching, rules) and polars are those it was written with;
`golden run --full` and incremental matching switched off ignore it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from matching.overrides import APPLIED_SCHEMA
from matching.survivorship import (
    CORE_COLUMNS,
    LINEAGE_SCHEMA,
    SURVIVAL_INPUTS,
    GoldenResult,
    survive,
    survivorship_members,
    with_accounts,
)
from rules.cache_files import read_frame, read_manifest, row_counts, write_keyed_cache
from rules.config import SurvivorshipConfig
from rules.versions import json_digest, source_digest

CACHE_FOLDER = "golden_cache"
CACHE_FORMAT = 2
DIGEST_SEEDS = (1_618_033, 1_414_213)
_DIGEST_SCHEMA = {"golden_id": pl.String(), "digest_1": pl.UInt64(), "digest_2": pl.UInt64()}
_FILES = ("digests", "golden", "lineage")


class GoldenCacheUnusable(Exception):
    """The golden cache is missing, damaged or of another format (never leaves here)."""


@dataclass(frozen=True)
class GoldenCache:
    """What one run keeps so that the next one survives only touched golden records."""

    #: digest of the rules, trust ranks, columns and code the rows were made with
    key: str
    digests: pl.DataFrame  # golden_id, digest_1, digest_2
    golden: pl.DataFrame  # survivorship.CORE_COLUMNS, by golden_id
    lineage: pl.DataFrame  # LINEAGE_SCHEMA without account rows, by golden_id, field


@dataclass(frozen=True)
class GoldenReport:
    """How a run made its golden records: ``summary.json`` ``survivorship``."""

    mode: str  # "full" or "incremental"
    reason: str
    golden_records: int
    #: golden records survived in this run (the others are the last run's)
    survived: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ReusedGolden(GoldenResult):
    """A GoldenResult with the cache for the next run and how this one was made."""

    cache: GoldenCache | None = None
    report: GoldenReport | None = None


def cache_key(
    members: pl.DataFrame, trust_ranks: Mapping[str, int], rules: SurvivorshipConfig
) -> str:
    """Digest of what survivorship depends on besides the members' values."""
    return json_digest(
        {
            "format": CACHE_FORMAT,
            "rules": rules.model_dump(mode="json"),
            "trust": dict(sorted(trust_ranks.items())),
            "columns": {name: str(dtype) for name, dtype in members.schema.items()},
            "code": {package: source_digest(package) for package in ("matching", "rules")},
            "polars": pl.__version__,
        }
    )


def golden_digests(members: pl.DataFrame, overrides: pl.DataFrame | None) -> pl.DataFrame:
    """golden_id, digest_1, digest_2: per golden id a 128-bit hash of its members' rows (the
    columns survivorship reads; in any order) and of the overrides applied to it.

    Each row is hashed once per seed and a golden id's row hashes are summed (wrapping): the
    sum does not depend on the members' order, and summing is a third of the CPU of sorting
    each golden id's hashes into a list and hashing that (200,000 members: 0.61 -> 0.19 s).
    """
    inputs = members.select(name for name in SURVIVAL_INPUTS if name in members.columns)
    chosen = pl.DataFrame(schema=APPLIED_SCHEMA) if overrides is None else overrides
    choices = chosen.select(list(APPLIED_SCHEMA))
    per_golden = _summed(members["golden_id"], inputs, "__h")
    by_golden = _summed(chosen["golden_id"], choices, "__o")
    return (
        per_golden.join(by_golden, on="golden_id", how="left")
        .select(
            "golden_id",
            *(
                pl.struct(f"__h{i}", f"__o{i}").hash(seed).alias(f"digest_{i + 1}")
                for i, seed in enumerate(DIGEST_SEEDS)
            ),
        )
        .sort("golden_id")
    )


def _summed(golden_ids: pl.Series, rows: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """golden_id and per seed the wrapping sum of its rows' hashes (``<prefix><i>``)."""
    hashes = pl.DataFrame(
        {
            "golden_id": golden_ids,
            **{f"{prefix}{i}": rows.hash_rows(seed) for i, seed in enumerate(DIGEST_SEEDS)},
        }
    )
    return hashes.group_by("golden_id").agg(
        pl.col(f"{prefix}{i}").sum() for i in range(len(DIGEST_SEEDS))
    )


def build_reusing(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    trust_ranks: Mapping[str, int],
    rules: SurvivorshipConfig,
    overrides: pl.DataFrame | None,
    previous: Path | None,
) -> ReusedGolden:
    """matching.survivorship.build_golden_records, surviving only the golden ids whose digest
    differs from the cache in ``previous`` (None: every one); the same frames either way."""
    members = survivorship_members(records, assignment, trust_ranks)
    key = cache_key(members, trust_ranks, rules)
    digests = golden_digests(members, overrides)
    cached, reason = _usable(previous, key)
    if cached is None:
        golden, lineage = survive(members, rules, overrides)
        survived = golden.height
    else:
        same = digests.join(cached.digests, on=["golden_id", "digest_1", "digest_2"], how="semi")[
            "golden_id"
        ].implode()
        touched = members.filter(~pl.col("golden_id").is_in(same))
        golden = cached.golden.filter(pl.col("golden_id").is_in(same))
        lineage = cached.lineage.filter(pl.col("golden_id").is_in(same))
        survived = 0
        if touched.height:
            fresh_golden, fresh_lineage = survive(touched, rules, overrides)
            survived = fresh_golden.height
            # Both parts are in golden-id order and hold different golden ids: merged, not
            # sorted again.
            golden = golden.merge_sorted(fresh_golden, "golden_id")
            lineage = lineage.merge_sorted(fresh_lineage, "golden_id")
    result = with_accounts(golden, lineage, members, assignment)
    return ReusedGolden(
        golden=result.golden,
        lineage=result.lineage,
        cache=GoldenCache(key=key, digests=digests, golden=golden, lineage=lineage),
        report=GoldenReport(
            mode="full" if cached is None else "incremental",
            reason=reason,
            golden_records=result.golden.height,
            survived=survived,
        ),
    )


def _usable(previous: Path | None, key: str) -> tuple[GoldenCache | None, str]:
    """The last run's cache when it fits this run, else None; and why."""
    if previous is None:
        return None, "full run: every golden record survived"
    try:
        cached = load_golden_cache(previous)
    except GoldenCacheUnusable as exc:
        return None, f"golden cache unusable ({exc}): every golden record survived"
    if cached.key != key:
        return None, (
            "survivorship rules, trust ranks, columns or code changed since the last run: "
            "every golden record survived"
        )
    return cached, "the last run's golden cache fits: only touched golden records survived"


def write_golden_cache(folder: Path, cache: GoldenCache, run_id: str = "") -> None:
    """Write the cache into ``folder`` (inside a staging run folder); the manifest last."""
    frames = {name: getattr(cache, name) for name in _FILES}
    write_keyed_cache(folder, frames, CACHE_FORMAT, cache.key, run_id)


def load_golden_cache(folder: Path) -> GoldenCache:
    """Read a cache ``write_golden_cache`` wrote; raise GoldenCacheUnusable saying why not."""
    data = read_manifest(folder, CACHE_FORMAT, GoldenCacheUnusable)
    key = data.get("key")
    if not isinstance(key, str):
        raise GoldenCacheUnusable("manifest.json: 'key' missing")
    rows = row_counts(data, _FILES, GoldenCacheUnusable)
    digests = read_frame(
        folder / "digests.parquet", rows["digests"], _DIGEST_SCHEMA, GoldenCacheUnusable
    )
    # The golden records' column types follow the cleaned columns, which the key covers.
    golden = read_frame(folder / "golden.parquet", rows["golden"], None, GoldenCacheUnusable)
    if tuple(golden.columns) != CORE_COLUMNS:
        raise GoldenCacheUnusable("golden.parquet has other columns than expected")
    lineage = read_frame(
        folder / "lineage.parquet", rows["lineage"], LINEAGE_SCHEMA, GoldenCacheUnusable
    )
    return GoldenCache(key=key, digests=digests, golden=golden, lineage=lineage)
