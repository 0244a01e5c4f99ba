"""The Listenprivileg list's one group attribute, end to end: mapped, cleaned, survived, exported.

Two CSV silos hold the same three persons: the CRM (most trusted) files them under a "Branche",
the shop under a "Kundengruppe" and a "Beruf". The list carries the segment by default, the
profession when golden.toml says so, nothing with "none" — and never both.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.export import export_profile
from flows.pipeline import PlainRunner, run_pipeline
from rules.config import GoldenConfig, load_config

#: id, first name, last name, street, postal code, city, e-mail, birth date
PERSONS = [
    "1|Anna|Becker|Lindenweg 3|10115|Berlin|anna.becker@example.de|1980-02-01".split("|"),
    "2|Bernd|Fischer|Hauptstraße 7|80331|München|b.fischer@example.de|1975-06-12".split("|"),
    "3|Carla|Hofmann|Ringstraße 21|50667|Köln|carla.h@example.de|1991-11-30".split("|"),
]
CRM_SEGMENT = {"1": "EINZELHANDEL", "2": "Handwerk", "3": "k.A."}
SHOP_SEGMENT = {"1": "Stammkunde", "2": "Neukunde", "3": "Stammkunde"}
SHOP_PROFESSION = {"1": "zahnärztin", "2": "Tischler", "3": "Lehrerin"}
HEADER = ["id", "vorname", "nachname", "strasse", "plz", "ort", "email", "geburtsdatum"]


def _write(directory: Path) -> None:
    with (directory / "crm.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([*HEADER, "Branche"])
        writer.writerows([*row, CRM_SEGMENT[row[0]]] for row in PERSONS)
    with (directory / "shop.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([*HEADER, "Kundengruppe", "Beruf"])
        writer.writerows(
            [f"S{row[0]}", *row[1:], SHOP_SEGMENT[row[0]], SHOP_PROFESSION[row[0]]]
            for row in PERSONS
        )


def _config(directory: Path, privacy: str = "") -> GoldenConfig:
    silo = """
connector = "csv"
delimiter = ";"
encoding = "utf-8"
date_format = "%Y-%m-%d"
"""
    mapping = """source_id = "id"
first_name = "vorname"
last_name = "nachname"
street_line = "strasse"
postal_code = "plz"
city = "ort"
emails = ["email"]
birth_date = "geburtsdatum"
"""
    (directory / "golden.toml").write_text(
        f"""
[project]
output_dir = "out"

[silos.crm]
path = "crm.csv"
trust_rank = 1
{silo}
[silos.crm.mapping]
{mapping}segment = "Branche"

[silos.shop]
path = "shop.csv"
trust_rank = 2
{silo}
[silos.shop.mapping]
{mapping}segment = "Kundengruppe"
profession = "Beruf"

[matching]
estimate_weights = false

[dq]
required_fields = []
{privacy}
""",
        encoding="utf-8",
    )
    return load_config(directory / "golden.toml")


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("listenprivileg-group")
    _write(directory)
    run_pipeline(_config(directory), PlainRunner())
    return directory


def _listed(config: GoldenConfig, out: Path) -> pl.DataFrame:
    export_profile(config, "listenprivileg", out_dir=out, labels="de")
    return pl.read_csv(out / "listenprivileg.csv", infer_schema=False, encoding="utf8")


def _golden(directory: Path) -> pl.DataFrame:
    run = sorted((directory / "out" / "runs").iterdir())[-1]
    return pl.read_parquet(run / "golden.parquet").sort("last_name")


def test_group_attributes_are_cleaned_and_survive_by_trust(directory: Path) -> None:
    golden = _golden(directory)
    assert golden.height == 3  # each person found in both silos
    # The CRM is trusted most: its segment wins, cased; its placeholder leaves the shop's.
    assert golden["segment"].to_list() == ["Einzelhandel", "Handwerk", "Stammkunde"]
    assert golden["profession"].to_list() == ["Zahnärztin", "Tischler", "Lehrerin"]


@pytest.mark.parametrize(
    ("setting", "header", "values"),
    [
        ("", "Segment", ["Einzelhandel", "Handwerk", "Stammkunde"]),  # default: auto
        ('listenprivileg_group = "auto"', "Segment", ["Einzelhandel", "Handwerk", "Stammkunde"]),
        ('listenprivileg_group = "profession"', "Beruf", ["Zahnärztin", "Tischler", "Lehrerin"]),
        ('listenprivileg_group = "none"', None, None),
    ],
)
def test_list_carries_exactly_the_configured_group_attribute(
    directory: Path, tmp_path: Path, setting: str, header: str | None, values: list[str] | None
) -> None:
    config = _config(directory, f"[privacy]\n{setting}\n" if setting else "")
    listed = _listed(config, tmp_path).sort("Nachname")
    fixed = ["Golden-ID", "Titel", "Vorname", "Nachname", "Straße", "PLZ", "Ort", "Land",
             "Geburtsjahr"]  # fmt: skip
    assert listed.columns == fixed + ([header] if header else [])
    if header:
        assert listed[header].to_list() == values
    # Never a second group attribute: no value of the other one anywhere in the file.
    text = (tmp_path / "listenprivileg.csv").read_text("utf-8-sig")
    golden = _golden(directory)
    others = [name for name in ("segment", "profession") if name != {"Segment": "segment",
              "Beruf": "profession"}.get(header or "")]  # fmt: skip
    for name in others:
        for value in golden[name].drop_nulls():
            assert value not in text, f"{name} value {value!r} leaked into the list"


def test_named_group_no_silo_maps_is_one_clear_line(tmp_path: Path) -> None:
    directory = tmp_path / "project"
    directory.mkdir()
    _write(directory)
    text = _config(directory).base_dir.joinpath("golden.toml").read_text("utf-8")
    text = text.replace('profession = "Beruf"\n', "")
    (directory / "golden.toml").write_text(
        text + '\n[privacy]\nlistenprivileg_group = "profession"\n', encoding="utf-8"
    )
    run_pipeline(load_config(directory / "golden.toml"), PlainRunner())
    result = CliRunner().invoke(
        app,
        ["export", "--config", str(directory / "golden.toml"), "--profile", "listenprivileg",
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "no silo maps profession" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "listenprivileg.csv").exists()
