"""Clustering: records linked by accepted pairs become one entity.

Plain connected components chain: A-B and B-C make A, B and C one entity even when A and C are
two people (five namesakes in two cities joined through records without birth date or
address). ``coherent_clusters`` therefore merges groups strongest pair first and asks of every
merge that it hold for the *groups*, not only for the linking pair:

- no member of one group may conflict with a member of the other — a hard "no match" on a
  deciding field (birth dates, jun./sen., VAT ids, personal ids), a reviewer's rejection, or a
  different sex (Herr/Frau, Stefan/Stefanie) or mobiles of their own and none shared that the
  pair's own evidence does not overcome — also for pairs
  blocking never offered: those are compared and scored here (``complete_pairs``);
- the evidence across the groups must carry the merge: the mean match probability of all their
  cross pairs (average linkage) at least ``[matching] group_linkage``. One strong bridge between
  two otherwise unlike groups is refused.

Some vetoes rest on what two records do *not* share rather than on what contradicts: namesakes at
two addresses (two streets, or two houses of one street) with nothing personal in common, and
"jun." beside the same name without a suffix (``BRIDGEABLE_RULES``). A third record can supply
what the pair lacks: Sabine's old record at Gartenstr. 29 and her new one in Munich share
nothing but the name, yet a third record holds both the old address and the new record's e-mail.
Such a pair is *bridged* (``_bridges``) when a record
is accepted with both, without conflict, on more than the names each time (the house, a phone, a
personal e-mail, the birth date or a personal id) and without personal e-mails or mobiles of
their own on both records (each link free of doubt) — for the suffix, the bridging record carries
the same suffix as the suffixed one of the pair, so its accepted link to the other rested on
something only one person has. A bridged pair is no conflict (its own evidence still decides
the soft conflicts below) and counts in the average linkage with its weaker bridge link. A
newsletter row with only a name and an e-mail links one of two namesakes by the name alone, so
it bridges nothing.

Refused merges are returned with their reason (summary.json counts them, the review queue lists
the close ones). ``connected_components`` labels propagate as the minimum record key until
nothing changes: vectorized passes over the edges (numpy), no Python loop over records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from matching.comparisons import (
    COMPARISONS,
    MISSING,
    compare_pairs,
    comparison_attributes,
    domain_owners,
)
from matching.scoring import MatchWeights, score_pairs
from rules.config import HardRule

#: Components up to this size have all their member pairs compared; in larger ones (a rare
#: giant component, 100 members are 4,950 pairs) only the scored pairs count.
MAX_COMPLETED_COMPONENT = 100
#: Hard rules that do not make a conflict between group members (see ``conflicts``).
NAME_ONLY_RULES = ("first_name:different",)
#: Conditions a rule may hold besides first-name levels and still rest on the names alone: the
#: e-mail addresses naming each record's own first name (``email:own_names``).
NAME_ONLY_CONDITIONS = ("email:own_names",)
#: Personal-id levels that overcome a soft conflict (years apart, sex, mobiles; see ``conflicts``).
SAME_PERSON_ID_LEVELS = ("exact_checked", "exact", "typo")
#: Reasons a merge is refused, as counted in summary.json.
CONFLICT = "conflict"
WEAK_LINK = "weak_link"
AMBIGUOUS = "ambiguous"
#: Conflicts that make two groups two people of one name and household: parent and child (birth
#: dates a generation apart, jun. and sen.). A record that fits both equally well (name, address,
#: landline; no birth date, mobile or e-mail of one of them) may be either (see ``_ambiguous``).
#: Also "jun." beside the same name without one, and two records of one first name with
#: mobiles of their own and none shared (SAME_NAME_MOBILES): father and son when neither record
#: has a birth date, the records in between fitting both. Twins' mobiles are not among them:
#: a twin's record without mobile still has her own first name to go by.
SAME_NAME_MOBILES = "one name with different mobiles"
GENERATION_CONFLICTS = (
    "birth_date:different",
    "name_suffix:different",
    "name_suffix:one_missing",
    SAME_NAME_MOBILES,
    # Two people of one household by their sexes (Werner and Waltraud Lüdemann) or by two
    # given names close in spelling (twins): "W. Lüdemann" with only the household's landline
    # is either; a record with its own first name has the margin to go by.
    "different sex",
    "other given name",
)
#: Hard "no match" rules (their conditions, as in ``hard_rule``) that a third record can bridge
#: (see the module text): the namesake and the one-sided suffix vetoes of rules.config.
NAMESAKE_RULE = "address:other_street|different"
#: The namesakes of one street (another house of it; rules.config).
STREET_NAMESAKE_RULE = "address:other_house"
ONE_SUFFIX_RULE = "name_suffix:one_missing"
BRIDGEABLE_RULES = (NAMESAKE_RULE, STREET_NAMESAKE_RULE, ONE_SUFFIX_RULE)
#: Levels that say more than the names: a record at the same house, with a phone, personal
#: e-mail (or one typo apart), birth date (or a typo of it) or personal id in common.
BEYOND_NAME_LEVELS = {
    "address_level": ("house",),
    "phone_level": ("shared", "shared_landline"),
    "email_level": ("shared", "similar"),
    "birth_date_level": ("exact", "swap_or_typo"),
    "personal_id_level": ("exact_checked", "exact", "typo"),
}
#: Levels that doubt a link even where it is accepted: personal e-mails or mobiles of their own
#: on both records and none in common (mother and daughter of one name at one house).
DOUBTING_LEVELS = {"email_level": ("different",), "phone_level": ("different",)}
REFUSED_SCHEMA = {
    "left_key": pl.String(),
    "right_key": pl.String(),
    "probability": pl.Float64(),
    "reason": pl.String(),
}


@dataclass(frozen=True)
class ClusterResult:
    """record_key -> cluster_key, and the accepted pairs whose merge was refused (and why)."""

    clusters: pl.DataFrame
    refused: pl.DataFrame


def connected_components(record_keys: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Map every record key to a cluster key (the smallest record key in its component).

    ``edges`` has left_key and right_key; records without edges are their own cluster, edges
    to keys not in ``record_keys`` are ignored. Returns record_key, cluster_key, sorted by
    record_key.
    """
    keys = record_keys.unique().sort()
    if edges.height == 0:
        return pl.DataFrame({"record_key": keys, "cluster_key": keys})
    index = pl.DataFrame({"record_key": keys}).with_row_index("index")
    ends = (
        edges.select("left_key", "right_key")
        .join(index.rename({"record_key": "left_key", "index": "left"}), on="left_key")
        .join(index.rename({"record_key": "right_key", "index": "right"}), on="right_key")
    )
    label = _component_minimum(
        keys.len(),
        ends["left"].to_numpy().astype(np.int64),
        ends["right"].to_numpy().astype(np.int64),
    )
    # Keys are sorted, so the smallest index of a component is its smallest record key.
    return pl.DataFrame({"record_key": keys, "cluster_key": keys.gather(label)})


def _component_minimum(size: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per node 0..size-1 the smallest node of its connected component (edges left-right).

    Labels only ever fall to a neighbour's label (hooking) and then to their label's label
    (pointer jumping) until both ends of every edge agree: a few passes of vectorized work
    over the edges, no Python loop per record.
    """
    label = np.arange(size, dtype=np.int64)
    while True:
        low = np.minimum(label[left], label[right])
        np.minimum.at(label, label[left], low)
        np.minimum.at(label, label[right], low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label[left], label[right]):
            return label


def constrained_clusters(
    record_keys: pl.Series,
    edges: pl.DataFrame,
    cannot_link: pl.DataFrame,
    must_link: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Merge along edges strongest first, never joining two groups that hold a cannot-link pair.

    ``edges`` has left_key, right_key, score; ``cannot_link`` and ``must_link`` have left_key,
    right_key. Must-links are merged first (a must-link that contradicts a cannot-link is
    skipped: the cannot-link wins). Plain connected components chain A-B-C into one entity even
    when A and C are known to be different people (twins, father and son); here the weakest
    link that would join them is the one left out. Returns record_key, cluster_key (smallest
    record key of the group), sorted by record_key.
    """
    keys = record_keys.unique().sort().to_list()
    parent = {key: key for key in keys}
    forbidden: dict[str, set[str]] = {}
    # Only pairs of known records come back (the components are made of record_keys).
    for left, right in _within_components(record_keys, edges, cannot_link, must_link).iter_rows():
        forbidden.setdefault(left, set()).add(right)
        forbidden.setdefault(right, set()).add(left)
    members = {key: {key} for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def merge(left: str, right: str) -> None:
        a, b = root(left), root(right)
        if a == b:
            return
        if len(members[a]) < len(members[b]):
            a, b = b, a
        blocked_a = forbidden.get(a, set())
        if blocked_a and not blocked_a.isdisjoint(members[b]):
            return
        parent[b] = a
        members[a] |= members.pop(b)
        if b in forbidden:
            forbidden[a] = blocked_a | forbidden.pop(b)

    # forbidden is kept per root: give every record's constraints to its own root first.
    ordered_edges: list[tuple[str, str]] = []
    if must_link is not None:
        ordered_edges.extend(
            must_link.select("left_key", "right_key").sort("left_key", "right_key").iter_rows()
        )
    ordered_edges.extend(
        edges.sort(["score", "left_key", "right_key"], descending=[True, False, False])
        .select("left_key", "right_key")
        .iter_rows()
    )
    for left, right in ordered_edges:
        if left in parent and right in parent:
            merge(left, right)
    rows = [(key, min(members[root(key)])) for key in keys]
    return pl.DataFrame(
        rows, schema={"record_key": pl.String(), "cluster_key": pl.String()}, orient="row"
    )


def _within_components(
    record_keys: pl.Series,
    edges: pl.DataFrame,
    cannot_link: pl.DataFrame,
    must_link: pl.DataFrame | None,
) -> pl.DataFrame:
    """The cannot-links whose records share a connected component of edges and must-links.

    Groups only ever merge along those, so a cannot-link across components can never apply;
    leaving them out changes no cluster. It keeps the Python loop small: below
    ``cannot_link_below`` almost every scored pair is a cannot-link (6 million at 176,000
    records), but few fall inside one component.
    """
    pairs = cannot_link.select("left_key", "right_key")
    links = [edges.select("left_key", "right_key")]
    if must_link is not None:
        links.append(must_link.select("left_key", "right_key"))
    components = connected_components(record_keys, pl.concat(links))
    return (
        pairs.join(components, left_on="left_key", right_on="record_key")
        .join(components, left_on="right_key", right_on="record_key", suffix="_right")
        .filter(pl.col("cluster_key") == pl.col("cluster_key_right"))
        .select("left_key", "right_key")
    )


def complete_pairs(
    record_keys: pl.Series,
    pairs: pl.DataFrame,
    records: pl.DataFrame,
    weights: MatchWeights,
    hard_rules: Sequence[HardRule],
    threshold: float,
    max_component: int = MAX_COMPLETED_COMPONENT,
    owners: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The scored pairs plus every pair of records that accepted pairs could chain together.

    Within each connected component of accepted pairs (up to ``max_component`` records) the
    pairs blocking never offered are compared and scored with the run's ``weights`` (no
    term-frequency adjustment: the frequencies belong to the candidate pairs), so a birth-date
    conflict between two records that were never a candidate pair is seen. Returns left_key,
    right_key, probability, hard_rule, first_name_level, gender_level, birth_date_level (and
    score when the pairs carry it). ``owners``: the match stage's domain owners and town branches
    of the pairs' records (chunked_match.record_owners), else decided here over all records.
    """
    columns = [
        "left_key",
        "right_key",
        "probability",
        "hard_rule",
        *(level for level in _CONFLICT_LEVELS if level in pairs.columns),
        *(["score"] if "score" in pairs.columns else []),
    ]
    known = pairs.select(*columns, names_only(pairs))
    accepted = pairs.filter(pl.col("probability") >= threshold)
    components = connected_components(record_keys, accepted)
    sizes = components.group_by("cluster_key").len("size")
    members = components.join(
        sizes.filter((pl.col("size") > 2) & (pl.col("size") <= max_component)), on="cluster_key"
    ).select("record_key", "cluster_key")
    if members.height == 0:
        return known
    within = (
        members.join(members, on="cluster_key", suffix="_r")
        .filter(pl.col("record_key") < pl.col("record_key_r"))
        .select(pl.col("record_key").alias("left_key"), pl.col("record_key_r").alias("right_key"))
        .join(known.select("left_key", "right_key"), on=["left_key", "right_key"], how="anti")
        .sort("left_key", "right_key")
    )
    if within.height == 0:
        return known
    involved = pl.concat([within["left_key"], within["right_key"]]).unique()
    # The owners of business domains over all records: on the component's records alone a
    # domain shared with a firm outside them would look owned (comparisons.domain_owners).
    if owners is not None:
        owners = owners.filter(pl.col("record_key").is_in(involved.implode()))
    if owners is None or owners.height < involved.len():
        owners = domain_owners(records)  # a record outside the match stage's pairs
    compared = compare_pairs(
        within.with_columns(pl.lit("completed").alias("rules")),
        comparison_attributes(
            records.filter(pl.col("record_key").is_in(involved.implode())), owners
        ),
    )
    scored = score_pairs(compared, weights, hard_rules)
    return pl.concat([known, scored.select(*columns, names_only(scored))])


_CONFLICT_LEVELS = (
    "first_name_level",
    "gender_level",
    "birth_date_level",
    "phone_level",
    "personal_id_level",
    # read by _bridges
    "address_level",
    "email_level",
    "name_suffix_level",
)


def conflicts(pairs: pl.DataFrame, threshold: float) -> pl.Expr:
    """Per pair: the reason two records may never share a cluster, else null.

    A hard "no match" on a deciding field (birth date a generation apart, jun./sen., VAT id,
    record type, personal id) decides; birth dates years apart, a different sex (Frau next to
    Herr, Stefan next to Stefanie) and mobiles of their own with none shared do unless the
    pair's own evidence reaches the match threshold or the two share a personal id (equal or
    one typo apart, as in the hard rules' ``unless``); mobiles of their own also above the
    threshold where the first names are not spelled alike (Maria / Marie). A hard
    "no match" on the first name alone does not forbid a group: two typo-ridden spellings of one
    name (Tler / eyTr for Tyler) can look unrelated to each other while each is plainly the same
    person as a third record; such a pair enters the group's average linkage with probability 0
    instead (twins' records stay apart through it, and through their different birth dates,
    mobiles or e-mails).
    """
    first_name = next(c for c in COMPARISONS if c.name == "first_name")
    gender = next(c for c in COMPARISONS if c.name == "gender")
    birth_date = next(c for c in COMPARISONS if c.name == "birth_date")
    # Born years apart (not a generation: that is a hard rule) weighs on the pair itself, so a
    # heavily mistyped date can still match on everything else; between group members it
    # conflicts unless their own evidence reaches the threshold: namesakes born in 1975 and 1982
    # are not joined through records without a birth date.
    years_apart = (
        (pl.col("birth_date_level") == birth_date.levels.index("years_apart")).fill_null(False)
    ) & (pl.col("probability") < threshold)
    other_sex = (
        (pl.col("first_name_level") == first_name.levels.index("opposite_sex"))
        | (pl.col("gender_level") == gender.levels.index("different"))
    ).fill_null(False) & (pl.col("probability") < threshold)
    # Two established given names close in spelling (Mia / Mila): twins, whose records without
    # a first-name conflict of their own (a shop row "M. Kainz") must not chain them together.
    other_given_name = (
        pl.col("first_name_level") == first_name.levels.index("other_given_name")
    ).fill_null(False) & (pl.col("probability") < threshold)
    # Each with a mobile number of their own and none shared (Lena and Lea, twins at one
    # address and landline, one of them also as a record without birth date or phone).
    other_mobiles = pl.lit(False)
    if "phone_level" in pairs.columns:
        phone = next(c for c in COMPARISONS if c.name == "phone")
        # Above the threshold too where the first names are not the same either (Maria /
        # Marie, Lea / Lia: twins sharing birth date, address, landline and the family
        # e-mail reach any threshold): one person's typo in the first name *and* another
        # mobile of theirs are two doubts at once; a sibling's own mobile is one.
        spelled_otherwise = (
            pl.col("first_name_level") > first_name.levels.index("exact")
        ).fill_null(False)
        other_mobiles = (pl.col("phone_level") == phone.levels.index("different")).fill_null(
            False
        ) & ((pl.col("probability") < threshold) | spelled_otherwise)
    # The same personal id, or one typo apart, outweighs these signs as it outweighs the
    # first-name and birth-date vetoes (rules.config): one person whose birth date or salutation
    # was mistyped, or who changed phones. Twins never share an id (nor hold two one typo apart
    # but as "neighbour" numbers, which do not count here).
    if "personal_id_level" in pairs.columns:
        personal_id = next(c for c in COMPARISONS if c.name == "personal_id")
        same_id = (
            pl.col("personal_id_level")
            .is_in([personal_id.levels.index(level) for level in SAME_PERSON_ID_LEVELS])
            .fill_null(False)
        )
        years_apart &= ~same_id
        other_sex &= ~same_id
        other_given_name &= ~same_id
        other_mobiles &= ~same_id
    same_first_name = (pl.col("first_name_level") == first_name.levels.index("exact")).fill_null(
        False
    )
    name_only = pl.col("hard_rule").is_in(
        [f"no_match: {rule}" for rule in NAME_ONLY_RULES]
    ) | _rests_on_names(pl.col("hard_rule"))
    hard = (pl.col("hard_rule").str.starts_with("no_match") & ~name_only) | (
        pl.col("hard_rule") == "different record types"
    )
    return (
        pl.when(hard.fill_null(False))
        .then(pl.col("hard_rule").str.replace(r"^no_match: ", ""))
        .when(other_sex)
        .then(pl.lit("different sex"))
        .when(other_given_name)
        .then(pl.lit("other given name"))
        .when(years_apart)
        .then(pl.lit("birth dates years apart"))
        .when(other_mobiles & same_first_name)
        .then(pl.lit(SAME_NAME_MOBILES))
        .when(other_mobiles)
        .then(pl.lit("different mobiles"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _at_any_level(columns: Sequence[str], wanted: Mapping[str, Sequence[str]]) -> pl.Expr:
    """Per pair: whether any level column of ``columns`` named in ``wanted`` is at one of its
    wanted levels."""
    hit = pl.lit(False)
    for column, levels in wanted.items():
        if column in columns:
            comparison = next(c for c in COMPARISONS if f"{c.name}_level" == column)
            indices = [comparison.levels.index(level) for level in levels]
            hit = hit | pl.col(column).is_in(indices).fill_null(False)
    return hit


def _beyond_names(columns: Sequence[str]) -> pl.Expr:
    """Per pair: whether the two records agree on more than the names (``BEYOND_NAME_LEVELS``)."""
    return _at_any_level(columns, BEYOND_NAME_LEVELS)


def _doubted(columns: Sequence[str]) -> pl.Expr:
    """Per pair: whether the two records each hold their own personal e-mail or mobile, none
    shared (``DOUBTING_LEVELS``)."""
    return _at_any_level(columns, DOUBTING_LEVELS)


def _bridges(pairs: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """left_key, right_key, bridge: the pairs vetoed by a ``BRIDGEABLE_RULES`` rule that a third
    record bridges (module text), with the weaker of the two bridging links' probabilities (the
    best such bridge).

    ``pairs`` carries ``__conflict`` (``conflicts``): a bridging link has none. Pairs without the
    level columns (no suffix level, no score) have no bridges.
    """
    empty = pl.DataFrame(
        schema={"left_key": pl.String(), "right_key": pl.String(), "bridge": pl.Float64()}
    )
    if "name_suffix_level" not in pairs.columns or "score" not in pairs.columns:
        return empty
    rule = pl.col("hard_rule").str.strip_prefix("no_match: ")
    vetoed = pairs.filter(
        pl.col("hard_rule").str.starts_with("no_match: ").fill_null(False)
        & rule.is_in(BRIDGEABLE_RULES)
    ).select("left_key", "right_key", rule.alias("__rule"))
    if vetoed.is_empty():
        return empty
    suffix = next(c for c in COMPARISONS if c.name == "name_suffix")
    links = pairs.filter(
        (pl.col("probability") >= threshold)
        & pl.col("__conflict").is_null()
        & _beyond_names(pairs.columns)
        & ~_doubted(pairs.columns)
    ).select(
        "left_key",
        "right_key",
        "probability",
        (pl.col("name_suffix_level") == suffix.levels.index("same"))
        .fill_null(False)
        .alias("same_suffix"),
    )
    both_ways = pl.concat(
        [
            links.rename({"left_key": "end", "right_key": "via"}),
            links.rename({"left_key": "via", "right_key": "end"}).select(
                "end", "via", "probability", "same_suffix"
            ),
        ]
    )
    found = (
        vetoed.join(both_ways, left_on="left_key", right_on="end")
        .join(both_ways, left_on=["right_key", "via"], right_on=["end", "via"], suffix="_right")
        .filter(
            (pl.col("__rule") != ONE_SUFFIX_RULE)
            | pl.col("same_suffix")
            | pl.col("same_suffix_right")
        )
    )
    return found.group_by("left_key", "right_key").agg(
        pl.min_horizontal("probability", "probability_right").max().alias("bridge")
    )


def _rests_on_names(hard_rule: pl.Expr) -> pl.Expr:
    """A "no match" whose conditions are all first-name levels or e-mails naming the records'
    own first names (Lina / Lisa at lina.gerber@ / lisa.gerber@: the first-name rule with
    ``email:own_names``).

    Such a veto says the *names* differ, which a typo in one record can also make: Ahmet Colombo
    at ahmet.colombo85@ beside "Ahet" Colombo at acolombo@ (an initial and the surname) is
    vetoed, while Ahet shares name, address, landline and mobile with Ahmet's other records.
    Between group members it counts as probability 0 in the average linkage, as
    ``first_name:different`` does, not as a conflict.
    """
    conditions = hard_rule.str.strip_prefix("no_match: ").str.split(" & ")
    on_names = conditions.list.eval(
        pl.element().str.starts_with("first_name:") | pl.element().is_in(NAME_ONLY_CONDITIONS)
    ).list.all()
    return (hard_rule.str.starts_with("no_match: ") & on_names).fill_null(False)


#: Comparisons beside the names: a pair with all of them missing was compared on names alone.
_BEYOND_NAMES = tuple(
    f"{comparison.name}_level"
    for comparison in COMPARISONS
    if comparison.name not in ("first_name", "last_name")
)


#: First- and last-name levels that agree as far as the names go (last name missing too).
_AGREEING_NAMES = {
    "first_name_level": ("exact", "nickname"),
    "last_name_level": ("exact", "phonetic"),
}


def names_only(pairs: pl.DataFrame) -> pl.Expr:
    """``names_only``: the pair could be compared on the names alone, and they agree (the
    same first name or a nickname of it, the last names alike or one missing); every other
    comparison is missing on one side or the other. False where the pairs lack a level."""
    if "names_only" in pairs.columns:
        return pl.col("names_only").fill_null(False)
    needed = (*_BEYOND_NAMES, *_AGREEING_NAMES)
    if any(name not in pairs.columns for name in needed):
        return pl.lit(False).alias("names_only")
    levels = {c.name: c.levels for c in COMPARISONS}
    agreeing = [
        pl.col(column).is_in(
            [levels[column.removesuffix("_level")].index(label) for label in labels]
            + ([MISSING] if column == "last_name_level" else [])
        )
        for column, labels in _AGREEING_NAMES.items()
    ]
    nothing_else = [pl.col(name).fill_null(MISSING) == MISSING for name in _BEYOND_NAMES]
    return pl.all_horizontal(*agreeing, *nothing_else).fill_null(False).alias("names_only")


def _blind(pairs: pl.DataFrame, threshold: float) -> pl.Expr:
    """Pairs below the threshold that could be compared on the names alone and agree on them
    (``names_only``), with no hard rule.

    A newsletter row "Matthias" with only schmitt@chello.at, joined to Matthias Schmitt's CRM
    record by the very mailbox, shares nothing with his ERP record but the first name: the
    ERP record has no e-mail, the row no address. Their pair scores low for want of fields,
    not for any field that differs; counted in the average linkage it outvoted the two records'
    own near-certain link and kept Matthias's ERP record out of his group (into his wife's,
    through the household's landline). Such pairs count as unknown, as the cross pairs never
    scored do. Pairs with any other field compared (a different address, e-mail, birth date)
    still count: namesakes in two towns stay apart; so do pairs without the first names to
    agree on (a row with an e-mail alone says nothing of the other record's person, not even
    its name).
    """
    missing = names_only(pairs)
    no_rule = pl.col("hard_rule").is_null() if "hard_rule" in pairs.columns else pl.lit(True)
    return (missing & no_rule & (pl.col("probability") < threshold)).fill_null(False)


def _log_odds(pairs: pl.DataFrame) -> pl.Expr:
    """A pair's evidence as log2 odds: its score (the weights' sum, hard rules aside), or where
    the pairs carry none the log2 odds of its probability."""
    if "score" in pairs.columns:
        return pl.col("__strength").fill_null(0.0)
    probability = pl.col("probability").clip(1e-9, 1 - 1e-9)
    return (probability / (1 - probability)).log(2)


def _ambiguous(
    neighbours: dict[str, dict[str, list]], a: str, b: str, threshold: float, margin: float
) -> bool:
    """Whether one of the groups ``a`` and ``b`` fits a third group as well as the other one,
    where that third group and the other can never be one person (``GENERATION_CONFLICTS``).

    Father and son of one name at one address: a shop record without birth date that shares
    only what the household shares (name, address, landline) is either of them. It joins one
    only when its own evidence (a mobile, a personal e-mail, a birth date) points there by at
    least ``margin`` (log2 odds) more than to the other; else it joins neither.
    """
    for own, other in ((b, a), (a, b)):
        mine, theirs = neighbours.get(own, {}), neighbours.get(other, {})
        here = mine[other][3]
        for rival, stats in mine.items():
            if rival == other or stats[2] is not None or stats[4] < threshold:
                continue
            between = theirs.get(rival)
            if between is None or between[2] not in GENERATION_CONFLICTS:
                continue
            if here - stats[3] < margin:
                return True
    return False


def coherent_clusters(
    record_keys: pl.Series,
    pairs: pl.DataFrame,
    threshold: float,
    linkage: float,
    cannot_link: pl.DataFrame | None = None,
    must_link: pl.DataFrame | None = None,
) -> ClusterResult:
    """Merge groups along accepted pairs, strongest first, only where the groups agree.

    ``pairs`` (left_key, right_key, probability, hard_rule, first_name_level, gender_level,
    birth_date_level)
    should hold every pair within the components (``complete_pairs``); ``cannot_link`` (a
    reviewer's rejections) and ``must_link`` (approvals, golden-id links: merged first, never
    across a conflict, without the linkage test) have left_key, right_key. See the module text.
    """
    keys = record_keys.unique().sort()
    # Probabilities saturate at 1.0 (a score of 25 and one of 30 both print 1.0): the score, when
    # the pairs carry it, orders the strongest first among them, so a twin's record without
    # mobile (Lina, landline only) joins the record with her own first name before her sister's.
    strength = pairs.select(
        "left_key",
        "right_key",
        (pl.col("score") if "score" in pairs.columns else pl.col("probability")).alias(
            "__strength"
        ),
    ).unique(["left_key", "right_key"], keep="first")
    # A bridged veto (module text) is no conflict: the pair's own evidence (its score) decides
    # the soft conflicts, and its weaker bridge link counts in the average linkage. Edges and
    # the rival test keep the pair's vetoed probability: the bridging record carries the merge.
    bridges = _bridges(
        pairs.with_columns(conflicts(pairs, threshold).alias("__conflict")), threshold
    )
    own = pairs.join(bridges, on=["left_key", "right_key"], how="left", maintain_order="left")
    bridged = pl.col("bridge").is_not_null()
    own = own.with_columns(pl.col("probability").alias("__vetoed"))
    if bridges.height:
        own = own.with_columns(
            pl.when(bridged).then(None).otherwise(pl.col("hard_rule")).alias("hard_rule"),
            pl.when(bridged)
            .then(1.0 / (1.0 + pl.lit(2.0).pow(-pl.col("score"))))
            .otherwise(pl.col("probability"))
            .alias("probability"),
        )
    scored = own.select(
        "left_key",
        "right_key",
        pl.col("__vetoed").alias("probability"),
        conflicts(own, threshold).alias("conflict"),
        # A hard "match" (the same personal e-mail or checked id) is never ambiguous.
        pl.col("hard_rule").str.starts_with("match").fill_null(False).alias("__hard_match"),
        pl.max_horizontal("__vetoed", "bridge").alias("__linkage"),
        _blind(own, threshold).alias("__blind"),
    )
    # Odds of the better of two people against the other that a record must reach to join it
    # (the match threshold's odds, as log2: 0.9 -> 9 to 1, 3.17).
    margin = float(np.log2(threshold / (1.0 - threshold))) if 0 < threshold < 1 else 0.0
    if cannot_link is not None and cannot_link.height:
        rejected = cannot_link.select(
            pl.min_horizontal("left_key", "right_key").alias("left_key"),
            pl.max_horizontal("left_key", "right_key").alias("right_key"),
            pl.lit("rejected by a reviewer").alias("reason"),
        ).unique(["left_key", "right_key"])
        scored = (
            scored.join(rejected, on=["left_key", "right_key"], how="full", coalesce=True)
            .with_columns(
                pl.coalesce("reason", "conflict").alias("conflict"),
                pl.col("probability").fill_null(0.0),
                pl.col("__linkage").fill_null(0.0),
                pl.col("__hard_match").fill_null(False),
                pl.col("__blind").fill_null(False),
            )
            .drop("reason")
        )
    # Only pairs inside one component of accepted pairs and must-links can ever matter.
    links = [scored.filter(pl.col("probability") >= threshold).select("left_key", "right_key")]
    if must_link is not None:
        links.append(must_link.select("left_key", "right_key"))
    components = connected_components(keys, pl.concat(links))
    scored = (
        scored.join(components, left_on="left_key", right_on="record_key")
        .join(components, left_on="right_key", right_on="record_key", suffix="_r")
        .filter(pl.col("cluster_key") == pl.col("cluster_key_r"))
        .drop("cluster_key_r")
    )
    # Components of one or two records without a conflict need no decision: they are final.
    # Only the others (a few percent of the records) go through the loop below.
    conflicted = scored.filter(pl.col("conflict").is_not_null())["cluster_key"].unique()
    sizes = components.group_by("cluster_key").len("size")
    open_components = sizes.filter(
        (pl.col("size") > 2) | pl.col("cluster_key").is_in(conflicted.implode())
    )["cluster_key"]
    settled = components.filter(~pl.col("cluster_key").is_in(open_components.implode()))
    keys = components.filter(pl.col("cluster_key").is_in(open_components.implode()))["record_key"]
    scored = scored.filter(pl.col("cluster_key").is_in(open_components.implode())).drop(
        "cluster_key"
    )
    # One row per unordered pair, both ways round, for the neighbour tables below.
    scored = (
        scored.unique(["left_key", "right_key"], keep="first")
        .join(strength, on=["left_key", "right_key"], how="left")
        .with_columns(_log_odds(pairs).alias("__odds"))
        .sort("left_key", "right_key")
    )
    # Per pair of groups: sum and count of the cross pairs' probabilities, the first conflict,
    # the strongest cross pair (score) and the highest probability.
    neighbours: dict[str, dict[str, list]] = {}
    for left, right, probability, conflict, odds, weighed, blind in scored.select(
        "left_key", "right_key", "probability", "conflict", "__odds", "__linkage", "__blind"
    ).iter_rows():
        # A blind pair below the threshold says nothing either way: not in the average.
        stats = [0.0 if blind else weighed, 0 if blind else 1, conflict, odds, probability]
        neighbours.setdefault(left, {})[right] = stats
        neighbours.setdefault(right, {})[left] = list(stats)

    parent = {key: key for key in keys.to_list()}
    size = dict.fromkeys(parent, 1)

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def merge(a: str, b: str) -> None:
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size.pop(b)
        table_a, table_b = neighbours.setdefault(a, {}), neighbours.pop(b, {})
        table_a.pop(b, None)
        for other, (total, count, conflict, strongest, highest) in table_b.items():
            if other == a:
                continue
            mine = table_a.get(other)
            if mine is None:
                mine = table_a[other] = [0.0, 0, None, float("-inf"), 0.0]
            mine[0] += total
            mine[1] += count
            mine[2] = mine[2] or conflict
            mine[3] = max(mine[3], strongest)
            mine[4] = max(mine[4], highest)
            theirs = neighbours[other]
            theirs.pop(b, None)
            theirs[a] = list(mine)

    refused: list[tuple[str, str, float, str]] = []
    if must_link is not None:
        for left, right in (
            must_link.select("left_key", "right_key").sort("left_key", "right_key").iter_rows()
        ):
            if left in parent and right in parent:
                a, b = root(left), root(right)
                if a != b and (neighbours.get(a, {}).get(b) or [0, 0, None])[2] is None:
                    merge(a, b)
    accepted = (
        scored.filter(pl.col("probability") >= threshold)
        .sort(
            ["probability", "__strength", "left_key", "right_key"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
        .select("left_key", "right_key", "probability", "__hard_match")
    )
    # A merge is reported once, with its strongest bridge; weaker bridges between the same two
    # groups are refused for the same reason.
    reported: set[tuple[str, str]] = set()
    for left, right, probability, hard_match in accepted.iter_rows():
        a, b = root(left), root(right)
        if a == b:
            continue
        total, count, conflict = neighbours[a][b][:3]
        # Cross pairs never scored (components too large to complete) count as unknown, and
        # so do blind ones (``_blind``); the accepted bridge itself always counts.
        if count == 0:
            total, count = probability, 1
        reason = (
            f"{CONFLICT}: {conflict}"
            if conflict is not None
            else WEAK_LINK
            if total / count < linkage
            else AMBIGUOUS
            if not hard_match and _ambiguous(neighbours, a, b, threshold, margin)
            else None
        )
        if reason is None:
            merge(a, b)
        elif (min(a, b), max(a, b)) not in reported:
            reported.add((min(a, b), max(a, b)))
            refused.append((left, right, probability, reason))
    members: dict[str, str] = {}
    for key in parent:
        group = root(key)
        members[group] = min(members.get(group, key), key)
    decided = pl.DataFrame(
        {"record_key": list(parent), "cluster_key": [members[root(key)] for key in parent]},
        schema={"record_key": pl.String(), "cluster_key": pl.String()},
    )
    clusters = pl.concat([settled, decided]).sort("record_key")
    return ClusterResult(clusters, pl.DataFrame(refused, schema=REFUSED_SCHEMA, orient="row"))
