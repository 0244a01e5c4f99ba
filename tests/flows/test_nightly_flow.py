"""The Prefect flow under Prefect's test harness, and the `golden` command's behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.demo import write_demo
from rules.config import load_config

runner = CliRunner()


@pytest.fixture(scope="module")
def prefect_harness() -> Iterator[None]:
    # Module scope: the harness's server threads draw from the global `random`, which makes
    # hypothesis tests in later modules fail as "flaky strategy" while the server is alive.
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.mark.slow
def test_flow_runs_under_prefect(prefect_harness: None, tmp_path: Path) -> None:
    from flows.nightly import nightly_flow

    write_demo(tmp_path, persons=60, seed=3)
    summary = nightly_flow(str(tmp_path / "golden.toml"))
    assert summary["golden_records"] > 0
    assert (
        summary["records_in_crosswalk"] - summary["golden_records"] == summary["duplicates_merged"]
    )
    crosswalk = pl.read_parquet(tmp_path / "out" / "latest" / "crosswalk.parquet")
    assert crosswalk.height == summary["records_in_crosswalk"]
    assert set(summary["stage_seconds"]) >= {"extract", "clean", "match", "golden records"}


@pytest.mark.slow
def test_cli_run_reports_missing_silo_file_in_one_line(
    prefect_harness: None, tmp_path: Path
) -> None:
    write_demo(
        tmp_path,
        persons=30,
        seed=3,
    )
    (tmp_path / "shop.json").unlink()
    result = runner.invoke(app, ["run", "--config", str(tmp_path / "golden.toml")])
    assert result.exit_code == 2
    assert "silo 'shop'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "latest").exists()


def test_init_writes_a_valid_starter(tmp_path: Path) -> None:
    target = tmp_path / "golden.toml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    # The starter names example files that do not exist yet: each is one line with its key.
    checked = runner.invoke(app, ["check-config", str(target)])
    assert checked.exit_code == 2, checked.output
    assert "exports/crm.csv" in checked.output and "[silos.crm]" in checked.output
    assert "Traceback" not in checked.output
    (tmp_path / "exports").mkdir()
    # check-config reads the files: a CRM export without the starter's columns is named ...
    (tmp_path / "exports" / "crm.csv").write_text("id\n1\n")
    (tmp_path / "exports" / "shop.json").write_text("[]")  # no records yet: nothing to check
    checked = runner.invoke(app, ["check-config", str(target)])
    assert checked.exit_code == 2, checked.output
    assert "silo 'crm': mapped column(s) 'Angelegt'" in checked.output
    assert "silo 'shop'" not in checked.output
    # ... and one with them is valid.
    crm = load_config(target).silos["crm"]
    columns = sorted(
        {
            name
            for value in crm.mapping.values()
            for name in ([value] if isinstance(value, str) else value)
        }
    )
    (tmp_path / "exports" / "crm.csv").write_text(
        ";".join(columns) + "\n" + ";" * (len(columns) - 1) + "\n"
    )
    checked = runner.invoke(app, ["check-config", str(target)])
    assert checked.exit_code == 0, checked.output
    assert "valid" in checked.output


def test_check_config_names_file_and_key(tmp_path: Path) -> None:
    target = tmp_path / "golden.toml"
    target.write_text(
        '[silos.crm]\nconnector = "cvs"\npath = "x.csv"\n[silos.crm.mapping]\nsource_id = "id"\n'
    )
    result = runner.invoke(app, ["check-config", str(target)])
    assert result.exit_code == 2
    assert str(target) in result.output and "silos.crm.connector" in result.output
    assert "Traceback" not in result.output


def test_evaluate_prints_scores(tmp_path: Path) -> None:
    (tmp_path / "truth.csv").write_text("silo,source_id,entity_id\na,1,x\na,2,x\na,3,y\n")
    (tmp_path / "cw.csv").write_text("\ufeffsilo,source_id,golden_id\na,1,G1\na,2,G1\na,3,G1\n")
    result = runner.invoke(
        app,
        [
            "evaluate",
            "--truth",
            str(tmp_path / "truth.csv"),
            "--crosswalk",
            str(tmp_path / "cw.csv"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["recall"] == 1.0
    assert data["precision"] == pytest.approx(1 / 3)


def test_serve_builds_a_nightly_deployment(tmp_path: Path) -> None:
    from flows.schedule import build_deployment

    deployment = build_deployment(tmp_path / "golden.toml", "0 2 * * *", "nightly")
    assert deployment.name == "nightly"
    assert deployment.parameters == {"config_path": str(tmp_path / "golden.toml")}
    assert deployment.schedules[0].schedule.cron == "0 2 * * *"


def test_serve_rejects_a_bad_cron(tmp_path: Path) -> None:
    from flows.schedule import validate_cron
    from rules.errors import GoldenError

    with pytest.raises(GoldenError, match="not a valid cron"):
        validate_cron("every night")


@pytest.mark.slow
def test_a_fault_of_the_machine_is_one_line_through_prefect_too(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PREFECT_API_URL set the run is a Prefect flow run; Prefect's own traceback logging
    of the failed flow must not bury the one line."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    write_demo(tmp_path, persons=30, seed=3)
    (tmp_path / "blocker").write_text("a file where the output folder should be")
    config = tmp_path / "golden.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('output_dir = "out"', 'output_dir = "blocker/out"'), "utf-8")
    result = runner.invoke(app, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"error: {tmp_path / 'blocker' / 'out'}:" in result.output
