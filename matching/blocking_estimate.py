"""Blocking estimate: how many candidate pairs each rule would make, before any pair is built.

Splink counts comparisons per blocking rule from key frequencies before it predicts; this does
the same for ``matching.blocking``. Each rule's keys are computed (one row per record and key,
linear in the records) and counted per key; a block of n records makes n(n-1)/2 pairs, blocks
above ``max_block_size`` make none and are counted apart. The sum over a rule's blocks equals
the pairs ``candidate_pairs`` reports for that rule whenever no two records share more than one
key of the rule (always true for single-key rules; e-mail, phone, organisation and the
partial-name rules with a start and an end key can find one pair twice, which
``candidate_pairs`` counts once). The sum over rules is an upper bound of the union:
a pair found by several rules is compared once.

Only counts and block sizes leave this module, never a block key (keys are names, dates of
birth, e-mails: personal data).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from matching.blocking import BLOCKING_RULES
from matching.blocking_budget import BlockingBudget, RuleAdjustment, plan_keys
from matching.threads import in_threads

#: How many of the largest block sizes each rule reports.
LARGEST_BLOCKS = 3


@dataclass(frozen=True)
class RuleEstimate:
    """Estimated pairs of one blocking rule and the shape of its blocks."""

    rule: str
    records: int  # records with at least one key of this rule
    blocks: int  # distinct keys
    pairs: int  # pairs of the blocks within max_block_size
    oversized_blocks: int  # blocks above max_block_size (not paired)
    oversized_records: int  # record-key rows in those blocks
    skipped_pairs: int  # pairs the oversized blocks would have made
    largest_blocks: tuple[int, ...]  # sizes of the largest blocks, largest first
    #: over its budget: how the rule is split or capped (``pairs`` counts before that)
    adjustment: RuleAdjustment | None = None

    @property
    def planned_pairs(self) -> int:
        """The pairs the run builds for this rule: after splitting and capping."""
        return self.adjustment.pairs_after if self.adjustment else self.pairs

    def to_dict(self) -> dict[str, object]:
        return {
            "adjustment": self.adjustment.to_dict() if self.adjustment else None,
            "rule": self.rule,
            "records": self.records,
            "blocks": self.blocks,
            "pairs": self.pairs,
            "oversized_blocks": self.oversized_blocks,
            "oversized_records": self.oversized_records,
            "skipped_pairs": self.skipped_pairs,
            "largest_blocks": list(self.largest_blocks),
        }


@dataclass(frozen=True)
class BlockingEstimate:
    """Per-rule estimates of a set of blocking rules on one frame."""

    records: int
    max_block_size: int
    rules: tuple[RuleEstimate, ...]

    @property
    def union_bound(self) -> int:
        """Upper bound of the candidate pairs of all rules together (the sum over rules), after
        the rules over budget are split or capped."""
        return sum(rule.planned_pairs for rule in self.rules)

    @property
    def all_pairs(self) -> int:
        """Pairs without blocking: every record against every other."""
        return self.records * (self.records - 1) // 2

    def to_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "max_block_size": self.max_block_size,
            "union_bound": self.union_bound,
            "all_pairs": self.all_pairs,
            "rules": [rule.to_dict() for rule in self.rules],
        }


def estimate_rule(
    frame: pl.DataFrame, rule: str, max_block_size: int, budget: BlockingBudget | None = None
) -> RuleEstimate:
    """Count one rule's blocks and the pairs they would make (no pair is built); with a
    ``budget``, also how the run would split or cap the rule (``adjustment``)."""
    if rule not in BLOCKING_RULES:
        raise ValueError(f"unknown blocking rule {rule}; known: {', '.join(BLOCKING_RULES)}")
    keys = BLOCKING_RULES[rule](frame).with_columns(pl.col("block_key").cast(pl.String))
    sizes = keys.group_by("block_key").len("size").select(pl.col("size").cast(pl.Int64))
    pairs = pl.col("size") * (pl.col("size") - 1) // 2
    oversized = pl.col("size") > max_block_size
    counts = sizes.select(
        pairs.filter(~oversized).sum().alias("pairs"),
        pairs.filter(oversized).sum().alias("skipped"),
        oversized.sum().alias("oversized_blocks"),
        pl.col("size").filter(oversized).sum().alias("oversized_records"),
    ).row(0, named=True)
    largest = sizes["size"].top_k(LARGEST_BLOCKS).sort(descending=True).to_list()
    return RuleEstimate(
        rule=rule,
        records=keys["record_key"].n_unique(),
        blocks=sizes.height,
        pairs=int(counts["pairs"] or 0),
        oversized_blocks=int(counts["oversized_blocks"] or 0),
        oversized_records=int(counts["oversized_records"] or 0),
        skipped_pairs=int(counts["skipped"] or 0),
        largest_blocks=tuple(int(size) for size in largest),
        # The keys made above, planned as plan_rule plans them (it would make them again).
        adjustment=plan_keys(frame, rule, keys, budget).adjustment if budget is not None else None,
    )


def estimate_blocking(
    frame: pl.DataFrame,
    rule_names: list[str],
    max_block_size: int,
    budget: BlockingBudget | None = None,
) -> BlockingEstimate:
    """Estimated candidate pairs of every named rule on the cleaned frame."""
    return BlockingEstimate(
        records=frame.height,
        max_block_size=max_block_size,
        # The rules side by side, as blocking builds them (matching.threads), in rule order.
        rules=tuple(
            in_threads(lambda name: estimate_rule(frame, name, max_block_size, budget), rule_names)
        ),
    )
