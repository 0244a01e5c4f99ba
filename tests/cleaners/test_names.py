"""Names, salutations, titles, nickname groups and split_full_name."""

from __future__ import annotations

import polars as pl
import pytest
from cleaner_frames import clean_one
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import split_full_name
from cleaners.names import clean_first_name, clean_last_name, parse_full_name
from cleaners.outcome import CORRECTED, INVALID, VALID
from cleaners.text import clean_text
from cleaners.titles import normalize_salutation, normalize_title, suffix_of

LAST_NAMES = [
    # (raw, cleaned, status, found title)
    ("Müller", "Müller", VALID, None),
    ("  Müller ", "Müller", VALID, None),
    ("MÜLLER", "Müller", CORRECTED, None),
    ("müller", "Müller", CORRECTED, None),
    ("von der leyen", "von der Leyen", CORRECTED, None),
    ("VON DER LEYEN", "von der Leyen", CORRECTED, None),
    ("von Thurn und Taxis", "von Thurn und Taxis", VALID, None),
    ("von und zu Guttenberg", "von und zu Guttenberg", VALID, None),
    ("VON UND ZU GUTTENBERG", "von und zu Guttenberg", CORRECTED, None),
    ("von Habsburg-Lothringen", "von Habsburg-Lothringen", VALID, None),  # Austrian
    ("van der Bellen", "van der Bellen", VALID, None),  # Austrian
    ("de Weck", "de Weck", VALID, None),  # Swiss
    ("SCHMID-HÄFLIGER", "Schmid-Häfliger", CORRECTED, None),  # Swiss double name
    ("Leutheusser-Schnarrenberger", "Leutheusser-Schnarrenberger", VALID, None),
    ("Dipl.-Ing. Weber", "Weber", CORRECTED, "Dipl.-Ing."),
    ("Prof. Dr. Meier", "Meier", CORRECTED, "Prof.|Dr."),
    ("Dr. med. Huber", "Huber", CORRECTED, "Dr. med."),
    ("Gruber, lic. iur.", "Gruber", CORRECTED, "lic. iur."),
    ("Müller-Lüdenscheidt", "Müller-Lüdenscheidt", VALID, None),
    ("MÜLLER-LÜDENSCHEIDT", "Müller-Lüdenscheidt", CORRECTED, None),
    ("Müller - Lüdenscheidt", "Müller-Lüdenscheidt", CORRECTED, None),
    ("van Beethoven", "van Beethoven", VALID, None),
    ("zu Guttenberg", "zu Guttenberg", VALID, None),
    ("de Maizière", "de Maizière", VALID, None),
    ("Schmidt*", "Schmidt", CORRECTED, None),
    ("Huber,", "Huber", CORRECTED, None),
    ("Gruber.", "Gruber", CORRECTED, None),
    ("Dr. Mustermann", "Mustermann", CORRECTED, "Dr."),
    ("Mustermann MBA", "Mustermann", CORRECTED, "MBA"),
    ("Mustermann, MBA", "Mustermann", CORRECTED, "MBA"),
    ("Mag. Huber", "Huber", CORRECTED, "Mag."),
    ("O'BRIEN", "O'Brien", CORRECTED, None),
    ("Nägeli", "Nägeli", VALID, None),  # Swiss
    ("Rüegg", "Rüegg", VALID, None),  # Swiss
    ("Hödlmoser", "Hödlmoser", VALID, None),  # Austrian
    ("DI MARIA", "Di Maria", CORRECTED, None),  # ALL CAPS: DI is not the Austrian title here
]


@pytest.mark.parametrize(("raw", "cleaned", "status", "title"), LAST_NAMES)
def test_last_names(raw: str, cleaned: str, status: str, title: str | None) -> None:
    parts = clean_last_name(raw)
    assert (parts.name, parts.status, parts.titles) == (cleaned, status, title)


FIRST_NAMES = [
    ("Max", "Max", VALID, None, None),
    ("MAX", "Max", CORRECTED, None, None),
    ("hans-peter", "Hans-Peter", CORRECTED, None, None),
    ("Hans Peter", "Hans Peter", VALID, None, None),
    ("Dr. Max", "Max", CORRECTED, "Dr.", None),
    ("Prof. Dr. Anna", "Anna", CORRECTED, "Prof.|Dr.", None),
    ("Dr. med. Hans", "Hans", CORRECTED, "Dr. med.", None),
    ("DI Josef", "Josef", CORRECTED, "DI", None),  # Austrian Diplom-Ingenieur
    ("lic. iur. Beat", "Beat", CORRECTED, "lic. iur.", None),  # Swiss
    ("Herr Max", "Max", CORRECTED, None, "Herr"),
    ("Frau Anna", "Anna", CORRECTED, None, "Frau"),
    ("Hr. Dr. Klaus", "Klaus", CORRECTED, "Dr.", "Herr"),
    ("Herr", None, CORRECTED, None, "Herr"),
    ("Hans J.", "Hans J.", VALID, None, None),
    ("Zoë", "Zoë", VALID, None, None),
    ("Mag. Anna", "Anna", CORRECTED, "Mag.", None),
    ("Dipl.-Ing. Klaus", "Klaus", CORRECTED, "Dipl.-Ing.", None),
    ("Fam. Gruber", "Gruber", CORRECTED, None, "Familie"),
    ("Familie", None, CORRECTED, None, "Familie"),
    ("Ms Jane", "Jane", CORRECTED, None, "Frau"),
    ("Divers Alex", "Alex", CORRECTED, None, "Divers"),
    ("ANNA-LENA", "Anna-Lena", CORRECTED, None, None),
    ("Hans-Jürgen", "Hans-Jürgen", VALID, None, None),
    ("Urs", "Urs", VALID, None, None),  # Swiss
]


@pytest.mark.parametrize(("raw", "cleaned", "status", "title", "salutation"), FIRST_NAMES)
def test_first_names(
    raw: str, cleaned: str | None, status: str, title: str | None, salutation: str | None
) -> None:
    parts = clean_first_name(raw)
    assert (parts.name, parts.status, parts.titles, parts.salutation) == (
        cleaned,
        status,
        title,
        salutation,
    )


SUFFIXES = [
    # (raw, is first-name field, cleaned name, name_suffix)
    ("Moser jun", False, "Moser", "jun."),
    ("Moser jun.", False, "Moser", "jun."),
    ("MOSER JUN.", False, "Moser", "jun."),
    ("Moser, jun.", False, "Moser", "jun."),
    ("Fischer sen.", False, "Fischer", "sen."),
    ("Huber Jr.", False, "Huber", "jun."),
    ("Huber Sr.", False, "Huber", "sen."),
    ("Gruber Senior", False, "Gruber", "sen."),
    ("Gruber junior", False, "Gruber", "jun."),
    ("Moser d. J.", False, "Moser", "jun."),
    ("Huber-Moser jun.", False, "Huber-Moser", "jun."),
    ("von Arx sen.", False, "von Arx", "sen."),  # Swiss
    ("Dr. Moser jun. MBA", False, "Moser", "jun."),
    ("Fischer Sen", False, "Fischer Sen", None),  # "Sen" without dot is a surname
    ("Jun", False, "Jun", None),  # a suffix alone is a surname
    ("Peter jun.", True, "Peter", "jun."),
    ("Junior", True, "Junior", None),
]


@pytest.mark.parametrize(("raw", "first", "name", "suffix"), SUFFIXES)
def test_generational_suffixes(raw: str, first: bool, name: str, suffix: str | None) -> None:
    parts = clean_first_name(raw) if first else clean_last_name(raw)
    assert (parts.name, parts.suffix) == (name, suffix)
    if suffix:
        assert parts.status == CORRECTED and "suffix moved to name_suffix" in (parts.reason or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("jun.", "jun."), ("Jun", "jun."), ("JR", "jun."), ("sen.", "sen."), ("Sen", None)],
)
def test_suffix_of(text: str, expected: str | None) -> None:
    assert suffix_of(text) == expected


@pytest.mark.parametrize(
    ("record", "first", "last", "suffix"),
    [
        ({"first_name": "Peter", "last_name": "Moser jun"}, "Peter", "Moser", "jun."),
        ({"first_name": "Pit jun.", "last_name": "Moser"}, "Pit", "Moser", "jun."),
        ({"first_name": "Markus", "last_name": "FISCHER SEN."}, "Markus", "Fischer", "sen."),
        ({"last_name": "Moser jun., Peter"}, "Peter", "Moser", "jun."),
        ({"first_name": "Peter", "last_name": "Moser"}, "Peter", "Moser", None),
    ],
)
def test_suffix_moves_to_name_suffix_with_a_finding(
    record: dict[str, str], first: str, last: str, suffix: str | None
) -> None:
    row, findings = clean_one(record)
    assert (row["first_name"], row["last_name"], row["name_suffix"]) == (first, last, suffix)
    if suffix:
        reasons = [f["reason"] for f in findings if f["status"] == CORRECTED]
        assert any("suffix moved to name_suffix" in reason for reason in reasons)


@pytest.mark.parametrize("raw", ["n/a", "unbekannt", "---", "???", "123", "xxx"])
def test_placeholder_names_are_invalid(raw: str) -> None:
    parts = clean_last_name(raw)
    assert parts.name is None and parts.status == INVALID and parts.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Herr", "Herr"),
        ("Hr.", "Herr"),
        ("Herrn", "Herr"),
        ("Mr", "Herr"),
        ("Frau", "Frau"),
        ("Fr.", "Frau"),
        ("Mrs.", "Frau"),
        ("Ms", "Frau"),
        ("Fräulein", "Frau"),
        ("Madame", "Frau"),
        ("Divers", "Divers"),
        ("Familie", "Familie"),
        ("Fam.", "Familie"),
        ("Herr und Frau", "Familie"),
        ("Eheleute", "Familie"),
        ("Firma", "Firma"),
        ("Fa.", "Firma"),
        # French and Italian Swiss rows, and a gender column mapped as the salutation
        ("M.", "Herr"),
        ("Mme", "Frau"),
        ("Mlle", "Frau"),
        ("Sig.", "Herr"),
        ("Sig.ra", "Frau"),
        ("Sig.na", "Frau"),
        ("m", "Herr"),
        ("W", "Frau"),
        ("weiblich", "Frau"),
        ("männlich", "Herr"),
    ],
)
def test_salutations(raw: str, expected: str) -> None:
    assert normalize_salutation(raw).value == expected


@pytest.mark.parametrize("raw", ["M. Huber", "W. Graf", "Sig Huber"])
def test_a_salutation_columns_abbreviation_inside_a_name_is_an_initial(raw: str) -> None:
    """A salutation column's "M." is Monsieur: in a name it is the first name's initial."""
    parsed = parse_full_name(raw)
    assert parsed.salutation is None
    assert parsed.last_name == raw.split()[-1]


def test_unknown_salutation_is_invalid() -> None:
    outcome = normalize_salutation("Eure Exzellenz")
    assert outcome.value is None and outcome.status == INVALID


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dr.", "Dr."),
        ("dr", "Dr."),
        ("Prof. Dr.", "Prof. Dr."),
        ("Prof.Dr.", "Prof. Dr."),
        ("prof. dr. med.", "Prof. Dr. med."),
        ("Dipl.-Ing.", "Dipl.-Ing."),
        ("Dipl. Ing.", "Dipl.-Ing."),
        ("DI", "DI"),
        ("DI Dr.", "DI Dr."),
        ("Mag.", "Mag."),
        ("Mag.a", "Mag.a"),
        ("Dr. med.", "Dr. med."),
        ("Dr.med.dent.", "Dr. med. dent."),
        ("lic. iur.", "lic. iur."),
        ("lic.iur.", "lic. iur."),
        ("MBA", "MBA"),
        ("Dr. MBA", "Dr. MBA"),
        ("MBA Dr.", "Dr. MBA"),
        ("Dr.-Ing.", "Dr.-Ing."),
        ("Konsul", "Konsul"),  # unknown titles are kept as written
    ],
)
def test_titles(raw: str, expected: str) -> None:
    assert normalize_title(raw).value == expected


FULL_NAMES = [
    # (raw, (salutation, title, first_name, last_name, name_suffix))
    ("Herr Dr. Max Mustermann", ("Herr", "Dr.", "Max", "Mustermann", None)),
    ("Mustermann, Max", (None, None, "Max", "Mustermann", None)),
    ("Dr. Mustermann, Max", (None, "Dr.", "Max", "Mustermann", None)),
    ("Mustermann, Dr. Max", (None, "Dr.", "Max", "Mustermann", None)),
    (
        "Frau Prof. Dr. Ursula von der Leyen",
        ("Frau", "Prof. Dr.", "Ursula", "von der Leyen", None),
    ),
    (
        "Karl-Theodor von und zu Guttenberg",
        (None, None, "Karl-Theodor", "von und zu Guttenberg", None),
    ),
    ("Familie Müller", ("Familie", None, None, "Müller", None)),
    ("Herr und Frau Huber", ("Familie", None, None, "Huber", None)),
    ("Firma Huber", ("Firma", None, None, "Huber", None)),
    ("Max Mustermann MBA", (None, "MBA", "Max", "Mustermann", None)),
    ("Hans Peter Müller", (None, None, "Hans Peter", "Müller", None)),
    ("Mag. Anna Huber", (None, "Mag.", "Anna", "Huber", None)),
    ("DI Josef Gruber", (None, "DI", "Josef", "Gruber", None)),
    ("Herr Dipl.-Ing. Klaus Weber", ("Herr", "Dipl.-Ing.", "Klaus", "Weber", None)),
    ("Frau Dr. med. Anna Huber", ("Frau", "Dr. med.", "Anna", "Huber", None)),
    ("lic. iur. Beat Nägeli", (None, "lic. iur.", "Beat", "Nägeli", None)),
    ("Pit Moser jun.", (None, None, "Pit", "Moser", "jun.")),
    ("Peter Moser jun", (None, None, "Peter", "Moser", "jun.")),
    ("Pit Moser Jun", (None, None, "Pit", "Moser", "jun.")),
    ("Markus Fischer sen.", (None, None, "Markus", "Fischer", "sen.")),
    ("Hans Huber Jr.", (None, None, "Hans", "Huber", "jun.")),
    ("Franz Gruber Senior", (None, None, "Franz", "Gruber", "sen.")),
    ("Peter Moser d. J.", (None, None, "Peter", "Moser", "jun.")),
    ("Moser jun., Peter", (None, None, "Peter", "Moser", "jun.")),
    ("Moser, Peter jun.", (None, None, "Peter", "Moser", "jun.")),
    ("Herr Dr. Max Mustermann MBA jun.", ("Herr", "Dr. MBA", "Max", "Mustermann", "jun.")),
    ("Amartya Sen", (None, None, "Amartya", "Sen", None)),  # "Sen" without dot is a surname
    ("Müller", (None, None, None, "Müller", None)),
    # A lone given name or initial is the first name (a newsletter's "Name" field kept only
    # what the greeting uses); after a salutation a lone word is the last name.
    ("Theresa", (None, None, "Theresa", None, None)),
    ("Sepp", (None, None, "Sepp", None, None)),
    ("K.", (None, None, "K.", None, None)),
    ("Frau Theresa", ("Frau", None, None, "Theresa", None)),
    ("Gruber", (None, None, None, "Gruber", None)),
    ("Muster GmbH", (None, None, None, "Muster GmbH", None)),
]


@pytest.mark.parametrize(("raw", "expected"), FULL_NAMES)
def test_parse_full_name(raw: str, expected: tuple[str | None, ...]) -> None:
    assert tuple(parse_full_name(raw)) == expected


def test_split_full_name_frame_keeps_existing_values() -> None:
    frame = pl.DataFrame(
        {
            "full_name": ["Herr Dr. Max Mustermann", "Mustermann, Erika", None, "Pit Moser jun."],
            "salutation": [None, "Frau", None, None],
        }
    )
    split = split_full_name(frame, "full_name")
    assert split.columns == [
        "full_name",
        "salutation",
        "title",
        "first_name",
        "last_name",
        "name_suffix",
    ]
    assert split.row(0) == ("Herr Dr. Max Mustermann", "Herr", "Dr.", "Max", "Mustermann", None)
    assert split.row(1) == ("Mustermann, Erika", "Frau", None, "Erika", "Mustermann", None)
    assert split.row(2) == (None, None, None, None, None, None)
    assert split.row(3) == ("Pit Moser jun.", None, None, "Pit", "Moser", "jun.")


def test_comma_name_is_split_with_a_finding() -> None:
    row, findings = clean_one({"last_name": "Mustermann, Max"})
    assert (row["first_name"], row["last_name"]) == ("Max", "Mustermann")
    assert findings[0]["field"] == "last_name"
    assert findings[0]["value"] == "Mustermann, Max"
    assert "split off at comma" in findings[0]["reason"]


def test_comma_name_in_first_name_field() -> None:
    row, _ = clean_one({"first_name": "HUBER, ANNA"})
    assert (row["first_name"], row["last_name"]) == ("Anna", "Huber")


def test_title_from_name_joins_title_field() -> None:
    row, findings = clean_one({"title": "Prof.", "first_name": "Dr. Anna", "last_name": "Huber"})
    assert row["title"] == "Prof. Dr."
    assert [(f["field"], f["status"]) for f in findings] == [("first_name", CORRECTED)]


def test_salutation_from_first_name_fills_salutation() -> None:
    row, _ = clean_one({"first_name": "Herr Max", "last_name": "Mustermann"})
    assert (row["salutation"], row["first_name"]) == ("Herr", "Max")


def test_keys_and_phonetics() -> None:
    row, _ = clean_one({"first_name": "Hans-Peter", "last_name": "Müller-Lüdenscheidt"})
    assert row["first_name_key"] == "hans peter"
    assert row["last_name_key"] == "mueller luedenscheidt"
    assert row["last_name_phonetic"] == "657 52682"
    assert row["first_name_group"] == "hans peter"
    assert row["first_name_groups"] == ["hans peter"]


@pytest.mark.parametrize(
    ("record", "record_type"),
    [
        ({"first_name": "Max", "last_name": "Mustermann"}, "person"),
        ({"organisation_name": "Muster AG"}, "organisation"),
        # A person beside a company with a legal form: the record is the company, the person
        # a contact record of its own (tests/cleaners/test_contacts.py).
        ({"organisation_name": "Muster AG", "last_name": "Huber"}, "organisation"),
        ({"organisation_name": "Stadtwerke Musterdorf", "last_name": "Huber"}, "person"),
        ({"last_name": "Bäckerei Huber GmbH"}, "organisation"),
        ({"salutation": "Firma", "last_name": "Huber"}, "organisation"),
        ({"record_type": "B2B", "last_name": "Huber"}, "organisation"),
        ({"record_type": "Privatkunde", "organisation_name": "Muster AG"}, "person"),
        ({"record_type": "???", "organisation_name": "Muster AG"}, "organisation"),
        ({"last_name": "Huber & Söhne OHG"}, "organisation"),
        ({"salutation": "Fa.", "last_name": "Meier"}, "organisation"),
        ({"first_name": "Firma", "last_name": "Gruber"}, "organisation"),
        ({"organisation_name": "Gemeinde Musterdorf"}, "organisation"),
        (
            {"first_name": "Anna", "last_name": "Huber", "organisation_name": "Huber KG"},
            "organisation",
        ),
        ({}, "person"),
    ],
)
def test_record_type(record: dict[str, str], record_type: str) -> None:
    row, _ = clean_one(record)
    assert row["record_type"] == record_type


def test_last_name_with_legal_form_moves_to_organisation() -> None:
    row, findings = clean_one({"last_name": "Bäckerei Huber GmbH"})
    assert (row["organisation_name"], row["legal_form"], row["last_name"]) == (
        "Bäckerei Huber GmbH",
        "GmbH",
        None,
    )
    assert findings[0]["reason"] == "organisation name moved to organisation_name"


@given(st.text())
def test_name_cleaning_never_raises_and_never_drops_silently(value: str) -> None:
    for parts in (clean_first_name(value), clean_last_name(value)):
        if clean_text(value) and parts.name is None:
            assert parts.status != VALID and parts.reason


# Name-like text: letters, umlauts, punctuation and the words the cleaners react to.
NAME_TEXT = st.lists(
    st.sampled_from(list("abcdeüöäßxyzABCÜÖÄ -.',*"))
    | st.sampled_from(
        ["Dr. ", "Prof. ", "Herr ", "von ", "MBA", "Mag. ", "DI ", "GmbH", " jun.", " Jr", "d. J."]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300)
@given(NAME_TEXT)
def test_name_cleaning_is_idempotent(value: str) -> None:
    for cleaner in (clean_first_name, clean_last_name):
        once = cleaner(value)
        if once.name is None:
            continue
        twice = cleaner(once.name)
        assert twice.name == once.name
        assert twice.status == VALID, twice.reason


@pytest.mark.parametrize("first", [True, False])
def test_an_email_address_in_a_name_field_is_no_name(first: bool) -> None:
    # CRMs that need a name show the address where none was given (a Pipedrive or HubSpot
    # display name); read as a name it became "Johannakoch Posteo De", whose last name then
    # made the person's own address look like a family mailbox.
    parts = (clean_first_name if first else clean_last_name)("johannakoch@posteo.de")
    assert parts.name is None and parts.key is None
    assert parts.status == INVALID
    assert parts.reason == "an e-mail address, not a name"
    assert (clean_first_name if first else clean_last_name)("Huber @ Home").name == "Huber Home"
