"""Erasure decisions: who may be erased, the silo tasks, the tombstone, the person's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from cleaned_records import cleaned

from cleaners.mapping import ROW_NUMBER
from matching.erasure import (
    CONFIRMED,
    OPEN,
    Erasure,
    ErasureStatus,
    Person,
    check_erasable,
    distinctive_values,
    erased_person,
    erasure_tasks,
    holds_person,
    holds_short_value,
    person_members,
    person_rows,
    run_folders_to_scrub,
    tombstone_keys,
)
from matching.subjects import Holdings
from rules.errors import PrivacyError

SALT = b"test-salt-0123456789"
ERASURE = Erasure(
    request_ref="E20261201-ABC123",
    golden_id="GAAAAAA1",
    requested_at=date(2026, 12, 1),
    erased_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    erased_by="steward",
    reason="Antrag",
    silos=("crm",),
    profiles=(),
    records=1,
)
GOLDEN_IDS = pl.DataFrame(
    {
        "golden_id": ["GAAAAAA1", "GBBBBBB2"],
        "created_run": ["r1", "r1"],
        "retired_run": [None, "r2"],
        "redirect_to": [None, "GAAAAAA1"],
    }
)


@pytest.mark.parametrize(
    ("golden_id", "erased", "message"),
    [
        ("GFFFFFF9", None, "unknown golden id GFFFFFF9 — the state store never issued it"),
        ("GAAAAAA1", ERASURE, "GAAAAAA1 was erased already on 2026-12-02 \\(request "
         "E20261201-ABC123\\) — `golden subject status E20261201-ABC123`"),
        ("GBBBBBB2", None, "golden id GBBBBBB2 was merged into GAAAAAA1 — erase GAAAAAA1"),
    ],
)  # fmt: skip
def test_check_erasable_refuses(golden_id: str, erased: Erasure | None, message: str) -> None:
    with pytest.raises(PrivacyError, match=message):
        check_erasable(GOLDEN_IDS, golden_id, erased)


def test_check_erasable_accepts_a_current_id() -> None:
    check_erasable(GOLDEN_IDS, "GAAAAAA1", None)


#: Max (crm:1, shop:7) and his wife Erika (crm:2), who shares the family landline and address.
RECORDS = cleaned(
    {"silo": "crm", "source_id": "1", "first_name": "Max", "last_name": "Quiringer",
     "street": "Lindenweg", "house_number": "3", "postal_code": "10115", "city": "Berlin",
     "emails": ["max.q@example.de"], "phones": ["030 1234567"]},
    {"silo": "shop", "source_id": "7", "first_name": "Max", "last_name": "Quiringer",
     "postal_code": "10115", "city": "Berlin", "phones": ["0171 5551234"]},
    {"silo": "crm", "source_id": "2", "first_name": "Erika", "last_name": "Quiringer",
     "street": "Lindenweg", "house_number": "3", "postal_code": "10115", "city": "Berlin",
     "phones": ["030 1234567"]},
)  # fmt: skip
CROSSWALK = pl.DataFrame(
    {
        "silo": ["crm", "shop", "crm"],
        "source_id": ["1", "7", "2"],
        "golden_id": ["GAAAAAA1", "GAAAAAA1", "GCCCCCC3"],
    }
)
RAW = {
    "crm": pl.DataFrame({ROW_NUMBER: [1, 3], "Name": ["Max Quiringer", "Erika Quiringer"],
                         "Ort": ["Berlin", "Berlin"]}),
    "shop": pl.DataFrame({ROW_NUMBER: [2], "Kunde": ["QUIRINGER, MAX"], "Ort": ["Berlin"]}),
}  # fmt: skip
HOLDINGS = Holdings(records=RECORDS, raw=RAW, crosswalk=CROSSWALK)


def test_person_members_and_tasks() -> None:
    members = person_members(CROSSWALK, "GAAAAAA1")
    tasks = erasure_tasks(members, "E1", {"crm": "CRM-Team"})
    assert tasks.rows() == [("E1", "crm", "1", "CRM-Team"), ("E1", "shop", "7", "")]
    with pytest.raises(PrivacyError, match="GFFFFFF9 has no records in the crosswalk"):
        person_members(CROSSWALK, "GFFFFFF9")


def test_tombstone_keys_leave_out_what_the_household_shares() -> None:
    keys = tombstone_keys(HOLDINGS, "GAAAAAA1", SALT)
    assert set(keys.columns) == {"record_key", "kind", "key_hash"}  # no clear key
    kinds = dict(keys.group_by("kind").len().rows())
    # both record ids, his e-mail, his name at the address (Erika's first name differs), and
    # the mobile only: the family landline is Erika's too and would quarantine her
    assert kinds == {"source": 2, "email": 1, "name_address": 1, "phone": 1}
    text = keys.write_csv().lower()
    assert "quiringer" not in text and "max.q@example.de" not in text


def test_distinctive_values_are_the_persons_own() -> None:
    values = distinctive_values(HOLDINGS, HOLDINGS.records_of("GAAAAAA1"))
    assert {"max.q@example.de", "+491715551234", "max quiringer", "quiringer, max"} <= values
    # shared with Erika or with everyone in Berlin: not distinctive
    assert not {"berlin", "quiringer", "lindenweg 3", "+49301234567", "10115"} & values


def test_erased_person_finds_their_rows_and_nobody_elses() -> None:
    person = erased_person(HOLDINGS, "GAAAAAA1")
    assert person.record_keys == {"crm:1", "shop:7"}
    published = pl.DataFrame(
        {
            "golden_id": ["GAAAAAA1", "GCCCCCC3", "GCCCCCC3", "GDDDDDD4"],
            "silo": [None, "crm", None, "web"],
            "source_id": [None, "2", None, "7"],
            "note": [None, None, "mail an MAX.Q@example.de", "shop:7"],
        }
    )
    rows = published.select(person_rows(published, person).alias("x"))["x"].to_list()
    assert rows == [True, False, True, True]  # id, -, a long value inside a cell, a record key
    assert holds_person("... GAAAAAA1 ...", person)
    assert not holds_person("Berlin, Lindenweg 3", person)


def test_short_values_only_as_whole_words() -> None:
    person = Person(frozenset({"GAAAAAA1"}), frozenset(), frozenset({"ott"}))
    assert holds_short_value("<td>Ott</td>", person)
    assert not holds_short_value("<td>Otto</td>", person)
    assert not holds_person("<td>Ott</td>", person)  # short needles never as substrings


@pytest.mark.parametrize(
    ("older_runs", "rewrite", "delete"),
    [("rewrite", ["r1", "r2", "r3"], []), ("delete", ["r3"], ["r1", "r2"])],
)
def test_run_folders_to_scrub(older_runs: Any, rewrite: list[str], delete: list[str]) -> None:
    folders = [Path(name) for name in ("r1", "r2", "r3")]
    result = run_folders_to_scrub(folders, Path("r3"), older_runs)
    assert result == ([Path(n) for n in rewrite], [Path(n) for n in delete])


def test_erasure_status_per_silo() -> None:
    tasks = pl.DataFrame(
        {
            "silo": ["crm", "crm", "shop", "erp"],
            "source_id": ["1", "2", "7", "9"],
            "status": [CONFIRMED, OPEN, CONFIRMED, OPEN],
        }
    )
    status = ErasureStatus(ERASURE, tasks, pl.DataFrame())
    assert status.silos() == {"crm": "open (1 of 2)", "erp": "open (1 of 1)", "shop": "confirmed"}
