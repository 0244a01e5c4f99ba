"""Progress of long stages: plain lines off a terminal, counts only, the match estimate shown."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import polars as pl
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


@pytest.mark.parametrize(
    ("done", "parts_done", "elapsed", "expected"),
    [
        (0, 0, 5.0, "0 of 40,000 rows (0%), part 1 of 4"),
        (10_000, 1, 5.0, "10,000 of 40,000 rows (25%), part 2 of 4, ETA 15 s"),
        (40_000, 4, 20.0, "40,000 of 40,000 rows (100%), 4 parts"),
    ],
)
def test_work_counts_parts_and_estimates_the_time_left(
    done: int, parts_done: int, elapsed: float, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = progress.Work("rows", 40_000, parts=4, started=100.0)
    work.done, work.parts_done = done, parts_done
    monkeypatch.setattr(progress.time, "perf_counter", lambda: 100.0 + elapsed)

    assert work.describe() == expected


def test_golden_run_off_a_terminal_writes_stage_lines_with_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.demo import write_demo

    write_demo(tmp_path, persons=120, seed=9)
    toml = tmp_path / "golden.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text.replace("[project]\n", "[project]\npartition_rows = 40\n", 1))
    monkeypatch.setattr(
        "flows.progress.ProgressRunner",
        lambda: ProgressRunner(interval=0.001),  # stderr as the CLI runner swaps it in
    )

    result = CliRunner().invoke(app, ["run", "--config", str(toml)])

    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("golden: ")]
    clean = [line for line in lines if line.startswith(f"golden: stage clean (2/{len(STAGES)})")]
    assert clean and "rows" in clean[0], lines
    assert any(" of " in line and " rows (" in line for line in clean), clean
    assert any(line.startswith("golden: stage clean done in ") for line in lines), lines
    match = [line for line in lines if "stage match (" in line]
    assert match and "candidate pairs (estimate)" in match[0], lines
    assert any(line.startswith("golden: stage match done in ") for line in lines), lines
    assert any(line.endswith(" pairs") for line in lines if "stage match done" in line), lines
    golden = pl.read_csv(tmp_path / "out" / "latest" / "golden.csv", infer_schema=False)
    for value in golden["last_name"].drop_nulls().head(30).to_list() + ["@"]:
        assert all(value not in line for line in lines), value


def test_the_match_estimate_follows_the_blocking_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30 people born on one day: the birth-date rule (435 pairs) is over its budget and split,
    # so the progress line must announce the split plan, not the 435 the rule alone would make.
    first = ("Anna", "Bernd", "Clara", "Dieter", "Erik", "Frieda")
    last = ("Huber", "Keller", "Wagner", "Becker", "Zander")
    rows = [
        f"{index},{first[index % 6]},{last[index // 6]},1980-01-01,,"
        f"{first[index % 6].lower()}{index}@example.org"
        for index in range(30)
    ]
    source = tmp_path / "born_one_day.csv"
    source.write_text("id,first_name,surname,dob,city,email\n" + "\n".join(rows) + "\n")
    stream = io.StringIO()
    monkeypatch.setattr(
        "flows.dedupe.ProgressRunner", lambda: ProgressRunner(stream, interval=0.001)
    )

    dedupe_file(source, "id", tmp_path / "out")

    estimate = explain_blocking(source, "id")
    (birth_date,) = [rule for rule in estimate.rules if rule.rule == "birth_date"]
    assert birth_date.adjustment is not None and birth_date.planned_pairs < birth_date.pairs
    match_line = next(line for line in stream.getvalue().splitlines() if "stage match (" in line)
    assert f"at most {estimate.union_bound:,} candidate pairs (estimate)" in match_line


def test_a_chunked_match_shows_one_progress_over_all_its_batches(tmp_path: Path) -> None:
    """Each batch of a chunked match compares its pairs in partitions (one map_parts call per
    batch): the progress counts on over all batches against their total, never from 0 again."""
    from matching.chunked_match import compare_in_batches
    from tests.demo_stages import cleaned_demo, compare_in_halves

    config, cleaned = cleaned_demo(tmp_path, persons=120, seed=9)
    records = cleaned.records
    runner = ProgressRunner(io.StringIO(), interval=60.0)
    events: list[tuple[int, int, str]] = []

    def compare(pairs: pl.DataFrame, attributes: pl.DataFrame) -> pl.DataFrame:
        compared = compare_in_halves(runner.map_parts, pairs, attributes)
        assert runner.work is not None
        events.append((runner.work.done, runner.work.total, runner.work.describe()))
        return pl.concat(compared)

    _, compact, _ = runner.stage(
        "match", lambda: compare_in_batches(records, config.matching, compare, 40)
    )

    assert len(events) >= 3, events  # several batches
    assert {total for _, total, _ in events} == {compact.height}
    done = [count for count, _, _ in events]
    assert done == sorted(done) and done[0] > 0 and done[-1] == compact.height
    assert events[0][2].startswith(f"{done[0]:,} of {compact.height:,} pairs ("), events[0]
