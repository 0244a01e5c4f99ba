"""Data-subject requests end to end on the demo: find -> erase -> a re-run with the silos unchanged.

On SQLite and on the real local PostgreSQL: the erased person is not re-created, the silo tasks
list every source record, no published file and no state table holds any of their values, the
audit entry exists; bad input (no salt, a silo that cannot be read, an erased or unknown golden
id, a query naming two persons) is one clear error and changes nothing.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import create_engine, inspect, select

from flows.demo import DEMO_TODAY, write_demo
from flows.export import export_profile
from flows.pipeline import PlainRunner, run_pipeline
from flows.privacy_state import erasure_of_golden_id
from flows.retention import apply_retention
from flows.state import StateStore, metadata
from flows.subject import (
    confirm_erasure,
    erase_subject,
    erasure_status,
    export_subject,
    find_subjects,
    flag_subject,
    lift_subject_restriction,
    one_subject,
    read_holdings,
)
from matching.frozen_model import frequency_tables, load_tables
from matching.incremental import CACHE_FOLDER
from rules.config import GoldenConfig, load_config
from rules.errors import PrivacyError
from rules.privacy import SALT_ENV

SALT = "test-salt-for-tombstones-0123456789"


@dataclass(frozen=True)
class Demo:
    config: GoldenConfig
    folder: Path


def _demo(folder: Path, state_url: str | None) -> Demo:
    write_demo(folder, persons=150, seed=3)
    toml = folder / "golden.toml"
    text = toml.read_text("utf-8").replace('output_dir = "out"', 'output_dir = "out"', 1)
    if state_url:
        text = text.replace("[project]\n", f'[project]\nstate_url = "{state_url}"\n', 1)
    text += '\n[export]\nprofiles = ["generic"]\n'
    toml.write_text(text, "utf-8")
    return Demo(load_config(toml), folder)


@pytest.fixture(params=["sqlite", "postgres"])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Demo]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        yield _demo(tmp_path, url)
    else:
        yield _demo(tmp_path, None)


def _person(golden: pl.DataFrame) -> dict[str, object]:
    """A person of two or more records whose e-mail, phone and last name nobody else has."""
    emails = golden.select("golden_id", "emails").explode("emails").drop_nulls()
    phones = golden.select("golden_id", "phones").explode("phones").drop_nulls()
    shared_emails = emails.group_by("emails").len().filter(pl.col("len") > 1)["emails"]
    shared_phones = phones.group_by("phones").len().filter(pl.col("len") > 1)["phones"]
    common_names = golden.group_by("last_name").len().filter(pl.col("len") > 1)["last_name"]
    candidates = golden.filter(
        (pl.col("record_type") == "person")
        & (pl.col("member_count") >= 2)
        & (pl.col("emails").list.len() > 0)
        & pl.col("phones").list.eval(pl.element().str.starts_with("+49")).list.any()
        & ~pl.col("emails").list.eval(pl.element().is_in(shared_emails.implode())).list.any()
        & ~pl.col("phones").list.eval(pl.element().is_in(shared_phones.implode())).list.any()
        & ~pl.col("last_name").is_in(common_names.implode())
    ).sort("golden_id")
    assert candidates.height, "the demo has no person to erase"
    return candidates.row(0, named=True)


def _needles(person: dict[str, object]) -> list[str]:
    values = [*person["emails"], *person["phones"], person["last_name"]]  # type: ignore[misc]
    return sorted({str(value).lower() for value in values})


def _published_text(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as lower-case text (Parquet read, not grepped as bytes)."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            frame = frame.select(
                pl.col(name).cast(pl.List(pl.String)).list.join("|")
                if isinstance(dtype, pl.List)
                else pl.col(name).cast(pl.String)
                for name, dtype in frame.schema.items()
                if not isinstance(dtype, pl.Struct)
            )
            texts[str(path)] = frame.write_csv().lower()
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace").lower()
    return texts


def _state_text(url: str) -> str:
    """Every row of every table of the state store, as lower-case text."""
    engine = create_engine(StateStore.open(url).engine.url)
    rows = []
    with engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            if name in metadata.tables:
                rows.extend(
                    str(tuple(row)) for row in connection.execute(select(metadata.tables[name]))
                )
    engine.dispose()
    return "\n".join(rows).lower()


def test_find_erase_rerun(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    config = demo.config
    first = run_pipeline(config, PlainRunner(), today=DEMO_TODAY)
    golden = pl.read_parquet(first.folder / "golden.parquet")
    person = _person(golden)
    golden_id = str(person["golden_id"])
    members = (
        pl.read_parquet(first.folder / "crosswalk.parquet")
        .filter(pl.col("golden_id") == golden_id)
        .select("silo", "source_id")
        .sort("silo", "source_id")
    )
    needles = _needles(person)
    assert all(
        any(n in text for text in _published_text(config.output_dir).values()) for n in needles
    )

    # find: another case of the e-mail, the phone in national format, silo:source_id, golden id
    email = str(person["emails"][0])  # type: ignore[index]
    phone = next(p for p in person["phones"] if str(p).startswith("+49"))  # type: ignore[attr-defined]
    national = "0" + str(phone)[3:6] + " " + str(phone)[6:]
    silo, source_id = members.row(0)
    for query in (email.upper(), national, f"{silo}:{source_id}", golden_id):
        found = find_subjects(config, query, DEMO_TODAY)
        assert [match.golden_id for match in found] == [golden_id], query
        assert sorted(found[0].records.select("silo", "source_id").rows()) == members.rows()
    assert one_subject(config, email.upper(), DEMO_TODAY) == golden_id

    # access (Art. 15): every source record as read, the golden record, consent, recipients
    json_path, html_path = export_subject(config, email.upper(), demo.folder / "access", DEMO_TODAY)
    access = json.loads(json_path.read_text("utf-8"))
    assert access["golden_id"] == golden_id
    listed = sorted((r["silo"], r["source_id"]) for r in access["source_records"])
    assert listed == members.rows()
    assert all(record["values"] for record in access["source_records"])  # as read, not empty
    raw_text = json.dumps([r["values"] for r in access["source_records"]]).lower()
    assert email.lower() in raw_text
    assert access["golden_record"]["last_name"] == person["last_name"]
    assert [row["channel"] for row in access["consent"]] == ["email", "post", "phone"]
    assert [row["profile"] for row in access["recipients"]] == ["generic"]
    assert access["lineage"] and all(row["golden_id"] == golden_id for row in access["lineage"])
    page = html_path.read_text("utf-8")
    assert "Auskunft nach Art. 15 DSGVO" in page and str(person["last_name"]) in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert stat.S_IMODE(html_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(json_path.parent.stat().st_mode) == 0o700

    # bad input: each one clear error, nothing recorded
    monkeypatch.delenv(SALT_ENV, raising=False)
    with pytest.raises(PrivacyError, match="no tombstone salt"):
        erase_subject(config, golden_id, reason="Antrag", requested_at=DEMO_TODAY, today=DEMO_TODAY)
    monkeypatch.setenv(SALT_ENV, SALT)
    broken = demo.folder / "broken.toml"
    broken.write_text(
        (demo.folder / "golden.toml")
        .read_text("utf-8")
        .replace('path = "newsletter.csv"', 'path = "gone.csv"'),
        "utf-8",
    )
    with pytest.raises(PrivacyError, match="silo 'newsletter'.*nothing was changed"):
        erase_subject(
            load_config(broken),
            golden_id,
            reason="Antrag",
            requested_at=DEMO_TODAY,
            today=DEMO_TODAY,
        )
    with pytest.raises(PrivacyError, match="unknown golden id GFFFFFFFFFFFF"):
        erase_subject(
            config, "GFFFFFFFFFFFF", reason="Antrag", requested_at=DEMO_TODAY, today=DEMO_TODAY
        )
    store = StateStore.open(config.state_url)
    assert erasure_of_golden_id(store, golden_id) is None
    assert store.load_crosswalk().filter(pl.col("golden_id") == golden_id).height == members.height
    store.close()
    assert not (config.output_dir / "privacy").exists()

    # their last name's hash, as the full run's frozen term-frequency tables count it
    store = StateStore.open(config.state_url)
    records = read_holdings(config, store, DEMO_TODAY).records_of(golden_id)
    store.close()
    name_hashes = (
        frequency_tables(records)
        .counts.filter(pl.col("comparison") == "last_name")
        .select("value_hash_1", "value_hash_2")
    )
    assert name_hashes.height
    counted = load_tables(first.folder / CACHE_FOLDER).counts
    assert counted.join(name_hashes, on=["value_hash_1", "value_hash_2"]).height

    # erase
    result = erase_subject(
        config,
        golden_id,
        reason="Antrag per Brief",
        requested_at=DEMO_TODAY,
        erased_by="steward",
        today=DEMO_TODAY,
    )
    ref = result.erasure.request_ref
    assert result.tasks.select("silo", "source_id").rows() == members.rows()
    tasks = pl.read_csv(result.folder / "tasks.csv", infer_schema=False)
    assert tasks.select("silo", "source_id").sort("silo", "source_id").rows() == members.rows()
    assert set(tasks["owner"]) == {config.silos[s].owner for s in members["silo"]}
    assert stat.S_IMODE((result.folder / "tasks.csv").stat().st_mode) == 0o600
    assert result.erasure.profiles == ("generic",)
    with pytest.raises(PrivacyError, match=f"erased already .*{ref}"):
        erase_subject(config, golden_id, reason="again", requested_at=DEMO_TODAY, today=DEMO_TODAY)

    # the re-run with the silos unchanged
    second = run_pipeline(config, PlainRunner(), today=DEMO_TODAY)
    again = pl.read_parquet(second.folder / "golden.parquet")
    assert golden_id not in again["golden_id"].to_list()
    crosswalk = pl.read_parquet(second.folder / "crosswalk.parquet")
    assert crosswalk.join(members, on=["silo", "source_id"]).height == 0
    quarantine = pl.read_csv(second.folder / "quarantine.csv", infer_schema=False)
    stopped = quarantine.filter(pl.col("reason").str.starts_with("erased on"))
    assert stopped.select("silo", "source_id").sort("silo", "source_id").rows() == members.rows()
    assert stopped["raw"].is_null().all()
    assert set(stopped["reason"]) == {
        f"erased on {result.erasure.erased_at:%Y-%m-%d} (request {ref})"
    }
    # the night stayed incremental on the frozen tables, which no longer count their name
    summary = json.loads((second.folder / "summary.json").read_text("utf-8"))
    assert summary["matching"]["mode"] == "incremental", summary["matching"]
    frozen = load_tables(second.folder / CACHE_FOLDER).counts
    assert frozen.join(name_hashes, on=["value_hash_1", "value_hash_2"]).height == 0
    # the CRM that received the person is told to delete it
    changes_path = config.output_dir / "exports" / "generic" / "latest" / "changes.csv"
    changes = pl.read_csv(changes_path, infer_schema=False)
    assert changes.filter(pl.col("golden_id") == golden_id)["change"].to_list() == ["delete"]

    # owner-only files, also the ones the erasure rewrote
    for path in (second.folder / "golden.csv", first.folder / "golden.csv", changes_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(second.folder.stat().st_mode) == 0o700

    # no published file, no state table holds a value of theirs
    for path, text in _published_text(config.output_dir).items():
        for needle in needles:
            assert needle not in text, f"{needle!r} in {path}"
    state = _state_text(config.state_url)
    for needle in needles:
        assert needle not in state

    # the audit entry; silos confirm one by one
    status = erasure_status(config, ref)
    assert status.erasure.erased_by == "steward" and status.erasure.reason == "Antrag per Brief"
    per_silo = dict(members.group_by("silo").len().iter_rows())
    assert status.silos() == {silo: f"open ({n} of {n})" for silo, n in sorted(per_silo.items())}
    assert (
        status.hits.select("silo", "source_id").unique().sort("silo", "source_id").rows()
        == members.rows()
    )
    confirm_erasure(config, ref, str(members["silo"][0]), by="crm owner")
    assert erasure_status(config, ref).silos()[str(members["silo"][0])] == "confirmed"
    with pytest.raises(PrivacyError, match="no erasure request"):
        erasure_status(config, "E0000-NONE")


def test_a_query_naming_two_persons_is_refused(tmp_path: Path) -> None:
    demo = _demo(tmp_path, None)
    first = run_pipeline(demo.config, PlainRunner(), today=DEMO_TODAY)
    golden = pl.read_parquet(first.folder / "golden.parquet")
    shared = (
        golden.select("golden_id", "phones")
        .explode("phones")
        .drop_nulls()
        .group_by("phones")
        .agg(pl.col("golden_id").n_unique().alias("persons"))
        .filter(pl.col("persons") == 2)
        .sort("phones")
    )
    assert shared.height, "the demo has no shared landline"
    phone = shared["phones"][0]
    assert len(find_subjects(demo.config, phone, DEMO_TODAY)) == 2
    with pytest.raises(PrivacyError, match="matches 2 persons"):
        one_subject(demo.config, phone, DEMO_TODAY)


def test_objection_and_restriction_hold_across_runs(demo: Demo) -> None:
    config = demo.config
    first = run_pipeline(config, PlainRunner(), today=DEMO_TODAY)
    golden = pl.read_parquet(first.folder / "golden.parquet").filter(
        pl.col("record_type") == "person"
    )
    objecting = str(golden.filter(pl.col("consent_email"))["golden_id"][0])
    restricted = str(golden.filter(pl.col("golden_id") != objecting)["golden_id"][0])
    persons = config.output_dir / "exports" / "generic" / "latest" / "persons.csv"

    # retention: the demo's silos carry every group; due records become owner tasks, once
    due = pl.read_csv(first.folder / "retention_due.csv", infer_schema=False)
    assert set(due["group"]) == {"billing", "marketing", "prospect"}
    assert set(due["status"]) <= {"due", "gesperrt"}
    assert (due.filter(pl.col("status") == "due")["due_on"] <= DEMO_TODAY.isoformat()).all()
    report = (first.folder / "dq_report.html").read_text("utf-8")
    assert '<section id="retention">' in report and "Löschfristen" in report
    assert f"<td>{due.sort('due_on', 'silo', 'source_id')['source_id'][0]}</td>" in report
    erasure, folder = apply_retention(config, by="steward")
    tasks = pl.read_csv(folder / "tasks.csv", infer_schema=False)
    assert tasks.height == due.filter(pl.col("status") == "due").height == erasure.records
    assert erasure_status(config, erasure.request_ref).tasks.height == tasks.height
    with pytest.raises(PrivacyError, match="nothing to do"):
        apply_retention(config)
    assert {objecting, restricted} <= set(pl.read_csv(persons, infer_schema=False)["golden_id"])

    flag_subject(
        config, objecting, kind="object", channels=("email",), since=DEMO_TODAY, reason=None
    )
    flag_subject(config, restricted, kind="restrict", since=DEMO_TODAY, reason="Art. 18 (1a)")
    second = run_pipeline(config, PlainRunner(), today=DEMO_TODAY)
    row = (
        pl.read_parquet(second.folder / "golden.parquet")
        .filter(pl.col("golden_id") == objecting)
        .row(0, named=True)
    )
    assert (row["consent_email"], row["consent_email_source"]) == (False, "Widerspruch")
    assert row["consent_email_date"] == DEMO_TODAY
    full = export_profile(config, "generic", out_dir=demo.folder / "full")
    exported = set(pl.read_csv(full.folder / "persons.csv", infer_schema=False)["golden_id"])
    assert objecting in exported and restricted not in exported

    lift_subject_restriction(config, restricted)
    with pytest.raises(PrivacyError, match="is not restricted"):
        lift_subject_restriction(config, restricted)
    again = export_profile(config, "generic", out_dir=demo.folder / "again")
    assert restricted in set(
        pl.read_csv(again.folder / "persons.csv", infer_schema=False)["golden_id"]
    )
