"""Coherent clusters: a merge must hold for both groups, not only for the linking pair.

Each rule is one table of cases: a conflict between members that were never compared, a weak
bridge between two unlike groups, a chain of namesakes, reviewers' decisions. Pairs are given
as (left, right, probability, conflict rule or None, sex level) with the sex level "opposite"
(Stefan / Stefanie), "salutation" (Herr / Frau) or None.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from matching.clustering import (
    AMBIGUOUS,
    CONFLICT,
    WEAK_LINK,
    coherent_clusters,
    complete_pairs,
)
from matching.comparisons import COMPARISONS
from matching.scoring import MatchWeights
from rules.config import MatchingConfig

THRESHOLD = 0.9
LINKAGE = 0.5
FIRST_NAME = next(c for c in COMPARISONS if c.name == "first_name").levels
GENDER = next(c for c in COMPARISONS if c.name == "gender").levels
BIRTH_DATE = next(c for c in COMPARISONS if c.name == "birth_date").levels
PHONE = next(c for c in COMPARISONS if c.name == "phone").levels
PERSONAL_ID = next(c for c in COMPARISONS if c.name == "personal_id").levels


def _pairs(*rows: tuple[str, str, float, str | None, str | None]) -> pl.DataFrame:
    # The last item: one sign or several joined by "+" ("years+same_id").
    kinds = [set((row[4] or "").split("+")) for row in rows]
    # "nickname": first names that are variants of one name (Maria / Marie), not the same
    first = [
        FIRST_NAME.index("opposite_sex")
        if "opposite" in k
        else FIRST_NAME.index("nickname")
        if "nickname" in k
        # "other_name": twins' first names one letter apart (Lena / Lea)
        else FIRST_NAME.index("jaro_winkler_0.9")
        if "other_name" in k
        # "given_names": two established given names close in spelling (Mia / Mila)
        else FIRST_NAME.index("other_given_name")
        if "given_names" in k
        else 0
        for k in kinds
    ]
    gender = [GENDER.index("different") if "salutation" in k else -1 for k in kinds]
    # "years": birth dates years (not a generation) apart, a weighing level, no hard rule
    born = [BIRTH_DATE.index("years_apart") if "years" in k else 0 for k in kinds]
    # "mobiles": each record has a mobile of its own, none shared
    phone = [PHONE.index("different") if "mobiles" in k else -1 for k in kinds]
    # "same_id", "typo_id", "neighbour_id": the personal ids equal, one typo apart, or numbers
    # fewer than 10 apart (4321567 / 4321568, as twins may hold)
    ids = {"same_id": "exact", "typo_id": "typo", "neighbour_id": "neighbour"}
    personal_id = [
        next((PERSONAL_ID.index(level) for kind, level in ids.items() if kind in k), -1)
        for k in kinds
    ]
    return pl.DataFrame(
        {
            "left_key": [row[0] for row in rows],
            "right_key": [row[1] for row in rows],
            "probability": [row[2] for row in rows],
            "hard_rule": [None if row[3] is None else f"no_match: {row[3]}" for row in rows],
            "first_name_level": first,
            "gender_level": gender,
            "birth_date_level": born,
            "phone_level": phone,
            "personal_id_level": personal_id,
        },
        schema={
            "left_key": pl.String(),
            "right_key": pl.String(),
            "probability": pl.Float64(),
            "hard_rule": pl.String(),
            "first_name_level": pl.Int8(),
            "gender_level": pl.Int8(),
            "birth_date_level": pl.Int8(),
            "phone_level": pl.Int8(),
            "personal_id_level": pl.Int8(),
        },
    )


def _groups(frame: pl.DataFrame) -> set[frozenset[str]]:
    by_cluster: dict[str, set[str]] = {}
    for record, cluster in frame.iter_rows():
        by_cluster.setdefault(cluster, set()).add(record)
    return {frozenset(members) for members in by_cluster.values()}


CASES: list[dict[str, Any]] = [
    {
        "description": "one person whose birth date was mistyped years off, the same personal "
        "id on both records: no years-apart conflict, the records join",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 0.99, None, None),
            ("b", "c", 0.95, None, None),
            ("a", "c", 0.6, None, "years+same_id"),
        ],
        "groups": [{"a", "b", "c"}],
        "refused": {},
    },
    {
        "description": "a salutation mistyped (Herr / Frau), personal ids one typo apart: one "
        "person, no different-sex conflict",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 0.99, None, None),
            ("b", "c", 0.95, None, None),
            ("a", "c", 0.7, None, "salutation+typo_id"),
        ],
        "groups": [{"a", "b", "c"}],
        "refused": {},
    },
    {
        "description": "twins with mobiles of their own and neighbouring personal ids "
        "(4321567 / 4321568) stay apart when a record without phone links both",
        "keys": ["lena", "lea", "x"],
        "pairs": [
            ("lena", "x", 0.97, None, None),
            ("lea", "x", 0.95, None, None),
            ("lena", "lea", 0.4, None, "mobiles+neighbour_id+other_name"),
        ],
        "groups": [{"lena", "x"}, {"lea"}],
        "refused": {("lea", "x"): f"{CONFLICT}: different mobiles"},
    },
    {
        "description": "twins Maria and Marie (one birth date, address, landline and family "
        "e-mail: above the threshold) with mobiles of their own stay apart: a first name "
        "spelled otherwise and another mobile are two doubts at once",
        "keys": ["maria", "marie"],
        "pairs": [("maria", "marie", 0.99, None, "mobiles+nickname")],
        "groups": [{"maria"}, {"marie"}],
        "refused": {("maria", "marie"): f"{CONFLICT}: different mobiles"},
    },
    {
        "description": "one name spelled alike, a new mobile, above the threshold: one person "
        "who changed phones",
        "keys": ["a", "b"],
        "pairs": [("a", "b", 0.99, None, "mobiles")],
        "groups": [{"a", "b"}],
        "refused": {},
    },
    {
        "description": "namesakes born 1975 and 1982 joined through a record without birth date "
        "stay apart: birth dates years apart conflict between members below the threshold",
        "keys": ["t75", "t82", "x"],
        "pairs": [
            ("t75", "x", 0.97, None, None),
            ("t82", "x", 0.95, None, None),
            ("t75", "t82", 0.3, None, "years"),
        ],
        "groups": [{"t75", "x"}, {"t82"}],
        "refused": {("t82", "x"): f"{CONFLICT}: birth dates years apart"},
    },
    {
        "description": "a birth date mistyped years off does not split records whose own "
        "evidence (name, e-mail, city) reaches the threshold",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 0.99, None, None),
            ("b", "c", 0.95, None, "years"),
            ("a", "c", 0.93, None, "years"),
        ],
        "groups": [{"a", "b", "c"}],
        "refused": {},
    },
    {
        "description": "a chain A-B-C whose ends conflict (birth dates) keeps the weaker link out",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 0.9999, None, None),
            ("b", "c", 0.95, None, None),
            ("a", "c", 0.0, "birth_date:different", None),
        ],
        "groups": [{"a", "b"}, {"c"}],
        "refused": {("b", "c"): f"{CONFLICT}: birth_date:different"},
    },
    {
        "description": "father and son of one name and address (birth dates a generation apart) "
        "and a record without birth date that fits both alike: it joins neither",
        "keys": ["father", "son", "x"],
        "pairs": [
            ("father", "x", 0.98, None, None),
            ("son", "x", 0.97, None, None),
            ("father", "son", 0.0, "birth_date:different", None),
        ],
        "groups": [{"father"}, {"son"}, {"x"}],
        "refused": {("father", "x"): AMBIGUOUS, ("son", "x"): AMBIGUOUS},
    },
    {
        "description": "jun. and sen. and a record without suffix that fits both alike: it "
        "joins neither",
        "keys": ["jun", "sen", "x"],
        "pairs": [
            ("jun", "x", 0.96, None, None),
            ("sen", "x", 0.97, None, None),
            ("jun", "sen", 0.0, "name_suffix:different", None),
        ],
        "groups": [{"jun"}, {"sen"}, {"x"}],
        "refused": {("jun", "x"): AMBIGUOUS, ("sen", "x"): AMBIGUOUS},
    },
    {
        "description": "father and son of one name and address, neither with a birth date nor "
        "a suffix, each with a mobile of his own, and a record with the household landline "
        "only that fits both alike: it joins neither",
        "keys": ["father", "x", "son"],
        "pairs": [
            ("father", "x", 0.97, None, None),
            ("son", "x", 0.97, None, None),
            ("father", "son", 0.4, None, "mobiles"),
        ],
        "groups": [{"father"}, {"x"}, {"son"}],
        "refused": {("father", "x"): AMBIGUOUS, ("son", "x"): AMBIGUOUS},
    },
    {
        "description": "jun. beside the same name without suffix and a birth date (the "
        "one-missing rule), a third record that fits both alike: it joins neither",
        "keys": ["jun", "x", "plain"],
        "pairs": [
            ("jun", "x", 0.97, None, None),
            ("plain", "x", 0.97, None, None),
            ("jun", "plain", 0.0, "name_suffix:one_missing", None),
        ],
        "groups": [{"jun"}, {"x"}, {"plain"}],
        "refused": {("jun", "x"): AMBIGUOUS, ("plain", "x"): AMBIGUOUS},
    },
    {
        "description": "husband and wife of one household (Herr Werner / Frau Waltraud) and "
        "'W. Lüdemann' with only the household's landline that fits both alike: it joins "
        "neither",
        "keys": ["werner", "x", "waltraud"],
        "pairs": [
            ("werner", "x", 0.999, None, None),
            ("waltraud", "x", 0.999, None, None),
            ("werner", "waltraud", 0.2, None, "salutation"),
        ],
        "groups": [{"werner"}, {"x"}, {"waltraud"}],
        "refused": {("werner", "x"): AMBIGUOUS, ("waltraud", "x"): AMBIGUOUS},
    },
    {
        "description": "a twin's record with her own first name points to her by far more "
        "than to her sister: it joins her",
        "keys": ["mia", "x", "mila"],
        "pairs": [
            ("mia", "x", 0.99999, None, None),
            ("mila", "x", 0.95, None, None),
            ("mia", "mila", 0.2, None, "given_names"),
        ],
        "groups": [{"mia", "x"}, {"mila"}],
        "refused": {("mila", "x"): f"{CONFLICT}: other given name"},
    },
    {
        "description": "a record without birth date whose own evidence (mobile, e-mail) points "
        "to the son by far more than the match threshold's odds joins him",
        "keys": ["father", "son", "x"],
        "pairs": [
            ("father", "x", 0.95, None, None),
            ("son", "x", 0.99999, None, None),
            ("father", "son", 0.0, "birth_date:different", None),
        ],
        "groups": [{"father"}, {"son", "x"}],
        "refused": {("father", "x"): f"{CONFLICT}: birth_date:different"},
    },
    {
        "description": "the conflict sits between two members other than the linking pair",
        "keys": ["a", "b", "c", "d"],
        "pairs": [
            ("a", "b", 0.9999, None, None),
            ("c", "d", 0.9999, None, None),
            ("b", "c", 0.95, None, None),
            ("a", "c", 0.9, None, None),
            ("b", "d", 0.9, None, None),
            ("a", "d", 0.0, "name_suffix:different", None),
        ],
        "groups": [{"a", "b"}, {"c", "d"}],
        "refused": {("b", "c"): f"{CONFLICT}: name_suffix:different"},
    },
    {
        "description": "two typo-ridden first names (Tler / eyTr) do not forbid a group that "
        "otherwise agrees: a first-name veto weighs as probability 0",
        "keys": ["a", "b", "c", "d"],
        "pairs": [
            ("a", "b", 0.99, None, None),
            ("c", "d", 0.99, None, None),
            ("b", "c", 0.97, None, None),
            ("a", "d", 0.95, None, None),
            ("b", "d", 0.9, None, None),
            ("a", "c", 0.0, "first_name:different", None),
        ],
        "groups": [{"a", "b", "c", "d"}],
        "refused": {},
    },
    {
        "description": "a veto resting on the names alone (first names close, an e-mail naming "
        "its own: Ahmet at ahmet.colombo85@ / Ahet at acolombo@) weighs as probability 0, "
        "so Ahmet's record still joins his others (same name, address, landline, mobile)",
        "keys": ["ahmet", "ahmet2", "ahet"],
        "pairs": [
            ("ahmet", "ahmet2", 1.0, None, None),
            ("ahmet2", "ahet", 1.0, None, None),
            (
                "ahet",
                "ahmet",
                0.0,
                "first_name:opposite_sex|other_given_name|jaro_winkler_0.9|similar|unlike"
                " & email:own_names",
                None,
            ),
        ],
        "groups": [{"ahmet", "ahmet2", "ahet"}],
        "refused": {},
    },
    {
        "description": "twins Lina and Lisa (each e-mail names its own first name) joined "
        "through a record without e-mail stay apart: the names veto pulls the mean below",
        "keys": ["lina", "lisa", "lisa2"],
        "pairs": [
            ("lisa", "lisa2", 1.0, None, None),
            ("lina", "lisa2", 0.95, None, None),
            (
                "lina",
                "lisa",
                0.0,
                "first_name:opposite_sex|other_given_name|jaro_winkler_0.9|similar|unlike"
                " & email:own_names",
                None,
            ),
        ],
        "groups": [{"lisa", "lisa2"}, {"lina"}],
        "refused": {("lina", "lisa2"): WEAK_LINK},
    },
    {
        "description": "a veto on names and something only one person has (different mobiles) "
        "still forbids the group",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 1.0, None, None),
            ("b", "c", 1.0, None, None),
            ("a", "c", 0.0, "first_name:similar & phone:different", None),
        ],
        "groups": [{"a", "b"}, {"c"}],
        "refused": {("b", "c"): f"{CONFLICT}: first_name:similar & phone:different"},
    },
    {
        "description": "twins Lara and Laura in one house, joined through a shop record that "
        "fits both well: the house veto on two given names is a conflict, not a names-only "
        "veto, so even strong bridges cannot join them",
        "keys": ["lara", "laura", "laura2", "shop"],
        "pairs": [
            ("laura", "laura2", 1.0, None, None),
            ("lara", "shop", 0.97, None, None),
            ("laura", "shop", 0.99, None, None),
            ("laura2", "shop", 0.99, None, None),
            ("lara", "laura", 0.0, "first_name:other_given_name & address:house", "given_names"),
            ("lara", "laura2", 0.0, "first_name:other_given_name & address:house", "given_names"),
        ],
        "groups": [{"laura", "laura2", "shop"}, {"lara"}],
        "refused": {
            ("lara", "shop"): f"{CONFLICT}: first_name:other_given_name & address:house",
        },
    },
    {
        "description": "twins Max and Moritz joined through a record without first name stay "
        "apart: the first-name veto pulls the groups' mean below the linkage",
        "keys": ["max", "moritz", "x"],
        "pairs": [
            ("max", "x", 0.95, None, None),
            ("moritz", "x", 0.94, None, None),
            ("max", "moritz", 0.0, "first_name:different", None),
        ],
        "groups": [{"max", "x"}, {"moritz"}],
        "refused": {("moritz", "x"): WEAK_LINK},
    },
    {
        "description": "a weak bridge: one strong pair, the other cross pairs unlike",
        "keys": ["a", "b", "c", "d"],
        "pairs": [
            ("a", "b", 0.99, None, None),
            ("c", "d", 0.99, None, None),
            ("b", "c", 0.93, None, None),
            ("a", "c", 0.05, None, None),
            ("a", "d", 0.02, None, None),
            ("b", "d", 0.10, None, None),
        ],
        "groups": [{"a", "b"}, {"c", "d"}],
        "refused": {("b", "c"): WEAK_LINK},
    },
    {
        "description": "two groups whose cross pairs mostly agree merge (duplicates with typos)",
        "keys": ["a", "b", "c", "d"],
        "pairs": [
            ("a", "b", 0.9999, None, None),
            ("c", "d", 0.9999, None, None),
            ("b", "c", 0.95, None, None),
            ("a", "c", 0.7, None, None),
            ("a", "d", 0.4, None, None),
            ("b", "d", 0.8, None, None),
        ],
        "groups": [{"a", "b", "c", "d"}],
        "refused": {},
    },
    {
        "description": "namesake chain: two people bridged by records without birth date/address",
        # p1a/p1b: one person in Berlin, p2a/p2b another in Hamburg; x and y carry only the
        # name and match everyone weakly-but-enough; the two people's records are unlike.
        "keys": ["p1a", "p1b", "p2a", "p2b", "x", "y"],
        "pairs": [
            ("p1a", "p1b", 0.99, None, None),
            ("p2a", "p2b", 0.99, None, None),
            ("p1a", "x", 0.92, None, None),
            ("p1b", "x", 0.92, None, None),
            ("p2a", "y", 0.92, None, None),
            ("p2b", "y", 0.92, None, None),
            ("x", "y", 0.92, None, None),
            ("p1a", "y", 0.3, None, None),
            ("p1b", "y", 0.3, None, None),
            ("p2a", "x", 0.3, None, None),
            ("p2b", "x", 0.3, None, None),
            ("p1a", "p2a", 0.01, None, None),
            ("p1a", "p2b", 0.01, None, None),
            ("p1b", "p2a", 0.01, None, None),
            ("p1b", "p2b", 0.01, None, None),
        ],
        "groups": [{"p1a", "p1b", "x"}, {"p2a", "p2b", "y"}],
        "refused": {("x", "y"): WEAK_LINK},
    },
    {
        "description": "Stefan and Stefanie are never joined through a third record",
        "keys": ["stefan", "stefanie", "weber"],
        "pairs": [
            ("stefan", "weber", 0.95, None, None),
            ("stefanie", "weber", 0.94, None, None),
            ("stefan", "stefanie", 0.2, None, "opposite"),
        ],
        # "weber" fits both alike: it joins neither (ambiguous, as a record between father
        # and son).
        "groups": [{"stefan"}, {"weber"}, {"stefanie"}],
        "refused": {("stefan", "weber"): AMBIGUOUS, ("stefanie", "weber"): AMBIGUOUS},
    },
    {
        "description": "twins Mia and Mila (two given names, nothing else to tell them apart) "
        "are never joined through a record that fits both",
        "keys": ["mia", "mila", "x"],
        "pairs": [
            ("mia", "x", 0.97, None, None),
            ("mila", "x", 0.96, None, None),
            ("mia", "mila", 0.3, None, "given_names"),
        ],
        "groups": [{"mia"}, {"x"}, {"mila"}],
        "refused": {("mia", "x"): AMBIGUOUS, ("mila", "x"): AMBIGUOUS},
    },
    {
        "description": "Herr next to Frau: a different salutation is a conflict too",
        "keys": ["herr", "frau", "x"],
        "pairs": [
            ("herr", "x", 0.99999, None, None),
            ("frau", "x", 0.96, None, None),
            ("frau", "herr", 0.5, None, "salutation"),
        ],
        "groups": [{"herr", "x"}, {"frau"}],
        "refused": {("frau", "x"): f"{CONFLICT}: different sex"},
    },
    {
        "description": "twins Lena and Lea with mobiles of their own are not joined through a "
        "record of Lea without birth date or phone",
        "keys": ["lea", "lena", "lea_shop"],
        "pairs": [
            ("lea", "lea_shop", 0.97, None, None),
            ("lena", "lea_shop", 0.96, None, None),
            ("lea", "lena", 0.4, None, "mobiles+other_name"),
        ],
        "groups": [{"lea", "lea_shop"}, {"lena"}],
        "refused": {("lena", "lea_shop"): f"{CONFLICT}: different mobiles"},
    },
    {
        "description": "a changed mobile is no conflict when the pair's own evidence reaches "
        "the threshold",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 0.99, None, None),
            ("b", "c", 0.98, None, None),
            ("a", "c", 0.95, None, "mobiles"),
        ],
        "groups": [{"a", "b", "c"}],
        "refused": {},
    },
    {
        "description": "a different sex that the pair's own evidence overcomes is no conflict",
        "keys": ["a", "b", "c"],
        "pairs": [
            ("a", "b", 0.99, None, "salutation"),
            ("b", "c", 0.98, None, None),
            ("a", "c", 0.97, None, None),
        ],
        "groups": [{"a", "b", "c"}],
        "refused": {},
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["description"] for case in CASES])
def test_coherence_rules(case: dict[str, Any]) -> None:
    keys = pl.Series("record_key", case["keys"], dtype=pl.String)
    result = coherent_clusters(keys, _pairs(*case["pairs"]), THRESHOLD, LINKAGE)
    assert _groups(result.clusters) == {frozenset(group) for group in case["groups"]}
    refused = {(left, right): reason for left, right, _, reason in result.refused.iter_rows()}
    assert refused == case["refused"]


@pytest.mark.parametrize(
    ("scores", "groups"),
    [
        # Lina's record without mobile ("b") scores higher with her own record ("c", same first
        # name) than with her twin Lisa's ("a", one shared landline): she joins her own.
        ((22.0, 25.0), [{"a"}, {"b", "c"}]),
        ((25.0, 22.0), [{"a", "b"}, {"c"}]),
    ],
)
def test_saturated_probabilities_merge_the_higher_score_first(
    scores: tuple[float, float], groups: list[set[str]]
) -> None:
    keys = pl.Series("record_key", ["a", "b", "c"], dtype=pl.String)
    pairs = _pairs(
        ("a", "b", 1.0, None, None),
        ("b", "c", 1.0, None, None),
        ("a", "c", 0.0, None, "mobiles+other_name"),
    ).with_columns(pl.Series("score", [scores[0], scores[1], -5.0]))
    result = coherent_clusters(keys, pairs, THRESHOLD, LINKAGE)
    assert _groups(result.clusters) == {frozenset(group) for group in groups}


def test_reviewer_rejection_holds_through_a_third_record() -> None:
    keys = pl.Series("record_key", ["a", "b", "c"], dtype=pl.String)
    pairs = _pairs(("a", "b", 0.99, None, None), ("b", "c", 0.98, None, None))
    rejected = pl.DataFrame({"left_key": ["c"], "right_key": ["a"]})
    result = coherent_clusters(keys, pairs, THRESHOLD, LINKAGE, cannot_link=rejected)
    assert _groups(result.clusters) == {frozenset({"a", "b"}), frozenset({"c"})}


def test_must_link_merges_without_an_edge_but_never_across_a_conflict() -> None:
    keys = pl.Series("record_key", ["a", "b", "c", "d"], dtype=pl.String)
    pairs = _pairs(("a", "c", 0.0, "birth_date:different", None))
    must = pl.DataFrame({"left_key": ["a", "a"], "right_key": ["b", "c"]})
    result = coherent_clusters(keys, pairs, THRESHOLD, LINKAGE, must_link=must)
    assert _groups(result.clusters) == {
        frozenset({"a", "b"}),
        frozenset({"c"}),
        frozenset({"d"}),
    }


def test_without_linkage_and_conflicts_it_equals_connected_components() -> None:
    keys = pl.Series("record_key", ["a", "b", "c", "d", "e"], dtype=pl.String)
    pairs = _pairs(
        ("a", "b", 0.95, None, None),
        ("b", "c", 0.91, None, None),
        ("a", "c", 0.0, None, None),
        ("d", "e", 0.5, None, None),
    )
    result = coherent_clusters(keys, pairs, THRESHOLD, 0.0)
    assert _groups(result.clusters) == {
        frozenset({"a", "b", "c"}),
        frozenset({"d"}),
        frozenset({"e"}),
    }


def test_never_compared_members_are_compared_and_their_conflict_splits(
    make_records: Any,
) -> None:
    # Three records of one Anna Schmidt: two with birth dates 20 years apart that blocking
    # never paired, one without a birth date matching both. The completed pair carries the
    # birth-date conflict, so the middle record never joins both; as it fits both alike
    # (mother and daughter of one name), it joins neither.
    records = make_records(
        [
            {
                "record_key": "crm:1",
                "record_type": "person",
                "first_name_key": "anna",
                "last_name_key": "schmidt",
                "birth_date": date(1960, 4, 2),
            },
            {
                "record_key": "crm:2",
                "record_type": "person",
                "first_name_key": "anna",
                "last_name_key": "schmidt",
            },
            {
                "record_key": "crm:3",
                "record_type": "person",
                "first_name_key": "anna",
                "last_name_key": "schmidt",
                "birth_date": date(1985, 9, 17),
            },
        ]
    )
    scored = _pairs(("crm:1", "crm:2", 0.95, None, None), ("crm:2", "crm:3", 0.93, None, None))
    settings = MatchingConfig()
    completed = complete_pairs(
        records["record_key"],
        scored,
        records,
        MatchWeights.defaults(),
        settings.hard_rules,
        THRESHOLD,
    )
    never = completed.filter((pl.col("left_key") == "crm:1") & (pl.col("right_key") == "crm:3"))
    assert never["hard_rule"].to_list() == ["no_match: birth_date:different"]
    result = coherent_clusters(records["record_key"], completed, THRESHOLD, LINKAGE)
    assert _groups(result.clusters) == {
        frozenset({"crm:1"}),
        frozenset({"crm:2"}),
        frozenset({"crm:3"}),
    }
    assert result.refused["reason"].to_list() == [AMBIGUOUS, AMBIGUOUS]


def test_father_and_son_without_birth_dates_never_compared_keep_the_middle_record_out(
    make_records: Any,
) -> None:
    # Josef Brandl senior and junior at one address, neither record with a birth date or a
    # suffix, each with a mobile of his own; a shop record with the household landline only
    # matches both. Blocking never paired father and son: the completed pair finds their
    # different mobiles under one first name, so the landline record, fitting both alike, joins
    # neither.
    household = {
        "record_type": "person",
        "first_name_key": "josef",
        "last_name_key": "brandl",
        "street_key": "lindenstr",
        "house_number": "7",
        "postal_code": "86150",
        "city_key": "augsburg",
    }
    records = make_records(
        [
            {
                **household,
                "record_key": "crm:father",
                "phones": ["+49821556677", "+4917111122233"],
                "phone_types": ["landline", "mobile"],
            },
            {
                **household,
                "record_key": "shop:x",
                "phones": ["+49821556677"],
                "phone_types": ["landline"],
            },
            {
                **household,
                "record_key": "crm:son",
                "phones": ["+49821556677", "+4917622334455"],
                "phone_types": ["landline", "mobile"],
            },
        ]
    )
    scored = _pairs(
        ("crm:father", "shop:x", 0.97, None, None), ("crm:son", "shop:x", 0.97, None, None)
    )
    completed = complete_pairs(
        records["record_key"],
        scored,
        records,
        MatchWeights.defaults(),
        MatchingConfig().hard_rules,
        THRESHOLD,
    )
    never = completed.filter(
        (pl.col("left_key") == "crm:father") & (pl.col("right_key") == "crm:son")
    )
    assert never["phone_level"].to_list() == [PHONE.index("different")]
    assert never["probability"][0] < THRESHOLD
    result = coherent_clusters(records["record_key"], completed, THRESHOLD, LINKAGE)
    assert _groups(result.clusters) == {
        frozenset({"crm:father"}),
        frozenset({"shop:x"}),
        frozenset({"crm:son"}),
    }
    assert result.refused["reason"].to_list() == [AMBIGUOUS, AMBIGUOUS]


def test_a_newsletter_row_never_chains_namesakes_of_two_towns(make_records: Any) -> None:
    # Markus Brunner in Aarau (a landline) and Markus Brunner in Passau (his own e-mail), and a
    # newsletter row with only the name and an e-mail that matches both on the name alone.
    # Blocking never paired the two addresses: the completed pair finds two towns with nothing
    # one person has in common (the namesake veto), so the newsletter row joins one of them at
    # most, never both.
    name = {"record_type": "person", "first_name_key": "markus", "last_name_key": "brunner"}
    records = make_records(
        [
            {
                **name,
                "record_key": "crm:aarau",
                "street_key": "ahornweg",
                "house_number": "23",
                "postal_code": "5000",
                "city_key": "aarau",
                "phones": ["+41624455313"],
                "phone_types": ["landline"],
            },
            {**name, "record_key": "newsletter:1", "emails": ["markus.brunner@posteo.de"]},
            {
                **name,
                "record_key": "erp:passau",
                "street_key": "st martin str",
                "house_number": "45a",
                "postal_code": "94032",
                "city_key": "passau",
                "emails": ["mbrunner5@gmx.de"],
            },
        ]
    )
    scored = _pairs(
        ("crm:aarau", "newsletter:1", 0.95, None, None),
        ("erp:passau", "newsletter:1", 0.94, None, None),
    )
    completed = complete_pairs(
        records["record_key"],
        scored,
        records,
        MatchWeights.defaults(),
        MatchingConfig().hard_rules,
        THRESHOLD,
    )
    never = completed.filter(
        (pl.col("left_key") == "crm:aarau") & (pl.col("right_key") == "erp:passau")
    )
    assert never["hard_rule"].to_list() == ["no_match: address:other_street|different"]
    result = coherent_clusters(records["record_key"], completed, THRESHOLD, LINKAGE)
    groups = _groups(result.clusters)
    assert not any({"crm:aarau", "erp:passau"} <= group for group in groups)


def _names_only_pairs(row_and_erp_levels: dict[str, int]) -> pl.DataFrame:
    """Matthias Schmitt's CRM record (crm), his ERP record (erp: no e-mail) and two newsletter
    rows "Matthias" with the CRM record's mailbox only (nl, nl2), joined to crm by a hard rule;
    the rows' pairs with erp score low. ``row_and_erp_levels``: those pairs' levels besides
    the names."""
    levels = [f"{c.name}_level" for c in COMPARISONS]
    rows = [
        ("crm", "erp", 0.99999, None, {"address_level": 0, "phone_level": 1}),
        ("crm", "nl", 1.0, "match: person's mailbox", {"email_level": 0}),
        ("crm", "nl2", 1.0, "match: person's mailbox", {"email_level": 0}),
        ("nl", "nl2", 1.0, "match: email:shared", {"email_level": 0}),
        ("erp", "nl", 0.2, None, row_and_erp_levels),
        ("erp", "nl2", 0.2, None, row_and_erp_levels),
    ]
    return pl.DataFrame(
        [
            {
                "left_key": left,
                "right_key": right,
                "probability": probability,
                "hard_rule": rule,
                **dict.fromkeys(levels, -1),
                "first_name_level": 0,
                **given,
            }
            for left, right, probability, rule, given in rows
        ],
        schema={
            "left_key": pl.String(),
            "right_key": pl.String(),
            "probability": pl.Float64(),
            "hard_rule": pl.String(),
            **dict.fromkeys(levels, pl.Int8()),
        },
    )


def test_a_pair_compared_on_names_alone_does_not_outvote_the_groups_own_links() -> None:
    # The rows share nothing with erp to compare but the first name: no evidence either way,
    # so they do not pull the average linkage of {crm, nl, nl2} and {erp} below the threshold.
    pairs = _names_only_pairs({})
    keys = pl.Series(["crm", "erp", "nl", "nl2"])
    result = coherent_clusters(
        keys,
        complete_pairs(keys, pairs, pl.DataFrame(), MatchWeights.defaults(), [], THRESHOLD),
        THRESHOLD,
        LINKAGE,
    )
    assert _groups(result.clusters) == {frozenset({"crm", "erp", "nl", "nl2"})}


def test_a_low_pair_with_a_field_that_differs_still_counts_in_the_linkage() -> None:
    # The same, but the records were compared on an address and it differs: evidence.
    pairs = _names_only_pairs({"address_level": 4})
    keys = pl.Series(["crm", "erp", "nl", "nl2"])
    result = coherent_clusters(
        keys,
        complete_pairs(keys, pairs, pl.DataFrame(), MatchWeights.defaults(), [], THRESHOLD),
        THRESHOLD,
        LINKAGE,
    )
    assert len(_groups(result.clusters)) == 2
    assert result.refused["reason"].to_list() == [WEAK_LINK]
