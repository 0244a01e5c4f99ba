"""Organisation spellings across silos: one key for the same company, different keys otherwise.

Hand-written from how DACH (and US) company names differ between a CRM, an ERP, a shop and a
newsletter list: legal form written or left out and in every spelling, "&"/"und"/"u."/"+",
umlauts and ß transliterated, accents dropped, abbreviations, a contact named in the field.
"""

from __future__ import annotations

import pytest

from cleaners.organisations import (
    branch_of,
    contact_of_address_line,
    find_legal_form,
    is_department,
    looks_like_organisation,
    organisation_key,
    organisation_of_address_line,
    organisation_share,
    split_department,
    split_organisation_contact,
    without_branch,
)

SAME = [
    {"description": "GmbH with and without dots", "a": "Huber Bau GmbH", "b": "Huber Bau G.m.b.H."},
    {"description": "GmbH left out", "a": "Huber Bau GmbH", "b": "Huber Bau"},
    {
        "description": "a branch after the legal form",
        "a": "Huber Bau GmbH Niederlassung Augsburg",
        "b": "Huber Bau GmbH",
    },
    {
        "description": "a branch after a dash",
        "a": "Gruber Holz GmbH - Filiale Graz",
        "b": "Gruber Holz",
    },
    {
        "description": "a branch in brackets",
        "a": "Müller GmbH (Zweigniederlassung Wien)",
        "b": "Mueller G.m.b.H.",
    },
    {
        "description": "a branch by its number, Fil. the short form of Filiale",
        "a": "Papier & Co G.m.b.H. - Fil. 03",
        "b": "Papier & Co GmbH",
    },
    {
        "description": "a branch without legal form",
        "a": "Huber Bau Niederlassung Augsburg",
        "b": "Huber Bau",
    },
    {"description": "in liquidation", "a": "Maier Logistik GmbH i.L.", "b": "Maier Logistik GmbH"},
    {
        "description": "UG with haftungsbeschränkt cut short",
        "a": "Haider Bäckerei UG (haftungsbeschr.)",
        "b": "Haider Baeckerei UG (haftungsbeschränkt)",
    },
    {"description": "eG with dots", "a": "Wohnbau Nord e.G.", "b": "Wohnbau Nord eG"},
    {
        "description": "Partnerschaft mbB",
        "a": "Schmid & Partner Partnerschaft mbB",
        "b": "Schmid und Partner PartG mbB",
    },
    {"description": "mbH alone", "a": "Wohnbau Kiel mbH", "b": "Wohnbau Kiel GmbH"},
    {
        "description": "Austrian Ges.m.b.H.",
        "a": "Gruber Holz Ges.m.b.H.",
        "b": "Gruber Holz GesmbH",
    },
    {"description": "Ges.mbH", "a": "Gruber Holz Ges.mbH", "b": "Gruber Holz"},
    {"description": "AG and A.G.", "a": "Bäckerei Groß AG", "b": "Baeckerei Gross A.G."},
    {
        "description": "AG written out",
        "a": "Stahlwerk Nord Aktiengesellschaft",
        "b": "Stahlwerk Nord AG",
    },
    {
        "description": "GmbH & Co. KG / KG",
        "a": "Meier Logistik GmbH & Co. KG",
        "b": "Meier Logistik KG",
    },
    {
        "description": "GmbH u. Co. KG",
        "a": "Meier Logistik GmbH u. Co. KG",
        "b": "Meier Logistik GmbH & Co. KG",
    },
    {
        "description": "GmbH und Co. KG",
        "a": "Meier Logistik GmbH und Co. KG",
        "b": "Meier Logistik",
    },
    {"description": "OHG", "a": "Schulz & Partner OHG", "b": "Schulz und Partner"},
    {"description": "e.K. / e. K.", "a": "Elektro Huber e.K.", "b": "Elektro Huber e. K."},
    {"description": "e.Kfm.", "a": "Elektro Huber e.Kfm.", "b": "Elektro Huber e.K."},
    {"description": "Austrian e.U.", "a": "Tischlerei Berger e.U.", "b": "Tischlerei Berger"},
    {"description": "e.V.", "a": "Turnverein Musterstadt e.V.", "b": "Turnverein Musterstadt eV"},
    {
        "description": "Sàrl / S.à r.l.",
        "a": "Boulangerie Dubois Sàrl",
        "b": "Boulangerie Dubois S.à r.l.",
    },
    {
        "description": "Sarl without accent",
        "a": "Boulangerie Dubois SARL",
        "b": "Boulangerie Dubois",
    },
    {"description": "Ticino Sagl", "a": "Pasticceria Rossi Sagl", "b": "Pasticceria Rossi"},
    {"description": "SAGL in capitals", "a": "Pasticceria Rossi SAGL", "b": "Pasticceria Rossi"},
    {
        "description": "e.U. without dots",
        "a": "Tischlerei Berger eU",
        "b": "Tischlerei Berger e.U.",
    },
    {"description": "KG alone", "a": "Meier Logistik K.G.", "b": "Meier Logistik GmbH & Co. KG"},
    {
        "description": "Inc. / Incorporated",
        "a": "Little Sprouts Inc.",
        "b": "Little Sprouts Incorporated",
    },
    {"description": "SA / S.A.", "a": "Horlogerie Favre SA", "b": "Horlogerie Favre S.A."},
    {"description": "Swiss AG", "a": "Zürcher Treuhand AG", "b": "Zuercher Treuhand"},
    {"description": "Ltd.", "a": "Alpine Tours Ltd.", "b": "Alpine Tours Limited"},
    {"description": "Inc. / Corp.", "a": "Acme Corp.", "b": "ACME Corporation"},
    {"description": "& / und", "a": "Müller & Söhne GmbH", "b": "Müller und Söhne GmbH"},
    {"description": "u.", "a": "Müller u. Söhne", "b": "Müller & Söhne"},
    {"description": "+", "a": "Müller + Söhne", "b": "Mueller & Soehne GmbH"},
    {"description": "umlauts transliterated", "a": "Schön Küchen GmbH", "b": "Schoen Kuechen GmbH"},
    {"description": "ß as ss", "a": "Weißbier Brauerei Groß", "b": "Weissbier Brauerei Gross"},
    {"description": "accents dropped", "a": "Café Crème Sàrl", "b": "Cafe Creme"},
    {"description": "ALL CAPS", "a": "HUBER BAU GMBH", "b": "Huber Bau GmbH"},
    {"description": "Firma in front", "a": "Firma Huber Bau GmbH", "b": "Huber Bau GmbH"},
    {"description": "Sankt / St.", "a": "Apotheke St. Georg", "b": "Apotheke Sankt Georg"},
    {"description": "Saint Mary's", "a": "St. Mary's Clinic", "b": "Saint Marys Clinic"},
    {"description": "Gebr.", "a": "Gebr. Wagner GmbH", "b": "Gebrüder Wagner"},
]

DIFFERENT = [
    {"description": "other core name", "a": "Huber Bau GmbH", "b": "Huber Holz GmbH"},
    {"description": "same form, other firm", "a": "Meier Logistik KG", "b": "Maier Transporte KG"},
    {"description": "a word more is another firm", "a": "Huber", "b": "Huber Bau"},
]


@pytest.mark.parametrize("case", SAME, ids=[case["description"] for case in SAME])
def test_spellings_of_one_organisation_share_a_key(case: dict[str, str]) -> None:
    assert organisation_key(case["a"]) == organisation_key(case["b"])


@pytest.mark.parametrize("case", DIFFERENT, ids=[case["description"] for case in DIFFERENT])
def test_different_organisations_keep_different_keys(case: dict[str, str]) -> None:
    assert organisation_key(case["a"]) != organisation_key(case["b"])


@pytest.mark.parametrize(
    ("value", "organisation", "contact"),
    [
        ("Huber Bau GmbH z. Hd. Frau Anna Huber", "Huber Bau GmbH", "Frau Anna Huber"),
        ("Huber Bau GmbH z.Hd. Herrn Dr. Max Huber", "Huber Bau GmbH", "Herrn Dr. Max Huber"),
        ("Huber Bau GmbH, zu Händen von Frau Huber", "Huber Bau GmbH", "Frau Huber"),
        ("Alpine Tours Ltd. Attn. John Smith", "Alpine Tours Ltd.", "John Smith"),
        ("Anna Huber c/o Huber Bau GmbH", "Huber Bau GmbH", "Anna Huber"),
        ("Huber Bau GmbH, Anna Huber", "Huber Bau GmbH", "Anna Huber"),
        ("Huber Bau GmbH - Frau Anna Huber", "Huber Bau GmbH", "Frau Anna Huber"),
        ("Frau Anna Huber / Huber Bau GmbH", "Huber Bau GmbH", "Frau Anna Huber"),
        ("Apotheke am Markt, Ansprechpartnerin: Eva Roth", "Apotheke am Markt", "Eva Roth"),
        # No person: commas and hyphens inside a company name stay.
        ("Meier, Huber & Partner GmbH", "Meier, Huber & Partner GmbH", None),
        ("Schmidt - Haustechnik GmbH", "Schmidt - Haustechnik GmbH", None),
        ("Huber Bau GmbH, Niederlassung Süd", "Huber Bau GmbH, Niederlassung Süd", None),
        # A person beside a company: a first name (English too) and one or two more words.
        ("Alpine Tours Ltd., Bill Smith", "Alpine Tours Ltd.", "Bill Smith"),
        ("Huber Bau GmbH / Anna Maria Huber", "Huber Bau GmbH", "Anna Maria Huber"),
        # An organisation that starts with a first name stays whole.
        ("Henry Booth House - Kids Place II, Inc", "Henry Booth House - Kids Place II, Inc", None),
        ("Anna Schule - Huber Bau GmbH", "Anna Schule - Huber Bau GmbH", None),
        ("Maria Hilf Apotheke, Huber GmbH", "Maria Hilf Apotheke, Huber GmbH", None),
        ("Emma Care Center, LLC", "Emma Care Center, LLC", None),
        ("Mary 2 Smith, LLC", "Mary 2 Smith, LLC", None),
        ("Anna Huber & Partner - Huber GmbH", "Anna Huber & Partner - Huber GmbH", None),
        ("Peter Paul Huber Meier - Huber GmbH", "Peter Paul Huber Meier - Huber GmbH", None),
        ("Sophie Kita, Huber Stiftung", "Sophie Kita, Huber Stiftung", None),
        # The owner of a sole proprietorship: the contact; a legal form after the owner's name
        # is the firm's.
        ("Huber Bau Inh. Anton Huber e.K.", "Huber Bau e.K.", "Anton Huber"),
        (
            "Kälin Verwaltung e.Kfm., Inh. Melanie Brunner",
            "Kälin Verwaltung e.Kfm.",
            "Melanie Brunner",
        ),
        ("Huber Bau e.K., Inhaberin: Anna Huber", "Huber Bau e.K.", "Anna Huber"),
        ("Meier Transporte, Inh. Max Meier", "Meier Transporte", "Max Meier"),
        # A person beside a firm without legal form, after a comma: addressed, of the firm's
        # family, or beside a trade.
        ("Huber Bau, Anna Huber", "Huber Bau", "Anna Huber"),
        ("Bäckerei Huber, Frau Huber", "Bäckerei Huber", "Frau Huber"),
        ("Elektro Maier, Anna Huber", "Elektro Maier", "Anna Huber"),
        # ... not a name written last name first, two persons, a department, an institution's
        # programme named after a person, a hyphen, or a place.
        ("Huber, Anna", "Huber, Anna", None),
        ("Anna Huber, Max Huber", "Anna Huber, Max Huber", None),
        ("Einkauf, Anna Huber", "Einkauf, Anna Huber", None),
        (
            "Chicago Commons Association, Paulo Freire",
            "Chicago Commons Association, Paulo Freire",
            None,
        ),
        ("Chicago Youth Centers, Rebecca Crown", "Chicago Youth Centers, Rebecca Crown", None),
        (
            "Erie Neighborhood House - Lucia Rubio Site",
            "Erie Neighborhood House - Lucia Rubio Site",
            None,
        ),
        ("Huber Bau, München", "Huber Bau, München", None),
    ],
)
def test_contact_person_named_in_the_organisation_field(
    value: str, organisation: str, contact: str | None
) -> None:
    found = split_organisation_contact(value)
    assert (found.organisation, found.contact) == (organisation, contact)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Huber Bau GmbH", True),
        ("Bäckerei Groß A.G.", True),
        ("Huber Bau GmbH z. Hd. Frau Huber", True),
        ("Huber Bau GmbH Niederlassung Augsburg", True),
        ("Maier Logistik GmbH i.L.", True),
        # The legal form after the branch is the firm's (a newsletter's one name field).
        ("Sonnenhof Fahrschule Filiale Nürnberg GbR", True),
        ("Niederlassung Süd", False),
        ("Max Mustermann", False),
        ("Dr. Anna von Huber", False),
        ("Mustermann, Max", False),
    ],
)
def test_looks_like_organisation(value: str, expected: bool) -> None:
    assert looks_like_organisation(value) is expected


def test_organisation_share_counts_distinct_values() -> None:
    import polars as pl

    values = pl.Series(["Huber Bau GmbH", "Huber Bau GmbH", "Max Muster", None, "", "Acme Inc."])
    assert organisation_share(values) == pytest.approx(2 / 3)
    assert organisation_share(pl.Series([None, None], dtype=pl.String)) == 0.0


@pytest.mark.parametrize(
    ("name", "legal_form", "key"),
    [
        ("Sonnenhof Fahrschule Filiale Nürnberg GbR", "GbR", "sonnenhof fahrschule"),
        ("Huber Bau Niederlassung Augsburg GmbH & Co. KG", "GmbH & Co. KG", "huber bau"),
        ("Huber Bau GmbH Niederlassung Augsburg", "GmbH", "huber bau"),
        ("Huber Bau Niederlassung Augsburg", None, "huber bau"),
    ],
)
def test_a_legal_form_after_the_branch_stays_the_firms(
    name: str, legal_form: str | None, key: str
) -> None:
    # "<firm> Filiale <town> <legal form>": the branch leaves the key, the legal form does not
    # leave the name (without it a one-field name reads as first and last name "... | GbR").
    found = find_legal_form(without_branch(name))
    assert (found[0] if found else None) == legal_form
    assert organisation_key(name) == key


def test_legal_form_inside_a_name_is_not_its_legal_form() -> None:
    # "AG" in the middle ("AG Elektro Service") is no legal form at the end.
    assert find_legal_form("Huber AG Elektro Service") is None


@pytest.mark.parametrize(
    ("line", "contact"),
    [
        ("z. Hd. Frau Anna Huber", "Frau Anna Huber"),
        ("Werkstraße 3, z.Hd. Herrn Max Huber", "Herrn Max Huber"),
        ("Attn. John Smith", "John Smith"),
        ("Werkstraße 3", None),
        (None, None),
    ],
)
def test_contact_of_an_address_line(line: str | None, contact: str | None) -> None:
    assert contact_of_address_line(line) == contact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Buchhaltung", True),
        ("Abt. Einkauf", True),
        ("Abteilung Geschäftsleitung", True),
        ("Accounts Payable", True),
        ("Einkauf / Lager", True),
        ("Dept: Billing", True),
        ("Frau Anna Huber", False),
        ("Anna Huber", False),
        ("Herrn Einkauf", False),  # a person named Einkauf
        ("Service Team Süd", False),
        ("Einkaufsabteilung", True),  # the word for department after the name
        ("Rechnungsabteilung", True),
        ("Purchasing Department", True),
        ("Buchhaltung Abt.", True),
        ("Personalabteilung", True),
        ("Abteilungsleiter Huber", False),
        ("Hubertus Vertriebsmann", False),
    ],
)
def test_departments(text: str, expected: bool) -> None:
    assert is_department(text) is expected


@pytest.mark.parametrize(
    ("text", "department", "rest"),
    [
        ("Buchhaltung, Frau Anna Huber", "Buchhaltung", "Frau Anna Huber"),
        ("Abt. Einkauf Herrn Dr. Gruber", "Abt. Einkauf", "Herrn Dr. Gruber"),
        ("Accounts Payable / John Smith", "Accounts Payable", "John Smith"),
        ("Hr. Karl Gruber", None, "Hr. Karl Gruber"),  # Herr, not human resources
        ("Frau Anna Huber", None, "Frau Anna Huber"),
        ("Buchhaltung", None, "Buchhaltung"),  # a department alone: no person after it
    ],
)
def test_a_department_before_a_person(text: str, department: str | None, rest: str) -> None:
    assert split_department(text) == (department, rest)


@pytest.mark.parametrize(
    ("value", "organisation", "contact"),
    [
        ("Huber Bau GmbH z. Hd. Buchhaltung", "Huber Bau GmbH", "Buchhaltung"),
        ("Huber Bau GmbH, Abt. Einkauf", "Huber Bau GmbH", "Abt. Einkauf"),
        ("Acme Inc., Attn: Accounts Payable", "Acme Inc.", "Accounts Payable"),
    ],
)
def test_a_department_is_split_from_the_name_for_the_caller_to_keep(
    value: str, organisation: str, contact: str
) -> None:
    found = split_organisation_contact(value)
    assert (found.organisation, found.contact) == (organisation, contact)
    assert is_department(found.contact)


@pytest.mark.parametrize(
    ("line", "organisation"),
    [
        ("Huber Bau GmbH, z. Hd. Buchhaltung", "Huber Bau GmbH"),
        ("Gruber Holz Ges.m.b.H.", "Gruber Holz Ges.m.b.H."),
        ("Nebengebäude", None),
        ("z. Hd. Frau Huber", None),
        (None, None),
    ],
)
def test_organisation_of_an_address_line(line: str | None, organisation: str | None) -> None:
    assert organisation_of_address_line(line) == organisation


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("Brillenmacher AG - Filiale Meißen", ("meissen", None)),
        ("Papier & Co Gesellschaft mit beschränkter Haftung (Fil. 02)", (None, "2")),
        ("Kramgasse 19, Filiale Biel/Bienne", ("biel", None)),
        ("Niederlassung St. Pölten", ("sankt poelten", None)),
        ("Huber Bau GmbH Niederlassung Süd", (None, None)),  # a region, no town
        ("Dorothy Sutton Branch Headstart and Daycare", (None, None)),  # a name
        ("Huber Bau GmbH", (None, None)),
    ],
)
def test_branch_of(text: str, branch: tuple[str | None, str | None]) -> None:
    assert branch_of(text) == branch
