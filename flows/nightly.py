"""The nightly Prefect flow: orchestration only.

flows.pipeline sequences the stages; here each stage becomes a Prefect task (visible in the
logs and UI, timed), silos are extracted concurrently with retries for databases, and the run
leaves a markdown artifact pointing at its report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.connectors import SiloExtract, read_silo
from flows.pipeline import run_pipeline
from reports.dq_scores import artifact_markdown
from reports.summary import RunSummary
from rules.config import DATABASE_CONNECTORS, GoldenConfig, SiloConfig, load_config

#: Databases can be briefly unreachable at night (backups, restarts); files cannot heal.
DATABASE_RETRIES = 2
RETRY_DELAY_SECONDS = 10


class PrefectRunner:
    """Runs each stage as a Prefect task; extracts all silos concurrently."""

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        return task(name=name, cache_policy=NO_CACHE, persist_result=False)(function)(*args)

    def extract(self, silos: Sequence[SiloConfig], config: GoldenConfig) -> list[SiloExtract]:
        futures = [
            task(
                name=f"extract {silo.name}",
                cache_policy=NO_CACHE,
                persist_result=False,
                retries=DATABASE_RETRIES if silo.connector in DATABASE_CONNECTORS else 0,
                retry_delay_seconds=RETRY_DELAY_SECONDS,
            )(read_silo).submit(silo, config)
            for silo in silos
        ]
        return [future.result() for future in futures]


@flow(name="golden-nightly", log_prints=False)
def nightly_flow(
    config_path: str, today: date | None = None, full: bool = False
) -> dict[str, object]:
    """Run the whole pipeline once for the golden.toml at ``config_path``; return the summary.

    ``full`` recomputes all candidate pairs and weights instead of matching incrementally.
    """
    result = run_pipeline(load_config(config_path), PrefectRunner(), today=today, full=full)
    dq = result.outputs.dq
    history = result.outputs.dq_history
    dq_section = artifact_markdown(dq, history) if dq is not None and history is not None else ""
    _artifact(result.summary, result.folder, dq_section)
    return result.outputs.summary_dict()


def _artifact(summary: RunSummary, folder: Path, dq_section: str = "") -> None:
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
            f"Report: `{folder / 'dq_report.html'}`\n\n"
            f"{dq_section}"
        ),
    )
