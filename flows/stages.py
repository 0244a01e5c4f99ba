"""The pipeline stages as plain functions; flows.nightly wraps each in a Prefect task.

silos -> extract -> map (canonical) -> clean -> validate -> match -> cluster -> golden records
(stable ids) -> staleness -> publish. Stages exchange polars frames; none reaches back into an
earlier one. Nothing here logs record values (personal data), only counts.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any, Protocol, TypeVar

import polars as pl

from cleaners import clean_records
from cleaners.distinct_memo import CACHE_FOLDER as MAP_CACHE_FOLDER
from cleaners.distinct_memo import DistinctMemo, load_memo
from cleaners.incremental import CACHE_FOLDER as CLEAN_CACHE_FOLDER
from cleaners.incremental import (
    CleanCache,
    CleanReport,
    CleanSettings,
    clean_reusing,
    identifying_expression,
    known_record_hashes,
)
from cleaners.mapping import map_silo
from cleaners.outcome import CleanResult, finding_rows
from flows.connectors import SiloExtract
from flows.connectors.result import EMPTY_ROW
from flows.state import StateStore
from matching.blocking import BlockingResult
from matching.cluster_reuse import CACHE_FOLDER as CLUSTER_CACHE_FOLDER
from matching.cluster_reuse import (
    STRENGTH,
    ClusterCache,
    ClusterCacheUnusable,
    ClusterReport,
    ReusedClusters,
    in_merge_order,
    link_frame,
    load_cluster_cache,
    model_key,
    new_cache,
    pair_digests,
    split_components,
    touched_records,
    with_strength,
)
from matching.clustering import (
    REFUSED_SCHEMA,
    ClusterResult,
    coherent_clusters,
    complete_pairs,
    connected_components,
)
from matching.comparisons import (
    compare_pairs,
    comparison_attributes,
    domain_owners,
    is_prepared,
)
from matching.decisions import latest_decisions, mark_decided
from matching.golden_reuse import CACHE_FOLDER as GOLDEN_CACHE_FOLDER
from matching.golden_reuse import build_reusing
from matching.incremental import CACHE_FOLDER, MatchCache, MatchReport, match_records
from matching.kept_pairs import chunk_pairs_for
from matching.overrides import resolve_overrides
from matching.partitions import concat_compared, pair_partitions
from matching.scoring import MatchWeights
from matching.stable_ids import IdAssignment, assign_golden_ids, linked_golden_id_links
from matching.staleness import flag_stale
from matching.survivorship import GoldenResult, build_golden_records
from reports.dq_scores import DQResults, blocking_problems
from rules.canonical import (
    FINDINGS_SCHEMA,
    QUARANTINE_SCHEMA,
    empty_findings,
    record_hashes,
    record_key,
    split_record_key,
)
from rules.config import GoldenConfig, SiloConfig
from rules.errors import StageError

log = logging.getLogger("golden.stages")

Result = TypeVar("Result")


class MapParts(Protocol):
    """Runs ``function(*part)`` for every part of a stage and returns the results in part order.

    ``sizes`` (in ``unit``: rows, pairs) are each part's work, for progress. The runner decides
    where parts run: one after the other here, as tasks on a Dask cluster in flows.nightly.
    """

    def __call__(
        self,
        stage: str,
        function: Callable[..., Result],
        parts: Sequence[tuple[Any, ...]],
        sizes: Sequence[int],
        unit: str,
    ) -> list[Result]: ...


def in_order(
    stage: str,
    function: Callable[..., Result],
    parts: Sequence[tuple[Any, ...]],
    sizes: Sequence[int],
    unit: str,
) -> list[Result]:
    """MapParts that runs the parts one after the other in this process."""
    return [function(*part) for part in parts]


@dataclass(frozen=True)
class SiloCounts:
    """Row accounting of one silo: rows_read == quarantined + records."""

    silo: str
    rows_read: int
    quarantined: int
    records: int


def counts_after_quarantine(
    counts: Mapping[str, SiloCounts], per_silo: Mapping[str, int]
) -> dict[str, SiloCounts]:
    """The silos' row accounting once ``per_silo`` more of their records went to quarantine."""
    return {
        name: SiloCounts(
            name,
            silo.rows_read,
            silo.quarantined + per_silo.get(name, 0),
            silo.records - per_silo.get(name, 0),
        )
        for name, silo in counts.items()
    }


@dataclass(frozen=True)
class Prepared:
    """All silos mapped onto the canonical model, with every unusable row in quarantine."""

    canonical: pl.DataFrame
    quarantine: pl.DataFrame
    counts: dict[str, SiloCounts] = field(default_factory=dict)
    #: FINDINGS_SCHEMA rows for values the connectors changed (encoding, mojibake, controls).
    findings: pl.DataFrame = field(default_factory=empty_findings)
    #: the values parsed by mapping, for the next run (None when incremental runs are off)
    memo: DistinctMemo | None = None


@dataclass(frozen=True)
class Cleaned:
    """Cleaned records ready for matching, their findings, and the updated quarantine."""

    records: pl.DataFrame
    findings: pl.DataFrame
    quarantine: pl.DataFrame
    counts: dict[str, SiloCounts]
    #: what the next run may reuse (None when incremental runs are off), and how this one cleaned
    cache: CleanCache | None = None
    report: CleanReport | None = None
    #: the last run's record hashes by values' fingerprint (cleaners.known_record_hashes)
    known_hashes: pl.DataFrame | None = None
    #: the values mapping parsed (Prepared.memo), published for the next run
    memo: DistinctMemo | None = None


@dataclass(frozen=True)
class Matched:
    """Scored candidate pairs with per-field explanations.

    ``report`` says whether the run matched in full or incrementally (and why); ``cache`` is
    what the next run may reuse, published with the run's outputs.
    """

    pairs: pl.DataFrame
    blocking: BlockingResult
    report: MatchReport | None = None
    cache: MatchCache | None = None
    weights: MatchWeights | None = None
    #: the match stage's domain owners of the pairs' records (matching.chunked_match.record_owners)
    owners: pl.DataFrame | None = None


def prepare(config: GoldenConfig, extracts: list[SiloExtract], full: bool = False) -> Prepared:
    """Map every silo's raw rows onto the canonical model; unmappable rows go to quarantine.

    With incremental runs on ([matching] incremental), address lines and full names the last
    published run parsed are looked up in its map cache (cleaners.distinct_memo) unless
    ``full``; the result is the same.
    """
    frames, quarantines, findings, counts = [], [], [], {}
    silos = {silo.name: silo for silo in config.enabled_silos()}
    memo = None
    if config.matching.incremental:
        memo, reason = load_memo(None if full else config.output_dir / "latest" / MAP_CACHE_FOLDER)
        if reason:
            log.info("mapping: every value parsed: %s", reason)
    for extract in extracts:
        mapped = map_silo(extract.frame, silos[extract.silo], memo)
        frames.append(mapped.records)
        findings.append(connector_findings(extract, silos[extract.silo], mapped.records))
        quarantined = pl.concat([extract.quarantine.cast(QUARANTINE_SCHEMA), mapped.quarantine])  # type: ignore[arg-type]
        quarantines.append(quarantined)
        counts[extract.silo] = SiloCounts(
            extract.silo, extract.rows_read, quarantined.height, mapped.records.height
        )
        log.info(
            "silo %s: %d rows read, %d quarantined",
            extract.silo,
            extract.rows_read,
            quarantined.height,
        )
    return Prepared(
        canonical=pl.concat(frames) if frames else pl.DataFrame(),
        quarantine=pl.concat(quarantines)
        if quarantines
        else pl.DataFrame(schema=QUARANTINE_SCHEMA),
        counts=counts,
        findings=pl.concat(findings) if findings else empty_findings(),
        memo=memo,
    )


def connector_findings(
    extract: SiloExtract, silo: SiloConfig, records: pl.DataFrame
) -> pl.DataFrame:
    """The connector's findings with record key and source id (null for quarantined rows);
    ``field`` is the canonical field a source column is mapped to, else the column's name."""
    fields: dict[str, str] = {}
    for canonical, columns in silo.mapping.items():
        for column in columns if isinstance(columns, list) else [columns]:
            fields.setdefault(column, canonical)
    keys = records.select("row_number", "record_key", "source_id")
    findings = extract.findings.join(keys, on="row_number", how="left", maintain_order="left")
    return finding_rows(
        findings.with_columns(silo=pl.lit(extract.silo)),
        pl.col("column").replace(fields).fill_null("(row)"),
        reason=pl.col("reason"),
        value=pl.col("value"),
        status=pl.col("status"),
    )


def clean_settings(config: GoldenConfig) -> CleanSettings:
    """The settings of golden.toml that cleaning reads."""
    silos = config.enabled_silos()
    return CleanSettings(
        default_country=config.project.default_country,
        silo_countries={silo.name: silo.country for silo in silos if silo.country},
        date_formats={silo.name: silo.date_format for silo in silos},
    )


def clean_part(config: GoldenConfig, canonical: pl.DataFrame, today: date) -> CleanResult:
    """Normalize one partition of canonical rows (cleaning reads each row on its own)."""
    settings = clean_settings(config)
    return clean_records(
        canonical,
        default_country=settings.default_country,
        silo_countries=settings.silo_countries,
        date_formats=settings.date_formats,
        today=today,
    )


def clean(
    config: GoldenConfig,
    prepared: Prepared,
    today: date,
    map_parts: MapParts = in_order,
    full: bool = False,
) -> Cleaned:
    """Normalize every record; records with nothing identifying left go to quarantine.

    Rows are cleaned in partitions of ``[project] partition_rows`` (``map_parts`` runs them);
    their results, concatenated in row order, are those of one call over all rows. With
    incremental runs on ([matching] incremental), rows unchanged since the last published run
    are taken from its clean cache (cleaners.incremental) unless ``full``; the result is the same.
    """
    size = config.project.partition_rows

    def clean_rows(canonical: pl.DataFrame) -> CleanResult:
        parts = [
            (config, canonical.slice(start, size), today)
            for start in range(0, max(canonical.height, 1), size)
        ]
        results = map_parts("clean", clean_part, parts, [part[1].height for part in parts], "rows")
        # One contiguous block each, whatever process cleaned a part (see concat_compared).
        return CleanResult(
            pl.concat([part.frame for part in results], rechunk=True),
            pl.concat([part.findings for part in results], rechunk=True),
        )

    cache, report, known_hashes = None, None, None
    if config.matching.incremental:
        outcome = clean_reusing(
            prepared.canonical,
            clean_settings(config),
            today,
            None if full else config.output_dir / "latest" / CLEAN_CACHE_FOLDER,
            size,
            clean_rows,
        )
        result, cache, report = outcome.result, outcome.cache, outcome.report
        known_hashes = outcome.known_hashes
        log.info(report.log_line())
    else:
        result = clean_rows(prepared.canonical)
    identifying = identifying_expression()
    frame = result.frame
    empty = frame.filter(~identifying)
    quarantine = pl.concat(
        [
            prepared.quarantine,
            empty.select(
                "silo",
                "source_id",
                "row_number",
                pl.lit(None, dtype=pl.String).alias("field"),
                pl.lit(
                    "no name, organisation, e-mail, phone or personal id left after cleaning"
                ).alias("reason"),
                pl.lit(None, dtype=pl.String).alias("raw"),
            ),
        ]
    )
    counts = counts_after_quarantine(
        prepared.counts, dict(empty.group_by("silo").len().iter_rows())
    )
    return Cleaned(
        records=frame.filter(identifying).sort("record_key"),
        findings=pl.concat(
            [prepared.findings, result.findings.cast(FINDINGS_SCHEMA)]  # type: ignore[arg-type]
        ),
        quarantine=quarantine,
        counts=counts,
        cache=cache,
        report=report,
        known_hashes=known_hashes,
        memo=prepared.memo,
    )


def validate(config: GoldenConfig, cleaned: Cleaned, dq: DQResults | None = None) -> list[str]:
    """Apply the blocking DQ rules: raise StageError if one fails; return non-blocking warnings.

    ``dq`` (the DQ check results) adds the invalid-value thresholds of [dq].
    """
    failures: list[str] = []
    warnings: list[str] = []
    # Blank rows (exports often end in many) are quarantined but say nothing about quality.
    blank = dict(
        cleaned.quarantine.filter(pl.col("reason") == EMPTY_ROW).group_by("silo").len().iter_rows()
    )
    for name, counts in sorted(cleaned.counts.items()):
        if counts.rows_read - blank.get(name, 0) == 0:
            message = f"silo '{name}' delivered 0 rows"
            (failures if config.dq.fail_if_silo_empty else warnings).append(message)
            continue
        share = (
            100.0
            * (counts.quarantined - blank.get(name, 0))
            / (counts.rows_read - blank.get(name, 0))
        )
        if share > config.dq.max_quarantine_percent:
            failures.append(
                f"silo '{name}': {share:.1f}% of rows quarantined "
                f"(limit {config.dq.max_quarantine_percent:g}% in [dq] max_quarantine_percent)"
            )
    if dq is not None:
        failures.extend(blocking_problems(dq, config.dq))
    if failures:
        raise StageError(
            "blocking data-quality rule failed: "
            + "; ".join(failures)
            + " — the previous output stays published; fix the silo or the rule in golden.toml"
        )
    return warnings


def match(
    config: GoldenConfig,
    cleaned: Cleaned,
    full: bool = False,
    map_parts: MapParts = in_order,
    keep_model: bool = False,
) -> Matched:
    """Candidate pairs by blocking, compared field by field and scored.

    Incremental when the last published run's match cache fits (matching.incremental): only
    pairs touching new or changed records are compared. ``full`` forces a full recompute.
    Blocking sees all records; the pairs are compared in partitions of ``[project]
    partition_pairs`` (matching.partitions), run by ``map_parts``. ``keep_model`` with ``full``
    scores with the last full run's weights and term frequencies (matching.frozen_model).
    """

    # Each partition is compared chunk by chunk too: memory follows the chunk ([project]
    # memory_limit), the partition is the unit of work spread over processes.
    chunk_pairs = chunk_pairs_for(config.project.memory_limit_bytes())

    def compare(
        pairs: pl.DataFrame, records: pl.DataFrame, owners: pl.DataFrame | None = None, /
    ) -> pl.DataFrame:
        # Prepared once for all partitions, not once per partition, and only for the records
        # of a pair: an incremental night compares the pairs of 1 % of the records.
        # Records prepared already (a chunked match's batches) are cut by pair_partitions
        # alone: filtering them here first copied most of a million wide rows per batch.
        keys = pl.concat([pairs["left_key"], pairs["right_key"]]).unique()
        if keys.len() < records.height and not is_prepared(records):
            # A business domain's owner is decided over every record, not the subset
            # (``owners``: matching.incremental decided them already, for its reused pairs too).
            if owners is None:
                owners = domain_owners(records)
            records = records.filter(pl.col("record_key").is_in(keys.implode()))
        attributes = comparison_attributes(records, owners)
        partitions = pair_partitions(pairs, attributes, config.project.partition_pairs)
        compared = map_parts(
            "match",
            partial(compare_pairs, chunk_pairs=chunk_pairs),
            [(part.pairs, part.records) for part in partitions],
            [part.size for part in partitions],
            "pairs",
        )
        return concat_compared(compared)

    previous = config.output_dir / "latest" / CACHE_FOLDER
    outcome = match_records(
        cleaned.records,
        config.matching,
        previous,
        full=full,
        chunk_pairs=chunk_pairs,
        keep_all_pairs=config.project.write_all_pairs,
        compare=compare,
        keep_model=keep_model,
    )
    log.info(outcome.report.log_line())
    log.info(
        "matching: %d candidate pairs scored, %d kept",
        outcome.report.compared_pairs + outcome.report.reused_pairs,
        outcome.pairs.height,
    )
    for adjustment in outcome.blocking.adjustments:
        log.info("blocking: %s", adjustment.describe())
    return Matched(
        pairs=outcome.pairs,
        blocking=outcome.blocking,
        report=outcome.report,
        cache=outcome.cache,
        weights=outcome.weights,
        owners=outcome.owners,
    )


def cluster(
    config: GoldenConfig,
    cleaned: Cleaned,
    matched: Matched,
    decisions: pl.DataFrame | None = None,
    links: pl.DataFrame | None = None,
) -> ClusterResult:
    """Entities from the pairs at or above the match threshold, coherent as groups.

    ``decisions`` (flows.state.DECISIONS_SCHEMA) are the reviewers' decisions: approved pairs
    are must-links, rejected pairs cannot-links that no third record can bridge either.
    ``links`` (left_key, right_key) are further must-links: records carrying a golden id
    (see golden_id_links). See matching.clustering for what makes a merge coherent.

    With incremental matching on, the result also carries a cluster cache: an incremental
    night clusters only the connected components it touched and takes the others from the
    last run's cache (matching.cluster_reuse); the clusters are the same.
    """
    must_link, rejected = decision_links(decisions)
    if links is not None and links.height:
        must_link = pl.concat([must_link, links.select("left_key", "right_key")]).unique()
    cache = matched.cache
    if cache is None:  # incremental runs off: no run reads a cluster cache
        return _cluster_all(config, cleaned.records, matched, must_link, rejected)[0]
    key = model_key(cache.settings, cache.weights, cache.tables.totals if cache.tables else None)
    digests = pair_digests(matched.pairs)
    link_rows = link_frame(must_link, rejected)
    previous, reason = _previous_clusters(config, matched, key)
    records = cleaned.records
    if previous is None:
        result, completed = _cluster_all(config, records, matched, must_link, rejected)
        refused = with_strength(result.refused, _strength(completed, result.refused))
        report = ClusterReport("full", reason, records.height, records.height)
    else:
        touched = touched_records(cache.fingerprints, digests, link_rows, previous)
        accepted = pl.concat(
            [
                matched.pairs.filter(
                    pl.col("probability") >= config.matching.match_threshold
                ).select("left_key", "right_key"),
                must_link.select("left_key", "right_key"),
            ]
        )
        split = split_components(records["record_key"], accepted, touched, previous)
        keys = split.clustered.implode()

        def inside(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.filter(pl.col("left_key").is_in(keys) & pl.col("right_key").is_in(keys))

        part, completed = _cluster_all(
            config,
            records.filter(pl.col("record_key").is_in(keys)),
            replace(matched, pairs=inside(matched.pairs)),
            inside(must_link),
            inside(rejected),
        )
        refused = in_merge_order(
            pl.concat(
                [split.refused, with_strength(part.refused, _strength(completed, part.refused))]
            )
        )
        result = ClusterResult(
            pl.concat([split.clusters, part.clusters]).sort("record_key"),
            refused.drop(STRENGTH),
        )
        report = ClusterReport(
            "incremental",
            "the last run's cluster cache fits",
            records.height,
            split.clustered.len(),
            split.touched,
        )
        log.info(
            "clustering: %d of %d records in components touched by %d changed records",
            split.clustered.len(),
            records.height,
            split.touched,
        )
    return ReusedClusters(
        result.clusters,
        result.refused,
        cache=new_cache(key, cache.fingerprints, digests, link_rows, result, refused),
        report=report,
    )


def _previous_clusters(
    config: GoldenConfig, matched: Matched, key: str
) -> tuple[ClusterCache | None, str]:
    """The last run's cluster cache when this run may take clusters from it, else why not."""
    if matched.report is None or matched.report.mode != "incremental":
        return None, "matched in full: every component clustered"
    try:
        previous = load_cluster_cache(config.output_dir / "latest" / CLUSTER_CACHE_FOLDER)
    except ClusterCacheUnusable as exc:
        return None, f"no usable cluster cache ({exc})"
    if previous.key != key:
        return None, "the cluster cache was made with another match model or settings"
    return previous, ""


def _strength(completed: pl.DataFrame, refused: pl.DataFrame) -> pl.DataFrame:
    """left_key, right_key, the strength coherent_clusters orders refused merges by."""
    column = "score" if "score" in completed.columns else "probability"
    return (
        completed.join(refused.select("left_key", "right_key"), on=["left_key", "right_key"])
        .select("left_key", "right_key", pl.col(column).alias(STRENGTH))
        .unique(["left_key", "right_key"], keep="first", maintain_order=True)
    )


def _cluster_all(
    config: GoldenConfig,
    records: pl.DataFrame,
    matched: Matched,
    must_link: pl.DataFrame,
    rejected: pl.DataFrame,
) -> tuple[ClusterResult, pl.DataFrame]:
    """Cluster every component of ``records``: the result and the pairs it weighed."""
    settings = config.matching
    record_keys = records["record_key"]
    pairs = matched.pairs
    if not settings.split_weak_links:
        if must_link.height + rejected.height == 0:
            accepted = pairs.filter(pl.col("probability") >= settings.match_threshold)
            return ClusterResult(
                connected_components(record_keys, accepted), pl.DataFrame(schema=REFUSED_SCHEMA)
            ), pairs
        # Only the reviewers' decisions constrain the components then.
        plain = pairs.select(
            "left_key",
            "right_key",
            "probability",
            pl.lit(None, dtype=pl.String).alias("hard_rule"),
            pl.lit(None, dtype=pl.Int8).alias("first_name_level"),
            pl.lit(None, dtype=pl.Int8).alias("gender_level"),
            pl.lit(None, dtype=pl.Int8).alias("birth_date_level"),
        )
        return coherent_clusters(
            record_keys, plain, settings.match_threshold, 0.0, rejected, must_link
        ), plain
    if settings.cannot_link_below > 0:
        pairs = pairs.with_columns(
            pl.when(pl.col("probability") < settings.cannot_link_below)
            .then(pl.lit("no_match: below [matching] cannot_link_below"))
            .otherwise(pl.col("hard_rule"))
            .alias("hard_rule")
        )
    weights = matched.weights or MatchWeights.defaults()
    completed = complete_pairs(
        record_keys,
        pairs,
        records,
        weights,
        settings.hard_rules,
        settings.match_threshold,
        owners=matched.owners,
    )
    return coherent_clusters(
        record_keys,
        completed,
        settings.match_threshold,
        settings.group_linkage,
        cannot_link=rejected,
        must_link=must_link,
    ), completed


def decision_links(decisions: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(must_link, cannot_link) frames of left_key, right_key; the latest decision per pair wins."""
    latest = latest_decisions(decisions)
    return (
        latest.filter(pl.col("decision") == "approve").select("left_key", "right_key"),
        latest.filter(pl.col("decision") == "reject").select("left_key", "right_key"),
    )


def golden_id_links(state: StateStore, cleaned: Cleaned) -> pl.DataFrame:
    """Must-links for records whose silo carries a golden id (``linked_golden_id``).

    A golden id merged into another one since is followed to the survivor; ids this state
    store never issued (or retired without a successor) are counted in the log and otherwise
    ignored: the record is matched on its values like any other.
    """
    records = cleaned.records
    if "linked_golden_id" not in records.columns or records["linked_golden_id"].is_null().all():
        return pl.DataFrame(schema={"left_key": pl.String(), "right_key": pl.String()})
    previous = state.load_crosswalk().select(
        record_key(pl.col("silo"), pl.col("source_id")).alias("record_key"), "golden_id"
    )
    found = linked_golden_id_links(records, previous, state.load_golden_ids())
    if found.unknown:
        log.warning(
            "%d record(s) carry a golden id this state store does not know; matched on values",
            found.unknown,
        )
    if found.redirected:
        log.info(
            "%d record(s) carry a merged-away golden id; linked to its survivor", found.redirected
        )
    return found.links


def assign_ids(state: StateStore, clusters: pl.DataFrame) -> IdAssignment:
    """Stable golden ids from the previous run's crosswalk in the state store."""
    previous = state.load_crosswalk().select(
        record_key(pl.col("silo"), pl.col("source_id")).alias("record_key"), "golden_id"
    )
    return assign_golden_ids(clusters, previous, state.load_golden_ids())


def review_overrides(
    state: StateStore, cleaned: Cleaned, ids: IdAssignment
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(applied, dropped) reviewers' survivorship overrides for this run (matching.overrides).

    A stored golden id merged away, in an earlier run or this one, is followed to its survivor.
    """
    stored = state.load_overrides()
    if stored.height == 0:  # no choices: no need to read every id ever issued
        return resolve_overrides(None, ids.assignment, cleaned.records)
    issued = state.load_golden_ids().filter(pl.col("redirect_to").is_not_null())
    redirects = dict(issued.select("golden_id", "redirect_to").iter_rows())
    redirects.update(
        ids.redirects.filter(pl.col("redirect_to").is_not_null())
        .select("golden_id", "redirect_to")
        .iter_rows()
    )
    return resolve_overrides(stored, ids.assignment, cleaned.records, redirects)


def golden_records(
    config: GoldenConfig,
    cleaned: Cleaned,
    ids: IdAssignment,
    overrides: pl.DataFrame | None = None,
    full: bool = False,
) -> GoldenResult:
    """Survivorship per attribute group into golden records with lineage.

    ``overrides``: the reviewers' choices that hold in this run (review_overrides' applied).
    With incremental runs on, only golden records whose members or overrides changed since the
    last published run survive again (matching.golden_reuse; not when ``full``): the same
    golden records and lineage.
    """
    trust = {silo.name: silo.trust_rank for silo in config.enabled_silos()}
    if not config.matching.incremental:
        return build_golden_records(
            cleaned.records, ids.assignment, trust, config.survivorship, overrides
        )
    previous = None if full else config.output_dir / "latest" / GOLDEN_CACHE_FOLDER
    reused = build_reusing(
        cleaned.records, ids.assignment, trust, config.survivorship, overrides, previous
    )
    if reused.report is not None:
        log.info(
            "golden records: %s (%d of %d survived)",
            reused.report.reason,
            reused.report.survived,
            reused.report.golden_records,
        )
    return reused


def review_band(
    config: GoldenConfig, matched: Matched, refused: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The scored pairs the review queue lists: between review and match threshold, and the
    accepted pairs whose merge clustering refused (``refused_merge`` says why, else null)."""
    band = matched.pairs.filter(
        (pl.col("probability") >= config.matching.review_threshold)
        & (pl.col("probability") < config.matching.match_threshold)
    ).with_columns(pl.lit(None, dtype=pl.String).alias("refused_merge"))
    if refused is not None and refused.height:
        # Accepted pairs whose merge the groups' evidence refused: close calls for a reviewer.
        bridges = matched.pairs.join(
            refused.select("left_key", "right_key", pl.col("reason").alias("refused_merge")),
            on=["left_key", "right_key"],
        )
        band = pl.concat([band, bridges.select(band.columns)])
    return band


def review_hashes(
    config: GoldenConfig, matched: Matched, cleaned: Cleaned, refused: pl.DataFrame | None = None
) -> pl.DataFrame:
    """record_key, fingerprint_1, fingerprint_2, record_hash of every record in a review pair;
    hashes of records whose values are unchanged since the last run are taken from its cache."""
    band = review_band(config, matched, refused)
    keys = pl.concat([band["left_key"], band["right_key"]]).unique()
    records = cleaned.records.filter(pl.col("record_key").is_in(keys.implode()))
    return known_record_hashes(records, cleaned.known_hashes)


def review_queue(
    config: GoldenConfig,
    matched: Matched,
    ids: IdAssignment,
    cleaned: Cleaned | None = None,
    decisions: pl.DataFrame | None = None,
    refused: pl.DataFrame | None = None,
    hashes: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Uncertain pairs (between review and match threshold) with both records' golden ids.

    ``refused`` (ClusterResult.refused): pairs above the match threshold whose merge clustering
    refused join the queue with the reason in ``refused_merge`` (null for the others).

    With ``cleaned``, ``pair_hash`` fingerprints both records' values: a decision taken on a
    report whose records have changed since is refused by `golden review apply`.
    ``decisions`` (stored reviewer decisions) fill stored_decision, decided_by and decided_at:
    a pair decided in an earlier night stays in the queue, marked, and is not asked again.
    ``hashes`` (review_hashes) are the records' hashes when already made.
    """
    band = mark_decided(review_band(config, matched, refused), decisions)
    if cleaned is not None:
        band = band.with_columns(pair_hash=pair_hashes(band, cleaned.records, hashes))
    golden = ids.assignment
    return (
        band.join(
            golden.rename({"record_key": "left_key", "golden_id": "left_golden_id"}), on="left_key"
        )
        .join(
            golden.rename({"record_key": "right_key", "golden_id": "right_golden_id"}),
            on="right_key",
        )
        .select(
            *_named(split_record_key(pl.col("left_key")), "left_silo", "left_source_id"),
            *_named(split_record_key(pl.col("right_key")), "right_silo", "right_source_id"),
            "left_golden_id",
            "right_golden_id",
            pl.col("probability").round(4),
            pl.col("score").round(2),
            "rules",
            *[name for name in band.columns if name.endswith("_level")],
            *(["pair_hash"] if "pair_hash" in band.columns else []),
            "stored_decision",
            "decided_by",
            pl.col("decided_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "refused_merge",
        )
        .sort("probability", "left_silo", "left_source_id", descending=[True, False, False])
    )


def pair_hashes(
    pairs: pl.DataFrame, records: pl.DataFrame, known: pl.DataFrame | None = None
) -> pl.Series:
    """Per pair (left_key, right_key): 16 hex digits fingerprinting both records' values.

    ``known`` (record_key, record_hash; review_hashes) holds rules.canonical.record_hashes of
    the records, made already; without it they are made here.
    """
    if known is not None:
        hashes = dict(known.select("record_key", "record_hash").iter_rows())
    else:
        keys = set(pairs["left_key"].to_list()) | set(pairs["right_key"].to_list())
        hashes = record_hashes(records.filter(pl.col("record_key").is_in(list(keys))))
    return pl.Series(
        "pair_hash",
        [
            hashlib.md5(f"{hashes.get(left)}|{hashes.get(right)}".encode()).hexdigest()[:16]
            for left, right in pairs.select("left_key", "right_key").iter_rows()
        ],
        dtype=pl.String(),
    )


def staleness(
    config: GoldenConfig, cleaned: Cleaned, ids: IdAssignment, today: date
) -> pl.DataFrame:
    """Golden records that need a steward's action, with reasons, severity and due date."""
    owners = {silo.name: silo.owner for silo in config.enabled_silos() if silo.owner}
    marketing = {silo.name: silo.marketing_channels for silo in config.enabled_silos()}
    return flag_stale(
        cleaned.records,
        ids.assignment,
        cleaned.findings,
        config.staleness,
        today,
        owners,
        marketing_channels=marketing,
        language=config.project.language,
    )


def _named(parts: tuple[pl.Expr, pl.Expr], *names: str) -> list[pl.Expr]:
    return [part.alias(name) for part, name in zip(parts, names, strict=True)]
