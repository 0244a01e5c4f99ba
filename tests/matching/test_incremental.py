"""Incremental matching: fingerprints, the match cache, when a run falls back to full, and that
an incremental run's pairs equal a full run's on small hand-made records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import matching.blocking
from matching.block_keys import KEYS_FILE, RuleKeys, RuleTouching
from matching.blocking import BLOCKING_RULES, candidate_pairs_touching, oversized_hashes
from matching.incremental import (
    CACHE_FOLDER,
    MATCHED_COLUMNS,
    MatchOutcome,
    fingerprint_frame,
    load_match_cache,
    match_records,
    record_fingerprints,
    write_match_cache,
)
from rules.config import MatchingConfig

#: Same weights in every run (no EM), so incremental and full runs must agree row for row.
SETTINGS = MatchingConfig(estimate_weights=False, incremental_max_changed_percent=100)

PEOPLE: list[dict[str, Any]] = [
    {
        "record_key": "crm:1",
        "record_type": "person",
        "first_name_key": "anna",
        "first_name_group": "anna",
        "last_name_key": "berg",
        "last_name_phonetic": "17",
        "emails": ["anna.berg@posteo.de"],
        "birth_date": date(1980, 2, 1),
        "postal_code": "89073",
        "city_key": "ulm",
    },
    {
        "record_key": "shop:1",
        "record_type": "person",
        "first_name_key": "anna",
        "first_name_group": "anna",
        "last_name_key": "berg",
        "last_name_phonetic": "17",
        "emails": ["anna.berg@posteo.de"],
        "postal_code": "89073",
        "city_key": "ulm",
    },
    {
        "record_key": "crm:2",
        "record_type": "person",
        "first_name_key": "ben",
        "first_name_group": "benjamin",
        "last_name_key": "kurz",
        "last_name_phonetic": "478",
        "emails": ["ben.kurz@gmx.de"],
        "phones": ["+4936412345"],
        "birth_date": date(1975, 6, 5),
        "postal_code": "07743",
        "city_key": "jena",
    },
    {
        "record_key": "erp:7",
        "record_type": "person",
        "first_name_key": "ben",
        "first_name_group": "benjamin",
        "last_name_key": "kurz",
        "last_name_phonetic": "478",
        "phones": ["+4936412345"],
        "postal_code": "07743",
        "city_key": "jena",
    },
    {
        "record_key": "crm:3",
        "record_type": "person",
        "first_name_key": "cara",
        "first_name_group": "cara",
        "last_name_key": "lang",
        "last_name_phonetic": "564",
        "emails": ["cara@lang.de"],
        "postal_code": "24103",
        "city_key": "kiel",
    },
]


def _pair_set(outcome: MatchOutcome) -> set[tuple[str, str]]:
    return set(outcome.pairs.select("left_key", "right_key").iter_rows())


def _cached_run(records: pl.DataFrame, folder: Path, settings: MatchingConfig) -> Path:
    """Match ``records`` in full and write the cache as a published run would."""
    cache = folder / CACHE_FOLDER
    write_match_cache(cache, match_records(records, settings, None).cache)
    return cache


def _assert_same_as_full(
    records: pl.DataFrame, cache: Path, settings: MatchingConfig = SETTINGS
) -> MatchOutcome:
    incremental = match_records(records, settings, cache)
    # A full run with the frozen model (weights and term-frequency tables of the cached run).
    full = match_records(records, settings, cache, full=True, keep_model=True)
    assert incremental.report.mode == "incremental", incremental.report.reason
    assert full.report.mode == "full"
    assert_frame_equal(incremental.pairs, full.pairs)
    # Sorted by pair in both: outputs must not depend on the order joins happen to return.
    assert_frame_equal(full.pairs, full.pairs.sort("left_key", "right_key"))
    assert_frame_equal(incremental.blocking.oversized_blocks, full.blocking.oversized_blocks)
    assert_frame_equal(incremental.cache.compared, full.cache.compared)
    assert_frame_equal(incremental.cache.oversized, full.cache.oversized)
    # The block keys kept for the next night: a full run's, whether taken from the cache or made.
    assert incremental.cache.keys is not None and full.cache.keys is not None
    _assert_same_keys(incremental.cache.keys, full.cache.keys)
    # Every pair's probability and same_owner are kept beside it, in the pairs' order: the
    # probability each pair scored (all pairs kept here, sorted by key as the places are).
    stored = ["left", "right", "probability", "same_owner"]
    assert incremental.cache.pairs["probability"].to_list() == full.pairs["probability"].to_list()
    assert_frame_equal(incremental.cache.pairs.select(stored), full.cache.pairs.select(stored))
    # Keeping only the pairs a run needs, the night decides the reused pairs it drops from
    # yesterday's probability (matching.reused_scores): the same pairs as scoring them all.
    lean = match_records(records, settings, cache, keep_all_pairs=False)
    lean_full = match_records(
        records, settings, cache, full=True, keep_model=True, keep_all_pairs=False
    )
    assert lean.report.mode == "incremental", lean.report.reason
    assert_frame_equal(lean.pairs, lean_full.pairs)
    assert_frame_equal(lean.cache.pairs.select(stored), full.cache.pairs.select(stored))
    return incremental


def _assert_same_keys(keys: RuleKeys, expected: RuleKeys) -> None:
    assert keys.keys() == expected.keys()
    for name, frame in keys.items():
        order = ["place", "block_hash"]
        assert_frame_equal(frame.sort(order), expected[name].sort(order))


def _stored_keys(cache: Path) -> RuleKeys:
    """keys.parquet per rule, as the night reads it."""
    manifest = json.loads((cache / "manifest.json").read_text("utf-8"))
    stored = pl.read_parquet(cache / KEYS_FILE)
    return {
        name: stored.filter(pl.col("rule") == bit).select("place", "block_hash")
        for bit, name in enumerate(manifest["rule_names"])
        if name in manifest["key_rows"]
    }


@pytest.fixture
def from_kept(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rules a night blocked from the kept keys (matching.block_keys), in call order."""
    rules: list[str] = []
    original = matching.blocking.touching_from_kept

    def spy(*args: Any) -> RuleTouching | None:
        part = original(*args)
        if part is not None:
            rules.append(args[1])
        return part

    monkeypatch.setattr(matching.blocking, "touching_from_kept", spy)
    return rules


# --- fingerprints ------------------------------------------------------------------------------


def test_fingerprint_ignores_columns_matching_does_not_read(make_records: Any) -> None:
    before = make_records([{**PEOPLE[0], "owner": "Vertrieb", "updated_at": datetime(2024, 1, 1)}])
    after = make_records(
        [{**PEOPLE[0], "owner": "Buchhaltung", "updated_at": datetime(2025, 1, 1)}]
    )
    assert_frame_equal(record_fingerprints(before), record_fingerprints(after))


FINGERPRINT_CASES = [
    {"description": "a name key", "change": {"last_name_key": "bergh"}},
    {"description": "a phonetic code", "change": {"last_name_phonetic": "18"}},
    {"description": "a date", "change": {"birth_date": date(1980, 1, 2)}},
    {"description": "a value to null", "change": {"postal_code": None}},
    {"description": "null to empty string", "change": {"house_number": ""}},
    {"description": "a list value", "change": {"emails": ["anna@berg.de"]}},
    {"description": "an empty list is not null", "change": {"phones": []}},
    {
        "description": "list order (the first e-mail is compared for typos)",
        "change": {"emails": ["b@x.de", "anna.berg@posteo.de"]},
        "base": {"emails": ["anna.berg@posteo.de", "b@x.de"]},
    },
    {"description": "the record type", "change": {"record_type": "organisation"}},
]


@pytest.mark.parametrize("case", FINGERPRINT_CASES, ids=lambda case: case["description"])
def test_fingerprint_changes_with_every_matched_value(
    case: dict[str, Any], make_records: Any
) -> None:
    base = {**PEOPLE[0], **case.get("base", {})}
    before = record_fingerprints(make_records([base]))
    after = record_fingerprints(make_records([{**base, **case["change"]}]))
    assert before.select("fingerprint_1", "fingerprint_2").row(0) != after.select(
        "fingerprint_1", "fingerprint_2"
    ).row(0)


def test_blocking_rules_read_only_fingerprinted_columns(make_records: Any) -> None:
    # A rule reading another column would miss changes to it: it must fail here instead.
    only_matched = fingerprint_frame(make_records(PEOPLE))
    assert set(only_matched.columns) == {"record_key", *MATCHED_COLUMNS}
    for name, rule in BLOCKING_RULES.items():
        assert set(rule(only_matched).columns) == {"record_key", "block_key"}, name


# --- equality with a full run ------------------------------------------------------------------


def test_unchanged_input_reuses_every_pair(
    make_records: Any, tmp_path: Path, from_kept: list[str]
) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    outcome = _assert_same_as_full(records, cache)
    assert outcome.report.changed == 0 and outcome.report.removed == 0
    assert outcome.report.compared_pairs == 0
    assert outcome.report.reused_pairs == outcome.pairs.height > 0
    assert sum(outcome.report.pairs_per_rule.values()) == 0  # nothing generated in this run
    # Every rule's keys taken from the cache.
    assert from_kept[: len(SETTINGS.blocking_rules)] == SETTINGS.blocking_rules


def test_removed_records_lose_their_pairs(make_records: Any, tmp_path: Path) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    outcome = _assert_same_as_full(records.filter(pl.col("record_key") != "shop:1"), cache)
    assert outcome.report.removed == 1
    assert not any("shop:1" in pair for pair in _pair_set(outcome))
    assert ("crm:2", "erp:7") in _pair_set(outcome)


def test_a_changed_record_gets_new_pairs_instead_of_its_old_ones(
    make_records: Any, tmp_path: Path
) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    before = match_records(records, SETTINGS, None)
    assert ("crm:1", "shop:1") in _pair_set(before)
    # shop:1 turns out to be Cara: her e-mail, name and place
    cara = {**PEOPLE[4], "record_key": "shop:1"}
    edited = make_records([*PEOPLE[:1], cara, *PEOPLE[2:]])
    outcome = _assert_same_as_full(edited, cache)
    assert outcome.report.changed == 1
    assert ("crm:1", "shop:1") not in _pair_set(outcome)
    assert ("crm:3", "shop:1") in _pair_set(outcome)
    row = outcome.pairs.filter(pl.col("left_key") == "crm:3", pl.col("right_key") == "shop:1")
    assert row["email_level"].item() == 0  # compared anew, not taken from the cache


def test_new_records_pair_with_unchanged_ones(make_records: Any, tmp_path: Path) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    newcomer = {**PEOPLE[2], "record_key": "news:9", "birth_date": None}
    outcome = _assert_same_as_full(make_records([*PEOPLE, newcomer]), cache)
    assert outcome.report.changed == 1
    assert {("crm:2", "news:9"), ("erp:7", "news:9")} <= _pair_set(outcome)
    assert outcome.report.reused_pairs > 0


def test_block_growing_past_the_limit_drops_the_pairs_of_unchanged_records(
    make_records: Any, tmp_path: Path
) -> None:
    settings = SETTINGS.model_copy(update={"max_block_size": 3, "blocking_rules": ["phone"]})
    office = [{"record_key": f"crm:{i}", "phones": ["+49301000"]} for i in range(3)]
    cache = _cached_run(make_records(office), tmp_path, settings)
    grown = make_records([*office, {"record_key": "crm:9", "phones": ["+49301000"]}])
    outcome = _assert_same_as_full(grown, cache, settings)
    assert outcome.pairs.height == 0
    assert outcome.blocking.oversized_blocks["size"].to_list() == [4]


def test_block_shrinking_below_the_limit_pairs_unchanged_records(
    make_records: Any, tmp_path: Path
) -> None:
    settings = SETTINGS.model_copy(update={"max_block_size": 3, "blocking_rules": ["phone"]})
    office = [{"record_key": f"crm:{i}", "phones": ["+49301000"]} for i in range(4)]
    cache = _cached_run(make_records(office), tmp_path, settings)
    outcome = _assert_same_as_full(make_records(office[1:]), cache, settings)
    assert _pair_set(outcome) == {("crm:1", "crm:2"), ("crm:1", "crm:3"), ("crm:2", "crm:3")}
    assert outcome.report.reused_pairs == 0  # they were never compared before


def test_pair_keeps_only_the_rules_still_pairing_it(make_records: Any, tmp_path: Path) -> None:
    # Two unchanged records share a phone (a block that grows too big) and an e-mail.
    settings = SETTINGS.model_copy(
        update={"max_block_size": 2, "blocking_rules": ["email", "phone"]}
    )
    pair = [
        {"record_key": f"crm:{i}", "phones": ["+49301000"], "emails": ["max@x.de"]} for i in (1, 2)
    ]
    cache = _cached_run(make_records(pair), tmp_path, settings)
    assert load_match_cache(cache).compared["rules"].to_list() == ["email,phone"]
    grown = make_records([*pair, {"record_key": "crm:3", "phones": ["+49301000"]}])
    outcome = _assert_same_as_full(grown, cache, settings)
    assert outcome.pairs.select("left_key", "right_key", "rules").rows() == [
        ("crm:1", "crm:2", "email")
    ]


def test_touching_blocking_generates_only_pairs_of_changed_records(make_records: Any) -> None:
    records = make_records(PEOPLE)
    no_oversized = oversized_hashes(
        pl.DataFrame(schema={"rule": pl.String(), "block_key": pl.String(), "size": pl.UInt32()})
    )
    touched = candidate_pairs_touching(
        records, pl.Series(["erp:7"]), SETTINGS.blocking_rules, 200, no_oversized
    )
    assert set(touched.result.pairs.select("left_key", "right_key").iter_rows()) == {
        ("crm:2", "erp:7")
    }
    assert touched.recheck.height == 0
    assert touched.result.pairs_per_rule["phone"] == 1


# --- when a run recomputes in full -------------------------------------------------------------


def test_first_run_is_full(make_records: Any, tmp_path: Path) -> None:
    outcome = match_records(make_records(PEOPLE), SETTINGS, tmp_path / CACHE_FOLDER)
    assert outcome.report.mode == "full"
    assert "no match cache" in outcome.report.reason
    assert outcome.report.compared_pairs == outcome.pairs.height


@pytest.mark.parametrize(
    ("description", "update", "reason"),
    [
        ("a threshold", {"match_threshold": 0.95}, "[matching] settings"),
        ("the blocking rules", {"blocking_rules": ["email"]}, "[matching] settings"),
        ("term frequencies", {"term_frequency": False}, "[matching] settings"),
        ("weights from EM", {"estimate_weights": True}, "[matching] settings"),
    ],
)
def test_changed_matching_settings_force_a_full_run(
    description: str, update: dict[str, Any], reason: str, make_records: Any, tmp_path: Path
) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    outcome = match_records(records, SETTINGS.model_copy(update=update), cache)
    assert outcome.report.mode == "full", description
    assert reason in outcome.report.reason


def test_changing_only_the_incremental_limit_keeps_the_cache(
    make_records: Any, tmp_path: Path
) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    settings = SETTINGS.model_copy(update={"incremental_max_changed_percent": 5})
    assert match_records(records, settings, cache).report.mode == "incremental"


def test_other_code_or_versions_force_a_full_run(make_records: Any, tmp_path: Path) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    manifest = json.loads((cache / "manifest.json").read_text("utf-8"))
    manifest["settings"]["code"] = "0" * 64
    manifest["settings"]["package"] = "0" * 64
    (cache / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    outcome = match_records(records, SETTINGS, cache)
    assert outcome.report.mode == "full"
    assert "golden-records version" in outcome.report.reason
    assert "matching or cleaning code" in outcome.report.reason


def test_too_many_changes_force_a_full_run(make_records: Any, tmp_path: Path) -> None:
    settings = SETTINGS.model_copy(update={"incremental_max_changed_percent": 20})
    cache = _cached_run(make_records(PEOPLE), tmp_path, settings)
    edited = make_records([*PEOPLE[:4], {**PEOPLE[4], "postal_code": "24105"}])  # 1 of 5: 20 %
    assert match_records(edited, settings, cache).report.mode == "incremental"
    # removals do not count: they only drop pairs
    newcomer = {**PEOPLE[0], "record_key": "news:1"}
    outcome = match_records(make_records([*PEOPLE[:3], newcomer]), settings, cache)  # 1 of 4
    assert outcome.report.mode == "full"
    assert outcome.report.changed == 1 and outcome.report.removed == 2
    more = [{**PEOPLE[0], "record_key": f"news:{i}"} for i in range(2)]
    outcome = match_records(make_records([*PEOPLE, *more]), settings, cache)  # 2 of 7: 28.6 %
    assert outcome.report.mode == "full"
    assert "incremental_max_changed_percent = 20" in outcome.report.reason
    assert "28.6%" in outcome.report.reason


def test_full_flag_and_switch_force_a_full_run(make_records: Any, tmp_path: Path) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    forced = match_records(records, SETTINGS, cache, full=True)
    assert forced.report.mode == "full" and "--full" in forced.report.reason
    off = match_records(records, SETTINGS.model_copy(update={"incremental": False}), cache)
    assert off.report.mode == "full" and "incremental = false" in off.report.reason
    # Switched off, no run reads a cache: none is built (golden dedupe runs this way) ...
    assert off.cache is None
    # ... and the pairs are those of a full run.
    assert_frame_equal(off.pairs, forced.pairs)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


def _edit_manifest(cache: Path, edit: Any) -> None:
    manifest = json.loads((cache / "manifest.json").read_text("utf-8"))
    edit(manifest)
    (cache / "manifest.json").write_text(json.dumps(manifest), "utf-8")


DAMAGES = [
    {
        "description": "manifest missing",
        "damage": lambda c: (c / "manifest.json").unlink(),
        "reason": "manifest.json missing",
    },
    {
        "description": "manifest not JSON",
        "damage": lambda c: (c / "manifest.json").write_text("{not json", "utf-8"),
        "reason": "manifest.json unreadable",
    },
    {
        "description": "manifest of another format",
        "damage": lambda c: _edit_manifest(c, lambda m: m.update(format=99)),
        "reason": "format 99",
    },
    {
        "description": "weights lack a level",
        "damage": lambda c: _edit_manifest(c, lambda m: m["weights"]["levels"].pop("email")),
        "reason": "'weights' damaged",
    },
    {
        "description": "pairs file truncated",
        "damage": lambda c: _truncate(c / "compared.parquet"),
        "reason": "compared.parquet unreadable",
    },
    {
        "description": "fingerprints deleted",
        "damage": lambda c: (c / "records.parquet").unlink(),
        "reason": "records.parquet unreadable",
    },
    {
        "description": "pairs file of another run",
        "damage": lambda c: (
            pl.read_parquet(c / "compared.parquet").head(1).write_parquet(c / "compared.parquet")
        ),
        "reason": "compared.parquet holds 1 rows",
    },
    {
        "description": "pairs file with other columns",
        "damage": lambda c: (
            pl.read_parquet(c / "compared.parquet")
            .drop("email_level")
            .write_parquet(c / "compared.parquet")
        ),
        "reason": "compared.parquet has other columns",
    },
    {
        "description": "fingerprints of another kind",
        "damage": lambda c: (
            pl.read_parquet(c / "records.parquet")
            .with_columns(pl.col("fingerprint_1").cast(pl.String))
            .write_parquet(c / "records.parquet")
        ),
        "reason": "records.parquet has other columns",
    },
    {
        "description": "weights_since not a time",
        "damage": lambda c: _edit_manifest(c, lambda m: m.update(weights_since="gestern")),
        "reason": "'weights_since' is not a time",
    },
]


@pytest.mark.parametrize("case", DAMAGES, ids=lambda case: case["description"])
def test_damaged_cache_means_a_full_run_with_a_reason(
    case: dict[str, Any], make_records: Any, tmp_path: Path
) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    case["damage"](cache)
    outcome = match_records(records, SETTINGS, cache)
    assert outcome.report.mode == "full"
    assert "match cache unusable" in outcome.report.reason
    assert case["reason"] in outcome.report.reason
    assert_frame_equal(outcome.pairs, match_records(records, SETTINGS, None).pairs)


def test_cache_round_trips(make_records: Any, tmp_path: Path) -> None:
    outcome = match_records(make_records(PEOPLE), MatchingConfig(), None)
    write_match_cache(tmp_path / CACHE_FOLDER, outcome.cache, run_id="r1")
    loaded = load_match_cache(tmp_path / CACHE_FOLDER)
    assert loaded.weights == outcome.cache.weights
    assert loaded.settings == outcome.cache.settings
    assert loaded.tables is not None and outcome.cache.tables is not None
    assert loaded.tables.totals == outcome.cache.tables.totals
    assert_frame_equal(loaded.tables.counts, outcome.cache.tables.counts)
    assert_frame_equal(loaded.compared, outcome.cache.compared)
    assert_frame_equal(loaded.fingerprints, outcome.cache.fingerprints)
    assert outcome.cache.keys is not None and loaded.key_rows is not None
    assert loaded.key_rows == {name: keys.height for name, keys in outcome.cache.keys.items()}
    _assert_same_keys(_stored_keys(tmp_path / CACHE_FOLDER), outcome.cache.keys)
    # nothing of the records but their keys: the values are only in pairs.parquet's levels
    assert set(loaded.fingerprints.columns) == {"record_key", "fingerprint_1", "fingerprint_2"}
    assert not {"emails", "last_name_key", "birth_date"} & set(loaded.compared.columns)


# --- weights follow the data: a full run when they are older than full_run_every_days ----------


def test_weights_older_than_the_limit_make_a_full_run(make_records: Any, tmp_path: Path) -> None:
    records = make_records(PEOPLE)
    settings = SETTINGS.model_copy(update={"full_run_every_days": 30})
    start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    first = match_records(records, settings, None, now=start)
    assert first.cache is not None and first.cache.weights_since == start
    cache = tmp_path / CACHE_FOLDER
    write_match_cache(cache, first.cache)
    # An incremental run keeps the weights and their age ...
    later = match_records(records, settings, cache, now=start + timedelta(days=29))
    assert later.report.mode == "incremental", later.report.reason
    assert later.cache is not None and later.cache.weights_since == start
    write_match_cache(cache, later.cache)
    # ... until they are older than the limit: then a full run estimates fresh ones.
    old = match_records(records, settings, cache, now=start + timedelta(days=31))
    assert old.report.mode == "full"
    assert "weights estimated 31 days ago" in old.report.reason
    assert old.cache is not None and old.cache.weights_since == start + timedelta(days=31)
    # 0 switches the rule off.
    never = settings.model_copy(update={"full_run_every_days": 0})
    assert match_records(records, never, cache, now=start + timedelta(days=400)).report.mode == (
        "incremental"
    )


def test_a_cache_without_the_weights_age_means_one_full_run(
    make_records: Any, tmp_path: Path
) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    _edit_manifest(cache, lambda manifest: manifest.pop("weights_since"))
    outcome = match_records(records, SETTINGS, cache)
    assert outcome.report.mode == "full" and "age is unknown" in outcome.report.reason
    unlimited = SETTINGS.model_copy(update={"full_run_every_days": 0})
    assert match_records(records, unlimited, cache).report.mode == "incremental"


def test_changing_the_age_limit_keeps_the_cache(make_records: Any, tmp_path: Path) -> None:
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    other = SETTINGS.model_copy(update={"full_run_every_days": 7})
    assert match_records(records, other, cache).report.mode == "incremental"


# --- an erasure keeps the cache usable ---------------------------------------------------------


@pytest.mark.parametrize("counted", [False, True], ids=["pairs only", "and the tables"])
def test_an_erased_record_leaves_a_cache_the_next_night_reuses(
    make_records: Any, tmp_path: Path, counted: bool
) -> None:
    """compared.parquet holds places in records.parquet: dropping a record there renumbers
    the pairs, so every other pair still names its own two records. Taken out of the frozen
    term-frequency tables too, the night still equals a full run with that model."""
    from flows.scrub import Person, apply_scrub, plan_scrub

    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    before = load_match_cache(cache).compared
    assert before.filter(pl.col("left_key") == "crm:2").height > 0  # the erased one had pairs
    person = Person(golden_ids=frozenset(), records=frozenset({("crm", "2")}), needles=frozenset())
    erased = records.filter(pl.col("record_key") == "crm:2") if counted else None
    tables = load_match_cache(cache).tables
    apply_scrub(plan_scrub([tmp_path], person, "E1", counted=erased))
    assert tables is not None
    total, _ = tables.totals["last_name"] or (0, 0.0)
    kept = load_match_cache(cache).tables
    assert kept is not None and kept.totals["last_name"] is not None
    assert kept.totals["last_name"][0] == total - counted  # kurz counted no more
    after = load_match_cache(cache)
    assert "crm:2" not in after.fingerprints["record_key"].to_list()
    assert_frame_equal(
        after.compared,
        before.filter((pl.col("left_key") != "crm:2") & (pl.col("right_key") != "crm:2")),
    )
    rest = records.filter(pl.col("record_key") != "crm:2")
    # The erased record's block keys are gone, the others renumbered to the records kept.
    fresh = match_records(rest, SETTINGS, None).cache
    assert fresh is not None and fresh.keys is not None
    _assert_same_keys(_stored_keys(cache), fresh.keys)
    outcome = _assert_same_as_full(rest, cache)
    assert outcome.report.reused_pairs > 0 and outcome.report.compared_pairs == 0


def test_cached_pairs_are_read_a_row_group_at_a_time(
    make_records: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compared.parquet written one pair per row group: renumbered group by group to today's
    records, the pairs of unchanged records are reused and the night equals a full run."""
    import pyarrow.parquet as pq

    import matching.incremental

    monkeypatch.setattr(matching.incremental, "PAIRS_PER_ROW_GROUP", 1)
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    stored = pq.ParquetFile(cache / "compared.parquet")
    assert stored.num_row_groups == stored.metadata.num_rows > 1
    # crm:3 (no pairs) sorts between crm:2 and erp:7: without it, erp:7 and shop:1 move up.
    rest = records.filter(pl.col("record_key") != "crm:3")
    outcome = _assert_same_as_full(rest, cache)
    assert outcome.report.removed == 1 and outcome.report.changed == 0
    assert outcome.report.reused_pairs == stored.metadata.num_rows


# --- block keys kept per record: a damaged key cache means making every record's keys ----------


def _moved_places(cache: Path) -> None:
    stored = pl.read_parquet(cache / KEYS_FILE)
    stored.with_columns(pl.col("place") + 100).write_parquet(cache / KEYS_FILE)


KEY_DAMAGES: list[dict[str, Any]] = [
    {"description": "keys file missing", "damage": lambda c: (c / KEYS_FILE).unlink()},
    {"description": "keys file truncated", "damage": lambda c: _truncate(c / KEYS_FILE)},
    {"description": "keys file not Parquet", "damage": lambda c: (c / KEYS_FILE).write_text("x")},
    {
        "description": "rows per rule damaged",
        "damage": lambda c: _edit_manifest(c, lambda m: m["key_rows"].update(email="many")),
    },
    {
        "description": "a rule's rows miscounted",
        "damage": lambda c: _edit_manifest(
            c,
            lambda m: (
                m["key_rows"].update(email=m["key_rows"]["email"] + 1),
                m["rows"].update(keys=m["rows"]["keys"] + 1),
            ),
        ),
    },
    {"description": "places beyond the records", "damage": _moved_places},
]


@pytest.mark.parametrize("case", KEY_DAMAGES, ids=lambda case: case["description"])
def test_a_damaged_key_cache_means_making_every_records_keys(
    case: dict[str, Any], make_records: Any, tmp_path: Path, from_kept: list[str]
) -> None:
    """The night stays incremental and equals a full run; only the keys are made afresh."""
    records = make_records(PEOPLE)
    cache = _cached_run(records, tmp_path, SETTINGS)
    case["damage"](cache)
    newcomer = {**PEOPLE[2], "record_key": "news:9", "birth_date": None}
    outcome = _assert_same_as_full(make_records([*PEOPLE, newcomer]), cache)
    assert outcome.report.reused_pairs > 0
    assert "email" not in from_kept
