"""Listenprivileg: persons without post consent who did not object; everyone else stays off."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from matching.listenprivileg import group_attribute, listenprivileg_persons
from matching.objections import FLAGS_SCHEMA, objected_golden_ids
from matching.retention import RETENTION_SCHEMA, gesperrt_golden_ids
from rules.errors import ConfigError

BASE: dict[str, object] = {
    "record_type": "person",
    "last_name": "Muster",
    "street": "Hauptstr.",
    "postal_code": "10115",
    "city": "Berlin",
    "consent_email": None,
    "consent_email_source": None,
    "consent_post": None,
    "consent_post_source": None,
    "consent_phone": None,
    "consent_phone_source": None,
}

BOOLEANS = {"consent_email", "consent_post", "consent_phone"}

CASES = [
    {"description": "no consent recorded: on the list", "changes": {}, "listed": True},
    {"description": "record type unknown counts as person", "changes": {"record_type": None},
     "listed": True},
    {"description": "e-mail consent does not matter", "changes": {"consent_email": True},
     "listed": True},
    {"description": "post consent: belongs on a consented list", "changes": {"consent_post": True},
     "listed": False},
    {"description": "post opt-out is an objection to postal advertising",
     "changes": {"consent_post": False}, "listed": False},
    {"description": "objection on another channel",
     "changes": {"consent_phone": False, "consent_phone_source": "Widerspruch"}, "listed": False},
    {"description": "organisation", "changes": {"record_type": "organisation"}, "listed": False},
    {"description": "no street: no postal address", "changes": {"street": None}, "listed": False},
    {"description": "no last name", "changes": {"last_name": None}, "listed": False},
    {"description": "excluded id (restricted, gesperrt, objection flag)",
     "changes": {"golden_id": "G-EXCLUDED"}, "listed": False},
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_listenprivileg_selection(case: dict[str, object]) -> None:
    changes = case["changes"]
    assert isinstance(changes, dict)
    row = {"golden_id": "G-1", **BASE, **changes}
    schema = {name: pl.Boolean if name in BOOLEANS else pl.String for name in row}
    frame = pl.DataFrame([row], schema=schema)
    listed = listenprivileg_persons(frame.lazy(), ["G-EXCLUDED"]).collect()
    assert (listed.height == 1) is case["listed"]


def test_objected_and_gesperrt_golden_ids() -> None:
    crosswalk = pl.DataFrame(
        {"silo": ["crm", "shop", "crm"], "source_id": ["1", "2", "3"], "golden_id": ["A", "A", "B"]}
    )
    flags = pl.DataFrame(
        [("shop", "2", "object", "post", date(2026, 1, 1)), ("crm", "3", "restrict", None, None)],
        schema=FLAGS_SCHEMA,
        orient="row",
    )
    assert objected_golden_ids(crosswalk, flags) == ["A"]
    assert objected_golden_ids(crosswalk, flags.head(0)) == []
    due = pl.DataFrame(
        [
            ("erp", "9", "C", "billing", "gesperrt", None, date(2031, 1, 1), "r", "s"),
            ("erp", "8", "D", "billing", "due", None, date(2020, 1, 1), "r", "s"),
        ],
        schema=RETENTION_SCHEMA,
        orient="row",
    )
    assert gesperrt_golden_ids(due) == ["C"]


GROUP_CASES = [
    {"description": "auto: segment when mapped", "setting": "auto",
     "mapped": {"last_name", "segment", "profession"}, "chosen": "segment"},
    {"description": "auto: else profession", "setting": "auto",
     "mapped": {"last_name", "profession"}, "chosen": "profession"},
    {"description": "auto: else none", "setting": "auto", "mapped": {"last_name"}, "chosen": None},
    {"description": "profession named though segment is mapped too", "setting": "profession",
     "mapped": {"segment", "profession"}, "chosen": "profession"},
    {"description": "none: no group even when both are mapped", "setting": "none",
     "mapped": {"segment", "profession"}, "chosen": None},
]  # fmt: skip


@pytest.mark.parametrize("case", GROUP_CASES, ids=[case["description"] for case in GROUP_CASES])
def test_group_attribute(case: dict[str, object]) -> None:
    mapped = case["mapped"]
    assert isinstance(mapped, set)
    assert group_attribute(str(case["setting"]), mapped) == case["chosen"]


def test_named_group_attribute_no_silo_maps_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"no silo maps segment .*\[silos\.<name>\.mapping\]"):
        group_attribute("segment", {"profession"})
    with pytest.raises(ConfigError, match="choose auto, none or one of segment, profession"):
        group_attribute("branche", {"segment"})
