"""Mapping a silo's raw columns onto the canonical model keeps every row accounted for."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cleaners import clean_records
from cleaners.mapping import ROW_NUMBER, map_silo
from rules.canonical import CANONICAL_SCHEMA, QUARANTINE_SCHEMA
from rules.config import SiloConfig, parse_config
from rules.errors import SiloError


def _silo(mapping: str, defaults: str = "") -> SiloConfig:
    text = (
        f'[silos.shop]\nconnector = "json"\npath = "shop.json"\n[silos.shop.mapping]\n{mapping}\n'
    )
    if defaults:
        text += f"[silos.shop.defaults]\n{defaults}\n"
    return parse_config(text, Path("golden.toml")).silos["shop"]


def _raw(**columns: list[str | None]) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    return pl.DataFrame(
        {**columns, ROW_NUMBER: list(range(1, height + 1))},
        schema={**{name: pl.String() for name in columns}, ROW_NUMBER: pl.Int64()},
    )


def test_output_has_the_canonical_schema_and_record_keys() -> None:
    mapped = map_silo(
        _raw(id=["7", "8"], nachname=["Müller", " Meier "]),
        _silo('source_id = "id"\nlast_name = "nachname"'),
    )
    assert mapped.records.schema == pl.Schema(CANONICAL_SCHEMA)
    assert mapped.records["record_key"].to_list() == ["shop:7", "shop:8"]
    assert mapped.records["last_name"].to_list() == ["Müller", "Meier"]
    assert mapped.quarantine.schema == pl.Schema(QUARANTINE_SCHEMA)


def test_missing_and_repeated_ids_go_to_quarantine_with_row_and_reason() -> None:
    raw = _raw(id=["1", None, "1", "  ", "2"], nachname=["A", "B", "C", "D", "E"])
    mapped = map_silo(raw, _silo('source_id = "id"\nlast_name = "nachname"'))
    assert mapped.records["source_id"].to_list() == ["1", "2"]
    assert mapped.records["row_number"].to_list() == [1, 5]
    quarantine = mapped.quarantine.sort("row_number")
    assert quarantine["row_number"].to_list() == [2, 3, 4]
    reasons = quarantine["reason"].to_list()
    assert reasons[0].startswith("missing source id") and reasons[2].startswith("missing source id")
    assert reasons[1] == "duplicate source id: first seen in row 1"
    assert mapped.records.height + mapped.quarantine.height == raw.height


def test_unknown_column_names_the_silo_and_the_columns() -> None:
    with pytest.raises(SiloError) as error:
        map_silo(_raw(id=["1"]), _silo('source_id = "id"\nlast_name = "Nachname"'))
    message = str(error.value)
    assert "silo 'shop'" in message and "'Nachname'" in message and "'id'" in message


@pytest.mark.parametrize(
    ("description", "cells", "expected"),
    [
        (
            "two columns",
            {"tel": "030 1234567", "mobil": "0171 5555555"},
            ["030 1234567", "0171 5555555"],
        ),
        (
            "several in one cell",
            {"tel": "030 1234567; 0171 5555555", "mobil": None},
            ["030 1234567", "0171 5555555"],
        ),
        ("slash kept inside a number", {"tel": "030/1234567", "mobil": ""}, ["030/1234567"]),
        ("nothing", {"tel": None, "mobil": " "}, []),
    ],
)
def test_phone_columns_are_collected_into_a_list(
    description: str, cells: dict[str, str | None], expected: list[str]
) -> None:
    raw = _raw(id=["1"], **{name: [value] for name, value in cells.items()})
    mapped = map_silo(raw, _silo('source_id = "id"\nphones = ["tel", "mobil"]'))
    assert mapped.records["phones"].to_list() == [expected], description


def test_emails_split_on_separators() -> None:
    raw = _raw(id=["1"], mail=["a@example.de, b@example.de;c@example.de"])
    mapped = map_silo(raw, _silo('source_id = "id"\nemails = ["mail"]'))
    assert mapped.records["emails"].to_list() == [["a@example.de", "b@example.de", "c@example.de"]]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("a@example.de b@example.de", ["a@example.de", "b@example.de"]),
        ("Max Muster <max@example.de>", ["Max Muster <max@example.de>"]),
        (
            "Max Muster <max@example.de>; Erika <erika@example.de>",
            ["Max Muster <max@example.de>", "Erika <erika@example.de>"],
        ),
        ("max (at) gmx.de", ["max (at) gmx.de"]),
        ("max [AT] gmx.de, b@example.de", ["max [AT] gmx.de", "b@example.de"]),
        ("max @ gmx.de", ["max @ gmx.de"]),
        ("max@ gmx.de", ["max@ gmx.de"]),
    ],
)
def test_email_cells_keep_display_names_and_written_at_whole(
    cell: str, expected: list[str]
) -> None:
    raw = _raw(id=["1"], mail=[cell])
    mapped = map_silo(raw, _silo('source_id = "id"\nemails = ["mail"]'))
    assert mapped.records["emails"].to_list() == [expected]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Max Muster <Max@Example.de>", ["max@example.de"]),
        ("max (at) gmx.de", ["max@gmx.de"]),
        ("max @ gmx.de; erika@web.de", ["max@gmx.de", "erika@web.de"]),
    ],
)
def test_email_cells_end_as_clean_addresses_without_findings_for_name_parts(
    cell: str, expected: list[str]
) -> None:
    from cleaners.emails import clean_emails

    raw = _raw(id=["1"], mail=[cell])
    mapped = map_silo(raw, _silo('source_id = "id"\nemails = ["mail"]'))
    cleaned = clean_emails(mapped.records.with_row_index("__row"))
    assert cleaned.frame["emails"].to_list() == [expected]
    assert not cleaned.findings.filter(pl.col("status") == "invalid").height


def test_defaults_fill_only_empty_values() -> None:
    raw = _raw(id=["1", "2"], land=["CH", None])
    mapped = map_silo(raw, _silo('source_id = "id"\ncountry = "land"', 'country = "AT"'))
    assert mapped.records["country"].to_list() == ["CH", "AT"]


def test_combined_name_and_address_are_split() -> None:
    raw = _raw(
        id=["1", "2"],
        name=["Mustermann, Max", "Dr. Erika Musterfrau"],
        adresse=["Musterstr. 12a, 10115 Berlin", "Hauptplatz 3, A-8010 Graz"],
    )
    mapped = map_silo(raw, _silo('source_id = "id"\nfull_name = "name"\naddress_line = "adresse"'))
    rows = mapped.records.sort("source_id").to_dicts()
    assert (rows[0]["first_name"], rows[0]["last_name"]) == ("Max", "Mustermann")
    assert (rows[1]["first_name"], rows[1]["last_name"], rows[1]["title"]) == (
        "Erika",
        "Musterfrau",
        "Dr.",
    )
    assert rows[0]["postal_code"] == "10115" and rows[0]["city"] == "Berlin"
    assert rows[0]["house_number"] is not None and "12" in rows[0]["house_number"]
    assert rows[1]["postal_code"] == "8010" and rows[1]["city"] == "Graz"


def test_suffix_of_a_full_name_stays_in_last_name_for_the_cleaner() -> None:
    raw = _raw(id=["1", "2"], name=["Pit Moser jun.", "Fischer, Markus sen."])
    mapped = map_silo(raw, _silo('source_id = "id"\nfull_name = "name"'))
    rows = mapped.records.sort("source_id").to_dicts()
    assert [(row["first_name"], row["last_name"]) for row in rows] == [
        ("Pit", "Moser jun."),
        ("Markus", "Fischer sen."),
    ]
    cleaned = clean_records(mapped.records).frame.sort("source_id")
    assert cleaned.select("first_name", "last_name", "name_suffix").rows() == [
        ("Pit", "Moser", "jun."),
        ("Markus", "Fischer", "sen."),
    ]


def test_empty_source_without_columns_maps_to_no_records() -> None:
    raw = pl.DataFrame(schema={ROW_NUMBER: pl.Int64()})
    mapped = map_silo(raw, _silo('source_id = "id"'))
    assert mapped.records.height == 0 and mapped.quarantine.height == 0


@pytest.mark.parametrize("blank", ["", "  ", None])
def test_contact_in_an_address_line_beside_a_blank_name_column(blank: str | None) -> None:
    # An ERP's organisation rows: the company, an empty name column and "z. Hd. ..." in the
    # one-line address. The empty name must not count as a person on the record.
    raw = _raw(
        id=["1", "2", "3"],
        firma=["Huber Bau GmbH", "Meier AG", "Vogt KG"],
        name=[blank, blank, "Vogt, Peter"],
        adresse=[
            "z. Hd. Frau Anna Huber, Werkstr. 3, 80331 München",
            "Hauptstr. 1, 8001 Zürich, Attn. Klaus Meier",
            "c/o Schreinerei Vogt, Ringstr. 3, 1010 Wien",
        ],
    )
    silo = _silo(
        'source_id = "id"\norganisation_name = "firma"\n'
        'full_name = "name"\naddress_line = "adresse"'
    )
    mapped = map_silo(raw, silo).records.sort("source_id")
    assert mapped["contact_name"].to_list()[:2] == ["Frau Anna Huber", "Klaus Meier"]
    # A record with its own name keeps its c/o line as where it gets mail, no contact.
    assert mapped["contact_name"].to_list()[2] is None
    cleaned = clean_records(mapped).frame
    contacts = cleaned.filter(pl.col("source_id").str.ends_with("#contact")).sort("source_id")
    assert contacts.select("source_id", "first_name", "last_name", "record_type").rows() == [
        ("1#contact", "Anna", "Huber", "person"),
        ("2#contact", "Klaus", "Meier", "person"),
        ("3#contact", "Peter", "Vogt", "person"),
    ]


def test_a_trailing_name_that_is_also_a_country_needs_the_rest_to_fit() -> None:
    """ "Jordan" and "Chad" are first and last names and US towns as well as countries: at the
    end of a one-line address they are the country only where the phone's calling code or a
    postal code of the country's shape says so; else the part stays in address_extra."""
    raw = _raw(
        id=["1", "2", "3", "4", "5"],
        adresse=[
            "12 Elm St, Jordan",
            "12 Elm St, Chad",
            "12 Rainbow St, Amman, Jordan",
            "Rainbow St 5, 11181 Amman, Jordan",
            "Hauptstr. 5, 10115 Berlin, Jordan",
        ],
        tel=[None, "+1 206 555 0100", "+962 6 461 2345", None, None],
    )
    mapped = map_silo(
        raw, _silo('source_id = "id"\naddress_line = "adresse"\nphones = "tel"')
    ).records.sort("source_id")
    assert mapped.select("country", "city", "address_extra").rows() == [
        (None, None, "Jordan"),
        (None, None, "Chad"),
        ("JO", "Amman", None),  # a +962 phone
        ("JO", "Amman", None),  # a five-digit postal code, Jordan's shape
        (None, "Berlin", "Jordan"),  # five digits, but 10115 Berlin is German
    ]
    assert mapped["street"].to_list() == [
        "Elm St",
        "Elm St",
        "Rainbow St",
        "Rainbow St",
        "Hauptstr.",
    ]
