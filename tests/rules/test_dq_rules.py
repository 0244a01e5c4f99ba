"""DQ rules in golden.toml: declarations, validation messages, resolution to checks per silo."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rules.config import GoldenConfig, parse_config
from rules.dq_rules import (
    CheckKind,
    Dimension,
    canonical_formats,
    invalid_limit,
    invalid_records_limit,
    mapped_fields,
    months_before,
    resolve_checks,
)
from rules.errors import ConfigError

TODAY = date(2026, 11, 1)
POSTAL = {"DE": r"\d{5}", "AT": r"[1-9]\d{3}"}

SILOS = """
[silos.crm]
connector = "csv"
path = "crm.csv"
[silos.crm.mapping]
source_id = "Kundennr"
last_name = "Nachname"
first_name = "Vorname"
organisation_name = "Firma"
legal_form = "Rechtsform"
postal_code = "PLZ"
city = "Ort"
emails = ["E-Mail"]
phones = ["Telefon"]
updated_at = "Geaendert"

[silos.newsletter]
connector = "csv"
path = "newsletter.csv"
[silos.newsletter.mapping]
source_id = "id"
emails = ["email"]
last_activity = "last_open"
"""


def _config(extra: str = "") -> GoldenConfig:
    return parse_config(SILOS + extra, Path("/tmp/golden.toml"))


def _checks(
    config: GoldenConfig, countries: tuple[str, ...] = ("DE",)
) -> dict[str, tuple[str, ...]]:
    silo_fields = {
        silo.name: mapped_fields(silo.mapping, silo.defaults) for silo in config.enabled_silos()
    }
    checks = resolve_checks(
        config.dq, silo_fields, TODAY, postal_patterns=POSTAL, countries=countries
    )
    return {check.key: check.silos for check in checks}


def test_defaults_apply_to_the_fields_each_silo_maps() -> None:
    checks = _checks(_config())
    assert checks["completeness.required:last_name"] == ("crm",)
    assert checks["completeness.required:postal_code"] == ("crm",)
    assert "completeness.required:emails" not in checks  # not required by default
    assert checks["validity.accepted:emails"] == ("crm", "newsletter")
    assert checks["validity.format:emails"] == ("crm", "newsletter")
    assert checks["uniqueness.unique_in_silo:emails"] == ("crm", "newsletter")
    assert checks["validity.format:phones"] == ("crm",)
    assert checks["timeliness.max_age:updated_at"] == ("crm",)
    assert checks["timeliness.max_age:last_activity"] == ("newsletter",)
    assert checks["consistency.postal_code_country:postal_code:DE"] == ("crm",)
    assert checks["consistency.postal_code_city:city"] == ("crm",)
    assert checks["consistency.person_without_legal_form:legal_form"] == ("crm",)
    # postal codes are kept by their cleaner: only format and country fit are checked
    assert "validity.accepted:postal_code" not in checks
    # nothing maps a VAT id
    assert not [key for key in checks if key.endswith(":vat_id")]


def test_every_rule_kind_is_used_by_the_defaults() -> None:
    config = _config()
    silo_fields = {s.name: mapped_fields(s.mapping, s.defaults) for s in config.enabled_silos()}
    checks = resolve_checks(config.dq, silo_fields, TODAY, postal_patterns=POSTAL, countries=["DE"])
    assert {check.kind for check in checks} == set(CheckKind)
    assert {check.dimension for check in checks} == set(Dimension)


def test_record_type_conditions() -> None:
    config = _config()
    silo_fields = {s.name: mapped_fields(s.mapping, s.defaults) for s in config.enabled_silos()}
    checks = {
        check.key: check
        for check in resolve_checks(config.dq, silo_fields, TODAY, postal_patterns=POSTAL)
    }
    last_name = checks["completeness.required:last_name"]
    assert last_name.record_type == "person"
    rows = pl.DataFrame(
        {
            "silo": ["crm", "crm", "shop"],
            "record_type": ["person", "organisation", "person"],
            "country": ["DE", "DE", "DE"],
        }
    )
    assert rows.filter(last_name.condition()).rows() == [("crm", "person", "DE")]
    assert checks["consistency.person_without_legal_form:legal_form"].record_type == "person"


def test_one_check_per_country_present() -> None:
    checks = _checks(_config(), countries=("AT", "DE", "FR"))
    assert "consistency.postal_code_country:postal_code:AT" in checks
    assert "consistency.postal_code_country:postal_code:DE" in checks
    assert "consistency.postal_code_country:postal_code:FR" not in checks  # no pattern known


OVERRIDE_CASES: list[dict[str, Any]] = [
    {
        "description": "global field rule switches uniqueness off",
        "extra": "[dq.fields.emails]\nunique = false\n",
        "present": (),
        "absent": ("uniqueness.unique_in_silo:emails",),
    },
    {
        "description": "silo required_fields replace the global list for that silo only",
        "extra": '[dq.silos.newsletter]\nrequired_fields = ["emails"]\n',
        "present": ("completeness.required:emails",),
        "absent": (),
    },
    {
        "description": "a silo may require a field it does not map (steward's choice)",
        "extra": '[dq.silos.newsletter]\nrequired_fields = ["last_name"]\n',
        "present": ("completeness.required:last_name",),
        "absent": (),
    },
    {
        "description": "consistency switched off for one silo",
        "extra": "[dq.silos.crm.consistency]\npostal_code_city = false\n",
        "present": (),
        "absent": ("consistency.postal_code_city:city",),
    },
    {
        "description": "validity switched off for one field of one silo",
        "extra": "[dq.silos.crm.fields.phones]\nvalidity = false\n",
        "present": (),
        "absent": ("validity.format:phones", "validity.accepted:phones"),
    },
]


@pytest.mark.parametrize(
    "case", OVERRIDE_CASES, ids=[case["description"] for case in OVERRIDE_CASES]
)
def test_overrides(case: dict[str, Any]) -> None:
    checks = _checks(_config(case["extra"]))
    for key in case["present"]:
        assert key in checks, case["description"]
    for key in case["absent"]:
        assert key not in checks, case["description"]


def test_silo_override_keeps_silos_apart() -> None:
    checks = _checks(_config('[dq.silos.newsletter]\nrequired_fields = ["emails"]\n'))
    assert checks["completeness.required:emails"] == ("newsletter",)
    assert checks["completeness.required:last_name"] == ("crm",)


def test_timeliness_cutoff_uses_the_configured_months() -> None:
    config = _config("[dq.fields.updated_at]\nmax_age_months = 3\n")
    silo_fields = {s.name: mapped_fields(s.mapping, s.defaults) for s in config.enabled_silos()}
    (check,) = [
        c
        for c in resolve_checks(config.dq, silo_fields, TODAY, postal_patterns=POSTAL)
        if c.key == "timeliness.max_age:updated_at"
    ]
    assert check.argument == datetime(2026, 8, 1)
    assert check.months == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[dq.fields.city]\nvalidity = true\n", "dq.fields.city: validity checks exist for"),
        ("[dq.fields.birth_date]\nmax_age_months = 6\n", "max_age_months applies to"),
        ("[dq.fields.telefon]\nrequired = true\n", "unknown canonical field(s) telefon"),
        ('[dq]\nrequired_fields = ["nachname"]\n', "dq.required_fields: unknown canonical"),
        ("[dq.silos.erp]\nmax_invalid_percent = 10\n", "undeclared silo(s) erp"),
        ("[dq.fields.emails]\nunqiue = true\n", "unknown key"),
        ("[dq]\nmax_invalid_percent = 120\n", "dq.max_invalid_percent"),
        (
            "[dq.fields.vat_id]\nmax_invalid_percent = 10\n",
            "dq.fields.vat_id: max_invalid_percent does not apply",
        ),
        (
            "[dq.silos.crm.fields.vat_id]\nmax_invalid_percent = 10\n",
            "dq.silos.crm.fields.vat_id: max_invalid_percent does not apply",
        ),
    ],
)
def test_invalid_declarations_name_the_key(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        _config(extra)
    assert message in str(error.value)
    assert "golden.toml" in str(error.value)


def test_blocking_limits_most_specific_wins() -> None:
    config = _config(
        """
[dq]
max_invalid_percent = 40
max_invalid_records_percent = 60
[dq.fields.phones]
max_invalid_percent = 30
[dq.silos.newsletter]
max_invalid_percent = 20
max_invalid_records_percent = 70
[dq.silos.newsletter.fields.emails]
max_invalid_percent = 10
"""
    )
    assert invalid_limit(config.dq, "crm", "emails") == 40
    assert invalid_limit(config.dq, "crm", "phones") == 30
    assert invalid_limit(config.dq, "newsletter", "phones") == 20
    assert invalid_limit(config.dq, "newsletter", "emails") == 10
    assert invalid_records_limit(config.dq, "crm") == 60
    assert invalid_records_limit(config.dq, "newsletter") == 70


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (
            {"source_id": "id", "full_name": "Name"},
            {"salutation", "title", "first_name", "last_name"},
        ),
        (
            {"source_id": "id", "address_line": "Adresse"},
            {"street", "house_number", "postal_code", "city", "country", "address_extra"},
        ),
        ({"source_id": "id", "postal_city": "Ort"}, {"postal_code", "city"}),
        ({"source_id": "id", "emails": ["a", "b"]}, {"emails"}),
    ],
)
def test_mapped_fields_expand_combined_fields(
    mapping: dict[str, object], expected: set[str]
) -> None:
    assert mapped_fields(mapping) == frozenset(expected)


def test_defaults_count_as_mapped() -> None:
    assert "country" in mapped_fields({"source_id": "id"}, {"country": "AT"})


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 1), 6, date(2026, 5, 1)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("phones", ["+4930123456", "+41446681800"], ["030 123456", "+049301234", "+49"]),
        ("emails", ["max@example.de", "a.b+c@sub.example.co.uk"], ["max@example", "a b@x.de"]),
        ("vat_id", ["DE136695976", "ATU13585627", "CHE116281710"], ["136695976", "DE 1366"]),
        ("postal_code", ["10115", "1010", "1012 AB", "00-001"], ["1", "-1234", "10115!"]),
    ],
)
def test_canonical_formats(field: str, good: list[str], bad: list[str]) -> None:
    pattern = canonical_formats()[field]
    values = pl.Series(good + bad)
    matches = values.str.contains(pattern).to_list()
    assert matches == [True] * len(good) + [False] * len(bad)


def test_starter_file_documents_the_dq_rules() -> None:
    from rules.config import starter_text

    config = parse_config(starter_text(), Path("/tmp/golden.toml"))
    assert config.dq.fields["emails"].unique is True
    assert config.dq.max_invalid_percent == 50
