"""Value normalization for golden-records: polars frames in, normalized columns and findings out.

``clean_records`` cleans a whole canonical frame; the split helpers are for the mapping step; the
scalar helpers normalize one value (handy in tests and in matching). Every cleaner returns a
status ("valid", "corrected", "invalid") and a reason, so nothing changes or disappears silently.
"""

from __future__ import annotations

from cleaners.address_lines import parse_address_line, split_postal_city, split_street_line
from cleaners.addresses import city_key
from cleaners.emails import normalize_email
from cleaners.names import split_full_name
from cleaners.nicknames import first_name_group, first_name_groups
from cleaners.organisations import organisation_key
from cleaners.outcome import CleanResult
from cleaners.phones import phone_e164
from cleaners.pipeline import CLEANED_SCHEMA, clean_records
from cleaners.streets import street_key
from cleaners.text import phonetic_code, transliteration_key

__all__ = [
    "CLEANED_SCHEMA",
    "CleanResult",
    "city_key",
    "clean_records",
    "first_name_group",
    "first_name_groups",
    "normalize_email",
    "organisation_key",
    "parse_address_line",
    "phone_e164",
    "phonetic_code",
    "split_full_name",
    "split_postal_city",
    "split_street_line",
    "street_key",
    "transliteration_key",
]
