"""golden.toml loading: valid files load, every invalid one names the file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.config import GoldenConfig, load_config, parse_config, resolve_env, starter_text
from rules.errors import ConfigError

MINIMAL = """
[silos.crm]
connector = "csv"
path = "crm.csv"
[silos.crm.mapping]
source_id = "Kundennr"
last_name = "Nachname"
"""


def test_starter_file_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "golden.toml"
    path.write_text(starter_text(), encoding="utf-8")
    config = load_config(path)
    assert [silo.name for silo in config.enabled_silos()] == ["crm", "shop"]
    assert config.silos["crm"].encoding == "cp1252"
    assert config.output_dir == (tmp_path / "out").resolve()
    assert config.state_url == f"sqlite:///{tmp_path.resolve() / 'out' / 'state.db'}"


def test_minimal_file_gets_defaults(tmp_path: Path) -> None:
    config = parse_config(MINIMAL, tmp_path / "golden.toml")
    assert config.matching.match_threshold == 0.9
    assert config.survivorship.default == "trust"
    assert config.staleness.months_without_update is None  # off: CRM records go unedited
    assert config.silos["crm"].trust_rank == 10
    assert config.resolve_path("crm.csv") == tmp_path.resolve() / "crm.csv"


@pytest.mark.parametrize(
    ("description", "text", "expected"),
    [
        ("no silos", "[project]\nname='x'\n", "silos: required key is missing"),
        ("bad connector", MINIMAL.replace('"csv"', '"cvs"'), "silos.crm.connector"),
        ("unknown field", MINIMAL + 'vorname = "Vorname"\n', "unknown canonical field(s) vorname"),
        ("no source id", MINIMAL.replace('source_id = "Kundennr"\n', ""), "source_id is required"),
        ("typo in section key", MINIMAL + "[matching]\nmatch_treshold = 0.8\n", "unknown key"),
        (
            "list for scalar",
            MINIMAL + 'first_name = ["A", "B"]\n',
            "first_name takes one column name",
        ),
        (
            "file connector without path",
            MINIMAL.replace('path = "crm.csv"\n', ""),
            "needs path",
        ),
        (
            "database without table",
            MINIMAL.replace(
                'connector = "csv"\npath = "crm.csv"',
                'connector = "postgres"\nurl = "postgresql://u@h/db"',
            ),
            "needs table",
        ),
        (
            "inline password",
            MINIMAL.replace(
                'connector = "csv"\npath = "crm.csv"',
                'connector = "mysql"\nurl = "mysql://u:geheim@h/db"\ntable = "t"',
            ),
            "contains a password",
        ),
        (
            "thresholds reversed",
            MINIMAL + "[matching]\nmatch_threshold = 0.5\nreview_threshold = 0.8\n",
            "review_threshold must not be above match_threshold",
        ),
        (
            "unknown blocking rule",
            MINIMAL + "[matching]\nblocking_rules = ['soundex']\n",
            "soundex",
        ),
        (
            "bad survivorship rule",
            MINIMAL + "[survivorship]\ndefault = 'newest'\n",
            "survivorship.default",
        ),
        (
            "bad country",
            MINIMAL + "[project]\ndefault_country = 'Deutschland'\n",
            "default_country",
        ),
        ("not toml", "[silos.crm\n", "not valid TOML"),
    ],
)
def test_invalid_files_name_key_and_expectation(
    tmp_path: Path, description: str, text: str, expected: str
) -> None:
    path = tmp_path / "golden.toml"
    with pytest.raises(ConfigError) as error:
        parse_config(text, path)
    message = str(error.value)
    assert str(path) in message, description
    assert expected in message, f"{description}: {message}"


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="golden init"):
        load_config(tmp_path / "nope.toml")


def test_password_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'connector = "csv"\npath = "crm.csv"',
        'connector = "postgres"\nurl = "postgresql://reader:${CRM_PW}@db/crm"\ntable = "kunden"',
    )
    config = parse_config(text, tmp_path / "golden.toml")
    url = config.silos["crm"].url or ""
    assert "geheim" not in text
    monkeypatch.setenv("CRM_PW", "geheim")
    assert resolve_env(url, "x") == "postgresql://reader:geheim@db/crm"
    monkeypatch.delenv("CRM_PW")
    with pytest.raises(ConfigError, match="CRM_PW is not set"):
        resolve_env(url, "silo 'crm' url")


def test_config_is_immutable(tmp_path: Path) -> None:
    config = parse_config(MINIMAL, tmp_path / "golden.toml")
    assert isinstance(config, GoldenConfig)
    with pytest.raises(ValueError):
        config.matching.match_threshold = 0.1  # type: ignore[misc]
