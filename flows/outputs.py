"""What one run publishes: the frames of every stage, written as the documented output files."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from cleaners.distinct_memo import CACHE_FOLDER as MAP_CACHE_FOLDER
from cleaners.distinct_memo import write_memo
from cleaners.incremental import CACHE_FOLDER as CLEAN_CACHE_FOLDER
from cleaners.incremental import write_clean_cache
from flows.publish import write_frame, write_json
from flows.stages import Cleaned, Matched
from matching.cluster_reuse import CACHE_FOLDER as CLUSTER_CACHE_FOLDER
from matching.cluster_reuse import ReusedClusters, write_cluster_cache
from matching.comparisons import COMPARISONS
from matching.golden_reuse import CACHE_FOLDER as GOLDEN_CACHE_FOLDER
from matching.golden_reuse import ReusedGolden, write_golden_cache
from matching.incremental import CACHE_FOLDER, write_match_cache
from matching.overrides import value_hashes
from matching.stable_ids import IdAssignment
from matching.staleness import REMINDERS_SCHEMA, reminders_file, stale_columns, stale_file
from matching.survivorship import FIELD_GROUPS, GoldenResult
from reports.csv_reuse import CACHE_FOLDER as CSV_CACHE_FOLDER
from reports.csv_reuse import CsvReuse, CsvWritten
from reports.dq import DQInputs, write_dq_files, write_dq_report
from reports.dq_reuse import CACHE_FOLDER as DQ_CACHE_FOLDER
from reports.dq_reuse import DQReuse, write_dq_cache
from reports.dq_scores import HISTORY_SCHEMA, DQResults
from reports.review import (
    dropped_choices,
    member_fingerprints,
    overrides_file,
    review_groups,
    review_labels,
    value_fingerprints,
    write_review_report,
)
from reports.summary import RunSummary, merges_refused
from rules.config import GoldenConfig


@dataclass(frozen=True)
class RunOutputs:
    """Everything a run hands to publishing."""

    summary: RunSummary
    cleaned: Cleaned
    matched: Matched
    ids: IdAssignment
    golden: GoldenResult
    review: pl.DataFrame
    stale: pl.DataFrame
    previous: RunSummary | None = None
    #: DQ check results, past runs' scores and reminders (no DQ sections without them)
    dq: DQResults | None = None
    dq_history: pl.DataFrame | None = None
    reminders: pl.DataFrame | None = None
    #: accepted pairs whose merge clustering refused (matching.clustering.ClusterResult)
    refused: pl.DataFrame | None = None
    #: reviewers' survivorship overrides applied / dropped in this run (matching.overrides)
    overrides: pl.DataFrame | None = None
    overrides_dropped: pl.DataFrame | None = None
    #: hashes of the review queue's records (flows.stages.review_hashes), kept for the next run
    record_hashes: pl.DataFrame | None = None
    #: this run's DQ verdicts (reports.dq_reuse), kept for the next run; None: not kept
    dq_reuse: DQReuse | None = None
    #: this run's clusters with their cache for the next run (matching.cluster_reuse)
    clusters: ReusedClusters | None = None
    #: index the large CSV files for the next run (reports.csv_reuse), and copy unchanged rows
    #: from this published run folder (None: format every row)
    csv_index: bool = False
    csv_previous: Path | None = None

    def summary_dict(self) -> dict[str, object]:
        """summary.json: the run's counts, blocking pairs per rule and how matching ran."""
        summary = self.summary.to_dict()
        summary["pairs_per_blocking_rule"] = self.matched.blocking.pairs_per_rule
        # pairs.parquet: the kept pairs (matching.kept_pairs), of the candidate pairs counted
        # under "matching".
        summary["pairs_kept"] = self.matched.pairs.height
        summary["blocking_adjustments"] = [
            adjustment.to_dict() for adjustment in self.matched.blocking.adjustments
        ]
        if self.matched.report is not None:
            summary["matching"] = self.matched.report.to_dict()
        if self.cleaned.report is not None:
            summary["cleaning"] = self.cleaned.report.to_dict()
        if self.cleaned.memo is not None:
            summary["mapping"] = self.cleaned.memo.to_dict()
        if self.dq_reuse is not None:
            summary["dq_checking"] = self.dq_reuse.to_dict()
        if self.clusters is not None and self.clusters.report is not None:
            summary["clustering"] = self.clusters.report.to_dict()
        if isinstance(self.golden, ReusedGolden) and self.golden.report is not None:
            summary["survivorship"] = self.golden.report.to_dict()
        if self.refused is not None:
            summary["merges_refused"] = merges_refused(self.refused)
        if self.overrides is not None or self.overrides_dropped is not None:
            summary["review_overrides"] = {
                "applied": 0 if self.overrides is None else self.overrides.height,
                "dropped": 0 if self.overrides_dropped is None else self.overrides_dropped.height,
            }
        return summary

    def crosswalk(self) -> pl.DataFrame:
        """silo, source_id, golden_id for every record that went into matching.

        Made once and kept: crosswalk.csv, the DQ report, the review page and the state store
        all read it, and at a million records each join and sort costs seconds.
        """
        made = self.__dict__.get("_crosswalk")
        if made is None:
            made = (
                self.cleaned.records.select("record_key", "silo", "source_id")
                .join(self.ids.assignment, on="record_key")
                .select("silo", "source_id", "golden_id")
                .sort("silo", "source_id")
            )
            object.__setattr__(self, "_crosswalk", made)  # frozen: set once, never changed
        return made


def findings_with_rows(
    findings: pl.DataFrame, records: pl.DataFrame, quarantine: pl.DataFrame
) -> pl.DataFrame:
    """The findings (or DQ failures) with the source row of each (``row_number`` after
    ``source_id``): a steward opens the silo's file at that row. A record quarantined after
    cleaning is found by its silo and source id in the quarantine."""
    by_key = records.select("record_key", pl.col("row_number").alias("__row_kept"))
    by_id = quarantine.group_by("silo", "source_id").agg(
        pl.col("row_number").min().alias("__row_quarantined")
    )
    columns = list(findings.columns)
    columns.insert(columns.index("source_id") + 1, "row_number")
    return (
        findings.join(by_key, on="record_key", how="left", maintain_order="left")
        .join(by_id, on=["silo", "source_id"], how="left", maintain_order="left")
        .with_columns(row_number=pl.coalesce("__row_kept", "__row_quarantined"))
        .select(columns)
    )


def write_outputs(folder: Path, outputs: RunOutputs, config: GoldenConfig) -> None:
    """Write every output file of the run into ``folder`` (a staging folder).

    The data files are written on a second thread while the HTML reports render on this one:
    polars writes without holding the GIL, Jinja needs it. An error on either side fails the
    run (and publish keeps the previous output).
    """
    reuse = CsvReuse(outputs.csv_previous, folder / CSV_CACHE_FOLDER) if outputs.csv_index else None
    written: dict[str, CsvWritten | None] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="golden-outputs") as pool:
        data_files = pool.submit(_write_data_files, folder, outputs, reuse, written)
        try:
            _write_reports(folder, outputs, config, reuse, written)
        finally:
            data_files.result()
    summary = outputs.summary_dict()
    if reuse is not None:  # rows formatted and rows copied from the last run's file
        summary["csv_files"] = {
            name: how.to_dict() for name, how in sorted(written.items()) if how is not None
        }
    write_json(summary, folder / "summary.json")


def _write_data_files(
    folder: Path,
    outputs: RunOutputs,
    reuse: CsvReuse | None = None,
    written: dict[str, CsvWritten | None] | None = None,
) -> None:
    written = {} if written is None else written
    # A golden id's golden record and lineage rows: copied from the last run's files when the
    # same (reports.csv_reuse). crosswalk.csv is cheaper to format than to hash.
    written["golden.csv"] = write_frame(
        outputs.golden.golden, folder, "golden", parquet=True, reuse=reuse, key=["golden_id"]
    )
    write_frame(outputs.crosswalk(), folder, "crosswalk", parquet=True)
    written["lineage.csv"] = write_frame(
        outputs.golden.lineage, folder, "lineage", reuse=reuse, key=["golden_id"]
    )
    write_frame(outputs.cleaned.quarantine.sort("silo", "row_number"), folder, "quarantine")
    findings = findings_with_rows(
        outputs.cleaned.findings, outputs.cleaned.records, outputs.cleaned.quarantine
    )
    write_frame(findings.sort("silo", "row_number", "source_id", "field"), folder, "findings")
    write_frame(outputs.review, folder, "review_queue")
    write_frame(stale_file(outputs.stale, outputs.summary.language), folder, "stale")
    write_frame(outputs.ids.redirects, folder, "redirects")
    write_frame(outputs.matched.blocking.oversized_blocks, folder, "oversized_blocks")
    outputs.matched.pairs.write_parquet(folder / "pairs.parquet")
    if outputs.matched.cache is not None:  # published with the run, so never half written
        write_match_cache(
            folder / CACHE_FOLDER, outputs.matched.cache, run_id=outputs.summary.run_id
        )
    if outputs.cleaned.cache is not None:  # without records quarantined after cleaning
        cache = outputs.cleaned.cache
        if outputs.record_hashes is not None:
            cache = replace(cache, hashes=outputs.record_hashes)
        write_clean_cache(
            folder / CLEAN_CACHE_FOLDER,
            cache.keeping(outputs.cleaned.records["record_key"]),
            run_id=outputs.summary.run_id,
        )
    if outputs.clusters is not None and outputs.clusters.cache is not None:
        write_cluster_cache(
            folder / CLUSTER_CACHE_FOLDER, outputs.clusters.cache, run_id=outputs.summary.run_id
        )
    if isinstance(outputs.golden, ReusedGolden) and outputs.golden.cache is not None:
        write_golden_cache(
            folder / GOLDEN_CACHE_FOLDER, outputs.golden.cache, run_id=outputs.summary.run_id
        )
    if outputs.cleaned.memo is not None:
        write_memo(folder / MAP_CACHE_FOLDER, outputs.cleaned.memo, run_id=outputs.summary.run_id)
    if outputs.dq_reuse is not None and outputs.dq_reuse.current:
        write_dq_cache(folder / DQ_CACHE_FOLDER, outputs.dq_reuse, run_id=outputs.summary.run_id)


def _write_reports(
    folder: Path,
    outputs: RunOutputs,
    config: GoldenConfig,
    reuse: CsvReuse | None = None,
    written: dict[str, CsvWritten | None] | None = None,
) -> None:
    dq_inputs = None
    if outputs.dq is not None:
        dq_inputs = DQInputs(
            results=outputs.dq,
            crosswalk=outputs.crosswalk(),
            history=pl.DataFrame(schema=HISTORY_SCHEMA)
            if outputs.dq_history is None
            else outputs.dq_history,
            reminders=pl.DataFrame(schema=REMINDERS_SCHEMA)
            if outputs.reminders is None
            else outputs.reminders,
            settings=config.dq,
            owners={silo.name: silo.owner for silo in config.enabled_silos() if silo.owner},
            stale_columns=stale_columns(config.project.language),
            stale_silo_column="Quelle" if config.project.language == "de" else "silo",
        )
        # Every failing value with its source row, as findings.csv: the steward opens the
        # silo's file at that row.
        failures = findings_with_rows(
            outputs.dq.failures, outputs.cleaned.records, outputs.cleaned.quarantine
        )
        dq_written = write_dq_files(
            folder, outputs.summary, dq_inputs, outputs.stale, failures, reuse=reuse
        )
        if written is not None:
            written["dq_failures.csv"] = dq_written
        language = config.project.language
        write_frame(reminders_file(dq_inputs.reminders, language), folder, "reminders")
    write_dq_report(
        folder / "dq_report.html",
        outputs.summary,
        outputs.cleaned.quarantine,
        outputs.cleaned.findings,
        outputs.stale,
        language=config.project.language,
        previous=outputs.previous,
        dq=dq_inputs,
        show_contact_data=config.project.show_contact_data,
    )
    groups = review_groups(
        outputs.review,
        outputs.cleaned.records,
        outputs.matched.pairs,
        outputs.crosswalk(),
        {comparison.name: comparison.levels for comparison in COMPARISONS},
        max_pairs=config.matching.review_page_max_pairs,
        field_groups=FIELD_GROUPS,
        value_hashes=value_hashes,
        stored_choices=outputs.overrides,
    )
    language = config.project.language
    write_review_report(
        folder / "review.html",
        outputs.summary.run_id,
        groups,
        language=language,
        project=config.project.name,
        max_pairs=config.matching.review_page_max_pairs,
        total_pairs=outputs.review.height,
        dropped=dropped_choices(outputs.overrides_dropped),
    )
    # The fingerprints of the records review.html lists: `review apply` checks move-outs by them.
    write_frame(
        overrides_file(outputs.overrides, outputs.overrides_dropped, review_labels(language)),
        folder,
        "review_overrides",
    )
    write_frame(member_fingerprints(groups), folder, "review_members")
    # ... and of the values it offers to choose from: `review apply` checks value choices by them.
    write_frame(value_fingerprints(groups), folder, "review_values")
