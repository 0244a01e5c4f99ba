"""The nightly Prefect flow: orchestration only; every task wraps one function of flows.stages.

extract (one task per silo, retries for databases) -> prepare -> clean -> validate -> match ->
cluster -> golden records -> staleness -> publish (with the report) -> state.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import stages
from flows.connectors import SiloExtract, read_silo
from flows.outputs import RunOutputs, write_outputs
from flows.publish import publish_run
from flows.state import StateStore
from reports.summary import RunSummary, SiloSummary
from rules.config import DATABASE_CONNECTORS, GoldenConfig, SiloConfig, load_config
from rules.errors import GoldenError

P = ParamSpec("P")
R = TypeVar("R")


def _task(name: str, function: Callable[P, R]) -> Callable[P, R]:
    return task(name=name, cache_policy=NO_CACHE, persist_result=False)(function)  # type: ignore[return-value]


def _extract(silo: SiloConfig, config: GoldenConfig) -> SiloExtract:
    return read_silo(silo, config)


extract_task = task(name="extract", cache_policy=NO_CACHE, persist_result=False)(_extract)
prepare_task = _task("map to canonical", stages.prepare)
clean_task = _task("clean", stages.clean)
validate_task = _task("validate", stages.validate)
match_task = _task("match", stages.match)
cluster_task = _task("cluster", stages.cluster)
ids_task = _task("stable ids", stages.assign_ids)
golden_task = _task("golden records", stages.golden_records)
review_task = _task("review queue", stages.review_queue)
stale_task = _task("staleness", stages.staleness)
publish_task = _task("publish", publish_run)


def new_run_id(started: datetime) -> str:
    """Sortable, unique run id: UTC time plus a short random suffix."""
    return f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@flow(name="golden-nightly", log_prints=False)
def nightly_flow(config_path: str, today: date | None = None) -> dict[str, object]:
    """Run the whole pipeline once for the golden.toml at ``config_path``; return the summary."""
    logger = get_run_logger()
    config = load_config(config_path)
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    today = today or started.date()
    state = StateStore.open(config.state_url)
    state.start_run(run_id, started)
    timings: dict[str, float] = {}
    try:
        clock = time.perf_counter()
        futures = [
            extract_task.with_options(
                name=f"extract {silo.name}",
                retries=2 if silo.connector in DATABASE_CONNECTORS else 0,
                retry_delay_seconds=5,
            ).submit(silo, config)
            for silo in config.enabled_silos()
        ]
        extracts = [future.result() for future in futures]
        timings["extract"] = time.perf_counter() - clock
        logger.info(
            "extracted %d rows from %d silos", sum(e.rows_read for e in extracts), len(extracts)
        )

        clock = time.perf_counter()
        prepared = prepare_task(config, extracts)
        cleaned = clean_task(config, prepared, today)
        timings["clean"] = time.perf_counter() - clock
        clock = time.perf_counter()
        warnings = validate_task(config, cleaned)
        for warning in warnings:
            logger.warning("data quality: %s", warning)
        timings["validate"] = time.perf_counter() - clock
        clock = time.perf_counter()
        matched = match_task(config, cleaned)
        clusters = cluster_task(config, cleaned, matched)
        timings["match"] = time.perf_counter() - clock
        clock = time.perf_counter()
        ids = ids_task(state, clusters)
        golden = golden_task(config, cleaned, ids)
        review = review_task(config, matched, ids)
        stale = stale_task(config, cleaned, ids, today)
        timings["golden"] = time.perf_counter() - clock
        logger.info(
            "%d records -> %d golden records, %d pairs for review, %d stale",
            cleaned.records.height,
            golden.golden.height,
            review.height,
            stale.height,
        )
        summary = _summary(
            config, run_id, started, cleaned, golden.golden.height, review, stale, timings
        )
        previous = _previous_summary(config.output_dir)
        outputs = RunOutputs(
            summary=summary,
            cleaned=cleaned,
            matched=matched,
            ids=ids,
            golden=golden,
            review=review,
            stale=stale,
            previous=previous,
        )
        clock = time.perf_counter()
        folder = publish_task(
            config.output_dir, run_id, lambda target: write_outputs(target, outputs, config)
        )
        state.save_crosswalk(run_id, outputs.crosswalk(), ids.redirects)
        timings["publish"] = time.perf_counter() - clock
        state.finish_run(run_id, "completed", summary.to_dict())
        _artifact(summary, folder)
        return summary.to_dict()
    except GoldenError as exc:
        state.finish_run(run_id, "failed", {"stage_seconds": timings}, error=str(exc))
        raise
    except BaseException as exc:
        state.finish_run(run_id, "failed", {"stage_seconds": timings}, error=type(exc).__name__)
        raise
    finally:
        state.close()


def _summary(
    config: GoldenConfig,
    run_id: str,
    started: datetime,
    cleaned: stages.Cleaned,
    golden_count: int,
    review: pl.DataFrame,
    stale: pl.DataFrame,
    timings: dict[str, float],
) -> RunSummary:
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
        stage_seconds={name: round(value, 3) for name, value in timings.items()},
    )


def _previous_summary(output_dir: Path) -> RunSummary | None:
    path = output_dir / "latest" / "summary.json"
    if not path.is_file():
        return None
    import json

    try:
        return RunSummary.from_dict(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError):
        return None  # an older or damaged summary only loses the comparison, not the run


def _artifact(summary: RunSummary, folder: Path) -> None:
    silo_lines = "\n".join(
        f"| {silo.name} | {silo.rows_read} | {silo.quarantined} | {silo.records} |"
        for silo in summary.silos
    )
    create_markdown_artifact(
        key="golden-run-summary",
        description=f"golden-records run {summary.run_id}",
        markdown=(
            f"# golden-records run {summary.run_id}\n\n"
            f"| silo | rows read | quarantined | records |\n|---|---|---|---|\n{silo_lines}\n\n"
            f"- golden records: {summary.golden_records}\n"
            f"- duplicates merged: {summary.duplicates_merged}\n"
            f"- review pairs: {summary.review_pairs}\n"
            f"- stale flagged: {summary.stale_flagged}\n\n"
            f"Report: `{folder / 'dq_report.html'}`\n"
        ),
    )
