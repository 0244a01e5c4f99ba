"""Incremental matching: compare only new and changed records, reuse the rest from a match cache.

Every run leaves a match cache (``match_cache/`` inside its published run folder, so a failed
run never leaves half a cache):

- ``records.parquet``: per record_key a 128-bit fingerprint of the cleaned values matching
  reads (``MATCHED_COLUMNS``), never the values themselves;
- ``compared.parquet``: the compared pairs before term-frequency adjustment (keys, rules,
  record types, one level per comparison: a subset of pairs.parquet);
- ``oversized.parquet``: rule and 64-bit hash of every block too large to pair;
- ``manifest.json``: format, the weights used, and fingerprints of everything that changes
  comparisons (the [matching] settings, versions, the matching code, the records' columns).

The next run reuses it when the settings fingerprint is the same and at most
``incremental_max_changed_percent`` of the records are new or changed. Then only the candidate
pairs touching a new or changed record are generated (matching.blocking) and compared; the
cached rows of pairs whose two records are unchanged and still there are reused; term-frequency
adjustments are recomputed on the union (they depend on today's name frequencies) and the
union is scored with the cached weights (no EM). With the same weights the scored pairs equal a
full run's on the same records, row for row. Otherwise the run recomputes in full, estimates
fresh weights (EM) and says why (``MatchReport.reason``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal, Protocol

import polars as pl
import rapidfuzz

from matching.blocking import (
    PAIR_SCHEMA,
    BlockingBudget,
    BlockingResult,
    candidate_pairs,
    candidate_pairs_touching,
    oversized_hashes,
)
from matching.chunked_match import match_in_chunks
from matching.comparisons import (
    COMPARE_CHUNK_PAIRS,
    COMPARED_COLUMNS,
    COMPARISONS,
    OPTIONAL_COLUMNS,
    compare_pairs,
    comparison_attributes,
    domain_owners,
    with_domain_owners,
)
from matching.estimation import estimate_weights
from matching.kept_pairs import score_and_keep_as
from matching.scoring import MatchWeights
from rules.cache_files import MANIFEST, read_frame, read_manifest, row_counts, write_manifest
from rules.config import MatchingConfig
from rules.versions import distribution_version, json_digest, source_digest

#: Bump when the cache's files or their meaning change: older caches then force a full run.
CACHE_FORMAT = 1
#: Folder of the cache inside a run folder.
CACHE_FOLDER = "match_cache"
#: Cleaned-record columns that blocking and comparisons read (a test checks blocking's rules).
MATCHED_COLUMNS = tuple(name for name in COMPARED_COLUMNS if name != "record_key")
#: Two seeds, one 64-bit hash each: a 128-bit fingerprint per record.
FINGERPRINT_SEEDS = (1_234_567, 7_654_321)
#: Packages whose code and reference data make blocks, comparison levels and weights: any
#: change to them (comparisons use cleaners' constants too) makes the next run a full one.
SOURCE_PACKAGES = ("matching", "cleaners")
#: Config keys that only decide whether to reuse the cache, or what the review page shows:
#: changing them keeps it valid.
INCREMENTAL_KEYS = frozenset(
    {
        "incremental",
        "incremental_max_changed_percent",
        "full_run_every_days",
        "review_page_max_pairs",
    }
)
#: What each part of the settings fingerprint stands for, for the reason of a full run.
SETTING_LABELS = {
    "format": "the match cache format",
    "package": "the golden-records version",
    "libraries": "the polars or rapidfuzz version",
    "code": "the matching or cleaning code or their reference data",
    "matching": "the [matching] settings in golden.toml",
    "columns": "the columns of the cleaned records",
}

_FINGERPRINT_SCHEMA = {
    "record_key": pl.String(),
    "fingerprint_1": pl.UInt64(),
    "fingerprint_2": pl.UInt64(),
}
_OVERSIZED_SCHEMA = {"rule": pl.String(), "block_hash": pl.UInt64()}

Mode = Literal["full", "incremental"]


class Compare(Protocol):
    """(candidate pairs, records[, owners]) -> compared pairs in the pairs' order:
    compare_owned, or the same spread over partitions (matching.partitions; flows.stages runs
    them on a Dask cluster). ``owners`` (comparisons.domain_owners of all ``records``), when the
    caller has them, spares computing them again; None: computed from ``records``."""

    def __call__(
        self, pairs: pl.DataFrame, records: pl.DataFrame, owners: pl.DataFrame | None = None, /
    ) -> pl.DataFrame: ...


def compare_owned(
    pairs: pl.DataFrame,
    records: pl.DataFrame,
    owners: pl.DataFrame | None = None,
    /,
    *,
    chunk_pairs: int = COMPARE_CHUNK_PAIRS,
) -> pl.DataFrame:
    """compare_pairs; with ``owners`` (domain_owners of all ``records``) only the records of a
    pair are prepared, and a domain's owner is still decided over all records."""
    if owners is not None:
        keys = pl.concat([pairs["left_key"], pairs["right_key"]]).unique()
        records = comparison_attributes(
            records.filter(pl.col("record_key").is_in(keys.implode())), owners
        )
    return compare_pairs(pairs, records, chunk_pairs=chunk_pairs)


class CacheUnusable(Exception):
    """Raised when a match cache is missing, damaged or of another format (never leaves here)."""


@dataclass(frozen=True)
class MatchCache:
    """What one run keeps so that the next one can match incrementally."""

    fingerprints: pl.DataFrame  # record_key, fingerprint_1, fingerprint_2
    compared: pl.DataFrame  # compare_pairs output: left_key, right_key, rules, ..., *_level
    oversized: pl.DataFrame  # rule, block_hash
    weights: MatchWeights
    settings: dict[str, str]
    #: when the weights were estimated (the last full run), UTC; None in caches from before
    weights_since: datetime | None = None


@dataclass(frozen=True)
class MatchReport:
    """How a run matched: ``summary.json`` ``matching``."""

    mode: Mode
    reason: str
    records: int
    #: records new or changed since the cached run (all records when there was no cache)
    changed: int
    #: records of the cached run that are gone
    removed: int
    #: pairs compared in this run / cached rows reused
    compared_pairs: int
    reused_pairs: int
    candidate_pairs: int
    pairs_per_rule: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe dict; ``pairs_per_blocking_rule`` counts only pairs generated in this run."""
        return {
            "mode": self.mode,
            "reason": self.reason,
            "records": self.records,
            "changed": self.changed,
            "removed": self.removed,
            "compared_pairs": self.compared_pairs,
            "reused_pairs": self.reused_pairs,
            "candidate_pairs": self.candidate_pairs,
            "pairs_per_blocking_rule": dict(self.pairs_per_rule),
            "pairs_per_blocking_rule_counts": "all candidate pairs"
            if self.mode == "full"
            else "pairs generated in this run: those touching a new or changed record",
        }

    def log_line(self) -> str:
        """One line for the run log: counts and reason, no record values."""
        if self.mode == "incremental":
            return (
                f"matching: incremental — {self.changed} of {self.records} records new or "
                f"changed, {self.removed} removed; {self.compared_pairs} pairs compared, "
                f"{self.reused_pairs} reused from the last run"
            )
        return f"matching: full recompute of {self.compared_pairs} pairs — {self.reason}"


@dataclass(frozen=True)
class MatchOutcome:
    """Scored pairs, the blocking behind them, how they were made, and the cache to keep."""

    pairs: pl.DataFrame
    blocking: BlockingResult
    report: MatchReport
    #: None when incremental matching is off: no run would read it
    cache: MatchCache | None
    #: the weights the pairs were scored with (clustering scores the pairs blocking missed)
    weights: MatchWeights | None = None


@dataclass(frozen=True)
class _Changes:
    unchanged: pl.DataFrame  # record_key
    changed: pl.Series  # record keys, new or changed
    removed: int


def fingerprint_frame(records: pl.DataFrame) -> pl.DataFrame:
    """The columns matching reads, optional ones filled with null where a frame lacks them."""
    return records.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in OPTIONAL_COLUMNS.items()
        if name not in records.columns
    ).select(COMPARED_COLUMNS)


def record_fingerprints(records: pl.DataFrame) -> pl.DataFrame:
    """record_key, fingerprint_1, fingerprint_2: a 128-bit hash of each record's matched values.

    Vectorized (polars hashes a struct of the columns; list order and null versus empty list
    count). Stable within one polars version, which is part of the settings fingerprint.
    """
    values = pl.struct(MATCHED_COLUMNS)
    return (
        fingerprint_frame(records)
        .select(
            "record_key",
            *(
                values.hash(seed).alias(f"fingerprint_{index}")
                for index, seed in enumerate(FINGERPRINT_SEEDS, start=1)
            ),
        )
        .sort("record_key")
    )


def settings_fingerprint(settings: MatchingConfig, records: pl.DataFrame) -> dict[str, str]:
    """Per part (SETTING_LABELS): a fingerprint of what makes cached comparisons valid."""
    matching = settings.model_dump(mode="json", exclude=set(INCREMENTAL_KEYS))
    columns = fingerprint_frame(records.head(0)).schema
    parts: dict[str, object] = {
        "format": CACHE_FORMAT,
        "package": distribution_version("golden-records"),
        "libraries": {"polars": pl.__version__, "rapidfuzz": rapidfuzz.__version__},
        "code": {package: source_digest(package) for package in SOURCE_PACKAGES},
        "matching": matching,
        "columns": {name: str(dtype) for name, dtype in columns.items()},
    }
    return {name: json_digest(value) for name, value in parts.items()}


def match_records(
    records: pl.DataFrame,
    settings: MatchingConfig,
    previous: Path | None,
    *,
    full: bool = False,
    now: datetime | None = None,
    chunk_pairs: int = COMPARE_CHUNK_PAIRS,
    keep_all_pairs: bool = True,
    compare: Compare | None = None,
) -> MatchOutcome:
    """Candidate pairs compared and scored, incrementally from ``previous`` when it fits.

    ``previous`` is the last published run's cache folder (or None); ``full`` forces a full
    recompute. A missing, damaged or outdated cache never fails the run: it matches in full.
    ``now`` (default: the clock) decides whether the cached weights are older than
    ``full_run_every_days``. Pairs are compared and scored ``chunk_pairs`` at a time; without
    ``keep_all_pairs`` only the pairs the run needs are kept (matching.kept_pairs). ``compare``
    compares candidate pairs (default: compare_pairs here, ``chunk_pairs`` at a time).
    """
    now = now or datetime.now(UTC)
    chunking = _Chunking(chunk_pairs, keep_all_pairs)
    if compare is None:
        compare = partial(compare_owned, chunk_pairs=chunk_pairs)
    if not settings.incremental:
        # No run reads a cache then (golden dedupe, or incremental switched off): none is made,
        # so no pair's levels need outlive its chunk (matching.chunked_match).
        chunked = match_in_chunks(
            records, settings, compare, chunk_pairs=chunk_pairs, keep_all=keep_all_pairs
        )
        report = MatchReport(
            mode="full",
            reason="incremental matching is off ([matching] incremental = false)",
            records=records.height,
            changed=records.height,
            removed=0,
            compared_pairs=chunked.kept.scored,
            reused_pairs=0,
            candidate_pairs=chunked.kept.scored,
            pairs_per_rule=chunked.blocking.pairs_per_rule,
        )
        return MatchOutcome(
            pairs=chunked.kept.pairs,
            blocking=chunked.blocking,
            report=report,
            cache=None,
            weights=chunked.weights,
        )
    fingerprints = record_fingerprints(records)
    current = settings_fingerprint(settings, records)
    cache, changes, reason = _plan(records, fingerprints, settings, current, previous, full, now)
    if cache is not None and changes is not None:
        blocking, compared, report = _compare_changed(
            records, settings, cache, changes, reason, compare
        )
    else:
        blocking, compared, report = _compare_all(records, settings, changes, reason, compare)
    scored, weights = _score(
        records, compared, settings, cache.weights if cache is not None else None, chunking
    )
    new_cache = MatchCache(
        fingerprints=fingerprints,
        compared=compared,
        oversized=oversized_hashes(blocking.oversized_blocks, blocking.adjusted_blocks),
        weights=weights,
        settings=current,
        # An incremental run keeps the cached weights, and with them their age.
        weights_since=cache.weights_since if cache is not None else now,
    )
    return MatchOutcome(
        pairs=scored, blocking=blocking, report=report, cache=new_cache, weights=weights
    )


@dataclass(frozen=True)
class _Chunking:
    chunk_pairs: int
    keep_all: bool


def _score(
    records: pl.DataFrame,
    compared: pl.DataFrame,
    settings: MatchingConfig,
    cached: MatchWeights | None,
    chunking: _Chunking,
) -> tuple[pl.DataFrame, MatchWeights]:
    """Scores of the compared pairs (sorted by left_key, right_key), with term frequencies:
    with ``cached`` weights (an incremental run keeps them), else with weights the EM
    estimates afresh from every pair's levels (or the defaults); scored a chunk at a time,
    keeping what matching.kept_pairs keeps."""
    weights = cached
    if weights is None:
        weights = MatchWeights.defaults()
        if settings.estimate_weights and compared.height > 0:
            weights = estimate_weights(
                records, compared, weights, settings.hard_rules, sample_size=settings.em_sample_size
            ).weights
    # compared comes sorted by pair, and term frequencies and scores keep its order.
    kept = score_and_keep_as(
        settings,
        compared,
        records,
        weights,
        chunk_pairs=chunking.chunk_pairs,
        keep_all=chunking.keep_all,
    )
    return kept.pairs, weights


def _compare_changed(
    records: pl.DataFrame,
    settings: MatchingConfig,
    cache: MatchCache,
    changes: _Changes,
    reason: str,
    compare: Compare = compare_owned,
) -> tuple[BlockingResult, pl.DataFrame, MatchReport]:
    """Compare the pairs touching changed records; reuse the cached rows of all others."""
    touched = candidate_pairs_touching(
        records,
        changes.changed,
        settings.blocking_rules,
        settings.max_block_size,
        cache.oversized,
        BlockingBudget.from_settings(settings),
    )
    blocking = touched.result
    # Decided over all of today's records, once: for the fresh pairs and the reused ones.
    owners = domain_owners(records)
    fresh = compare(blocking.pairs, records, owners)
    reused = _reusable(cache.compared, changes.unchanged, touched.recheck).select(fresh.columns)
    # Unchanged pairs, but a domain's owner may have changed with other records (a second
    # firm at the domain): as a full run would decide it today.
    reused = with_domain_owners(reused, owners)
    compared = pl.concat([fresh, reused]).sort("left_key", "right_key")
    report = MatchReport(
        mode="incremental",
        reason=reason,
        records=records.height,
        changed=changes.changed.len(),
        removed=changes.removed,
        compared_pairs=fresh.height,
        reused_pairs=reused.height,
        candidate_pairs=compared.height,
        pairs_per_rule=blocking.pairs_per_rule,
    )
    return blocking, compared, report


def _compare_all(
    records: pl.DataFrame,
    settings: MatchingConfig,
    changes: _Changes | None,
    reason: str,
    compare: Compare = compare_owned,
) -> tuple[BlockingResult, pl.DataFrame, MatchReport]:
    """Block and compare every record (a full run)."""
    blocking = candidate_pairs(
        records,
        settings.blocking_rules,
        settings.max_block_size,
        BlockingBudget.from_settings(settings),
    )
    compared = compare(blocking.pairs, records)
    # The pairs as strings are in compared now; the blocking result keeps only its counts.
    blocking = replace(blocking, pairs=blocking.pairs.head(0))
    report = MatchReport(
        mode="full",
        reason=reason,
        records=records.height,
        changed=records.height if changes is None else changes.changed.len(),
        removed=0 if changes is None else changes.removed,
        compared_pairs=compared.height,
        reused_pairs=0,
        candidate_pairs=compared.height,
        pairs_per_rule=blocking.pairs_per_rule,
    )
    return blocking, compared, report


def _plan(
    records: pl.DataFrame,
    fingerprints: pl.DataFrame,
    settings: MatchingConfig,
    current: dict[str, str],
    previous: Path | None,
    full: bool,
    now: datetime,
) -> tuple[MatchCache | None, _Changes | None, str]:
    """(cache to use or None, changes since the cached run or None, reason of the mode)."""
    if full:
        return None, None, "full recompute requested (golden run --full)"
    if previous is None or not previous.exists():
        return None, None, "no match cache from a previous run (first run, or an older version)"
    try:
        cache = load_match_cache(previous)
    except CacheUnusable as exc:
        return None, None, f"match cache unusable ({exc}); this run writes a new one"
    changes = _changes(fingerprints, cache.fingerprints)
    differing = [name for name in SETTING_LABELS if cache.settings.get(name) != current[name]]
    if differing:
        what = ", ".join(SETTING_LABELS[name] for name in differing)
        return None, changes, f"{what} changed since the last run"
    expected = compare_pairs(pl.DataFrame(schema=PAIR_SCHEMA), records.head(0)).schema
    if cache.compared.schema != expected:
        return None, changes, "match cache unusable (compared.parquet has other columns)"
    if records.height == 0:
        return None, changes, "no records to match"
    every = settings.full_run_every_days
    if every and cache.weights_since is None:
        return None, changes, "the cached weights' age is unknown (cache of an older version)"
    if every and cache.weights_since is not None and now - cache.weights_since > timedelta(every):
        age = (now - cache.weights_since).days
        return (
            None,
            changes,
            f"weights estimated {age} days ago, more than [matching] full_run_every_days = "
            f"{every}: fresh weights (EM)",
        )
    changed = changes.changed.len()
    share = 100.0 * changed / records.height
    limit = settings.incremental_max_changed_percent
    if share > limit:
        return (
            None,
            changes,
            f"{changed} of {records.height} records new or changed ({share:.1f}%), more than "
            f"[matching] incremental_max_changed_percent = {limit:g}",
        )
    return cache, changes, f"{changed} of {records.height} records new or changed ({share:.1f}%)"


def _changes(current: pl.DataFrame, cached: pl.DataFrame) -> _Changes:
    """Records unchanged (same fingerprint), new or changed, and how many are gone."""
    same = current.join(cached, on=["record_key", "fingerprint_1", "fingerprint_2"], how="semi")
    changed = current.join(same, on="record_key", how="anti")["record_key"]
    removed = cached.join(current, on="record_key", how="anti").height
    return _Changes(unchanged=same.select("record_key"), changed=changed, removed=removed)


def _reusable(
    compared: pl.DataFrame, unchanged: pl.DataFrame, recheck: pl.DataFrame
) -> pl.DataFrame:
    """Cached rows of pairs whose two records are unchanged, except pairs to re-examine."""
    return (
        compared.join(unchanged.rename({"record_key": "left_key"}), on="left_key", how="semi")
        .join(unchanged.rename({"record_key": "right_key"}), on="right_key", how="semi")
        .join(recheck, on=["left_key", "right_key"], how="anti")
    )


def write_match_cache(folder: Path, cache: MatchCache, run_id: str = "") -> None:
    """Write the cache into ``folder`` (inside a staging run folder); the manifest last."""
    folder.mkdir(parents=True, exist_ok=True)
    cache.fingerprints.write_parquet(folder / "records.parquet")
    cache.compared.write_parquet(folder / "compared.parquet")
    cache.oversized.write_parquet(folder / "oversized.parquet")
    manifest = {
        "format": CACHE_FORMAT,
        "run_id": run_id,
        "weights_since": cache.weights_since.isoformat() if cache.weights_since else None,
        "settings": cache.settings,
        "weights": {"prior": cache.weights.prior, "levels": cache.weights.levels},
        "rows": {
            "records": cache.fingerprints.height,
            "compared": cache.compared.height,
            "oversized": cache.oversized.height,
        },
    }
    write_manifest(folder, manifest)


def load_match_cache(folder: Path) -> MatchCache:
    """Read a cache written by ``write_match_cache``; raise CacheUnusable saying what is wrong."""
    settings, weights, rows, weights_since = _manifest(folder)
    fingerprints = read_frame(
        folder / "records.parquet", rows["records"], _FINGERPRINT_SCHEMA, CacheUnusable
    )
    if fingerprints["record_key"].n_unique() != fingerprints.height:
        raise CacheUnusable("records.parquet repeats a record_key")
    compared = read_frame(folder / "compared.parquet", rows["compared"], None, CacheUnusable)
    oversized = read_frame(
        folder / "oversized.parquet", rows["oversized"], _OVERSIZED_SCHEMA, CacheUnusable
    )
    return MatchCache(
        fingerprints=fingerprints,
        compared=compared,
        oversized=oversized,
        weights=_weights(weights),
        settings=settings,
        weights_since=weights_since,
    )


_ROW_COUNTS = ("records", "compared", "oversized")


def _moment(text: object) -> datetime | None:
    """``weights_since`` of a manifest as an aware UTC time (None when absent)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise CacheUnusable("manifest.json: 'weights_since' is not a time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _manifest(
    folder: Path,
) -> tuple[dict[str, str], dict[str, object], dict[str, int], datetime | None]:
    """(settings, weights, row counts, weights_since) from manifest.json, checked."""
    data = read_manifest(folder, CACHE_FORMAT, CacheUnusable)
    settings, weights = data.get("settings"), data.get("weights")
    if not isinstance(settings, dict) or not all(
        isinstance(value, str) for value in settings.values()
    ):
        raise CacheUnusable(f"{MANIFEST}: 'settings' missing or damaged")
    if not isinstance(weights, dict):
        raise CacheUnusable(f"{MANIFEST}: 'weights' missing")
    counts = row_counts(data, _ROW_COUNTS, CacheUnusable)
    return settings, weights, counts, _moment(data.get("weights_since"))


def _weights(data: dict[str, object]) -> MatchWeights:
    try:
        prior = float(data["prior"])  # type: ignore[arg-type]
        tables = data["levels"]
        levels = {
            comparison.name: {
                label: float(tables[comparison.name][label])  # type: ignore[index]
                for label in comparison.levels
            }
            for comparison in COMPARISONS
        }
    except (KeyError, TypeError, ValueError):
        raise CacheUnusable("manifest.json: 'weights' damaged or of other comparisons") from None
    return MatchWeights(prior=prior, levels=levels)
