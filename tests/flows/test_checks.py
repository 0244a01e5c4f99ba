"""check-config beyond the schema, `golden doctor`, and retries only for transient faults."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.checks import PACKAGE_RANGES, version_problem
from flows.cli import app
from flows.pipeline import read_with_retries
from rules.config import load_config
from rules.errors import GoldenError, SiloError

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


def _config(tmp_path: Path, silo: str, extra: str = "") -> Path:
    (tmp_path / "crm.csv").write_text("id;name\n1;Max\n", encoding="utf-8")
    path = tmp_path / "golden.toml"
    path.write_text(f'{extra}\n[silos.crm]\n{silo}\n[silos.crm.mapping]\nsource_id = "id"\n')
    return path


@pytest.mark.parametrize(
    ("description", "silo", "expected"),
    [
        {
            "description": "a missing file",
            "silo": 'connector = "csv"\npath = "nowhere/crm.csv"',
            "expected": "file not found",
        }.values(),
        {
            "description": "an unset variable",
            "silo": 'connector = "csv"\npath = "${GOLDEN_TEST_UNSET_DIR}/crm.csv"',
            "expected": "environment variable GOLDEN_TEST_UNSET_DIR is not set",
        }.values(),
        {
            "description": "a date format that is no format",
            "silo": 'connector = "csv"\npath = "crm.csv"\ndate_format = "%Q"',
            "expected": "[silos.crm] date_format = '%Q' is not a date format",
        }.values(),
        {
            "description": "a date format without the year",
            "silo": 'connector = "csv"\npath = "crm.csv"\ndate_format = "%d.%m."',
            "expected": "does not read back a full date",
        }.values(),
    ],
)
def test_check_config_names_what_would_fail_at_night(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, description: str, silo: str, expected: str
) -> None:
    monkeypatch.delenv("GOLDEN_TEST_UNSET_DIR", raising=False)
    result = runner.invoke(app, ["check-config", str(_config(tmp_path, silo)), "--offline"])
    assert result.exit_code == 2, description
    assert expected in result.output, result.output
    assert "valid —" not in result.output and "Traceback" not in result.output


def test_check_config_accepts_a_sound_file(tmp_path: Path) -> None:
    config = _config(tmp_path, 'connector = "csv"\npath = "crm.csv"\ndate_format = "%d.%m.%Y"')
    result = runner.invoke(app, ["check-config", str(config)])
    assert result.exit_code == 0, result.output
    assert "valid —" in result.output


def test_check_config_connects_to_databases_unless_offline(tmp_path: Path) -> None:
    port = _closed_port()
    silo = f'connector = "postgres"\nurl = "postgresql://golden@127.0.0.1:{port}/x"\ntable = "t"'
    config = _config(tmp_path, silo)
    online = runner.invoke(app, ["check-config", str(config)])
    assert online.exit_code == 2
    assert f"cannot connect to 127.0.0.1:{port}/x (connection refused)" in online.output
    offline = runner.invoke(app, ["check-config", str(config), "--offline"])
    assert offline.exit_code == 0, offline.output


@pytest.mark.db
def test_check_config_reaches_the_local_postgres(tmp_path: Path) -> None:
    silo = 'connector = "postgres"\nurl = "postgresql://postgres@127.0.0.1:5432/test"\ntable = "t"'
    result = runner.invoke(app, ["check-config", str(_config(tmp_path, silo))])
    assert result.exit_code == 0, result.output


def test_an_unreachable_database_is_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = _closed_port()
    silo = f'connector = "postgres"\nurl = "postgresql://golden@127.0.0.1:{port}/x"\ntable = "t"'
    config = load_config(_config(tmp_path, silo))
    with caplog.at_level(logging.WARNING, "golden"), pytest.raises(SiloError) as raised:
        read_with_retries(config.silos["crm"], config, delay=0)
    assert raised.value.transient
    assert sum("retrying" in record.message for record in caplog.records) == 2


@pytest.mark.db
@pytest.mark.parametrize(
    ("description", "silo"),
    [
        {
            "description": "a missing table",
            "silo": 'url = "postgresql://postgres@127.0.0.1:5432/test"\n'
            'table = "golden_no_such_table"',
        }.values(),
        {
            "description": "an unset password variable",
            "silo": 'url = "postgresql://postgres:${GOLDEN_TEST_UNSET_PW}@127.0.0.1:5432/test"\n'
            'table = "t"',
        }.values(),
        {
            "description": "a missing database",
            "silo": 'url = "postgresql://postgres@127.0.0.1:5432/golden_no_such_db"\ntable = "t"',
        }.values(),
    ],
)
def test_faults_that_waiting_cannot_fix_are_not_retried(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    description: str,
    silo: str,
) -> None:
    monkeypatch.delenv("GOLDEN_TEST_UNSET_PW", raising=False)
    config = load_config(_config(tmp_path, f'connector = "postgres"\n{silo}'))
    with caplog.at_level(logging.WARNING, "golden"), pytest.raises(GoldenError):
        read_with_retries(config.silos["crm"], config, delay=60)  # a retry would hang the test
    assert not [record for record in caplog.records if "retrying" in record.message], description


@pytest.mark.parametrize(
    ("name", "version", "problem"),
    [
        ("sqlalchemy", "2.1.9", "Prefect 3.8's scheduler crashes on SQLAlchemy 2.1"),
        ("sqlalchemy", "2.0.58", None),
        ("fastapi", "0.165.0", "fastapi 0.151 and newer"),
        ("fastapi", "0.150.0", None),
        ("prefect", "3.9.1", ">=3.8,<3.9"),
        ("polars", "1.2.0", ">=1.30"),
    ],
)
def test_doctor_flags_versions_outside_the_tested_ranges(
    name: str, version: str, problem: str | None
) -> None:
    assert name in PACKAGE_RANGES
    found = version_problem(name, version)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_doctor_checks_this_machine(tmp_path: Path) -> None:
    config = _config(tmp_path, 'connector = "csv"\npath = "crm.csv"')
    result = runner.invoke(app, ["doctor", "--config", str(config), "--offline"])
    lines = result.output.splitlines()
    for name in ("python", "sqlalchemy", "prefect", "silo crm", "disk", "chromium"):
        assert any(line.split(":")[0].endswith(f"  {name}") for line in lines), name
    assert all(line.startswith(("ok ", "problem ")) for line in lines), result.output
    assert result.exit_code == (0 if all(line.startswith("ok") for line in lines) else 1)


@pytest.mark.parametrize("command", [["run"], ["serve", "--cron", "0 2 * * *"]])
def test_a_prefect_server_that_does_not_answer_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    api = f"http://127.0.0.1:{_closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", api)
    config = _config(tmp_path, 'connector = "csv"\npath = "crm.csv"')
    result = runner.invoke(app, [*command, "--config", str(config)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: PREFECT_API_URL={api} does not answer")
    assert not (tmp_path / "out" / "runs").exists()


def _sourced_config(tmp_path: Path, rows: str, mapping: str, date_format: str = "") -> Path:
    (tmp_path / "crm.csv").write_text(rows, encoding="utf-8")
    fmt = f'date_format = "{date_format}"\n' if date_format else ""
    path = tmp_path / "golden.toml"
    path.write_text(
        f'[silos.crm]\nconnector = "csv"\npath = "crm.csv"\n{fmt}[silos.crm.mapping]\n{mapping}'
    )
    return path


def test_check_config_names_a_mapped_column_the_file_lacks(tmp_path: Path) -> None:
    config = _sourced_config(
        tmp_path, "id;Vorname\n1;Max\n", 'source_id = "id"\nfirst_name = "Vornamee"\n'
    )
    result = runner.invoke(app, ["check-config", str(config)])
    assert result.exit_code == 2, result.output
    assert "mapped column(s) 'Vornamee' not found in the source" in result.output
    assert "'Vorname'" in result.output  # what it has, to pick from
    assert "valid —" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("description", "dates", "date_format", "ok"),
    [
        {
            "description": "German dates read with an ISO format",
            "dates": ["12.03.1980", "01.11.1975", "30.06.1990"],
            "date_format": "%Y-%m-%d",
            "ok": False,
        }.values(),
        {
            "description": "the right format, one odd value",
            "dates": ["12.03.1980", "01.11.1975", "1990"],
            "date_format": "%d.%m.%Y",
            "ok": True,
        }.values(),
        {
            "description": "American order where days go past 12",
            "dates": ["03/12/1980", "12/25/1975", "06/30/1990", "07/31/1985"],
            "date_format": "%d/%m/%Y",
            "ok": False,
        }.values(),
    ],
)
def test_check_config_reads_the_birth_dates_with_the_date_format(
    tmp_path: Path, description: str, dates: list[str], date_format: str, ok: bool
) -> None:
    rows = "id;geb\n" + "".join(f"{n};{value}\n" for n, value in enumerate(dates, start=1))
    mapping = 'source_id = "id"\nbirth_date = "geb"\n'
    result = runner.invoke(
        app, ["check-config", str(_sourced_config(tmp_path, rows, mapping, date_format))]
    )
    assert (result.exit_code == 0) is ok, (description, result.output)
    if not ok:
        assert f"[silos.crm] date_format = '{date_format}' reads only" in result.output
        assert "column 'geb'" in result.output
        assert not any(value in result.output for value in dates)  # shapes, not birth dates
