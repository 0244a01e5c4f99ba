"""The nightly Prefect flow: orchestration only.

flows.pipeline sequences the stages; here each stage becomes a Prefect task (visible in the
logs and UI, timed), silos are extracted concurrently with retries for databases, and the run
leaves a markdown artifact pointing at its report.

With ``[project] executor = "dask"`` the flow runs on prefect-dask's DaskTaskRunner: the silo
extracts and the partitions of clean (rows) and compare (candidate pairs, matching.partitions)
are Prefect tasks on the Dask cluster's workers, each a pure function of its part; the results
come back in part order, so the outputs are byte for byte those of a run in one process.
"""

from __future__ import annotations

import threading
import time
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
from prefect.task_runners import TaskRunner

from flows.connectors import SiloExtract
from flows.pipeline import read_with_retries, run_pipeline
from flows.progress import STAGES, Work, stage_label, work_of_parts
from matching.chunked_match import announcing_batch_total
from reports.dq_scores import artifact_markdown
from reports.summary import RunSummary
from rules.config import GoldenConfig, SiloConfig, load_config
from rules.errors import ConfigError

#: Key of the run's progress artifact in the Prefect UI.
PROGRESS_KEY = "golden-progress"
#: Seconds a temporary Prefect server may take to start (Prefect's default: 20).
EPHEMERAL_STARTUP_SECONDS = 120
#: Least seconds between two updates of the progress artifact while parts finish.
ARTIFACT_INTERVAL = 2.0


class PrefectRunner:
    """Runs each stage as a Prefect task; extracts all silos concurrently.

    A progress artifact (key PROGRESS_KEY) shows the share of stages done and the running
    stage with its work (flows/progress.py: counts only, no record values); a chunked match's
    work is one total over all its batches, as in the terminal's progress. ``distributed``:
    the parts of clean and compare are submitted as tasks to the flow's task runner (the Dask
    cluster); otherwise they run one after the other inside their stage's task.
    """

    def __init__(self, distributed: bool = False) -> None:
        self.progress: UUID | None = None
        self.done = 0
        self.distributed = distributed
        self.label = ""
        #: the running stage's partitioned work (None outside map_parts)
        self.work: Work | None = None
        # A chunked match runs its batches in threads (matching.threads), each calling map_parts:
        # advancing the work and sending the artifact happen under one lock, so the artifact
        # never receives an older count after a newer one (two updates racing to the API).
        self._reporting = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # A part's function may carry the runner to a Dask worker (cloudpickle pickles a
        # closure by value); a lock cannot be pickled, and the worker reports nothing.
        state = self.__dict__.copy()
        del state["_reporting"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reporting = threading.Lock()

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        self.label = stage_label(name, args, self.done)
        self._report(self.label)
        runnable = task(name=name, cache_policy=NO_CACHE, persist_result=False)(function)
        try:
            with announcing_batch_total(self._expect_pairs):
                result = runnable(*args)
        finally:
            self.work = None
        if name in STAGES:
            self.done += 1
            if self.done == len(STAGES):
                self._report(f"all {len(STAGES)} stages done")
        return result

    def map_parts(
        self,
        stage: str,
        function: Callable[..., Any],
        parts: Sequence[tuple[Any, ...]],
        sizes: Sequence[int],
        unit: str,
    ) -> list[Any]:
        """Each part as a task (on the cluster when distributed); results in part order; within
        a stage whose total was announced (a chunked match) every call advances that one."""
        self.work = work = work_of_parts(self.work, unit, sizes)
        runnable = task(cache_policy=NO_CACHE, persist_result=False)(function)
        named = [runnable.with_options(name=f"{stage} part {n}") for n in range(1, len(parts) + 1)]
        if self.distributed:
            futures = [
                part_task.submit(*part) for part_task, part in zip(named, parts, strict=True)
            ]

            def collect(index: int) -> Any:
                return futures[index].result()
        else:

            def collect(index: int) -> Any:
                return named[index](*parts[index])

        results, reported = [], time.perf_counter()
        for index, size in enumerate(sizes):
            results.append(collect(index))
            with self._reporting:
                work.advance(size)
                if time.perf_counter() - reported >= ARTIFACT_INTERVAL or work.done == work.total:
                    self._report(f"{self.label}; {work.describe()}", work.share)
                    reported = time.perf_counter()
        return results

    def _expect_pairs(self, total: int) -> None:
        """A chunked match's candidate pairs over all its batches: one progress for them."""
        self.work = Work("pairs", total, spanning=True)

    def _report(self, description: str, share: float = 0.0) -> None:
        percent = 100.0 * min(self.done + share, len(STAGES)) / len(STAGES)
        if self.progress is None:
            created = create_progress_artifact(percent, key=PROGRESS_KEY, description=description)
            # Prefect returns a coroutine only when called from async code; the flow is sync.
            if not isinstance(created, UUID):
                raise TypeError(f"create_progress_artifact returned {type(created).__name__}")
            self.progress = created
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
    config = load_config(config_path)
    runner = PrefectRunner(distributed=config.project.executor == "dask")
    result = run_pipeline(config, runner, today=today, full=full, new_state=new_state)
    dq = result.outputs.dq
    history = result.outputs.dq_history
    dq_section = artifact_markdown(dq, history) if dq is not None and history is not None else ""
    _artifact(result.summary, result.folder, dq_section)
    return result.outputs.summary_dict()


def dask_task_runner(config: GoldenConfig) -> TaskRunner[Any] | None:
    """The DaskTaskRunner for ``[project] executor = "dask"`` (None for "local").

    ``dask_address`` set: the existing cluster behind that scheduler (its workers need
    golden-records installed and must reach the silos' files and databases); empty: a
    LocalCluster of ``dask_workers`` processes on this machine, without a dashboard.
    """
    project = config.project
    if project.executor != "dask":
        return None
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise ConfigError(
            '[project] executor = "dask" needs Dask: pip install "golden-records[dask]" '
            '(or set executor = "local")'
        ) from None
    if project.dask_address:
        return DaskTaskRunner(address=project.dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": project.dask_workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        },
    )


def run_nightly(
    config_path: str, today: date | None = None, full: bool = False, new_state: bool = False
) -> dict[str, object]:
    """The nightly flow on the task runner ``[project] executor`` asks for."""
    from prefect.settings import (
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    runner = dask_task_runner(load_config(config_path))
    flow_run = nightly_flow if runner is None else nightly_flow.with_options(task_runner=runner)
    # Without PREFECT_API_URL Prefect starts a temporary server; on a busy machine that takes
    # longer than Prefect's 20 s default.
    startup = max(
        EPHEMERAL_STARTUP_SECONDS, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    )
    with temporary_settings(updates={PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: startup}):
        return flow_run(config_path, today=today, full=full, new_state=new_state)


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
