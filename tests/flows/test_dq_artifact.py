"""The Prefect run artifact summarizes the DQ scores next to the run's counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import flows.nightly
from reports.summary import RunSummary


def test_nightly_artifact_carries_the_dq_section(monkeypatch: pytest.MonkeyPatch) -> None:
    written: dict[str, str] = {}
    monkeypatch.setattr(
        flows.nightly,
        "create_markdown_artifact",
        lambda **arguments: written.update(arguments),
    )
    summary = RunSummary("r2", datetime(2026, 11, 2), None, "p", "de", (), 0, 0, 0, 0, 0)
    flows.nightly._artifact(summary, Path("/out/runs/r2"), "## Data quality\n")
    assert written["markdown"].endswith(
        "Report: `/out/runs/r2/dq_report.html`\n\n## Data quality\n"
    )
