"""The canonical model: record hashes (what review decisions are checked against) and the
README's table of the fields a silo can map to."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from rules.canonical import CONSENT_CHANNELS, MAPPABLE_FIELDS, record_hashes

README = Path(__file__).resolve().parents[2] / "README.md"


def _records(**extra: list[object]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_key": ["crm:1", "crm:2"],
            "row_number": [1, 2],
            "last_name": ["Huber", "Meier"],
            "street": ["Hauptstraße", "Ringstraße"],
            **extra,
        }
    )


def test_an_empty_address_extra_leaves_the_hash_of_older_runs() -> None:
    # Runs before address_extra existed stored hashes of records without the column; a
    # reviewer's decision on them must still be accepted when the records did not change.
    old = record_hashes(_records())
    new = record_hashes(_records(address_extra=[None, "Hinterhaus"]))
    assert new["crm:1"] == old["crm:1"]
    assert new["crm:2"] != old["crm:2"]  # a value in it is a change the reviewer did not see


def _readme_mapping_fields() -> list[str]:
    """Field names in the first column of the README's mappable-fields table, <channel> expanded."""
    text = README.read_text(encoding="utf-8")
    table = re.search(r"<!-- mappable-fields[^>]*-->\n(.*?)<!-- /mappable-fields -->", text, re.S)
    assert table is not None, "README.md lost its <!-- mappable-fields --> table"
    names = []
    for line in table.group(1).splitlines()[2:]:  # header and separator rows
        for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if "<channel>" in name:
                names += [name.replace("<channel>", channel) for channel in CONSENT_CHANNELS]
            else:
                names.append(name)
    return names


def test_the_readme_lists_every_mappable_field_once() -> None:
    listed = _readme_mapping_fields()
    assert sorted(set(MAPPABLE_FIELDS) - set(listed)) == [], "fields missing in README.md"
    assert sorted(set(listed) - set(MAPPABLE_FIELDS)) == [], "README.md lists unknown fields"
    assert sorted(name for name in set(listed) if listed.count(name) > 1) == []
