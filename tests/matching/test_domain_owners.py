"""Which named organisation owns a business e-mail domain (matching.comparisons._domain_owners):
the guard that lets a nameless mailbox row join a firm by domain without bridging two firms.

Hand-written from how DACH customer lists look: a firm in CRM and ERP under two spellings, a
group whose subsidiaries share one domain, two branches of one name with their own VAT ids, a
web agency whose clients write from its domain, and free-mail providers.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from cleaned_records import cleaned

from matching.comparisons import (
    compare_pairs,
    comparison_attributes,
    domain_owners,
    with_domain_owners,
)
from matching.email_owners import PERSON_OWNER


def _firm(key: str, name: str | None, emails: list[str], **fields: Any) -> dict[str, Any]:
    silo, source_id = key.split(":")
    record = {"silo": silo, "source_id": source_id, "record_type": "organisation"}
    return {**record, "organisation_name": name, "emails": emails, **fields}


def _owners(*records: dict[str, Any]) -> dict[str, str | None]:
    attributes = comparison_attributes(cleaned(*records))
    return dict(zip(attributes["record_key"], attributes["domain_owner"], strict=True))


CASES = [
    {
        "description": "one firm under two spellings in two silos owns its domain",
        "records": [
            _firm("crm:1", "Müller & Söhne GmbH", ["info@mueller-soehne.de"]),
            _firm("erp:1", "Mueller und Soehne G.m.b.H.", ["buchhaltung@mueller-soehne.de"]),
            _firm("nl:1", None, ["kontakt@mueller-soehne.de"]),
        ],
        "owners": {"crm:1": "mueller soehne", "erp:1": "mueller soehne", "nl:1": "mueller soehne"},
    },
    {
        "description": "a group's subsidiaries share one domain: nobody owns it",
        "records": [
            _firm("crm:1", "Huber Holding GmbH", ["info@huber-gruppe.de"]),
            _firm("crm:2", "Huber Bau GmbH", ["bau@huber-gruppe.de"]),
            _firm("nl:1", None, ["zentrale@huber-gruppe.de"]),
        ],
        "owners": {"crm:1": None, "crm:2": None, "nl:1": None},
    },
    {
        "description": "two branches of one name with their own VAT ids: nobody owns it",
        "records": [
            _firm("crm:1", "Alpen Logistik GmbH", ["info@alpen-logistik.eu"], vat_id="DE136695976"),
            _firm("crm:2", "Alpen Logistik GmbH", ["wien@alpen-logistik.eu"], vat_id="ATU13585627"),
            _firm("nl:1", None, ["office@alpen-logistik.eu"]),
        ],
        "owners": {"crm:1": None, "crm:2": None, "nl:1": None},
    },
    {
        "description": "an agency's domain used by two clients: nobody owns it",
        "records": [
            _firm("crm:1", "Bäckerei Vogt", ["baeckerei-vogt@webagentur-nord.de"]),
            _firm("crm:2", "Friseur Lange", ["friseur-lange@webagentur-nord.de"]),
        ],
        "owners": {"crm:1": None, "crm:2": None},
    },
    {
        "description": "a nameless row with the mailboxes of two firms belongs to neither",
        "records": [
            _firm("crm:1", "Huber Bau GmbH", ["info@huber-bau.de"]),
            _firm("crm:2", "Gruber Holz GmbH", ["info@gruber-holz.at"]),
            _firm("nl:1", None, ["info@huber-bau.de", "office@gruber-holz.at"]),
        ],
        "owners": {"crm:1": "huber bau", "crm:2": "gruber holz", "nl:1": None},
    },
    {
        "description": "a typo in one silo's name: still one firm, the most frequent name owns it",
        "records": [
            _firm("crm:1", "Firma Auer Immobnlien OHG", ["guenther.eder@auerimmobilien.de"]),
            _firm("erp:1", "Auer Immobilien oHG", ["kontakt@auerimmobilien.de"]),
            _firm("shop:1", "Auer Immobilien oHG", ["guenther.eder@auerimmobilien.de"]),
            _firm("nl:1", None, ["office@auerimmobilien.de"]),
        ],
        "owners": {
            "crm:1": "auer immobilien",
            "erp:1": "auer immobilien",
            "shop:1": "auer immobilien",
            "nl:1": "auer immobilien",
        },
    },
    {
        "description": "a firm without e-mail whose name the domain spells owns it",
        "records": [
            _firm("erp:1", "Maier Transporte GmbH & Co KG", [], postal_code="80331"),
            _firm("nl:1", None, ["kontakt@maiertransporte.de"]),
        ],
        "owners": {"erp:1": "maier transporte", "nl:1": "maier transporte"},
    },
    {
        "description": "a namesake with a domain of its own is not named by another's domain",
        "records": [
            _firm("crm:1", "Huber Bau GmbH", ["info@huber-bau.de"], vat_id="DE136695976"),
            _firm("erp:1", "Huber Bau AG", ["office@huberbau.ch"], vat_id="CHE116281710"),
            _firm("nl:1", None, ["info@huber-bau.de"]),
        ],
        "owners": {"crm:1": "huber bau", "erp:1": "huber bau", "nl:1": "huber bau"},
    },
    {
        "description": "one name in two towns without VAT ids (franchise branches): nobody's",
        "records": [
            _firm(
                "crm:1",
                "Backstube Krusti",
                ["info@backstubekrusti.de"],
                postal_code="80331",
                city="München",
            ),
            _firm(
                "crm:2",
                "Backstube Krusti",
                ["office@backstubekrusti.de"],
                postal_code="10115",
                city="Berlin",
            ),
            _firm("nl:1", None, ["kontakt@backstubekrusti.de"]),
        ],
        "owners": {"crm:1": None, "crm:2": None, "nl:1": None},
    },
    {
        "description": "a head office without VAT id and its branch elsewhere with it: one firm",
        "records": [
            _firm(
                "crm:1",
                "Huber Bau GmbH",
                ["info@huber-bau.de"],
                postal_code="80331",
                city="München",
            ),
            _firm(
                "erp:1",
                "Huber Bau GmbH",
                ["buchhaltung@huber-bau.de"],
                postal_code="80331",
                city="München",
                vat_id="DE136695976",
            ),
            _firm(
                "erp:2",
                "Huber Bau GmbH Niederlassung Augsburg",
                ["augsburg@huber-bau.de"],
                postal_code="86150",
                city="Augsburg",
                vat_id="DE136695976",
            ),
            _firm("nl:1", None, ["info@huber-bau.de"]),
        ],
        "owners": {
            "crm:1": "huber bau",
            "erp:1": "huber bau",
            "erp:2": "huber bau",
            "nl:1": "huber bau",
        },
    },
    {
        "description": "a warehouse without VAT id in another district of the firm's town",
        "records": [
            _firm(
                "erp:1",
                "Steiner Elektrotechnik Ges.m.b.H.",
                ["office@steiner-elektro.at"],
                postal_code="4030",
                city="Linz",
                vat_id="ATU48219306",
            ),
            _firm(
                "erp:2",
                "Steiner Elektrotechnik GmbH",
                ["lager@steiner-elektro.at"],
                postal_code="4020",
                city="Linz",
            ),
            _firm("nl:1", None, ["versand@steiner-elektro.at"]),
        ],
        "owners": {
            "erp:1": "steiner elektrotechnik",
            "erp:2": "steiner elektrotechnik",
            "nl:1": "steiner elektrotechnik",
        },
    },
    {
        "description": "a GmbH at the domain and a KG a typo apart whose name the domain spells: "
        "the KG is another legal entity, not at the domain (the newsletter row joined the KG)",
        "records": [
            _firm("erp:1", "Heuriger Kraus GmbH", ["info@heuriger-kraus.at"], city="Wien"),
            _firm("crm:1", "Heuriger Krause KG", ["heuriger.krause@gmail.com"], city="Wien"),
            _firm("nl:1", None, ["kontakt@heuriger-kraus.at"]),
        ],
        "owners": {"erp:1": "heuriger kraus", "crm:1": None, "nl:1": "heuriger kraus"},
    },
    {
        "description": "one legal-form family in two spellings (GmbH, Ges.m.b.H.): one owner",
        "records": [
            _firm("erp:1", "Heuriger Kraus GmbH", ["info@heuriger-kraus.at"], city="Wien"),
            _firm("crm:1", "Heuriger Kraus Ges.m.b.H.", ["mail@heuriger-kraus.at"], city="Wien"),
            _firm("nl:1", None, ["kontakt@heuriger-kraus.at"]),
        ],
        "owners": {"erp:1": "heuriger kraus", "crm:1": "heuriger kraus", "nl:1": "heuriger kraus"},
    },
    {
        "description": "no named firm at the domain: no owner",
        "records": [_firm("nl:1", None, ["info@kanzlei-roth.de"])],
        "owners": {"nl:1": None},
    },
    {
        "description": "a free-mail provider is nobody's business domain",
        "records": [
            _firm("crm:1", "Schreinerei Vogt", ["schreinerei.vogt@gmx.de"]),
            _firm("nl:1", None, ["info@gmx.de"]),
        ],
        "owners": {"crm:1": None, "nl:1": None},
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_domain_owner(case: dict[str, Any]) -> None:
    assert _owners(*case["records"]) == case["owners"]


def test_persons_never_own_a_domain() -> None:
    # Anna Huber's address at the firm makes her its contact, not the domain's owner.
    person = {
        "silo": "crm",
        "source_id": "2",
        "first_name": "Anna",
        "last_name": "Huber",
        "emails": ["anna.huber@huber-bau.de"],
    }
    owners = _owners(_firm("crm:1", "Huber Bau GmbH", ["info@huber-bau.de"]), person)
    assert owners["crm:1"] == "huber bau"
    # A person's owner only says "a named person" (matching.email_owners), never a firm's.
    assert owners["crm:2"] == PERSON_OWNER


def _group() -> list[dict[str, Any]]:
    """A nameless newsletter row, the firm it seems to belong to, and a second firm at the
    domain (a sister company) that no candidate pair of the row touches."""
    return [
        _firm("crm:1", "Huber Bau GmbH", ["info@huber-gruppe.de"]),
        _firm("nl:1", None, ["kontakt@huber-gruppe.de"]),
        _firm("erp:9", "Huber Immobilien GmbH", ["verwaltung@huber-gruppe.de"]),
    ]


def test_owners_of_a_subset_are_decided_over_all_records() -> None:
    """An incremental night or one batch compares the pairs of some records only: the sister
    company outside the subset still makes the domain nobody's, as in a full run."""
    records = cleaned(*_group())
    subset = records.filter(pl.col("record_key").is_in(["crm:1", "nl:1"]))
    pairs = pl.DataFrame({"left_key": ["crm:1"], "right_key": ["nl:1"]})

    alone = compare_pairs(pairs, comparison_attributes(subset))
    assert alone["same_domain_owner"].to_list() == [True]  # what the subset alone would say

    whole = compare_pairs(pairs, comparison_attributes(subset, domain_owners(records)))
    full = compare_pairs(pairs, records)
    assert whole["same_domain_owner"].to_list() == full["same_domain_owner"].to_list() == [False]


def test_reused_pairs_take_todays_owner() -> None:
    """Last night the firm owned its domain; tonight a sister company at the domain arrives:
    the cached, unchanged pair loses its owner as a full run would decide."""
    yesterday = cleaned(*_group()[:2])
    pairs = pl.DataFrame({"left_key": ["crm:1"], "right_key": ["nl:1"]})
    cached = compare_pairs(pairs, yesterday)
    assert cached["same_domain_owner"].to_list() == [True]

    tonight = cleaned(*_group())
    refreshed = with_domain_owners(cached, domain_owners(tonight))
    assert refreshed["same_domain_owner"].to_list() == [False]
    assert refreshed.columns == cached.columns
    assert refreshed.drop("same_domain_owner").equals(cached.drop("same_domain_owner"))


def test_completed_pairs_of_a_component_read_owners_over_all_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """clustering.complete_pairs compares the unscored pairs inside a component on the
    component's records only: the sister company outside it must still make the domain
    nobody's, as in the candidate pairs."""
    from matching import clustering

    records = cleaned(*_group(), _firm("shop:4", None, ["buchhaltung@huber-gruppe.de"]))
    seen: list[pl.DataFrame] = []
    real = clustering.compare_pairs

    def spy(pairs: pl.DataFrame, attributes: pl.DataFrame) -> pl.DataFrame:
        compared = real(pairs, attributes)
        seen.append(compared)
        return compared

    monkeypatch.setattr(clustering, "compare_pairs", spy)
    keys = ["crm:1", "nl:1", "erp:9", "shop:4"]
    # crm:1 - nl:1 and nl:1 - shop:4 accepted, crm:1 - shop:4 never a candidate pair: completed
    # on the component's three records; the sister company erp:9 lies outside the component.
    pairs = pl.DataFrame(
        {
            "left_key": ["crm:1", "nl:1"],
            "right_key": ["nl:1", "shop:4"],
            "probability": [0.99, 0.99],
            "hard_rule": [None, None],
        },
        schema_overrides={"hard_rule": pl.String},
    )
    from matching.scoring import MatchWeights
    from rules.config import MatchingConfig

    clustering.complete_pairs(
        pl.Series(keys), pairs, records, MatchWeights.defaults(), MatchingConfig().hard_rules, 0.9
    )
    assert len(seen) == 1
    completed = seen[0]
    assert completed.select("left_key", "right_key").rows() == [("crm:1", "shop:4")]
    full = compare_pairs(completed.select("left_key", "right_key"), records)
    assert completed["same_domain_owner"].to_list() == full["same_domain_owner"].to_list()
    assert completed["same_domain_owner"].to_list() == [False]
