"""The DQ checks run with real great-expectations: every failing row, right columns, offline."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cleaners import CLEANED_SCHEMA
from cleaners.emails import role_address
from flows.dq_checks import run_dq_checks
from flows.stages import Cleaned, SiloCounts
from reports.dq_frames import check_frames, expected_cities
from reports.dq_scores import DQResults, scorecard
from rules.canonical import FINDINGS_SCHEMA, empty_quarantine
from rules.config import GoldenConfig, parse_config
from rules.dq_rules import CHECK_RESULTS_SCHEMA, FAILURES_SCHEMA

TODAY = date(2026, 11, 1)
RECENT = datetime(2026, 10, 1)

CONFIG = """
[silos.crm]
connector = "csv"
path = "crm.csv"
[silos.crm.mapping]
source_id = "id"
last_name = "Nachname"
first_name = "Vorname"
organisation_name = "Firma"
legal_form = "Rechtsform"
postal_code = "PLZ"
city = "Ort"
country = "Land"
emails = ["E-Mail"]
phones = ["Telefon"]
vat_id = "UStId"
birth_date = "Geburtsdatum"
updated_at = "Geaendert"

[silos.shop]
connector = "json"
path = "shop.json"
[silos.shop.mapping]
source_id = "id"
full_name = "name"
emails = ["email"]
"""


def _config(extra: str = "") -> GoldenConfig:
    return parse_config(CONFIG + extra, Path("/tmp/golden.toml"))


def _record(key: str, **values: Any) -> dict[str, Any]:
    silo, _, source_id = key.partition(":")
    row: dict[str, Any] = dict.fromkeys(CLEANED_SCHEMA)
    for name, dtype in CLEANED_SCHEMA.items():
        if isinstance(dtype, pl.List):
            row[name] = []
    defaults = {
        "record_key": key,
        "silo": silo,
        "source_id": source_id,
        "record_type": "person",
        "country": "DE",
        "last_name": "Muster",
        "updated_at": RECENT,
    }
    if silo == "crm":
        defaults |= {"postal_code": "10115", "city": "Berlin", "city_key": "berlin"}
    row.update(defaults)
    row.update(values)
    return row


def _cleaned(rows: list[dict[str, Any]], findings: list[tuple[str, str, str, str]] = ()) -> Cleaned:  # type: ignore[assignment]
    records = pl.DataFrame(rows, schema=CLEANED_SCHEMA, orient="row")
    finding_frame = pl.DataFrame(
        [
            (key, key.split(":")[0], key.split(":")[1], field, "invalid", reason, value)
            for key, field, value, reason in findings
        ],
        schema=FINDINGS_SCHEMA,
        orient="row",
    )
    counts = {
        silo: SiloCounts(silo, count, 0, count)
        for silo, count in records.group_by("silo").len().iter_rows()
    }
    return Cleaned(records, finding_frame, empty_quarantine(), counts)


def _failures(results: DQResults) -> set[tuple[str, str, str | None]]:
    return {
        (record_key, check, value)
        for record_key, check, value in results.failures.select(
            "record_key", "check", "value"
        ).iter_rows()
    }


@pytest.fixture(scope="module")
def mixed() -> DQResults:
    rows = [
        _record("crm:1", emails=["max@example.de"], phones=["+4930123456"]),
        # same e-mail twice in crm: both fail uniqueness; shop has it too (another silo: fine)
        _record("crm:2", emails=["max@example.de"]),
        _record("shop:1", emails=["max@example.de"], postal_code=None),
        # no last name: completeness (persons only)
        _record("crm:3", last_name=None),
        _record("crm:4", record_type="organisation", last_name=None, organisation_name="ACME"),
        # an organisation with a birth date, a person with a legal form
        _record(
            "crm:5", record_type="organisation", organisation_name="X", birth_date=date(1980, 1, 1)
        ),
        _record("crm:6", legal_form="GmbH"),
        # Austrian code in a German address; city that disagrees with the others of 10115
        _record("crm:7", postal_code="1010"),
        _record("crm:8", city="Hamburg", city_key="hamburg"),
        _record("crm:9"),
        # old update (and a birth date over 120 years back: kept, reported); a date in the future
        _record("crm:10", updated_at=datetime(2024, 1, 1), birth_date=date(1903, 3, 19)),
        _record("crm:11", updated_at=datetime(2027, 1, 1)),
        # a phone kept but not in E.164 (a silo the cleaners could not normalize)
        _record("crm:12", phones=["030 123"]),
    ]
    findings = [
        ("crm:1", "phones", "0049 30 ABC", "not a phone number"),
        ("crm:9", "vat_id", "DE123", "invalid VAT id: invalid length"),
        ("shop:1", "emails", "max(at)example.de", "not a valid e-mail address"),
    ]
    return run_dq_checks(_config(), _cleaned(rows, findings), TODAY)


EXPECTED_FAILURES = [
    ("crm:1", "uniqueness.unique_in_silo:emails", "max@example.de"),
    ("crm:2", "uniqueness.unique_in_silo:emails", "max@example.de"),
    ("crm:3", "completeness.required:last_name", None),
    ("crm:5", "consistency.organisation_without_birth_date:birth_date", "1980-01-01"),
    ("crm:6", "consistency.person_without_legal_form:legal_form", "GmbH"),
    ("crm:7", "consistency.postal_code_country:postal_code:DE", "1010"),
    ("crm:8", "consistency.postal_code_city:city", "Hamburg"),
    ("crm:10", "timeliness.max_age:updated_at", "2024-01-01"),
    ("crm:10", "validity.plausible_age:birth_date", "1903-03-19"),
    ("crm:11", "validity.not_in_future:updated_at", "2027-01-01"),
    ("crm:12", "validity.format:phones", "030 123"),
    ("crm:1", "validity.accepted:phones", "0049 30 ABC"),
    ("crm:9", "validity.accepted:vat_id", "DE123"),
    ("shop:1", "validity.accepted:emails", "max(at)example.de"),
]


def test_every_expected_failure_and_nothing_else(mixed: DQResults) -> None:
    assert _failures(mixed) == set(EXPECTED_FAILURES)


def test_failure_rows_carry_silo_source_id_field_rule_and_detail(mixed: DQResults) -> None:
    assert mixed.failures.schema == pl.Schema(FAILURES_SCHEMA)
    row = mixed.failures.filter(pl.col("check") == "validity.accepted:vat_id").to_dicts()[0]
    assert row == {
        "silo": "crm",
        "source_id": "9",
        "record_key": "crm:9",
        "field": "vat_id",
        "dimension": "validity",
        "rule": "validity.accepted",
        "check": "validity.accepted:vat_id",
        "value": "DE123",
        "detail": "invalid VAT id: invalid length",
    }
    city = mixed.failures.filter(pl.col("check") == "consistency.postal_code_city:city")
    assert city["detail"].to_list() == ["Berlin"]


def test_counts_per_silo_and_check(mixed: DQResults) -> None:
    results = mixed.check_results
    assert results.schema == pl.Schema(CHECK_RESULTS_SCHEMA)
    counts = {
        (silo, check): (checked, failed)
        for silo, check, _, _, _, checked, failed in results.iter_rows()
    }
    # persons of crm: 12 records minus 2 organisations
    assert counts[("crm", "completeness.required:last_name")] == (10, 1)
    # crm phones: 2 kept + 1 rejected delivered; format checks the kept ones only
    assert counts[("crm", "validity.accepted:phones")] == (3, 1)
    assert counts[("crm", "validity.format:phones")] == (2, 1)
    assert counts[("shop", "validity.accepted:emails")] == (2, 1)
    assert counts[("shop", "uniqueness.unique_in_silo:emails")] == (1, 0)
    assert mixed.record_counts == {"crm": 12, "shop": 1}


def test_scores_follow_the_counts(mixed: DQResults) -> None:
    scores = {
        (silo, dimension): score for silo, dimension, _, _, score in scorecard(mixed).iter_rows()
    }
    assert scores[("shop", "completeness")] == 100.0
    assert scores[("shop", "timeliness")] is None  # shop maps no timestamp
    assert 0 < scores[("crm", "consistency")] < 100
    assert scores[("*", "overall")] is not None


def test_every_failing_row_not_a_sample() -> None:
    # GX returns 20 examples by default; a steward needs all 500.
    rows = [_record(f"crm:{n}", emails=[f"person{n}@example"]) for n in range(500)]
    results = run_dq_checks(_config(), _cleaned(rows), TODAY)
    failing = results.failures.filter(pl.col("check") == "validity.format:emails")
    assert failing.height == 500
    assert failing["source_id"].n_unique() == 500


DATE_CASES = [
    {
        "description": "dates pandas holds in nanoseconds",
        "far_future": datetime(2200, 1, 1),
        "long_ago": datetime(1700, 1, 1),
    },
    {
        "description": "dates outside nanoseconds' range (years 9999 and 1500)",
        "far_future": datetime(9999, 12, 31),
        "long_ago": datetime(1500, 1, 1),
    },
]


@pytest.mark.parametrize("case", DATE_CASES, ids=lambda case: case["description"])
def test_date_checks_fail_the_same_rows_in_and_outside_nanoseconds(case: dict[str, Any]) -> None:
    rows = [
        _record("crm:1", updated_at=case["far_future"]),
        _record("crm:2", updated_at=case["long_ago"]),
        _record("crm:3"),
        _record("crm:4", updated_at=None),
    ]
    results = run_dq_checks(_config(), _cleaned(rows), TODAY)
    dated = results.failures.filter(pl.col("field") == "updated_at")
    assert sorted(dated.select("source_id", "check").iter_rows()) == [
        ("1", "validity.not_in_future:updated_at"),
        ("2", "timeliness.max_age:updated_at"),
    ]


def test_rules_follow_the_configuration() -> None:
    rows = [_record("crm:1", last_name=None), _record("crm:2", emails=["a@x.de"])]
    extra = '[dq]\nrequired_fields = ["emails"]\n'
    checks = {key for _, key, _ in _failures(run_dq_checks(_config(extra), _cleaned(rows), TODAY))}
    assert "completeness.required:emails" in checks
    assert "completeness.required:last_name" not in checks


def test_expected_city_needs_enough_records() -> None:
    rows = [
        _record("crm:1"),
        _record("crm:2"),
        _record("crm:3", city="Hamburg", city_key="hamburg"),
        _record("crm:4", postal_code="80331", city="München", city_key="munchen"),
    ]
    records = pl.DataFrame(rows, schema=CLEANED_SCHEMA, orient="row")
    expected = expected_cities(records, min_records=3)
    assert expected.select("postal_code", "expected_city").rows() == [("10115", "Berlin")]


def test_rejected_items_of_list_fields_are_rows_of_their_own() -> None:
    cleaned = _cleaned(
        [_record("crm:1", phones=["+4930123456", "+4940123456"])],
        [("crm:1", "phones", "12", "not a phone number")],
    )
    phones = check_frames(cleaned.records, cleaned.findings, 3, role_mailbox=role_address)["phones"]
    assert phones.select("phones", "phones__rejected").rows() == [
        ("+4930123456", None),
        ("+4940123456", None),
        (None, "12"),
    ]


def test_no_network_connection_during_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []
    original = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and not isinstance(address, str | bytes):
            attempts.append(address)
            raise OSError("network access is not allowed in this test")
        return original(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    results = run_dq_checks(_config(), _cleaned([_record("crm:1", emails=["a@x"])]), TODAY)
    assert results.failures.height == 1
    assert attempts == []


def test_great_expectations_is_imported_only_by_the_dq_step() -> None:
    code = (
        "import sys, flows.pipeline, flows.nightly, flows.cli; "
        "print('great_expectations' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "False"


def test_no_progress_bars_on_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    run_dq_checks(_config(), _cleaned([_record("crm:1")]), TODAY)
    assert "it/s" not in capfd.readouterr().err
