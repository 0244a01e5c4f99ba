"""Vetoes that rest on what two records do not share, bridged by a third record.

The namesake veto (one name at two addresses, nothing personal in common) and the one-sided
suffix veto ("jun." beside the same name without a suffix) say "nothing tells these two are
one person"; a record that is accepted with both on more than the names can tell it. The
records are cleaned by the real cleaners and compared, scored (default weights and hard rules)
and clustered as a run does.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import polars as pl

from matching.clustering import coherent_clusters, complete_pairs
from matching.comparisons import compare_pairs
from matching.scoring import MatchWeights, score_pairs
from rules.config import MatchingConfig
from tests.matching.cleaned_records import cleaned

THRESHOLD = 0.9
LINKAGE = 0.5


def _cluster(
    records: pl.DataFrame, weights: MatchWeights | None = None
) -> tuple[set[frozenset[str]], pl.DataFrame]:
    """Every pair compared and scored (the default weights unless given), then clustered: the
    groups and the scored pairs."""
    weights = weights or MatchWeights.defaults()
    keys = sorted(records["record_key"].to_list())
    candidates = pl.DataFrame(
        [(left, right, "test") for left, right in combinations(keys, 2)],
        schema={"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()},
        orient="row",
    )
    settings = MatchingConfig()
    scored = score_pairs(compare_pairs(candidates, records), weights, settings.hard_rules)
    completed = complete_pairs(
        records["record_key"], scored, records, weights, settings.hard_rules, THRESHOLD
    )
    result = coherent_clusters(records["record_key"], completed, THRESHOLD, LINKAGE)
    groups: dict[str, set[str]] = {}
    for key, cluster in result.clusters.iter_rows():
        groups.setdefault(cluster, set()).add(key)
    return {frozenset(group) for group in groups.values()}, scored


def _rule(scored: pl.DataFrame, left: str, right: str) -> str | None:
    pair = scored.filter(
        ((pl.col("left_key") == left) & (pl.col("right_key") == right))
        | ((pl.col("left_key") == right) & (pl.col("right_key") == left))
    )
    return pair["hard_rule"][0]


KATRIN = {"first_name": "Katrin", "last_name": "Vogel", "city": "Regensburg"}
OLD_HOME = {"street": "Amselweg", "house_number": "5", "postal_code": "93047"}


def _katrin(*rows: dict[str, Any]) -> pl.DataFrame:
    return cleaned(*({**KATRIN, **row} for row in rows))


def test_a_record_with_the_old_address_and_the_new_email_bridges_a_move() -> None:
    # Katrin Vogel's CRM record from Amselweg 5 (the landline only), a shop order from the same
    # house with that landline and her e-mail, and a later shop order from Nuremberg with the
    # same e-mail. The old and the new record share only the name: the namesake veto. The shop
    # order from the old house holds both, so all three are one person who moved.
    records = _katrin(
        {"silo": "crm", "source_id": "old", **OLD_HOME, "phones": ["0941 552310"]},
        {
            "silo": "shop",
            "source_id": "mid",
            **OLD_HOME,
            "phones": ["+49 941 552310"],
            "emails": ["katrin.vogel@web.de"],
        },
        {
            "silo": "shop",
            "source_id": "new",
            "street": "Kirchplatz",
            "house_number": "2",
            "postal_code": "90402",
            "city": "Nürnberg",
            "emails": ["katrin.vogel@web.de"],
        },
    )
    groups, scored = _cluster(records)
    assert _rule(scored, "crm:old", "shop:new") == "no_match: address:other_street|different"
    assert frozenset({"crm:old", "shop:mid", "shop:new"}) in groups


def test_a_link_on_the_name_alone_bridges_nothing() -> None:
    # The same two addresses, but the middle record is a newsletter row without address that
    # carries the Nuremberg e-mail and matches the Regensburg record on the name alone: the
    # name does not join two addresses, so the Regensburg record stays apart.
    records = _katrin(
        {"silo": "crm", "source_id": "old", **OLD_HOME, "phones": ["0941 552310"]},
        {
            "silo": "newsletter",
            "source_id": "1",
            "city": None,
            "emails": ["katrin.vogel@web.de"],
        },
        {
            "silo": "shop",
            "source_id": "new",
            "street": "Kirchplatz",
            "house_number": "2",
            "postal_code": "90402",
            "city": "Nürnberg",
            "emails": ["katrin.vogel@web.de"],
        },
    )
    groups, _ = _cluster(records)
    assert not any({"crm:old", "shop:new"} <= group for group in groups)


def test_a_link_with_personal_emails_of_their_own_bridges_nothing() -> None:
    # Mother and daughter Katrin Vogel at Amselweg 5, each with the landline and an e-mail of
    # her own (accepted together on name, house and landline: the weights alone cannot tell
    # them apart), and the daughter's record after she moved, with her e-mail. A link that
    # carries two personal e-mails of their own cannot vouch that the mother moved too.
    records = _katrin(
        {
            "silo": "crm",
            "source_id": "mother",
            **OLD_HOME,
            "phones": ["0941 552310"],
            "emails": ["k.vogel@t-online.de"],
        },
        {
            "silo": "shop",
            "source_id": "daughter",
            **OLD_HOME,
            "phones": ["+49 941 552310"],
            "emails": ["katrin.vogel@web.de"],
        },
        {
            "silo": "shop",
            "source_id": "moved",
            "street": "Kirchplatz",
            "house_number": "2",
            "postal_code": "90402",
            "city": "Nürnberg",
            "emails": ["katrin.vogel@web.de"],
        },
    )
    groups, scored = _cluster(records)
    assert _rule(scored, "crm:mother", "shop:moved") == "no_match: address:other_street|different"
    mother_daughter = scored.filter(
        (pl.col("left_key") == "crm:mother") & (pl.col("right_key") == "shop:daughter")
    )
    assert mother_daughter["probability"][0] >= THRESHOLD
    assert not any({"crm:mother", "shop:moved"} <= group for group in groups)


HUBER = {
    "first_name": "Franz",
    "street": "Lindenstraße",
    "house_number": "12",
    "postal_code": "84028",
    "city": "Landshut",
}


def test_a_record_without_suffix_known_by_its_mobile_takes_the_suffix_of_its_group() -> None:
    # Franz Huber jun. (his mobile and birth date), the same without "jun." (mobile, birth date
    # and the family's landline) and an ERP record "Franz Huber jun." with the landline only.
    # The ERP record and the one without suffix share only what the household shares: the
    # suffix veto. The junior's record with both the suffix and the mobile shows the record
    # without suffix is the junior's, so the ERP record joins them.
    records = cleaned(
        {
            **HUBER,
            "silo": "crm",
            "source_id": "1",
            "last_name": "Huber jun.",
            "phones": ["0176 22190457"],
            "birth_date": "17.03.1994",
        },
        {
            **HUBER,
            "silo": "crm",
            "source_id": "2",
            "last_name": "Huber",
            "phones": ["0871 923344", "0176 22190457"],
            "birth_date": "17.03.1994",
        },
        {
            **HUBER,
            "silo": "erp",
            "source_id": "3",
            "last_name": "Huber jun.",
            "phones": ["0871 923344"],
        },
    )
    groups, scored = _cluster(records)
    assert _rule(scored, "crm:2", "erp:3") == "no_match: name_suffix:one_missing"
    assert frozenset({"crm:1", "crm:2", "erp:3"}) in groups


def test_a_record_without_suffix_bridges_no_suffix_veto() -> None:
    # The household's "Franz Huber" with the landline only (father or son), the son's "Franz
    # Huber" with the landline and his mobile, and "Franz Huber jun." with that mobile. The son's
    # record without suffix is accepted with both, but it says nothing about which of the two
    # men the landline record is: only a record that carries "jun." itself and is tied to the
    # landline record by something one person has would. The landline record never joins "jun.".
    records = cleaned(
        {
            **HUBER,
            "silo": "shop",
            "source_id": "x",
            "last_name": "Huber",
            "phones": ["0871 923344"],
        },
        {
            **HUBER,
            "silo": "crm",
            "source_id": "son",
            "last_name": "Huber",
            "phones": ["0871 923344", "0176 22190457"],
        },
        {
            **HUBER,
            "silo": "erp",
            "source_id": "jun",
            "last_name": "Huber jun.",
            "phones": ["0176 22190457"],
        },
    )
    groups, scored = _cluster(records)
    assert _rule(scored, "erp:jun", "shop:x") == "no_match: name_suffix:one_missing"
    assert not any({"shop:x", "erp:jun"} <= group for group in groups)
