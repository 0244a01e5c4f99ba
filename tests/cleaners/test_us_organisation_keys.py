"""US organisation names written two ways share one organisation_key (abbreviated words,
hyphenated prefixes); different organisations keep different keys."""

from __future__ import annotations

import pytest

from cleaners.organisations import organisation_key


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        ("Svcs / Services", "Wake Medical Billing Svcs", "Wake Medical Billing Services"),
        ("Comm. / Community", "Desert Sky Comm. Health", "Desert Sky Community Health"),
        (
            "Dev / Development",
            "Great Beginnings Child Dev Ctr",
            "Great Beginnings Child Development Center",
        ),
        ("Elem. / Elementary", "Lincoln Elem. School", "Lincoln Elementary School"),
        ("Sch / School", "Washington Middle Sch", "Washington Middle School"),
        ("Assn / Association", "Riverside Parents Assn", "Riverside Parents Association"),
        ("Mt. / Mount", "Mt. Pleasant Clinic", "Mount Pleasant Clinic"),
        ("Ft. / Fort", "Ft. Wayne Family Dental", "Fort Wayne Family Dental"),
        ("Co-op / Cooperative", "Green Valley Food Co-op", "Green Valley Food Cooperative"),
        ("Co-op / Coop", "Green Valley Food Co-op", "Green Valley Food Coop"),
        (
            "Pre-School / Preschool",
            "First Baptist Church Pre-School",
            "First Baptist Church Preschool",
        ),
        ("Non-Profit / Nonprofit", "Harbor Non-Profit Housing", "Harbor Nonprofit Housing"),
        (
            "Inc. / Incorporated",
            "Wake Medical Staffing, Inc.",
            "Wake Medical Staffing Incorporated",
        ),
    ],
)
def test_us_spellings_share_a_key(description: str, left: str, right: str) -> None:
    assert organisation_key(left) == organisation_key(right), description


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        ("another service", "Wake Medical Billing Services", "Wake Medical Staffing"),
        ("a hyphen that joins no prefix", "Smith-Jones Dental", "Smith Jones Dental Lab"),
        ("co alone is no co-op", "Kowalski & Co", "Kowalski Cooperative"),
    ],
)
def test_different_organisations_keep_different_keys(
    description: str, left: str, right: str
) -> None:
    assert organisation_key(left) != organisation_key(right), description
