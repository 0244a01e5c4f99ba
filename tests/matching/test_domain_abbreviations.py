"""A business domain that abbreviates a firm's name (matching.domain_abbreviations): which
names it stands for, who owns it, which pairs blocking offers and what the pair decides.

Hand-written from how DACH firms name their domains: a word cut short (kofler-immo.at), the
initials of a compound word (engel-vm.de), the words in another order (brunner-metzgerei.at),
beside sister firms of one family name that must not be joined through them.
"""

from __future__ import annotations

import re
from itertools import combinations, product
from typing import Any

import polars as pl
import pytest
from cleaned_records import cleaned

from matching.blocking import _organisation_domains
from matching.comparisons import compare_pairs, comparison_attributes
from matching.domain_abbreviations import _stands_for, abbreviated, domain_phrases
from matching.scoring import MatchWeights, score_pairs
from rules.config import MatchingConfig


@pytest.mark.parametrize(
    ("domain", "name", "expected"),
    [
        ("kofler-immo.at", "kofler immobilien", True),  # a word cut short
        ("engel-vm.de", "engel versicherungsmakler", True),  # a compound's initials
        ("hauser-hv.de", "hauser hausverwaltung", True),
        ("brunner-metzgerei.at", "metzgerei brunner", True),  # the words in another order
        ("engel-vm.de", "engel verlag", False),  # v, but no m in Verlag
        ("engel-maler.de", "engel metzgerei", False),  # maler is no beginning of metzgerei
        ("huber-bau.de", "huber bau immobilien", False),  # a word of the name left out
        ("huber-hi.de", "huber immobilien", False),  # initials start with the word's letter
        ("kfz-vm.de", "kfz versicherungsmakler", False),  # no whole word of four letters
        ("engelvm.de", "engel versicherungsmakler", False),  # no separator: letters only
        ("engel.de", "engel versicherungsmakler", False),  # one word stands for one only
        ("wolf-hvw.de", "wolf hausverwaltung", True),  # three initials, in order
        ("wolf-hwv.de", "wolf hausverwaltung", False),  # no v after the w
        ("berg-mm.de", "berg mustermann", True),  # a letter twice
        ("berg-mm.de", "berg muster", False),
        ("kraus-bv.de", "kraus bürovertrieb", True),  # after a letter beyond ASCII
    ],
)
def test_which_names_a_domain_abbreviates(domain: str, name: str, expected: bool) -> None:
    frame = pl.DataFrame({"domains": [[domain]], "name": [name]}).select(
        domain_phrases(pl.col("domains")).alias("__phrases"),
        pl.col("name").str.split(" ").alias("__words"),
    )
    assert abbreviated(frame).to_list() == [expected]


def test_initials_are_the_words_letters_in_order() -> None:
    """As the regular expression "v.*m" reads them, for every part of two or three letters
    against words of the same few letters (repeated, missing, beyond ASCII)."""
    letters = "abä"
    parts = ["".join(p) for n in (2, 3) for p in product("ab", repeat=n)]
    words = ["".join(w) for n in range(6) for w in product(letters, repeat=n)]
    frame = pl.DataFrame(
        [(part, word) for part in parts for word in words], schema=["part", "word"], orient="row"
    )
    found = frame.select(_stands_for(pl.col("part"), pl.col("word")))["part"].to_list()
    expected = [
        part == word
        or (word.startswith(part) and len(part) >= 3)
        or (len(word) > len(part) and re.match(".*".join(part), word) is not None)
        for part, word in frame.iter_rows()
    ]
    assert found == expected


def _firm(key: str, name: str | None, emails: list[str], **fields: Any) -> dict[str, Any]:
    silo, source_id = key.split(":")
    record = {"silo": silo, "source_id": source_id, "record_type": "organisation"}
    return {**record, "organisation_name": name, "emails": emails, **fields}


def _contact(key: str, first: str, last: str, emails: list[str], **fields: Any) -> dict[str, Any]:
    silo, source_id = key.split(":")
    record = {"silo": silo, "source_id": source_id, "first_name": first, "last_name": last}
    return {**record, "emails": emails, **fields}


def _decided_matches(*records: dict[str, Any]) -> set[tuple[str, str]]:
    """Every pair of ``records`` scored with the defaults: those decided as a match."""
    frame = cleaned(*records)
    keys = sorted(frame["record_key"])
    pairs = pl.DataFrame(
        [(left, right, "test") for left, right in combinations(keys, 2)],
        schema={"left_key": pl.String, "right_key": pl.String, "rules": pl.String},
        orient="row",
    )
    scored = score_pairs(
        compare_pairs(pairs, frame), MatchWeights.defaults(), MatchingConfig().hard_rules
    )
    return set(scored.filter(pl.col("probability") >= 0.9).select("left_key", "right_key").rows())


VERSICHERUNG = _firm(
    "erp:1", "Engel Versicherungsmakler GmbH", [], street="Herderstr. 3", city="Dresden"
)


def test_a_nameless_mailbox_row_at_an_abbreviated_domain_joins_the_firm() -> None:
    records = (VERSICHERUNG, _firm("nl:1", None, ["info@engel-vm.de"]))
    attributes = comparison_attributes(cleaned(*records))
    owners = dict(zip(attributes["record_key"], attributes["domain_owner"], strict=True))
    assert owners == {"erp:1": "engel versicherungsmakler", "nl:1": "engel versicherungsmakler"}
    assert _decided_matches(*records) == {("erp:1", "nl:1")}


def test_an_abbreviated_domain_of_a_sister_firm_is_nobodys() -> None:
    # Two firms of the family Engel whose names the domain abbreviates equally well (vm):
    # the domain belongs to neither, and the nameless row bridges neither.
    records = (
        VERSICHERUNG,
        _firm("crm:2", "Engel Vermögensmanagement GmbH", [], city="Leipzig"),
        _firm("nl:1", None, ["info@engel-vm.de"]),
    )
    attributes = comparison_attributes(cleaned(*records))
    assert attributes.filter(pl.col("record_key") == "nl:1")["domain_owner"].item() is None
    assert not any("nl:1" in pair for pair in _decided_matches(*records))


def test_blocking_offers_the_firm_and_the_row_at_its_abbreviated_domain() -> None:
    records = cleaned(
        VERSICHERUNG,
        _firm("crm:2", "Engel Verlag GmbH", [], city="Leipzig"),
        _firm("nl:1", None, ["info@engel-vm.de"]),
    )
    keys = _organisation_domains(records)
    by_record = {
        key: set(keys.filter(pl.col("record_key") == key)["block_key"])
        for key in ("erp:1", "crm:2", "nl:1")
    }
    assert by_record["erp:1"] & by_record["nl:1"]
    # Blocking is coarse (the Verlag shares the key "engel|ev"); the comparison decides.
    assert ("crm:2", "nl:1") not in _decided_matches(
        _firm("crm:2", "Engel Verlag GmbH", [], city="Leipzig"),
        _firm("nl:1", None, ["info@engel-vm.de"]),
    )


def test_a_contacts_sign_up_at_the_firms_shortened_domain_meets_the_contact() -> None:
    # Angelika Schröder, named on Kofler Immobilien's record, and her newsletter sign-up
    # angelika.schroeder@kofler-immo.at: the business domain is her firm's.
    contact = _contact(
        "crm:1#contact",
        "Angelika",
        "Schröder",
        [],
        organisation_name="Kofler Immobilien Ges.m.b.H.",
        city="Dornbirn",
    )
    row = _contact("nl:1", "Angelika", "Schröder", ["angelika.schroeder@kofler-immo.at"])
    frame = cleaned(contact, row)
    pairs = pl.DataFrame({"left_key": ["crm:1#contact"], "right_key": ["nl:1"], "rules": ["t"]})
    levels = compare_pairs(pairs, frame)
    assert levels["email_domain_level"].item() != -1


def test_repeated_names_and_domains_are_decided_as_row_by_row() -> None:
    # The pairs of one firm's records repeat one name and one domain: decided once per distinct
    # combination and joined back, each row must get what it gets alone, in its own order.
    rows = [
        (["engel", "versicherungsmakler"], ["engel vm"]),
        (["huber", "bau", "immobilien"], ["huber bau"]),
        (["engel", "versicherungsmakler"], ["engel vm"]),
        (None, ["engel vm"]),
        (["kofler", "immobilien"], []),
        (["kofler", "immobilien"], ["kofler immo"]),
        (["huber", "bau", "immobilien"], ["huber bau"]),
    ]
    frame = pl.DataFrame(
        {"__words": [w for w, _ in rows], "__phrases": [p for _, p in rows]},
        schema={"__words": pl.List(pl.String), "__phrases": pl.List(pl.String)},
    )
    alone = [abbreviated(frame.slice(i, 1)).item() for i in range(frame.height)]
    assert abbreviated(frame).to_list() == alone
    assert alone == [True, False, True, False, False, True, False]
