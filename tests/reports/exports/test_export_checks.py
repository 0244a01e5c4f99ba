"""Records a CRM would refuse: required fields per object, e-mail fields; and IMPORT.md."""

from __future__ import annotations

from reports.exports import load_profile
from reports.exports.checks import rejected_rows
from reports.exports.import_notes import import_notes
from tests.reports.exports.test_export_render import golden


def test_a_contact_without_last_name_or_with_a_broken_email_is_rejected_with_reasons() -> None:
    frame = golden(
        {"last_name": "Muster", "emails": ["ok@example.de"]},
        {"first_name": "Anna", "emails": ["ok@example.de"]},  # no last name
        {"last_name": "Roth", "emails": ["kaputt@"]},  # not an address
        {"record_type": "organisation", "organisation_name": None},  # account without a name
    )
    profile = load_profile("salesforce")
    contacts = rejected_rows(frame, profile.object_for("person"))
    assert contacts.select("golden_id", "field").rows() == [
        ("G001", "LastName"),
        ("G002", "Email"),
    ]
    assert contacts["reason"][0].startswith("required field empty (LastName)")
    accounts = rejected_rows(frame, profile.object_for("organisation"), "de")
    assert accounts.select("golden_id", "field").rows() == [("G003", "Name")]
    assert accounts["reason"][0].startswith("Pflichtfeld leer (Name)")


def test_hubspot_takes_a_contact_with_any_of_name_or_email() -> None:
    frame = golden({"emails": ["only@example.de"]}, {"first_name": "Anna"}, {})
    contacts = rejected_rows(frame, load_profile("hubspot").object_for("person"))
    assert contacts["golden_id"].to_list() == ["G002"]
    assert contacts["field"][0] == "email / firstname / lastname"


def test_import_notes_in_german_name_order_files_fields_and_rejections() -> None:
    profile = load_profile("dynamics").with_labels("de")
    text = import_notes(
        profile,
        export_id="E1",
        run_id="R1",
        rows={"accounts.csv": 1200, "contacts.csv": 5},
        rejected=3,
        rejected_file="rejected_dynamics.csv",
        encoding="UTF-8 with BOM",
        delimiter=";",
    )
    assert text.startswith("# Import nach Dynamics 365")
    assert text.index("`accounts.csv`") < text.index("`contacts.csv`")  # accounts first
    assert "1.200 Datensätze" in text and "`Golden-ID`" in text
    assert "3 Datensätze würde das CRM ablehnen" in text and "rejected_dynamics.csv" in text
    assert "donotbulkemail" in text and "§ 7 UWG" in text
