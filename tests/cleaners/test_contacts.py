"""Contacts named on organisation records become person records of their own (cleaners.contacts),
and a newsletter row with only a company's role mailbox becomes that organisation's record."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from cleaner_frames import clean

from cleaners.organisations import branch_of
from rules.canonical import CONTACT_ID_SUFFIX


def _by_key(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    result = clean(*records)
    return {row["record_key"]: row for row in result.frame.to_dicts()}


CASES: list[dict[str, Any]] = [
    {
        "description": "z. Hd. in the company name",
        "record": {
            "organisation_name": "Huber Bau GmbH z. Hd. Frau Anna Huber",
            "emails": ["a.huber@huber-bau.de"],
            "street": "Werkstraße 3",
            "postal_code": "80331",
            "city": "München",
        },
        "organisation": "Huber Bau GmbH",
        "contact": ("Frau", "Anna", "Huber"),
    },
    {
        "description": "an Ansprechpartner column",
        "record": {
            "organisation_name": "Gruber Holz GesmbH",
            "contact_name": "Hr. Ing. Karl Gruber",
        },
        "organisation": "Gruber Holz GesmbH",
        "contact": ("Herr", "Karl", "Gruber"),
    },
    *[
        {
            "description": f"an Ansprechpartner column with {text!r}: the salutation in front",
            "record": {"organisation_name": "Carrozzeria Lurati Sagl", "contact_name": text},
            "organisation": "Carrozzeria Lurati Sagl",
            "contact": contact,
        }
        for text, contact in [
            ("Sig.ra Carmela Genasci", ("Frau", "Carmela", "Genasci")),
            ("Sig. Vincenzo Ghiringhelli", ("Herr", "Vincenzo", "Ghiringhelli")),
            ("Sig.na Laura Bianchi", ("Frau", "Laura", "Bianchi")),
            ("Mlle Claire Roux", ("Frau", "Claire", "Roux")),
            ("M. Jean Dupont", ("Herr", "Jean", "Dupont")),
            ("z. Hd. Sig.ra Carmela Genasci", ("Frau", "Carmela", "Genasci")),
            # "M." before a last name alone may be an initial: no salutation read
            ("M. Dupont", (None, "M.", "Dupont")),
        ]
    ],
    {
        "description": "first and last name beside a company with a legal form",
        "record": {
            "salutation": "Frau",
            "first_name": "Eva",
            "last_name": "Roth",
            "organisation_name": "Roth Steuerberatung GmbH",
        },
        "organisation": "Roth Steuerberatung GmbH",
        "contact": ("Frau", "Eva", "Roth"),
    },
    {
        "description": "a B2B record with names and a company without legal form",
        "record": {
            "record_type": "B2B",
            "first_name": "Luca",
            "last_name": "Rossi",
            "organisation_name": "Pasticceria Rossi",
        },
        "organisation": "Pasticceria Rossi",
        "contact": (None, "Luca", "Rossi"),
    },
    {
        "description": "a person beside the company in one name field (full_name split)",
        "record": {"last_name": "Alpine Tours Ltd. Attn. John Smith"},
        "organisation": "Alpine Tours Ltd.",
        "contact": (None, "John", "Smith"),
    },
    {
        "description": "a shop order by a person for a company, sent from the company's info@",
        "record": {
            "first_name": "Roger",
            "last_name": "Sutter",
            "organisation_name": "Rheinhafen Transporte",
            "emails": ["info@rheinhafen-transporte.ch"],
        },
        "organisation": "Rheinhafen Transporte",
        "contact": (None, "Roger", "Sutter"),
    },
    {
        "description": "a B2B shop order from a personal address at the company's domain",
        "record": {
            "salutation": "Frau",
            "first_name": "Sarah",
            "last_name": "Kunz",
            "organisation_name": "Kunz Immobilien",
            "emails": ["s.kunz@kunz-immobilien.ch"],
        },
        "organisation": "Kunz Immobilien",
        "contact": ("Frau", "Sarah", "Kunz"),
    },
    {
        "description": "an Ansprechpartner column that repeats the z. Hd. marker",
        "record": {
            "organisation_name": "Rheinhafen Transporte G.m.b.H.",
            "contact_name": "z. Hd. Herrn Roger Sutter",
        },
        "organisation": "Rheinhafen Transporte G.m.b.H.",
        "contact": ("Herr", "Roger", "Sutter"),
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_contact_is_split_off_the_organisation_record(case: dict[str, Any]) -> None:
    result = clean(case["record"])
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    assert set(rows) == {"crm:1", f"crm:1{CONTACT_ID_SUFFIX}"}
    company, contact = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert company["record_type"] == "organisation"
    assert company["organisation_name"] == case["organisation"]
    assert (company["first_name"], company["last_name"]) == (None, None)
    assert contact["record_type"] == "person"
    assert (contact["salutation"], contact["first_name"], contact["last_name"]) == case["contact"]
    # The contact is the company's: it carries the organisation, the address and the e-mails.
    assert contact["organisation_key"] == company["organisation_key"]
    for field in ("postal_code", "city", "emails", "phones"):
        assert contact[field] == company[field]
    assert contact["vat_id"] is None
    # Nothing disappears silently: every value that left the company record is a finding.
    moved = result.findings.filter(pl_col_record("crm:1"))
    assert moved.height >= 1
    assert all("split off into record 1#contact" in reason for reason in moved["reason"])


def pl_col_record(key: str) -> Any:
    import polars as pl

    return (pl.col("record_key") == key) & pl.col("reason").str.contains("contact person")


@pytest.mark.parametrize(
    ("description", "record", "record_type"),
    [
        (
            "an employer on a person record (no legal form): a contact, not split",
            {"first_name": "Anna", "last_name": "Huber", "organisation_name": "Stadtwerke Kiel"},
            "person",
        ),
        (
            "a private customer with a company field: the record type says person",
            {
                "record_type": "Privatkunde",
                "first_name": "Anna",
                "last_name": "Huber",
                "organisation_name": "Huber Bau GmbH",
            },
            "person",
        ),
        ("a company without a person", {"organisation_name": "Huber Bau GmbH"}, "organisation"),
        (
            "a newsletter row with a last name and an address at a firm: no company field",
            {"last_name": "Lange", "emails": ["heike.lange@kanzlei-lange.de"]},
            "person",
        ),
        (
            "a company field beside info@ at a free-mail provider: no company mailbox",
            {
                "first_name": "Anna",
                "last_name": "Huber",
                "organisation_name": "Stadtwerke Kiel",
                "emails": ["info@gmx.de"],
            },
            "person",
        ),
        (
            "the company's info@ next to a free-mail address: the person's record",
            {
                "first_name": "Anna",
                "last_name": "Huber",
                "organisation_name": "Stadtwerke Kiel",
                "emails": ["info@stadtwerke-kiel.de", "anna.huber@web.de"],
            },
            "person",
        ),
        (
            "z. Hd. without a name: nothing to split off",
            {"organisation_name": "Huber Bau GmbH z. Hd. Herrn"},
            "organisation",
        ),
    ],
)
def test_records_that_are_not_split(
    description: str, record: dict[str, Any], record_type: str
) -> None:
    rows = _by_key([record])
    assert list(rows) == ["crm:1"], description
    assert rows["crm:1"]["record_type"] == record_type


@pytest.mark.parametrize(
    ("description", "emails", "record_type"),
    [
        ("the firm's info@ mailbox only", ["info@huber-bau.de"], "organisation"),
        (
            "office@ and kontakt@ of one firm",
            ["office@huber-bau.at", "kontakt@huber-bau.at"],
            "organisation",
        ),
        (
            "a personal address at the firm: a person (its contact)",
            ["anna.huber@huber-bau.de"],
            "person",
        ),
        ("info@ at a free-mail provider: no firm", ["info@gmx.de"], "person"),
        ("a role mailbox at Bluewin: no firm", ["buero@bluewin.ch"], "person"),
        ("a role mailbox at A1: no firm", ["office@a1.net"], "person"),
    ],
)
def test_newsletter_row_with_only_an_email(
    description: str, emails: list[str], record_type: str
) -> None:
    rows = _by_key([{"emails": emails}])
    assert rows["crm:1"]["record_type"] == record_type, description


def test_mailbox_only_record_type_change_is_a_finding() -> None:
    result = clean({"emails": ["info@huber-bau.de"]})
    reasons = result.findings.filter(result.findings["field"] == "record_type")["reason"]
    assert reasons.to_list() == ["only a role mailbox at a business domain: organisation"]


@pytest.mark.parametrize(
    ("record", "organisation"),
    [
        ({"organisation_name": "Huber Bau GmbH z. Hd. Buchhaltung"}, "Huber Bau GmbH"),
        ({"organisation_name": "Acme Inc., Attn: Accounts Payable"}, "Acme Inc."),
        ({"organisation_name": "Huber Bau GmbH", "contact_name": "Einkauf"}, "Huber Bau GmbH"),
        (
            {"organisation_name": "Huber Bau GmbH", "contact_name": "Geschäftsleitung"},
            "Huber Bau GmbH",
        ),
    ],
)
def test_a_department_is_no_contact_person(record: dict[str, Any], organisation: str) -> None:
    result = clean(record)
    assert result.frame.height == 1  # no contact record split off
    row = result.frame.row(0, named=True)
    assert (row["record_type"], row["organisation_name"]) == ("organisation", organisation)
    assert (row["first_name"], row["last_name"]) == (None, None)
    if record["organisation_name"] != organisation:  # the department text stays on record
        assert result.findings.filter(pl.col("field") == "organisation_name")[
            "value"
        ].to_list() == [record["organisation_name"]]


@pytest.mark.parametrize(
    ("description", "record", "department"),
    [
        (
            "an Ansprechpartner column with z. Hd. and a department",
            {"organisation_name": "Huber Bau GmbH", "contact_name": "z. Hd. Buchhaltung"},
            "Buchhaltung",
        ),
        (
            "Attn. and an English department",
            {"organisation_name": "Alpine Tours Ltd.", "contact_name": "Attn. Accounts Payable"},
            "Accounts Payable",
        ),
        (
            "a department with the word Abteilung after it",
            {"organisation_name": "Gruber Holz GesmbH", "contact_name": "z.Hd. Einkaufsabteilung"},
            "Einkaufsabteilung",
        ),
        (
            "Frau before a department names nobody",
            {"organisation_name": "Huber Bau GmbH", "contact_name": "z. Hd. Frau Buchhaltung"},
            "Buchhaltung",
        ),
        (
            "a Contact Name column read as a full name: first 'z. Hd', last 'Buchhaltung'",
            {
                "salutation": "Firma",
                "organisation_name": "Gruber Holz GmbH",
                "first_name": "z. Hd.",
                "last_name": "Buchhaltung",
            },
            "Buchhaltung",
        ),
        (
            "a first-name column holding the department",
            {"organisation_name": "Huber Bau GmbH", "first_name": "Personalabteilung"},
            "Personalabteilung",
        ),
    ],
)
def test_a_department_in_the_contact_is_kept_and_reported(
    description: str, record: dict[str, Any], department: str
) -> None:
    result = clean(record)
    assert result.frame.height == 1, description  # no contact person split off
    row = result.frame.row(0, named=True)
    assert row["record_type"] == "organisation"
    assert (row["first_name"], row["last_name"]) == (None, None)
    # Nothing lost: the department moves to the organisation's department field (golden.csv
    # shows it), contact_name names no one, and a finding reports it.
    assert (row["department"], row["contact_name"]) == (department, None), description
    reasons = result.findings.filter(pl.col("reason").str.starts_with("department"))
    assert reasons.height == 1
    assert reasons["reason"][0] == (
        f"department {department} is no contact person: kept with the organisation in department"
    )


# Swiss silos write the department in French (Romandie) or Italian (Ticino): no contact person
# "Amministrazione", whatever the accents ("Contabilita", "CONTABILITÀ" read alike).
FRENCH_AND_ITALIAN_DEPARTMENTS = [
    "Comptabilité",
    "Administration",
    "Service des achats",
    "Direction",
    "Secrétariat",
    "Ressources humaines",
    "Amministrazione",
    "Contabilità",
    "Contabilita",
    "CONTABILITÀ",
    "Ufficio acquisti",
    "Ufficio vendite",
    "Direzione",
    "Segreteria",
    "Risorse umane",
    "Magazzino",
    "Ufficio tecnico",
    "Acquisti",
    "Vendite",
    "z. Hd. Amministrazione",
    "Amministrazione e contabilità",
    "Service achats",
    "Service du personnel",
    "Ufficio personale",
]


@pytest.mark.parametrize("contact_name", FRENCH_AND_ITALIAN_DEPARTMENTS)
def test_a_french_or_italian_department_is_no_contact_person(contact_name: str) -> None:
    result = clean({"organisation_name": "Pasticceria Rossi Sagl", "contact_name": contact_name})
    assert result.frame.height == 1  # no contact record made
    row = result.frame.row(0, named=True)
    assert (row["first_name"], row["last_name"], row["contact_name"]) == (None, None, None)
    assert row["department"] == contact_name.removeprefix("z. Hd. ")


def test_a_person_after_an_italian_department_is_the_contact() -> None:
    rows = _by_key(
        [{"organisation_name": "Pasticceria Rossi Sagl", "contact_name": "Contabilità, Luca Rossi"}]
    )
    assert rows["crm:1"]["department"] == "Contabilità"
    person = rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (person["first_name"], person["last_name"]) == ("Luca", "Rossi")


@pytest.mark.parametrize(
    ("record", "department"),
    [
        ({"organisation_name": "Huber Bau GmbH z. Hd. Abt. Einkauf"}, "Abt. Einkauf"),
        (
            {"organisation_name": "Huber Bau GmbH", "contact_name": "Buchhaltung, Frau Anna Huber"},
            "Buchhaltung",
        ),
        (
            {
                "organisation_name": "Huber Bau GmbH",
                "department": "Vertrieb",
                "contact_name": "z. Hd. Einkauf",
            },
            "Vertrieb",
        ),
    ],
)
def test_the_department_field(record: dict[str, Any], department: str) -> None:
    """The organisation row's department: from its name, before a contact person, or mapped
    from a department column of the silo (which wins)."""
    rows = _by_key([record])
    assert rows["crm:1"]["department"] == department


@pytest.mark.parametrize(
    ("contact_name", "contact"),
    [
        ("Buchhaltung, Frau Anna Huber", ("Frau", "Anna", "Huber")),
        ("z. Hd. Abt. Einkauf Herrn Karl Gruber", ("Herr", "Karl", "Gruber")),
        ("Hr. Ing. Karl Gruber", ("Herr", "Karl", "Gruber")),  # "Hr." is Herr, not HR
    ],
)
def test_a_person_named_after_a_department_is_the_contact(
    contact_name: str, contact: tuple[str, str, str]
) -> None:
    rows = _by_key([{"organisation_name": "Huber Bau GmbH", "contact_name": contact_name}])
    person = rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (person["salutation"], person["first_name"], person["last_name"]) == contact


def test_firma_stays_on_the_company_and_never_reaches_its_contact() -> None:
    rows = _by_key(
        [
            {
                "salutation": "Firma",
                "organisation_name": "Gruber Holz GmbH",
                "first_name": "Karl",
                "last_name": "Gruber",
            }
        ]
    )
    assert rows["crm:1"]["salutation"] == "Firma"
    assert rows[f"crm:1{CONTACT_ID_SUFFIX}"]["salutation"] is None


# The department or function written after the contact's name (or, in the company field, before
# it) is no part of the name: "Max Huber (GF)" is Max Huber, not a Mr. "Gf".
DEPARTMENT_BESIDE_NAME = [
    ({"contact_name": "Max Huber, Einkauf"}, (None, "Max", "Huber")),
    ({"contact_name": "Frau Anna Huber (Buchhaltung)"}, ("Frau", "Anna", "Huber")),
    ({"contact_name": "Frau Huber (Buchhaltung)"}, ("Frau", None, "Huber")),
    ({"contact_name": "Max Huber (GF)"}, (None, "Max", "Huber")),
    ({"contact_name": "GF Max Huber"}, (None, "Max", "Huber")),
    ({"contact_name": "Max Huber - Geschäftsführer"}, (None, "Max", "Huber")),
    ({"organisation_name": "Huber Bau GmbH - Geschäftsführer Max Huber"}, (None, "Max", "Huber")),
    ({"organisation_name": "Huber Bau GmbH, Anna Huber (Einkauf)"}, (None, "Anna", "Huber")),
]


@pytest.mark.parametrize(("fields", "contact"), DEPARTMENT_BESIDE_NAME)
def test_a_department_beside_the_contacts_name_is_left_out(
    fields: dict[str, Any], contact: tuple[str | None, ...]
) -> None:
    rows = _by_key([{"organisation_name": "Huber Bau GmbH", **fields}])
    company, person = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (company["organisation_name"], company["first_name"]) == ("Huber Bau GmbH", None)
    assert (person["salutation"], person["first_name"], person["last_name"]) == contact


def test_a_last_and_first_name_after_a_comma_stay_a_name() -> None:
    rows = _by_key([{"organisation_name": "Huber Bau GmbH", "contact_name": "Huber, Anna"}])
    person = rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (person["first_name"], person["last_name"]) == ("Anna", "Huber")


def test_addresses_that_do_not_name_the_contact_are_the_companys_mailboxes() -> None:
    rows = _by_key(
        [
            {
                "organisation_name": "Velo Blitz z.Hd. Hanna-Lena Baumann",
                "emails": ["zuerich@veloblitz.ch"],
            },
            {
                "organisation_name": "Huber Bau",
                "first_name": "Anna",
                "last_name": "Huber",
                "emails": ["a.huber@huber-bau.de", "info@huber-bau.de", "bestellung@huber-bau.de"],
            },
            # a person's own row keeps its address whatever it spells
            {"first_name": "Max", "last_name": "Muster", "emails": ["zuerich@veloblitz.ch"]},
        ]
    )
    assert rows[f"crm:1{CONTACT_ID_SUFFIX}"]["role_emails"] == ["zuerich@veloblitz.ch"]
    assert rows[f"crm:1{CONTACT_ID_SUFFIX}"]["emails"] == ["zuerich@veloblitz.ch"]
    assert rows[f"crm:2{CONTACT_ID_SUFFIX}"]["role_emails"] == [
        "info@huber-bau.de",
        "bestellung@huber-bau.de",
    ]
    assert rows["crm:3"]["role_emails"] == []


@pytest.mark.parametrize(
    ("description", "contact"),
    [
        ("a branch named after its town", "Filiale Wien"),
        ("a branch by its number", "Fil. 01"),
        ("a Niederlassung of a town of several words", "Niederlassung Krems an der Donau"),
    ],
)
def test_a_branch_in_the_contact_field_is_no_person(description: str, contact: str) -> None:
    # An ERP's name addition ("zusatz") naming the firm's branch: no contact "Filiale Wien".
    result = clean({"organisation_name": "Papier & Co GmbH", "contact_name": contact})
    assert result.frame.height == 1, description
    row = result.frame.row(0, named=True)
    assert row["record_type"] == "organisation"
    assert (row["first_name"], row["last_name"]) == (None, None)
    assert row["contact_name"] is None
    assert row["department"] == contact  # kept: matching reads the branch from it


# A contact with the branch in brackets (a CRM's "Ansprechpartner"): the person is the contact,
# the branch stays with the organisation where a branch named alone stays (department), so
# matching still reads it (cleaners.organisations.branch_of: town or number).
BRANCH_AFTER_THE_CONTACT = [
    ("Herrn Pohl (Filiale Lübeck)", ("Herr", None, "Pohl"), "Filiale Lübeck", ("luebeck", None)),
    (
        "Herr Grzegorz Kozlowski (Fil. 03)",
        ("Herr", "Grzegorz", "Kozlowski"),
        "Fil. 03",
        (None, "3"),
    ),
    ("Frau Thi Hang Nguyen (Fil. 03)", ("Frau", "Thi Hang", "Nguyen"), "Fil. 03", (None, "3")),
    (
        "Krause, Christoph (Filiale Bochum)",
        (None, "Christoph", "Krause"),
        "Filiale Bochum",
        ("bochum", None),
    ),
    (
        "Herr Christian Ernst (Filiale Kassel)",
        ("Herr", "Christian", "Ernst"),
        "Filiale Kassel",
        ("kassel", None),
    ),
    (
        "Ansprechpartner: Yurii Kovalchuk (Niederlassung Ilanz)",
        (None, "Yurii", "Kovalchuk"),
        "Niederlassung Ilanz",
        ("ilanz", None),
    ),
    # The closing bracket lost (a field cut short, a typing slip).
    (
        "Frau Meyer (Filiale Burgdorf",
        ("Frau", None, "Meyer"),
        "Filiale Burgdorf",
        ("burgdorf", None),
    ),
    # The branch first, the person after it: in brackets, after a comma or a dash.
    ("Filiale Nord (Herr Pohl)", ("Herr", None, "Pohl"), "Filiale Nord", (None, None)),
    ("Filiale Linz, Herr Pohl", ("Herr", None, "Pohl"), "Filiale Linz", ("linz", None)),
    (
        "Niederlassung Krems – Frau Huber",
        ("Frau", None, "Huber"),
        "Niederlassung Krems",
        ("krems", None),
    ),
    ("Fil. 03 Frau Anna Huber", ("Frau", "Anna", "Huber"), "Fil. 03", (None, "3")),
    # A first and last name without salutation after the branch and a separator.
    ("Filiale Zürich, Ruedi Meyer", (None, "Ruedi", "Meyer"), "Filiale Zürich", ("zuerich", None)),
]


#: A site or team label beside the person, before or after: the label stays with the
#: organisation (department), the person is the contact.
UNIT_BESIDE_THE_CONTACT = [
    ("Herr Pohl (Werk 2)", ("Herr", None, "Pohl"), "Werk 2"),
    ("Team Vertrieb, Frau Anna Huber", ("Frau", "Anna", "Huber"), "Team Vertrieb"),
    ("Werk 2 (Frau Huber)", ("Frau", None, "Huber"), "Werk 2"),
    # French departments after "Service" (as German ones after "Abteilung"), in brackets after
    # the person and behind the contact marker: the bracket stays closed.
    ("Herr Berthod (Service achats)", ("Herr", None, "Berthod"), "Service achats"),
    ("Ansprechpartner: Herr Berthod (Service achats)", ("Herr", None, "Berthod"), "Service achats"),
    ("Mme Anne Favre (Service technique)", ("Frau", "Anne", "Favre"), "Service technique"),
]


@pytest.mark.parametrize(
    ("contact_name", "contact", "unit"),
    UNIT_BESIDE_THE_CONTACT,
    ids=[case[0] for case in UNIT_BESIDE_THE_CONTACT],
)
def test_a_unit_beside_the_contact_stays_with_the_organisation(
    contact_name: str, contact: tuple[str | None, ...], unit: str
) -> None:
    result = clean({"organisation_name": "Papier & Co GmbH", "contact_name": contact_name})
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    company, person = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (person["salutation"], person["first_name"], person["last_name"]) == contact
    assert company["department"] == unit


@pytest.mark.parametrize(
    ("contact_name", "contact", "branch", "branch_key"),
    BRANCH_AFTER_THE_CONTACT,
    ids=[case[0] for case in BRANCH_AFTER_THE_CONTACT],
)
def test_a_branch_after_the_contact_stays_with_the_organisation(
    contact_name: str,
    contact: tuple[str | None, ...],
    branch: str,
    branch_key: tuple[str | None, str | None],
) -> None:
    result = clean({"organisation_name": "Papier & Co GmbH", "contact_name": contact_name})
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    company, person = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (person["salutation"], person["first_name"], person["last_name"]) == contact
    assert (company["organisation_name"], company["contact_name"]) == ("Papier & Co GmbH", None)
    assert company["department"] == branch
    assert branch_of(company["department"]) == branch_key


def test_a_branch_after_the_contact_in_the_company_name_stays_with_the_organisation() -> None:
    rows = _by_key([{"organisation_name": "Papier & Co GmbH, Frau Meyer (Filiale Burgdorf)"}])
    company, person = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (company["organisation_name"], company["department"]) == (
        "Papier & Co GmbH",
        "Filiale Burgdorf",
    )
    assert (person["salutation"], person["last_name"]) == ("Frau", "Meyer")


NOBODY_NAMED = [
    {"description": "a branch label", "contact_name": "Filiale Nord", "department": "Filiale Nord"},
    {"description": "a site with a number", "contact_name": "Werk 2", "department": "Werk 2"},
    {"description": "a team", "contact_name": "Team Vertrieb", "department": "Team Vertrieb"},
    {"description": "a department word", "contact_name": "Kasse", "department": "Kasse"},
    {
        "description": "an unlisted department after Abteilung",
        "contact_name": "Abteilung Qualitätssicherung",
        "department": "Abteilung Qualitätssicherung",
    },
    {"description": "text with digits", "contact_name": "Tor 3", "department": "Tor 3"},
    {"description": "a floor", "contact_name": "2. OG", "address_extra": "2. OG"},
    {"description": "a building part", "contact_name": "Hinterhaus", "address_extra": "Hinterhaus"},
    {"description": "a c/o line", "contact_name": "c/o Müller", "address_extra": "c/o Müller"},
    {"description": "a post box", "contact_name": "Postfach 12", "address_extra": "Postfach 12"},
]


@pytest.mark.parametrize("case", NOBODY_NAMED, ids=[case["description"] for case in NOBODY_NAMED])
def test_a_contact_text_naming_nobody_stays_with_the_organisation(case: dict[str, str]) -> None:
    result = clean({"organisation_name": "Huber Bau GmbH", "contact_name": case["contact_name"]})
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    assert list(rows) == ["crm:1"]  # no contact record made
    company = rows["crm:1"]
    assert company["contact_name"] is None
    assert company["department"] == case.get("department")
    assert company["address_extra"] == case.get("address_extra")
    moved = result.findings.filter(pl.col("field") == "contact_name")
    assert moved["value"].to_list() == [case["contact_name"]]  # reported, nothing lost


def test_an_address_note_joins_the_address_extra_already_there() -> None:
    result = clean(
        {
            "organisation_name": "Huber Bau GmbH",
            "contact_name": "2. OG",
            "address_extra": "Gebäude B",
        }
    )
    assert result.frame.row(0, named=True)["address_extra"] == "Gebäude B, 2. OG"


@pytest.mark.parametrize(
    ("contact_name", "name"),
    [
        ("z. Hd. Herrn Weber", (None, "Weber")),
        ("Frau Dr. Anna Huber", ("Anna", "Huber")),
        ("Attn. John Smith", ("John", "Smith")),
        # French, Italian and short markers (a writer's CRM: the marker stayed in the name).
        ("Att. Frau Anna Meyer", ("Anna", "Meyer")),
        ("à l'attention de M. Jean Dupont", ("Jean", "Dupont")),
        ("à l'att. de Mme Claire Favre", ("Claire", "Favre")),
        ("all'attenzione di Sig.ra Giulia Bianchi", ("Giulia", "Bianchi")),
        ("Weber", (None, "Weber")),
        ("Huber, Anna", ("Anna", "Huber")),
    ],
)
def test_a_contact_text_naming_a_person_makes_a_contact(
    contact_name: str, name: tuple[str | None, str]
) -> None:
    rows = _by_key([{"organisation_name": "Huber Bau GmbH", "contact_name": contact_name}])
    person = rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (person["first_name"], person["last_name"]) == name


def test_a_department_after_the_contact_stays_with_the_organisation() -> None:
    rows = _by_key(
        [{"organisation_name": "Huber Bau GmbH", "contact_name": "Herrn Weber (Einkauf)"}]
    )
    assert rows["crm:1"]["department"] == "Einkauf"
    assert rows[f"crm:1{CONTACT_ID_SUFFIX}"]["last_name"] == "Weber"


def test_a_person_and_an_address_note_in_one_contact_column_are_both_kept() -> None:
    result = clean({"organisation_name": "Huber Bau GmbH", "contact_name": "Frau Müller, 2. OG"})
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    assert rows["crm:1"]["address_extra"] == "2. OG"
    assert rows["crm:1"]["department"] is None
    assert rows[f"crm:1{CONTACT_ID_SUFFIX}"]["last_name"] == "Müller"


BUSINESS_ORDERS: list[dict[str, Any]] = [
    {"description": "legal form", "organisation_name": "Weber Holzbau GmbH", "contact": True},
    {"description": "type Firma", "organisation_name": "Weber Holzbau", "record_type": "Firma"},
    {
        "description": "company mail",
        "organisation_name": "Weber Holzbau",
        "emails": ["max@weber-holzbau.de"],
    },
    {
        "description": "free mail",
        "organisation_name": "Weber Holzbau",
        "emails": ["max@gmx.de"],
        "contact": False,
    },
    {"description": "no mail, no form", "organisation_name": "Weber Holzbau", "contact": False},
    {
        "description": "type Privat",
        "organisation_name": "Weber Holzbau GmbH",
        "record_type": "Privat",
        "contact": False,
    },
]


@pytest.mark.parametrize(
    "case", BUSINESS_ORDERS, ids=[case["description"] for case in BUSINESS_ORDERS]
)
def test_a_person_beside_a_company_name_is_its_contact_or_a_person(case: dict[str, Any]) -> None:
    """The README's rule for a business order: first and last name beside a company name."""
    fields = {key: value for key, value in case.items() if key not in ("description", "contact")}
    rows = _by_key([{"first_name": "Max", "last_name": "Weber", **fields}])
    if case.get("contact", True):
        assert rows["crm:1"]["record_type"] == "organisation"
        assert rows["crm:1"]["last_name"] is None
        assert rows[f"crm:1{CONTACT_ID_SUFFIX}"]["last_name"] == "Weber"
    else:
        assert list(rows) == ["crm:1"]
        person = rows["crm:1"]
        assert (person["record_type"], person["last_name"]) == ("person", "Weber")
        assert person["organisation_name"] == case["organisation_name"]


@pytest.mark.parametrize(
    ("record", "contact"),
    [
        (
            {
                "organisation_name": "Huber Bau GmbH z. Hd. Frau Huber",
                "contact_name": "Buchhaltung",
            },
            ("Frau", None, "Huber"),
        ),
        (
            {
                "organisation_name": "Huber Bau GmbH z. Hd. Buchhaltung",
                "contact_name": "Frau Anna Huber",
            },
            ("Frau", "Anna", "Huber"),
        ),
        (
            {
                "organisation_name": "Huber Bau GmbH",
                "first_name": "Anna",
                "last_name": "Huber",
                "contact_name": "Buchhaltung",
            },
            (None, "Anna", "Huber"),
        ),
    ],
    ids=["z. Hd. in the name", "z. Hd. department in the name", "first and last names"],
)
def test_a_department_beside_a_contact_named_elsewhere_on_the_record_is_kept(
    record: dict[str, Any], contact: tuple[str | None, ...]
) -> None:
    """The person from one field, the department from another: both kept, each reported once."""
    result = clean(record)
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    company, person = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert (company["organisation_name"], company["organisation_key"]) == (
        "Huber Bau GmbH",
        "huber bau",
    )
    assert (company["department"], company["contact_name"]) == ("Buchhaltung", None)
    assert (person["salutation"], person["first_name"], person["last_name"]) == contact
    department = result.findings.filter(pl.col("reason").str.starts_with("department"))
    assert department.height == 1
    assert "Buchhaltung" in department["value"][0]
    assert not result.findings.filter(
        (pl.col("value") == department["value"][0]) & pl.col("reason").str.contains("split off")
    ).height


# The owner of a sole proprietorship named with the firm ("... e.K. Inh. Andrea Uhlenbrock"):
# the firm's name without "Inh. ..." is the organisation's (and its key), the owner its contact
# person, whatever else the record holds, as long as it names no other person: a department or
# branch in the contact column or in a full-name column goes to department, a building note to
# address_extra. A record makes one contact (<source_id>#contact): when it names another
# person (an Ansprechpartner, or first and last names of its own), that person is the contact
# and the owner stays in the organisation's name (the key leaves "Inh. ..." out).
OWNERS: list[dict[str, Any]] = [
    {
        "description": "the owner alone",
        "record": {"organisation_name": "Kornfeld Backstube Bonn e. K. Inh. Andrea Uhlenbrock"},
        "organisation": "Kornfeld Backstube Bonn e. K.",
        "key": "kornfeld backstube bonn",
        "contact": ("Andrea", "Uhlenbrock"),
    },
    {
        "description": "the owner of a firm without legal form",
        "record": {"organisation_name": "Teppich Paradies Feldbach Inh. Patrick Ebner"},
        "organisation": "Teppich Paradies Feldbach",
        "key": "teppich paradies feldbach",
        "contact": ("Patrick", "Ebner"),
    },
    {
        "description": "a department in the Ansprechpartner column",
        "record": {
            "organisation_name": "Hotel Bergblick Neumünster e.K. Inh. Dmytro Tkatschenko",
            "contact_name": "Rechnungswesen",
        },
        "kept_text": "Rechnungswesen",
        "organisation": "Hotel Bergblick Neumünster e.K.",
        "key": "hotel bergblick neumuenster",
        "contact": ("Dmytro", "Tkatschenko"),
        "department": "Rechnungswesen",
    },
    {
        "description": "a department after z. Hd. with the legal form after the owner",
        "record": {
            "organisation_name": "Huber Bau Inh. Anton Huber e.K.",
            "contact_name": "z. Hd. Buchhaltung",
        },
        "kept_text": "z. Hd. Buchhaltung",
        "organisation": "Huber Bau e.K.",
        "key": "huber bau",
        "contact": ("Anton", "Huber"),
        "department": "Buchhaltung",
    },
    {
        "description": "a branch in the Ansprechpartner column",
        "record": {
            "organisation_name": "Teppich Paradies Feldbach Inh. Patrick Ebner",
            "contact_name": "Filiale Graz",
        },
        "kept_text": "Filiale Graz",
        "organisation": "Teppich Paradies Feldbach",
        "key": "teppich paradies feldbach",
        "contact": ("Patrick", "Ebner"),
        "department": "Filiale Graz",
    },
    {
        "description": "a department read by a full-name column as the last name",
        "record": {
            "organisation_name": "Kornfeld Backstube Bonn e. K. Inh. Andrea Uhlenbrock",
            "last_name": "Rechnungswesen",
        },
        "kept_text": "Rechnungswesen",
        "organisation": "Kornfeld Backstube Bonn e. K.",
        "key": "kornfeld backstube bonn",
        "contact": ("Andrea", "Uhlenbrock"),
        "department": "Rechnungswesen",
    },
    {
        "description": "a building note in the Ansprechpartner column",
        "record": {
            "organisation_name": "Kornfeld Backstube Bonn e. K. Inh. Andrea Uhlenbrock",
            "contact_name": "2. OG",
        },
        "organisation": "Kornfeld Backstube Bonn e. K.",
        "key": "kornfeld backstube bonn",
        "contact": ("Andrea", "Uhlenbrock"),
        "address_extra": "2. OG",
    },
    {
        "description": "another person in the Ansprechpartner column",
        "record": {
            "organisation_name": "Kornfeld Backstube Bonn e. K. Inh. Andrea Uhlenbrock",
            "contact_name": "Frau Maria Weber",
        },
        "organisation": "Kornfeld Backstube Bonn e. K. Inh. Andrea Uhlenbrock",
        "key": "kornfeld backstube bonn",
        "contact": ("Maria", "Weber"),
    },
    {
        "description": "another person with a branch in the Ansprechpartner column",
        "record": {
            "organisation_name": "Hotel Bergblick Neumünster e.K. Inh. Dmytro Tkatschenko",
            "contact_name": "Herrn Pohl (Filiale Lübeck)",
        },
        "organisation": "Hotel Bergblick Neumünster e.K. Inh. Dmytro Tkatschenko",
        "key": "hotel bergblick neumuenster",
        "contact": (None, "Pohl"),
        "department": "Filiale Lübeck",
    },
    {
        "description": "first and last names of the record's own (a B2B shop order)",
        "record": {
            "organisation_name": "Huber Bau Inh. Anton Huber e.K.",
            "first_name": "Max",
            "last_name": "Weber",
        },
        "organisation": "Huber Bau Inh. Anton Huber e.K.",
        "key": "huber bau",
        "contact": ("Max", "Weber"),
    },
]


@pytest.mark.parametrize("case", OWNERS, ids=[case["description"] for case in OWNERS])
def test_the_owner_of_a_firm_is_its_contact_unless_another_person_is(
    case: dict[str, Any],
) -> None:
    result = clean(case["record"])
    rows = {row["record_key"]: row for row in result.frame.to_dicts()}
    assert set(rows) == {"crm:1", f"crm:1{CONTACT_ID_SUFFIX}"}
    company, person = rows["crm:1"], rows[f"crm:1{CONTACT_ID_SUFFIX}"]
    assert company["record_type"] == "organisation"
    assert company["organisation_name"] == case["organisation"]
    assert company["organisation_key"] == person["organisation_key"] == case["key"]
    assert (company["first_name"], company["last_name"], company["contact_name"]) == (
        None,
        None,
        None,
    )
    assert (person["first_name"], person["last_name"]) == case["contact"]
    assert company["department"] == case.get("department")
    assert company["address_extra"] == case.get("address_extra")
    # A finding says where the department went, and nothing reports it moved to the contact.
    if "kept_text" in case:
        reasons = result.findings.filter(pl.col("value") == case["kept_text"])["reason"]
        assert reasons.len() == 1
        assert reasons[0].startswith(f"department {case['department']} is no contact person")


def test_the_owner_stays_in_the_employers_name_of_a_person() -> None:
    # First and last names beside a firm without legal form, no B2B mark, no company mail: a
    # person naming an employer (README), whose owner is no contact of anyone; the key of the
    # employer leaves the owner out.
    rows = _by_key(
        [
            {
                "first_name": "Max",
                "last_name": "Weber",
                "organisation_name": "Teppich Paradies Feldbach Inh. Patrick Ebner",
            }
        ]
    )
    assert list(rows) == ["crm:1"]
    person = rows["crm:1"]
    assert (person["record_type"], person["first_name"], person["last_name"]) == (
        "person",
        "Max",
        "Weber",
    )
    assert person["organisation_name"] == "Teppich Paradies Feldbach Inh. Patrick Ebner"
    assert person["organisation_key"] == "teppich paradies feldbach"
