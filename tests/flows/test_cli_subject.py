"""`golden subject …` on the command line: bad input is one clear line and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from rules.privacy import SALT_ENV

CONFIG = """
[project]
output_dir = "out"
[silos.crm]
connector = "csv"
path = "crm.csv"
owner = "Vertrieb"
[silos.crm.mapping]
source_id = "id"
last_name = "name"
emails = ["email"]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "crm.csv").write_text("id,name,email\n1,Zyx,z@x.de\n", "utf-8")
    path = tmp_path / "golden.toml"
    path.write_text(CONFIG, "utf-8")
    return path


@pytest.mark.parametrize(
    ("description", "arguments", "salt", "message"),
    [
        (
            "missing salt",
            ["erase", "G0000000000AA", "--reason", "Antrag", "--requested-at", "2026-12-01"],
            None,
            "error: no tombstone salt: set the environment variable GOLDEN_ERASURE_SALT or name a "
            "key file in [privacy] salt_file",
        ),
        (
            "short salt",
            ["erase", "G0000000000AA", "--reason", "Antrag", "--requested-at", "2026-12-01"],
            "short",
            "has 5 characters; use at least 16",
        ),
        (
            "bad date",
            ["erase", "G0000000000AA", "--reason", "Antrag", "--requested-at", "1.12.2026"],
            "x" * 20,
            "error: --requested-at '1.12.2026': write the date as YYYY-MM-DD",
        ),
        (
            "unknown request",
            ["status", "E2026-NONE"],
            None,
            "error: no erasure request 'E2026-NONE' in the state store",
        ),
        ("unreadable query", ["find", "hello"], None, "error: cannot read the query 'hello'"),
    ],
)
def test_bad_input_is_one_line(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    description: str,
    arguments: list[str],
    salt: str | None,
    message: str,
) -> None:
    if salt is None:
        monkeypatch.delenv(SALT_ENV, raising=False)
    else:
        monkeypatch.setenv(SALT_ENV, salt)
    result = CliRunner().invoke(app, ["subject", *arguments, "--config", str(config)])
    assert result.exit_code == 2, description
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], (description, result.output)
    assert "Traceback" not in result.output
    assert not (config.parent / "out" / "privacy").exists()
