"""A full match that compares the costly fields only where they can still matter (issue 18).

At a million records blocking makes 16-20 million candidate pairs, of which well under a
million are matches; every field of every pair was compared, then most pairs were dropped
(matching.kept_pairs keeps a pair at or above the review threshold, in the seeded sample, or
inside a component of accepted pairs). Here, with ``[matching] prune_pairs``:

1. the EM learns the weights from a seeded sample of ``em_candidate_pairs`` candidate pairs,
   every field compared (all pairs when there are fewer: then nothing below is left to do,
   and the weights are those of the EM over all pairs);
2. the other pairs are compared a stage (``STAGES``) of comparisons at a time, the cheap and
   decisive ones first. After each stage a pair's score is bounded from above: the weights of
   its compared levels (with their term-frequency adjustments) plus, for each comparison not
   yet compared, the best weight any of its levels has (0 when missing, the most a
   term-frequency adjustment adds included). A hard "no match" rule whose conditions are all
   decided by the compared levels makes the pair's probability 0. A pair whose bound stays
   below the review threshold is not compared further ("pruned"), unless a hard "match" rule
   (or the organisation mailbox rule) might still apply to it, or it is in kept_pairs' seeded
   sample;
3. kept_pairs scores the rest; a pruned pair is scored only when it falls inside a component
   of accepted pairs, its fields then compared in full (``PrunedCompared.take``).

Reviewer decisions, overrides and links act on the kept pairs and the records (flows), and
a pruned pair was below the review threshold, so dropped today in any case: the kept pairs,
their scores and the clusters are the same as with every field of every pair compared
(tests/matching/test_cascade.py). Only the weights may differ from an EM over every pair,
when there are more pairs than the sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import polars as pl

from matching.blocking import BlockingResult, NumberedPairs, numbered_candidate_pairs
from matching.blocking_budget import BlockingBudget
from matching.chunked_match import (
    _BATCHES_TOTAL,
    LEVEL_COLUMNS,
    CompactCompared,
    Compare,
)
from matching.comparisons import (
    COMPARE_CHUNK_PAIRS,
    COMPARISONS,
    MISSING,
    Comparison,
    compare_pairs,
    comparison_attributes,
)
from matching.estimation import (
    add_patterns,
    candidate_sample,
    estimate_from_patterns,
    level_patterns,
)
from matching.kept_pairs import SAMPLE_SEED, SAMPLE_SHARE
from matching.scoring import MatchWeights, level_condition
from matching.term_frequency import (
    ADJUSTED,
    MAX_ADJUSTMENT,
    RecordFrequencies,
    record_frequencies,
    term_frequency_adjustments,
)
from matching.threads import in_threads, thread_count
from rules.config import HardRule, MatchingConfig

#: Comparisons compared together, stage by stage; every comparison in one stage. First the
#: cheap ones that decide most non-matches (birth dates apart, another e-mail or phone, two
#: personal ids; about 3 µs a pair together at 50,000 generated persons), then the first name
#: (3.5 µs), last the address and the e-mail domain (5 µs), on the pairs still open.
STAGES: tuple[tuple[str, ...], ...] = (
    (
        "last_name",
        "birth_date",
        "email",
        "email_year",
        "phone",
        "site",
        "organisation",
        "vat_id",
        "personal_id",
        "name_suffix",
        "gender",
    ),
    ("first_name",),
    ("address", "email_domain"),
)
#: A pair is pruned only when its bound is this far (log2 units) below the review threshold:
#: the bound adds the weights in another order than scoring, which may differ in the last bit.
BOUND_MARGIN = 1e-6
Result = TypeVar("Result")
#: Marks a level not compared (a pruned pair's later stages) in the level arrays.
NOT_COMPARED = -128


def best_weights(weights: MatchWeights, term_frequency: bool) -> dict[str, float]:
    """Per comparison: the most any of its levels adds to a score (0: missing), with the most
    a term-frequency adjustment adds to its exact level."""
    best = {}
    for comparison in COMPARISONS:
        table = weights.levels[comparison.name]
        most = max(0.0, *table.values())
        if term_frequency and comparison.name in ADJUSTED:
            most = max(most, table[ADJUSTED[comparison.name][1]] + MAX_ADJUSTMENT)
        best[comparison.name] = most
    return best


def _known(text: str, compared: frozenset[str]) -> tuple[pl.Expr, pl.Expr]:
    """A hard rule's condition: (surely holds, may hold) given the compared comparisons."""
    if text.split(":", 1)[0] in compared:
        holds = level_condition(text).fill_null(False)
        return holds, holds
    return pl.lit(False), pl.lit(True)


def hard_rule_bounds(
    rules: Sequence[HardRule], compared: frozenset[str]
) -> tuple[pl.Expr, pl.Expr]:
    """(surely "no match", may be raised): what matching.scoring's hard rules may still decide
    of a pair of which only the ``compared`` comparisons have levels.

    Every "no match" rule comes before the "match" rules (and different record types before
    both), so a "no match" rule that surely applies decides the pair. A "match" rule that may
    apply, or the organisation mailbox rule between two organisations, may raise it to 1.
    """
    types = (pl.col("record_type_l"), pl.col("record_type_r"))
    surely_no = (types[0] != types[1]).fill_null(False)
    may_raise = pl.lit(False)
    for rule in rules:
        when = [_known(text, compared) for text in rule.when]
        surely = pl.all_horizontal(sure for sure, _ in when)
        maybe = pl.all_horizontal(may for _, may in when)
        if rule.unless:
            unless = [_known(text, compared) for text in rule.unless]
            surely = surely & ~pl.any_horizontal(may for _, may in unless)
            maybe = maybe & ~pl.any_horizontal(sure for sure, _ in unless)
        if rule.record_type != "any":
            of_type = (types[0] == rule.record_type) & (types[1] == rule.record_type)
            surely, maybe = surely & of_type, maybe & of_type
        if rule.then == "no_match":
            surely_no = surely_no | surely.fill_null(False)
        else:
            may_raise = may_raise | maybe.fill_null(False)
    organisations = (types[0] == "organisation") & (types[1] == "organisation")
    mailbox = organisations & _known("organisation:only_one", compared)[1]
    return surely_no, (may_raise | mailbox).fill_null(False)


@dataclass(frozen=True)
class PairBound:
    """What bounds a pair's score: the weights, their best levels, the rules, the threshold."""

    weights: MatchWeights
    best: dict[str, float]
    hard_rules: Sequence[HardRule]
    review_threshold: float
    records: pl.DataFrame
    frequencies: RecordFrequencies | None

    @classmethod
    def of(
        cls, settings: MatchingConfig, weights: MatchWeights, records: pl.DataFrame
    ) -> PairBound:
        """The bound of ``[matching]``'s rules and threshold with ``weights``."""
        frequencies = record_frequencies(records) if settings.term_frequency else None
        return cls(
            weights,
            best_weights(weights, settings.term_frequency),
            settings.hard_rules,
            settings.review_threshold,
            records,
            frequencies,
        )

    def prunable(self, compared: pl.DataFrame, names: frozenset[str]) -> np.ndarray:
        """Per pair of ``compared`` (keys, record types and the levels of ``names``): surely
        below the review threshold and outside kept_pairs' sample."""
        frame = compared
        if self.frequencies is not None:
            # Comparisons not compared yet read as missing: their adjustment is in ``best``.
            frame = term_frequency_adjustments(
                compared.with_columns(
                    pl.lit(MISSING, dtype=pl.Int8).alias(f"{name}_level")
                    for name in ADJUSTED
                    if name not in names
                ),
                self.records,
                self.frequencies,
            )
        score = pl.lit(self.weights.prior, dtype=pl.Float64)
        for comparison in COMPARISONS:
            if comparison.name not in names:
                score = score + self.best[comparison.name]
                continue
            table = self.weights.levels[comparison.name]
            mapping = {index: table[label] for index, label in enumerate(comparison.levels)}
            mapping[MISSING] = 0.0
            weight = pl.col(f"{comparison.name}_level").replace_strict(
                mapping, return_dtype=pl.Float64
            )
            if f"{comparison.name}_tf_adjustment" in frame.columns:
                weight = weight + pl.col(f"{comparison.name}_tf_adjustment")
            score = score + weight
        probability = 1.0 / (1.0 + pl.lit(2.0).pow(-(score + BOUND_MARGIN)))
        surely_no, may_raise = hard_rule_bounds(self.hard_rules, names)
        sample = pl.struct("left_key", "right_key").hash(SAMPLE_SEED) % SAMPLE_SHARE == 0
        below = (probability < self.review_threshold) & ~may_raise
        if self.review_threshold > 0:
            below = below | surely_no
        return frame.select((below & ~sample).alias("prunable")).to_series().to_numpy()


@dataclass(frozen=True)
class PrunedCompared(CompactCompared):
    """CompactCompared whose ``pruned`` pairs lack the levels of later stages: compared in
    full (``compare_all``) when a chunk or rows with such a pair are asked for."""

    pruned: np.ndarray | None = None
    compare_all: Callable[[pl.DataFrame], pl.DataFrame] | None = None

    def chunk(self, start: int, length: int) -> pl.DataFrame:
        end = min(start + length, self.height)
        if self.pruned is None or not self.pruned[start:end].any():
            return super().chunk(start, length)
        return self.take(pl.Series(np.arange(start, end), dtype=pl.UInt32))

    def take(self, rows: pl.Series) -> pl.DataFrame:
        numbers = self.numbered.pairs.select(pl.all().gather(rows))
        levels = self.levels.select(pl.all().gather(rows))
        if self.pruned is not None and self.compare_all is not None:
            missing = np.flatnonzero(self.pruned[rows.to_numpy()])
            if len(missing):
                places = pl.Series("__place", missing, dtype=pl.UInt32)
                full = self.compare_all(self.numbered.name(numbers[places])).select(LEVEL_COLUMNS)
                levels = (
                    pl.concat(
                        [
                            levels.with_row_index("__place").filter(
                                ~pl.col("__place").is_in(places.implode())
                            ),
                            full.with_columns(places),
                        ],
                        how="diagonal",
                    )
                    .sort("__place")
                    .drop("__place")
                )
        return self._rebuild(numbers, levels)


@dataclass(frozen=True)
class CascadeMatch:
    """Compared pairs (some pruned), the weights and blocking's counts."""

    blocking: BlockingResult
    compared: PrunedCompared
    weights: MatchWeights
    pruned: np.ndarray
    #: Pairs compared in full for the EM, then the pairs each of STAGES compared.
    stage_pairs: tuple[int, ...] = ()


def _batches(rows: np.ndarray, batch_pairs: int) -> list[np.ndarray]:
    # Enough batches to keep every thread busy.
    size = max(min(batch_pairs, -(-len(rows) // thread_count())), 1)
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def compare_in_stages(
    records: pl.DataFrame,
    settings: MatchingConfig,
    compare: Compare,
    batch_pairs: int,
    chunk_pairs: int = COMPARE_CHUNK_PAIRS,
) -> CascadeMatch:
    """Block; the EM on a sample of the pairs; the other pairs compared stage by stage (module
    text), ``batch_pairs`` side by side in threads, each ``chunk_pairs`` at a time."""
    blocking, numbered = numbered_candidate_pairs(
        records,
        settings.blocking_rules,
        settings.max_block_size,
        BlockingBudget.from_settings(settings),
    )
    height = numbered.height
    attributes = comparison_attributes(records)
    sample = candidate_sample(height, settings.em_candidate_pairs)
    in_full = np.ones(height, dtype=bool) if sample is None else sample
    levels = {column: np.full(height, NOT_COMPARED, dtype=np.int8) for column in LEVEL_COLUMNS}

    # 1. The sample, every field compared (through ``compare``: the flow's partitions and
    # progress), its level patterns for the EM.
    full_rows = np.flatnonzero(in_full)
    listener = _BATCHES_TOTAL.get()
    if listener is not None:
        listener(len(full_rows))

    def compare_sample(rows: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
        compared = compare(_named(numbered, rows), attributes)
        return level_patterns(compared, settings.hard_rules), compared.select(LEVEL_COLUMNS)

    patterns = []
    for batch_rows, (batch_patterns, batch_levels) in _with_rows(
        full_rows, batch_pairs, compare_sample
    ):
        patterns.append(batch_patterns)
        for column in LEVEL_COLUMNS:
            levels[column][batch_rows] = batch_levels[column].to_numpy()
    weights = MatchWeights.defaults()
    if settings.estimate_weights and height > 0:
        weights = estimate_from_patterns(
            records,
            add_patterns(patterns),
            weights,
            sample_size=settings.em_sample_size,
            candidate_pairs=height,
        ).weights
    del patterns

    # 2. The other pairs, a stage at a time, each stage on the pairs the last one left open.
    bound = PairBound.of(settings, weights, records)
    open_rows = np.flatnonzero(~in_full)
    pruned = np.zeros(height, dtype=bool)
    done: frozenset[str] = frozenset()
    stage_pairs = [len(full_rows)]
    for stage in STAGES:
        stage_pairs.append(len(open_rows))
        comparisons = [c for c in COMPARISONS if c.name in stage]
        done = done | frozenset(stage)
        earlier = [f"{name}_level" for name in sorted(done - frozenset(stage))]
        last = len(done) == len(COMPARISONS)

        def compare_stage(
            rows: np.ndarray,
            comparisons: list[Comparison] = comparisons,
            earlier: list[str] = earlier,
            names: frozenset[str] = done,
            last: bool = last,
        ) -> tuple[pl.DataFrame, np.ndarray]:
            compared = compare_pairs(
                _named(numbered, rows), attributes, chunk_pairs=chunk_pairs, comparisons=comparisons
            ).with_columns(
                pl.Series(column, levels[column][rows], dtype=pl.Int8) for column in earlier
            )
            prunable = np.zeros(len(rows), dtype=bool) if last else bound.prunable(compared, names)
            stage_columns = [f"{c.name}_level" for c in comparisons]
            return compared.select(stage_columns), prunable

        still_open = []
        for batch_rows, (batch_levels, prunable) in _with_rows(
            open_rows, batch_pairs, compare_stage
        ):
            for column in batch_levels.columns:
                levels[column][batch_rows] = batch_levels[column].to_numpy()
            pruned[batch_rows[prunable]] = True
            still_open.append(batch_rows[~prunable])
        open_rows = np.concatenate(still_open) if still_open else open_rows[:0]

    def compare_all(pairs: pl.DataFrame) -> pl.DataFrame:
        return compare_pairs(pairs, attributes, chunk_pairs=chunk_pairs)

    per_record = pl.DataFrame({"record_key": numbered.keys}).join(
        attributes.select("record_key", "record_type", "domain_owner"),
        on="record_key",
        how="left",
        maintain_order="left",
    )
    level_frame = pl.DataFrame(
        {column: pl.Series(column, values, dtype=pl.Int8) for column, values in levels.items()}
    ).with_columns(
        pl.when(pl.col(column) != NOT_COMPARED).then(pl.col(column)).alias(column)
        for column in LEVEL_COLUMNS
    )
    compact = PrunedCompared(
        numbered,
        level_frame,
        per_record.get_column("record_type"),
        per_record.get_column("domain_owner"),
        pruned=pruned,
        compare_all=compare_all,
    )
    return CascadeMatch(blocking, compact, weights, pruned, tuple(stage_pairs))


def _named(numbered: NumberedPairs, rows: np.ndarray) -> pl.DataFrame:
    return numbered.name(numbered.pairs[pl.Series(rows, dtype=pl.UInt32)])


def _with_rows(
    rows: np.ndarray, batch_pairs: int, function: Callable[[np.ndarray], Result]
) -> list[tuple[np.ndarray, Result]]:
    """(rows, ``function(rows)``) per batch of ``rows``, batches side by side in threads."""
    batches = _batches(rows, batch_pairs)
    return list(zip(batches, in_threads(function, batches), strict=True))
