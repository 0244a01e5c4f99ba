"""The last-name key of a person record with only a first name, read from its personal e-mail.

A newsletter row "Hans, hans.bergmann@outlook.de": the last name is in the address beside the
first name. Only the matching keys are filled, never the name field; rows
without any name, household and role mailboxes, addresses run together and organisations give
nothing, and no first name is ever read.
"""

from __future__ import annotations

from typing import Any

import pytest
from cleaner_frames import clean

from cleaners.email_name_keys import last_name_from_local_part


@pytest.mark.parametrize(
    ("local", "first_key", "expected"),
    [
        # vorname.nachname@, nachname_vorname@, with a year of birth, with the initial
        ("hans.bergmann", "hans", "bergmann"),
        ("bergmann_hans", "hans", "bergmann"),
        ("hans.bergmann85", "hans", "bergmann"),
        ("hansbergmann78", "hans", "bergmann"),
        # an initial is not enough (namesakes' rows "Marco, m.rossi@" at two providers)
        ("h.bergmann", "hans", None),
        ("bergmann.h78", "hans", None),
        ("hans-peter.bergmann", "hans peter", None),
        ("hanspeter.bergmann", "hans peter", "bergmann"),
        # run together: only four letters or more after the first name
        ("hansi", "hans", None),
        ("bergmannhans", "hans", None),
        # another first name, an abbreviation, three parts: nothing
        ("sabine.schmidt", "hans", None),
        ("hans.bm", "hans", None),
        ("hans.peter.bergmann", "hans", None),
        ("hans.hans", "hans", None),
        ("", "hans", None),
        # a household mailbox names the family
        ("familie.hess", "markus", "hess"),
        ("hess_family", "markus", "hess"),
        ("fam-haas", "klaus dieter", "haas"),
        ("familiehess", "markus", "hess"),
        ("familie", "markus", None),
        ("familie.markus", "markus", None),
        ("hans.bergmann", None, None),
        # a plus tag is no name: the words before it count
        ("hans.bergmann+shop", "hans", "bergmann"),
        ("hansbergmann+2024", "hans", "bergmann"),
        ("hans+bergmann", "hans", None),
        # digits go wherever they stand: a year, a counter, between run-together names, a typo
        ("hans85.bergmann", "hans", "bergmann"),
        ("hans.85.bergmann", "hans", "bergmann"),
        ("hans85bergmann", "hans", "bergmann"),
        ("hans.bergm4ann", "hans", "bergmann"),
    ],
)
def test_last_name_from_the_local_part(local: str, first_key: str | None, expected: str) -> None:
    assert last_name_from_local_part(local, first_key) == expected


def _cleaned(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return clean(*records).frame.to_dicts()


def test_a_newsletter_row_with_a_first_name_gets_the_last_name_key() -> None:
    # first.last: cleaners.email_names fills the name itself (with a finding) ...
    (row,) = _cleaned({"first_name": "Hans", "emails": ["Hans.Bergmann@outlook.de"]})
    assert row["last_name"] == "Bergmann"
    assert row["last_name_key"] == "bergmann"
    assert row["last_name_phonetic"] is not None
    # ... a run-together address gives the matching key only, never a name shown in outputs.
    (run_together,) = _cleaned({"first_name": "Hans", "emails": ["hansbergmann78@outlook.de"]})
    assert run_together["last_name"] is None
    assert run_together["last_name_key"] == "bergmann"
    (umlaut,) = _cleaned({"first_name": "Jürgen", "emails": ["juergen.mueller@web.de"]})
    assert umlaut["last_name_key"] == "mueller"
    # His own address before the family's
    (own,) = _cleaned(
        {"first_name": "Markus", "emails": ["familie.hess@outlook.com", "markus.weber@gmx.ch"]}
    )
    assert own["last_name_key"] == "weber"
    (family,) = _cleaned({"first_name": "Markus", "emails": ["familie.hess@outlook.com"]})
    assert family["last_name_key"] == "hess"


@pytest.mark.parametrize(
    ("record", "last_name_key"),
    [
        # household mailbox of two first names: no family name in it
        ({"first_name": "Hans", "emails": ["hans.und.erika@web.de"]}, None),
        # no name at all: michael.schmidt@ alone would join the next Michael Schmidt
        ({"emails": ["michael.schmidt@posteo.de"]}, None),
        # a last name only: the key stays the record's own
        ({"last_name": "Strauß", "emails": ["magdalena_strauss@aon.at"]}, "strauss"),
    ],
)
def test_nothing_is_read_where_the_address_names_no_one(
    record: dict[str, Any], last_name_key: str | None
) -> None:
    for row in _cleaned(record):
        assert row["last_name_key"] == last_name_key
        assert row["first_name_key"] in (None, "hans", "erika", "magdalena")


def test_an_organisation_record_gets_no_name_key_its_contact_the_firms_pattern() -> None:
    rows = _cleaned(
        {
            "organisation_name": "Bergmann GmbH",
            "first_name": "Hans",
            "emails": ["hans.bergmann@bergmann.de"],
        }
    )
    by_type = {row["record_type"]: row for row in rows}
    assert by_type["organisation"]["last_name_key"] is None
    # The contact split off: the firm's first.last pattern names him (cleaners.email_names).
    assert by_type["person"]["last_name"] == "Bergmann"
