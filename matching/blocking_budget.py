"""Blocking budget: rules whose blocks would make too many pairs are split or capped (issue 18).

Rules whose keys get common as the data grows (a birth date at a million records is shared by
dozens of people) would make pairs quadratic in the records. Before any pair is built, each
rule's pairs are counted from its block sizes: a rule over its budget (``BlockingBudget``:
pairs per record times the records) has its blocks above ``split_block_size`` split by extra
keys (``REFINEMENTS``: a pair stays a candidate when it agrees on any of them), oversized blocks
included, and what is still above that size is capped (not paired). ``RuleAdjustment`` reports
which rule, by which keys, and the pairs avoided; matching.blocking builds the pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rules.config import MatchingConfig

_EMPTY_LIST = pl.lit([], dtype=pl.List(pl.String()))

#: Extra keys that split a rule's large blocks when the rule is over its pairs budget, unioned:
#: a pair of a split block stays a candidate when the two records agree on any of them. Rules
#: not named here (e-mail, phone, organisation ...) are only capped.
REFINEMENTS: dict[str, tuple[str, ...]] = {
    "birth_date": ("initials",),
    "name_birth_date": ("given_initials",),
    "first_name_birth_date": ("last_initial",),
    "full_name": ("birth_year", "postal_region"),
    "name_pair": ("birth_year", "postal_region"),
    "name_address": ("given_initials", "birth_year"),
    "first_name_address": ("last_initial", "birth_year"),
    "name_city": ("given_initials", "birth_year"),
    "first_name_city": ("last_initial", "birth_year"),
    "first_name_birth_day": ("last_initial", "birth_year"),
    "last_name_birth_day": ("given_initials", "birth_year"),
    "first_name_birth_month": ("last_initial", "birth_day"),
    "last_name_birth_month": ("given_initials", "birth_day"),
    "name_parts_birth_year": ("birth_parts",),
}

#: Refinement key name -> expression on the cleaned frame (null: the record lacks it).
REFINEMENT_KEYS: dict[str, pl.Expr] = {
    # The first letters of first name, last name and e-mail addresses, as one set: a record
    # without a first name, or with its names swapped, still shares an initial with the other.
    "initials": pl.concat_list(
        pl.col("first_name_key").str.slice(0, 1),
        pl.col("last_name_key").str.slice(0, 1),
        pl.col("emails").fill_null(_EMPTY_LIST).list.eval(pl.element().str.slice(0, 1)),
    )
    .list.drop_nulls()
    .list.unique(),
    # The first letters of first name and e-mail addresses (which mostly start with it): for
    # rules keyed on the last name, a record without a first name still has one.
    "given_initials": pl.concat_list(
        pl.col("first_name_key").str.slice(0, 1),
        pl.col("emails").fill_null(_EMPTY_LIST).list.eval(pl.element().str.slice(0, 1)),
    )
    .list.drop_nulls()
    .list.unique(),
    "last_initial": pl.col("last_name_key").str.slice(0, 1),
    "first_initial": pl.col("first_name_key").str.slice(0, 1),
    "birth_year": pl.col("birth_date").dt.year().cast(pl.String),
    "postal_region": pl.col("postal_code").str.slice(0, 2),
    "birth_day": pl.col("birth_date").dt.day().cast(pl.String),
    # Month and day of birth as a set: a pair stays when one of the two did not slip.
    "birth_parts": pl.concat_list(
        pl.concat_str([pl.lit("m"), pl.col("birth_date").dt.month().cast(pl.String)]),
        pl.concat_str([pl.lit("d"), pl.col("birth_date").dt.day().cast(pl.String)]),
    ).list.drop_nulls(),
}


@dataclass(frozen=True)
class BlockingBudget:
    """How many pairs a rule may make before its large blocks are split or capped.

    The budget grows linearly with the records (``pairs_per_record`` times the records), so
    candidate pairs do too; ``split_block_size`` is the block size above which an over-budget
    rule's blocks are split, and its sub-blocks capped.
    """

    max_block_size: int
    pairs_per_record: float = 0.0  # 0: no budget, rules are never split or capped
    split_block_size: int = 0

    @classmethod
    def from_settings(cls, settings: MatchingConfig) -> BlockingBudget:
        """The budget of golden.toml's [matching] settings."""
        return cls(
            max_block_size=settings.max_block_size,
            pairs_per_record=settings.rule_pairs_per_record,
            split_block_size=settings.split_block_size,
        )

    def limit(self, records: int) -> int | None:
        """The pairs one rule may make among ``records`` records (None: unlimited)."""
        if self.pairs_per_record <= 0 or self.split_block_size < 2:
            return None
        return int(self.pairs_per_record * records)


@dataclass(frozen=True)
class RuleAdjustment:
    """A rule over its budget: its large blocks split by extra keys and/or capped."""

    rule: str
    budget: int
    refined_by: tuple[str, ...]
    blocks_split: int  # blocks above split_block_size, split by refined_by
    blocks_capped: int  # (sub-)blocks still above split_block_size: not paired
    pairs_before: int  # the pairs of all the rule's blocks, oversized ones too (block sizes)
    pairs_after: int  # its pairs with the adjustment (an upper bound: sub-blocks may overlap)

    @property
    def pairs_avoided(self) -> int:
        return max(self.pairs_before - self.pairs_after, 0)

    def describe(self) -> str:
        """One line for the run log and --explain-blocking (counts only, no key)."""
        split = (
            f"{self.blocks_split:,} blocks split by {' or '.join(self.refined_by)}"
            if self.refined_by
            else ""
        )
        capped = f"{self.blocks_capped:,} blocks capped" if self.blocks_capped else ""
        actions = "; ".join(part for part in (split, capped) if part) or "nothing to split"
        return (
            f"{self.rule}: its blocks would make {self.pairs_before:,} pairs, over the budget "
            f"of {self.budget:,} — {actions}: {self.pairs_after:,} pairs, "
            f"{self.pairs_avoided:,} avoided"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "budget": self.budget,
            "refined_by": list(self.refined_by),
            "blocks_split": self.blocks_split,
            "blocks_capped": self.blocks_capped,
            "pairs_before": self.pairs_before,
            "pairs_after": self.pairs_after,
            "pairs_avoided": self.pairs_avoided,
        }


@dataclass(frozen=True)
class RulePlan:
    """One rule's keys and what blocking does with them.

    ``keys``: every record_key, block_key of the rule; ``usable``: the keys that are paired
    (split blocks replaced by their sub-blocks); ``oversized``: block_key, size of blocks above
    max_block_size; ``split``: block keys split; ``capped``: (sub-)block keys not paired.
    """

    keys: pl.DataFrame
    usable: pl.DataFrame
    oversized: pl.DataFrame
    split: pl.Series
    capped: pl.Series
    adjustment: RuleAdjustment | None = None
    #: the sub-block keys of the split blocks' members (refined_keys), made once per plan
    refined: pl.DataFrame | None = None


_SIZE = pl.col("size").cast(pl.Int64)
_BLOCK_PAIRS = _SIZE * (_SIZE - 1) // 2
NO_KEYS = pl.Series("block_key", [], dtype=pl.String)
#: Between a block key and a refinement: cleaned values hold no control characters, so a
#: sub-block's key never equals a block key.
REFINED = "\x1f"


def _pairs_of(keys: pl.DataFrame) -> int:
    """Pairs the blocks of ``keys`` (record_key, block_key) make, from their sizes."""
    return int(keys.group_by("block_key").len("size").select(_BLOCK_PAIRS.sum()).item() or 0)


def refined_keys(
    frame: pl.DataFrame, members: pl.DataFrame, refined_by: tuple[str, ...]
) -> pl.DataFrame:
    """Sub-block keys of ``members`` (record_key, block_key): block key plus each refinement."""
    if not refined_by or members.height == 0:
        return pl.DataFrame(schema={"record_key": pl.String(), "block_key": pl.String()})
    # Only the members' refinements: an incremental night refines the few blocks it touches.
    values = frame.join(members.select("record_key").unique(), on="record_key", how="semi").select(
        "record_key", *(REFINEMENT_KEYS[name].alias(name) for name in refined_by)
    )
    joined = members.join(values.unique("record_key"), on="record_key")
    parts = []
    for name in refined_by:
        part = joined.select("record_key", "block_key", name)
        if isinstance(part.schema[name], pl.List):  # a set of values: one sub-block each
            part = part.explode(name)
        parts.append(
            part.select(
                "record_key",
                pl.concat_str(
                    [pl.col("block_key"), pl.lit(f"{REFINED}{name}="), pl.col(name)]
                ).alias("block_key"),
            )
        )
    return pl.concat(parts).drop_nulls().unique()


def effective_keys(
    frame: pl.DataFrame,
    usable: pl.DataFrame,
    name: str,
    split: pl.Series,
    capped: pl.Series,
    refined: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The keys that are paired: split blocks replaced by their sub-blocks, capped ones out.

    ``refined``: the split members' sub-block keys when the caller made them already."""
    if split.len():
        if refined is None:
            members = usable.filter(pl.col("block_key").is_in(split.implode()))
            refined = refined_keys(frame, members, REFINEMENTS.get(name, ()))
        usable = pl.concat([usable.filter(~pl.col("block_key").is_in(split.implode())), refined])
    if capped.len():
        usable = usable.filter(~pl.col("block_key").is_in(capped.implode()))
    return usable


def plan_keys(
    frame: pl.DataFrame, name: str, keys: pl.DataFrame, budget: BlockingBudget
) -> RulePlan:
    """Rule ``name``'s ``keys`` (record_key, block_key), sized before any pair is built; split
    or capped when over budget.

    The budget is weighed against the pairs of all the rule's blocks, oversized ones included:
    a rule over it has every block above ``split_block_size`` split, oversized ones too (they
    would otherwise be skipped whole, and their records would find no pair by this rule).
    """
    sizes = keys.group_by("block_key").len("size")
    too_big = sizes.filter(pl.col("size") > budget.max_block_size)
    usable = keys.join(too_big.select("block_key"), on="block_key", how="anti")
    limit = budget.limit(frame.height)
    before = int(sizes.select(_BLOCK_PAIRS.sum()).item() or 0)
    if limit is None or before <= limit:
        return RulePlan(keys, usable, too_big, NO_KEYS, NO_KEYS)
    large = sizes.filter(pl.col("size") > budget.split_block_size)["block_key"].sort()
    refined_by = REFINEMENTS.get(name, ())
    sub = None
    if refined_by:
        split = large
        sub = refined_keys(
            frame, keys.filter(pl.col("block_key").is_in(large.implode())), refined_by
        )
        capped = (
            sub.group_by("block_key")
            .len("size")
            .filter(pl.col("size") > budget.split_block_size)["block_key"]
            .sort()
        )
        # Split, not skipped: no block of this rule is left out whole.
        too_big = too_big.head(0)
        effective = effective_keys(frame, keys, name, split, capped, sub)
    else:
        split, capped = NO_KEYS, large.filter(~large.is_in(too_big["block_key"].implode()))
        effective = effective_keys(frame, usable, name, split, capped)
    adjustment = RuleAdjustment(
        rule=name,
        budget=limit,
        refined_by=refined_by if split.len() else (),
        blocks_split=split.len(),
        blocks_capped=capped.len(),
        pairs_before=before,
        pairs_after=_pairs_of(effective),
    )
    return RulePlan(keys, effective, too_big, split, capped, adjustment, sub)


def adjusted_blocks(plans: dict[str, RulePlan]) -> pl.DataFrame:
    """rule, block_key of the split and capped blocks (split ones as "<rule>:split")."""
    frames = [
        pl.DataFrame(
            {"rule": f"{name}:split" if kind == "split" else name, "block_key": keys},
            schema={"rule": pl.String(), "block_key": pl.String()},
        )
        for name, plan in plans.items()
        for kind, keys in (("split", plan.split), ("capped", plan.capped))
        if keys.len()
    ]
    if not frames:
        return pl.DataFrame(schema={"rule": pl.String(), "block_key": pl.String()})
    return pl.concat(frames)
