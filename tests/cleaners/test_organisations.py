"""Organisations: legal forms, organisation keys, VAT ids, record types."""

from __future__ import annotations

import polars as pl
import pytest
from cleaner_frames import clean, clean_one
from hypothesis import given
from hypothesis import strategies as st

from cleaners import organisation_key
from cleaners.organisations import (
    clean_organisation_name,
    find_legal_form,
    is_trade_word,
    mailbox_place,
    normalize_legal_form,
    normalize_record_type,
    normalize_vat_id,
    trade_mailbox,
    trade_synonyms,
    trade_words,
    without_contact_marker,
)
from cleaners.outcome import CORRECTED, INVALID, VALID
from cleaners.text import clean_text


@pytest.mark.parametrize(
    ("name", "legal_form", "key"),
    [
        ("Muster GmbH", "GmbH", "muster"),
        ("Müller & Söhne GmbH & Co. KG", "GmbH & Co. KG", "mueller soehne"),
        ("Muster GmbH u. Co. KG", "GmbH & Co. KG", "muster"),
        ("Beispiel Handels-Ges.m.b.H.", "GesmbH", "beispiel handels"),  # Austria
        ("Wiener Beispiel GesmbH", "GesmbH", "wiener beispiel"),
        ("Muster Software UG (haftungsbeschränkt)", "UG (haftungsbeschränkt)", "muster software"),
        ("Lebenshilfe Muster gGmbH", "gGmbH", "lebenshilfe muster"),
        ("SIEMENS AG", "AG", "siemens"),
        ("Muster KG", "KG", "muster"),
        ("Muster OHG", "OHG", "muster"),
        ("Elektro Huber e.K.", "e.K.", "elektro huber"),
        ("Sportverein Musterstadt e.V.", "e.V.", "sportverein musterstadt"),
        ("Raiffeisenbank Musterdorf eG", "eG", "raiffeisenbank musterdorf"),
        ("Praxis Dr. Huber GbR", "GbR", "praxis dr huber"),
        ("Muster SE", "SE", "muster"),
        ("Nestlé Suisse SA", "SA", "nestle suisse"),  # Switzerland
        ("Boulangerie Dupont Sàrl", "Sàrl", "boulangerie dupont"),
        ("Boulangerie Dupont S.à r.l.", "Sàrl", "boulangerie dupont"),
        ("Pizzeria Ticino Sagl", "Sagl", "pizzeria ticino"),
        ("Firma Huber Gesellschaft mit beschränkter Haftung", "GmbH", "huber"),
        ("Muster Verwaltungsgesellschaft mbH", "GmbH", "muster verwaltungsgesellschaft"),
        ("Inh. Anna Huber e.U.", "e.U.", "anna huber"),  # Austria
        ("Bäckerei Kaiser", None, "baeckerei kaiser"),
        ("Agentur Sagmeister", None, "agentur sagmeister"),  # "AG" inside a word is no legal form
        ("Huber Bau AG", "AG", "huber bau"),  # Switzerland
        ("Treuhand Meier GmbH", "GmbH", "treuhand meier"),  # Switzerland
        ("Müller & Partner OG", "OG", "mueller partner"),  # Austria
        ("Gärtnerei Blum KEG", "KEG", "gaertnerei blum"),  # Austria (old form)
        ("Weingut Huber e.U.", "e.U.", "weingut huber"),  # Austria
        ("Beispiel Ges.m.b.H. & Co. KG", "GesmbH & Co. KG", "beispiel"),  # Austria
        ("Alpenblick Immobilien GmbH & Co. KG", "GmbH & Co. KG", "alpenblick immobilien"),
        ("Bäckerei Müller GmbH & Co KG", "GmbH & Co. KG", "baeckerei mueller"),
        ("Huber UG (haftungsbeschränkt) & Co. KG", "UG (haftungsbeschränkt) & Co. KG", "huber"),
        ("Muster UG", "UG (haftungsbeschränkt)", "muster"),
        ("Muster Bau UG (haftungsbeschr.)", "UG (haftungsbeschränkt)", "muster bau"),
        ("Muster Verwaltungs-GmbH", "GmbH", "muster verwaltungs"),
        ("Muster GmbH & Co. KGaA", "GmbH & Co. KGaA", "muster"),
        ("Muster Holding SE & Co. KG", "SE & Co. KG", "muster holding"),
        ("Dr. Huber & Kollegen PartG mbB", "PartG mbB", "dr huber kollegen"),
        ("Raiffeisen Schweiz Genossenschaft", "Genossenschaft", "raiffeisen schweiz"),
        ("Musikverein Harmonie e. V.", "e.V.", "musikverein harmonie"),
        ("Cie Financière SA", "SA", "cie financiere"),  # Genève
        ("Zürcher Kantonalbank", None, "zuercher kantonalbank"),  # public-law bank: no form
    ],
)
def test_legal_form_and_key(name: str, legal_form: str | None, key: str) -> None:
    found = find_legal_form(name)
    assert (found[0] if found else None) == legal_form
    assert organisation_key(name) == key


@pytest.mark.parametrize(
    ("name", "legal_form", "key"),
    [
        ("Kornfeld Backstube Bonn e. K. Inh. Andrea Uhlenbrock", "e.K.", "kornfeld backstube bonn"),
        ("Huber Bau Inh. Anton Huber e.K.", "e.K.", "huber bau"),
        ("Huber Bau e.K., Inhaberin: Anna Huber", "e.K.", "huber bau"),
        ("Teppich Paradies Feldbach Inh. Patrick Ebner", None, "teppich paradies feldbach"),
        ("Inh. Anna Huber e.U.", "e.U.", "anna huber"),  # nothing before the owner: the name
    ],
)
def test_the_owner_named_with_a_firm_is_no_part_of_its_key(
    name: str, legal_form: str | None, key: str
) -> None:
    """A name that keeps "Inh. ..." (the record names another contact person): the legal form
    and the key are the firm's, as without the owner."""
    cleaned = clean_organisation_name(name)
    assert (cleaned.name, cleaned.legal_form, cleaned.key) == (name, legal_form, key)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gmbh", "GmbH"),
        ("G.m.b.H.", "GmbH"),
        ("Ges.m.b.H.", "GesmbH"),
        ("e. V.", "e.V."),
        ("Aktiengesellschaft", "AG"),
        ("Stiftung bürgerlichen Rechts", "Stiftung bürgerlichen Rechts"),  # unknown: kept
    ],
)
def test_normalize_legal_form(value: str, expected: str) -> None:
    assert normalize_legal_form(value).value == expected


def test_legal_form_column_wins_over_the_name() -> None:
    row, _ = clean_one({"organisation_name": "Muster GmbH", "legal_form": "ag"})
    assert (row["organisation_name"], row["legal_form"]) == ("Muster GmbH", "AG")


def test_legal_form_is_extracted_when_empty() -> None:
    row, findings = clean_one({"organisation_name": "  Muster   GmbH & Co. KG "})
    assert row["organisation_name"] == "Muster GmbH & Co. KG"
    assert row["legal_form"] == "GmbH & Co. KG"
    assert row["organisation_key"] == "muster"
    assert findings == []


def test_placeholder_organisation_is_invalid() -> None:
    parts = clean_organisation_name("n/a")
    assert parts.name is None and parts.status == INVALID


@pytest.mark.parametrize(
    "value", ["privat", "Privatkunde", "PRIVATPERSON", "Private", "ohne Firma"]
)
def test_a_private_customer_in_the_company_field_is_no_organisation(value: str) -> None:
    # A shop's "Firma: privat" made the person a company's contact, kept apart from her own
    # records in the other silos ("contact and private person").
    row, findings = clean_one(
        {"first_name": "Beata", "last_name": "Wozniak", "organisation_name": value}
    )
    assert row["organisation_name"] is None
    assert row["record_type"] == "person"
    assert [f["reason"] for f in findings if f["field"] == "organisation_name"] == [
        "a private customer, no organisation"
    ]


@pytest.mark.parametrize("value", ["Privatbrauerei Zötler GmbH", "Privat Bank AG"])
def test_a_company_named_with_privat_stays_an_organisation(value: str) -> None:
    assert clean_organisation_name(value).name == value


@pytest.mark.parametrize(
    ("value", "country", "expected", "status"),
    [
        ("DE136695976", None, "DE136695976", VALID),
        ("DE 136 695 976", None, "DE136695976", VALID),
        ("de136695976", None, "DE136695976", VALID),
        ("136695976", "DE", "DE136695976", CORRECTED),
        ("ATU13585627", None, "ATU13585627", VALID),
        ("ATU 135 856 27", None, "ATU13585627", VALID),
        ("CHE-116.281.710 MWST", None, "CHE116281710", VALID),
        ("CHE-116.281.710", None, "CHE116281710", VALID),
        ("116.281.710", "CH", "CHE116281710", CORRECTED),
        ("DE123456789", None, None, INVALID),  # wrong check digit
        ("ATU1234", None, None, INVALID),
        ("hallo", "DE", None, INVALID),
    ],
)
def test_vat_ids(value: str, country: str | None, expected: str | None, status: str) -> None:
    outcome = normalize_vat_id(value, country)
    assert (outcome.value, outcome.status) == (expected, status)


def test_vat_id_uses_the_record_country() -> None:
    row, findings = clean_one({"vat_id": "116281710", "country": "Schweiz"})
    assert row["vat_id"] == "CHE116281710"
    assert findings[0]["reason"] == "country prefix CHE added"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("B2B", "organisation"),
        ("Firma", "organisation"),
        ("Privatperson", "person"),
        ("person", "person"),
        ("Geschäftskunde", "organisation"),
        ("b2c", "person"),
        ("Privat", "person"),
        ("PRIVATKUNDE", "person"),
        ("Endkunde", "person"),
        ("B2B", "organisation"),
        ("Firmenkunde", "organisation"),
        ("Gewerbe", "organisation"),
        ("Geschaeftskunde", "organisation"),
        ("Händler", "organisation"),
    ],
)
def test_record_types(value: str, expected: str) -> None:
    assert normalize_record_type(value).value == expected


@pytest.mark.parametrize("value", ["Kunde", "VIP", "3", "Stammkunde"])
def test_an_unknown_record_type_is_reported_not_guessed(value: str) -> None:
    outcome = normalize_record_type(value)
    assert (outcome.value, outcome.status) == (None, INVALID)
    row, findings = clean_one({"record_type": value, "last_name": "Huber"})
    assert [(f["field"], f["value"]) for f in findings if f["field"] == "record_type"] == [
        ("record_type", value)
    ]


@given(st.text(), st.sampled_from(["DE", "AT", "CH", None]))
def test_organisation_cleaners_never_raise(value: str, country: str | None) -> None:
    clean_organisation_name(value)
    normalize_legal_form(value)
    outcome = normalize_vat_id(value, country)
    assert outcome.value is not None or outcome.status != VALID or not clean_text(value)


FIRM_IN_ZURICH = {
    "record_type": "organisation",
    "organisation_name": "Veloblitz AG",
    "city": "Zürich",
    "postal_code": "8001",
    "country": "CH",
    "emails": ["info@veloblitz.ch"],
}


@pytest.mark.parametrize(
    ("email", "record_type"),
    [
        ("zuerich@veloblitz.ch", "organisation"),  # a branch's mailbox named after its town
        ("filiale.zurich@veloblitz.ch", "organisation"),  # with a branch word, umlaut dropped
        ("shop-zuerich@veloblitz.ch", "organisation"),  # with a role word
        ("info@veloblitz.ch", "organisation"),  # a role mailbox, as before
        ("bern@veloblitz.ch", "organisation"),  # any DACH town: read from the row alone
        ("villach@veloblitz.ch", "organisation"),  # a town's first word (Villach Innere Stadt)
        ("kempten@veloblitz.ch", "organisation"),  # a German town (german_towns.csv)
        ("freising@veloblitz.ch", "organisation"),
        ("ruhpolding@veloblitz.ch", "person"),  # a village of one postal code: not listed
        ("kundendienst.huber@veloblitz.ch", "person"),  # no town, no role word alone
        ("anna.huber@veloblitz.ch", "person"),  # a person's address at the firm: its contact
        ("zuerich@gmx.ch", "person"),  # a free-mail address is no firm's
    ],
)
def test_a_town_mailbox_is_an_organisation_row(email: str, record_type: str) -> None:
    frame = clean(FIRM_IN_ZURICH, {"emails": [email]}).frame
    row = frame.row(1, named=True)
    # The same alone: cleaners read each row on its own (partitions, incremental cleaning).
    assert clean({"emails": [email]}).frame.row(0, named=True)["record_type"] == record_type
    assert row["record_type"] == record_type
    # A branch's mailbox is a shared one: matching reads the town from the role e-mails.
    assert (email in (row["role_emails"] or [])) is (record_type == "organisation")
    if record_type == "organisation":  # not "St Gallen" from st.gallen@ (names_from_emails)
        assert row["first_name"] is None and row["last_name"] is None


@pytest.mark.parametrize(
    ("email", "record_type", "place"),
    [
        ("immobilien@hofer-gruppe.at", "organisation", None),  # a group company's trade
        ("elektro@hofer-gruppe.at", "organisation", None),
        ("haustechnik@hofer-gruppe.at", "organisation", None),  # Haus + Technik, a compound
        ("einkauf@hofer-gruppe.at", "organisation", None),  # a department
        ("kundendienst@hofer-gruppe.at", "organisation", None),
        ("linz@hofer-gruppe.at", "organisation", "linz"),  # a town stays a place
        ("peter.maler@hofer-gruppe.at", "person", None),  # a name beside the trade word
        ("bau2@hofer-gruppe.at", "person", None),  # digits: no trade's mailbox as such
        ("immobilien@gmx.at", "person", None),  # free mail is no firm's
    ],
)
def test_a_trade_or_department_mailbox_is_an_organisation_row(
    email: str, record_type: str, place: str | None
) -> None:
    row = clean({"emails": [email]}).frame.row(0, named=True)
    assert row["record_type"] == record_type
    assert (email in (row["role_emails"] or [])) is (record_type == "organisation")
    if record_type == "organisation":
        # A trade or department names no town: matching reads no other branch's town from it.
        places = pl.select(mailbox_place(pl.lit([email]))).item().to_list()
        assert places == [place]


TRADE_WORD_CASES = [
    ("bau", True),
    ("immobilien", True),
    ("dachbau", True),  # Dach + Bau
    ("haustechnik", True),  # Haus + Technik
    ("xybau", False),  # two letters before the trade word make no compound
    ("bauer", False),  # a trade word at the start is no trade
    ("huber", False),
    ("einkauf", False),  # a department, not a trade
]


@pytest.mark.parametrize(("word", "is_trade"), TRADE_WORD_CASES)
def test_a_trade_word_or_a_compound_ending_in_one_names_a_trade(word: str, is_trade: bool) -> None:
    assert pl.select(is_trade_word(pl.lit(word))).item() is is_trade


@pytest.mark.parametrize(("word", "is_trade"), TRADE_WORD_CASES)
def test_a_mailbox_names_a_trade_as_a_company_name_does(word: str, is_trade: bool) -> None:
    # One definition of a trade for the key's words (matching's sister companies) and the
    # mailboxes; a department's mailbox is a firm's too.
    mailbox = pl.select(trade_mailbox(pl.lit([f"{word}@hofer-gruppe.at"]))).item().to_list()
    assert mailbox == [is_trade or word == "einkauf"]


@pytest.mark.parametrize(
    ("email", "city", "record_type"),
    [
        # Ruhpolding, a town of one postal code, is in no table: the row's own town tells.
        ("ruhpolding@brand.de", "Ruhpolding", "organisation"),  # spells the row's own town
        ("traunstein@brand.de", "Traunstein", "organisation"),
        ("ruhpolding@brand.de", "Traunstein", "person"),  # another town: no branch mailbox of it
        ("ruhpolding@gmx.de", "Ruhpolding", "person"),  # free mail is no firm's
    ],
)
def test_a_mailbox_spelling_the_rows_own_town_is_an_organisation_row(
    email: str, city: str, record_type: str
) -> None:
    row = clean({"emails": [email], "city": city, "country": "DE"}).frame.row(0, named=True)
    assert row["record_type"] == record_type


@pytest.mark.parametrize(
    ("email", "record_type"),
    [
        ("filiale.deggendo@brand.de", "organisation"),  # a town cut short by a form field
        ("standort-xyz@brand.de", "organisation"),
        ("laden.obertor@brand.de", "organisation"),
        ("filialleiter@brand.de", "person"),  # the word inside another: no branch word
        ("anna.laden@brand.de", "person"),  # after a first name: the surname Laden
        ("filiale.deggendo@gmx.de", "person"),  # free mail is no firm's
    ],
)
def test_a_branch_word_mailbox_is_an_organisation_row(email: str, record_type: str) -> None:
    # A branch word first marks the mailbox whatever the rest spells; read from the row alone.
    row = clean({"emails": [email]}).frame.row(0, named=True)
    assert row["record_type"] == record_type
    if record_type == "organisation":  # no "Filiale Deggendo" read from the address
        assert row["first_name"] is None and row["last_name"] is None


def test_trade_synonyms_are_trade_words_of_one_named_trade() -> None:
    # Every regional name of a trade is a trade word itself (so names differing in it are
    # compared as trades at all), and every trade it maps to is one of the table's own words
    # (a typo in the trade column would make a group of one).
    synonyms = trade_synonyms()
    assert synonyms["schreinerei"] == synonyms["tischlerei"]
    assert synonyms["metzger"] == synonyms["fleischerei"]
    assert set(synonyms) <= trade_words()
    assert set(synonyms.values()) <= set(synonyms)
    assert synonyms.get("haustechnik", "haustechnik") != synonyms.get(
        "fliesenleger", "fliesenleger"
    )


def test_trade_abbreviation_is_written_out_in_the_key() -> None:
    # "Getränke Hdl." names the trade "handel" as "Getränkehandel" does.
    assert organisation_key("Kern Getränke Hdl.") == "kern getraenke handel"


@pytest.mark.parametrize(
    ("row", "organisation_name"),
    [
        # A newsletter's name field holding the firm's name, its role mailbox at that domain.
        ({"first_name": "Obermayr", "last_name": "Zimmerei"}, "Obermayr Zimmerei"),
        # A known first name beside a trade: still the firm's ("Anna Bäckerei").
        ({"first_name": "Anna", "last_name": "Bäckerei"}, "Anna Bäckerei"),
        # A known first name: a freelancer's own domain, a person.
        ({"first_name": "Anna", "last_name": "Huber"}, None),
    ],
)
def test_a_firms_name_its_own_role_mailbox_spells_is_an_organisation(
    row: dict[str, str], organisation_name: str | None
) -> None:
    domain = "".join(row.values()).lower().replace("ä", "ae")
    cleaned = clean({**row, "emails": [f"info@{domain}.de"]}).frame.row(0, named=True)
    assert cleaned["organisation_name"] == organisation_name
    assert cleaned["record_type"] == ("person" if organisation_name is None else "organisation")
    if organisation_name is not None:  # no person of that name is left behind
        assert cleaned["first_name"] is None and cleaned["last_name_key"] is None
        assert cleaned["organisation_key"] == organisation_key(organisation_name)


@pytest.mark.parametrize(
    "emails",
    [
        ["o.zimmerei@obermayr-zimmerei.ch"],  # an address of its own there: a person's
        ["info@obermayr-holzbau.ch"],  # another name's domain
        ["info@gmx.ch"],  # a free-mail domain spells no firm
    ],
)
def test_a_name_its_mailbox_does_not_spell_as_a_firms_stays_a_person(emails: list[str]) -> None:
    row = {"first_name": "Obermayr", "last_name": "Zimmerei", "emails": emails}
    assert clean(row).frame.row(0, named=True)["record_type"] == "person"


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        # The closing bracket of a department after the person stays (it was cut off with the
        # marker's separators: "Herr Berthod (Service achats" in department and finding).
        ("Ansprechpartner: Herr Berthod (Service achats)", "Herr Berthod (Service achats)"),
        ("z. Hd. Buchhaltung (Zentrale)", "Buchhaltung (Zentrale)"),
        ("(z. Hd. Frau Huber)", "Frau Huber"),
        ("Attn. (Purchasing)", "Purchasing"),
        ("z. Hd. Frau Meyer (Filiale Burgdorf", "Frau Meyer (Filiale Burgdorf"),
        ("z. Hd. Herrn Roger Sutter", "Herrn Roger Sutter"),
    ],
)
def test_the_contact_marker_goes_and_brackets_stay_balanced(text: str, contact: str) -> None:
    assert without_contact_marker(text) == contact
