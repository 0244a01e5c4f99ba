"""Term-frequency adjustment: agreeing on a rare name says more than agreeing on "Müller".

For an exact agreement on value v the generic weight log2(m / u) assumes the average chance
that two random records share a value, u = sum of tf(x)^2 over all values x. For v itself that
chance is tf(v), so the weight moves by log2(u / tf(v)) (as in Splink's term-frequency
adjustments): up for rare values, down for common ones. Clamped so no name decides alone.
"""

from __future__ import annotations

import polars as pl

#: comparison name -> (cleaned-record column whose values are counted, level label adjusted)
ADJUSTED = {
    "first_name": ("first_name_key", "exact"),
    "last_name": ("last_name_key", "exact"),
}
MAX_ADJUSTMENT = 4.0


#: Per adjusted comparison: (record_key, tf of the record's value; the average tf), or None
#: when no record has a value.
RecordFrequencies = dict[str, tuple[pl.DataFrame, float] | None]


def record_frequencies(records: pl.DataFrame) -> RecordFrequencies:
    """Each record's value frequency per adjusted comparison: counted once per run, then
    looked up for every chunk of pairs."""
    found: RecordFrequencies = {}
    for name, (column, _) in ADJUSTED.items():
        # Sorted so that the float sums below add up in the same order on every run.
        counts = records.select(column).drop_nulls().group_by(column).len("n").sort(column)
        total = counts["n"].sum()
        if not total:
            found[name] = None
            continue
        frequency = counts.with_columns((pl.col("n") / total).alias("tf"))
        average = float((frequency["tf"] ** 2).sum())
        per_record = records.select("record_key", column).join(
            frequency.select(column, "tf"), on=column, how="left"
        )
        found[name] = (per_record.select("record_key", "tf"), average)
    return found


def term_frequency_adjustments(
    compared: pl.DataFrame,
    records: pl.DataFrame,
    frequencies: RecordFrequencies | None = None,
) -> pl.DataFrame:
    """``<comparison>_tf_adjustment`` per pair (0 unless the pair agrees exactly on the value).

    ``frequencies`` (``record_frequencies(records)``) saves counting them again per chunk.
    """
    from matching.comparisons import COMPARISONS

    frequencies = record_frequencies(records) if frequencies is None else frequencies
    adjustments = []
    for name, (_, label) in ADJUSTED.items():
        comparison = next(c for c in COMPARISONS if c.name == name)
        exact = comparison.levels.index(label)
        found = frequencies[name]
        if found is None:
            adjustments.append(pl.lit(0.0).alias(f"{name}_tf_adjustment"))
            continue
        per_record, average = found
        # Looked up only for the pairs that agree exactly (the others' adjustment is 0): the
        # lookups by record key were half of scoring's time.
        exact_rows = compared.select(
            (pl.col(f"{name}_level") == exact).fill_null(False).arg_true()
        ).to_series()
        agreeing = compared.select("left_key", "right_key")[exact_rows]
        sides = [
            agreeing.select(key).join(
                per_record.rename({"record_key": key}),
                on=key,
                how="left",
                maintain_order="left",
            )["tf"]
            for key in ("left_key", "right_key")
        ]
        # The more common of the two records' values: compare_pairs aligns swapped first and
        # last names, so for "Meier Hans" vs "Hans Meier" one record's own field holds the
        # other name (rare in that field only because it was entered the wrong way round).
        larger = pl.select(pl.max_horizontal(pl.lit(sides[0]), pl.lit(sides[1]))).to_series()
        tf = pl.lit(
            pl.repeat(None, compared.height, dtype=pl.Float64, eager=True)
            .alias("tf")
            .scatter(exact_rows, larger.cast(pl.Float64))
        )
        adjustment = (
            pl.when(pl.col(f"{name}_level") == exact)
            .then((pl.lit(average) / tf).log(2).clip(-MAX_ADJUSTMENT, MAX_ADJUSTMENT))
            .otherwise(0.0)
            .fill_null(0.0)
        )
        adjustments.append(adjustment.alias(f"{name}_tf_adjustment"))
    return compared.with_columns(adjustments)
