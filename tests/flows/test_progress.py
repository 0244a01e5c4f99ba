"""Progress of long stages: plain lines off a terminal, counts only, the match estimate shown."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from flows import progress
from flows.dedupe import dedupe_file, explain_blocking
from flows.progress import STAGES, ProgressRunner

ROWS = [
    "1,Anna,Schmidt,1980-01-01,Berlin,anna.schmidt@web.de",
    "2,Anna,Schmidt,1980-01-01,Berlin,anna.schmidt@gmx.de",
    "3,Max,Meier,1975-06-30,Hamburg,max.meier@posteo.de",
    "4,Max,Mayer,1975-06-30,Hamburg,max.meier@posteo.de",
]


def test_a_long_stage_writes_lines_while_it_runs_and_when_it_ends() -> None:
    stream = io.StringIO()
    runner = ProgressRunner(stream, interval=0.05)

    result = runner.stage("staleness", lambda seconds: time.sleep(seconds) or "done", 0.3)

    lines = stream.getvalue().splitlines()
    assert result == "done"
    assert len(lines) >= 3, lines
    assert all(line.startswith(f"golden: stage staleness (1/{len(STAGES)})") for line in lines[:-1])
    assert lines[-1].startswith("golden: stage staleness done in 0.")


def test_a_short_stage_stays_quiet_and_stages_count_up() -> None:
    stream = io.StringIO()
    runner = ProgressRunner(stream, interval=0.2)

    runner.stage("clean", lambda: None)
    runner.stage("staleness", time.sleep, 0.5)

    assert "stage clean" not in stream.getvalue()
    assert f"stage staleness (2/{len(STAGES)})" in stream.getvalue()


def test_the_match_stage_shows_the_estimate_and_no_record_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "persons.csv"
    source.write_text("id,first_name,surname,dob,city,email\n" + "\n".join(ROWS) + "\n")
    stream = io.StringIO()
    names: list[str] = []

    class Recording(progress.ProgressRunner):
        def stage(self, name: str, function: Any, *args: Any) -> Any:
            names.append(name)
            return super().stage(name, function, *args)

    monkeypatch.setattr("flows.dedupe.ProgressRunner", lambda: Recording(stream, interval=0.001))

    dedupe_file(source, "id", tmp_path / "out")

    estimate = explain_blocking(source, "id")
    output = stream.getvalue()
    match_lines = [line for line in output.splitlines() if "stage match (" in line]
    assert match_lines, output
    assert f"at most {estimate.union_bound:,} candidate pairs (estimate)" in match_lines[0]
    assert f"{len(ROWS):,} records" in match_lines[0]
    # Every stage the pipeline runs is in STAGES, in its order (extracts are counted apart).
    assert [name for name in names if not name.startswith("extract ")] == list(STAGES)
    for value in ("Anna", "Schmidt", "Meier", "Berlin", "1980", "posteo"):
        assert value not in output
