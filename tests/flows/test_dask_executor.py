"""`[project] executor = "dask"`: the nightly flow on a two-worker LocalCluster gives the same
files, byte for byte, as a run in one process; a wrong scheduler address is a clear error."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.demo import write_demo
from flows.pipeline import PlainRunner, run_pipeline
from rules.config import load_config
from rules.errors import ConfigError

TODAY = date(2026, 3, 2)

#: Files that carry the run's id, its clock times or its durations, which two runs never share:
#: compared without those keys where they are JSON, left out where they are HTML.
VOLATILE = {
    "summary.json": ("run_id", "started_at", "finished_at", "stage_seconds"),
    "dq_summary.json": ("run_id", "started_at", "validation_seconds"),
    "match_cache/manifest.json": ("run_id", "weights_since"),  # weights_since: the clock
    "clean_cache/manifest.json": ("run_id",),
    "dq_cache/manifest.json": ("run_id",),
    "cluster_cache/manifest.json": ("run_id",),
    "map_cache/manifest.json": ("run_id",),
    "golden_cache/manifest.json": ("run_id",),
    # reports.csv_reuse: the indexed file's modification time
    "csv_cache/golden.csv.json": ("mtime_ns",),
    "csv_cache/lineage.csv.json": ("mtime_ns",),
    "csv_cache/dq_failures.csv.json": ("mtime_ns",),
    "dq_report.html": (),  # run id, start and end time, stage durations
    "review.html": (),  # run id (in the title, the header and the page's data)
}


@pytest.fixture(scope="module")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _project(folder: Path, settings: str) -> Path:
    toml = folder / "golden.toml"
    toml.write_text(toml.read_text("utf-8").replace("[project]\n", f"[project]\n{settings}", 1))
    return toml


def _without(path: Path, keys: tuple[str, ...]) -> dict[str, object]:
    data = json.loads(path.read_text("utf-8"))
    return {key: value for key, value in data.items() if key not in keys}


@pytest.mark.slow
def test_a_two_worker_cluster_writes_the_same_files_as_one_process(
    prefect_harness: None, tmp_path: Path
) -> None:
    from distributed import Client, LocalCluster, get_task_stream

    from flows.nightly import run_nightly

    write_demo(tmp_path / "silos", persons=300, seed=11)
    local, dask = tmp_path / "local", tmp_path / "dask"
    shutil.copytree(tmp_path / "silos", local)
    shutil.copytree(tmp_path / "silos", dask)
    alone = run_pipeline(load_config(_project(local, "")), PlainRunner(), today=TODAY).folder

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        # Small partitions: several clean and compare parts, spread over both workers.
        settings = (
            f'executor = "dask"\ndask_address = "{cluster.scheduler_address}"\n'
            "partition_rows = 150\npartition_pairs = 250\n"
        )
        with get_task_stream(client) as stream:
            summary = run_nightly(str(_project(dask, settings)), today=TODAY)
        workers = {entry["worker"] for entry in stream.data}
        names = [entry["key"] for entry in stream.data]
        cluster_workers = set(client.scheduler_info()["workers"])

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as prefect:
        runs = [run.name for run in prefect.read_task_runs(limit=200)]
    clean_parts = [name for name in runs if name.startswith("clean part ")]
    match_parts = [name for name in runs if name.startswith("match part ")]
    assert summary["golden_records"] > 0
    assert len(clean_parts) >= 2 and len(match_parts) >= 2, runs
    # The 4 silo extracts and every part ran on the cluster, on both of its workers.
    assert len(names) == 4 + len(clean_parts) + len(match_parts), names
    assert workers == cluster_workers and len(workers) == 2, workers

    published = dask / "out" / "latest"
    files = sorted(str(path.relative_to(alone)) for path in alone.rglob("*") if path.is_file())
    assert files == sorted(
        str(path.relative_to(published)) for path in published.rglob("*") if path.is_file()
    )
    assert {"golden.csv", "crosswalk.csv", "pairs.parquet", "review_queue.csv"} <= set(files)
    for name in files:
        if name not in VOLATILE:
            assert (alone / name).read_bytes() == (published / name).read_bytes(), name
        elif VOLATILE[name]:
            keys = VOLATILE[name]
            assert _without(alone / name, keys) == _without(published / name, keys), name


def test_a_scheduler_address_that_is_no_address_is_refused(tmp_path: Path) -> None:
    write_demo(tmp_path, persons=10, seed=1)
    toml = _project(tmp_path, 'executor = "dask"\ndask_address = "scheduler:8786"\n')
    with pytest.raises(ConfigError, match=r"tcp://host:8786"):
        load_config(toml)


def test_the_dask_executor_makes_a_dask_task_runner(tmp_path: Path) -> None:
    from prefect_dask import DaskTaskRunner

    from flows.nightly import dask_task_runner

    write_demo(tmp_path, persons=10, seed=1)
    assert dask_task_runner(load_config(tmp_path / "golden.toml")) is None
    remote = dask_task_runner(
        load_config(_project(tmp_path, 'executor = "dask"\ndask_address = "tcp://10.0.0.5:8786"\n'))
    )
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"


def test_a_temporary_prefect_server_that_does_not_start_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    import flows.nightly
    from flows.cli import app

    def server_down(*args: object, **kwargs: object) -> dict[str, object]:
        # What prefect.server.api.server raises when its subprocess does not answer in time.
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    write_demo(tmp_path, persons=10, seed=1)
    toml = _project(tmp_path, 'executor = "dask"\n')
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(flows.nightly, "run_nightly", server_down)

    result = CliRunner().invoke(app, ["run", "--config", str(toml)])

    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "did not start" in result.output and "PREFECT_API_URL" in result.output
