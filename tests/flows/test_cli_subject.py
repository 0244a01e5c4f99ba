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


# -- the bad input after a real run: one line, exit 2, nothing recorded ------------------
#: Anna and Bernd Becker share the family landline; Carla is on her own.
PEOPLE = """id;vorname;nachname;strasse;plz;ort;telefon;email
1;Anna;Becker;Lindenweg 3;10115;Berlin;030 1234567;anna.becker@example.de
2;Bernd;Becker;Lindenweg 3;10115;Berlin;030 1234567;bernd.becker@example.de
3;Carla;Hofmann;Ringstraße 21;50667;Köln;0221 555666;carla.h@example.de
"""
RUN_CONFIG = """
[project]
output_dir = "out"
[silos.crm]
connector = "csv"
path = "crm.csv"
delimiter = ";"
encoding = "utf-8"
owner = "Vertrieb"
[silos.crm.mapping]
source_id = "id"
first_name = "vorname"
last_name = "nachname"
street_line = "strasse"
postal_code = "plz"
city = "ort"
phones = ["telefon"]
emails = ["email"]
[matching]
estimate_weights = false
[dq]
required_fields = []
"""
SALT = "cli-bad-input-salt-0123456789"


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    """golden.toml after one run, and golden id by last name + first name."""
    import polars as pl

    from flows.pipeline import PlainRunner, run_pipeline
    from rules.config import load_config

    (tmp_path / "crm.csv").write_text(PEOPLE, "utf-8")
    path = tmp_path / "golden.toml"
    path.write_text(RUN_CONFIG, "utf-8")
    result = run_pipeline(load_config(path), PlainRunner())
    golden = pl.read_parquet(result.folder / "golden.parquet")
    ids = {f"{row['first_name']} {row['last_name']}": row["golden_id"] for row in golden.to_dicts()}
    monkeypatch.setenv(SALT_ENV, SALT)
    return path, ids


def _held(config: Path) -> tuple[list[str], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Files under the output folder, crosswalk rows and erasure rows: what a refusal must keep."""
    from sqlalchemy import create_engine, inspect, text

    out = config.parent / "out"
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    engine = create_engine(f"sqlite:///{out / 'state.db'}")
    with engine.connect() as connection:
        crosswalk = list(connection.execute(text("SELECT * FROM golden_crosswalk ORDER BY 1, 2")))
        erasures: list[tuple[object, ...]] = []
        if "golden_erasures" in inspect(connection).get_table_names():
            erasures = [tuple(r) for r in connection.execute(text("SELECT * FROM golden_erasures"))]
    engine.dispose()
    return files, [tuple(row) for row in crosswalk], erasures


def _one_line(config: Path, arguments: list[str], message: str) -> None:
    before = _held(config)
    result = CliRunner().invoke(app, ["subject", *arguments, "--config", str(config)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output
    assert _held(config) == before  # nothing half-done: no file, no state row changed


ERASE = ["--reason", "Antrag", "--requested-at", "2026-12-01"]


def test_unknown_golden_id_is_one_line(ran: tuple[Path, dict[str, str]]) -> None:
    config, _ = ran
    message = "error: unknown golden id GFFFFFFFFFFFF — the state store never issued it"
    _one_line(config, ["erase", "GFFFFFFFFFFFF", *ERASE], message)
    _one_line(config, ["export", "GFFFFFFFFFFFF", "--out", str(config.parent / "a")], message)
    _one_line(config, ["find", "GFFFFFFFFFFFF"], message)
    assert not (config.parent / "a").exists()


def test_a_query_naming_two_persons_is_one_line(ran: tuple[Path, dict[str, str]]) -> None:
    config, ids = ran
    both = sorted([ids["Anna Becker"], ids["Bernd Becker"]])
    message = f"error: '030 1234567' matches 2 persons ({both[0]}, {both[1]}) — confirm"
    _one_line(config, ["erase", "030 1234567", *ERASE], message)
    _one_line(config, ["restrict", "030 1234567", "--requested-at", "2026-12-01"], message)
    _one_line(config, ["export", "+49 30 1234567", "--out", str(config.parent / "a")],
              message.replace("'030 1234567'", "'+49 30 1234567'"))  # fmt: skip


def test_erasing_an_erased_person_again_is_one_line(ran: tuple[Path, dict[str, str]]) -> None:
    config, ids = ran
    carla = ids["Carla Hofmann"]
    first = CliRunner().invoke(app, ["subject", "erase", carla, *ERASE, "--config", str(config)])
    assert first.exit_code == 0, first.output
    erasures = _held(config)[2]
    assert len(erasures) == 1
    ref = str(erasures[0][0])
    message = f"error: {carla} was erased already on "
    _one_line(config, ["erase", carla, *ERASE], message)
    _one_line(config, ["erase", "carla.h@example.de", *ERASE], f"(request {ref})")
    assert len(list((config.parent / "out" / "privacy" / "erasure").iterdir())) == 1


def test_missing_salt_after_a_run_is_one_line(
    ran: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, ids = ran
    monkeypatch.delenv(SALT_ENV)
    _one_line(config, ["erase", ids["Carla Hofmann"], *ERASE], "error: no tombstone salt")
    assert not (config.parent / "out" / "privacy").exists()


@pytest.mark.parametrize("silo", ["missing file", "database refusing connections"])
def test_a_silo_that_cannot_be_reached_is_one_line(
    ran: tuple[Path, dict[str, str]], silo: str
) -> None:
    config, ids = ran
    if silo == "missing file":
        (config.parent / "crm.csv").rename(config.parent / "crm.bak")
        message = "silo 'crm'"
    else:
        port = _closed_port()
        config.write_text(
            config.read_text("utf-8")
            + f'[silos.erp]\nconnector = "postgres"\nurl = "postgresql://golden@127.0.0.1:{port}/x"'
            + '\ntable = "kunden"\n[silos.erp.mapping]\nsource_id = "id"\nlast_name = "name"\n',
            "utf-8",
        )
        message = "silo 'erp'"
    carla = ids["Carla Hofmann"]
    for arguments in (["erase", carla, *ERASE], ["find", "carla.h@example.de"],
                      ["export", carla, "--out", str(config.parent / "a")]):  # fmt: skip
        _one_line(config, arguments, message)
    result = CliRunner().invoke(app, ["subject", "erase", carla, *ERASE, "--config", str(config)])
    assert "nothing was changed" in result.output
