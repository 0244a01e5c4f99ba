"""An incremental night gives what a full run from scratch gives, file for file.

The night changes the ERP silo the way a real day does: rows moved, renamed, deleted, new
duplicates, a record copied over with another customer's values (it leaves its group, which
splits, and joins the other customer's), and an unchanged row whose birth date reads differently
one day later. The incremental run reuses cleaned rows (cleaners.incremental) and compared pairs
(matching.incremental); its published files must be byte-identical to a full run's with the
same weights, and every cache must be rebuilt when what it depends on changes.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmarks.incremental import change_erp
from cleaners.incremental import (
    CACHE_FOLDER,
    clean_reusing,
    known_record_hashes,
    load_clean_cache,
    write_clean_cache,
)
from cleaners.outcome import CleanResult
from flows import stages
from flows.connectors import read_silo
from flows.demo import DEMO_TODAY, write_demo
from flows.pipeline import PipelineResult, PlainRunner, run_pipeline
from matching import comparisons
from matching.frozen_model import frequency_tables
from matching.incremental import CACHE_FOLDER as MATCH_CACHE_FOLDER
from matching.incremental import load_match_cache
from rules.canonical import record_hashes
from rules.config import load_config

#: The published files that must not differ by one byte.
COMPARED_FILES = (
    "golden.csv",
    "crosswalk.csv",
    "lineage.csv",
    "findings.csv",
    "quarantine.csv",
    "review_queue.csv",
    "stale.csv",
    "dq_failures.csv",
)
NEXT_DAY = DEMO_TODAY + timedelta(days=1)
#: Person columns copied from one ERP customer onto another.
PERSON_COLUMNS = ("anrede", "vorname", "nachname", "strasse", "plz", "ort", "land", "email")


def _fixed_weights(directory: Path) -> Path:
    path = directory / "golden.toml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("[matching]\n", "[matching]\nestimate_weights = false\n", 1))
    return path


def _erp_persons(directory: Path) -> list[str]:
    """Customer numbers of ERP persons with an e-mail address, in order."""
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        return [
            str(key)
            for (key,) in connection.execute(
                "SELECT kundennr FROM kunden WHERE kundentyp = 'Person' AND email IS NOT NULL "
                "ORDER BY kundennr"
            )
        ]


def _erp_groups(directory: Path) -> pl.DataFrame:
    """ERP persons of the published crosswalk with their golden id and group size."""
    crosswalk = pl.read_parquet(directory / "out" / "latest" / "crosswalk.parquet")
    sizes = crosswalk.group_by("golden_id").len("size")
    persons = _erp_persons(directory)
    return (
        crosswalk.filter((pl.col("silo") == "erp") & pl.col("source_id").is_in(persons))
        .join(sizes, on="golden_id")
        .sort("source_id")
    )


def _move_customer(directory: Path, target: str, donor: str) -> None:
    """Overwrite the ERP customer ``target`` with ``donor``'s person values."""
    columns = ", ".join(PERSON_COLUMNS)
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        connection.execute(
            f"UPDATE kunden SET ({columns}) = (SELECT {columns} FROM kunden WHERE kundennr = ?) "
            "WHERE kundennr = ?",
            (int(donor), int(target)),
        )


def _person(directory: Path, customer: str) -> tuple[object, ...]:
    """The ERP customer's person values (PERSON_COLUMNS)."""
    columns = ", ".join(PERSON_COLUMNS)
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        row = connection.execute(
            f"SELECT {columns} FROM kunden WHERE kundennr = ?", (int(customer),)
        ).fetchone()
    return tuple(row)


def _restore_customer(directory: Path, customer: str, values: tuple[object, ...]) -> None:
    """Give the ERP customer back the person values ``_person`` read."""
    columns = ", ".join(PERSON_COLUMNS)
    marks = ", ".join("?" for _ in PERSON_COLUMNS)
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        connection.execute(
            f"UPDATE kunden SET ({columns}) = ({marks}) WHERE kundennr = ?",
            (*values, int(customer)),
        )


def _share_firm_domain(directory: Path) -> None:
    """Give the first ERP firm with an e-mail address the domain of the last one: two firms
    at one domain, which then belongs to neither (an organisation record changed)."""
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        firms = connection.execute(
            "SELECT kundennr, email FROM kunden WHERE kundentyp = 'Firma' AND email LIKE '%@%' "
            "ORDER BY kundennr"
        ).fetchall()
        (first, email), (_, other) = firms[0], firms[-1]
        local, domain = email.split("@")[0], other.split("@")[1]
        connection.execute(
            "UPDATE kunden SET email = ? WHERE kundennr = ?", (f"{local}@{domain}", first)
        )


def _set_birth_date(directory: Path, customer: str, day: str) -> None:
    with sqlite3.connect(directory / "erp.sqlite") as connection:
        connection.execute(
            "UPDATE kunden SET geburtsdatum = ? WHERE kundennr = ?", (day, int(customer))
        )


def _summary(result: PipelineResult) -> dict[str, object]:
    return json.loads((result.folder / "summary.json").read_text("utf-8"))


def _groups(result: PipelineResult) -> pl.DataFrame:
    return pl.read_parquet(result.folder / "crosswalk.parquet").select(
        "silo", "source_id", "golden_id"
    )


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A first run, one night of changes, then the same night incremental and in full."""
    root = tmp_path_factory.mktemp("incremental-night")
    incremental, full = root / "incremental", root / "full"
    write_demo(incremental, persons=300, seed=23)
    config_path = _fixed_weights(incremental)
    # Born tomorrow: invalid on the first day, valid the next; the row itself never changes.
    born_tomorrow = _erp_persons(incremental)[0]
    _set_birth_date(incremental, born_tomorrow, NEXT_DAY.isoformat())
    first = run_pipeline(load_config(config_path), PlainRunner(), today=DEMO_TODAY)
    erp = _erp_groups(incremental)
    # A group of two: moving one of them out splits it.
    grouped = erp.filter((pl.col("size") == 2) & (pl.col("source_id") != born_tomorrow))[
        "source_id"
    ]
    target = grouped[0]
    target_group = erp.filter(pl.col("source_id") == target)["golden_id"][0]
    donor = erp.filter(
        (pl.col("golden_id") != target_group) & (pl.col("source_id") != born_tomorrow)
    )["source_id"][-1]
    shutil.copytree(incremental, full, symlinks=True)
    own_values = _person(incremental, target)
    for directory in (incremental, full):
        change_erp(directory, records=600, seed=3)
        _move_customer(directory, target, donor)
    # Which organisation owns a business domain is decided over all records: count how often
    # the incremental night's match stage decides it (matching.comparisons._domain_owners; the
    # stage also reads the schema of an empty comparison, which decides nothing).
    owner_calls: list[int] = []
    decide, match = comparisons._domain_owners, stages.match

    def counted(attributes: pl.DataFrame) -> pl.DataFrame:
        if attributes.height > 0:
            owner_calls.append(attributes.height)
        return decide(attributes)

    def counting_match(*args: object, **kwargs: object) -> stages.Matched:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(comparisons, "_domain_owners", counted)
            return match(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "match", counting_match)
        incremental_result = run_pipeline(load_config(config_path), PlainRunner(), today=NEXT_DAY)
    nights = {
        "first": first,
        "incremental": incremental_result,
        "owner_calls": owner_calls,
        # Every pair compared, scored with the frozen model the incremental night uses.
        "full": run_pipeline(
            load_config(full / "golden.toml"),
            PlainRunner(),
            today=NEXT_DAY,
            full=True,
            keep_model=True,
        ),
        "moved": ("erp", target, donor),
    }
    # As written: the first run's cache folder is pruned once the night is published.
    nights["tables"] = [
        load_match_cache(nights["incremental"].folder / MATCH_CACHE_FOLDER).tables,  # type: ignore[attr-defined]
        first.outputs.matched.cache.tables,  # type: ignore[union-attr]
    ]
    # A second night, on copies (the first night's folders stay for the tests above): the
    # incremental one starts from the first night's incremental cache.
    second, second_full = root / "second", root / "second-full"
    shutil.copytree(incremental, second, symlinks=True)
    shutil.copytree(incremental, second_full, symlinks=True)
    for directory in (second, second_full):
        change_erp(directory, records=600, seed=11)
        # The record that joined the donor's golden record last night leaves it again.
        _restore_customer(directory, target, own_values)
        # A firm changed: the organisations' domain owners are decided again, not reused.
        _share_firm_domain(directory)
    nights["second_incremental"] = run_pipeline(
        load_config(second / "golden.toml"), PlainRunner(), today=NEXT_DAY + timedelta(days=1)
    )
    nights["second_full"] = run_pipeline(
        load_config(second_full / "golden.toml"),
        PlainRunner(),
        today=NEXT_DAY + timedelta(days=1),
        full=True,
        keep_model=True,
    )
    return nights


def test_the_night_splits_and_joins_groups(night: dict[str, object]) -> None:
    """The changes do what the test claims: a group of the first run splits, two join."""
    before = _groups(night["first"])  # type: ignore[arg-type]
    after = _groups(night["incremental"])  # type: ignore[arg-type]
    both = before.join(after, on=["silo", "source_id"], suffix="_after")
    split = both.group_by("golden_id").agg(pl.col("golden_id_after").n_unique().alias("n"))
    joined = both.group_by("golden_id_after").agg(pl.col("golden_id").n_unique().alias("n"))
    assert split["n"].max() >= 2  # type: ignore[operator]
    assert joined["n"].max() >= 2  # type: ignore[operator]
    moved_customer: tuple[str, str, str] = night["moved"]  # type: ignore[assignment]
    _, target, donor = moved_customer
    moved = after.filter(pl.col("silo") == "erp").filter(pl.col("source_id").is_in([target, donor]))
    assert moved["golden_id"].n_unique() == 1  # the moved customer joined the donor's group


def test_the_second_night_takes_the_record_out_again(night: dict[str, object]) -> None:
    """The customer that joined the donor's golden record in the first night leaves it in the
    second (its own values back): both nights change a cluster through the same record."""
    moved_customer: tuple[str, str, str] = night["moved"]  # type: ignore[assignment]
    _, target, donor = moved_customer
    first_night = _groups(night["incremental"]).filter(pl.col("silo") == "erp")  # type: ignore[arg-type]
    second_night = _groups(night["second_incremental"]).filter(pl.col("silo") == "erp")  # type: ignore[arg-type]
    for groups, together in ((first_night, True), (second_night, False)):
        moved = groups.filter(pl.col("source_id").is_in([target, donor]))
        assert moved.height == 2
        assert (moved["golden_id"].n_unique() == 1) is together


def _survivorship(result: PipelineResult) -> dict[str, int | str]:
    return _summary(result)["survivorship"]  # type: ignore[return-value]


def test_nights_survive_only_touched_golden_records(night: dict[str, object]) -> None:
    """Both nights rebuild the golden records of changed clusters only (matching.golden_reuse)
    and take the others from the last run's cache; the full runs rebuild every one. That the
    files are a full run's, byte for byte, the two tests around this one check."""
    for name in ("incremental", "second_incremental"):
        survivorship = _survivorship(night[name])  # type: ignore[arg-type]
        assert survivorship["mode"] == "incremental", survivorship
        assert 0 < survivorship["survived"] < survivorship["golden_records"] / 5  # type: ignore[operator]
    for name in ("full", "second_full"):
        survivorship = _survivorship(night[name])  # type: ignore[arg-type]
        assert survivorship["mode"] == "full", survivorship
        assert survivorship["survived"] == survivorship["golden_records"]


def test_incremental_night_publishes_what_a_full_run_does(night: dict[str, object]) -> None:
    incremental, full = night["incremental"], night["full"]
    assert isinstance(incremental, PipelineResult) and isinstance(full, PipelineResult)
    cleaning, matching = _summary(incremental)["cleaning"], _summary(incremental)["matching"]
    assert cleaning["mode"] == "incremental", cleaning  # type: ignore[index]
    assert 0 < cleaning["cleaned_rows"] < cleaning["rows"] / 10  # type: ignore[index,operator]
    assert cleaning["redated_rows"] >= 1  # type: ignore[index,operator]
    assert matching["mode"] == "incremental", matching  # type: ignore[index]
    assert _summary(full)["cleaning"]["mode"] == "full"  # type: ignore[index]
    # Only the components the night touched were clustered; the others were taken over.
    clustering = _summary(incremental)["clustering"]
    assert clustering["mode"] == "incremental", clustering  # type: ignore[index]
    assert 0 < clustering["clustered_records"] < clustering["records"] / 2  # type: ignore[index,operator]
    assert _summary(full)["clustering"]["mode"] == "full"  # type: ignore[index]
    for name in COMPARED_FILES:
        assert filecmp.cmp(incremental.folder / name, full.folder / name, shallow=False), name
    hashes = pl.read_parquet(incremental.folder / CACHE_FOLDER / "hashes.parquet")
    assert hashes.height > 0  # the review queue's record hashes, kept for the next night
    # The DQ checks: great-expectations saw only the changed values and the cached verdicts of
    # the others gave the same failures and counts (dq_failures.csv above).
    reuse = incremental.outputs.dq_reuse
    assert reuse is not None and reuse.reason == "the last run's DQ cache fits"
    assert 0 < reuse.validated < reuse.rows / 10, (reuse.validated, reuse.rows)
    assert incremental.outputs.dq is not None and full.outputs.dq is not None
    assert_frame_equal(incremental.outputs.dq.check_results, full.outputs.dq.check_results)
    assert incremental.outputs.dq.failures.height > 0
    # Repeated values (duplicate e-mails) kept last night's uniqueness verdicts: the same
    # failures as the full run's (dq_failures.csv above), and far fewer rows validated.
    duplicates = pl.col("check").str.starts_with("uniqueness.")
    assert incremental.outputs.dq.failures.filter(duplicates).height > 0
    assert full.outputs.dq_reuse is not None
    assert reuse.validated < full.outputs.dq_reuse.validated / 10
    # In memory too, in the same order (the stages after cleaning read these frames).
    for frame in ("records", "findings", "quarantine"):
        assert_frame_equal(
            getattr(incremental.outputs.cleaned, frame), getattr(full.outputs.cleaned, frame)
        )


def test_an_incremental_night_reuses_the_organisations_domain_owners(
    night: dict[str, object],
) -> None:
    """The fresh pairs (flows.stages' compare) and the reused pairs (matching.incremental)
    read the same owners. No organisation record changed on the first night: their domain
    owners are the last run's (match_cache/owners.parquet), decided never; one firm changed on
    the second night: decided again over all organisations (and the files are a full run's,
    test below)."""
    incremental, second = night["incremental"], night["second_incremental"]
    assert isinstance(incremental, PipelineResult) and isinstance(second, PipelineResult)
    matching = _summary(incremental)["matching"]
    assert matching["mode"] == "incremental"  # type: ignore[index]
    assert matching["organisation_owners"] == "reused"  # type: ignore[index]
    assert night["owner_calls"] == []
    assert _summary(second)["matching"]["organisation_owners"] == "decided"  # type: ignore[index]
    # The kept owners are those a full decision over today's organisations gives.
    cache = load_match_cache(incremental.folder / MATCH_CACHE_FOLDER, pairs=False)
    assert cache.owners is not None
    decided = comparisons.organisation_owners(incremental.outputs.cleaned.records)
    assert_frame_equal(cache.owners, decided.sort("record_key").cast(cache.owners.schema))


def test_a_second_night_publishes_what_a_full_run_with_the_frozen_model_does(
    night: dict[str, object],
) -> None:
    """Two nights after the full run, the frozen tables still give a full run's files."""
    incremental, full = night["second_incremental"], night["second_full"]
    assert isinstance(incremental, PipelineResult) and isinstance(full, PipelineResult)
    assert _summary(incremental)["matching"]["mode"] == "incremental"  # type: ignore[index]
    assert _summary(incremental)["clustering"]["mode"] == "incremental"  # type: ignore[index]
    for name in COMPARED_FILES:
        assert filecmp.cmp(incremental.folder / name, full.folder / name, shallow=False), name
    assert_frame_equal(incremental.outputs.matched.pairs, full.outputs.matched.pairs)


def test_nights_keep_the_first_runs_term_frequencies(night: dict[str, object]) -> None:
    """The frequency tables are those the first (full) run counted, whatever changed since;
    a full run that does not keep the model counts them afresh."""
    second: PipelineResult = night["second_incremental"]  # type: ignore[assignment]
    night_one, first = night["tables"]  # type: ignore[misc]
    tables = [first, night_one, load_match_cache(second.folder / MATCH_CACHE_FOLDER).tables]
    assert tables[0] is not None and tables[0].counts.height > 0
    for later in tables[1:]:
        assert later is not None
        assert_frame_equal(later.counts, tables[0].counts)
        assert later.totals == tables[0].totals
    records = second.outputs.cleaned.records
    fresh = frequency_tables(records)
    assert fresh.totals != tables[0].totals  # the records changed: a recount differs


def test_the_birth_date_of_an_unchanged_row_is_read_with_todays_date(
    night: dict[str, object],
) -> None:
    """A birth date of tomorrow was invalid yesterday: today the unchanged row has it."""
    first, incremental = night["first"], night["incremental"]
    assert isinstance(first, PipelineResult) and isinstance(incremental, PipelineResult)
    future = first.outputs.cleaned.findings.filter(pl.col("reason") == "birth date in the future")
    assert future.height >= 1
    key = future["record_key"][0]
    records = incremental.outputs.cleaned.records.filter(pl.col("record_key") == key)
    assert records["birth_date"].to_list() == [NEXT_DAY]


def _canonical(directory: Path) -> tuple[stages.Prepared, object]:
    config = load_config(directory / "golden.toml")
    extracts = [read_silo(silo, config) for silo in config.enabled_silos()]
    return stages.prepare(config, extracts), config


def test_a_changed_setting_or_code_cleans_every_row(tmp_path: Path) -> None:
    """The cache key holds the cleaning settings and the code: either changed, no reuse."""
    write_demo(tmp_path, persons=60, seed=5)
    prepared, config = _canonical(tmp_path)
    settings = stages.clean_settings(config)  # type: ignore[arg-type]
    canonical = prepared.canonical
    calls: list[int] = []

    def clean(frame: pl.DataFrame) -> CleanResult:
        calls.append(frame.height)
        return stages.clean_part(config, frame, DEMO_TODAY)  # type: ignore[arg-type]

    first = clean_reusing(canonical, settings, DEMO_TODAY, None, 1000, clean)
    write_clean_cache(tmp_path / CACHE_FOLDER, first.cache)
    again = clean_reusing(canonical, settings, DEMO_TODAY, tmp_path / CACHE_FOLDER, 1000, clean)
    assert again.report.mode == "incremental" and again.report.cleaned == 0
    assert_frame_equal(again.result.frame, first.result.frame)
    assert_frame_equal(again.result.findings, first.result.findings)

    other = replace(settings, default_country="AT" if settings.default_country != "AT" else "CH")
    changed = clean_reusing(canonical, other, DEMO_TODAY, tmp_path / CACHE_FOLDER, 1000, clean)
    assert changed.report.mode == "full" and "settings changed" in changed.report.reason
    assert calls[-1] == canonical.height

    manifest = tmp_path / CACHE_FOLDER / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["settings"] = "0" * 64  # as a cache written by other cleaning code
    manifest.write_text(json.dumps(data), "utf-8")
    code = clean_reusing(canonical, settings, DEMO_TODAY, tmp_path / CACHE_FOLDER, 1000, clean)
    assert code.report.mode == "full" and calls[-1] == canonical.height

    (tmp_path / CACHE_FOLDER / "findings.parquet").write_bytes(b"not parquet")
    damaged = clean_reusing(canonical, settings, DEMO_TODAY, tmp_path / CACHE_FOLDER, 1000, clean)
    assert damaged.report.mode == "full" and "no usable clean cache" in damaged.report.reason


def test_the_cache_forgets_records_quarantined_after_cleaning(tmp_path: Path) -> None:
    """A record moved to quarantine after cleaning (an erased person's) leaves no trace."""
    write_demo(tmp_path, persons=60, seed=5)
    prepared, config = _canonical(tmp_path)
    cleaned = stages.clean(config, prepared, DEMO_TODAY)  # type: ignore[arg-type]
    assert cleaned.cache is not None
    own = cleaned.cache.records.filter(pl.col("record_key") == pl.col("parent_key"))
    gone = own["record_key"][3]  # a record of its own source row (no contact split off)
    keys = cleaned.records["record_key"]
    kept = cleaned.cache.keeping(keys.filter(keys != gone))
    assert gone not in kept.records["record_key"].to_list()
    assert gone not in kept.rows["record_key"].to_list()
    assert gone not in kept.findings["record_key"].to_list()
    assert kept.rows.height == cleaned.cache.rows.height - 1
    write_clean_cache(tmp_path / CACHE_FOLDER, kept)
    assert load_clean_cache(tmp_path / CACHE_FOLDER).records.height == kept.records.height


def test_known_record_hashes_are_reused_only_for_the_same_values(tmp_path: Path) -> None:
    """A cached record hash stands for the values it was made of: changed values, new hash."""
    write_demo(tmp_path, persons=40, seed=5)
    prepared, config = _canonical(tmp_path)
    records = stages.clean(config, prepared, DEMO_TODAY).records  # type: ignore[arg-type]
    first = known_record_hashes(records, None)
    assert dict(first.select("record_key", "record_hash").iter_rows()) == record_hashes(records)
    # A forged cache: every hash wrong. Unchanged records take it, the changed one does not.
    forged = first.with_columns(pl.lit("0" * 32).alias("record_hash"))
    changed_key = records["record_key"][0]
    changed = records.with_columns(
        pl.when(pl.col("record_key") == changed_key)
        .then(pl.lit("Changed"))
        .otherwise(pl.col("city"))
        .alias("city")
    )
    again = dict(
        known_record_hashes(changed, forged).select("record_key", "record_hash").iter_rows()
    )
    assert (
        again[changed_key]
        == record_hashes(changed.filter(pl.col("record_key") == changed_key))[changed_key]
    )
    assert {again[key] for key in again if key != changed_key} == {"0" * 32}
    assert again[changed_key] != first.filter(pl.col("record_key") == changed_key)["record_hash"][0]
