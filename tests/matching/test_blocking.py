"""Blocking: candidate pairs per rule, unioned and de-duplicated, oversized blocks reported."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from itertools import combinations
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.blocking import BLOCKING_RULES, PAIR_SCHEMA, candidate_pairs
from rules.config import BLOCKING_RULE_NAMES, MatchingConfig

#: The columns each rule compares, as documented by the rule's name (independent of the code).
SCALAR_RULE_PARTS = {
    "name_birth_date": ("last_name_phonetic", "birth_date"),
    "first_name_birth_date": ("first_name_group", "birth_date"),
    "name_address": ("last_name_phonetic", "postal_code"),
    "first_name_address": ("first_name_group", "postal_code", "street_key"),
    "full_name": ("first_name_group", "last_name_phonetic"),
    "birth_date": ("birth_date",),
    "name_city": ("last_name_phonetic", "city_key"),
    "first_name_city": ("first_name_group", "city_key"),
    "vat_id": ("vat_id",),
    "personal_id": ("personal_id",),
}
LIST_RULE_COLUMNS = {"email": "emails", "phone": "phones"}
#: Rules whose key is derived from a value rather than copied: name_pair (first and last name in
#: either order) and email_local_part (the part before the @ of a personal address).
DERIVED_RULE_COLUMNS = {
    "name_pair": ("first_name_key", "last_name_key"),
    "email_local_part": ("emails",),
    # The domain with the first or the last letters of a personal address's local part.
    "email_typo": ("emails",),
    # The organisation key without spaces, its first word with the postal code, and an
    # organisation's address (with and without the postal code).
    "organisation": ("organisation_key", "postal_code", "street_key", "house_number"),
    # Business e-mail domains of organisation records (free-mail domains left out); of persons,
    # the domain with the last name, and the firm's name (organisation key or domain labels,
    # letters only) with the last name.
    "email_domain": ("record_type", "emails", "last_name_phonetic", "organisation_key"),
    # Partial keys: the first or last letters of a name with (part of) the birth date.
    "first_name_birth_day": ("first_name_key", "birth_date"),
    "last_name_birth_day": ("last_name_key", "birth_date"),
    "first_name_birth_month": ("first_name_key", "birth_date"),
    "last_name_birth_month": ("last_name_key", "birth_date"),
    "name_parts_birth_year": ("first_name_key", "last_name_key", "birth_date"),
}


def _pairs(frame: pl.DataFrame) -> dict[tuple[str, str], str]:
    return {(left, right): rules for left, right, rules in frame.iter_rows()}


def test_every_configurable_rule_is_implemented_and_vice_versa() -> None:
    assert set(BLOCKING_RULES) == set(BLOCKING_RULE_NAMES)
    assert set(BLOCKING_RULES) == (
        set(SCALAR_RULE_PARTS) | set(LIST_RULE_COLUMNS) | set(DERIVED_RULE_COLUMNS)
    )


def test_default_config_rules_are_accepted(make_records: Any) -> None:
    frame = make_records([{"record_key": "crm:1", "emails": ["max@example.de"]}])
    result = candidate_pairs(frame, MatchingConfig().blocking_rules, max_block_size=200)
    assert result.pairs.height == 0
    assert set(result.pairs_per_rule) == set(MatchingConfig().blocking_rules)


SAME_PERSON = {
    "emails": ["max@example.de"],
    "phones": ["+4930123456"],
    "last_name_phonetic": "68676",
    "first_name_group": "maximilian",
    "birth_date": date(1980, 3, 5),
    "postal_code": "10115",
    "street_key": "hauptstr",
    "vat_id": "DE123456789",
    "personal_id": "CH-AHV:7569217076985",
    "organisation_key": "mustermann",
    "city_key": "berlin",
}

RULE_CASES = [
    {
        "description": "email: a shared address pairs",
        "rule": "email",
        "left": {"emails": ["max@example.de", "m@old.de"]},
        "right": {"emails": ["other@example.de", "max@example.de"]},
        "paired": True,
    },
    {
        "description": "email: no shared address",
        "rule": "email",
        "left": {"emails": ["max@example.de"]},
        "right": {"emails": ["moritz@example.de"]},
        "paired": False,
    },
    {
        "description": "phone: a shared number pairs",
        "rule": "phone",
        "left": {"phones": ["+4930123456", "+491701234567"]},
        "right": {"phones": ["+4930123456"]},
        "paired": True,
    },
    {
        "description": "phone: different numbers",
        "rule": "phone",
        "left": {"phones": ["+4930123456"]},
        "right": {"phones": ["+4930123457"]},
        "paired": False,
    },
    {
        "description": "phone: a number with extension pairs with its line without it",
        "rule": "phone",
        "left": {"phones": ["+19194008648;ext=2"]},
        "right": {"phones": ["+19194008648"]},
        "paired": True,
    },
    {
        "description": "phone: another line of the same exchange does not pair",
        "rule": "phone",
        "left": {"phones": ["+19194008648;ext=2"]},
        "right": {"phones": ["+19194008649"]},
        "paired": False,
    },
    {
        "description": "organisation: a ZIP+4 and its ZIP block on the first word",
        "rule": "organisation",
        "left": {"organisation_key": "wake medical", "postal_code": "27601-5790"},
        "right": {"organisation_key": "wake clinic", "postal_code": "27601"},
        "paired": True,
    },
    {
        "description": "name_birth_date: same phonetic last name and birth date",
        "rule": "name_birth_date",
        "left": {"last_name_phonetic": "67", "birth_date": date(1980, 3, 5)},
        "right": {"last_name_phonetic": "67", "birth_date": date(1980, 3, 5)},
        "paired": True,
    },
    {
        "description": "name_birth_date: birth date differs",
        "rule": "name_birth_date",
        "left": {"last_name_phonetic": "67", "birth_date": date(1980, 3, 5)},
        "right": {"last_name_phonetic": "67", "birth_date": date(1980, 5, 3)},
        "paired": False,
    },
    {
        "description": "first_name_birth_date: same nickname group and birth date",
        "rule": "first_name_birth_date",
        "left": {"first_name_group": "johannes", "birth_date": date(1975, 1, 1)},
        "right": {"first_name_group": "johannes", "birth_date": date(1975, 1, 1)},
        "paired": True,
    },
    {
        "description": "first_name_birth_date: other nickname group",
        "rule": "first_name_birth_date",
        "left": {"first_name_group": "johannes", "birth_date": date(1975, 1, 1)},
        "right": {"first_name_group": "peter", "birth_date": date(1975, 1, 1)},
        "paired": False,
    },
    {
        "description": "name_address: same phonetic last name and postal code",
        "rule": "name_address",
        "left": {"last_name_phonetic": "67", "postal_code": "80331"},
        "right": {"last_name_phonetic": "67", "postal_code": "80331"},
        "paired": True,
    },
    {
        "description": "name_address: postal code differs",
        "rule": "name_address",
        "left": {"last_name_phonetic": "67", "postal_code": "80331"},
        "right": {"last_name_phonetic": "67", "postal_code": "80333"},
        "paired": False,
    },
    {
        "description": "first_name_address: group, postal code and street",
        "rule": "first_name_address",
        "left": {"first_name_group": "anna", "postal_code": "1010", "street_key": "ring"},
        "right": {"first_name_group": "anna", "postal_code": "1010", "street_key": "ring"},
        "paired": True,
    },
    {
        "description": "first_name_address: street differs",
        "rule": "first_name_address",
        "left": {"first_name_group": "anna", "postal_code": "1010", "street_key": "ring"},
        "right": {"first_name_group": "anna", "postal_code": "1010", "street_key": "graben"},
        "paired": False,
    },
    {
        "description": "full_name: group and phonetic last name",
        "rule": "full_name",
        "left": {"first_name_group": "anna", "last_name_phonetic": "67"},
        "right": {"first_name_group": "anna", "last_name_phonetic": "67"},
        "paired": True,
    },
    {
        "description": "full_name: phonetic last name differs",
        "rule": "full_name",
        "left": {"first_name_group": "anna", "last_name_phonetic": "67"},
        "right": {"first_name_group": "anna", "last_name_phonetic": "68"},
        "paired": False,
    },
    {
        "description": "name_pair: first and last name swapped (Meier Hans / Hans Meier)",
        "rule": "name_pair",
        "left": {"first_name_key": "meier", "last_name_key": "hans"},
        "right": {"first_name_key": "hans", "last_name_key": "meier"},
        "paired": True,
    },
    {
        "description": "name_pair: same names in the same order",
        "rule": "name_pair",
        "left": {"first_name_key": "hans", "last_name_key": "meier"},
        "right": {"first_name_key": "hans", "last_name_key": "meier"},
        "paired": True,
    },
    {
        "description": "name_pair: same first name only",
        "rule": "name_pair",
        "left": {"first_name_key": "hans", "last_name_key": "meier"},
        "right": {"first_name_key": "hans", "last_name_key": "mayer"},
        "paired": False,
    },
    {
        "description": "name_pair: one name each, the same word in different fields",
        "rule": "name_pair",
        "left": {"first_name_key": "hans", "last_name_key": None},
        "right": {"first_name_key": None, "last_name_key": "hans"},
        "paired": False,
    },
    {
        "description": "name_pair: one name crosses over, the other differs",
        "rule": "name_pair",
        "left": {"first_name_key": "hans", "last_name_key": "meier"},
        "right": {"first_name_key": "peter", "last_name_key": "hans"},
        "paired": False,
    },
    {
        "description": "birth_date: same date, nothing else known",
        "rule": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1980, 3, 5)},
        "paired": True,
    },
    {
        "description": "birth_date: a day apart",
        "rule": "birth_date",
        "left": {"birth_date": date(1980, 3, 5)},
        "right": {"birth_date": date(1980, 3, 6)},
        "paired": False,
    },
    {
        "description": "email_local_part: same address, domain mistyped",
        "rule": "email_local_part",
        "left": {"emails": ["max.mueller@gmail.com"]},
        "right": {"emails": ["max.mueller@gmial.com"]},
        "paired": True,
    },
    {
        "description": "email_local_part: local part shared by any address of either list",
        "rule": "email_local_part",
        "left": {"emails": ["m@old.de", "anna.s@example.de"]},
        "right": {"emails": ["anna.s@example.at", "a@x.de"]},
        "paired": True,
    },
    {
        "description": "email_local_part: four characters are enough",
        "rule": "email_local_part",
        "left": {"emails": ["anna@web.de"]},
        "right": {"emails": ["anna@gmx.de"]},
        "paired": True,
    },
    {
        "description": "email_local_part: three characters are too common to block on",
        "rule": "email_local_part",
        "left": {"emails": ["max@web.de"]},
        "right": {"emails": ["max@gmx.de"]},
        "paired": False,
    },
    {
        "description": "email_local_part: different local parts at the same domain",
        "rule": "email_local_part",
        "left": {"emails": ["anna.s@example.de"]},
        "right": {"emails": ["anna.m@example.de"]},
        "paired": False,
    },
    {
        "description": "email_local_part: role addresses are excluded (info@ at two firms)",
        "rule": "email_local_part",
        "left": {"emails": ["info@firma.de"], "role_emails": ["info@firma.de"]},
        "right": {"emails": ["info@firma.at"], "role_emails": ["info@firma.at"]},
        "paired": False,
    },
    {
        "description": "email_typo: one typo at the end of the local part (same start)",
        "rule": "email_typo",
        "left": {"emails": ["margaretegruber@gmx.at"]},
        "right": {"emails": ["margaretegrober@gmx.at"]},
        "paired": True,
    },
    {
        "description": "email_typo: one typo at the start of the local part (same end)",
        "rule": "email_typo",
        "left": {"emails": ["sabine.schmidt@outlook.de"]},
        "right": {"emails": ["sabnie.schmidt@outlook.de"]},
        "paired": True,
    },
    {
        "description": "email_typo: a start never meets an end",
        "rule": "email_typo",
        "left": {"emails": ["mayer.annaa@web.de"]},
        "right": {"emails": ["annaa.mayerx@web.de"]},
        "paired": False,
    },
    {
        "description": "email_typo: another provider is another mailbox",
        "rule": "email_typo",
        "left": {"emails": ["sabine.schmidt@outlook.de"]},
        "right": {"emails": ["sabnie.schmidt@gmx.de"]},
        "paired": False,
    },
    {
        "description": "email_typo: local parts shorter than ten characters are too common",
        "rule": "email_typo",
        "left": {"emails": ["m.kuhn123@posteo.de"]},
        "right": {"emails": ["m.kuhn124@posteo.de"]},
        "paired": False,
    },
    {
        "description": "email_typo: role addresses are excluded",
        "rule": "email_typo",
        "left": {"emails": ["buchhaltung@firma.de"], "role_emails": ["buchhaltung@firma.de"]},
        "right": {"emails": ["buchhaltung2@firma.de"], "role_emails": ["buchhaltung2@firma.de"]},
        "paired": False,
    },
    {
        "description": "name_city: same phonetic last name and city",
        "rule": "name_city",
        "left": {"last_name_phonetic": "67", "city_key": "wien"},
        "right": {"last_name_phonetic": "67", "city_key": "wien"},
        "paired": True,
    },
    {
        "description": "name_city: city differs",
        "rule": "name_city",
        "left": {"last_name_phonetic": "67", "city_key": "wien"},
        "right": {"last_name_phonetic": "67", "city_key": "graz"},
        "paired": False,
    },
    {
        "description": "first_name_city: same nickname group and city",
        "rule": "first_name_city",
        "left": {"first_name_group": "johannes", "city_key": "zuerich"},
        "right": {"first_name_group": "johannes", "city_key": "zuerich"},
        "paired": True,
    },
    {
        "description": "first_name_city: nickname group differs",
        "rule": "first_name_city",
        "left": {"first_name_group": "johannes", "city_key": "zuerich"},
        "right": {"first_name_group": "peter", "city_key": "zuerich"},
        "paired": False,
    },
    {
        "description": "vat_id: same id",
        "rule": "vat_id",
        "left": {"vat_id": "ATU12345678"},
        "right": {"vat_id": "ATU12345678"},
        "paired": True,
    },
    {
        "description": "vat_id: other id",
        "rule": "vat_id",
        "left": {"vat_id": "ATU12345678"},
        "right": {"vat_id": "DE123456789"},
        "paired": False,
    },
    {
        "description": "personal_id: same id (a given name replaced: no name rule pairs them)",
        "rule": "personal_id",
        "left": {"personal_id": "6988048", "first_name_group": "lachlan"},
        "right": {"personal_id": "6988048", "first_name_group": "jack"},
        "paired": True,
    },
    {
        "description": "personal_id: other id",
        "rule": "personal_id",
        "left": {"personal_id": "CH-AHV:7569217076985"},
        "right": {"personal_id": "CH-AHV:7561234567897"},
        "paired": False,
    },
    {
        "description": "organisation: same organisation key",
        "rule": "organisation",
        "left": {"organisation_key": "mueller bau"},
        "right": {"organisation_key": "mueller bau"},
        "paired": True,
    },
    {
        "description": "organisation: the key written together (Harbor View / Harborview)",
        "rule": "organisation",
        "left": {"organisation_key": "harbor view medical"},
        "right": {"organisation_key": "harborview medical"},
        "paired": True,
    },
    {
        "description": "organisation: first word and postal code",
        "rule": "organisation",
        "left": {"organisation_key": "first baptist church", "postal_code": "37201"},
        "right": {"organisation_key": "first baptist church nashville", "postal_code": "37201"},
        "paired": True,
    },
    {
        "description": "organisation: two organisations at one address (a typo in the name)",
        "rule": "organisation",
        "left": {
            "record_type": "organisation",
            "organisation_key": "riverside dental",
            "postal_code": "52801",
            "street_key": "riverrd",
            "house_number": "12",
        },
        "right": {
            "record_type": "organisation",
            "organisation_key": "rievrside dental",
            "postal_code": "52801",
            "street_key": "riverrd",
            "house_number": "12",
        },
        "paired": True,
    },
    {
        "description": "organisation: persons at one address are not blocked by it",
        "rule": "organisation",
        "left": {
            "record_type": "person",
            "organisation_key": "riverside dental",
            "postal_code": "52801",
            "street_key": "riverrd",
            "house_number": "12",
        },
        "right": {
            "record_type": "person",
            "organisation_key": "lakeview dental",
            "postal_code": "52802",
            "street_key": "riverrd",
            "house_number": "12",
        },
        "paired": False,
    },
    {
        "description": "organisation: street and number, the postal code on one side only",
        "rule": "organisation",
        "left": {
            "record_type": "organisation",
            "organisation_key": "paulo freire ctr",
            "street_key": "w43",
            "house_number": "1653",
        },
        "right": {
            "record_type": "organisation",
            "organisation_key": "chicago commons association",
            "postal_code": "60609",
            "street_key": "w43",
            "house_number": "1653-55",
        },
        "paired": True,
    },
    {
        "description": "email_domain: two organisations at one business domain",
        "rule": "email_domain",
        "left": {"record_type": "organisation", "emails": ["info@huber-bau.de"]},
        "right": {"record_type": "organisation", "emails": ["a.huber@huber-bau.de"]},
        "paired": True,
    },
    {
        "description": "email_domain: free-mail domains form no block",
        "rule": "email_domain",
        "left": {"record_type": "organisation", "emails": ["huberbau@gmx.at"]},
        "right": {"record_type": "organisation", "emails": ["office@gmx.at"]},
        "paired": False,
    },
    {
        "description": "email_domain: persons at one domain are colleagues, not blocked",
        "rule": "email_domain",
        "left": {"record_type": "person", "emails": ["anna@huber-bau.de"]},
        "right": {"record_type": "person", "emails": ["max@huber-bau.de"]},
        "paired": False,
    },
    {
        "description": "email_domain: a contact (info@) and a person at its domain, one last name",
        "rule": "email_domain",
        "left": {
            "record_type": "person",
            "emails": ["info@nordlicht.de"],
            "last_name_phonetic": "8767",
        },
        "right": {
            "record_type": "person",
            "emails": ["baerbel.schroeder@nordlicht.de"],
            "last_name_phonetic": "8767",
        },
        "paired": True,
    },
    {
        "description": "email_domain: persons at one domain with other last names, not blocked",
        "rule": "email_domain",
        "left": {
            "record_type": "person",
            "emails": ["info@nordlicht.de"],
            "last_name_phonetic": "8767",
        },
        "right": {
            "record_type": "person",
            "emails": ["k.maier@nordlicht.de"],
            "last_name_phonetic": "67",
        },
        "paired": False,
    },
    {
        "description": "email_domain: a contact without e-mail and a person at its firm's domain",
        "rule": "email_domain",
        "left": {
            "record_type": "person",
            "organisation_key": "druckerei meier",
            "last_name_phonetic": "862",
        },
        "right": {
            "record_type": "person",
            "emails": ["p.schmid@druckerei-meier.de"],
            "last_name_phonetic": "862",
        },
        "paired": True,
    },
    {
        "description": "email_domain: a contact without e-mail and a person at another domain",
        "rule": "email_domain",
        "left": {
            "record_type": "person",
            "organisation_key": "druckerei meier",
            "last_name_phonetic": "862",
        },
        "right": {
            "record_type": "person",
            "emails": ["p.schmid@druckhaus-meier.de"],
            "last_name_phonetic": "862",
        },
        "paired": False,
    },
    {
        "description": "email_domain: a person's key never meets an organisation's domain",
        "rule": "email_domain",
        "left": {"record_type": "organisation", "emails": ["info@nordlicht.de"]},
        "right": {
            "record_type": "person",
            "emails": ["b.schroeder@nordlicht.de"],
            "last_name_phonetic": "8767",
        },
        "paired": False,
    },
    {
        "description": "organisation: different keys",
        "rule": "organisation",
        "left": {"organisation_key": "mueller bau"},
        "right": {"organisation_key": "mueller holz"},
        "paired": False,
    },
    {
        "description": "first_name_birth_day: a year mistyped, first letters of the name kept",
        "rule": "first_name_birth_day",
        "left": {"first_name_key": "johannes", "birth_date": date(1978, 3, 5)},
        "right": {"first_name_key": "johanes", "birth_date": date(1987, 3, 5)},
        "paired": True,
    },
    {
        "description": "first_name_birth_day: day and month swapped",
        "rule": "first_name_birth_day",
        "left": {"first_name_key": "johannes", "birth_date": date(1978, 3, 5)},
        "right": {"first_name_key": "johannes", "birth_date": date(1978, 5, 3)},
        "paired": True,
    },
    {
        "description": "first_name_birth_day: another day of birth",
        "rule": "first_name_birth_day",
        "left": {"first_name_key": "johannes", "birth_date": date(1978, 3, 5)},
        "right": {"first_name_key": "johannes", "birth_date": date(1978, 3, 6)},
        "paired": False,
    },
    {
        "description": "last_name_birth_day: a typo late in the last name, year off by ten",
        "rule": "last_name_birth_day",
        "left": {"last_name_key": "schneider", "birth_date": date(1970, 12, 1)},
        "right": {"last_name_key": "schnieder", "birth_date": date(1980, 12, 1)},
        "paired": True,
    },
    {
        "description": "last_name_birth_day: a typo in the first three letters",
        "rule": "last_name_birth_day",
        "left": {"last_name_key": "schneider", "birth_date": date(1970, 12, 1)},
        "right": {"last_name_key": "sxhneider", "birth_date": date(1980, 12, 1)},
        "paired": False,
    },
    {
        "description": "first_name_birth_month: a typo in the first letter, the last ones kept",
        "rule": "first_name_birth_month",
        "left": {"first_name_key": "johannes", "birth_date": date(1978, 3, 5)},
        "right": {"first_name_key": "yohannes", "birth_date": date(1978, 3, 6)},
        "paired": True,
    },
    {
        "description": "first_name_birth_month: another month of birth",
        "rule": "first_name_birth_month",
        "left": {"first_name_key": "johannes", "birth_date": date(1978, 3, 5)},
        "right": {"first_name_key": "johannes", "birth_date": date(1978, 4, 5)},
        "paired": False,
    },
    {
        "description": "last_name_birth_month: a typo in the first letter, the last ones kept",
        "rule": "last_name_birth_month",
        "left": {"last_name_key": "schneider", "birth_date": date(1970, 12, 1)},
        "right": {"last_name_key": "zchneider", "birth_date": date(1970, 12, 24)},
        "paired": True,
    },
    {
        "description": "last_name_birth_month: typos at both ends of the name",
        "rule": "last_name_birth_month",
        "left": {"last_name_key": "schneider", "birth_date": date(1970, 12, 1)},
        "right": {"last_name_key": "zchneidre", "birth_date": date(1970, 12, 1)},
        "paired": False,
    },
    {
        "description": "name_parts_birth_year: names swapped, typos inside, another day",
        "rule": "name_parts_birth_year",
        "left": {
            "first_name_key": "anna",
            "last_name_key": "schneider",
            "birth_date": date(1970, 12, 1),
        },
        "right": {
            "first_name_key": "schnieder",
            "last_name_key": "anan",
            "birth_date": date(1970, 1, 12),
        },
        "paired": True,
    },
    {
        "description": "name_parts_birth_year: another birth year",
        "rule": "name_parts_birth_year",
        "left": {
            "first_name_key": "anna",
            "last_name_key": "schneider",
            "birth_date": date(1970, 12, 1),
        },
        "right": {
            "first_name_key": "anna",
            "last_name_key": "schneider",
            "birth_date": date(1971, 12, 1),
        },
        "paired": False,
    },
]


@pytest.mark.parametrize("case", RULE_CASES, ids=[case["description"] for case in RULE_CASES])
def test_each_rule_pairs_records_sharing_its_key(case: dict[str, Any], make_records: Any) -> None:
    frame = make_records(
        [{"record_key": "crm:1", **case["left"]}, {"record_key": "shop:1", **case["right"]}]
    )
    result = candidate_pairs(frame, [case["rule"]], max_block_size=200)
    expected = {("crm:1", "shop:1"): case["rule"]} if case["paired"] else {}
    assert _pairs(result.pairs) == expected
    assert result.pairs_per_rule == {case["rule"]: len(expected)}


def test_rule_cases_pair_and_separate_with_every_rule() -> None:
    covered = {(case["rule"], case["paired"]) for case in RULE_CASES}
    assert {(rule, paired) for rule in BLOCKING_RULES for paired in (True, False)} <= covered


@pytest.mark.parametrize("null_part", ["first_name_key", "last_name_key"])
def test_name_pair_needs_both_names(null_part: str, make_records: Any) -> None:
    row = {"first_name_key": "hans", "last_name_key": "meier", null_part: None}
    frame = make_records([{"record_key": "crm:1", **row}, {"record_key": "crm:2", **row}])
    assert candidate_pairs(frame, ["name_pair"], max_block_size=200).pairs.height == 0


@pytest.mark.parametrize(
    ("rule", "null_part"),
    [(rule, part) for rule, parts in SCALAR_RULE_PARTS.items() for part in parts],
)
def test_null_key_part_means_no_blocking(rule: str, null_part: str, make_records: Any) -> None:
    # Both records agree on every other part and are null in the same part: the null is no
    # evidence, so they must not form a block (else every record without a birth date pairs).
    row = {part: SAME_PERSON[part] for part in SCALAR_RULE_PARTS[rule]} | {null_part: None}
    frame = make_records([{"record_key": "crm:1", **row}, {"record_key": "crm:2", **row}])
    result = candidate_pairs(frame, [rule], max_block_size=200)
    assert result.pairs.height == 0


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        ("both lists null", None, None),
        ("both lists empty", [], []),
        ("lists contain only nulls", [None], [None]),
    ],
)
@pytest.mark.parametrize("rule", [*sorted(LIST_RULE_COLUMNS), "email_local_part", "email_typo"])
def test_missing_contacts_mean_no_blocking(
    rule: str, description: str, left: Any, right: Any, make_records: Any
) -> None:
    column = {**LIST_RULE_COLUMNS, "email_local_part": "emails", "email_typo": "emails"}[rule]
    frame = make_records(
        [{"record_key": "crm:1", column: left}, {"record_key": "crm:2", column: right}]
    )
    assert candidate_pairs(frame, [rule], max_block_size=200).pairs.height == 0, description


def test_pair_found_by_two_rules_appears_once_with_both_rule_names(make_records: Any) -> None:
    frame = make_records(
        [
            {"record_key": "crm:1", "emails": ["max@example.de"], "phones": ["+4930123456"]},
            {"record_key": "shop:1", "emails": ["max@example.de"], "phones": ["+4930123456"]},
            {"record_key": "shop:2", "phones": ["+4930123456"]},
        ]
    )
    # The rule order in the config does not change the label.
    result = candidate_pairs(frame, ["phone", "email"], max_block_size=200)
    assert _pairs(result.pairs) == {
        ("crm:1", "shop:1"): "email,phone",
        ("crm:1", "shop:2"): "phone",
        ("shop:1", "shop:2"): "phone",
    }
    assert result.pairs_per_rule == {"phone": 3, "email": 1}
    assert result.pairs.schema == pl.Schema(PAIR_SCHEMA)


def test_record_sharing_several_keys_of_one_rule_pairs_once(make_records: Any) -> None:
    frame = make_records(
        [
            {"record_key": "crm:1", "emails": ["a@example.de", "b@example.de", "a@example.de"]},
            {"record_key": "crm:2", "emails": ["b@example.de", "a@example.de"]},
        ]
    )
    result = candidate_pairs(frame, ["email"], max_block_size=200)
    assert _pairs(result.pairs) == {("crm:1", "crm:2"): "email"}
    assert result.pairs_per_rule == {"email": 1}


def test_left_key_is_the_smaller_key_whatever_the_row_order(make_records: Any) -> None:
    frame = make_records(
        [
            {"record_key": "shop:9", "phones": ["+4930123456"]},
            {"record_key": "crm:10", "phones": ["+4930123456"]},
            {"record_key": "crm:1", "phones": ["+4930123456"]},
        ]
    )
    result = candidate_pairs(frame, ["phone"], max_block_size=200)
    # String order: "crm:1" < "crm:10" < "shop:9".
    assert set(_pairs(result.pairs)) == {
        ("crm:1", "crm:10"),
        ("crm:1", "shop:9"),
        ("crm:10", "shop:9"),
    }


def test_a_single_record_never_pairs_with_itself(make_records: Any) -> None:
    frame = make_records([{"record_key": "crm:1", "emails": ["a@x.de"], "phones": ["+4930"]}])
    assert candidate_pairs(frame, ["email", "phone"], max_block_size=200).pairs.height == 0


@pytest.mark.parametrize(
    ("description", "block_size", "max_block_size", "paired"),
    [
        ("block above the limit is skipped", 4, 3, False),
        ("block exactly at the limit is paired", 4, 4, True),
        ("smallest possible limit, pair of two", 2, 2, True),
        ("smallest possible limit, three records", 3, 2, False),
    ],
)
def test_oversized_blocks_are_reported_not_paired(
    description: str, block_size: int, max_block_size: int, paired: bool, make_records: Any
) -> None:
    frame = make_records(
        [{"record_key": f"crm:{index}", "phones": ["+4930123456"]} for index in range(block_size)]
    )
    result = candidate_pairs(frame, ["phone"], max_block_size=max_block_size)
    expected_pairs = block_size * (block_size - 1) // 2 if paired else 0
    assert result.pairs.height == expected_pairs, description
    assert result.pairs_per_rule == {"phone": expected_pairs}
    oversized = result.oversized_blocks.to_dicts()
    assert oversized == (
        # A full number blocks by its national digits, under any country code.
        [] if paired else [{"rule": "phone", "block_key": "national:30123456", "size": block_size}]
    )


def test_oversized_block_of_one_rule_does_not_hide_pairs_of_another(make_records: Any) -> None:
    # A shared office switchboard makes a huge phone block; e-mail still pairs the true match.
    rows = [{"record_key": f"crm:{index}", "phones": ["+49301000"]} for index in range(5)]
    rows[0]["emails"] = ["max@example.de"]
    rows[1]["emails"] = ["max@example.de"]
    frame = make_records(rows)
    result = candidate_pairs(frame, ["email", "phone"], max_block_size=3)
    assert _pairs(result.pairs) == {("crm:0", "crm:1"): "email"}
    assert result.oversized_blocks.to_dicts() == [
        {"rule": "phone", "block_key": "national:301000", "size": 5}
    ]


def test_oversized_blocks_are_listed_per_rule_and_key(make_records: Any) -> None:
    rows = [
        {
            "record_key": f"crm:{index}",
            "phones": ["+4930111"] if index < 4 else ["+4930222"],
            "postal_code": "10115",
            "last_name_phonetic": "67",
        }
        for index in range(7)
    ]
    frame = make_records(rows)
    result = candidate_pairs(frame, ["phone", "name_address"], max_block_size=3)
    # 4 records share +4930111 (too many), 3 share +4930222 (fine); all 7 share name+postal code.
    assert _pairs(result.pairs) == {
        ("crm:4", "crm:5"): "phone",
        ("crm:4", "crm:6"): "phone",
        ("crm:5", "crm:6"): "phone",
    }
    reported = {
        (row["rule"], row["size"]): row["block_key"] for row in result.oversized_blocks.to_dicts()
    }
    assert set(reported) == {("phone", 4), ("name_address", 7)}
    assert reported[("phone", 4)] == "+4930111"
    # A composite key names both parts, so a steward can find the block.
    assert "67" in reported[("name_address", 7)]
    assert "10115" in reported[("name_address", 7)]


@pytest.mark.parametrize(
    ("description", "left_role", "right_role", "paired"),
    [
        (
            "shared role address on both sides is no evidence",
            ["info@firma.de"],
            ["info@firma.de"],
            False,
        ),
        ("no role addresses: the shared address pairs", [], [], True),
        ("role_emails null means no role addresses", None, None, True),
        ("role list naming another address does not matter", ["kontakt@firma.de"], None, True),
    ],
)
def test_role_emails_are_excluded_from_the_email_rule(
    description: str, left_role: Any, right_role: Any, paired: bool, make_records: Any
) -> None:
    frame = make_records(
        [
            {"record_key": "crm:1", "emails": ["info@firma.de"], "role_emails": left_role},
            {"record_key": "crm:2", "emails": ["info@firma.de"], "role_emails": right_role},
        ]
    )
    result = candidate_pairs(frame, ["email"], max_block_size=200)
    assert (result.pairs.height == 1) is paired, description


def test_personal_address_still_pairs_next_to_a_role_address(make_records: Any) -> None:
    frame = make_records(
        [
            {
                "record_key": "crm:1",
                "emails": ["info@firma.de", "anna@firma.de"],
                "role_emails": ["info@firma.de"],
            },
            {
                "record_key": "crm:2",
                "emails": ["anna@firma.de", "info@firma.de"],
                "role_emails": ["info@firma.de"],
            },
            {"record_key": "crm:3", "emails": ["info@firma.de"], "role_emails": ["info@firma.de"]},
        ]
    )
    result = candidate_pairs(frame, ["email"], max_block_size=200)
    assert _pairs(result.pairs) == {("crm:1", "crm:2"): "email"}
    # The role address is not a block at all, so it cannot be reported as oversized either.
    assert candidate_pairs(frame, ["email"], max_block_size=2).oversized_blocks.height == 0


def test_unknown_rule_name_raises_with_the_name_and_the_known_rules(make_records: Any) -> None:
    frame = make_records([{"record_key": "crm:1"}])
    with pytest.raises(ValueError, match="unknown blocking rule.*postcode") as error:
        candidate_pairs(frame, ["email", "postcode"], max_block_size=200)
    assert "name_address" in str(error.value)


def test_no_rules_gives_empty_frames_with_the_documented_columns(make_records: Any) -> None:
    frame = make_records([{"record_key": "crm:1"}, {"record_key": "crm:2"}])
    result = candidate_pairs(frame, [], max_block_size=200)
    assert result.pairs.schema == pl.Schema(PAIR_SCHEMA)
    assert result.pairs.height == 0
    assert result.oversized_blocks.columns == ["rule", "block_key", "size"]
    assert result.pairs_per_rule == {}


# --- property: the union equals a brute-force comparison of every pair of records ----------------

# Local parts of three and four characters at two domains exercise email_local_part's limit.
_EMAILS = [
    "a@x.de",
    "b@x.de",
    "info@x.de",
    "anna@x.de",
    "anna@y.de",
    "max@y.de",
    "anna@gmx.de",
    # local parts long enough for email_typo: one typo at either end, and at another domain
    "anna.mueller@x.de",
    "anna.muellar@x.de",
    "xnna.mueller@x.de",
    "anna.mueller@y.de",
    # a domain that spells an organisation's name (with and without its town)
    "info@acme-bau.de",
]
_VALUES: dict[str, list[Any]] = {
    "last_name_phonetic": ["67", "682"],
    "first_name_group": ["anna", "max"],
    # The same two words as first and last names give swapped pairs for name_pair.
    "first_name_key": ["hans", "meier"],
    "last_name_key": ["meier", "hans", "mayer"],
    "city_key": ["berlin", "wien"],
    # Day and month swapped, and the year mistyped, for the partial birth-date keys.
    "birth_date": [date(1980, 1, 1), date(1990, 5, 5), date(1980, 3, 5), date(1908, 5, 3)],
    "postal_code": ["10115", "80331"],
    "street_key": ["haupt", "bahnhof"],
    "house_number": ["1", "12a"],
    "vat_id": ["DE1", "DE2"],
    "personal_id": ["6988048", "CH-AHV:7569217076985"],
    "organisation_key": ["acme", "acme bau", "acmebau", "acme bau wien"],
    "record_type": ["person", "organisation"],
}
_FREEMAIL = {"gmx.de", "web.de", "gmail.com", "bluewin.ch", "gmx.at", "a1.net", "t-online.de"}


@st.composite
def _record_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    keys = draw(
        st.lists(
            st.text(alphabet="abz:19", min_size=1, max_size=4), min_size=0, max_size=9, unique=True
        )
    )
    rows = []
    for key in keys:
        row: dict[str, Any] = {"record_key": key}
        for column, values in _VALUES.items():
            row[column] = draw(st.none() | st.sampled_from(values))
        row["emails"] = draw(st.none() | st.lists(st.sampled_from(_EMAILS), max_size=3))
        row["role_emails"] = draw(st.none() | st.lists(st.just("info@x.de"), max_size=1))
        row["phones"] = draw(st.none() | st.lists(st.sampled_from(["+491", "+492"]), max_size=2))
        rows.append(row)
    return rows


def _folded(letters: str) -> str:
    """Umlauts transliterated or dropped alike, "Sankt" as "St" (cleaners.organisations)."""
    letters = letters.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return "st" + letters[5:] if letters.startswith("sankt") else letters


PARTIAL_NAME_RULES = {
    "first_name_birth_day": "first_name_key",
    "last_name_birth_day": "last_name_key",
    "first_name_birth_month": "first_name_key",
    "last_name_birth_month": "last_name_key",
}


def _keys_of(row: dict[str, Any], rule: str) -> set[Any]:
    """The block keys of one record under one rule, computed naively."""
    if rule in LIST_RULE_COLUMNS:
        values = set(row[LIST_RULE_COLUMNS[rule]] or []) - {None}
        if rule == "email":
            values -= set(row["role_emails"] or [])
        return values
    if rule == "email_local_part":
        personal = set(row["emails"] or []) - {None} - set(row["role_emails"] or [])
        return {email.split("@")[0] for email in personal if len(email.split("@")[0]) >= 4}
    if rule == "email_typo":
        personal = set(row["emails"] or []) - {None} - set(row["role_emails"] or [])
        locals_ = [email.split("@") for email in personal]
        return {
            (domain, end, piece)
            for local, domain in locals_
            if len(local) >= 10
            for end, piece in (("start", local[:5]), ("end", local[-5:]))
        }
    if rule == "organisation":
        key = row["organisation_key"]
        found: set[Any] = set()
        if key is not None:
            found.add(key.replace(" ", ""))
            if row["postal_code"] is not None:
                found.add(f"{key.split(' ')[0]}|{row['postal_code']}")
        parts = (row["postal_code"], row["street_key"], row["house_number"])
        if row["record_type"] == "organisation" and None not in parts:
            found.add("@|" + "|".join(parts))
        # Street and house number alone (site lists without postal code): the number's digits.
        digits = re.match(r"\d+", row["house_number"] or "")
        if row["record_type"] == "organisation" and row["street_key"] and digits:
            found.add(f"#|{row['street_key']}|{digits.group()}")
        return found
    if rule == "email_domain":
        domains = {e.split("@")[1] for e in row["emails"] or [] if e.split("@")[1] not in _FREEMAIL}
        if row["record_type"] == "organisation":
            # The name a domain spells, the organisation's name, and its name without its town.
            spelled = {re.sub(r"[^a-z]", "", label) for d in domains for label in d.split(".")[:-1]}
            spelled |= {_folded(label) for label in spelled}
            name = re.sub(r"[^a-z]", "", row["organisation_key"] or "")
            town = _folded(re.sub(r"[^a-z]", "", row["city_key"] or ""))
            spelled.add(name)
            if len(town) >= 3 and _folded(name).endswith(town):
                spelled.add(_folded(name)[: -len(town)])
            return domains | {f"={label}" for label in spelled if len(label) >= 5}
        if row["record_type"] == "person" and row["last_name_phonetic"] is not None:
            last = row["last_name_phonetic"]
            names = {re.sub(r"[^a-z]", "", label) for d in domains for label in d.split(".")[:-1]}
            names.add(re.sub(r"[^a-z]", "", row.get("organisation_key") or ""))
            firm_names = {f"~{name}|{last}" for name in names if len(name) >= 5}
            return {f"{domain}|{last}" for domain in domains} | firm_names
        return set()
    born = row["birth_date"]
    if rule in PARTIAL_NAME_RULES:
        name = row[PARTIAL_NAME_RULES[rule]]
        if name is None or born is None:
            return set()
        if rule.endswith("birth_day"):
            return {(name[:3], min(born.month, born.day), max(born.month, born.day))}
        return {
            ("start", name[:3], born.year, born.month),
            ("end", name[-3:], born.year, born.month),
        }
    if rule == "name_parts_birth_year":
        first, last = row["first_name_key"], row["last_name_key"]
        if first is None or last is None or born is None:
            return set()
        return {
            ("start", frozenset((first[:2], last[:2])), born.year),
            ("end", frozenset((first[-2:], last[-2:])), born.year),
        }
    if rule == "name_pair":
        first, last = row["first_name_key"], row["last_name_key"]
        return set() if first is None or last is None else {frozenset((first, last))}
    parts = tuple(row[part] for part in SCALAR_RULE_PARTS[rule])
    return set() if any(part is None for part in parts) else {parts}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_record_rows(), max_block_size=st.integers(min_value=2, max_value=5))
def test_union_equals_brute_force_reference(
    rows: list[dict[str, Any]], max_block_size: int, make_records: Any
) -> None:
    rule_names = sorted(BLOCKING_RULES)
    keys = {rule: {row["record_key"]: _keys_of(row, rule) for row in rows} for rule in rule_names}
    block_sizes = {
        rule: Counter(key for record_keys in keys[rule].values() for key in record_keys)
        for rule in rule_names
    }
    expected: dict[tuple[str, str], list[str]] = {}
    for rule in rule_names:
        for left, right in combinations(sorted(keys[rule]), 2):
            shared = keys[rule][left] & keys[rule][right]
            if any(block_sizes[rule][key] <= max_block_size for key in shared):
                expected.setdefault((left, right), []).append(rule)

    result = candidate_pairs(make_records(rows), rule_names, max_block_size=max_block_size)

    assert _pairs(result.pairs) == {pair: ",".join(sorted(r)) for pair, r in expected.items()}
    assert all(left < right for left, right in _pairs(result.pairs))
    assert result.pairs_per_rule == {
        rule: sum(rule in found for found in expected.values()) for rule in rule_names
    }
    expected_oversized = Counter(
        (rule, size)
        for rule in rule_names
        for size in block_sizes[rule].values()
        if size > max_block_size
    )
    reported = Counter((rule, size) for rule, _, size in result.oversized_blocks.iter_rows())
    assert reported == expected_oversized
