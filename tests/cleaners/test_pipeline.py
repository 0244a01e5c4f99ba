"""clean_records as a whole: schema, findings, errors, determinism, properties."""

from __future__ import annotations

from importlib import resources

import polars as pl
import pytest
from cleaner_frames import TODAY, canonical_frame, clean
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleaners
from cleaners import CLEANED_SCHEMA, clean_records
from cleaners.text import clean_text
from rules.canonical import CANONICAL_SCHEMA, FINDINGS_SCHEMA, SCALAR_FIELDS

DACH_RECORDS = [
    {
        "salutation": "Hr.",
        "title": "Dr.",
        "first_name": "MAX",
        "last_name": "MUSTERMANN",
        "street": "Musterstr. 12a",
        "postal_code": "D-10115",
        "city": "Berlin",
        "phones": ["030 1234567", "0171/1234567"],
        "emails": ["Max@GMIAL.com"],
        "birth_date": "1.2.80",
        "vat_id": "DE 136 695 976",
        "consent_email": "ja",
        "created_at": "2024-01-05 13:45:00",
    },
    {
        "salutation": "Frau",
        "title": "Mag.a",
        "first_name": "Resi",
        "last_name": "Huber",
        "street": "Mariahilfer Str. 3/2/5",
        "postal_code": "1060",
        "city": "Wien",
        "country": "Österreich",
        "phones": ["0664 1234567"],
        "emails": ["resi.huber@gmx.at"],
        "birth_date": "3. Jänner 1975",
        "consent_post": "nein",
    },
    {
        "first_name": "Vreni",
        "last_name": "Nägeli",
        "street": "Bahnhofstr. 5",
        "postal_code": "CH-8001",
        "city": "Zürich",
        "phones": ["044 668 18 00"],
        "emails": ["vreni@bluewin.ch"],
        "consent_phone": "x",
    },
    {
        "organisation_name": "Muster Handels-Ges.m.b.H.",
        "street": "Hauptplatz 1",
        "postal_code": "8010",
        "city": "Graz",
        "country": "A",
        "vat_id": "ATU13585627",
        "emails": ["office@muster.at"],
    },
    {
        "last_name": "Bäckerei Huber GmbH",
        "street": "Am Markt 1",
        "postal_code": "01067",
        "city": "Dresden",
        "phones": ["0351 1234567"],
    },
    {
        "first_name": "Hans-Peter",
        "last_name": "von der leyen",
        "street": "Königsallee 1",
        "postal_code": "40212",
        "city": "Düsseldorf",
        "emails": ["info@leyen.de"],
    },
]


def test_output_schema_is_stable_even_for_no_rows() -> None:
    empty = clean_records(pl.DataFrame(schema=CANONICAL_SCHEMA), today=TODAY)
    full = clean(*DACH_RECORDS)
    assert empty.frame.schema == full.frame.schema == pl.Schema(CLEANED_SCHEMA)
    assert empty.findings.schema == full.findings.schema == pl.Schema(FINDINGS_SCHEMA)
    assert list(CLEANED_SCHEMA)[: len(CANONICAL_SCHEMA)] == list(CANONICAL_SCHEMA)


def test_real_world_records() -> None:
    frame = clean(*DACH_RECORDS).frame
    assert frame["country"].to_list() == ["DE", "AT", "CH", "AT", "DE", "DE"]
    assert frame["record_type"].to_list() == [
        "person",
        "person",
        "person",
        "organisation",
        "organisation",
        "person",
    ]
    assert frame["legal_form"].to_list()[3:5] == ["GesmbH", "GmbH"]
    assert frame["street"].to_list()[:3] == ["Musterstraße", "Mariahilfer Straße", "Bahnhofstrasse"]
    assert frame["emails"].to_list()[0] == ["max@gmail.com"]
    assert frame["role_emails"].to_list()[3] == ["office@muster.at"]


def test_silo_country_fills_a_missing_country() -> None:
    record = {**DACH_RECORDS[2], "postal_code": "8001"}
    frame = clean(record, silo_countries={"crm": "CH"}).frame
    row = frame.row(0, named=True)
    assert (row["country"], row["street"], row["phones"]) == (
        "CH",
        "Bahnhofstrasse",
        ["+41446681800"],
    )


def test_rows_keep_their_order_and_identity() -> None:
    records = [
        {"source_id": str(n), "last_name": name}
        for n, name in enumerate(["Zeller", "Amann", "Zeller", None, "Bauer"] * 3)
    ]
    frame = clean(*records).frame
    assert frame["source_id"].to_list() == [str(n) for n in range(15)]


def test_findings_are_ordered_by_record_and_carry_identity() -> None:
    findings = clean(*DACH_RECORDS).findings
    assert findings["record_key"].to_list() == sorted(
        findings["record_key"].to_list(), key=lambda key: int(key.split(":")[1])
    )
    assert set(findings["status"].to_list()) <= {"corrected", "invalid"}
    assert findings.filter(pl.col("value").is_null()).height == 0


def test_deterministic() -> None:
    first, second = clean(*DACH_RECORDS), clean(*DACH_RECORDS)
    assert first.frame.equals(second.frame) and first.findings.equals(second.findings)


def test_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="missing: phones"):
        clean_records(canonical_frame({}).drop("phones"))


def test_bad_country_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO alpha-2"):
        clean_records(canonical_frame({}), default_country="Germany")


def _as_canonical_text(frame: pl.DataFrame) -> pl.DataFrame:
    """A cleaned frame turned back into canonical text columns."""
    text = [
        pl.col(name).cast(pl.String)
        if dtype != pl.Boolean()
        else pl.col(name).replace_strict({True: "ja", False: "nein"}, return_dtype=pl.String)
        for name, dtype in frame.select(list(CANONICAL_SCHEMA)).schema.items()
        if dtype not in (pl.List(pl.String()),)
    ]
    return frame.select(list(CANONICAL_SCHEMA)).with_columns(text).cast(CANONICAL_SCHEMA)


def test_cleaning_a_cleaned_frame_changes_nothing() -> None:
    first = clean(*DACH_RECORDS)
    again = clean_records(_as_canonical_text(first.frame), today=TODAY)
    assert again.frame.equals(first.frame)
    assert again.findings.height == 0, again.findings.to_dicts()


def test_public_api() -> None:
    assert cleaners.__all__ == sorted(cleaners.__all__)
    for name in cleaners.__all__:
        assert hasattr(cleaners, name)


def test_reference_data_files_state_their_source() -> None:
    folder = resources.files("cleaners").joinpath("data")
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(".csv"))
    assert len(names) >= 10
    for name in names:
        header = folder.joinpath(name).read_text(encoding="utf-8").split("\n", 3)
        assert header[0].startswith("# ") and "Source:" in header[1], name


TEXT_FIELDS = [name for name in SCALAR_FIELDS if name != "record_type"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(TEXT_FIELDS), st.text(max_size=25), max_size=10),
    st.lists(st.text(max_size=15), max_size=3),
    st.lists(st.text(max_size=15), max_size=3),
)
def test_never_raises_and_never_drops_silently(
    fields: dict[str, str], phones: list[str], emails: list[str]
) -> None:
    result = clean({**fields, "phones": phones, "emails": emails})
    row = result.frame.row(0, named=True)
    flagged = set(result.findings["field"].to_list())
    for name, value in fields.items():
        if clean_text(value) and row[name] is None:
            assert name in flagged, (name, value)
    for name, values in (("phones", phones), ("emails", emails)):
        if any(clean_text(v) for v in values) and not row[name]:
            assert name in flagged, (name, values)


def test_a_birth_year_alone_is_kept_as_the_birth_year() -> None:
    # "1980" is no date (the finding says so), but the year tells a son born 1980 from his
    # father of the same name born 1951: matching compares it (birth_year).
    result = clean(
        {"first_name": "Ulrich", "last_name": "Kaiser", "birth_date": "1980"},
        {"first_name": "Ulrich", "last_name": "Kaiser", "birth_date": "12.03.1951"},
        {"first_name": "Ulrich", "last_name": "Kaiser", "birth_date": "2999"},
    )
    frame = result.frame
    assert frame["birth_date"].to_list()[0] is None
    assert frame["birth_year"].to_list() == [1980, None, None]
    assert "only a year, no date" in result.findings["reason"].to_list()


@pytest.mark.parametrize("cell", [";\x1f", "\x1f;", "; \x1f ;", "|\x00"])
def test_a_cell_of_separators_and_control_characters_is_reported(cell: str) -> None:
    # Found by the property test above: "\x1f" is blank to Python (clean_text) but not to
    # polars' strip_chars, so the cell became one item that cleaning emptied, with no finding.
    for field in ("emails", "phones"):
        result = clean({field: [cell]})
        assert result.frame.row(0, named=True)[field] == []
        assert field in set(result.findings["field"].to_list()), (field, cell)
