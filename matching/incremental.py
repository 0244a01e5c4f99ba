"""Incremental matching: compare only new and changed records, reuse the rest from a match cache.

Every run leaves a match cache (``match_cache/`` inside its published run folder, so a failed
run never leaves half a cache):

- ``records.parquet``: per record_key a 128-bit fingerprint of the cleaned values matching
  reads (``MATCHED_COLUMNS``), never the values themselves;
- ``compared.parquet``: every compared pair before term-frequency adjustment as numbers: its
  two records' places in ``records.parquet`` (left, right: UInt32), the rules that found it
  (mask: UInt64, bit i for ``rule_names[i]`` of the manifest), one Int8 level per comparison,
  its probability (Float64) and whether its two records' domain owners were the same
  (same_owner: Boolean; 28 bytes a pair on disk before compression). A pair the cascade
  pruned (below) has null levels for the comparisons it never reached and a null
  probability; written and read a row
  group at a time, so a night at a million records never holds the pairs as strings (issue
  18); the next night scores only the reused pairs it keeps (matching.reused_scores);
- ``term_frequencies.parquet``/``.json``: the term-frequency tables frozen with the weights
  (matching.frozen_model);
- ``oversized.parquet``: rule and 64-bit hash of every block too large to pair;
- ``keys.parquet``: every blocking rule's keys of every record as 64-bit hashes at the record's
  place in ``records.parquet`` (matching.block_keys): the next night makes keys only for the
  new and changed records; absent in caches from before (the night then makes every record's
  keys, and keeps them for the next);
- ``owners.parquet``: per organisation record its domain owner and town_branch
  (comparisons.organisation_owners, decided over all organisation records), with a digest of
  the organisation records' fingerprints in the manifest: the next night reuses them while no
  organisation record is new, changed or gone, instead of deciding them again over every
  organisation (the domain-name and abbreviation checks); absent in caches from before;
- ``manifest.json``: format, the weights used, and fingerprints of everything that changes
  comparisons (the [matching] settings, versions, the matching code, the records' columns).

A full run blocks, compares and scores as matching.chunked_match does (pairs as numbers, levels
per batch, the EM on a sample's level patterns; with ``[matching] prune_pairs`` the other
pairs go through matching.cascade's stages, and a pair whose score bound stays below the
review threshold is not compared further) and keeps the numbers and levels for the cache.
A pruned pair's bound depends on its two records, the frozen model (weights, term-frequency
tables) and its domain owners alone, so the next night keeps it pruned while they are
unchanged; one whose domain owners changed is compared in full again, and a pruned pair
inside a component of accepted pairs is compared in full when scored, every night.

The next run reuses it when the settings fingerprint is the same and at most
``incremental_max_changed_percent`` of the records are new or changed. Then only the candidate
pairs touching a new or changed record are generated (matching.blocking) and compared; the
cached rows of pairs whose two records are unchanged and still there are reused (renumbered to
today's records, row group by row group); term-frequency
adjustments are recomputed on the union (they depend on today's name frequencies) and the
union is scored with the cached weights (no EM). With the same weights the scored pairs equal a
full run's on the same records, row for row. Otherwise the run recomputes in full, estimates
fresh weights (EM) and says why (``MatchReport.reason``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import rapidfuzz

from matching.block_keys import KEYS_FILE, RuleKeys, read_rule_keys, renumbered, write_keys
from matching.blocking import (
    BlockingBudget,
    BlockingResult,
    NumberedPairs,
    candidate_pairs_touching,
    oversized_hashes,
)
from matching.cascade import FrozenModel, PrunedCompared, compare_in_stages
from matching.chunked_match import (
    CHUNKS_PER_BATCH,
    LEVEL_COLUMNS,
    CompactCompared,
    compared_and_weighed,
    match_in_chunks,
    record_owners,
)
from matching.comparisons import (
    COMPARE_CHUNK_PAIRS,
    COMPARED_COLUMNS,
    COMPARISONS,
    OPTIONAL_COLUMNS,
    TOWN_BRANCH,
    compare_pairs,
    comparison_attributes,
    domain_owners,
)
from matching.frozen_model import (
    FrequencyTables,
    TablesUnusable,
    frequency_tables,
    frozen_record_frequencies,
    load_tables,
    write_tables,
)
from matching.kept_pairs import score_and_keep_as
from matching.reused_scores import score_reusing
from matching.scoring import MatchWeights
from matching.term_frequency import RecordFrequencies
from rules.cache_files import MANIFEST, read_frame, read_manifest, row_counts, write_manifest
from rules.config import MatchingConfig
from rules.versions import distribution_version, json_digest, source_digest

#: Bump when the cache's files or their meaning change: older caches then force a full run.
#: 2: compared.parquet holds record numbers, a rule mask and Int8 levels (was keys, rule names).
#: 3: the term-frequency tables frozen with the weights (matching.frozen_model), and every
#: pair's probability and same_owner in compared.parquet (matching.reused_scores).
#: 4: a pair the cascade pruned (matching.cascade) keeps the levels it was compared on, null
#: for the comparisons never made, and a null probability: it stays below the review
#: threshold while its records and their domain owners do not change.
CACHE_FORMAT = 4
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
#: owners.parquet: the organisation records' domain owners (comparisons.organisation_owners).
_OWNERS_SCHEMA = {"record_key": pl.String(), "domain_owner": pl.String(), TOWN_BRANCH: pl.Boolean()}
#: compared.parquet: places in records.parquet, the rules' bits, the levels.
PAIRS_SCHEMA = {
    "left": pl.UInt32(),
    "right": pl.UInt32(),
    "mask": pl.UInt64(),
    **{name: pl.Int8() for name in LEVEL_COLUMNS},
}
#: compared.parquet as written: the pairs, their probability and whether their domain owners
#: were the same (a reused pair keeps its probability only while they are).
CACHED_SCHEMA = {**PAIRS_SCHEMA, "probability": pl.Float64(), "same_owner": pl.Boolean()}
#: Rows per row group of compared.parquet: what a run writes or reads of it at a time.
PAIRS_PER_ROW_GROUP = 1_000_000

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

    #: record_key, fingerprint_1, fingerprint_2, sorted by record_key: a pair's numbers are
    #: places in this frame
    fingerprints: pl.DataFrame
    #: CACHED_SCHEMA: every compared pair (left < right, sorted), its rules' mask, levels,
    #: probability and same_owner
    pairs: pl.DataFrame
    #: the blocking rules in bit order of ``pairs``' mask
    rule_names: tuple[str, ...]
    oversized: pl.DataFrame  # rule, block_hash
    weights: MatchWeights
    settings: dict[str, str]
    #: when the weights were estimated (the last full run), UTC; None in caches from before
    weights_since: datetime | None = None
    #: rows of compared.parquet when the cache was loaded without its pairs (else None)
    stored_pairs: int | None = None
    #: term-frequency tables counted by the last full run, frozen with its weights
    #: (matching.frozen_model); None only in a cache never written
    tables: FrequencyTables | None = None
    #: _OWNERS_SCHEMA: every organisation record's domain owner and town_branch, and the
    #: organisations_digest of the records they were decided over (None: not kept)
    owners: pl.DataFrame | None = None
    owners_digest: str | None = None
    #: every rule's block-key hashes per record place (matching.block_keys), when written;
    #: a loaded cache leaves them on disk (``key_rows``: the rows of each rule kept there)
    keys: RuleKeys | None = None
    key_rows: dict[str, int] | None = None

    @property
    def compared(self) -> pl.DataFrame:
        """The pairs as left_key, right_key, rules and levels (for tests and small caches)."""
        numbered = NumberedPairs(
            self.pairs.select("left", "right", "mask"),
            self.fingerprints["record_key"],
            self.rule_names,
        )
        return pl.concat(
            [numbered.name(numbered.pairs), self.pairs.select(LEVEL_COLUMNS)], how="horizontal"
        )


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
    #: of the candidate pairs, those the cascade left below the review threshold before every
    #: field was compared (matching.cascade; reused ones included)
    pruned_pairs: int = 0
    #: the organisation records' domain owners were the last run's (none of them changed)
    reused_owners: bool = False

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
            "pruned_pairs": self.pruned_pairs,
            "organisation_owners": "reused" if self.reused_owners else "decided",
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
    #: chunked_match.record_owners of the pairs' records (None: clustering decides them)
    owners: pl.DataFrame | None = None


@dataclass(frozen=True)
class _Changes:
    unchanged: pl.DataFrame  # record_key
    changed: pl.Series  # record keys, new or changed
    removed: int


@dataclass(frozen=True)
class _Reused:
    """The cached pairs of two unchanged records, renumbered to today's records."""

    pairs: pl.DataFrame  # CACHED_SCHEMA, sorted by left, right
    #: per row of the cache's records.parquet: the record's place today, -1 when it changed
    #: or is gone
    renumber: np.ndarray


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


def organisations_digest(records: pl.DataFrame, fingerprints: pl.DataFrame) -> str:
    """A digest of the organisation records' keys and fingerprints (``fingerprints``: of
    ``records``, in record_key order): what their domain owners are decided from."""
    organisations = records.filter(pl.col("record_type") == "organisation").select("record_key")
    rows = fingerprints.join(organisations, on="record_key", how="semi", maintain_order="left")
    hashes = rows.hash_rows(seed=FINGERPRINT_SEEDS[0]).to_numpy()
    return hashlib.sha256(hashes.tobytes()).hexdigest()


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
    keep_model: bool = False,
) -> MatchOutcome:
    """Candidate pairs compared and scored, incrementally from ``previous`` when it fits.

    ``previous`` is the last published run's cache folder (or None); ``full`` forces a full
    recompute. A missing, damaged or outdated cache never fails the run: it matches in full.
    ``now`` (default: the clock) decides whether the cached weights are older than
    ``full_run_every_days``. Pairs are compared and scored ``chunk_pairs`` at a time; without
    ``keep_all_pairs`` only the pairs the run needs are kept (matching.kept_pairs). ``compare``
    compares candidate pairs (default: compare_pairs here, ``chunk_pairs`` at a time).
    ``keep_model`` with ``full``: compare every pair, but score with the last full run's
    weights and term-frequency tables (matching.frozen_model) instead of counting and
    estimating them afresh: what an incremental night gives, pair for pair.
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
            owners=chunked.owners,
        )
    fingerprints = record_fingerprints(records)
    current = settings_fingerprint(settings, records)
    cache, changes, reason, reused = _plan(
        records, fingerprints, settings, current, previous, full, now
    )
    model = cache if reused is not None else None
    if reused is None and full and keep_model:
        model, reason = _kept_model(previous, reason)
    frozen = None
    if model is not None:
        # The frozen model: the last full run's weights and term-frequency tables.
        tables = model.tables if model.tables is not None else frequency_tables(records)
        frequencies = None
        if settings.term_frequency and model.tables is not None:
            frequencies = frozen_record_frequencies(records, model.tables)
        frozen = FrozenModel(model.weights, frequencies)
    else:
        # Counted afresh; scoring counts today's frequencies, which are these tables'.
        tables = frequency_tables(records)
    # Pruned pairs are never scored unless needed: not when every pair's score is kept.
    prune = settings.prune_pairs and not chunking.keep_all and settings.review_threshold > 0
    digest = organisations_digest(records, fingerprints)
    if cache is not None and changes is not None and reused is not None:
        blocking, compact, report, known = _compare_changed(
            records,
            fingerprints,
            settings,
            cache,
            changes,
            reused,
            reason,
            compare,
            chunk_pairs,
            cache.owners if cache.owners_digest == digest else None,
            _kept_keys(previous, cache, reused.renumber) if previous is not None else None,
        )
        weights = cache.weights
        frequencies = frozen.frequencies if frozen is not None else None
    else:
        known = None
        blocking, compact, report, weights, frequencies = _compare_all(
            records, settings, changes, reason, compare, chunk_pairs, frozen, prune
        )
    pruned = compact.pruned if isinstance(compact, PrunedCompared) else None
    if chunking.keep_all:
        kept = score_and_keep_as(
            settings,
            compact,
            records,
            weights,
            chunk_pairs=chunking.chunk_pairs,
            keep_all=True,
            frequencies=frequencies,
        )
        probabilities = kept.pairs["probability"]  # every pair, in compact's order
    else:
        # Yesterday's probabilities (``known``) spare scoring the reused pairs dropped anyway,
        # and the pruned pairs are scored only inside a component of accepted pairs.
        kept, probabilities = score_reusing(
            settings,
            compact,
            known,
            records,
            weights,
            frequencies=frequencies,
            chunk_pairs=chunking.chunk_pairs,
            unscored=pruned,
        )
    if pruned is not None and pruned.any():
        # A pruned pair's probability is not kept (scored inside a component or not): the
        # next night knows it below the review threshold from its missing levels.
        probabilities = pl.select(
            pl.when(pl.lit(pl.Series(~pruned))).then(pl.lit(probabilities))
        ).to_series()
    new_cache = MatchCache(
        fingerprints=fingerprints,
        pairs=pl.concat(
            [
                compact.numbered.pairs,
                compact.levels,
                pl.DataFrame(
                    [probabilities.alias("probability"), _same_owner(compact)],
                    schema={"probability": pl.Float64(), "same_owner": pl.Boolean()},
                ),
            ],
            how="horizontal",
        ),
        rule_names=compact.numbered.rule_names,
        oversized=oversized_hashes(blocking.oversized_blocks, blocking.adjusted_blocks),
        weights=weights,
        settings=current,
        # An incremental run keeps the cached model (weights, frequencies), and with it its age.
        weights_since=model.weights_since if model is not None else now,
        tables=tables,
        owners=_organisation_owners(compact),
        owners_digest=digest,
        keys=blocking.kept_keys,
    )
    return MatchOutcome(
        pairs=kept.pairs,
        blocking=blocking,
        report=report,
        cache=new_cache,
        weights=weights,
        owners=record_owners(compact),
    )


@dataclass(frozen=True)
class _Chunking:
    chunk_pairs: int
    keep_all: bool


def _kept_model(previous: Path | None, reason: str) -> tuple[MatchCache | None, str]:
    """The last run's cache for its frozen model (``keep_model``), or None saying why not."""
    if previous is None or not previous.exists():
        return None, f"{reason}; no frozen model to keep: fresh weights and frequencies"
    try:
        cached = load_match_cache(previous, pairs=False)
    except CacheUnusable as exc:
        return None, f"{reason}; frozen model unusable ({exc}): fresh weights and frequencies"
    return cached, f"{reason}, with the last full run's weights and term frequencies"


def _compact(
    records: pl.DataFrame,
    keys: pl.Series,
    rule_names: tuple[str, ...],
    pairs: pl.DataFrame,
    owners: pl.DataFrame | None = None,
) -> CompactCompared:
    """``pairs`` (PAIRS_SCHEMA, numbers are places in ``keys``) as compare_pairs' frame would
    be, a chunk at a time: record types and domain owners are today's, as a full run's
    (``owners``: domain_owners of ``records`` when the caller has them already)."""
    owners = domain_owners(records) if owners is None else owners
    per_record = (
        pl.DataFrame({"record_key": keys})
        .join(records.select("record_key", "record_type"), on="record_key", how="left")
        .join(owners, on="record_key", how="left", maintain_order="left")
    )
    return CompactCompared(
        NumberedPairs(pairs.select("left", "right", "mask"), keys, rule_names),
        pairs.select(LEVEL_COLUMNS),
        per_record.get_column("record_type"),
        per_record.get_column("domain_owner"),
        per_record.get_column(TOWN_BRANCH) if TOWN_BRANCH in per_record.columns else None,
    )


def _organisation_owners(compact: CompactCompared) -> pl.DataFrame | None:
    """_OWNERS_SCHEMA: the organisation records' domain owners and town_branch as ``compact``
    holds them (None when it does not know the town branches)."""
    owners = record_owners(compact)
    if owners is None:
        return None
    organisations = (compact.record_types == "organisation").fill_null(False)
    return owners.filter(organisations).cast(_OWNERS_SCHEMA)  # type: ignore[arg-type]


def _same_owner(compact: CompactCompared) -> pl.Series:
    """Per pair: its two records have the same domain owner (compare_pairs' same_domain_owner)."""
    owners = compact.domain_owners
    numbers = compact.numbered.pairs
    return (
        (owners.gather(numbers["left"]) == owners.gather(numbers["right"]))
        .fill_null(False)
        .alias("same_owner")
    )


def _places(pairs: pl.DataFrame, keys: pl.Series) -> pl.DataFrame:
    """``pairs`` with left, right (UInt32): the places of left_key, right_key in ``keys``."""
    places = pl.DataFrame({"record_key": keys}).with_row_index("place")
    return pairs.join(
        places.rename({"record_key": "left_key", "place": "left"}),
        on="left_key",
        maintain_order="left",
    ).join(
        places.rename({"record_key": "right_key", "place": "right"}),
        on="right_key",
        maintain_order="left",
    )


def _numbered(compared: pl.DataFrame, keys: pl.Series, rule_names: tuple[str, ...]) -> pl.DataFrame:
    """compare_pairs' frame (left_key, right_key, rules, levels) as PAIRS_SCHEMA rows."""
    bits = {name: 1 << bit for bit, name in enumerate(rule_names)}
    rules = compared["rules"].unique().to_list()
    masks = pl.DataFrame(
        {"rules": rules, "mask": [sum(bits[name] for name in text.split(",")) for text in rules]},
        schema={"rules": pl.String(), "mask": pl.UInt64()},
    )
    return (
        _places(compared, keys)
        .join(masks, on="rules", how="left", maintain_order="left")
        .select(list(PAIRS_SCHEMA))
        .cast(PAIRS_SCHEMA)  # type: ignore[arg-type]
    )


def _compare_changed(
    records: pl.DataFrame,
    fingerprints: pl.DataFrame,
    settings: MatchingConfig,
    cache: MatchCache,
    changes: _Changes,
    reused: _Reused,
    reason: str,
    compare: Compare = compare_owned,
    chunk_pairs: int = COMPARE_CHUNK_PAIRS,
    organisations: pl.DataFrame | None = None,
    kept_keys: Callable[[str], pl.DataFrame | None] | None = None,
) -> tuple[BlockingResult, CompactCompared, MatchReport, pl.Series]:
    """Compare the pairs touching changed records; reuse the cached rows of all others.

    ``organisations``: the organisation records' domain owners of the last run, when none of
    them changed since (else decided again here). ``kept_keys``: the last run's block-key hashes
    of the unchanged records per rule (``_kept_keys``), so blocking makes only the changed
    records' keys.

    Also returns, per compared pair, the cached probability of a reused pair whose domain
    owners are the same as yesterday (null for the others): with the model frozen that is
    its probability today (matching.reused_scores). Reused pairs the cascade pruned stay
    pruned (the compact pairs are PrunedCompared) unless their domain owners changed: those
    are compared in full here."""
    touched = candidate_pairs_touching(
        records,
        changes.changed,
        settings.blocking_rules,
        settings.max_block_size,
        cache.oversized,
        BlockingBudget.from_settings(settings),
        kept_keys,
    )
    blocking = touched.result
    keys = fingerprints["record_key"]
    # Decided over all of today's records, once: for the fresh pairs and the reused ones.
    owners = domain_owners(records, organisations)
    fresh = _numbered(
        compare(blocking.pairs, records, owners), keys, cache.rule_names
    ).with_columns(
        pl.lit(None, dtype=pl.Float64).alias("probability"),
        pl.lit(None, dtype=pl.Boolean).alias("same_owner"),
    )
    recheck = _places(touched.recheck.select("left_key", "right_key"), keys).select(
        pl.col("left", "right").cast(pl.UInt32)
    )
    kept = reused.pairs.join(recheck, on=["left", "right"], how="anti", maintain_order="left")
    # Unchanged pairs' same_domain_owner is decided again from today's records (_compact): a
    # second firm at a domain makes it nobody's, as a full run would decide it today.
    union = pl.concat([fresh, kept]).sort("left", "right")
    compact = _compact(records, keys, cache.rule_names, union, owners)
    # A pair whose domain owners changed (a second firm at the domain) is scored again.
    same = union["same_owner"].eq_missing(_same_owner(compact))
    known = union.select(pl.when(same).then(pl.col("probability")).alias("known"))["known"]
    # Pruned yesterday (levels not compared): still below the review threshold today while
    # the domain owners are the same (matching.cascade's bound reads nothing else that may
    # change); the others are compared in full now.
    pruned = union.select(pl.any_horizontal(pl.col(LEVEL_COLUMNS).is_null())).to_series()
    stale = np.flatnonzero((pruned & ~same).to_numpy())
    if len(stale):
        rows = pl.Series(stale, dtype=pl.UInt32)
        full = compare(compact.numbered.name(compact.numbered.pairs[rows]), records, owners)
        union = union.with_columns(
            union[column].scatter(rows, full[column]) for column in LEVEL_COLUMNS
        )
        compact = replace(compact, levels=union.select(LEVEL_COLUMNS))
    unscored = pruned.to_numpy().copy()
    unscored[stale] = False
    if unscored.any():

        def compare_all(pairs: pl.DataFrame) -> pl.DataFrame:
            return compare_owned(pairs, records, owners, chunk_pairs=chunk_pairs)

        compact = PrunedCompared(
            compact.numbered,
            compact.levels,
            compact.record_types,
            compact.domain_owners,
            compact.town_branches,
            pruned=unscored,
            compare_all=compare_all,
        )
    report = MatchReport(
        mode="incremental",
        reason=reason,
        records=records.height,
        changed=changes.changed.len(),
        removed=changes.removed,
        compared_pairs=fresh.height,
        reused_pairs=kept.height,
        candidate_pairs=union.height,
        pairs_per_rule=blocking.pairs_per_rule,
        pruned_pairs=int(unscored.sum()),
        reused_owners=organisations is not None,
    )
    return blocking, compact, report, known


def _compare_all(
    records: pl.DataFrame,
    settings: MatchingConfig,
    changes: _Changes | None,
    reason: str,
    compare: Compare,
    chunk_pairs: int,
    frozen: FrozenModel | None = None,
    prune: bool = False,
) -> tuple[BlockingResult, CompactCompared, MatchReport, MatchWeights, RecordFrequencies | None]:
    """Block and compare every record a batch at a time and estimate the weights from the
    batches' level patterns (a full run, as matching.chunked_match's; ``frozen``: the weights
    and term frequencies known, no EM). With ``prune`` the pairs outside the EM's sample go
    through matching.cascade's stages: the compact pairs are PrunedCompared then. Also returns
    the term frequencies to score with (None: scoring counts them from ``records``)."""
    frequencies = None if frozen is None else frozen.frequencies
    compact: CompactCompared
    if prune:
        staged = compare_in_stages(
            records, settings, compare, chunk_pairs * CHUNKS_PER_BATCH, chunk_pairs, frozen
        )
        blocking, compact, weights = staged.blocking, staged.compared, staged.weights
        # The bound counted (or read) the frequencies scoring reads.
        frequencies, pruned = staged.frequencies, int(staged.pruned.sum())
    else:
        blocking, compact, weights = compared_and_weighed(
            records,
            settings,
            compare,
            chunk_pairs * CHUNKS_PER_BATCH,
            None if frozen is None else frozen.weights,
        )
        pruned = 0
    report = MatchReport(
        mode="full",
        reason=reason,
        records=records.height,
        changed=records.height if changes is None else changes.changed.len(),
        removed=0 if changes is None else changes.removed,
        compared_pairs=compact.height,
        reused_pairs=0,
        candidate_pairs=compact.height,
        pairs_per_rule=blocking.pairs_per_rule,
        pruned_pairs=pruned,
    )
    return blocking, compact, report, weights, frequencies


def _plan(
    records: pl.DataFrame,
    fingerprints: pl.DataFrame,
    settings: MatchingConfig,
    current: dict[str, str],
    previous: Path | None,
    full: bool,
    now: datetime,
) -> tuple[MatchCache | None, _Changes | None, str, _Reused | None]:
    """(cache to use or None, changes since the cached run or None, reason of the mode, the
    cached pairs to reuse or None)."""
    if full:
        return None, None, "full recompute requested (golden run --full)", None
    if previous is None or not previous.exists():
        return (
            None,
            None,
            "no match cache from a previous run (first run, or an older version)",
            None,
        )
    try:
        cache = load_match_cache(previous, pairs=False)
    except CacheUnusable as exc:
        return None, None, f"match cache unusable ({exc}); this run writes a new one", None
    changes = _changes(fingerprints, cache.fingerprints)
    reason = _full_reason(records, settings, current, cache, changes, now)
    if reason is not None:
        return None, changes, reason, None
    try:
        reused = _reusable(previous / "compared.parquet", cache, fingerprints, changes)
    except CacheUnusable as exc:
        return None, changes, f"match cache unusable ({exc}); this run writes a new one", None
    changed = changes.changed.len()
    share = 100.0 * changed / records.height
    return (
        cache,
        changes,
        f"{changed} of {records.height} records new or changed ({share:.1f}%)",
        reused,
    )


def _full_reason(
    records: pl.DataFrame,
    settings: MatchingConfig,
    current: dict[str, str],
    cache: MatchCache,
    changes: _Changes,
    now: datetime,
) -> str | None:
    """Why this run must match in full although a cache is there (None: it need not)."""
    differing = [name for name in SETTING_LABELS if cache.settings.get(name) != current[name]]
    if differing:
        what = ", ".join(SETTING_LABELS[name] for name in differing)
        return f"{what} changed since the last run"
    if cache.rule_names != tuple(settings.blocking_rules):
        return "match cache unusable (its blocking rules are not the settings' ones)"
    if records.height == 0:
        return "no records to match"
    every = settings.full_run_every_days
    if every and cache.weights_since is None:
        return "the cached weights' age is unknown (cache of an older version)"
    if every and cache.weights_since is not None and now - cache.weights_since > timedelta(every):
        age = (now - cache.weights_since).days
        return (
            f"weights estimated {age} days ago, more than [matching] full_run_every_days = "
            f"{every}: fresh weights (EM)"
        )
    changed = changes.changed.len()
    share = 100.0 * changed / records.height
    limit = settings.incremental_max_changed_percent
    if share > limit:
        return (
            f"{changed} of {records.height} records new or changed ({share:.1f}%), more than "
            f"[matching] incremental_max_changed_percent = {limit:g}"
        )
    return None


def _changes(current: pl.DataFrame, cached: pl.DataFrame) -> _Changes:
    """Records unchanged (same fingerprint), new or changed, and how many are gone."""
    same = current.join(cached, on=["record_key", "fingerprint_1", "fingerprint_2"], how="semi")
    changed = current.join(same, on="record_key", how="anti")["record_key"]
    removed = cached.join(current, on="record_key", how="anti").height
    return _Changes(unchanged=same.select("record_key"), changed=changed, removed=removed)


def _reusable(
    path: Path, cache: MatchCache, fingerprints: pl.DataFrame, changes: _Changes
) -> _Reused:
    """The cached pairs whose two records are unchanged, renumbered to today's records
    (``fingerprints``' order), read a row group at a time.

    Both numberings follow record_key order, so the unchanged records keep their order and
    the renumbered pairs stay sorted (left < right too).
    """
    today = fingerprints.select("record_key").with_row_index("place")
    unchanged = today.join(changes.unchanged, on="record_key", how="semi")
    renumber = (
        cache.fingerprints.select("record_key")
        .join(unchanged, on="record_key", how="left", maintain_order="left")
        .select(pl.col("place").cast(pl.Int64).fill_null(-1))
        .to_series()
        .to_numpy()
    )
    parts = []
    rows = cache.pairs.height if cache.stored_pairs is None else cache.stored_pairs
    for batch in _pair_batches(path, rows):
        left = renumber[batch["left"].to_numpy()]
        right = renumber[batch["right"].to_numpy()]
        keep = (left >= 0) & (right >= 0)
        parts.append(
            batch.filter(pl.Series(keep)).with_columns(
                pl.Series("left", left[keep], dtype=pl.UInt32),
                pl.Series("right", right[keep], dtype=pl.UInt32),
            )
        )
    if not parts:
        return _Reused(pl.DataFrame(schema=CACHED_SCHEMA), renumber)
    return _Reused(pl.concat(parts), renumber)


def _pairs_file(path: Path, rows: int) -> pq.ParquetFile:
    """compared.parquet opened, with ``rows`` rows (the manifest's) and CACHED_SCHEMA's
    columns; raise CacheUnusable saying what is wrong."""
    try:
        file = pq.ParquetFile(path)
        columns = pl.from_arrow(file.schema_arrow.empty_table())
    except (OSError, pa.ArrowException, pl.exceptions.PolarsError) as exc:
        raise CacheUnusable(f"{path.name} unreadable: {type(exc).__name__}") from None
    found = file.metadata.num_rows
    if found != rows:
        raise CacheUnusable(f"{path.name} holds {found} rows, the manifest says {rows}")
    assert isinstance(columns, pl.DataFrame)
    if dict(columns.schema) != CACHED_SCHEMA:
        raise CacheUnusable(f"{path.name} has other columns than expected")
    return file


def _pair_batches(path: Path, rows: int) -> Iterator[pl.DataFrame]:
    """compared.parquet a row group at a time (checked as ``_pairs_file`` does)."""
    file = _pairs_file(path, rows)
    for group in range(file.num_row_groups):
        try:
            batch = pl.from_arrow(file.read_row_group(group))
        except (OSError, pa.ArrowException, pl.exceptions.PolarsError) as exc:
            raise CacheUnusable(f"{path.name} unreadable: {type(exc).__name__}") from None
        assert isinstance(batch, pl.DataFrame)
        yield batch


def pairs_without(pairs: pl.DataFrame, dropped: pl.Series) -> pl.DataFrame:
    """compared.parquet's ``pairs`` without those of the records ``dropped`` (bool per row of
    records.parquet), renumbered to records.parquet without those rows (an erasure)."""
    keep = (~dropped).to_numpy()
    place = np.cumsum(keep) - 1
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    both = keep[left] & keep[right]
    return pairs.filter(pl.Series(both)).with_columns(
        pl.Series("left", place[left[both]], dtype=pl.UInt32),
        pl.Series("right", place[right[both]], dtype=pl.UInt32),
    )


def write_match_cache(folder: Path, cache: MatchCache, run_id: str = "") -> None:
    """Write the cache into ``folder`` (inside a staging run folder); the manifest last.

    compared.parquet is written a row group (PAIRS_PER_ROW_GROUP pairs) at a time.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cache.fingerprints.write_parquet(folder / "records.parquet")
    pairs = cache.pairs.select(list(CACHED_SCHEMA))
    schema = pairs.head(0).to_arrow().schema
    with pq.ParquetWriter(folder / "compared.parquet", schema, compression="zstd") as writer:
        for start in range(0, max(pairs.height, 1), PAIRS_PER_ROW_GROUP):
            writer.write_table(pairs.slice(start, PAIRS_PER_ROW_GROUP).to_arrow())
    cache.oversized.write_parquet(folder / "oversized.parquet")
    key_rows = None
    if cache.keys is not None:
        key_rows = write_keys(folder / KEYS_FILE, cache.keys, cache.rule_names)
    if cache.owners is not None:
        cache.owners.write_parquet(folder / "owners.parquet")
    if cache.tables is not None:
        write_tables(folder, cache.tables)
    manifest: dict[str, object] = {
        "format": CACHE_FORMAT,
        "run_id": run_id,
        "weights_since": cache.weights_since.isoformat() if cache.weights_since else None,
        "settings": cache.settings,
        "rule_names": list(cache.rule_names),
        "weights": {"prior": cache.weights.prior, "levels": cache.weights.levels},
        "rows": {
            "records": cache.fingerprints.height,
            "compared": cache.pairs.height,
            "oversized": cache.oversized.height,
        },
    }
    if cache.owners is not None and cache.owners_digest is not None:
        # In "rows", as every file: an erasure (flows.scrub) drops the person's rows there too.
        manifest["rows"]["owners"] = cache.owners.height  # type: ignore[index]
        manifest["owners_digest"] = cache.owners_digest
    if key_rows is not None:
        manifest["rows"]["keys"] = sum(key_rows.values())  # type: ignore[index]
        manifest["key_rows"] = key_rows
    write_manifest(folder, manifest)


def load_match_cache(folder: Path, *, pairs: bool = True) -> MatchCache:
    """Read a cache written by ``write_match_cache``; raise CacheUnusable saying what is wrong.

    Without ``pairs`` compared.parquet is only checked (rows, columns) and ``pairs`` left
    empty: an incremental run reads it a row group at a time (``_reusable``).
    """
    data, settings, weights, rows, weights_since = _manifest(folder)
    fingerprints = read_frame(
        folder / "records.parquet", rows["records"], _FINGERPRINT_SCHEMA, CacheUnusable
    )
    if fingerprints["record_key"].n_unique() != fingerprints.height:
        raise CacheUnusable("records.parquet repeats a record_key")
    if not fingerprints["record_key"].is_sorted():
        raise CacheUnusable("records.parquet is not in record_key order")
    rule_names = data.get("rule_names")
    if not isinstance(rule_names, list) or not all(isinstance(name, str) for name in rule_names):
        raise CacheUnusable(f"{MANIFEST}: 'rule_names' missing or damaged")
    oversized = read_frame(
        folder / "oversized.parquet", rows["oversized"], _OVERSIZED_SCHEMA, CacheUnusable
    )
    path = folder / "compared.parquet"
    compared = pl.DataFrame(schema=CACHED_SCHEMA)
    if pairs:
        batches = list(_pair_batches(path, rows["compared"]))
        compared = pl.concat(batches) if batches else compared
    else:
        _pairs_file(path, rows["compared"])
    try:
        tables = load_tables(folder)
    except TablesUnusable as exc:
        raise CacheUnusable(str(exc)) from None
    owners, owners_digest = _owners(folder, data)
    return MatchCache(
        fingerprints=fingerprints,
        pairs=compared,
        rule_names=tuple(rule_names),
        oversized=oversized,
        weights=_weights(weights),
        settings=settings,
        weights_since=weights_since,
        stored_pairs=None if pairs else rows["compared"],
        tables=tables,
        owners=owners,
        owners_digest=owners_digest,
        key_rows=_key_rows(data),
    )


def _key_rows(manifest: dict[str, object]) -> dict[str, int] | None:
    """The manifest's rows per rule of keys.parquet (None: none kept, or damaged: the night
    then makes every record's keys, it does not fail)."""
    rows, total = manifest.get("key_rows"), manifest.get("rows")
    if not isinstance(rows, dict) or not isinstance(total, dict):
        return None
    if not all(isinstance(name, str) and isinstance(count, int) for name, count in rows.items()):
        return None
    if total.get("keys") != sum(rows.values()):
        return None
    return dict(rows)


def _kept_keys(
    folder: Path, cache: MatchCache, renumber: np.ndarray
) -> Callable[[str], pl.DataFrame | None] | None:
    """Per rule, the cached block-key hashes of the records unchanged since ``cache``'s run,
    at today's places (``renumber``), read a rule at a time; None when the cache keeps none
    or its keys.parquet does not fit the manifest: blocking then makes every record's keys."""
    path = folder / KEYS_FILE
    if cache.key_rows is None:
        return None
    try:
        stored = pq.ParquetFile(path).metadata.num_rows
    except (OSError, pa.ArrowException):
        return None
    if stored != sum(cache.key_rows.values()):
        return None
    key_rows = cache.key_rows
    bits = {name: bit for bit, name in enumerate(cache.rule_names)}

    def kept(name: str) -> pl.DataFrame | None:
        if name not in key_rows or name not in bits:
            return None
        keys = read_rule_keys(path, bits[name], key_rows[name])
        return None if keys is None else renumbered(keys, renumber)

    return kept


_ROW_COUNTS = ("records", "compared", "oversized")


def _owners(folder: Path, manifest: dict[str, object]) -> tuple[pl.DataFrame | None, str | None]:
    """owners.parquet and the digest it was decided from (None, None: a cache from before that
    keeps none; the night decides them again)."""
    digest = manifest.get("owners_digest")
    if digest is None:
        return None, None
    if not isinstance(digest, str):
        raise CacheUnusable(f"{MANIFEST}: 'owners_digest' damaged")
    rows = row_counts(manifest, ("owners",), CacheUnusable)["owners"]
    owners = read_frame(folder / "owners.parquet", rows, _OWNERS_SCHEMA, CacheUnusable)
    return owners, digest


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
) -> tuple[dict[str, object], dict[str, str], dict[str, object], dict[str, int], datetime | None]:
    """(manifest, settings, weights, row counts, weights_since) from manifest.json, checked."""
    data = read_manifest(folder, CACHE_FORMAT, CacheUnusable)
    settings, weights = data.get("settings"), data.get("weights")
    if not isinstance(settings, dict) or not all(
        isinstance(value, str) for value in settings.values()
    ):
        raise CacheUnusable(f"{MANIFEST}: 'settings' missing or damaged")
    if not isinstance(weights, dict):
        raise CacheUnusable(f"{MANIFEST}: 'weights' missing")
    counts = row_counts(data, _ROW_COUNTS, CacheUnusable)
    return data, settings, weights, counts, _moment(data.get("weights_since"))


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
