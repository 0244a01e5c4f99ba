"""DQ through the real pipeline: published files, trends from the state store, blocking rules,
hostile values escaped from source file to report."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from flows.demo import write_demo
from flows.pipeline import PipelineResult, PlainRunner, run_pipeline
from flows.state import StateStore
from matching.staleness import REASONS, reason_texts
from rules.config import load_config
from rules.errors import StageError
from tests.flows.hostile_demo import HOSTILE_NAME, write_hostile_demo


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dq-demo")
    write_demo(directory, persons=150, seed=11)
    return directory


@pytest.fixture(scope="module")
def two_runs(demo_dir: Path) -> tuple[PipelineResult, PipelineResult]:
    config = load_config(demo_dir / "golden.toml")
    return run_pipeline(config, PlainRunner()), run_pipeline(config, PlainRunner())


def test_dq_files_are_published(two_runs: tuple[PipelineResult, PipelineResult]) -> None:
    folder = two_runs[1].folder
    for name in ("dq_report.html", "dq_summary.json", "dq_failures.csv", "reminders.csv"):
        assert (folder / name).is_file(), name
    failures = pl.read_csv(folder / "dq_failures.csv", infer_schema=False)
    assert failures.columns[:2] == ["silo", "source_id"]
    assert failures.height == two_runs[1].outputs.dq.failures.height  # type: ignore[union-attr]
    assert failures.height > 0


def test_dq_failures_name_the_source_row(
    demo_dir: Path, two_runs: tuple[PipelineResult, PipelineResult]
) -> None:
    """Each failing value names its row in the silo's file, as findings.csv does: counted here
    from the CRM export itself (data rows after the header), not from the pipeline."""
    failures = pl.read_csv(two_runs[1].folder / "dq_failures.csv", infer_schema=False)
    assert failures.columns[:3] == ["silo", "source_id", "row_number"]
    with (demo_dir / "crm.csv").open(encoding="cp1252", newline="") as handle:
        rows = {
            row["Kundennr"]: str(number)
            for number, row in enumerate(csv.DictReader(handle, delimiter=";"), start=1)
        }
    crm = failures.filter(pl.col("silo") == "crm")
    assert crm.height > 0
    assert crm["row_number"].to_list() == [rows[key] for key in crm["source_id"]]
    assert failures["row_number"].null_count() == 0


def test_stale_csv_is_german_one_row_per_golden_record(
    two_runs: tuple[PipelineResult, PipelineResult],
) -> None:
    stale = pl.read_csv(two_runs[1].folder / "stale.csv", infer_schema=False)
    texts = reason_texts()
    columns = [texts[reason]["column_de"] for reason in REASONS]
    assert {"Golden-ID", "Dringlichkeit", "Gründe", "Prüfen bis", "Verantwortlich"} <= set(
        stale.columns
    )
    assert set(columns) <= set(stale.columns)
    assert stale["Golden-ID"].is_unique().all()
    # most urgent first, German words, dates without time
    ranks = stale["Dringlichkeit"].replace_strict({"hoch": 1, "mittel": 2, "niedrig": 3})
    assert ranks.is_sorted()
    assert stale["Prüfen bis"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
    # every flagged record has a reason column set, and its sentence in German
    assert stale.select(pl.any_horizontal(pl.col(c) == "ja" for c in columns)).to_series().all()
    german = {texts[reason]["de"].split(" {")[0][:20] for reason in REASONS}
    assert all(any(part in line for part in german) for line in stale["Gründe"])
    # the newsletter silo's owner fills golden records owned by nobody else
    newsletter_only = stale.filter(pl.col("Datensätze").str.starts_with("newsletter:"))
    assert set(newsletter_only["Verantwortlich"]) <= {"Marketing"}


def test_reminders_group_the_stale_records(two_runs: tuple[PipelineResult, PipelineResult]) -> None:
    folder = two_runs[1].folder
    reminders = pl.read_csv(folder / "reminders.csv", infer_schema=False)
    stale = pl.read_csv(folder / "stale.csv", infer_schema=False)
    assert reminders["Golden Records"].cast(pl.Int64).sum() == stale.height
    assert reminders.select("Quelle", "Verantwortlich").is_duplicated().sum() == 0


def test_at_most_a_quarter_of_the_golden_records_is_flagged_with_the_defaults(
    two_runs: tuple[PipelineResult, PipelineResult],
) -> None:
    run = two_runs[1]
    assert run.outputs.stale.height <= run.outputs.golden.golden.height / 4


def test_second_run_compares_with_the_first(
    demo_dir: Path, two_runs: tuple[PipelineResult, PipelineResult]
) -> None:
    first, second = two_runs
    summary = json.loads((second.folder / "dq_summary.json").read_text("utf-8"))
    assert summary["compared_with_run"] == first.summary.run_id
    overall = next(r for r in summary["scores"] if r["silo"] == "*" and r["dimension"] == "overall")
    assert overall["change"] == 0.0  # same input, same scores
    html = (second.folder / "dq_report.html").read_text("utf-8")
    assert f"Veränderung in Punkten seit Lauf {first.summary.run_id}" in html
    store = StateStore.open(load_config(demo_dir / "golden.toml").state_url)
    history = store.load_dq_history()
    store.close()
    assert {first.summary.run_id, second.summary.run_id} <= set(history["run_id"])
    assert set(history["status"]) == {"completed"}


def test_report_is_german_with_scores_and_reminders(
    two_runs: tuple[PipelineResult, PipelineResult],
) -> None:
    html = (two_runs[1].folder / "dq_report.html").read_text("utf-8")
    for text in (
        "Datenqualität auf einen Blick",
        "Bewertung je Quellsystem und Dimension",
        "Erinnerungen je Quellsystem und Verantwortlichem",
        "Dubletten",
        "<svg",
    ):
        assert text in html


def _corrupt_crm_phones(directory: Path) -> None:
    """Replace every crm phone number by text no cleaner accepts (a broken export)."""
    path = directory / "crm.csv"
    with path.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    column = rows[0].index("Telefon")
    for number, row in enumerate(rows[1:]):
        if len(row) > column:
            row[column] = f"kaputt {number}"
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def test_blocking_rule_stops_the_run_and_keeps_latest(
    demo_dir: Path, two_runs: tuple[PipelineResult, PipelineResult], tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(demo_dir, broken, ignore=shutil.ignore_patterns("out"))
    config = load_config(broken / "golden.toml")
    run_pipeline(config, PlainRunner())  # last night's good run
    latest = broken / "out" / "latest"
    before = latest.resolve()

    _corrupt_crm_phones(broken)  # tonight's export is broken
    with pytest.raises(StageError) as error:
        run_pipeline(config, PlainRunner())
    message = str(error.value)
    assert "silo 'crm'" in message and "phones values invalid" in message
    assert "max_invalid_percent" in message
    assert "the previous output stays published" in message
    assert latest.resolve() == before
    store = StateStore.open(config.state_url)
    runs = store.list_runs(1)
    history = store.load_dq_history()
    store.close()
    assert runs[0].status == "failed"
    assert runs[0].run_id in set(history.filter(pl.col("status") == "failed")["run_id"])


def test_hostile_values_flow_through_the_pipeline_escaped(tmp_path: Path) -> None:
    write_hostile_demo(tmp_path)
    result = run_pipeline(load_config(tmp_path / "golden.toml"), PlainRunner())
    html = (result.folder / "dq_report.html").read_text("utf-8")
    assert html.count("<script>") == 1  # only the report's own script
    assert "alert(1)" not in html.split("<script>")[0]
    assert "<img" not in html and "<b " not in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html  # the source id, escaped
    assert "&lt;b onmouseover=alert(3)&gt;E-Commerce&lt;/b&gt;" in html  # the owner, escaped
    failures = pl.read_csv(result.folder / "dq_failures.csv", infer_schema=False)
    assert HOSTILE_NAME in failures["value"].to_list()  # full value for the steward only
