"""E-mail addresses: validation, lower case, domain typos, role mailboxes, fast path."""

from __future__ import annotations

import polars as pl
import pytest
from cleaner_frames import clean, clean_one
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import normalize_email
from cleaners.emails import is_role_address, local_part_words, plain_address, role_address
from cleaners.outcome import CORRECTED, INVALID, VALID
from cleaners.text import clean_text

EMAILS = [
    ("max.mustermann@gmx.de", "max.mustermann@gmx.de", VALID),
    ("Max.Mustermann@GMX.de", "max.mustermann@gmx.de", VALID),
    ("  anna.huber@web.de ", "anna.huber@web.de", VALID),
    ("Max Mustermann <max@muster.de>", "max@muster.de", VALID),
    ("mailto:office@firma.at", "office@firma.at", VALID),
    ("hans@bluewin.ch", "hans@bluewin.ch", VALID),
    ("müller@beispiel.de", "müller@beispiel.de", VALID),
    ("max@gmial.com", "max@gmail.com", CORRECTED),
    ("max@gmx.d", "max@gmx.de", CORRECTED),
    ("max@gmx.ed", "max@gmx.de", CORRECTED),
    ("max@web.dee", "max@web.de", CORRECTED),
    ("max@t-onlin.de", "max@t-online.de", CORRECTED),
    ("max@googlemail.con", "max@googlemail.com", CORRECTED),
    ("max@firma.con", "max@firma.com", CORRECTED),
    ("max@bluewin.c", "max@bluewin.ch", CORRECTED),
    ("max@gmx.ta", "max@gmx.at", CORRECTED),
    ("max@@gmx.de", None, INVALID),
    ("max.gmx.de", None, INVALID),
    ("max@gmx", None, INVALID),
    ("max@localhost", None, INVALID),
    ("max..muster@gmx.de", None, INVALID),
    ("max muster@gmx.de", None, INVALID),
    ("Anna.Huber@A1.net", "anna.huber@a1.net", VALID),  # Austria
    ("max@gmx.dee", "max@gmx.de", CORRECTED),
    ("max@hotmial.com", "max@hotmail.com", CORRECTED),
    ("max@yahooo.de", "max@yahoo.de", CORRECTED),
    ("max@gmx.hc", "max@gmx.ch", CORRECTED),
    ("max@web.de;", "max@web.de", VALID),
    ("max(at)gmx.de", "max@gmx.de", CORRECTED),
    ("max [at] gmx.de", "max@gmx.de", CORRECTED),
    ("max @ gmx.de", "max@gmx.de", CORRECTED),
]


@pytest.mark.parametrize(("raw", "expected", "status"), EMAILS)
def test_normalize_email(raw: str, expected: str | None, status: str) -> None:
    outcome = normalize_email(raw)
    assert (outcome.email, outcome.status) == (expected, status)
    if status != VALID:
        assert outcome.reason


def test_typo_reason_names_both_domains() -> None:
    assert normalize_email("max@gmial.com").reason == "domain typo fixed: gmial.com -> gmail.com"


@pytest.mark.parametrize(
    ("address", "is_role"),
    [
        ("info@firma.de", True),
        ("kontakt@firma.de", True),
        ("office@firma.at", True),
        ("service@firma.ch", True),
        ("mail@firma.de", True),
        ("verwaltung@gemeinde.at", True),
        ("office-wien@firma.at", True),
        ("info2@firma.de", True),
        ("max.info@firma.de", False),
        ("max@firma.de", False),
        ("informatik.meier@uni.ch", False),
        ("buchhaltung@firma.ch", True),
        ("sekretariat@schule.de", True),
        ("empfang@hotel.at", True),
        ("kanzlei@schmid-partner.de", True),
        ("praxis@dr-huber.at", True),
        ("ordination@dr-huber.at", True),
        ("kanzlei.schmid@schmid-partner.de", True),
        ("praxismanagerin.huber@klinik.de", False),
        ("anna.huber@gmx.at", False),
    ],
)
def test_role_addresses(address: str, is_role: bool) -> None:
    assert is_role_address(address) is is_role
    frame = pl.DataFrame({"a": [address]}).select(role_address(pl.col("a")))
    assert frame.item() is is_role


def test_email_list_is_cleaned_per_record() -> None:
    row, findings = clean_one(
        {"emails": ["Info@Firma.de; max@gmial.com", "MAX@gmail.com", "kaputt", None]}
    )
    assert row["emails"] == ["info@firma.de", "max@gmail.com"]
    assert row["role_emails"] == ["info@firma.de"]
    assert [(f["status"], f["value"]) for f in findings] == [
        (CORRECTED, "max@gmial.com"),
        (INVALID, "kaputt"),
    ]


def test_null_and_empty_email_lists() -> None:
    result = clean({"emails": None}, {"emails": []}, {"emails": ["@"]})
    assert result.frame["emails"].to_list() == [None, [], []]
    assert result.frame["role_emails"].to_list() == [None, [], []]


LOCAL = st.text(alphabet="abcXYZ09._-+!ü", min_size=1, max_size=12)
DOMAIN = st.lists(st.text(alphabet="abcz09-", min_size=1, max_size=8), min_size=1, max_size=3)
TLD = st.sampled_from(["de", "at", "ch", "com", "con", "d", "test", "local", "x1", "", "de."])


@settings(max_examples=400)
@given(LOCAL, DOMAIN, TLD)
def test_fast_path_agrees_with_email_validator(local: str, labels: list[str], tld: str) -> None:
    address = f"{local}@{'.'.join(labels)}.{tld}".lower()
    frame = pl.DataFrame({"a": [address]}).select(plain_address(pl.col("a")))
    if frame.item():
        outcome = normalize_email(address)
        assert (outcome.email, outcome.status) == (address, VALID)


@given(st.text())
def test_normalize_email_never_raises_or_drops_silently(value: str) -> None:
    outcome = normalize_email(value)
    if clean_text(value) and outcome.email is None:
        assert outcome.status == INVALID and outcome.reason


@settings(max_examples=300)
@given(LOCAL, DOMAIN, TLD)
def test_email_cleaning_is_idempotent(local: str, labels: list[str], tld: str) -> None:
    outcome = normalize_email(f"{local}@{'.'.join(labels)}.{tld}")
    if outcome.email is not None:
        again = normalize_email(outcome.email)
        assert (again.email, again.status) == (outcome.email, VALID)


@pytest.mark.parametrize(
    ("local", "words"),
    [
        ("anna.huber", ["anna", "huber"]),
        ("Anna_Huber", ["anna", "huber"]),
        ("anna-huber", ["anna", "huber"]),
        # a double name stays one word where "." or "_" separates the names
        ("hanna-lena.baumann", ["hanna-lena", "baumann"]),
        # a plus tag is a delivery detail, not a name
        ("anna.huber+shop", ["anna", "huber"]),
        ("anna+newsletter.2024", ["anna"]),
        ("+shop", []),
        # counters and years at a word's ends go, a word of digits alone too
        ("hans.bergmann85", ["hans", "bergmann"]),
        ("hans85.bergmann", ["hans", "bergmann"]),
        ("1anna.huber", ["anna", "huber"]),
        ("anna.2.huber", ["anna", "huber"]),
        ("hans.bergmann.1985", ["hans", "bergmann"]),
        ("hansbergmann78", ["hansbergmann"]),
        # a digit inside a word stays: that word is no name
        ("anna.h2o", ["anna", "h2o"]),
        ("m4rk.huber", ["m4rk", "huber"]),
        # stray separators at the ends
        ("_anna.huber.", ["anna", "huber"]),
        ("anna.huber-", ["anna", "huber"]),
        ("", []),
    ],
)
def test_local_part_words(local: str, words: list[str]) -> None:
    assert local_part_words(local) == words
