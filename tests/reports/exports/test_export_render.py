"""Rendering golden records into CRM cells, and the streaming Excel-friendly writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from reports.exports import ROW_KEY, load_profile, render_object, sink_csv
from reports.exports.values import GOLDEN_FIELDS, Kind

_DTYPES = {
    Kind.TEXT: pl.String(),
    Kind.DATE: pl.Date(),
    Kind.DATETIME: pl.Datetime("us"),
    Kind.BOOLEAN: pl.Boolean(),
    Kind.NUMBER: pl.UInt32(),
}
GOLDEN_SCHEMA: dict[str, pl.DataType] = {
    **{name: _DTYPES[kind] for name, kind in GOLDEN_FIELDS.items()},
    "phones": pl.List(pl.String()),
    "emails": pl.List(pl.String()),
}


def golden(*rows: dict[str, Any]) -> pl.LazyFrame:
    """A golden frame with every column; unspecified values are null (lists empty)."""
    filled = [
        {"phones": [], "emails": [], "record_type": "person", **row} | {"golden_id": f"G{i:03}"}
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(filled, schema=GOLDEN_SCHEMA).lazy()


def cells(profile_name: str, object_name: str, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    profile = load_profile(profile_name)
    export_object = next(item for item in profile.objects if item.name == object_name)
    frame = render_object(golden(*rows), profile, export_object).sort(ROW_KEY).collect()
    return frame.drop(ROW_KEY).to_dicts()


CASES = [
    {
        "description": "Zoho: ISO dates (unambiguous), check boxes as 1/0",
        "profile": "zoho",
        "object": "contacts",
        "row": {"birth_date": dt.date(1979, 4, 22), "consent_email": False},
        "expected": {
            "Date of Birth": "1979-04-22",
            "Email Opt Out": "1",
            "Consent Email": "opt-out",
        },
    },
    {
        "description": "Salesforce: ISO dates, opt-out flags from consent, unknown consent empty",
        "profile": "salesforce",
        "object": "contacts",
        "row": {"birth_date": dt.date(1979, 4, 22), "consent_email": True, "consent_phone": None},
        "expected": {
            "Birthdate": "1979-04-22",
            "HasOptedOutOfEmail": "false",
            "DoNotCall": None,
            "Consent_Email__c": "opt-in",
            "Consent_Phone__c": None,
        },
    },
    {
        "description": "Dynamics: 'Do not allow' columns take the option labels",
        "profile": "dynamics",
        "object": "contacts",
        "row": {"consent_post": False, "consent_phone": True},
        "expected": {"donotpostalmail": "Do Not Allow", "donotphone": "Allow"},
    },
    {
        "description": "unknown e-mail consent is opted out of marketing in every profile",
        "profile": "salesforce",
        "object": "contacts",
        "row": {"consent_email": None, "consent_phone": None},
        "expected": {"HasOptedOutOfEmail": "true", "DoNotCall": None, "Consent_Email__c": None},
    },
    {
        "description": "Salesforce person accounts: unknown consent opted out",
        "profile": "salesforce-person-accounts",
        "object": "person_accounts",
        "row": {"consent_email": None, "emails": ["a@example.de"]},
        "expected": {"PersonHasOptedOutOfEmail": "true", "PersonEmail": "a@example.de"},
    },
    {
        "description": "Dynamics: marketing opt-out is donotbulkemail, unknown consent blocks it",
        "profile": "dynamics",
        "object": "contacts",
        "row": {"consent_email": None},
        "expected": {"donotbulkemail": "Do Not Allow"},
    },
    {
        "description": "Dynamics: given consent allows bulk e-mail",
        "profile": "dynamics",
        "object": "accounts",
        "row": {"record_type": "organisation", "consent_email": True},
        "expected": {"donotbulkemail": "Allow"},
    },
    {
        "description": "Zoho: unknown consent is an e-mail opt-out",
        "profile": "zoho",
        "object": "contacts",
        "row": {"consent_email": None},
        "expected": {"Email Opt Out": "1", "Consent Email": None},
    },
    {
        "description": "HubSpot: unknown consent is no marketing contact, not unsubscribed",
        "profile": "hubspot",
        "object": "contacts",
        "row": {"consent_email": None},
        "expected": {"hs_marketable_status": "false", "hs_email_optout": None},
    },
    {
        "description": "HubSpot: a recorded opt-out unsubscribes",
        "profile": "hubspot",
        "object": "contacts",
        "row": {"consent_email": False},
        "expected": {"hs_marketable_status": "false", "hs_email_optout": "true"},
    },
    {
        "description": "HubSpot: recorded consent makes a marketing contact",
        "profile": "hubspot",
        "object": "contacts",
        "row": {"consent_email": True},
        "expected": {"hs_marketable_status": "true", "hs_email_optout": "false"},
    },
    {
        "description": "Pipedrive: unknown consent is 'No consent'",
        "profile": "pipedrive",
        "object": "people",
        "row": {"consent_email": None, "last_name": "Muster"},
        "expected": {"Marketing status": "No consent", "Name": "Muster"},
    },
    {
        "description": "generic: consent stays as recorded, the marketing opt-out is explicit",
        "profile": "generic",
        "object": "persons",
        "row": {"consent_email": None},
        "expected": {"consent_email": None, "email_marketing_opt_out": "true"},
    },
    {
        "description": "Pipedrive: marketing status from e-mail consent; name falls back to e-mail",
        "profile": "pipedrive",
        "object": "people",
        "row": {"consent_email": True, "emails": ["anna@example.de"]},
        "expected": {"Marketing status": "Subscribed", "Name": "anna@example.de"},
    },
    {
        "description": "street and number in one line, country as its English name",
        "profile": "hubspot",
        "object": "contacts",
        "row": {"street": "Musterstraße", "house_number": "12a", "country": "AT"},
        "expected": {"address": "Musterstraße 12a", "country": "Austria"},
    },
    {
        "description": "an unknown country code is written as it is",
        "profile": "salesforce",
        "object": "contacts",
        "row": {"country": "XK"},
        "expected": {"MailingCountry": "XK"},
    },
    {
        "description": "formula injection in text cells is escaped",
        "profile": "generic",
        "object": "persons",
        "row": {"last_name": "=HYPERLINK(\"http://x\")", "first_name": "@SUM(A1)", "city": "-1+2"},
        "expected": {
            "last_name": "'=HYPERLINK(\"http://x\")",
            "first_name": "'@SUM(A1)",
            "city": "'-1+2",
        },
    },
    {
        "description": "plain E.164 phones, alone or listed, are written unescaped",
        "profile": "generic",
        "object": "persons",
        "row": {"phones": ["+4930123456", "+436641234567"]},
        "expected": {"phone": "+4930123456", "phones": "+4930123456; +436641234567"},
    },
    {
        "description": "a phone cell that is not plain E.164 is escaped",
        "profile": "generic",
        "object": "persons",
        "row": {"phones": ["+49=1+2"]},
        "expected": {"phone": "'+49=1+2"},
    },
    {
        "description": "without phone types every number counts as 'other'",
        "profile": "salesforce",
        "object": "contacts",
        "row": {"phones": ["+4930123456", "+4917612345678"]},
        "expected": {"Phone": "+4930123456", "MobilePhone": None, "OtherPhone": "+4917612345678"},
    },
    {
        "description": "legal form appended to the company name once",
        "profile": "salesforce",
        "object": "accounts",
        "row": {
            "record_type": "organisation",
            "organisation_name": "Nordlicht Medizintechnik",
            "legal_form": "GmbH",
        },
        "expected": {"Name": "Nordlicht Medizintechnik GmbH"},
    },
    {
        "description": "a name that already ends with its legal form is kept",
        "profile": "salesforce",
        "object": "accounts",
        "row": {
            "record_type": "organisation",
            "organisation_name": "Roth Logistik GbR",
            "legal_form": "GbR",
        },
        "expected": {"Name": "Roth Logistik GbR"},
    },
    {
        "description": "website from the company's mail domain, never from a freemail address",
        "profile": "hubspot",
        "object": "companies",
        "row": {"record_type": "organisation", "emails": ["Info@Roth-Logistik.de"]},
        "expected": {"domain": "roth-logistik.de"},
    },
    {
        "description": "freemail domains are no website",
        "profile": "hubspot",
        "object": "companies",
        "row": {"record_type": "organisation", "emails": ["roth.logistik@gmx.de"]},
        "expected": {"domain": None},
    },
    {
        "description": "an ISP mailbox is no website either: exports and cleaners share one list",
        "profile": "hubspot",
        "object": "companies",
        "row": {"record_type": "organisation", "emails": ["roth.logistik@drei.at"]},
        "expected": {"domain": None},
    },
    {
        "description": "generic datetimes are ISO 8601",
        "profile": "generic",
        "object": "persons",
        "row": {"updated_at": dt.datetime(2024, 3, 1, 12, 30)},
        "expected": {"updated_at": "2024-03-01T12:30:00"},
    },
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_cells(case: dict[str, Any]) -> None:
    (row,) = cells(case["profile"], case["object"], case["row"])
    for header, value in case["expected"].items():
        assert row[header] == value, header


def test_persons_and_organisations_go_to_their_objects() -> None:
    profile = load_profile("salesforce")
    frame = golden(
        {"record_type": "person", "last_name": "Muster"},
        {"record_type": "organisation", "organisation_name": "Muster AG"},
        {"record_type": None, "emails": ["x@example.de"]},
    )
    contacts = render_object(frame, profile, profile.object_for("person")).collect()
    accounts = render_object(frame, profile, profile.object_for("organisation")).collect()
    assert sorted(contacts[ROW_KEY]) == ["G000", "G002"]  # unknown type: treated as person
    assert accounts[ROW_KEY].to_list() == ["G001"]


def test_date_format_override() -> None:
    profile = load_profile("dynamics").with_date_format("%d.%m.%Y")
    frame = golden({"birth_date": dt.date(1990, 1, 31)})
    rendered = render_object(frame, profile, profile.object_for("person")).collect()
    assert rendered["birthdate"].to_list() == ["31.01.1990"]


def test_unknown_consent_can_be_left_empty() -> None:
    profile = load_profile("salesforce").with_unknown_consent("empty")
    frame = golden({"consent_email": None}, {"consent_email": False})
    rendered = render_object(frame, profile, profile.object_for("person")).sort(ROW_KEY).collect()
    assert rendered["HasOptedOutOfEmail"].to_list() == [None, "true"]


def test_german_labels_where_the_crm_has_no_api_name() -> None:
    zoho = load_profile("zoho").with_labels("de")
    assert zoho.object_for("person").headers[:5] == (
        "Golden-ID",
        "Anrede",
        "Akademischer Titel",
        "Vorname",
        "Nachname",
    )
    dynamics = load_profile("dynamics").with_labels("de").object_for("person")
    assert "firstname" in dynamics.headers and "Golden-ID" in dynamics.headers
    salesforce = load_profile("salesforce").with_labels("de").object_for("person")
    assert salesforce.headers == load_profile("salesforce").object_for("person").headers


@pytest.mark.parametrize(
    ("delimiter", "bom", "start"),
    [(",", True, "\ufeffGolden ID,Salutation"), (";", False, "Golden ID;Salutation")],
)
def test_sink_csv_is_excel_friendly(tmp_path: Path, delimiter: str, bom: bool, start: str) -> None:
    profile = load_profile("zoho")
    frame = golden({"last_name": "Müller; Söhne", "first_name": "Jörg"})
    path = tmp_path / "contacts.csv"
    sink_csv(
        render_object(frame, profile, profile.object_for("person")).drop(ROW_KEY),
        path,
        delimiter=delimiter,
        bom=bom,
    )
    text = path.read_bytes().decode("utf-8")
    assert text.startswith(start)
    assert "Jörg" in text
    if delimiter == ";":
        assert '"Müller; Söhne"' in text  # quoted because it holds the delimiter
    back = pl.read_csv(path, separator=delimiter, infer_schema=False, encoding="utf8")
    assert back["Last Name"].to_list() == ["Müller; Söhne"]
