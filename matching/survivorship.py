"""Golden records: one record per entity, each attribute taken from the best source by rule.

Rules per attribute group (golden.toml [survivorship]): ``trust`` (lowest silo trust rank, then
most recent), ``recent`` (latest updated_at), ``complete`` (most filled parts, longest value),
``frequent`` (the value most members share). A group such as the address is taken from ONE
source record, so street and postal code never come from different places. Every chosen value
keeps its lineage (silo, source_id, updated_at). Phones and e-mails keep all distinct values.

Marketing consent per channel (DSGVO Art. 7): an opt-out anywhere wins unless an opt-in with a
later date exists; an undated opt-out can never be proven older, so it wins. The winning record
is the proof: its date, source, consent text/version and double-opt-in confirmation are kept
together with the value, never mixed from several records.

A reviewer's override (matching.overrides, resolved for this run) beats the rule for its group of
its golden record: the group is taken from the chosen record, and the lineage's rule says
``<group>:review override by <reviewer> on <date>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from matching.accounts import account_links
from rules.canonical import CONSENT_CHANNELS, CONSENT_SUFFIXES
from rules.config import SurvivorshipConfig
from rules.privacy import GROUP_ATTRIBUTES

#: Attribute groups chosen from one source record each; the first column must be present
#: (address: see PRESENT_WITH).
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "record_type": ("record_type",),
    "salutation": ("salutation",),
    "title": ("title",),
    "name": ("last_name", "first_name"),
    "organisation": ("organisation_name", "legal_form"),
    # the department an organisation record is addressed to ("z. Hd. Buchhaltung")
    "department": ("department",),
    "address": ("postal_code", "street", "house_number", "city", "country", "address_extra"),
    "birth_date": ("birth_date",),
    "vat_id": ("vat_id",),
    # group attributes (cleaners.groups): the Listenprivileg list's one group attribute
    "segment": ("segment",),
    "profession": ("profession",),
}

#: Groups a record has when any of these columns is filled (else: its first column): site lists
#: write "1653 W 43rd St" without postal code or city, and that address must not be lost.
PRESENT_WITH: dict[str, tuple[str, ...]] = {"address": ("postal_code", "street", "city")}

GOLDEN_COLUMNS = (
    "golden_id",
    "record_type",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "organisation_name",
    "legal_form",
    "department",
    "street",
    "house_number",
    "postal_code",
    "city",
    "country",
    "address_extra",
    "phones",
    "emails",
    "birth_date",
    "vat_id",
    "segment",
    "profession",
    *(f"consent_{channel}{suffix}" for channel in CONSENT_CHANNELS for suffix in CONSENT_SUFFIXES),
    "created_at",
    "updated_at",
    "last_activity",
    "member_count",
    "silos",
    # A person's golden record: the organisation golden record it is a contact of
    # (matching.accounts); empty for organisations and private persons.
    "account_golden_id",
)

#: GOLDEN_COLUMNS but the account, which ``survive`` leaves to ``with_accounts``.
CORE_COLUMNS = tuple(name for name in GOLDEN_COLUMNS if name != "account_golden_id")

LINEAGE_SCHEMA = {
    "golden_id": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "updated_at": pl.Datetime("us"),
    "rule": pl.String(),
}


@dataclass(frozen=True)
class GoldenResult:
    """Golden records (GOLDEN_COLUMNS) and the lineage of every surviving value."""

    golden: pl.DataFrame
    lineage: pl.DataFrame


def _order(rule: str, group: tuple[str, ...]) -> tuple[list[pl.Expr], list[bool]]:
    recent = pl.col("updated_at").fill_null(pl.datetime(1900, 1, 1))
    trust = pl.col("trust_rank")
    if rule == "trust":
        return [trust, recent, pl.col("record_key")], [False, True, False]
    if rule == "recent":
        return [recent, trust, pl.col("record_key")], [True, False, False]
    if rule == "complete":
        filled = pl.sum_horizontal(pl.col(name).is_not_null().cast(pl.Int32) for name in group)
        length = pl.sum_horizontal(
            pl.col(name).cast(pl.String).str.len_chars().fill_null(0) for name in group
        )
        return [filled, length, trust, pl.col("record_key")], [True, True, False, False]
    # frequent: how many members of the entity carry the same value (whole group)
    count = pl.len().over(_GOLDEN_ROW, *group)
    return [count, trust, recent, pl.col("record_key")], [True, False, True, False]


#: Rules whose order does not depend on the group: each member's place in it is computed once
#: (``survive``, column ``__order_<rule>``) and every group sorts by that number.
_GROUP_FREE_RULES = ("trust", "recent")
#: Bound of a member's place in a rule order and of a golden id's place (2**31: golden id
#: place, two flags and rule place fit one UInt64 sort key); more members sort by the columns.
_PLACES = 1 << 31

#: A golden id's place in golden id order among the members ``survive`` is given: the groups
#: sort and group by this number instead of the text, and the lineage is ordered by it. Made by
#: ``survive`` from the golden ids alone, so it is no survivorship input (a golden id's place
#: moves when another golden id joins or leaves).
_GOLDEN_ROW = "__golden_row"


def _with_golden_rows(members: pl.DataFrame, golden_ids: pl.DataFrame) -> pl.DataFrame:
    """``members`` with _GOLDEN_ROW (UInt32): their golden id's row in ``golden_ids`` (sorted)."""
    places = golden_ids.select("golden_id").with_row_index(_GOLDEN_ROW)
    return members.with_columns(
        members.select("golden_id")
        .join(places, on="golden_id", how="left", maintain_order="left")
        .get_column(_GOLDEN_ROW)
    )


def _with_rule_orders(members: pl.DataFrame, rules: SurvivorshipConfig) -> pl.DataFrame:
    """``members`` with ``__order_<rule>`` (UInt32, 0 first) for each group-free rule in use.

    The rule's keys end with the record key, so the order is total and sorting by the number
    gives the order of sorting by the keys (a sort by a text column, per group, before).
    """
    used = {rules.fields.get(name, rules.default) for name in FIELD_GROUPS}
    for rule in _GROUP_FREE_RULES:
        if rule not in used:
            continue
        keys, descending = _order(rule, ())
        members = members.with_columns(_places(members, keys, descending).alias(f"__order_{rule}"))
    return members


def _places(members: pl.DataFrame, keys: list[pl.Expr], descending: list[bool]) -> pl.Series:
    """Each member's place (UInt32, 0 first) when sorted by ``keys`` (nulls last)."""
    order = members.select(pl.arg_sort_by(keys, descending=descending, nulls_last=True)).to_series()
    return pl.zeros(members.height, dtype=pl.UInt32, eager=True).scatter(
        order, pl.int_range(members.height, dtype=pl.UInt32, eager=True)
    )


#: A member's place in (trust rank, record key) order: the order in which a golden record's
#: phones and e-mails are first seen (``_distinct_list``).
_LIST_ORDER = "__order_lists"


#: What ordering a group's candidates and writing its lineage read besides the group's columns
#: (and _GOLDEN_ROW, which ``survive`` adds).
_SURVIVAL_COLUMNS = ("golden_id", "record_key", "trust_rank", "updated_at", "silo", "source_id")


#: Every member column ``survive`` reads (a golden record's values depend on these alone):
#: matching.golden_reuse fingerprints them, so a column that changes on every run but is never
#: read (row_number: a deleted row moves the rows after it) does not touch a golden record.
SURVIVAL_INPUTS = tuple(
    dict.fromkeys(
        [
            *_SURVIVAL_COLUMNS,
            "created_at",
            "last_activity",
            "phones",
            "emails",
            *(column for group in FIELD_GROUPS.values() for column in group),
            *(column for columns in PRESENT_WITH.values() for column in columns),
            *(
                f"consent_{channel}{suffix}"
                for channel in CONSENT_CHANNELS
                for suffix in CONSENT_SUFFIXES
            ),
        ]
    )
)


def _survive_group(
    members: pl.DataFrame,
    name: str,
    group: tuple[str, ...],
    rule: str,
    overrides: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    # Only the columns the order and the lineage read: sorting every member column ten times
    # (once per group) was most of the stage at a million records.
    # Lazily too: the filter then copies only those columns, not every member column.
    present = (
        members.lazy()
        .filter(
            pl.any_horizontal(
                pl.col(column).is_not_null() for column in PRESENT_WITH.get(name, group[:1])
            )
        )
        .select(
            _GOLDEN_ROW,
            *_SURVIVAL_COLUMNS,
            *(column for column in group if column not in _SURVIVAL_COLUMNS),
            *([f"__order_{rule}"] if rule in _GROUP_FREE_RULES else []),
        )
        .collect()
    )
    keys, descending = (
        ([pl.col(f"__order_{rule}")], [False]) if rule in _GROUP_FREE_RULES else _order(rule, group)
    )
    # A record with the group's first column (an address with postal code) wins first.
    keys, descending = [pl.col(group[0]).is_not_null(), *keys], [True, *descending]
    rule_text = pl.lit(f"{name}:{rule}")
    chosen_by = overrides.filter(pl.col("field") == name) if overrides is not None else None
    if chosen_by is not None and chosen_by.height:
        # The reviewer's record first; the rule orders the rest (and every other golden id).
        present = present.join(
            chosen_by.select(
                "golden_id",
                "record_key",
                pl.format(
                    "{}:review override by {} on {}",
                    pl.lit(name),
                    "reviewer",
                    pl.col("decided_at").dt.strftime("%Y-%m-%d"),
                ).alias("__override"),
            ),
            on=["golden_id", "record_key"],
            how="left",
        )
        keys = [pl.col("__override").is_not_null(), *keys]
        descending = [True, *descending]
        rule_text = pl.coalesce("__override", rule_text)
    if rule in _GROUP_FREE_RULES and members.height < _PLACES:
        # The same order as one number: a sort by several columns encodes each row first.
        # (golden id's place, reviewer's record first, group's first column known first, the
        # rule's place), every part below _PLACES; the booleans of ``keys`` are descending.
        key = pl.col(_GOLDEN_ROW).cast(pl.UInt64)
        for flag in keys[:-1]:
            key = key * 2 + (~flag).cast(pl.UInt64)
        key = key * _PLACES + pl.col(f"__order_{rule}").cast(pl.UInt64)
        ordered = present.sort(key)
    else:
        ordered = present.sort(
            [pl.col(_GOLDEN_ROW), *keys], descending=[False, *descending], nulls_last=True
        )
    chosen = ordered.group_by(_GOLDEN_ROW, maintain_order=True).first()
    values = chosen.select("golden_id", *group)
    lineage = pl.concat(
        [
            chosen.select(
                "golden_id",
                pl.lit(column).alias("field"),
                pl.col(column).cast(pl.String).alias("value"),
                "silo",
                "source_id",
                pl.col("updated_at").cast(pl.Datetime("us")),
                rule_text.alias("rule"),
                _GOLDEN_ROW,
            ).filter(pl.col("value").is_not_null())
            for column in group
        ]
    )
    return values, lineage


def _without_company_salutation(
    values: pl.DataFrame, lineage: pl.DataFrame, golden: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """An organisation's golden record shows no salutation; its "Firma" stays in the lineage.

    "Firma" heads a German company address ("Firma / Huber Bau GmbH"): it says what
    record_type says, and golden.csv's salutation is a person's (Herr, Frau ...). Its lineage row
    keeps the value and its source, with a rule saying why golden.csv leaves it out.
    """
    # record_type survives first (FIELD_GROUPS' order): golden has it already.
    organisations = golden.filter(pl.col("record_type") == "organisation")["golden_id"]
    is_organisation = pl.col("golden_id").is_in(organisations.implode())
    values = values.with_columns(
        pl.when(is_organisation).then(None).otherwise(pl.col("salutation")).alias("salutation")
    )
    lineage = lineage.with_columns(
        pl.when(is_organisation)
        .then(pl.format("{} (organisation: shown by record_type, not in golden.csv)", "rule"))
        .otherwise(pl.col("rule"))
        .alias("rule")
    )
    return values, lineage


def _consent(members: pl.DataFrame, channel: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    value, date, source = (f"consent_{channel}{s}" for s in ("", "_date", "_source"))
    # Only the columns read below: the sort then moves these, not every member column.
    stated = members.select(
        _GOLDEN_ROW,
        *_SURVIVAL_COLUMNS,
        *(f"consent_{channel}{suffix}" for suffix in CONSENT_SUFFIXES),
    ).filter(pl.col(value).is_not_null())
    # Latest opt-out per entity; undated opt-outs count as "latest possible".
    far_future = pl.date(9999, 12, 31)
    opt_out_until = (
        (pl.when(~pl.col(value)).then(pl.col(date).fill_null(far_future)).otherwise(None))
        .max()
        .over(_GOLDEN_ROW)
    )
    ranked = stated.with_columns(opt_out_until.alias("__opt_out_until")).with_columns(
        # An opt-in survives only when it is dated after every opt-out.
        (
            pl.col(value)
            & (pl.col("__opt_out_until").is_null() | (pl.col(date) > pl.col("__opt_out_until")))
        ).alias("__valid_in"),
    )
    candidates = ranked.filter(~pl.col(value) | pl.col("__valid_in"))
    chosen = (
        candidates.sort(
            [_GOLDEN_ROW, date, "trust_rank", "record_key"],
            descending=[False, True, False, False],
            nulls_last=True,
        )
        .group_by(_GOLDEN_ROW, maintain_order=True)
        .first()
    )
    # If every opt-in was overruled, the entity's latest opt-out wins.
    # The winning record's proof travels with its value: date, source, text, DOI confirmation.
    values = chosen.select("golden_id", *(f"consent_{channel}{s}" for s in CONSENT_SUFFIXES))
    lineage = chosen.select(
        "golden_id",
        pl.lit(value).alias("field"),
        pl.col(value).cast(pl.String).alias("value"),
        "silo",
        "source_id",
        pl.col("updated_at").cast(pl.Datetime("us")),
        pl.lit("consent:opt_out_wins_unless_later_opt_in").alias("rule"),
        _GOLDEN_ROW,
    )
    return values, lineage


def build_golden_records(
    records: pl.DataFrame,
    assignment: pl.DataFrame,
    trust_ranks: Mapping[str, int],
    rules: SurvivorshipConfig,
    overrides: pl.DataFrame | None = None,
) -> GoldenResult:
    """Merge the cleaned records of each entity into one golden record with lineage.

    ``assignment`` maps record_key -> golden_id; ``trust_ranks`` maps silo -> rank (1 = best);
    ``overrides`` (matching.overrides.APPLIED_SCHEMA): the reviewers' chosen record per golden
    id and group, already checked for this run (matching.overrides.resolve_overrides).
    """
    members = survivorship_members(records, assignment, trust_ranks)
    golden, lineage = survive(members, rules, overrides)
    return with_accounts(golden, lineage, members, assignment)


def survivorship_members(
    records: pl.DataFrame, assignment: pl.DataFrame, trust_ranks: Mapping[str, int]
) -> pl.DataFrame:
    """The records with their golden_id and their silo's trust rank, optional columns filled."""
    members = _with_assignment(records, assignment).with_columns(
        pl.col("silo")
        .replace_strict(dict(trust_ranks), default=None, return_dtype=pl.Int64)
        .fill_null(1000)
        .alias("trust_rank")
    )
    # The optional proof fields (consent text, DOI confirmation) and group attributes: null when
    # a frame lacks them.
    return members.with_columns(
        pl.lit(None, dtype).alias(name)
        for name, dtype in _optional_columns().items()
        if name not in members.columns
    )


def survive(
    members: pl.DataFrame, rules: SurvivorshipConfig, overrides: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Golden records without their account (GOLDEN_COLUMNS but account_golden_id, by golden_id)
    and their lineage without the account rows (by golden_id, field).

    Each golden record reads only its own members: a part of the golden ids survives as it
    would among all of them (matching.golden_reuse). Accounts cross golden records:
    ``with_accounts`` adds them.
    """
    # Each group's phones and e-mails sort by one number, not by trust rank and record key text.
    members = members.with_columns(
        _places(members, [pl.col("trust_rank"), pl.col("record_key")], [False, False]).alias(
            _LIST_ORDER
        )
    )
    base = (
        members.group_by("golden_id")
        .agg(
            pl.len().alias("member_count"),
            pl.col("silo").unique().sort().str.join(",").alias("silos"),
            pl.col("created_at").min(),
            pl.col("updated_at").max(),
            pl.col("last_activity").max(),
            _distinct_list("phones"),
            _distinct_list("emails"),
        )
        .sort("golden_id")
    )
    members = _with_rule_orders(_with_golden_rows(members, base), rules)
    lineage_parts: list[pl.DataFrame] = []
    golden = base
    for name, group in FIELD_GROUPS.items():
        rule = rules.fields.get(name, rules.default)
        values, lineage = _survive_group(members, name, group, rule, overrides)
        if name == "salutation":
            values, lineage = _without_company_salutation(values, lineage, golden)
        golden = golden.join(values, on="golden_id", how="left")
        lineage_parts.append(lineage)
    for channel in CONSENT_CHANNELS:
        values, lineage = _consent(members, channel)
        golden = golden.join(values, on="golden_id", how="left")
        lineage_parts.append(lineage)
    lineage = _in_golden_order(pl.concat(lineage_parts))
    return golden.select(CORE_COLUMNS).sort("golden_id"), lineage.cast(LINEAGE_SCHEMA)  # type: ignore[arg-type]


def with_accounts(
    golden: pl.DataFrame, lineage: pl.DataFrame, members: pl.DataFrame, assignment: pl.DataFrame
) -> GoldenResult:
    """``survive``'s golden records and lineage with every person's account (matching.accounts,
    over all of ``members``: an account is another golden record) and its lineage row."""
    accounts = account_links(members, assignment)
    golden = golden.join(
        accounts.select("golden_id", "account_golden_id"),
        on="golden_id",
        how="left",
        maintain_order="left",
    )
    account_lineage = (
        accounts.join(
            members.select("record_key", "silo", "source_id", "updated_at"), on="record_key"
        )
        .select(
            "golden_id",
            pl.lit("account_golden_id").alias("field"),
            pl.col("account_golden_id").alias("value"),
            "silo",
            "source_id",
            pl.col("updated_at").cast(pl.Datetime("us")),
            pl.format("account:{}", pl.col("evidence")).alias("rule"),
        )
        .cast(LINEAGE_SCHEMA)  # type: ignore[arg-type]
        .sort("golden_id")
    )
    # One row per golden id and field, and "account_golden_id" sorts before every other field
    # name: merged in (the left frame first on equal golden ids), the lineage is in
    # (golden_id, field) order without sorting it again.
    return GoldenResult(
        golden=golden.select(GOLDEN_COLUMNS),
        lineage=account_lineage.merge_sorted(lineage, "golden_id"),
    )


def _with_assignment(records: pl.DataFrame, assignment: pl.DataFrame) -> pl.DataFrame:
    """The records that have a golden id, with the assignment's columns after their own (as an
    inner join on record_key gives them).

    Joined on the record keys alone and placed beside the records: a join of the records gathers
    every one of their columns (about sixty, a million rows each).
    """
    shared = set(records.columns) & set(assignment.columns) - {"record_key"}
    marked = assignment.with_columns(pl.lit(True).alias("__assigned"))
    placed = records.select("record_key").join(
        marked, on="record_key", how="left", maintain_order="left"
    )
    if shared or placed.height != records.height:  # a column twice, a record key twice
        return records.join(assignment, on="record_key")
    members = records.hstack(placed.drop("record_key", "__assigned"))
    assigned = placed.get_column("__assigned").is_not_null()
    return members if assigned.all() else members.filter(assigned)


def _in_golden_order(lineage: pl.DataFrame) -> pl.DataFrame:
    """The lineage sorted by golden id, then field (each pair occurs once), without _GOLDEN_ROW.

    Sorted by one number (the golden id's place times the fields, plus the field's place among
    them): at a million records the lineage has about ten million rows, and sorting them by two
    text columns took several times as long.
    """
    if lineage.is_empty():
        return lineage.drop(_GOLDEN_ROW)
    fields = sorted(lineage["field"].unique().to_list())
    place = pl.col("field").replace_strict(
        {field: index for index, field in enumerate(fields)}, return_dtype=pl.UInt64
    )
    key = pl.col(_GOLDEN_ROW).cast(pl.UInt64) * len(fields) + place
    return lineage.sort(key).drop(_GOLDEN_ROW)


def _optional_columns() -> dict[str, pl.DataType]:
    return {
        **{
            f"consent_{channel}{suffix}": dtype
            for channel in CONSENT_CHANNELS
            for suffix, dtype in (("_text", pl.String()), ("_confirmed_at", pl.Datetime("us")))
        },
        **{name: pl.String() for name in GROUP_ATTRIBUTES},
        "address_extra": pl.String(),
        "department": pl.String(),
    }


def _distinct_list(column: str) -> pl.Expr:
    """All distinct values of a list column over the members, in first-seen order of trust
    (then record key: _LIST_ORDER)."""
    return (
        pl.col(column)
        .sort_by(_LIST_ORDER)
        .list.explode(keep_nulls=False, empty_as_null=False)  # Expr.flatten is gone in polars 2
        .drop_nulls()
        .unique(maintain_order=True)
        .alias(column)
    )
