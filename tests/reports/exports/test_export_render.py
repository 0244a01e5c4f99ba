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
        "description": "Zoho wants dates as MM/dd/yyyy and check boxes as 1/0",
        "profile": "zoho",
        "object": "contacts",
        "row": {"birth_date": dt.date(1979, 4, 22), "consent_email": False},
        "expected": {
            "Date of Birth": "04/22/1979",
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
        "expected": {"Do not allow Mails": "Do Not Allow", "Do not allow Phone Calls": "Allow"},
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
        "expected": {"Street Address": "Musterstraße 12a", "Country/Region": "Austria"},
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
        "expected": {"Company Domain Name": "roth-logistik.de"},
    },
    {
        "description": "freemail domains are no website",
        "profile": "hubspot",
        "object": "companies",
        "row": {"record_type": "organisation", "emails": ["roth.logistik@gmx.de"]},
        "expected": {"Company Domain Name": None},
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
    assert rendered["Birthday"].to_list() == ["31.01.1990"]


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
