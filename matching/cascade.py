"""A full match that compares the costly fields only where they can still matter (issue 18).

At a million records blocking makes 16-20 million candidate pairs, of which well under a
million are matches; every field of every pair was compared, then most pairs were dropped
(matching.kept_pairs keeps a pair at or above the review threshold, in the seeded sample, or
inside a component of accepted pairs). Here, with ``[matching] prune_pairs``:

1. the EM learns the weights from a seeded sample of ``em_candidate_pairs`` candidate pairs,
   every field compared (all pairs when there are fewer: then nothing below is left to do,
   and the weights are those of the EM over all pairs); with the weights known already (a
   night keeping the frozen model, ``FrozenModel``, or ``estimate_weights = false``) no pair
   is compared for the EM;
2. the other pairs are compared a stage (``STAGES``) of comparisons at a time, the cheap and
   decisive ones first, a chunk of pairs at a time through all stages: the chunk's two
   records' attributes are gathered once (by record number) and swapped names aligned once.
   After each stage a pair's score is bounded from above: the weights of its compared levels
   (with their term-frequency adjustments) plus, for each comparison not yet compared, the
   best weight any of its levels has (0 when missing, the most a term-frequency adjustment
   adds included). A hard "no match" rule whose conditions are all
   decided by the compared levels makes the pair's probability 0. A pair whose bound stays
   below the review threshold is not compared further ("pruned"), unless a hard "match" rule
   (or the person's or the organisation mailbox rule) might still apply to it, or it is in
   kept_pairs' seeded sample;
3. kept_pairs scores the rest; a pruned pair is scored only when it falls inside a component
   of accepted pairs, its fields then compared in full (``PrunedCompared.take``).

Reviewer decisions, overrides and links act on the kept pairs and the records (flows), and
a pruned pair was below the review threshold, so dropped today in any case: the kept pairs,
their scores and the clusters are the same as with every field of every pair compared
(tests/matching/test_cascade.py). Only the weights may differ from an EM over every pair,
when there are more pairs than the sample. The nightly flow prunes too: matching.incremental
keeps a pruned pair in the match cache with the levels it was compared on, and the next
nights leave it pruned while its records and their domain owners are unchanged.
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
    per_record,
)
from matching.comparisons import (
    COMPARE_CHUNK_PAIRS,
    COMPARISONS,
    MISSING,
    PairSides,
    compare_pairs,
    compared_levels,
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
#: kept_pairs' seeded sample of the pairs (of left_key, right_key).
SAMPLE = pl.struct("left_key", "right_key").hash(SAMPLE_SEED) % SAMPLE_SHARE == 0


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


def _missing(name: str, compared: frozenset[str]) -> pl.Expr:
    """May the comparison ``name`` be missing (its level MISSING, or not compared yet)?"""
    return pl.col(f"{name}_level") == MISSING if name in compared else pl.lit(True)


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
    # The person's mailbox rule: a nameless row and the one person owning its address.
    persons = (types[0] == "person") & (types[1] == "person")
    person_mailbox = (
        persons
        & pl.col("same_domain_owner")
        & _known("email:shared|shared_household", compared)[1]
        & _missing("first_name", compared)
        & _missing("last_name", compared)
    )
    return surely_no, (may_raise | mailbox | person_mailbox).fill_null(False)


@dataclass(frozen=True)
class PairBound:
    """What bounds a pair's score: the weights, their best levels, the rules, the threshold."""

    weights: MatchWeights
    best: dict[str, float]
    hard_rules: Sequence[HardRule]
    review_threshold: float
    frequencies: RecordFrequencies | None

    @classmethod
    def of(
        cls,
        settings: MatchingConfig,
        weights: MatchWeights,
        records: pl.DataFrame,
        frequencies: RecordFrequencies | None = None,
    ) -> PairBound:
        """The bound of ``[matching]``'s rules and threshold with ``weights`` (and the term
        frequencies scoring reads: ``frequencies``, else counted from ``records``)."""
        if not settings.term_frequency:
            frequencies = None
        elif frequencies is None:
            frequencies = record_frequencies(records)
        return cls(
            weights,
            best_weights(weights, settings.term_frequency),
            settings.hard_rules,
            settings.review_threshold,
            frequencies,
        )

    def numbered(self, keys: pl.Series) -> NumberedBound:
        """This bound for pairs given as record numbers (places in ``keys``)."""
        tables = {}
        for comparison in COMPARISONS:
            table = self.weights.levels[comparison.name]
            # Index level + 1: 0 is MISSING (weighs nothing).
            tables[comparison.name] = np.array(
                [0.0, *(table[label] for label in comparison.levels)], dtype=np.float64
            )
        frequencies = {}
        for name, (_, label) in ADJUSTED.items():
            found = None if self.frequencies is None else self.frequencies[name]
            if found is None:
                continue
            per_record, average = found
            tf = (
                keys.alias("record_key")
                .to_frame()
                .join(per_record, on="record_key", how="left", maintain_order="left")["tf"]
                .cast(pl.Float64)
                .to_numpy()
            )
            exact = next(c for c in COMPARISONS if c.name == name).levels.index(label)
            frequencies[name] = (tf, average, exact)
        return NumberedBound(self, tables, frequencies)


@dataclass(frozen=True)
class NumberedBound:
    """PairBound for pairs of record numbers: the weights looked up in arrays by level, the
    term frequencies by record number (a lookup by key per chunk and stage joined a million
    keys each time)."""

    bound: PairBound
    #: per comparison: the weight of level i at i + 1, 0 (missing) at 0
    tables: dict[str, np.ndarray]
    #: per adjusted comparison with values: tf per record number (NaN: none), the average tf,
    #: the exact level's index
    frequencies: dict[str, tuple[np.ndarray, float, int]]

    def prunable(
        self,
        compared: pl.DataFrame,
        levels: dict[str, np.ndarray],
        numbers: tuple[np.ndarray, np.ndarray],
        sample: np.ndarray,
    ) -> np.ndarray:
        """Per pair: surely below the review threshold and outside kept_pairs' ``sample``.

        ``levels``: per compared comparison (by name) the pairs' levels; ``numbers``: their
        left and right record numbers; ``compared``: their record types, same_domain_owner
        and ``<name>_level`` columns (the hard rules read them)."""
        bound = self.bound
        names = frozenset(levels)
        score = np.full(len(sample), bound.weights.prior, dtype=np.float64)
        for comparison in COMPARISONS:
            name = comparison.name
            if name not in names:
                score += bound.best[name]
                continue
            level = levels[name].astype(np.intp)
            weight = self.tables[name][level + 1]
            if name in self.frequencies:
                # matching.term_frequency's adjustment: the exact level only, by the more
                # common of the two records' values (not compared yet: in ``best``).
                tf, average, exact = self.frequencies[name]
                rows = np.flatnonzero(level == exact)
                larger = np.fmax(tf[numbers[0][rows]], tf[numbers[1][rows]])
                known = ~np.isnan(larger)
                rows, larger = rows[known], larger[known]
                weight[rows] += np.clip(np.log2(average / larger), -MAX_ADJUSTMENT, MAX_ADJUSTMENT)
            score += weight
        probability = 1.0 / (1.0 + np.exp2(-(score + BOUND_MARGIN)))
        surely_no, may_raise = hard_rule_bounds(bound.hard_rules, names)
        rules = compared.select(surely_no.alias("no"), may_raise.alias("raise"))
        below = (probability < bound.review_threshold) & ~rules["raise"].to_numpy()
        if bound.review_threshold > 0:
            below = below | rules["no"].to_numpy()
        return below & ~sample


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
    #: The term frequencies the bound read (scoring reads the same; None: not adjusted)
    frequencies: RecordFrequencies | None = None


@dataclass(frozen=True)
class FrozenModel:
    """Weights and term frequencies known before comparing (matching.frozen_model): no EM."""

    weights: MatchWeights
    frequencies: RecordFrequencies | None


def _batches(rows: np.ndarray, batch_pairs: int) -> list[np.ndarray]:
    # Enough batches to keep every thread busy.
    size = max(min(batch_pairs, -(-len(rows) // thread_count())), 1)
    return [rows[start : start + size] for start in range(0, len(rows), size)]


@dataclass(frozen=True)
class _Staged:
    """One batch through the stages: levels (NOT_COMPARED where pruned before), pruned pairs
    and the pairs each stage compared."""

    levels: dict[str, np.ndarray]
    pruned: np.ndarray
    stage_pairs: tuple[int, ...]


class _Stages:
    """The stages over pairs of ``numbered``: each chunk's two records' attributes gathered
    once (by record number, no key looked up) and their swapped names aligned once; each
    stage compares the pairs still open and the bound prunes."""

    def __init__(self, numbered: NumberedPairs, attributes: pl.DataFrame, bound: PairBound) -> None:
        self.numbered = numbered
        self.sides = PairSides.of(attributes)
        # Per record number (a place in numbered.keys): its row in the attributes.
        self.row_of = self.sides.rows_of(numbered.keys).to_numpy()
        self.bound = bound.numbered(numbered.keys)
        self.stages = [[c for c in COMPARISONS if c.name in stage] for stage in STAGES]

    def chunk(self, rows: np.ndarray) -> _Staged:
        numbers = self.numbered.pairs[pl.Series(rows, dtype=pl.UInt32)]
        left, right = numbers["left"].to_numpy(), numbers["right"].to_numpy()
        keys = self.numbered.keys
        pairs = pl.DataFrame({"left_key": keys.gather(left), "right_key": keys.gather(right)})
        # kept_pairs' sample: never pruned.
        sample = pairs.select(SAMPLE).to_series().to_numpy()
        places = [
            pl.Series(self.row_of[left], dtype=pl.UInt32),
            pl.Series(self.row_of[right], dtype=pl.UInt32),
        ]
        joined = self.sides.joined(pairs, places)
        height = len(rows)
        levels = {column: np.full(height, NOT_COMPARED, dtype=np.int8) for column in LEVEL_COLUMNS}
        pruned = np.zeros(height, dtype=bool)
        still = np.arange(height)
        done: list[str] = []
        counts = []
        for number, comparisons in enumerate(self.stages):
            counts.append(len(still))
            compared = compared_levels(joined, [], comparisons)
            for comparison in comparisons:
                column = f"{comparison.name}_level"
                levels[column][still] = compared[column].to_numpy()
            done += [comparison.name for comparison in comparisons]
            if number == len(self.stages) - 1 or not len(still):
                break
            known = {name: levels[f"{name}_level"][still] for name in done}
            earlier = [
                pl.Series(f"{name}_level", values, dtype=pl.Int8)
                for name, values in known.items()
                if f"{name}_level" not in compared.columns
            ]
            prunable = self.bound.prunable(
                compared.with_columns(earlier),
                known,
                (left[still], right[still]),
                sample[still],
            )
            if prunable.any():
                pruned[still[prunable]] = True
                still = still[~prunable]
                joined = joined.filter(pl.Series(~prunable))
        counts += [0] * (len(self.stages) - len(counts))
        return _Staged(levels, pruned, tuple(counts))

    def batch(self, rows: np.ndarray, chunk_pairs: int) -> _Staged:
        parts = [
            self.chunk(rows[start : start + chunk_pairs])
            for start in range(0, len(rows), chunk_pairs)
        ]
        if len(parts) == 1:
            return parts[0]
        return _Staged(
            {
                column: np.concatenate([part.levels[column] for part in parts])
                for column in LEVEL_COLUMNS
            },
            np.concatenate([part.pruned for part in parts]),
            tuple(
                int(sum(counts))
                for counts in zip(*(part.stage_pairs for part in parts), strict=True)
            ),
        )


def compare_in_stages(
    records: pl.DataFrame,
    settings: MatchingConfig,
    compare: Compare,
    batch_pairs: int,
    chunk_pairs: int = COMPARE_CHUNK_PAIRS,
    model: FrozenModel | None = None,
) -> CascadeMatch:
    """Block; the EM on a sample of the pairs; the other pairs compared stage by stage (module
    text), ``batch_pairs`` side by side in threads, each ``chunk_pairs`` at a time.

    ``model``: the weights and term frequencies to score with, known already (a night keeping
    the frozen model): no EM, every pair goes through the stages. Without the EM (``[matching]
    estimate_weights = false``) no pair is compared in full for it either.
    """
    blocking, numbered = numbered_candidate_pairs(
        records,
        settings.blocking_rules,
        settings.max_block_size,
        BlockingBudget.from_settings(settings),
        keep_keys=settings.incremental,  # a run that leaves a match cache keeps them there
    )
    height = numbered.height
    attributes = comparison_attributes(records)
    estimate = model is None and settings.estimate_weights and height > 0
    sample = candidate_sample(height, settings.em_candidate_pairs) if estimate else None
    in_full = np.zeros(height, dtype=bool) if not estimate else sample
    if in_full is None:
        in_full = np.ones(height, dtype=bool)
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
    if model is not None:
        weights = model.weights
    else:
        weights = MatchWeights.defaults()
        if estimate:
            weights = estimate_from_patterns(
                records,
                add_patterns(patterns),
                weights,
                sample_size=settings.em_sample_size,
                candidate_pairs=height,
            ).weights
    del patterns

    # 2. The other pairs, a chunk at a time through every stage: the chunk's attributes
    # gathered once, each stage on the pairs the last one left open.
    if model is not None:
        bound = PairBound.of(settings, weights, records, model.frequencies)
    else:
        bound = PairBound.of(settings, weights, records)
    stages = _Stages(numbered, attributes, bound)
    open_rows = np.flatnonzero(~in_full)
    pruned = np.zeros(height, dtype=bool)
    stage_pairs = np.zeros(len(STAGES), dtype=np.int64)
    for batch_rows, staged in _with_rows(
        open_rows, batch_pairs, lambda rows: stages.batch(rows, chunk_pairs)
    ):
        for column in LEVEL_COLUMNS:
            levels[column][batch_rows] = staged.levels[column]
        pruned[batch_rows] = staged.pruned
        stage_pairs += staged.stage_pairs

    def compare_all(pairs: pl.DataFrame) -> pl.DataFrame:
        return compare_pairs(pairs, attributes, chunk_pairs=chunk_pairs)

    compact = PrunedCompared(
        numbered,
        level_frame(levels),
        *per_record(numbered, attributes),
        pruned=pruned,
        compare_all=compare_all,
    )
    return CascadeMatch(
        blocking,
        compact,
        weights,
        pruned,
        (len(full_rows), *(int(count) for count in stage_pairs)),
        bound.frequencies,
    )


def level_frame(levels: dict[str, np.ndarray]) -> pl.DataFrame:
    """LEVEL_COLUMNS (Int8) of the level arrays, null where not compared (NOT_COMPARED)."""
    return pl.DataFrame(
        {column: pl.Series(column, values, dtype=pl.Int8) for column, values in levels.items()}
    ).with_columns(
        pl.when(pl.col(column) != NOT_COMPARED).then(pl.col(column)).alias(column)
        for column in LEVEL_COLUMNS
    )


def _named(numbered: NumberedPairs, rows: np.ndarray) -> pl.DataFrame:
    return numbered.name(numbered.pairs[pl.Series(rows, dtype=pl.UInt32)])


def _with_rows(
    rows: np.ndarray, batch_pairs: int, function: Callable[[np.ndarray], Result]
) -> list[tuple[np.ndarray, Result]]:
    """(rows, ``function(rows)``) per batch of ``rows``, batches side by side in threads."""
    batches = _batches(rows, batch_pairs)
    return list(zip(batches, in_threads(function, batches), strict=True))
