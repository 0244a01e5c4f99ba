"""Blocking: candidate pairs from records that share a key, unioned over several rules.

A blocking rule is a function from the cleaned frame to ``record_key, block_key`` rows; records
with the same block key become candidate pairs. Blocks larger than ``max_block_size`` are not
paired (they would be quadratic and mostly non-matches) and are reported with their key.

Rules whose blocks would make too many pairs at scale are split or capped before any pair is
built (matching.blocking_budget); ``BlockingResult.adjustments`` says which and how.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import polars as pl

from cleaners.addresses import postal_area
from cleaners.organisations import brand_without_town, business_domains, folded_letters
from matching.block_keys import (
    CROSS_RECORD_RULES,
    Records,
    RuleKeys,
    RuleTouching,
    block_hash,
    placed_hashes,
    touching_from_kept,
)
from matching.blocking_budget import (
    NO_KEYS,
    REFINEMENTS,
    BlockingBudget,
    RuleAdjustment,
    RulePlan,
    adjusted_blocks,
    effective_keys,
    plan_keys,
    refined_keys,
)
from matching.comparisons import NATIONAL_DIGITS
from matching.domain_abbreviations import ANCHOR_MIN_LETTERS, domain_phrases
from matching.threads import in_threads

KeyFunction = Callable[[pl.DataFrame], pl.DataFrame]

PAIR_SCHEMA = {"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()}

_EMPTY_LIST = pl.lit([], dtype=pl.List(pl.String()))


def _joined(*columns: str) -> pl.Expr:
    """Key from several columns; null when any part is missing so such records are not blocked."""
    return pl.concat_str([pl.col(name).cast(pl.String) for name in columns], separator="|")


def _scalar_rule(*columns: str) -> KeyFunction:
    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select("record_key", _joined(*columns).alias("block_key")).drop_nulls()

    return keys


def _list_rule(column: str, exclude: str | None = None) -> KeyFunction:
    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        values = pl.col(column)
        if exclude is not None and exclude in frame.columns:
            # A null exclusion list means "nothing to exclude", not "no values at all".
            values = values.list.set_difference(pl.col(exclude).fill_null(_EMPTY_LIST))
        return (
            frame.select("record_key", values.alias("block_key"))
            .explode("block_key")
            .drop_nulls()
            .unique()
        )

    return keys


def _phone_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """Each phone number, and a number with an extension ("+19194008648;ext=2") also without
    it: the switchboard's line that other lists write without the extension. A full number
    blocks by its national digits ("+4367665439269" and "+4967665439269" by "67665439269"): a
    mobile written without its country code into a record of another country
    (matching.comparisons, phone level "shared")."""
    numbers = _list_rule("phones")(frame)
    line = pl.col("block_key").str.replace(r";ext=.*$", "")
    national = line.str.extract(NATIONAL_DIGITS, 1)
    lines = numbers.select(
        "record_key",
        pl.when(national.is_null())
        .then(line)
        .otherwise(pl.concat_str([pl.lit("national:"), national]))
        .alias("block_key"),
    )
    with_extension = numbers.filter(pl.col("block_key").str.contains(";ext=", literal=True))
    return pl.concat([with_extension, lines]).unique()


def _expression_rule(key: pl.Expr) -> KeyFunction:
    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select("record_key", key.alias("block_key")).drop_nulls()

    return keys


def _name_pair() -> pl.Expr:
    """First and last name key in sorted order: finds records with swapped name fields."""
    first, last = pl.col("first_name_key"), pl.col("last_name_key")
    return (
        pl.when(first.is_not_null() & last.is_not_null())
        .then(
            pl.when(first <= last)
            .then(pl.concat_str([first, last], separator="|"))
            .otherwise(pl.concat_str([last, first], separator="|"))
        )
        .otherwise(None)
    )


def _email_local_parts(frame: pl.DataFrame) -> pl.DataFrame:
    """Local parts of personal e-mails: finds the same address with a mistyped domain."""
    keys = _list_rule("emails", exclude="role_emails")(frame)
    return (
        keys.with_columns(pl.col("block_key").str.extract(r"^([^@]{4,})@", 1)).drop_nulls().unique()
    )


#: Letters at each end of a personal e-mail's local part that ``email_typo`` blocks on.
EMAIL_TYPO_LETTERS = 5


def _email_typos(frame: pl.DataFrame) -> pl.DataFrame:
    """The domain with the first and with the last letters of a personal e-mail's local part:
    one typo in the local part (sabnie.schmidt@ / sabine.schmidt@, margaretegrober@ /
    margaretegruber@) leaves one end intact. A newsletter row that holds the mistyped address and
    a first name shares no other key with its person's records. Local parts of at least twice
    EMAIL_TYPO_LETTERS characters (shorter ones, m.kuhn@, are too common at one provider);
    each end is tagged, so a start never meets an end."""
    keys = _list_rule("emails", exclude="role_emails")(frame)
    parts = keys.select(
        "record_key",
        pl.col("block_key").str.extract(r"^([^@]+)@", 1).alias("local"),
        pl.col("block_key").str.extract(r"@([^@]+)$", 1).alias("domain"),
    ).filter(pl.col("local").str.len_chars() >= 2 * EMAIL_TYPO_LETTERS)
    return (
        pl.concat(
            [
                parts.select(
                    "record_key",
                    pl.concat_str([pl.col("domain"), pl.lit(tag), piece], separator="|").alias(
                        "block_key"
                    ),
                )
                for tag, piece in (
                    ("<", pl.col("local").str.head(EMAIL_TYPO_LETTERS)),
                    (">", pl.col("local").str.tail(EMAIL_TYPO_LETTERS)),
                )
            ]
        )
        .drop_nulls()
        .unique()
    )


def _organisation_domains(frame: pl.DataFrame) -> pl.DataFrame:
    """Business e-mail domains of organisation records (info@ and person@firma.de: firma.de).

    Only organisations: persons at one domain are colleagues, not one person. Free-mail domains
    never form a block (cleaners.organisations.business_domains).
    """
    organisations = frame.filter(pl.col("record_type") == "organisation")
    keys = (
        organisations.select(
            "record_key",
            business_domains(pl.col("emails").fill_null(_EMPTY_LIST)).alias("block_key"),
        )
        .explode("block_key")
        .drop_nulls()
        .unique()
    )
    return pl.concat(
        [
            keys,
            _organisation_named_domains(organisations, keys),
            _person_domains(frame),
            _person_firm_names(frame),
        ]
    )


def _organisation_named_domains(organisations: pl.DataFrame, domains: pl.DataFrame) -> pl.DataFrame:
    """Organisations by the name a domain spells: kontakt@maiertransporte.de (a newsletter row)
    and "Maier Transporte GmbH & Co. KG" (an ERP row without e-mail), the brand's domain and a
    branch named after its town ("Veloblitz Zürich" in Zürich, veloblitz.ch). Keys start with
    "=", so they never meet a domain's or a person's key. ``domains``: the organisation
    records' business domains (record_key, block_key), as _organisation_domains made them."""
    if "organisation_key" not in organisations.columns or "city_key" not in organisations.columns:
        return pl.DataFrame(schema={"record_key": pl.String(), "block_key": pl.String()})
    letters = r"[^a-z]"
    labels = (
        domains.select("record_key", pl.col("block_key").alias("__name"))
        .with_columns(pl.col("__name").str.replace(r"\.[^.]+$", "").str.split("."))
        .explode("__name")
    )
    name = pl.col("organisation_key").str.replace_all(letters, "")
    names = organisations.select("record_key", name.alias("__name"))
    brands = organisations.select(
        "record_key", brand_without_town(name, pl.col("city_key")).alias("__name")
    )
    # The brand is folded (umlauts, "Sankt"): so are the labels it may meet.
    folded = labels.with_columns(folded_letters(pl.col("__name").str.replace_all(letters, "")))
    spelled = (
        pl.concat([labels, folded, names, brands])
        .with_columns(pl.col("__name").str.replace_all(letters, ""))
        .filter(pl.col("__name").str.len_chars() >= _FIRM_NAME_MIN_LETTERS)
        .select("record_key", (pl.lit("=") + pl.col("__name")).alias("block_key"))
    )
    return pl.concat([spelled, _abbreviation_keys(organisations, domains)]).unique()


def _abbreviation_keys(organisations: pl.DataFrame, domains: pl.DataFrame) -> pl.DataFrame:
    """Organisations by a domain that abbreviates the name (engel-vm.de for Engel
    Versicherungsmakler, brunner-metzgerei.at for Metzgerei Brunner; see
    matching.domain_abbreviations): a whole word of the name (four letters or more) and the
    first letters of all its words, sorted ("=~engel|ev"), from the name's words and from the
    domain label's words alike. Keys start with "=~", so they meet nothing else.

    Only where the rule can decide anything (matching.comparisons._email_domain): the domains
    of nameless rows (info@engel-vm.de) and the names of firms without a domain of their own;
    a named firm's own domain is compared by its name, a contact's sign-up meets the contact
    by name."""
    with_domain = domains.select("record_key").unique()
    words = organisations.join(with_domain, on="record_key", how="anti").select(
        "record_key", pl.col("organisation_key").str.split(" ").alias("__words")
    )
    nameless = organisations.filter(pl.col("organisation_key").is_null()).select("record_key")
    phrases = (
        domains.join(nameless, on="record_key", how="semi")
        .select("record_key", domain_phrases(pl.concat_list("block_key")).alias("__p"))
        .explode("__p")
        .drop_nulls("__p")
        .select("record_key", pl.col("__p").str.split(" ").alias("__words"))
    )
    initials = pl.col("__words").list.eval(pl.element().str.slice(0, 1)).list.sort().list.join("")

    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.filter(pl.col("__words").list.len() >= 2)
            .with_columns(initials.alias("__initials"), pl.col("__words").alias("__anchor"))
            .explode("__anchor")
            .filter(pl.col("__anchor").str.len_chars() >= ANCHOR_MIN_LETTERS)
            .select(
                "record_key",
                pl.concat_str([pl.lit("=~"), "__anchor", pl.lit("|"), "__initials"]).alias(
                    "block_key"
                ),
            )
        )

    # A name's key only where a domain gives it too: two named firms of one family name and
    # trade initials (Huber Bau, Huber Bäckerei) make no pair of this rule's.
    of_domains = keys(phrases)
    of_names = keys(words).join(of_domains.select("block_key").unique(), on="block_key", how="semi")
    return pl.concat([of_domains, of_names])


#: An organisation key this long (letters only) names a domain (matching.comparisons).
_FIRM_NAME_MIN_LETTERS = 5


def _person_firm_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Persons by the firm's name and last name: a contact named on a company record without
    e-mail ("Druckerei Meier GmbH, z. Hd. Herrn Schmid", an ERP row) and the sign-up
    p.schmid@druckerei-meier.de meet where the domain spells the firm's name. Keys start with
    "~", so they never meet a bare domain's or a domain-and-name key.
    """
    columns = ("record_type", "last_name_phonetic", "organisation_key", "emails")
    if any(column not in frame.columns for column in columns):
        return pl.DataFrame(schema={"record_key": pl.String(), "block_key": pl.String()})
    letters = r"[^a-z]"
    persons = frame.filter(
        (pl.col("record_type") == "person") & pl.col("last_name_phonetic").is_not_null()
    )
    firms = persons.select(
        "record_key",
        pl.col("organisation_key").str.replace_all(letters, "").alias("__name"),
        "last_name_phonetic",
    )
    domains = (
        persons.select(
            "record_key",
            business_domains(pl.col("emails").fill_null(_EMPTY_LIST)).alias("__name"),
            "last_name_phonetic",
        )
        .explode("__name")
        .with_columns(pl.col("__name").str.replace(r"\.[^.]+$", "").str.split("."))
        .explode("__name")
        .with_columns(pl.col("__name").str.replace_all(letters, ""))
    )
    return (
        pl.concat([firms, domains])
        .filter(pl.col("__name").str.len_chars() >= _FIRM_NAME_MIN_LETTERS)
        .select(
            "record_key",
            pl.concat_str(
                [pl.lit("~"), pl.col("__name"), pl.lit("|"), pl.col("last_name_phonetic")]
            ).alias("block_key"),
        )
        .unique()
    )


def _person_domains(frame: pl.DataFrame) -> pl.DataFrame:
    """Persons by business domain and last name: a company's contact ("z. Hd. Frau Schröder",
    info@nordlicht.de) and her newsletter row (baerbel.schroeder@nordlicht.de, no first name)
    share no e-mail, phone or full name to block on. The last name keeps colleagues apart; the
    keys never meet an organisation's (those are the bare domain).
    """
    if "last_name_phonetic" not in frame.columns:
        return pl.DataFrame(schema={"record_key": pl.String(), "block_key": pl.String()})
    persons = frame.filter(
        (pl.col("record_type") == "person") & pl.col("last_name_phonetic").is_not_null()
    )
    return (
        persons.select(
            "record_key",
            business_domains(pl.col("emails").fill_null(_EMPTY_LIST)).alias("__domain"),
            "last_name_phonetic",
        )
        .explode("__domain")
        .drop_nulls()
        .select(
            "record_key",
            pl.concat_str([pl.col("__domain"), pl.col("last_name_phonetic")], separator="|").alias(
                "block_key"
            ),
        )
        .unique()
    )


def _organisation_names(frame: pl.DataFrame) -> pl.DataFrame:
    """The organisation key without spaces ("Harbor View" / "Harborview"), its first word with
    the postal code ("First Baptist Church" / "First Baptist Church of Nashville"), and for
    organisation records the address (a typo in the name, no phone to block on)."""
    key = pl.col("organisation_key")
    squashed = frame.select("record_key", key.str.replace_all(" ", "").alias("block_key"))
    first_word = frame.select(
        "record_key",
        pl.concat_str(
            [key.str.extract(r"^(\S+)", 1), postal_area(pl.col("postal_code"))], separator="|"
        ).alias("block_key"),
    )
    # The street and house number alone too: many site lists leave the postal code out.
    organisations = frame.filter(pl.col("record_type") == "organisation")
    address = organisations.select(
        "record_key",
        pl.concat_str(
            [
                pl.lit("@"),
                postal_area(pl.col("postal_code")),
                pl.col("street_key"),
                pl.col("house_number"),
            ],
            separator="|",
        ).alias("block_key"),
    )
    house = organisations.select(
        "record_key",
        pl.concat_str(
            [pl.lit("#"), pl.col("street_key"), pl.col("house_number").str.extract(r"^(\d+)", 1)],
            separator="|",
        ).alias("block_key"),
    )
    return pl.concat([squashed, first_word, address, house]).drop_nulls().unique()


def _prefix(column: str, letters: int) -> pl.Expr:
    """The first ``letters`` letters of a name key: a typo after them leaves it unchanged."""
    return pl.col(column).str.slice(0, letters)


def _suffix(column: str, letters: int) -> pl.Expr:
    """The last ``letters`` letters of a name key: a typo before them leaves it unchanged."""
    return pl.col(column).str.slice(-letters)


def birth_day_key() -> pl.Expr:
    """Day and month of birth without the year, the smaller number first: the same for a year
    mistyped (1978 / 1987, 1978 / 1987 off by one) and for day and month swapped (03.05. /
    05.03.)."""
    month, day = pl.col("birth_date").dt.month(), pl.col("birth_date").dt.day()
    return pl.concat_str(
        [
            pl.min_horizontal(month, day).cast(pl.String),
            pl.max_horizontal(month, day).cast(pl.String),
        ],
        separator="-",
    )


def _birth_month() -> pl.Expr:
    return pl.col("birth_date").dt.strftime("%Y-%m")


def _birth_year() -> pl.Expr:
    return pl.col("birth_date").dt.year().cast(pl.String)


def _keys_rule(*keys: pl.Expr) -> KeyFunction:
    """Several keys per record, each tagged so that keys of different kinds never meet: two
    records are a candidate pair when they agree on any one of them."""

    def rule(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            pl.concat(
                [
                    frame.select(
                        "record_key",
                        pl.concat_str([pl.lit(f"{tag}|"), key]).alias("block_key"),
                    )
                    for tag, key in enumerate(keys)
                ]
            )
            .drop_nulls()
            .unique()
        )

    return rule


def _partial_key(*parts: pl.Expr) -> pl.Expr:
    """Parts joined; null when any part is missing or empty (a name shorter than nothing)."""
    return pl.concat_str(
        [pl.when(part.str.len_chars() > 0).then(part) for part in parts], separator="|"
    )


def _unordered(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """Two parts in sorted order (names in swapped fields give one key); null if either is."""
    return (
        pl.when(left.is_not_null() & right.is_not_null())
        .then(
            pl.concat_str(
                [pl.min_horizontal(left, right), pl.max_horizontal(left, right)], separator="|"
            )
        )
        .otherwise(None)
    )


#: Rule name (as used in golden.toml [matching] blocking_rules) -> key function.
BLOCKING_RULES: dict[str, KeyFunction] = {
    "email": _list_rule("emails", exclude="role_emails"),
    "phone": _phone_lines,
    "name_birth_date": _scalar_rule("last_name_phonetic", "birth_date"),
    "first_name_birth_date": _scalar_rule("first_name_group", "birth_date"),
    "name_address": _scalar_rule("last_name_phonetic", "postal_code"),
    "first_name_address": _scalar_rule("first_name_group", "postal_code", "street_key"),
    "full_name": _scalar_rule("first_name_group", "last_name_phonetic"),
    "name_pair": _expression_rule(_name_pair()),
    "birth_date": _scalar_rule("birth_date"),
    "email_local_part": _email_local_parts,
    "email_typo": _email_typos,
    "name_city": _scalar_rule("last_name_phonetic", "city_key"),
    "first_name_city": _scalar_rule("first_name_group", "city_key"),
    "vat_id": _scalar_rule("vat_id"),
    "personal_id": _scalar_rule("personal_id"),
    "organisation": _organisation_names,
    "email_domain": _organisation_domains,
    # Partial keys (issues 13, 18): a typo anywhere in a name leaves its first or its last
    # letters intact, a slipped year leaves day and month, a slipped day the year and month.
    "first_name_birth_day": _keys_rule(_partial_key(_prefix("first_name_key", 3), birth_day_key())),
    "last_name_birth_day": _keys_rule(_partial_key(_prefix("last_name_key", 3), birth_day_key())),
    "first_name_birth_month": _keys_rule(
        _partial_key(_prefix("first_name_key", 3), _birth_month()),
        _partial_key(_suffix("first_name_key", 3), _birth_month()),
    ),
    "last_name_birth_month": _keys_rule(
        _partial_key(_prefix("last_name_key", 3), _birth_month()),
        _partial_key(_suffix("last_name_key", 3), _birth_month()),
    ),
    "name_parts_birth_year": _keys_rule(
        _partial_key(
            _unordered(_prefix("first_name_key", 2), _prefix("last_name_key", 2)), _birth_year()
        ),
        _partial_key(
            _unordered(_suffix("first_name_key", 2), _suffix("last_name_key", 2)), _birth_year()
        ),
    ),
}


@dataclass(frozen=True)
class BlockingResult:
    """Candidate pairs (left_key < right_key) and what each rule contributed."""

    pairs: pl.DataFrame  # left_key, right_key, rules ("email,phone")
    pairs_per_rule: dict[str, int]
    oversized_blocks: pl.DataFrame  # rule, block_key, size
    #: rules over their budget, split or capped (counts only)
    adjustments: tuple[RuleAdjustment, ...] = ()
    #: rule, block_key of every block split or capped (what an incremental run compares with)
    adjusted_blocks: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"rule": pl.String(), "block_key": pl.String()})
    )
    #: every rule's block keys as hashes per record place, for the match cache
    #: (matching.block_keys; None: not kept, rules absent: not kept for that rule)
    kept_keys: RuleKeys | None = None


@dataclass(frozen=True)
class IncrementalBlocking:
    """Candidate pairs of an incremental run and the cached pairs they supersede.

    ``result.pairs`` holds every pair of the full run that touches a changed record, plus the
    pairs of unchanged records whose rules changed because a block crossed ``max_block_size``
    (all with their complete ``rules``); ``result.pairs_per_rule`` counts these generated pairs.
    ``recheck`` lists the pairs of unchanged records whose cached row must not be reused: their
    current row, if they still are a candidate pair, is in ``result.pairs``.
    """

    result: BlockingResult
    recheck: pl.DataFrame  # left_key, right_key


_OVERSIZED_SCHEMA = {"rule": pl.String(), "block_key": pl.String(), "size": pl.UInt32()}
_KEY_PAIR_SCHEMA = {"left_key": pl.String(), "right_key": pl.String()}


def _check_rules(rule_names: list[str]) -> None:
    unknown = sorted(set(rule_names) - set(BLOCKING_RULES))
    if unknown:
        raise ValueError(
            f"unknown blocking rule(s) {', '.join(unknown)}; known: {', '.join(BLOCKING_RULES)}"
        )


def plan_rule(frame: pl.DataFrame, name: str, budget: BlockingBudget) -> RulePlan:
    """Rule ``name``'s keys on ``frame``, split or capped when over ``budget`` (blocking_budget)."""
    keys = BLOCKING_RULES[name](frame).with_columns(pl.col("block_key").cast(pl.String))
    return plan_keys(frame, name, keys, budget)


def _pairs_within(keys: pl.DataFrame) -> pl.DataFrame:
    """Every pair of records sharing a block key (left_key < right_key), once."""
    return (
        keys.join(keys, on="block_key", suffix="_right")
        .filter(pl.col("record_key") < pl.col("record_key_right"))
        .select(
            pl.col("record_key").alias("left_key"),
            pl.col("record_key_right").alias("right_key"),
        )
        .unique()
    )


def _union(pair_frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per pair with the sorted, comma-joined names of the rules that found it."""
    if not pair_frames:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    return (
        pl.concat(pair_frames)
        .group_by("left_key", "right_key")
        .agg(pl.col("rule").sort().str.join(",").alias("rules"))
        .sort("left_key", "right_key")
    )


def _oversized_frame(oversized: list[pl.DataFrame]) -> pl.DataFrame:
    if not oversized:
        return pl.DataFrame(schema=_OVERSIZED_SCHEMA)
    return pl.concat(oversized).sort("rule", "size", "block_key", descending=[False, True, False])


def oversized_hashes(
    oversized_blocks: pl.DataFrame, adjusted_blocks: pl.DataFrame | None = None
) -> pl.DataFrame:
    """rule, block_hash of every oversized block, and of every block split ("<rule>:split") or
    capped (under the rule's name, as oversized ones) by the budget, for the next incremental
    run."""
    frames = [oversized_blocks.select("rule", "block_key")]
    if adjusted_blocks is not None:
        frames.append(adjusted_blocks.select("rule", "block_key"))
    return (
        pl.concat(frames)
        .select("rule", block_hash(pl.col("block_key")))
        .unique()
        .sort("rule", "block_hash")
    )


#: Record numbers are UInt32: left * _PAIR_SHIFT + right numbers a pair in (left, right) order.
_PAIR_SHIFT = 1 << 32


@dataclass(frozen=True)
class NumberedPairs:
    """Candidate pairs as numbers: 16 bytes a pair instead of their keys and rule names.

    ``pairs``: left, right (UInt32: places in ``keys``, left < right) and mask (UInt64: bit i
    set when ``rule_names[i]`` found the pair), sorted by left, right — so by left_key,
    right_key too. ``named`` turns a slice of them into the left_key, right_key, rules frame
    ``candidate_pairs`` returns.
    """

    pairs: pl.DataFrame
    keys: pl.Series  # record_key of every record, sorted
    rule_names: tuple[str, ...]

    @property
    def height(self) -> int:
        return self.pairs.height

    def named(self, start: int = 0, length: int | None = None) -> pl.DataFrame:
        """Pairs ``start`` to ``start + length`` as left_key, right_key, rules."""
        return self.name(self.pairs.slice(start, length))

    def name(self, part: pl.DataFrame) -> pl.DataFrame:
        """Rows of ``pairs`` (left, right, mask) as left_key, right_key, rules."""
        masks = part["mask"].unique().to_list()
        names = pl.DataFrame(
            {
                "mask": masks,
                "rules": [
                    ",".join(
                        sorted(name for bit, name in enumerate(self.rule_names) if mask >> bit & 1)
                    )
                    for mask in masks
                ],
            },
            schema={"mask": pl.UInt64(), "rules": pl.String()},
        )
        rules = part.select("mask").join(names, on="mask", how="left", maintain_order="left")
        return pl.DataFrame(
            {
                "left_key": self.keys.gather(part["left"]),
                "right_key": self.keys.gather(part["right"]),
                "rules": rules["rules"],
            },
            schema=PAIR_SCHEMA,
        )


def candidate_pairs(
    frame: pl.DataFrame,
    rule_names: list[str],
    max_block_size: int,
    budget: BlockingBudget | None = None,
) -> BlockingResult:
    """Union the pairs of every named rule, de-duplicated, with the rules that found each pair.

    Pairs are built as numbers (``numbered_candidate_pairs``) and named once at the end.
    ``budget`` (default: none) splits or caps the rules whose pairs exceed it (``plan_rule``).
    """
    result, numbered = numbered_candidate_pairs(frame, rule_names, max_block_size, budget)
    return replace(result, pairs=numbered.named())


def numbered_candidate_pairs(
    frame: pl.DataFrame,
    rule_names: list[str],
    max_block_size: int,
    budget: BlockingBudget | None = None,
    *,
    keep_keys: bool = False,
) -> tuple[BlockingResult, NumberedPairs]:
    """``candidate_pairs`` with the pairs as numbers (its result's ``pairs`` left empty).

    Records are numbered by their place in record-key order (so left < right holds for the
    keys too), blocks by their place in block-key order, rules as bits. As strings, the 9
    million rule pairs of 176,000 records took 5 GiB; as numbers 16 bytes each. ``keep_keys``:
    the result keeps every rule's keys as hashes per record place (``kept_keys``), for the
    match cache (matching.block_keys; 12 bytes a key).
    """
    budget = budget or BlockingBudget(max_block_size)
    _check_rules(rule_names)
    if len(rule_names) > 64:
        raise ValueError(f"at most 64 blocking rules, not {len(rule_names)}")
    keys = frame["record_key"].unique().sort()
    numbers = pl.DataFrame({"record_key": keys}).with_row_index("record")
    places = numbers.rename({"record": "place"})

    def rule_pairs(bit: int) -> tuple[RulePlan, pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
        name = rule_names[bit]
        plan = plan_rule(frame, name, budget)
        hashed = None
        if keep_keys:
            hashed = placed_hashes(plan.keys, places)
        numbered = plan.usable.join(numbers, on="record_key").select("record", "block_key").lazy()
        # A pair as one number (left * 2^32 + right): de-duplicating and sorting one UInt64
        # column costs a third of doing it on two. Joined on the block key itself: numbering
        # the blocks first (a dense rank sorts the keys) cost more than it saved in the join
        # (300k: 3.7 -> 1.6 s CPU over the rules).
        pairs = (
            numbered.join(numbered, on="block_key", suffix="_right")
            .filter(pl.col("record") < pl.col("record_right"))
            .select(
                (pl.col("record").cast(pl.UInt64) * _PAIR_SHIFT + pl.col("record_right")).alias(
                    "pair"
                )
            )
            .unique()
            .collect()
        )
        too_big = plan.oversized.select(pl.lit(name).alias("rule"), "block_key", "size")
        # Only the decisions are kept: the keys of all rules at once would cost memory.
        plan = replace(plan, keys=NO_KEYS.to_frame(), usable=NO_KEYS.to_frame(), refined=None)
        mask = pl.lit(1 << bit, dtype=pl.UInt64).alias("mask")
        return plan, too_big, pairs.with_columns(mask), hashed

    # The rules side by side (matching.threads), in rule order.
    built = in_threads(rule_pairs, range(len(rule_names)))
    plans = {name: plan for name, (plan, _, _, _) in zip(rule_names, built, strict=True)}
    oversized = [too_big for _, too_big, _, _ in built]
    pair_frames = [pairs for _, _, pairs, _ in built]
    kept_keys = {
        name: hashed
        for name, (_, _, _, hashed) in zip(rule_names, built, strict=True)
        if hashed is not None
    }
    per_rule = {name: pairs.height for name, pairs in zip(rule_names, pair_frames, strict=True)}
    del built
    if pair_frames:
        # Sorted first, then grouped in that order: one rule's pairs are distinct, so the sum
        # of the bits is the set of rules.
        union = (
            pl.concat(pair_frames)
            .sort("pair")
            .group_by("pair", maintain_order=True)
            .agg(pl.col("mask").sum())
            .select(
                (pl.col("pair") // _PAIR_SHIFT).cast(pl.UInt32).alias("left"),
                (pl.col("pair") % _PAIR_SHIFT).cast(pl.UInt32).alias("right"),
                "mask",
            )
        )
    else:
        union = pl.DataFrame(
            schema={"left": pl.UInt32(), "right": pl.UInt32(), "mask": pl.UInt64()}
        )
    del pair_frames
    result = BlockingResult(
        pairs=pl.DataFrame(schema=PAIR_SCHEMA),
        pairs_per_rule=per_rule,
        oversized_blocks=_oversized_frame(oversized),
        adjustments=tuple(p.adjustment for p in plans.values() if p.adjustment is not None),
        adjusted_blocks=adjusted_blocks(plans),
        kept_keys=kept_keys if keep_keys else None,
    )
    return result, NumberedPairs(union, keys, tuple(rule_names))


def candidate_pairs_touching(
    frame: pl.DataFrame,
    changed: pl.Series,
    rule_names: list[str],
    max_block_size: int,
    previous_oversized: pl.DataFrame,
    budget: BlockingBudget | None = None,
    kept: Callable[[str], pl.DataFrame | None] | None = None,
) -> IncrementalBlocking:
    """The candidate pairs of ``frame`` that an incremental run must (re)compare.

    ``changed`` holds the record keys that are new or changed since the previous run,
    ``previous_oversized`` that run's ``oversized_hashes``. Each changed record's block keys
    are joined against every record's (no full self-join). A block that crossed
    ``max_block_size`` since the previous run changes the pairs of unchanged records too: a
    block grown too big stops pairing them, a block shrunk below the limit starts to. Such
    blocks hold at most ``max_block_size`` unchanged records, so re-pairing them stays cheap.
    The same holds for blocks that the ``budget`` split or capped in one run and not the other.

    ``kept``: per rule, the previous run's block-key hashes of the unchanged records (place,
    block_hash; places in today's record-key order), or None when not kept: then only the
    changed records' keys are made (matching.block_keys), else every record's. The result's
    ``kept_keys`` holds today's hashes for the next run.
    """
    budget = budget or BlockingBudget(max_block_size)
    _check_rules(rule_names)
    changed_keys = pl.DataFrame({"record_key": changed.cast(pl.String)}).unique()
    records = Records.of(frame, changed_keys)
    per_rule: dict[str, int] = {}
    touching: list[pl.DataFrame] = []
    oversized: list[pl.DataFrame] = []
    recheck_frames: list[pl.DataFrame] = []
    plans: dict[str, RulePlan] = {}
    kept_keys: RuleKeys = {}
    for name in rule_names:
        part = None
        cached = kept(name) if kept is not None else None
        if cached is not None:
            rule, remade = BLOCKING_RULES[name], CROSS_RECORD_RULES.get(name)
            part = touching_from_kept(
                records, name, rule, cached, budget, previous_oversized, remade
            )
        if part is None:
            part = _touching_rule(records, changed_keys, name, budget, previous_oversized)
        plans[name] = part.plan
        if part.keys is not None:
            kept_keys[name] = part.keys
        oversized.append(
            part.plan.oversized.select(pl.lit(name).alias("rule"), "block_key", "size")
        )
        touching.append(part.pairs.with_columns(pl.lit(name).alias("rule")))
        recheck_frames.extend(part.recheck)
    recheck = (
        pl.concat(recheck_frames).unique().sort("left_key", "right_key")
        if recheck_frames
        else pl.DataFrame(schema=_KEY_PAIR_SCHEMA)
    )
    rechecked = _rules_of(frame, recheck, plans) if recheck.height else []
    union = _union(touching + rechecked)
    for name in rule_names:
        per_rule[name] = union.filter(
            pl.col("rules").str.split(",").list.contains(pl.lit(name))
        ).height
    return IncrementalBlocking(
        result=BlockingResult(
            pairs=union,
            pairs_per_rule=per_rule,
            oversized_blocks=_oversized_frame(oversized),
            adjustments=tuple(p.adjustment for p in plans.values() if p.adjustment is not None),
            adjusted_blocks=adjusted_blocks(plans),
            kept_keys=kept_keys,
        ),
        recheck=recheck,
    )


def _touching_rule(
    records: Records,
    changed_keys: pl.DataFrame,
    name: str,
    budget: BlockingBudget,
    previous_oversized: pl.DataFrame,
) -> RuleTouching:
    """Rule ``name``'s part of ``candidate_pairs_touching`` from every record's keys."""
    frame = records.frame
    plan = plan_rule(frame, name, budget)
    keys, usable, too_big = plan.keys, plan.usable, plan.oversized
    pairs = (
        usable.join(changed_keys, on="record_key", how="semi")
        .join(usable, on="block_key", suffix="_right")
        .filter(pl.col("record_key") != pl.col("record_key_right"))
        .select(
            pl.min_horizontal("record_key", "record_key_right").alias("left_key"),
            pl.max_horizontal("record_key", "record_key_right").alias("right_key"),
        )
        .unique()
    )
    # Sub-blocks of the split blocks are keys too: one may be capped in one run only.
    refined = plan.refined
    if refined is None:
        refined = refined_keys(
            frame,
            keys.filter(pl.col("block_key").is_in(plan.split.implode())),
            REFINEMENTS.get(name, ()),
        )
    all_keys = pl.concat([keys, refined])
    skipped = pl.concat([too_big["block_key"], plan.capped])
    recheck = []
    for label, candidates, current in (
        (name, all_keys, skipped),
        (f"{name}:split", keys, plan.split),
    ):
        previous = previous_oversized.filter(pl.col("rule") == label).select("block_hash")
        if previous.height == 0 and current.len() == 0:
            continue  # no such block in either run: none crossed (most rules, most nights)
        blocks = (
            candidates.select("block_key").unique().with_columns(block_hash(pl.col("block_key")))
        )
        was = blocks.join(previous, on="block_hash", how="semi")["block_key"]
        crossed = pl.concat(
            [
                was.filter(~was.is_in(current.implode())),
                current.filter(~current.is_in(was.implode())),
            ]
        )
        if crossed.len():
            members = candidates.filter(pl.col("block_key").is_in(crossed.implode())).join(
                changed_keys, on="record_key", how="anti"
            )
            recheck.append(_pairs_within(members))
    hashed = placed_hashes(keys, records.places)
    # Only the decisions are kept: the keys of all rules at once would cost memory.
    plan = replace(plan, keys=NO_KEYS.to_frame(), usable=NO_KEYS.to_frame(), refined=None)
    return RuleTouching(plan, pairs, recheck, hashed)


def _rules_of(
    frame: pl.DataFrame, pairs: pl.DataFrame, plans: dict[str, RulePlan]
) -> list[pl.DataFrame]:
    """Per rule: the given pairs that share a block key of that rule as the plan pairs it."""
    involved = pl.concat([pairs["left_key"], pairs["right_key"]]).unique().implode()
    subset = frame.filter(pl.col("record_key").is_in(involved))
    found = []
    for name, plan in plans.items():
        keys = BLOCKING_RULES[name](subset).with_columns(pl.col("block_key").cast(pl.String))
        usable = keys.join(plan.oversized.select("block_key"), on="block_key", how="anti")
        usable = effective_keys(subset, usable, name, plan.split, plan.capped)
        shared = (
            pairs.join(usable.rename({"record_key": "left_key"}), on="left_key")
            .join(
                usable.rename({"record_key": "right_key"}),
                on=["right_key", "block_key"],
                how="semi",
            )
            .select("left_key", "right_key")
            .unique()
        )
        found.append(shared.with_columns(pl.lit(name).alias("rule")))
    return found
