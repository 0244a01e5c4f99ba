"""Country per record from the data: postal code and city together, the city alone, the national
phone number; the default country only last. Cases written as web-shop and CRM exports without a
country column look."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from cleaner_frames import clean, clean_one
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.address_lines import parse_address_text
from cleaners.countries import (
    city_country,
    country_code,
    national_phone_countries,
    phone_prefix_country,
    postal_city_country,
    with_phone_prefix_country,
)
from cleaners.outcome import CORRECTED, INVALID

# (record, country, postal code, first phone, postal-code finding status)
RECORDS: list[tuple[dict[str, Any], str, str | None, str | None, str | None]] = [
    # Ticino and Graz shop orders: read as German before (06900, +49 ...).
    (
        {
            "street": "Alpenstrasse 50",
            "postal_code": "6900",
            "city": "Lugano",
            "phones": ["076 240 84 74"],
        },
        "CH",
        "6900",
        "+41762408474",
        None,
    ),
    ({"postal_code": "6900", "city": "Lugano"}, "CH", "6900", None, None),
    (
        {
            "street": "Viale Stazione 8",
            "postal_code": "6500",
            "city": "Bellinzona",
            "phones": ["091 825 11 11"],
        },
        "CH",
        "6500",
        "+41918251111",
        None,
    ),
    ({"city": "6500 Bellinzona"}, "CH", "6500", None, None),  # the code moved out of the city
    (
        {
            "street": "Herrengasse 3",
            "postal_code": "8010",
            "city": "Graz",
            "phones": ["0316 757644"],
        },
        "AT",
        "8010",
        "+43316757644",
        None,
    ),
    ({"postal_code": "8010", "city": "Graz"}, "AT", "8010", None, None),
    (
        {"postal_code": "6020", "city": "Innsbruck", "phones": ["0512 123456"]},
        "AT",
        "6020",
        "+43512123456",
        None,
    ),
    ({"postal_code": "6020", "city": "Innsbruck"}, "AT", "6020", None, None),
    (
        {"postal_code": "9490", "city": "Vaduz", "phones": ["232 12 34"]},
        "LI",
        "9490",
        "+4232321234",
        None,
    ),
    ({"postal_code": "9490", "city": "Vaduz"}, "LI", "9490", None, None),
    ({"postal_code": "4051", "city": "Basel"}, "CH", "4051", None, None),
    ({"postal_code": "9000", "city": "St. Gallen"}, "CH", "9000", None, None),
    # One code, two countries: the city decides.
    ({"postal_code": "6900", "city": "Bregenz"}, "AT", "6900", None, None),
    # A German code that lost its leading zero in a spreadsheet, with a German city.
    ({"postal_code": "1067", "city": "Dresden"}, "DE", "01067", None, CORRECTED),
    ({"postal_code": "1844", "city": "Neustadt in Sachsen"}, "DE", "01844", None, CORRECTED),
    # City misspelt: the national phone number, valid in AT only among the countries using 8010.
    (
        {"postal_code": "8010", "city": "Grazz", "phones": ["0316 757644"]},
        "AT",
        "8010",
        "+43316757644",
        None,
    ),
    ({"postal_code": "8010", "phones": ["01 5880 1234"]}, "AT", "8010", "+43158801234", None),
    # A phone valid in AT and in CH (not in DE), and 6900 used in both: no country, but no
    # leading zero restored either: the code is kept as written, invalid for the default DE.
    ({"postal_code": "6900", "phones": ["0316 757644"]}, "DE", "6900", None, INVALID),
    # The record's own country column wins; a Graz address then gets no German zero.
    (
        {"country": "Deutschland", "postal_code": "8010", "city": "Graz"},
        "DE",
        "8010",
        None,
        INVALID,
    ),
    ({"country": "Schweiz", "postal_code": "6900", "city": "Bregenz"}, "CH", "6900", None, None),
    # A city in DE and AT ("Neustadt", "Kirchberg") says nothing; no evidence: the default.
    ({"city": "Neustadt"}, "DE", None, None, None),
    ({"city": "Kirchberg", "postal_code": "8010"}, "DE", "08010", None, CORRECTED),
    ({"postal_code": "8010"}, "DE", "08010", None, CORRECTED),
    # A five-digit code with a German city stays German.
    (
        {"postal_code": "80331", "city": "München", "phones": ["089 1234567"]},
        "DE",
        "80331",
        "+49891234567",
        None,
    ),
]


@pytest.mark.parametrize(("record", "country", "postal_code", "phone", "status"), RECORDS)
def test_country_postal_code_and_phone_from_the_data(
    record: dict[str, Any],
    country: str,
    postal_code: str | None,
    phone: str | None,
    status: str | None,
) -> None:
    row, findings = clean_one(record)
    assert (row["country"], row["postal_code"]) == (country, postal_code)
    if phone is not None:
        assert row["phones"][0] == phone
    postal = [finding["status"] for finding in findings if finding["field"] == "postal_code"]
    assert postal == ([status] if status else [])


@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("Lugano", "CH"),
        ("ZÜRICH", "CH"),
        ("Graz", "AT"),
        ("Wien", "AT"),
        ("Sankt Pölten", "AT"),
        ("St. Pölten", "AT"),
        ("Vaduz", "LI"),
        ("Dresden", "DE"),
        ("Berlin", "DE"),
        ("Neustadt", None),  # DE and AT
        ("Kirchberg", None),
        ("St. Gallen", None),  # canton capital, and a village in Styria
        ("Chicago", None),
        (None, None),
    ],
)
def test_city_country(city: str | None, expected: str | None) -> None:
    assert city_country(city) == expected


@pytest.mark.parametrize(
    ("postal_code", "city", "expected"),
    [
        ("6900", "Lugano", "CH"),
        ("6900", "Bregenz", "AT"),
        ("6900", "Graz", None),  # the pair exists nowhere
        ("9000", "St. Gallen", "CH"),
        ("1010", "Wien", "AT"),
        ("1067", "Dresden", "DE"),
        ("01067", "Dresden", "DE"),
        ("8010", None, None),
        ("A-8010", "Graz", None),  # the plate prefix is read elsewhere
    ],
)
def test_postal_city_country(postal_code: str, city: str | None, expected: str | None) -> None:
    assert postal_city_country(postal_code, city) == expected


@pytest.mark.parametrize(
    ("phone", "postal_code", "valid", "fitting"),
    [
        ("0316 757644", None, "", ""),  # no address: a national number alone moves nobody
        ("123456", None, "", ""),  # no German number, but not thereby a Viennese one
        ("0316 757644", "8010", "AT CH", "AT"),
        ("076 240 84 74", "6900", "DE CH", "CH"),  # German numbering accepts it too
        ("030 1234567", "10115", "DE", "DE"),
        ("+41 76 240 84 74", "6900", "", ""),  # international: the calling code decides
        ("n/a", None, "", ""),
        ("0316 757644", "SW1A 1AA", "", ""),  # a code no DACH country uses: not parsed
        (None, "8010", "", ""),
    ],
)
def test_national_phone_countries(
    phone: str | None, postal_code: str | None, valid: str, fitting: str
) -> None:
    assert national_phone_countries(phone, postal_code) == (valid, fitting)


def test_a_swiss_shop_silo_makes_its_unknown_cities_swiss() -> None:
    # Most orders name a Swiss locality with its code: the silo is Swiss, so the one whose city
    # is misspelt is read as Swiss too (not as a German code missing its zero).
    result = clean(
        {"postal_code": "6900", "city": "Lugano"},
        {"postal_code": "6500", "city": "Bellinzona"},
        {"postal_code": "4051", "city": "Basel"},
        {"postal_code": "6600", "city": "Locarrno"},
    )
    assert result.frame["country"].to_list() == ["CH"] * 4
    assert result.frame["postal_code"].to_list() == ["6900", "6500", "4051", "6600"]


def test_a_german_crm_stays_german_with_one_austrian_order() -> None:
    result = clean(
        {"postal_code": "80331", "city": "München"},
        {"postal_code": "1067", "city": "Dresden"},
        {"postal_code": "8010", "city": "Graz"},
        {"postal_code": "10115"},
    )
    assert result.frame["country"].to_list() == ["DE", "DE", "AT", "DE"]
    assert result.frame["postal_code"].to_list() == ["80331", "01067", "8010", "10115"]


@pytest.mark.parametrize(
    ("description", "text", "expected"),
    [
        ("English name of a country outside countries.csv", "Georgia", "GE"),
        ("German name", "Georgien", "GE"),
        ("French name with an accent", "Géorgie", "GE"),
        ("the Channel Island, not New Jersey", "Jersey", "JE"),
        ("a US state's name is no country", "New Jersey", None),
        ("a city is no country", "Tbilisi", None),
    ],
)
def test_country_names_beyond_dach(description: str, text: str, expected: str | None) -> None:
    assert country_code(text) == expected, description


@pytest.mark.parametrize(
    ("description", "record", "expected"),
    [
        (
            "Tbilisi with a Georgian phone: the country",
            {
                "street": "Rustaveli Ave",
                "house_number": "12",
                "city": "Tbilisi",
                "country": "Georgia",
                "phones": ["+995 32 2123456"],
            },
            "GE",
        ),
        (
            "Tbilisi without phone: the country (nothing American about it)",
            {"city": "Tbilisi", "country": "Georgia"},
            "GE",
        ),
        (
            "Atlanta with an American phone: the state",
            {
                "street": "Peachtree St NE",
                "house_number": "100",
                "city": "Atlanta",
                "country": "Georgia",
                "phones": ["+1 404 555 0100"],
            },
            "US",
        ),
        (
            "a five-digit ZIP: the state",
            {"postal_code": "30303", "city": "Atlanta", "country": "Georgia"},
            "US",
        ),
        ("Jersey: the Channel Island", {"city": "St Helier", "country": "Jersey"}, "JE"),
    ],
)
def test_georgia_the_country_or_the_state(
    description: str, record: dict[str, Any], expected: str
) -> None:
    row, _ = clean_one(record)
    assert row["country"] == expected, description


def _one_line(line: str, **columns: Any) -> tuple[dict[str, Any], list[dict]]:
    """The cleaned record of a one-line address (parsed as the mapping step does: the silo's
    own columns win over the parsed parts)."""
    parsed = parse_address_text(line)._asdict()
    parsed.pop("address_extra")
    record = {**parsed, **{name: value for name, value in columns.items() if value is not None}}
    return clean_one(record)


@pytest.mark.parametrize(
    ("description", "line", "columns", "country", "postal_code"),
    [
        (
            "a +61 phone: Western Australia",
            "1 Main Rd, Perth, WA",
            {"phones": ["+61 8 9123 4567"]},
            "AU",
            None,
        ),
        (
            "the country column says Australia",
            "1 Main Rd, Perth, WA",
            {"country": "Australia"},
            "AU",
            None,
        ),
        ("a four-digit postcode in the line", "1 Main Rd, Perth, WA 6000", {}, "AU", "6000"),
        (
            "a four-digit postcode in its column",
            "1 Main Rd, Perth, WA",
            {"postal_code": "6000"},
            "AU",
            "6000",
        ),
        ("Sydney NSW 2000", "5 George St, Sydney NSW 2000", {}, "AU", "2000"),
        ("Darwin's postcode starts with 0", "1 Main Rd, Darwin, NT 0800", {}, "AU", "0800"),
        ("USA after the state", "12 Pine St, Seattle, WA, USA", {}, "US", None),
        ("a five-digit ZIP: Washington", "12 Pine St, Seattle, WA 98101", {}, "US", "98101"),
        (
            "a +1 phone: Washington",
            "12 Pine St, Seattle, WA",
            {"phones": ["+1 206 555 0100"]},
            "US",
            None,
        ),
        (
            "a ZIP beats an Australian phone",
            "12 Pine St, Seattle, WA 98101",
            {"phones": ["+61 8 9123 4567"]},
            "US",
            "98101",
        ),
    ],
)
def test_wa_is_washington_or_western_australia_by_evidence(
    description: str, line: str, columns: dict[str, Any], country: str, postal_code: str | None
) -> None:
    row, _ = _one_line(line, **columns)
    assert (row["country"], row["postal_code"]) == (country, postal_code), description
    assert row["city"] in ("Perth", "Sydney", "Darwin", "Seattle"), description


def test_wa_without_evidence_stays_american_and_says_so() -> None:
    """No postal code, no phone, no country of either: read as before (US), with a finding that
    names the ambiguity, so a steward can check it."""
    row, findings = _one_line("12 Pine St, Seattle, WA")
    assert row["country"] == "US"
    country = [finding for finding in findings if finding["field"] == "country"]
    assert [finding["status"] for finding in country] == [CORRECTED]
    assert country[0]["reason"].startswith("state WA read as US"), country
    row, findings = _one_line("1 Main Rd, Perth, WA", phones=["+61 8 9123 4567"])
    reasons = [finding["reason"] for finding in findings if finding["field"] == "country"]
    assert reasons == ["state WA read as AU: the phone's calling code"]


# Numbers written internationally in the shapes silos hold, and edge cases around the plain shape
# read in polars: short and long national parts, unknown and non-geographic calling codes,
# separators, blanks, extensions, letters and national numbers.
PREFIX_PHONES = [
    "+43 316 123456",
    "0041 44 123 45 67",
    "00 49 30 1234567",
    "+ 49 (0)30 1234567",
    "+1 212 555 0100",
    "+7 495 1234567",
    "+423 2345678",
    "+800 1234 5678",
    "+49 30",
    "+49 301",
    "+49 3012",
    "+49 123456789012345678",
    "+49 12345678901234567",
    "+999 123456",
    "+0049 30 123456",
    "++49 30 123456",
    "  +41 44 123 45 67",
    "+41 44 123 45 67 ",
    "+49-30/123.456",
    "+49 30 123456 ext. 12",
    "+49 30 CALLME",
    "030 1234567",
    "0049",
    "000 49 30",
    "",
    None,
]


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(PREFIX_PHONES),
            st.from_regex(r"\A(?:\+|00| \+)? ?[0-9][0-9 ./\-]{0,22}\Z"),
            st.text(alphabet="+0123456789 ./-()x", max_size=24),
        ),
        max_size=30,
    )
)
def test_prefix_country_in_polars_is_phonenumbers_reading(phones: list[str | None]) -> None:
    frame = pl.DataFrame({"phone": phones}, schema={"phone": pl.String})
    result = with_phone_prefix_country(frame, "phone", "country")
    assert result["phone"].to_list() == phones
    assert result["country"].to_list() == [phone_prefix_country(phone) for phone in phones]


def test_prefix_country_of_common_shapes() -> None:
    frame = pl.DataFrame({"phone": PREFIX_PHONES}, schema={"phone": pl.String})
    countries = with_phone_prefix_country(frame, "phone", "country")["country"].to_list()
    assert countries[:8] == ["AT", "CH", "DE", "DE", "US", "RU", "LI", "001"]
    assert countries[12:16] == ["DE", None, None, None]  # 17 digits; 999; "+00"; "++"
    assert countries[-5:] == [None, None, None, None, None]  # national, too short, blank
