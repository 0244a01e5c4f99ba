"""Duplicate groups of one plain list, as an Excel user reads them next to their own rows.

``duplicate_groups`` numbers the golden records of two or more rows 1, 2, 3 ... in the order
their first row appears in the file (a sort by ``Dubletten_Gruppe`` puts duplicates together),
keeps the golden id, and gives each row of a group the confidence of its strongest link to
another row of the same group (the match probability of the pair, in percent). Rows alone in
their golden record get no group and no confidence.
"""

from __future__ import annotations

from typing import Final

import polars as pl

#: The columns written next to the user's own columns.
GROUP_COLUMNS: Final = ("Dubletten_Gruppe", "Golden_ID", "Sicherheit")


def duplicate_groups(
    records: pl.DataFrame, assignment: pl.DataFrame, pairs: pl.DataFrame, match_threshold: float
) -> pl.DataFrame:
    """row_number, Dubletten_Gruppe (Int64), Golden_ID, Sicherheit (Int64 percent) per record.

    ``records``: record_key, row_number; ``assignment``: record_key, golden_id; ``pairs``:
    left_key, right_key, probability (every scored pair).
    """
    rows = records.select("record_key", "row_number").join(assignment, on="record_key")
    sizes = rows.group_by("golden_id").agg(
        pl.len().alias("__size"), pl.col("row_number").min().alias("__first")
    )
    numbered = (
        sizes.filter(pl.col("__size") >= 2)
        .sort("__first", "golden_id")
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("Dubletten_Gruppe"))
        .select("golden_id", "Dubletten_Gruppe")
    )
    golden_of = rows.select("record_key", "golden_id")
    inside = (
        pairs.filter(pl.col("probability") >= match_threshold)
        .select("left_key", "right_key", "probability")
        .join(golden_of.rename({"record_key": "left_key", "golden_id": "__left"}), on="left_key")
        .join(golden_of.rename({"record_key": "right_key", "golden_id": "__right"}), on="right_key")
        .filter(pl.col("__left") == pl.col("__right"))
    )
    strongest = (
        pl.concat(
            [
                inside.select(pl.col("left_key").alias("record_key"), "probability"),
                inside.select(pl.col("right_key").alias("record_key"), "probability"),
            ]
        )
        .group_by("record_key")
        .agg(pl.col("probability").max())
    )
    return (
        rows.join(numbered, on="golden_id", how="left")
        .join(strongest, on="record_key", how="left")
        .select(
            "row_number",
            "Dubletten_Gruppe",
            pl.col("golden_id").alias("Golden_ID"),
            pl.when(pl.col("Dubletten_Gruppe").is_not_null())
            .then((pl.col("probability") * 100).floor().cast(pl.Int64))
            .alias("Sicherheit"),
        )
        .sort("row_number")
    )
