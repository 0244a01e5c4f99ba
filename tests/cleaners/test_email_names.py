"""A person record with only one of its names gets the other from "first.last@" (issue 13)."""

from __future__ import annotations

import pytest
from cleaner_frames import clean

from cleaners.email_names import missing_name

BUSINESS, FREE_MAIL = True, False


@pytest.mark.parametrize(
    ("email", "first_key", "last_key", "business", "expected"),
    [
        ("anna.huber@huber-bau.de", "anna", None, BUSINESS, (None, "Huber")),
        ("anna.huber@gmx.de", "anna", None, FREE_MAIL, (None, "Huber")),
        ("huber.anna@huber-bau.de", "anna", None, BUSINESS, (None, "Huber")),
        ("thomas_zoellner2@zoellner-elektro.ch", "thomas", None, BUSINESS, (None, "Zoellner")),
        ("hans-peter.mueller@gmx.de", "hans peter", None, FREE_MAIL, (None, "Mueller")),
        ("magdalena_strauss@aon.at", None, "strauss", FREE_MAIL, ("Magdalena", None)),
        # at a firm's domain, where addresses follow a pattern: an initial, the surname alone,
        # both names on a row without any
        ("a.huber@huber-bau.de", "anna", None, BUSINESS, (None, "Huber")),
        ("h.baumann@veloblitz.ch", "hanna lena", None, BUSINESS, (None, "Baumann")),
        ("grossmann@baeckerei-schmidt.de", "juergen", None, BUSINESS, (None, "Grossmann")),
        ("anna.huber@huber-bau.de", None, None, BUSINESS, ("Anna", "Huber")),
        ("e.schneider@schreinerei-kaeser.ch", None, None, BUSINESS, (None, "Schneider")),
        # ... but not at a free-mail provider, where namesakes write m.rossi@ too
        ("m.rossi@gmx.ch", "marco", None, FREE_MAIL, (None, None)),
        ("rossi@gmx.ch", "marco", None, FREE_MAIL, (None, None)),
        ("anna.huber@gmx.de", None, None, FREE_MAIL, (None, None)),
        # nothing to learn: one word that is the name or a first name, three words, no name
        # of the record in it, an initial as the only first name, a record with both names,
        # a department
        ("anna@huber-bau.de", "anna", None, BUSINESS, (None, None)),
        ("steffi@huber-bau.de", "anna", None, BUSINESS, (None, None)),
        ("anna.maria.huber@huber-bau.de", "anna", None, BUSINESS, (None, None)),
        ("max.huber@huber-bau.de", "anna", None, BUSINESS, (None, None)),
        ("m.strauss@aon.at", None, "strauss", FREE_MAIL, (None, None)),
        ("anna.huber@huber-bau.de", "anna", "huber", BUSINESS, (None, None)),
        ("anna.anna@huber-bau.de", "anna", None, BUSINESS, (None, None)),
        ("anna.h2o@huber-bau.de", "anna", None, BUSINESS, (None, None)),
        ("einkauf.nord@huber-bau.de", None, None, BUSINESS, (None, None)),
        # a plus tag is no name: the words before it count
        ("anna.huber+shop@gmx.de", "anna", None, FREE_MAIL, (None, "Huber")),
        ("anna+huber@gmx.de", "anna", None, FREE_MAIL, (None, None)),
        # digits: a counter or a year at a word's end goes, one inside a word makes no name
        ("anna2.huber@gmx.de", "anna", None, FREE_MAIL, (None, "Huber")),
        ("anna.2.huber@gmx.de", "anna", None, FREE_MAIL, (None, "Huber")),
        ("anna.hu2ber@gmx.de", "anna", None, FREE_MAIL, (None, None)),
    ],
)
def test_missing_name_of_an_address(
    email: str, first_key: str | None, last_key: str | None, business: bool, expected: tuple
) -> None:
    assert missing_name(email, first_key, last_key, business) == expected


def test_a_first_name_only_sign_up_gets_the_last_name_with_keys_and_a_finding() -> None:
    result = clean(
        {"first_name": "Anna", "emails": ["anna.huber@huber-bau.de"]},
        {"last_name": "Strauß", "emails": ["magdalena_strauss@aon.at"]},
    )
    anna, magdalena = result.frame.to_dicts()
    assert (anna["first_name"], anna["last_name"], anna["last_name_key"]) == (
        "Anna",
        "Huber",
        "huber",
    )
    assert anna["last_name_phonetic"] is not None
    assert (magdalena["first_name"], magdalena["first_name_key"]) == ("Magdalena", "magdalena")
    assert magdalena["first_name_group"] is not None
    findings = result.findings.filter(result.findings["field"].is_in(["first_name", "last_name"]))
    assert sorted(findings["value"].to_list()) == [
        "anna.huber@huber-bau.de",
        "magdalena_strauss@aon.at",
    ]


@pytest.mark.parametrize(
    "record",
    [
        # the firm's info@ and a family's mailbox name nobody
        {"first_name": "Anna", "emails": ["info.huber@huber-bau.de"]},
        {"first_name": "Anna", "emails": ["familie.huber@gmx.de"]},
        # an organisation is no person
        {"organisation_name": "Anna Huber GmbH", "emails": ["anna.huber@huber-bau.de"]},
    ],
)
def test_no_name_from_role_household_or_organisation_addresses(record: dict) -> None:
    row = clean(record).frame.row(0, named=True)
    assert row["last_name"] is None
