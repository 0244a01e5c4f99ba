"""Marketing exports honour DSGVO flags end to end on the demo: Listenprivileg and "gesperrt".

One demo run (flows.demo, DEMO_TODAY, so the retention rules find due and "gesperrt" records);
objections and restrictions are recorded with the real `subject` functions, then exported.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.demo import DEMO_TODAY, write_demo
from flows.export import export_profile
from flows.pipeline import PipelineResult, PlainRunner, run_pipeline
from flows.subject import flag_subject
from rules.config import GoldenConfig, load_config

#: German headers (--labels de), as a letter shop in Germany gets the list.
HEADERS = ["Golden-ID", "Titel", "Vorname", "Nachname", "Straße", "PLZ", "Ort", "Land",
           "Geburtsjahr"]  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[GoldenConfig, PipelineResult]:
    directory = tmp_path_factory.mktemp("marketing-demo")
    write_demo(directory, persons=150, seed=3)
    config = load_config(directory / "golden.toml")
    return config, run_pipeline(config, PlainRunner(), today=DEMO_TODAY)


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def _gesperrt(run: PipelineResult) -> set[str]:
    due = _read(run.folder / "retention_due.csv")
    return set(due.filter(pl.col("status") == "gesperrt")["golden_id"])


def test_gesperrt_records_are_left_out_of_every_crm_export(
    demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path
) -> None:
    config, run = demo
    gesperrt = _gesperrt(run)
    assert gesperrt, "the demo has billing records kept only by law"
    golden = pl.read_parquet(run.folder / "golden.parquet")
    for name in ("generic", "salesforce"):
        result = export_profile(config, name, out_dir=tmp_path / name)
        exported: set[str] = set()
        for file in ("persons.csv", "organisations.csv", "contacts.csv", "accounts.csv"):
            if (result.folder / file).is_file():
                frame = _read(result.folder / file)
                exported |= set(frame[frame.columns[0]])
        assert not exported & gesperrt
        # nobody else is missing: the rest is in the file or refused by the CRM's rules
        rejected = set(_read(result.folder / f"rejected_{name}.csv")["golden_id"])
        assert not rejected & gesperrt
        assert exported | gesperrt | rejected == set(golden["golden_id"])


def test_listenprivileg_lists_only_unconsented_unobjected_persons(
    demo: tuple[GoldenConfig, PipelineResult], tmp_path: Path
) -> None:
    config, run = demo
    golden = pl.read_parquet(run.folder / "golden.parquet")
    postal = golden.filter(
        (pl.col("record_type") == "person")
        & pl.col("consent_post").is_null()
        & pl.col("street").is_not_null()
        & pl.col("last_name").is_not_null()
        & pl.col("postal_code").is_not_null()
        & pl.col("city").is_not_null()
        & ~pl.col("golden_id").is_in(list(_gesperrt(run)))
        & pl.col("birth_date").is_not_null()
    ).sort("golden_id")
    kept, objecting, restricted = (str(postal["golden_id"][i]) for i in range(3))
    flag_subject(config, objecting, kind="object", channels=("email",), since=DEMO_TODAY,
                 reason=None)  # fmt: skip
    flag_subject(config, restricted, kind="restrict", since=DEMO_TODAY, reason="Art. 18 (1a)")

    result = CliRunner().invoke(
        app,
        ["export", "--config", str(config.base_dir / "golden.toml"), "--profile",
         "listenprivileg", "--labels", "de", "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = _read(tmp_path / "listenprivileg.csv")
    assert listed.columns == HEADERS
    ids = set(listed["Golden-ID"])
    assert kept in ids and objecting not in ids and restricted not in ids
    assert not ids & _gesperrt(run)
    chosen = golden.filter(pl.col("golden_id").is_in(list(ids)))
    assert chosen["record_type"].to_list() == ["person"] * len(ids)
    assert chosen["consent_post"].null_count() == len(ids)  # a yes or a no keeps them off
    # Nothing but the allowed data: no e-mail, phone or full birth date anywhere in the file.
    text = (tmp_path / "listenprivileg.csv").read_text("utf-8-sig")
    for value in chosen.select(pl.col("emails").explode()).drop_nulls().to_series():
        assert value not in text
    for value in chosen.select(pl.col("phones").explode()).drop_nulls().to_series():
        assert value not in text
    merge = _read(tmp_path / "merge_map.csv").filter(pl.col("silo") != "retired_golden_id")
    assert set(merge["golden_id"]) == ids  # no source ids of persons not on the list
    row = listed.filter(pl.col("Golden-ID") == kept).row(0, named=True)
    person = golden.filter(pl.col("golden_id") == kept).row(0, named=True)
    assert row["Geburtsjahr"] == str(person["birth_date"].year)
    assert row["Nachname"] == person["last_name"] and row["PLZ"] == person["postal_code"]
    # Everyone eligible is on it: the persons without post consent, minus the three exclusions.
    assert ids == set(
        golden.filter(
            (pl.col("record_type") == "person")
            & pl.col("consent_post").is_null()
            & pl.all_horizontal(pl.col(c).is_not_null() for c in ("street", "postal_code", "city"))
            & pl.col("last_name").is_not_null()
            & ~pl.col("golden_id").is_in([objecting, restricted, *_gesperrt(run)])
        )["golden_id"]
    )
