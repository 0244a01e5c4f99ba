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
