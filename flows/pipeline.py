"""The order of the stages, written once.

``run_pipeline`` sequences the functions of flows.stages. How each stage runs is up to the
caller's ``StageRunner``: the Prefect flow runs each as a task (logs, the UI; `golden serve`
and `golden run` with PREFECT_API_URL set); `golden run` without a server, `golden dedupe` and
the benchmarks run them as plain calls, without the start-up cost of a Prefect server. Either
way a run holds the output folder's lock, backs up the SQLite state store first and is
recorded in the state store.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from flows import stages
from flows.connectors import SiloExtract, read_silo
from flows.dq_checks import run_dq_checks
from flows.erased import screen_erased
from flows.export import export_after_run
from flows.faults import describe_fault
from flows.outputs import RunOutputs, write_outputs
from flows.publish import (
    make_caches_private,
    make_private,
    prune_match_caches,
    prune_run_folders,
    publish_run,
)
from flows.retention import compute_retention, write_retention
from flows.runlock import process_identity, run_lock
from flows.state import PUBLISHED_STAGE, StateStore
from flows.state_files import backup_state, sqlite_path
from matching.cluster_reuse import ReusedClusters
from matching.staleness import reminders
from reports.dq_reuse import CACHE_FOLDER as DQ_CACHE_FOLDER
from reports.dq_reuse import DQReuse
from reports.dq_scores import DQResults, scorecard
from reports.summary import RunSummary, SiloSummary
from rules.config import DATABASE_CONNECTORS, GoldenConfig, SiloConfig
from rules.errors import GoldenError, SiloError

log = logging.getLogger("golden.pipeline")


class StageRunner(Protocol):
    """Runs one named stage; ``extract`` reads every silo (possibly concurrently);
    ``map_parts`` runs a stage's partitions (clean: rows, match: candidate pairs)."""

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any: ...

    def extract(self, silos: Sequence[SiloConfig], config: GoldenConfig) -> list[SiloExtract]: ...

    def map_parts(
        self,
        stage: str,
        function: Callable[..., Any],
        parts: Sequence[tuple[Any, ...]],
        sizes: Sequence[int],
        unit: str,
    ) -> list[Any]: ...


class PlainRunner:
    """Runs stages as plain function calls, logging each stage's wall time."""

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        clock = time.perf_counter()
        result = function(*args)
        log.info("stage %s: %.2f s", name, time.perf_counter() - clock)
        return result

    def extract(self, silos: Sequence[SiloConfig], config: GoldenConfig) -> list[SiloExtract]:
        return [
            self.stage(f"extract {silo.name}", read_with_retries, silo, config) for silo in silos
        ]

    def map_parts(
        self,
        stage: str,
        function: Callable[..., Any],
        parts: Sequence[tuple[Any, ...]],
        sizes: Sequence[int],
        unit: str,
    ) -> list[Any]:
        return stages.in_order(stage, function, parts, sizes, unit)


#: Databases can be briefly unreachable at night (backups, restarts); files cannot heal.
DATABASE_RETRIES = 2
RETRY_DELAY_SECONDS = 10.0


def read_with_retries(
    silo: SiloConfig, config: GoldenConfig, delay: float = RETRY_DELAY_SECONDS
) -> SiloExtract:
    """Read a silo; retry a database silo only on a transient fault (refused, timed out).

    A missing table, file or variable, or a wrong password, fails at once: waiting cannot fix it.
    """
    retries = DATABASE_RETRIES if silo.connector in DATABASE_CONNECTORS else 0
    for attempt in range(retries + 1):
        try:
            return read_silo(silo, config)
        except SiloError as exc:
            if not exc.transient or attempt == retries:
                raise
            log.warning("%s — retrying in %.0f s (%d of %d)", exc, delay, attempt + 1, retries)
            time.sleep(delay)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class PipelineResult:
    """What a finished run returns: its summary and the folder it published."""

    summary: RunSummary
    folder: Path
    outputs: RunOutputs


def new_run_id(started: datetime) -> str:
    """Unique run id that sorts in start order: UTC time to the microsecond, a random suffix.

    Stable ids treat the id from the earlier run as the older one, by run id; whole seconds
    were not enough (two quick runs in one second sorted by their random suffixes).
    """
    return f"{started:%Y%m%dT%H%M%S.%fZ}-{uuid.uuid4().hex[:6]}"


def run_pipeline(
    config: GoldenConfig,
    runner: StageRunner,
    *,
    today: date | None = None,
    full: bool = False,
    new_state: bool = False,
    keep_model: bool = False,
) -> PipelineResult:
    """Run every stage once, publish atomically, record the run in the state store.

    ``full`` recomputes every candidate pair (and the weights) even when the last run's match
    cache would allow an incremental match. ``new_state`` allows starting with a new SQLite state
    store although run folders exist (flows.state_files). Only one run per output folder at a
    time (flows.runlock). ``keep_model`` with ``full``: every pair compared, but scored with
    the last full run's weights and term-frequency tables (what an incremental night uses;
    matching.frozen_model), so both give the same pairs and clusters.
    """
    with run_lock(config.output_dir):
        return _run_locked(
            config, runner, today=today, full=full, new_state=new_state, keep_model=keep_model
        )


def _run_locked(
    config: GoldenConfig,
    runner: StageRunner,
    *,
    today: date | None,
    full: bool,
    new_state: bool,
    keep_model: bool = False,
) -> PipelineResult:
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    today = today or started.date()
    state = StateStore.open(config.state_url, new_state=new_state)
    for aborted in state.mark_aborted_runs():
        log.warning("run %s had stopped without finishing: marked aborted", aborted)
    sqlite_file = sqlite_path(config.state_url)
    if sqlite_file is not None:
        backup_state(sqlite_file, run_id)
    process = process_identity()
    state.start_run(run_id, started, process)
    timings: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any], *args: Any) -> Any:
        state.heartbeat(run_id, name, process)
        clock = time.perf_counter()
        result = runner.stage(name, function, *args)
        timings[name] = round(time.perf_counter() - clock, 3)
        return result

    try:
        clock = time.perf_counter()
        extracts = runner.extract(config.enabled_silos(), config)
        timings["extract"] = round(time.perf_counter() - clock, 3)
        prepared = timed("map to canonical", stages.prepare, config, extracts, full)
        cleaned = timed("clean", stages.clean, config, prepared, today, runner.map_parts, full)
        cleaned = timed("erased persons", screen_erased, config, state, cleaned, run_id)
        dq, dq_reuse = timed(
            "dq checks",
            dq_checks,
            config,
            cleaned,
            today,
            None if full else config.output_dir / "latest" / DQ_CACHE_FOLDER,
        )
        # Stored before the blocking rules run: a blocked run shows up in the trends too.
        state.save_dq_scores(run_id, scorecard(dq))
        for warning in timed("validate", stages.validate, config, cleaned, dq):
            log.warning("data quality: %s", warning)
        matched = timed("match", stages.match, config, cleaned, full, runner.map_parts, keep_model)
        decisions = state.load_review_decisions()  # reviewers' must- and cannot-links
        links = stages.golden_id_links(state, cleaned)  # records carrying a golden id
        clusters = timed("cluster", stages.cluster, config, cleaned, matched, decisions, links)
        ids = timed("stable ids", stages.assign_ids, state, clusters.clusters)
        applied, dropped = stages.review_overrides(state, cleaned, ids)  # reviewers' value choices
        golden = timed("golden records", stages.golden_records, config, cleaned, ids, applied, full)
        hashes = timed(
            "review hashes", stages.review_hashes, config, matched, cleaned, clusters.refused
        )
        review = timed(
            "review queue",
            stages.review_queue,
            config,
            matched,
            ids,
            cleaned,
            decisions,
            clusters.refused,
            hashes,
        )
        stale = timed("staleness", stages.staleness, config, cleaned, ids, today)
        due = timed("retention", compute_retention, config, cleaned, ids, today)
        summary = build_summary(
            config, run_id, started, cleaned, golden.golden.height, review, stale, timings
        )
        outputs = RunOutputs(
            summary=summary,
            cleaned=cleaned,
            matched=matched,
            ids=ids,
            golden=golden,
            review=review,
            stale=stale,
            previous=previous_summary(config.output_dir),
            dq=dq,
            dq_history=state.load_dq_history(exclude_run=run_id),
            reminders=reminders(stale, today),
            refused=clusters.refused,
            overrides=applied,
            overrides_dropped=dropped,
            record_hashes=hashes,
            dq_reuse=dq_reuse if config.matching.incremental else None,
            clusters=clusters if isinstance(clusters, ReusedClusters) else None,
            csv_index=config.matching.incremental,
            csv_previous=None if full else config.output_dir / "latest",
        )
        folder = timed(
            "publish",
            publish_run,
            config.output_dir,
            run_id,
            lambda target: write_run(target, outputs, config, due),
        )
        # `latest/` is this run's now; if the process dies before finish_run, `golden runs`
        # must say the outputs were published but the state store did not record them.
        state.heartbeat(run_id, PUBLISHED_STAGE, process)
        prune_match_caches(config.output_dir, folder)
        for pruned in prune_run_folders(config.output_dir, folder, config.project.keep_runs):
            log.info("removed old run folder %s ([project] keep_runs)", pruned.name)
        state.save_crosswalk(run_id, outputs.crosswalk(), ids.redirects)
        if dropped.height:  # reported in this run's review.html and review_overrides.csv, once
            log.warning(
                "%d reviewer value choice(s) no longer hold and were dropped: see review.html",
                dropped.height,
            )
            state.drop_overrides(run_id, dropped)
        state.finish_run(run_id, "completed", outputs.summary_dict())
        if config.export.profiles:  # CRM import files; failures are logged, the run stays done
            runner.stage("export", export_after_run, config)
        return PipelineResult(summary=summary, folder=folder, outputs=outputs)
    except GoldenError as exc:
        state.finish_run(run_id, "failed", {"stage_seconds": timings}, error=str(exc))
        raise
    except BaseException as exc:
        # A fault of the machine keeps its one line (path, what to do) for `golden runs`.
        error = describe_fault(exc) or type(exc).__name__
        state.finish_run(run_id, "failed", {"stage_seconds": timings}, error=error)
        raise
    finally:
        state.close()


def dq_checks(
    config: GoldenConfig, cleaned: stages.Cleaned, today: date, cache: Path | None
) -> tuple[DQResults, DQReuse]:
    """The DQ checks, reusing the verdicts of the DQ cache in ``cache`` (reports.dq_reuse; None:
    check every value); returns the results and this run's verdicts for the next run."""
    reuse = DQReuse.load(cache)
    return run_dq_checks(config, cleaned, today, reuse), reuse


def write_run(target: Path, outputs: RunOutputs, config: GoldenConfig, due: pl.DataFrame) -> None:
    """Every file of a run into its staging folder, owner-only unless configured otherwise."""
    write_outputs(target, outputs, config)
    write_retention(target, due, config.project.language)
    if config.privacy.private_files:
        make_private(target)
    else:
        make_caches_private(target)


def build_summary(
    config: GoldenConfig,
    run_id: str,
    started: datetime,
    cleaned: stages.Cleaned,
    golden_count: int,
    review: pl.DataFrame,
    stale: pl.DataFrame,
    timings: dict[str, float],
) -> RunSummary:
    """The run's counts: per silo (read, quarantined, records, findings) and overall."""
    findings = cleaned.findings.group_by("silo", "status").len()
    per = {(silo, status): count for silo, status, count in findings.iter_rows()}
    silos = tuple(
        SiloSummary(
            name=silo.name,
            connector=silo.connector,
            trust_rank=silo.trust_rank,
            rows_read=cleaned.counts[silo.name].rows_read,
            quarantined=cleaned.counts[silo.name].quarantined,
            records=cleaned.counts[silo.name].records,
            invalid_values=per.get((silo.name, "invalid"), 0),
            corrected_values=per.get((silo.name, "corrected"), 0),
        )
        for silo in config.enabled_silos()
    )
    records = cleaned.records.height
    return RunSummary(
        run_id=run_id,
        started_at=started,
        finished_at=datetime.now(UTC),
        project=config.project.name,
        language=config.project.language,
        silos=silos,
        golden_records=golden_count,
        records_in_crosswalk=records,
        duplicates_merged=records - golden_count,
        review_pairs=review.height,
        stale_flagged=stale.height,
        stage_seconds=dict(timings),
    )


def previous_summary(output_dir: Path) -> RunSummary | None:
    """The summary of the currently published run, for "change since last run"."""
    import json

    path = output_dir / "latest" / "summary.json"
    if not path.is_file():
        return None
    try:
        return RunSummary.from_dict(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError):
        return None  # an older or damaged summary only loses the comparison, not the run
