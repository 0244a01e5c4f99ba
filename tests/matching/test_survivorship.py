"""Survivorship: which source value wins per attribute group, lineage, and consent merging."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from matching.survivorship import FIELD_GROUPS, GOLDEN_COLUMNS, LINEAGE_SCHEMA, build_golden_records
from rules.config import SURVIVORSHIP_GROUPS, SurvivorshipConfig

TRUST = {"crm": 1, "shop": 2, "newsletter": 3}
OLD = datetime(2020, 1, 1, 8, 0)
MIDDLE = datetime(2023, 6, 1, 8, 0)
NEW = datetime(2025, 2, 1, 8, 0)


def _assignment(mapping: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"record_key": list(mapping), "golden_id": list(mapping.values())},
        schema={"record_key": pl.String(), "golden_id": pl.String()},
    )


def _build(
    make_records: Any,
    rows: list[dict[str, Any]],
    rules: SurvivorshipConfig | None = None,
    assignment: dict[str, str] | None = None,
    trust: dict[str, int] | None = None,
) -> Any:
    frame = make_records(rows)
    if assignment is None:
        assignment = {key: "G1" for key in frame["record_key"]}
    return build_golden_records(
        frame,
        _assignment(assignment),
        TRUST if trust is None else trust,
        rules or SurvivorshipConfig(),
    )


def _golden(result: Any, golden_id: str = "G1") -> dict[str, Any]:
    rows = result.golden.filter(pl.col("golden_id") == golden_id).to_dicts()
    assert len(rows) == 1
    return rows[0]


def _as_text(value: Any) -> str:
    """A value as polars casts it to String in the lineage (booleans lower-case, ISO dates)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_groups_match_the_config_names() -> None:
    assert set(FIELD_GROUPS) == set(SURVIVORSHIP_GROUPS)


# --- rules --------------------------------------------------------------------------------------

NAME_CASES: list[dict[str, Any]] = [
    {
        "description": "trust: the most trusted silo wins though its record is older",
        "rules": SurvivorshipConfig(),
        "rows": [
            {
                "record_key": "shop:1",
                "last_name": "Mueller",
                "first_name": "Johannes",
                "updated_at": NEW,
            },
            {"record_key": "crm:1", "last_name": "Müller", "first_name": "Hans", "updated_at": OLD},
        ],
        "expected": ("Müller", "Hans", "crm:1"),
    },
    {
        "description": "trust: within one silo the more recent record wins",
        "rules": SurvivorshipConfig(default="trust"),
        "rows": [
            {"record_key": "crm:1", "last_name": "Müller", "first_name": "Hans", "updated_at": OLD},
            {
                "record_key": "crm:2",
                "last_name": "Müller",
                "first_name": "Johannes",
                "updated_at": NEW,
            },
            {"record_key": "shop:1", "last_name": "Mueller", "first_name": "J.", "updated_at": NEW},
        ],
        "expected": ("Müller", "Johannes", "crm:2"),
    },
    {
        "description": "recent: the latest updated_at wins over trust",
        "rules": SurvivorshipConfig(fields={"name": "recent"}),
        "rows": [
            {
                "record_key": "crm:1",
                "last_name": "Schmidt",
                "first_name": "Anna",
                "updated_at": OLD,
            },
            {
                "record_key": "newsletter:1",
                "last_name": "Weber",
                "first_name": "Anna",
                "updated_at": NEW,
            },
            {
                "record_key": "shop:1",
                "last_name": "Schmidt",
                "first_name": "Anna",
                "updated_at": MIDDLE,
            },
        ],
        "expected": ("Weber", "Anna", "newsletter:1"),
    },
    {
        "description": "recent: a record without updated_at is the oldest",
        "rules": SurvivorshipConfig(default="recent"),
        "rows": [
            {
                "record_key": "crm:1",
                "last_name": "Schmidt",
                "first_name": "Anna",
                "updated_at": None,
            },
            {"record_key": "shop:1", "last_name": "Weber", "first_name": "Anna", "updated_at": OLD},
        ],
        "expected": ("Weber", "Anna", "shop:1"),
    },
    {
        "description": "complete: the record with more filled parts wins over trust",
        "rules": SurvivorshipConfig(fields={"name": "complete"}),
        "rows": [
            {"record_key": "crm:1", "last_name": "Becker", "updated_at": NEW},
            {
                "record_key": "shop:1",
                "last_name": "Becker",
                "first_name": "Jonas",
                "updated_at": OLD,
            },
        ],
        "expected": ("Becker", "Jonas", "shop:1"),
    },
    {
        "description": "complete: equally filled, the longer value wins",
        "rules": SurvivorshipConfig(fields={"name": "complete"}),
        "rows": [
            {"record_key": "crm:1", "last_name": "Becker", "first_name": "K.", "updated_at": NEW},
            {"record_key": "shop:1", "last_name": "Becker", "first_name": "Karl-Heinz"},
        ],
        "expected": ("Becker", "Karl-Heinz", "shop:1"),
    },
    {
        "description": "frequent: the value most members share wins over trust",
        "rules": SurvivorshipConfig(fields={"name": "frequent"}),
        "rows": [
            {"record_key": "crm:1", "last_name": "Maier", "first_name": "Eva", "updated_at": NEW},
            {"record_key": "shop:1", "last_name": "Meier", "first_name": "Eva", "updated_at": OLD},
            {"record_key": "newsletter:1", "last_name": "Meier", "first_name": "Eva"},
        ],
        "expected": ("Meier", "Eva", "shop:1"),
    },
    {
        "description": "frequent: a tie goes to trust",
        "rules": SurvivorshipConfig(default="frequent"),
        "rows": [
            {"record_key": "shop:1", "last_name": "Meier", "first_name": "Eva"},
            {"record_key": "crm:1", "last_name": "Maier", "first_name": "Eva"},
        ],
        "expected": ("Maier", "Eva", "crm:1"),
    },
    {
        "description": "a record without the group's first column cannot win",
        "rules": SurvivorshipConfig(),
        "rows": [
            {"record_key": "crm:1", "first_name": "Eva"},
            {"record_key": "shop:1", "last_name": "Meier", "first_name": "Eve"},
        ],
        "expected": ("Meier", "Eve", "shop:1"),
    },
]


@pytest.mark.parametrize("case", NAME_CASES, ids=[case["description"] for case in NAME_CASES])
def test_rule_picks_the_name_from_one_record(case: dict[str, Any], make_records: Any) -> None:
    result = _build(make_records, case["rows"], case["rules"])
    golden = _golden(result)
    last_name, first_name, record_key = case["expected"]
    assert (golden["last_name"], golden["first_name"]) == (last_name, first_name)
    silo, source_id = record_key.split(":")
    lineage = result.lineage.filter(pl.col("field").is_in(["last_name", "first_name"]))
    assert set(lineage.select("silo", "source_id").iter_rows()) == {(silo, source_id)}
    assert set(lineage["rule"]) == {
        f"name:{case['rules'].fields.get('name', case['rules'].default)}"
    }


def test_unknown_silo_is_least_trusted(make_records: Any) -> None:
    rows = [
        {"record_key": "legacy:1", "last_name": "Alt"},
        {"record_key": "newsletter:1", "last_name": "Neu"},
    ]
    assert _golden(_build(make_records, rows))["last_name"] == "Neu"


# --- the address comes from one record ----------------------------------------------------------

BERLIN_PARTIAL = {
    "record_key": "crm:1",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "updated_at": OLD,
}
MUNICH_FULL = {
    "record_key": "shop:1",
    "postal_code": "80331",
    "street": "Marienplatz",
    "house_number": "1",
    "city": "München",
    "country": "DE",
    "updated_at": NEW,
}


@pytest.mark.parametrize(
    ("description", "rule", "expected"),
    [
        (
            "trust: crm's partial address, its gaps not filled from the shop",
            "trust",
            {"postal_code": "10115", "street": None, "house_number": None, "city": "Berlin"},
        ),
        (
            "complete: the shop's full address",
            "complete",
            {
                "postal_code": "80331",
                "street": "Marienplatz",
                "house_number": "1",
                "city": "München",
            },
        ),
        (
            "recent: the shop's newer address",
            "recent",
            {
                "postal_code": "80331",
                "street": "Marienplatz",
                "house_number": "1",
                "city": "München",
            },
        ),
    ],
)
def test_address_is_never_mixed_from_two_records(
    description: str, rule: str, expected: dict[str, Any], make_records: Any
) -> None:
    result = _build(
        make_records, [BERLIN_PARTIAL, MUNICH_FULL], SurvivorshipConfig(fields={"address": rule})
    )
    golden = _golden(result)
    assert {name: golden[name] for name in expected} == expected, description
    sources = result.lineage.filter(
        pl.col("field").is_in(["postal_code", "street", "house_number", "city", "country"])
    ).select("silo", "source_id")
    assert sources.unique().height == 1


def test_address_without_postal_code_is_not_chosen(make_records: Any) -> None:
    street_only = {
        "record_key": "crm:1",
        "street": "Hauptstr.",
        "house_number": "5",
        "city": "Köln",
    }
    result = _build(make_records, [street_only, MUNICH_FULL])
    golden = _golden(result)
    assert (golden["postal_code"], golden["street"], golden["city"]) == (
        "80331",
        "Marienplatz",
        "München",
    )


def test_address_without_postal_code_is_kept_when_no_member_has_one(make_records: Any) -> None:
    # A US site list: "1653 W 43rd St" and nothing else is still the site's address.
    site = {"record_key": "crm:1", "street": "W 43rd St", "house_number": "1653", "country": "US"}
    golden = _golden(_build(make_records, [site, {"record_key": "crm:2"}]))
    assert (golden["street"], golden["house_number"], golden["country"]) == (
        "W 43rd St",
        "1653",
        "US",
    )


# --- lists, aggregates, lineage -----------------------------------------------------------------


def test_phones_and_emails_are_the_distinct_union_in_trust_order(make_records: Any) -> None:
    rows = [
        {"record_key": "shop:1", "phones": ["+4930222", "+4930111"], "emails": ["a@x.de"]},
        {"record_key": "crm:1", "phones": ["+4930111"], "emails": ["b@x.de", "a@x.de"]},
        {"record_key": "newsletter:1", "phones": None, "emails": ["a@x.de", "c@x.de", "a@x.de"]},
        {"record_key": "crm:2", "phones": [], "emails": None},
    ]
    golden = _golden(_build(make_records, rows))
    assert golden["phones"] == ["+4930111", "+4930222"]
    assert golden["emails"] == ["b@x.de", "a@x.de", "c@x.de"]


def test_entity_aggregates(make_records: Any) -> None:
    rows = [
        {
            "record_key": "shop:1",
            "created_at": datetime(2019, 5, 1),
            "updated_at": MIDDLE,
            "last_activity": datetime(2024, 12, 24),
        },
        {
            "record_key": "crm:1",
            "created_at": datetime(2015, 1, 1),
            "updated_at": NEW,
            "last_activity": None,
        },
        {"record_key": "crm:2", "created_at": None, "updated_at": OLD},
        {"record_key": "crm:3", "created_at": datetime(2010, 1, 1), "updated_at": NEW},
    ]
    result = _build(
        make_records,
        rows,
        assignment={"shop:1": "G1", "crm:1": "G1", "crm:2": "G1", "crm:3": "G2"},
    )
    golden = _golden(result)
    assert golden["member_count"] == 3
    assert golden["silos"] == "crm,shop"
    assert golden["created_at"] == datetime(2015, 1, 1)
    assert golden["updated_at"] == NEW
    assert golden["last_activity"] == datetime(2024, 12, 24)
    assert _golden(result, "G2")["member_count"] == 1
    assert result.golden.columns == list(GOLDEN_COLUMNS)
    assert result.golden["golden_id"].to_list() == ["G1", "G2"]


def test_records_outside_the_assignment_are_ignored(make_records: Any) -> None:
    rows = [
        {"record_key": "crm:1", "last_name": "Müller"},
        {"record_key": "crm:2", "last_name": "Quarantäne"},
    ]
    result = _build(make_records, rows, assignment={"shop:1": "G1", "crm:1": "G1"})
    assert result.golden.height == 1
    assert _golden(result)["last_name"] == "Müller"
    assert _golden(result)["member_count"] == 1


def test_lineage_is_in_golden_id_then_field_order(make_records: Any) -> None:
    """Members in another order than their golden ids (G10 sorts before G2), each with values
    in several groups: the lineage lists golden ids, then fields, in text order, and a golden
    record survives the same among fewer golden ids (matching.golden_reuse survives a part)."""
    rows = [
        {"record_key": f"{silo}:{number}", "last_name": name, "first_name": "Anna", "city": city}
        for number, (silo, name, city) in enumerate(
            [
                ("shop", "Weber", "Bonn"),
                ("crm", "Müller", "Köln"),
                ("newsletter", "Huber", None),
                ("crm", "Weber", None),
            ]
        )
    ]
    assignment = {"shop:0": "G2", "crm:1": "G10", "newsletter:2": "G1", "crm:3": "G2"}
    result = _build(make_records, rows, assignment=assignment)
    lineage = result.lineage
    assert lineage["golden_id"].unique(maintain_order=True).to_list() == ["G1", "G10", "G2"]
    assert lineage.equals(lineage.sort("golden_id", "field"))
    assert result.golden["golden_id"].to_list() == ["G1", "G10", "G2"]
    alone = _build(make_records, rows[:1] + rows[3:], assignment=assignment)
    assert alone.lineage.equals(lineage.filter(pl.col("golden_id") == "G2"))
    assert alone.golden.equals(result.golden.filter(pl.col("golden_id") == "G2"))


def test_every_chosen_value_has_lineage_naming_its_source(make_records: Any) -> None:
    rows = [
        {
            "record_key": "crm:1",
            "record_type": "person",
            "salutation": "Herr",
            "first_name": "Hans",
            "last_name": "Müller",
            "postal_code": "10115",
            "city": "Berlin",
            "birth_date": date(1960, 1, 30),
            "consent_email": False,
            "consent_email_date": date(2024, 1, 1),
            "consent_email_source": "Anruf",
            "updated_at": OLD,
        },
        {
            "record_key": "shop:1",
            "record_type": "person",
            "title": "Dr.",
            "first_name": "Johannes",
            "last_name": "Müller",
            "street": "Invalidenstr.",
            "postal_code": "10115",
            "city": "Berlin",
            "vat_id": "DE123456789",
            "consent_post": True,
            "updated_at": NEW,
        },
        {"record_key": "crm:2", "last_name": "Schulz", "updated_at": MIDDLE},
    ]
    rules = SurvivorshipConfig(fields={"address": "complete"})
    result = _build(
        make_records, rows, rules, assignment={"crm:1": "G1", "shop:1": "G1", "crm:2": "G2"}
    )
    records = {(row["silo"], row["source_id"]): row for row in make_records(rows).to_dicts()}
    lineage = result.lineage
    assert lineage.schema == pl.Schema(LINEAGE_SCHEMA)
    # One lineage row per golden id and field, and it points at a record holding that value.
    assert lineage.select("golden_id", "field").is_duplicated().sum() == 0
    for row in lineage.to_dicts():
        source = records[(row["silo"], row["source_id"])]
        assert _as_text(source[row["field"]]) == row["value"], row
        assert row["updated_at"] == source["updated_at"]
        assert row["rule"]
    # Every non-null surviving value is explained by exactly one lineage row.
    scalar_fields = [column for group in FIELD_GROUPS.values() for column in group] + [
        f"consent_{channel}" for channel in ("email", "post", "phone")
    ]
    explained = {(row["golden_id"], row["field"]) for row in lineage.to_dicts()}
    for golden in result.golden.to_dicts():
        for column in scalar_fields:
            if golden[column] is not None:
                assert (golden["golden_id"], column) in explained, column
                value = lineage.filter(
                    (pl.col("golden_id") == golden["golden_id"]) & (pl.col("field") == column)
                )["value"][0]
                assert value == _as_text(golden[column])
    by_field = {row["field"]: row for row in lineage.filter(pl.col("golden_id") == "G1").to_dicts()}
    assert by_field["title"]["silo"] == "shop"
    assert by_field["title"]["rule"] == "title:trust"
    assert by_field["street"]["rule"] == "address:complete"
    assert by_field["salutation"]["silo"] == "crm"
    assert by_field["consent_email"]["rule"] == "consent:opt_out_wins_unless_later_opt_in"
    assert (by_field["consent_email"]["silo"], by_field["consent_email"]["value"]) == (
        "crm",
        "false",
    )
    assert by_field["consent_post"]["silo"] == "shop"


# --- consent ------------------------------------------------------------------------------------

CONSENT_CASES: list[dict[str, Any]] = [
    {
        "description": "opt-out anywhere wins over an earlier opt-in",
        "statements": [
            ("crm", True, date(2022, 1, 10), "Webformular"),
            ("shop", False, date(2023, 3, 1), "Abmeldelink"),
        ],
        "expected": (False, date(2023, 3, 1), "Abmeldelink"),
    },
    {
        "description": "opt-out in the least trusted silo still wins",
        "statements": [
            ("crm", True, date(2022, 1, 10), "Webformular"),
            ("newsletter", False, date(2022, 1, 11), "Abmeldelink"),
        ],
        "expected": (False, date(2022, 1, 11), "Abmeldelink"),
    },
    {
        "description": "a later opt-in wins over an earlier opt-out, with its proof",
        "statements": [
            ("crm", False, date(2021, 5, 1), "Anruf"),
            ("newsletter", True, date(2024, 9, 15), "Double-Opt-In"),
        ],
        "expected": (True, date(2024, 9, 15), "Double-Opt-In"),
    },
    {
        "description": "an undated opt-out wins over a dated opt-in",
        "statements": [
            ("shop", False, None, "Altdaten"),
            ("newsletter", True, date(2024, 9, 15), "Double-Opt-In"),
        ],
        "expected": (False, None, "Altdaten"),
    },
    {
        "description": "an undated opt-in cannot be shown to be later than an opt-out",
        "statements": [
            ("crm", True, None, "Altdaten"),
            ("shop", False, date(2020, 1, 1), "Brief"),
        ],
        "expected": (False, date(2020, 1, 1), "Brief"),
    },
    {
        "description": "opt-in and opt-out on the same day: the opt-out wins",
        "statements": [
            ("crm", True, date(2024, 2, 2), "Messe"),
            ("shop", False, date(2024, 2, 2), "Abmeldelink"),
        ],
        "expected": (False, date(2024, 2, 2), "Abmeldelink"),
    },
    {
        "description": "opt-in must be later than every opt-out, not just one",
        "statements": [
            ("crm", False, date(2020, 1, 1), "Brief"),
            ("shop", True, date(2022, 1, 1), "Checkout"),
            ("newsletter", False, date(2023, 1, 1), "Abmeldelink"),
        ],
        "expected": (False, date(2023, 1, 1), "Abmeldelink"),
    },
    {
        "description": "opt-in after two opt-outs wins",
        "statements": [
            ("crm", False, date(2020, 1, 1), "Brief"),
            ("newsletter", False, date(2023, 1, 1), "Abmeldelink"),
            ("shop", True, date(2024, 1, 1), "Checkout"),
        ],
        "expected": (True, date(2024, 1, 1), "Checkout"),
    },
    {
        "description": "only opt-ins: the latest one is the proof",
        "statements": [
            ("crm", True, date(2021, 1, 1), "Messe"),
            ("shop", True, date(2024, 6, 1), "Checkout"),
            ("newsletter", True, None, "Altdaten"),
        ],
        "expected": (True, date(2024, 6, 1), "Checkout"),
    },
    {
        "description": "a single undated opt-in stands",
        "statements": [("shop", True, None, "Checkout")],
        "expected": (True, None, "Checkout"),
    },
    {
        "description": "no statement anywhere stays unknown",
        "statements": [("shop", None, None, None), ("crm", None, date(2024, 1, 1), "Formular")],
        "expected": (None, None, None),
    },
]


def _consent_rows(
    case: dict[str, Any], golden_id: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    rows, assignment = [], {}
    for index, (silo, value, when, source) in enumerate(case["statements"]):
        key = f"{silo}:{golden_id}-{index}"
        rows.append(
            {
                "record_key": key,
                "consent_email": value,
                "consent_email_date": when,
                "consent_email_source": source,
            }
        )
        assignment[key] = golden_id
    return rows, assignment


@pytest.mark.parametrize("case", CONSENT_CASES, ids=[case["description"] for case in CONSENT_CASES])
def test_consent_merge(case: dict[str, Any], make_records: Any) -> None:
    rows, assignment = _consent_rows(case, "G1")
    golden = _golden(_build(make_records, rows, assignment=assignment))
    assert (
        golden["consent_email"],
        golden["consent_email_date"],
        golden["consent_email_source"],
    ) == case["expected"]


def test_consent_is_merged_per_entity_and_per_channel(make_records: Any) -> None:
    # All cases in one frame, one entity each: an opt-out of one customer must not touch another.
    rows, assignment = [], {}
    for index, case in enumerate(CONSENT_CASES):
        case_rows, case_assignment = _consent_rows(case, f"G{index:02}")
        rows += case_rows
        assignment |= case_assignment
    # The post channel of the first entity says the opposite of its e-mail channel.
    rows[0] |= {"consent_post": True, "consent_post_date": date(2025, 1, 1)}
    result = _build(make_records, rows, assignment=assignment)
    for index, case in enumerate(CONSENT_CASES):
        golden = _golden(result, f"G{index:02}")
        assert (
            golden["consent_email"],
            golden["consent_email_date"],
            golden["consent_email_source"],
        ) == case["expected"], case["description"]
    first = _golden(result, "G00")
    assert (first["consent_post"], first["consent_post_date"]) == (True, date(2025, 1, 1))
    assert first["consent_phone"] is None


def test_consent_keeps_the_proof_of_the_winning_record(make_records: Any) -> None:
    # The newsletter's confirmed opt-in is later than the CRM's opt-out: it wins, and the golden
    # record shows its text and confirmation, never the CRM record's text.
    frame = make_records(
        [
            {"record_key": "crm:1", "consent_email": False, "consent_email_date": date(2024, 1, 1),
             "consent_email_source": "Anruf"},
            {"record_key": "newsletter:1", "consent_email": True,
             "consent_email_date": date(2025, 3, 1), "consent_email_source": "Formular"},
        ]
    ).with_columns(
        pl.Series("consent_email_text", ["Telefonnotiz", "Newsletter-Einwilligung v3"]),
        pl.Series("consent_email_confirmed_at", [None, datetime(2025, 3, 1, 10, 15)]),
    )  # fmt: skip
    result = build_golden_records(
        frame, _assignment(dict.fromkeys(frame["record_key"], "G1")), TRUST, SurvivorshipConfig()
    )
    golden = _golden(result)
    assert golden["consent_email"] is True
    assert golden["consent_email_source"] == "Formular"
    assert golden["consent_email_text"] == "Newsletter-Einwilligung v3"
    assert golden["consent_email_confirmed_at"] == datetime(2025, 3, 1, 10, 15)
    # Frames without the optional proof fields still merge; the fields are then unknown.
    plain = _golden(_build(make_records, [{"record_key": "crm:1", "consent_post": True}]))
    assert plain["consent_post"] is True and plain["consent_post_text"] is None
