"""The nightly flow's progress artifact: stages done, the running stage's work, counts only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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

    @flow(name="chunked-match-progress")
    def chunked_match() -> int:
        runner = nightly.PrefectRunner()

        def compare(pairs: pl.DataFrame, attributes: pl.DataFrame) -> pl.DataFrame:
            compared = compare_in_halves(runner.map_parts, pairs, attributes)
            with get_client(sync_client=True) as client:
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
