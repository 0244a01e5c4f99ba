"""Export profiles: every CRM's files carry the headers its import documentation uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matching.survivorship import GOLDEN_COLUMNS
from reports.exports import load_profile, profile_names
from reports.exports.values import GOLDEN_FIELDS, VALUES
from rules.config import EXPORT_PROFILES, parse_config
from rules.errors import ConfigError


def _consent(style: str) -> list[str]:
    """The nine per-channel consent fields (status, date, source) in a CRM's naming style."""
    names = []
    for channel in ("Email", "Post", "Phone"):
        for suffix in ("", " Date", " Source"):
            label = f"Consent {channel}{suffix}"
            names.append(label.replace(" ", "_") + "__c" if style == "salesforce" else label)
    return names


SALESFORCE_CONSENT = _consent("salesforce")
HUBSPOT_CONSENT = [name.lower().replace(" ", "_") for name in _consent("label")]
LABEL_CONSENT = _consent("label")
GENERIC_CONSENT = [
    f"consent_{channel}{suffix}"
    for channel in ("email", "post", "phone")
    for suffix in ("", "_date", "_source")
]
#: The generic files also carry the proof of each consent (text/version, double opt-in).
GENERIC_CONSENT += [
    f"consent_{channel}{suffix}"
    for channel in ("email", "post", "phone")
    for suffix in ("_text", "_confirmed_at")
]

EXPECTED = [
    {
        "description": "Salesforce Contact: API names, external id Golden_ID__c",
        "profile": "salesforce",
        "object": "contacts",
        "file": "contacts.csv",
        "record_type": "person",
        "external_id": "Golden_ID__c",
        "headers": [
            "Golden_ID__c", "Salutation", "Academic_Title__c", "FirstName", "LastName",
            # The contact's AccountId, through the account's external id.
            "Account.Golden_ID__c", "MailingStreet", "MailingPostalCode", "MailingCity",
            "MailingCountry", "Phone", "MobilePhone", "OtherPhone", "Email", "Birthdate",
            "HasOptedOutOfEmail", "DoNotCall",
            *SALESFORCE_CONSENT,
        ],
    },
    {
        "description": "Salesforce Account",
        "profile": "salesforce",
        "object": "accounts",
        "file": "accounts.csv",
        "record_type": "organisation",
        "external_id": "Golden_ID__c",
        "headers": [
            "Golden_ID__c", "Name", "BillingStreet", "BillingPostalCode", "BillingCity",
            "BillingCountry", "Phone", "Website", "Email__c", "VAT_ID__c", *SALESFORCE_CONSENT,
        ],
    },
    {
        "description": "Salesforce Person Accounts: Person* API names, consent on Account",
        "profile": "salesforce-person-accounts",
        "object": "person_accounts",
        "file": "person_accounts.csv",
        "record_type": "person",
        "external_id": "Golden_ID__c",
        "headers": [
            "Golden_ID__c", "Salutation", "Academic_Title__pc", "FirstName", "LastName",
            "PersonMailingStreet", "PersonMailingPostalCode", "PersonMailingCity",
            "PersonMailingCountry", "PersonHomePhone", "PersonMobilePhone", "PersonOtherPhone",
            "PersonEmail", "PersonBirthdate", "PersonHasOptedOutOfEmail", "PersonDoNotCall",
            *SALESFORCE_CONSENT,
        ],
    },
    {
        "description": "HubSpot contacts: internal property names, marketing status, opt-out",
        "profile": "hubspot",
        "object": "contacts",
        "file": "contacts.csv",
        "record_type": "person",
        "external_id": "golden_id",
        "headers": [
            "golden_id", "salutation", "academic_title", "firstname", "lastname", "email",
            "phone", "mobilephone", "address", "zip", "city", "country", "company",
            "company_golden_id",
            "date_of_birth", "hs_marketable_status", "hs_email_optout", *HUBSPOT_CONSENT,
        ],
    },
    {
        "description": "HubSpot companies",
        "profile": "hubspot",
        "object": "companies",
        "file": "companies.csv",
        "record_type": "organisation",
        "external_id": "golden_id",
        "headers": [
            "golden_id", "name", "domain", "phone", "address", "zip", "city", "country",
            "vat_id", *HUBSPOT_CONSENT,
        ],
    },
    {
        "description": "Zoho CRM Contacts: field labels",
        "profile": "zoho",
        "object": "contacts",
        "file": "contacts.csv",
        "record_type": "person",
        "external_id": "Golden ID",
        "headers": [
            "Golden ID", "Salutation", "Academic Title", "First Name", "Last Name",
            "Account Name", "Email", "Secondary Email", "Phone", "Mobile", "Other Phone",
            "Date of Birth", "Mailing Street", "Mailing Zip", "Mailing City", "Mailing Country",
            "Email Opt Out", *LABEL_CONSENT,
        ],
    },
    {
        "description": "Zoho CRM Accounts",
        "profile": "zoho",
        "object": "accounts",
        "file": "accounts.csv",
        "record_type": "organisation",
        "external_id": "Golden ID",
        "headers": [
            "Golden ID", "Account Name", "Phone", "Website", "Billing Street", "Billing Code",
            "Billing City", "Billing Country", "Email", "VAT ID", *LABEL_CONSENT,
        ],
    },
    {
        "description": "Dynamics 365 contact: logical names, marketing opt-out donotbulkemail",
        "profile": "dynamics",
        "object": "contacts",
        "file": "contacts.csv",
        "record_type": "person",
        "external_id": "Golden ID",
        "headers": [
            "Golden ID", "salutation", "Academic Title", "firstname", "lastname",
            "Company Name", "emailaddress1", "emailaddress2", "telephone1", "mobilephone",
            "telephone2", "birthdate", "address1_line1", "address1_postalcode",
            "address1_city", "address1_country", "donotbulkemail", "donotphone",
            "donotpostalmail", *LABEL_CONSENT,
        ],
    },
    {
        "description": "Dynamics 365 account",
        "profile": "dynamics",
        "object": "accounts",
        "file": "accounts.csv",
        "record_type": "organisation",
        "external_id": "Golden ID",
        "headers": [
            "Golden ID", "name", "telephone1", "emailaddress1", "websiteurl", "address1_line1",
            "address1_postalcode", "address1_city", "address1_country", "VAT ID",
            "donotbulkemail", "donotphone", "donotpostalmail", *LABEL_CONSENT,
        ],
    },
    {
        "description": "Pipedrive people: default field names",
        "profile": "pipedrive",
        "object": "people",
        "file": "people.csv",
        "record_type": "person",
        "external_id": "Golden ID",
        "headers": [
            "Golden ID", "Name", "Email", "Phone", "Organization", "Postal address", "Birthday",
            "Marketing status", *LABEL_CONSENT,
        ],
    },
    {
        "description": "Pipedrive organizations",
        "profile": "pipedrive",
        "object": "organizations",
        "file": "organizations.csv",
        "record_type": "organisation",
        "external_id": "Golden ID",
        "headers": ["Golden ID", "Name", "Address", "Phone", "Email", "VAT ID", *LABEL_CONSENT],
    },
    {
        "description": "generic persons: golden-records names",
        "profile": "generic",
        "object": "persons",
        "file": "persons.csv",
        "record_type": "person",
        "external_id": "golden_id",
        "headers": [
            "golden_id", "salutation", "title", "first_name", "last_name", "organisation",
            "account_golden_id",
            "street", "house_number", "postal_code", "city", "country", "phone", "mobile",
            "phones", "email", "emails", "birth_date", *GENERIC_CONSENT,
            "email_marketing_opt_out", "created_at",
            "updated_at", "last_activity", "member_count", "silos",
        ],
    },
    {
        "description": "generic organisations",
        "profile": "generic",
        "object": "organisations",
        "file": "organisations.csv",
        "record_type": "organisation",
        "external_id": "golden_id",
        "headers": [
            "golden_id", "organisation_name", "legal_form", "department", "street", "house_number",
            "postal_code", "city", "country", "phone", "mobile", "phones", "email", "emails",
            "website", "vat_id", *GENERIC_CONSENT, "email_marketing_opt_out", "created_at",
            "updated_at", "last_activity",
            "member_count", "silos",
        ],
    },
    {
        "description": "Listenprivileg postal list: persons only, the data the BDSG a.F. allowed",
        "profile": "listenprivileg",
        "object": "persons",
        "file": "listenprivileg.csv",
        "record_type": "person",
        "external_id": "Golden ID",
        "headers": [
            "Golden ID", "Title", "First Name", "Last Name", "Street", "Postal Code", "City",
            "Country", "Birth Year",
        ],
    },
]  # fmt: skip

#: A postal list, not a CRM import: no organisations, no consent or contact columns, nothing
#: beyond name, title/degree, postal address and birth year (§ 28 Abs. 3 BDSG a.F.) and the
#: pseudonymous golden id.
POSTAL_LISTS = {"listenprivileg"}
LISTENPRIVILEG_VALUES = {
    "golden_id", "title", "first_name", "last_name", "street_line", "postal_code", "city",
    "country", "birth_year",
}  # fmt: skip


@pytest.mark.parametrize("case", EXPECTED, ids=[case["description"] for case in EXPECTED])
def test_profile_headers(case: dict[str, object]) -> None:
    profile = load_profile(str(case["profile"]))
    export_object = next(item for item in profile.objects if item.name == case["object"])
    assert list(export_object.headers) == case["headers"]
    assert export_object.file == case["file"]
    assert export_object.record_type == case["record_type"]
    assert export_object.external_id == case["external_id"]
    # Each object states where its column names come from.
    assert "https://" in export_object.source or export_object.source.startswith("golden-records")


def test_every_profile_is_tested_and_known_to_the_config() -> None:
    assert set(profile_names()) == {case["profile"] for case in EXPECTED}
    assert tuple(sorted(EXPORT_PROFILES)) == profile_names()


@pytest.mark.parametrize("name", profile_names())
def test_profile_routes_persons_and_organisations(name: str) -> None:
    profile = load_profile(name)
    assert profile.object_for("person").record_type == "person"
    assert profile.title and profile.date_format.startswith("%")
    if name in POSTAL_LISTS:
        # The deliberate exception: a postal list, not a CRM import (see POSTAL_LISTS).
        assert profile.selection == "listenprivileg"
        assert [item.record_type for item in profile.objects] == ["person"]
        assert {column.value for column in profile.objects[0].columns} <= LISTENPRIVILEG_VALUES
        return
    assert profile.selection == "all"
    assert profile.object_for("organisation").record_type == "organisation"
    if name != "generic":
        for export_object in profile.objects:
            # The external id and the consent fields do not exist in a fresh CRM.
            assert export_object.external_id in export_object.custom_fields
            consent = [header for header in export_object.headers if "onsent" in header]
            assert len(consent) == 9
            assert set(consent) <= set(export_object.custom_fields)


GROUP_CHOICES = [
    {"description": "segment", "attribute": "segment", "en": "Segment", "de": "Segment"},
    {"description": "profession", "attribute": "profession", "en": "Profession", "de": "Beruf"},
    {"description": "no group attribute", "attribute": None, "en": None, "de": None},
]  # fmt: skip


@pytest.mark.parametrize("case", GROUP_CHOICES, ids=[case["description"] for case in GROUP_CHOICES])
def test_listenprivileg_carries_exactly_the_chosen_group_attribute(case: dict[str, str]) -> None:
    base = load_profile("listenprivileg")
    for language in ("en", "de"):
        profile = base.with_group_attribute(case["attribute"]).with_labels(language)
        persons = profile.objects[0]
        added = persons.columns[len(base.objects[0].columns) :]
        assert [column.value for column in added] == [case["attribute"]] * (case["en"] is not None)
        assert [column.header for column in added] == [case[language]] * (case["en"] is not None)
        assert persons.group_columns == ()  # nothing left to add later
        assert {c.value for c in persons.columns} <= LISTENPRIVILEG_VALUES | {
            "segment",
            "profession",
        }
        assert len({c.value for c in persons.columns} & {"segment", "profession"}) <= 1


def test_crm_profiles_have_no_group_columns() -> None:
    for name in profile_names():
        if name in POSTAL_LISTS:
            continue
        profile = load_profile(name)
        assert all(item.group_columns == () for item in profile.objects)
        assert profile.with_group_attribute("segment") == profile  # nothing to add


def test_group_columns_show_only_group_attributes() -> None:
    from reports.exports.profile import _build

    data = {
        "title": "t", "date_format": "%d.%m.%Y", "datetime_format": "%d.%m.%Y %H:%M",
        "true": "ja", "false": "nein", "selection": "listenprivileg",
        "objects": {"persons": {
            "crm_object": "list", "record_type": "person", "file": "list.csv", "source": "x",
            "columns": [{"header": "ID", "value": "golden_id"}],
            "group_columns": [{"header": "E-Mail", "value": "email"}],
        }},
    }  # fmt: skip
    with pytest.raises(ValueError, match="group_columns show only segment, profession"):
        _build("postal", data)


def test_unknown_profile_names_the_choices() -> None:
    with pytest.raises(ConfigError, match="'odoo' is unknown — choose one of: dynamics, generic"):
        load_profile("odoo")


def test_values_cover_the_golden_columns() -> None:
    lists = {"phones", "emails"}
    assert set(GOLDEN_FIELDS) == set(GOLDEN_COLUMNS) - lists
    assert set(GOLDEN_FIELDS) <= set(VALUES)


def test_package_face_is_sorted_and_importable() -> None:
    import reports.exports

    assert reports.exports.__all__ == sorted(reports.exports.__all__)
    assert all(hasattr(reports.exports, name) for name in reports.exports.__all__)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('profiles = ["sap"]', "export.profiles: unknown export profile(s) sap"),
        ('date_formats = { sap = "%d.%m.%Y" }', "date_formats for unknown profile(s) sap"),
        ('date_formats = { zoho = "DD.MM.YYYY" }', "strftime patterns"),
        ('delimiter = ";;"', "delimiter must be one character"),
    ],
)
def test_export_section_is_validated(tmp_path: Path, section: str, message: str) -> None:
    text = '[silos.a]\nconnector = "csv"\npath = "a.csv"\n[silos.a.mapping]\nsource_id = "id"\n'
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(text + f"[export]\n{section}\n", tmp_path / "golden.toml")


def test_export_section_defaults(tmp_path: Path) -> None:
    text = '[silos.a]\nconnector = "csv"\npath = "a.csv"\n[silos.a.mapping]\nsource_id = "id"\n'
    export = parse_config(text, tmp_path / "golden.toml").export
    assert (export.profiles, export.delta, export.delimiter, export.bom) == ([], True, ",", True)
