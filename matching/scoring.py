"""Scoring: Fellegi-Sunter match weights per comparison level, summed into a match probability.

score = prior + sum of the level weights (log2 Bayes factors); probability = 1 / (1 + 2^-score).
Missing values weigh 0. Hard rules from golden.toml override the sum (e.g. different first names
never match, unless the records share a personal id; the same VAT id always matches), and
records of different types (person vs organisation) never match. Each pair keeps its per-field
weights as the explanation.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import polars as pl

from matching.comparisons import COMPARISONS, MISSING
from rules.config import HardRule
from rules.errors import ConfigError


@dataclass(frozen=True)
class MatchWeights:
    """Prior log2 odds and the weight of every level of every comparison."""

    prior: float
    levels: dict[str, dict[str, float]]

    @classmethod
    def defaults(cls) -> MatchWeights:
        """The hand-set defaults in matching/data/weights.toml."""
        data = _weights_toml()
        data.pop("pinned", None)
        prior = float(data.pop("prior"))
        levels = {name: {k: float(v) for k, v in table.items()} for name, table in data.items()}
        for comparison in COMPARISONS:
            missing = set(comparison.levels) - set(levels.get(comparison.name, {}))
            if missing:
                raise ValueError(f"weights.toml: [{comparison.name}] lacks {sorted(missing)}")
        return cls(prior=prior, levels=levels)


def _weights_toml() -> dict[str, Any]:
    text = resources.files("matching").joinpath("data/weights.toml").read_text("utf-8")
    return tomllib.loads(text)


def pinned_levels() -> dict[str, frozenset[str]]:
    """Levels whose weight the EM keeps at its default ([pinned] in weights.toml)."""
    pinned = _weights_toml().get("pinned", {})
    return {name: frozenset(labels) for name, labels in pinned.items()}


def level_condition(text: str) -> pl.Expr:
    """``"<comparison>:<level>"`` or ``"<comparison>:<level>|<level>"`` (any of the levels)."""
    name, labels = text.split(":", 1)
    comparison = next((c for c in COMPARISONS if c.name == name), None)
    if comparison is None or not set(labels.split("|")) <= set(comparison.levels):
        known = "; ".join(f"{c.name}: {', '.join(c.levels)}" for c in COMPARISONS)
        raise ConfigError(
            f"[matching] hard_rules: unknown condition {text!r}; known levels are {known}"
        )
    indexes = [comparison.levels.index(label) for label in labels.split("|")]
    return pl.col(f"{name}_level").is_in(indexes)


def _level(name: str, label: str) -> int:
    comparison = next(c for c in COMPARISONS if c.name == name)
    return comparison.levels.index(label)


def _organisation_mailbox(compared: pl.DataFrame) -> pl.Expr:
    """A nameless organisation record and a named one at its business domain, one firm's.

    A newsletter or shop row that holds nothing but a role mailbox (kontakt@firma.de;
    cleaners.organisations.organisation_mailboxes made it an organisation) has no other field
    the weights could add up: the mailbox is all it says, and it names the firm whose record
    carries that mailbox (info@firma.de included: firms read all role mailboxes of their
    domain, buchhaltung@ next to info@). A CRM admin files it there.

    The very same mailbox always joins, and so does a mailbox named after the other record's
    town (zuerich@veloblitz.ch and the Veloblitz branch in Zürich: ``names_contact`` between
    organisations). Another mailbox of the domain joins only when one named
    organisation owns the domain in the data (``same_domain_owner``, see
    matching.comparisons._domain_owners) and the addresses, where both have one, are not two
    sites: a group's subsidiaries, branches with their own VAT ids or an agency's domain shared
    by its clients stay apart, and the nameless row bridges no two firms. A personal address at
    the firm (anna.huber@firma.de) leaves the row a person, the firm's contact (different
    record types never match). Built in after the configured rules, so any configured rule
    (a different VAT id ...) wins; never between persons, and never when both records name an
    organisation (two named firms at one domain are left to the weights).
    """
    needed = ("email_domain_level", "organisation_level", "record_type_l", "record_type_r")
    if any(name not in compared.columns for name in needed):
        return pl.lit(False)
    mailbox = pl.col("email_domain_level") == _level("email_domain", "same_address")
    # The mailbox named after the other record's town (zuerich@veloblitz.ch): that branch's.
    one_firm = pl.col("email_domain_level") == _level("email_domain", "names_contact")
    if "same_domain_owner" in compared.columns:
        one_firm = one_firm | (
            (pl.col("email_domain_level") == _level("email_domain", "shared"))
            & pl.col("same_domain_owner")
        )
    if "site_level" in compared.columns:
        one_firm = one_firm & (pl.col("site_level") != _level("site", "different"))
    mailbox = mailbox | one_firm.fill_null(False)
    return (
        (pl.col("record_type_l") == "organisation")
        & (pl.col("record_type_r") == "organisation")
        & mailbox
        & (pl.col("organisation_level") == _level("organisation", "only_one"))
    ).fill_null(False)


def _person_mailbox(compared: pl.DataFrame) -> pl.Expr:
    """A nameless row and a named person whose records alone carry its address, one person's.

    A newsletter row with only an e-mail (huber73@t-online.de) shares that address with
    "Stefan Huber | huber73@t-online.de", and nothing else: a shared address alone stays below
    the threshold. Where every record carrying the address names one and the same person
    (``same_domain_owner`` between persons, matching.email_owners), the row is that person's,
    also for a last name with digits (huber73@) nobody else in the data uses; an address two
    people carry (Andrea and Andreas Bauer's bauer@) and a family mailbox (familie.koch@: the
    household's) give no owner, and the row stays alone. The very same address only (a typo
    could be a namesake's), and
    only where one side names nobody (both names missing in the pair). Built in after the
    configured rules, so any configured rule wins.
    """
    needed = ("email_level", "first_name_level", "last_name_level", "same_domain_owner")
    if any(name not in compared.columns for name in needed):
        return pl.lit(False)
    same_address = pl.col("email_level").is_in(
        [_level("email", "shared"), _level("email", "shared_household")]
    )
    # A first-name row ("Matthias" | schmitt@chello.at) owned by the one carrier of that first
    # name (matching.email_owners._first_name_owned): the same first name, no last name on it.
    first_name_only = pl.col("first_name_level").is_in(
        [_level("first_name", "exact"), _level("first_name", "nickname")]
    )
    return (
        (pl.col("record_type_l") == "person")
        & (pl.col("record_type_r") == "person")
        & pl.col("same_domain_owner")
        & same_address
        & ((pl.col("first_name_level") == MISSING) | first_name_only)
        & (pl.col("last_name_level") == MISSING)
    ).fill_null(False)


def hard_rule_decisions(compared: pl.DataFrame, rules: Sequence[HardRule]) -> pl.DataFrame:
    """Per pair: ``hard_decision`` (1 match, -1 no match, null none) and ``hard_rule`` text.

    Records of different types (person vs organisation) never match, nor does a company's
    contact (a person with an organisation) with a private record (a person without one)
    unless the two share an e-mail address or the second one's address is at the contact's
    company domain (a business sign-up, not a private record): the business contact and the
    private customer stay two golden records, and golden.csv links the contact to its
    organisation. Last, a nameless
    organisation record and the one named organisation at its business domain match
    (``_organisation_mailbox``), and so do a nameless row and the one named person whose
    records carry its address (``_person_mailbox``).
    """
    ordered = [rule for rule in rules if rule.then == "no_match"] + [
        rule for rule in rules if rule.then == "match"
    ]
    different_types = (pl.col("record_type_l") != pl.col("record_type_r")).fill_null(False)
    contact_and_private = pl.lit(False)
    if "organisation_level" in compared.columns and "email_level" in compared.columns:
        contact_and_private = (
            (pl.col("record_type_l") == "person")
            & (pl.col("organisation_level") == _level("organisation", "only_one"))
            & (pl.col("email_level") != _level("email", "shared"))
        ).fill_null(False)
        if "email_domain_level" in compared.columns:
            # A business address at the contact's company domain: a business record, not a
            # private one (matching.comparisons._contact_and_business_row).
            business = pl.col("email_domain_level").is_in(
                [
                    _level("email_domain", "same_address"),
                    _level("email_domain", "names_contact"),
                    _level("email_domain", "shared"),
                ]
            )
            contact_and_private = contact_and_private & ~business.fill_null(False)
    decision = (
        pl.when(different_types)
        .then(pl.lit(-1, dtype=pl.Int8))
        .when(contact_and_private)
        .then(pl.lit(-1, dtype=pl.Int8))
    )
    reason = (
        pl.when(different_types)
        .then(pl.lit("different record types"))
        .when(contact_and_private)
        .then(pl.lit("contact and private person"))
    )
    for rule in ordered:
        applies = pl.all_horizontal(level_condition(text) for text in rule.when)
        if rule.unless:
            applies = applies & ~pl.any_horizontal(level_condition(text) for text in rule.unless)
        if rule.record_type != "any":
            applies = (
                applies
                & (pl.col("record_type_l") == rule.record_type)
                & (pl.col("record_type_r") == rule.record_type)
            )
        applies = applies.fill_null(False)
        decision = decision.when(applies).then(
            pl.lit(1 if rule.then == "match" else -1, dtype=pl.Int8)
        )
        reason = reason.when(applies).then(pl.lit(f"{rule.then}: {' & '.join(rule.when)}"))
    mailbox = _organisation_mailbox(compared)
    decision = decision.when(mailbox).then(pl.lit(1, dtype=pl.Int8))
    reason = reason.when(mailbox).then(pl.lit("organisation mailbox"))
    person_mailbox = _person_mailbox(compared)
    decision = decision.when(person_mailbox).then(pl.lit(1, dtype=pl.Int8))
    reason = reason.when(person_mailbox).then(pl.lit("person's mailbox"))
    return compared.select(
        decision.otherwise(None).alias("hard_decision"),
        reason.otherwise(pl.lit(None, dtype=pl.String)).alias("hard_rule"),
    )


def score_pairs(
    compared: pl.DataFrame, weights: MatchWeights, hard_rules: Sequence[HardRule] = ()
) -> pl.DataFrame:
    """Add ``<comparison>_weight``, ``score`` and ``probability`` to compared pairs."""
    weight_columns = []
    for comparison in COMPARISONS:
        table = weights.levels[comparison.name]
        mapping = {index: table[label] for index, label in enumerate(comparison.levels)}
        mapping[MISSING] = 0.0
        weight_columns.append(
            pl.col(f"{comparison.name}_level")
            .replace_strict(mapping, return_dtype=pl.Float64)
            .alias(f"{comparison.name}_weight")
        )
    scored = compared.with_columns(weight_columns)
    # Term-frequency adjustments (matching.term_frequency), when computed, refine exact levels.
    adjusted = [
        (pl.col(f"{c.name}_weight") + pl.col(f"{c.name}_tf_adjustment")).alias(f"{c.name}_weight")
        for c in COMPARISONS
        if f"{c.name}_tf_adjustment" in compared.columns
    ]
    # The prior plus each weight in COMPARISONS' order, one addition after the other: a float
    # sum depends on its order, and pairs.parquet must be the same to the last bit on every run
    # (no reduction whose order a library may choose).
    score = pl.lit(weights.prior, dtype=pl.Float64)
    for comparison in COMPARISONS:
        score = score + pl.col(f"{comparison.name}_weight")
    scored = scored.with_columns(adjusted).with_columns(score.alias("score"))
    probability = 1.0 / (1.0 + pl.lit(2.0).pow(-pl.col("score")))
    decided = scored.with_columns(hard_rule_decisions(scored, hard_rules))
    return decided.with_columns(
        pl.when(pl.col("hard_decision") == -1)
        .then(0.0)
        .when(pl.col("hard_decision") == 1)
        .then(1.0)
        .otherwise(probability)
        .alias("probability")
    ).drop("hard_decision")
