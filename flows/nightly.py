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
from uuid import UUID

from prefect import flow, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from flows.connectors import SiloExtract
from flows.pipeline import read_with_retries, run_pipeline
from flows.progress import STAGES, stage_label
from reports.dq_scores import artifact_markdown
from reports.summary import RunSummary
from rules.config import GoldenConfig, SiloConfig, load_config

#: Key of the run's progress artifact in the Prefect UI.
PROGRESS_KEY = "golden-progress"


class PrefectRunner:
    """Runs each stage as a Prefect task; extracts all silos concurrently.

    A progress artifact (key PROGRESS_KEY) shows the share of stages done and the running
    stage with its work (flows/progress.py: counts only, no record values).
    """

    def __init__(self) -> None:
        self.progress: UUID | None = None
        self.done = 0

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        self._report(stage_label(name, args, self.done))
        result = task(name=name, cache_policy=NO_CACHE, persist_result=False)(function)(*args)
        if name in STAGES:
            self.done += 1
            if self.done == len(STAGES):
                self._report(f"all {len(STAGES)} stages done")
        return result

    def _report(self, description: str) -> None:
        percent = 100.0 * min(self.done, len(STAGES)) / len(STAGES)
        if self.progress is None:
            self.progress = create_progress_artifact(
                percent, key=PROGRESS_KEY, description=description
            )
        else:
            update_progress_artifact(self.progress, percent, description=description)

    def extract(self, silos: Sequence[SiloConfig], config: GoldenConfig) -> list[SiloExtract]:
        # Retries live in read_with_retries: only transient faults (refused, timed out) are
        # retried, never a missing table, file or variable.
        futures = [
            task(name=f"extract {silo.name}", cache_policy=NO_CACHE, persist_result=False)(
                read_with_retries
            ).submit(silo, config)
            for silo in silos
        ]
        return [future.result() for future in futures]


@flow(name="golden-nightly", log_prints=False)
def nightly_flow(
    config_path: str, today: date | None = None, full: bool = False, new_state: bool = False
) -> dict[str, object]:
    """Run the whole pipeline once for the golden.toml at ``config_path``; return the summary.

    ``full`` recomputes all candidate pairs and weights instead of matching incrementally;
    ``new_state`` starts a new SQLite state store although run folders exist.
    """
    result = run_pipeline(
        load_config(config_path), PrefectRunner(), today=today, full=full, new_state=new_state
    )
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
