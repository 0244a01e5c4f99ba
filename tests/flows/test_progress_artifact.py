"""The nightly flow's progress artifact: stages done, the running stage's work, counts only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from flows.demo import write_demo


@pytest.fixture(scope="module")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.mark.slow
def test_flow_run_leaves_a_finished_progress_artifact(
    prefect_harness: None, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.nightly import PROGRESS_KEY, nightly_flow
    from flows.progress import STAGES

    write_demo(tmp_path, persons=40, seed=5)
    nightly_flow(str(tmp_path / "golden.toml"))

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[PROGRESS_KEY]))
        )
    assert len(artifacts) == 1
    assert artifacts[0].type == "progress"
    assert float(artifacts[0].data) == 100.0
    assert artifacts[0].description == f"all {len(STAGES)} stages done"


@pytest.mark.slow
def test_a_partitioned_stage_reports_its_work_in_the_artifact(prefect_harness: None) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )
    from prefect.runtime import flow_run

    from flows.nightly import PROGRESS_KEY, PrefectRunner
    from flows.progress import STAGES

    @flow(name="partitioned-stage")
    def partitioned() -> tuple[str, list[int]]:
        runner = PrefectRunner()

        def clean_in_parts() -> list[int]:
            parts = [(1,), (2,), (3,)]
            return runner.map_parts("clean", lambda value: value * 10, parts, [40, 40, 20], "rows")

        return str(flow_run.id), runner.stage("clean", clean_in_parts)

    run_id, results = partitioned()

    assert results == [10, 20, 30]
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[PROGRESS_KEY]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
            )
        )
    assert artifact.description == f"stage clean (1/{len(STAGES)}); 100 of 100 rows (100%), 3 parts"
    assert float(artifact.data) == pytest.approx(100.0 / len(STAGES))


@pytest.mark.slow
def test_a_chunked_match_reports_one_total_over_all_its_batches(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch of a chunked match compares its pairs in partitions (one map_parts call per
    batch): the artifact counts on over all batches against their total, never from 0 again."""
    import polars as pl
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterId

    from flows import nightly
    from flows.progress import STAGES
    from matching.chunked_match import compare_in_batches
    from tests.demo_stages import cleaned_demo, compare_in_halves

    config, cleaned = cleaned_demo(tmp_path, persons=120, seed=9)
    records = cleaned.records
    monkeypatch.setattr(nightly, "ARTIFACT_INTERVAL", 0.0)  # every finished part updates it
    seen: list[tuple[float, str]] = []
    reading = threading.Lock()

    @flow(name="chunked-match-progress")
    def chunked_match() -> int:
        runner = nightly.PrefectRunner()

        def compare(pairs: pl.DataFrame, attributes: pl.DataFrame) -> pl.DataFrame:
            compared = compare_in_halves(runner.map_parts, pairs, attributes)
            # Batches run in threads: reading and recording under one lock keeps ``seen`` in
            # the order the artifact was read.
            with reading, get_client(sync_client=True) as client:
                [artifact] = client.read_artifacts(
                    artifact_filter=ArtifactFilter(id=ArtifactFilterId(any_=[runner.progress]))
                )
                seen.append((float(artifact.data), str(artifact.description)))
            return pl.concat(compared)

        _, compact, _ = runner.stage(
            "match", lambda: compare_in_batches(records, config.matching, compare, 40)
        )
        return int(compact.height)

    total = chunked_match()

    assert len(seen) >= 3, seen  # several batches, one map_parts call each
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents) and percents[0] > 0.0
    assert percents[-1] == pytest.approx(100.0 / len(STAGES))
    done = []
    for _, description in seen:
        assert description.startswith(f"stage match (1/{len(STAGES)}); "), description
        counts = description.split("; ", 1)[1]
        assert f" of {total:,} pairs (" in counts, description
        done.append(int(counts.split(" of ", 1)[0].replace(",", "")))
    # Batches run in threads (matching.threads), so two batches may read the artifact after the
    # same finished part: counts never go back, move over the batches and end at the total.
    assert done == sorted(done) and len(set(done)) >= 2 and done[-1] == total


@pytest.mark.slow
def test_threaded_parts_never_send_an_older_count_after_a_newer_one(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads (a chunked match's batches) finish parts of one work: the first sends its
    update slowly (a busy API), the second finishes meanwhile. The second waits for the first's
    update, so the artifact receives 50 % then 100 %, never 100 % then 50 % (CI saw a count go
    back under load)."""
    from flows import nightly
    from flows.progress import Work

    received: list[float] = []
    calls = 0

    def slow_first_update(artifact_id: object, percent: float, description: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            time.sleep(0.3)
        received.append(percent)

    monkeypatch.setattr(nightly, "update_progress_artifact", slow_first_update)
    monkeypatch.setattr(nightly, "ARTIFACT_INTERVAL", 0.0)
    runner = nightly.PrefectRunner()
    runner.progress = uuid4()  # the artifact exists: every report is an update
    runner.work = Work("pairs", 20, spanning=True)

    def part(delay: float) -> float:
        time.sleep(delay)
        return delay

    threads = [
        threading.Thread(target=runner.map_parts, args=("match", part, [(delay,)], [10], "pairs"))
        for delay in (0.0, 0.1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(received) == 2
    assert received == sorted(received) and received[0] < received[1]


def test_the_runner_pickles_without_its_lock() -> None:
    """A part's function can carry the runner to a Dask worker (cloudpickle pickles a closure by
    value): the runner pickles, and the copy has a lock of its own (the two-worker test in
    test_dask_executor failed with "cannot pickle '_thread.lock' object")."""
    import pickle

    from flows.nightly import PrefectRunner

    runner = PrefectRunner(distributed=True)
    runner.done = 3
    copy = pickle.loads(pickle.dumps(runner))
    assert copy.done == 3 and copy.distributed
    with copy._reporting:
        assert not runner._reporting.locked()
