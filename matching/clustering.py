"""Clustering: records linked by accepted pairs become one entity (connected components).

Labels propagate along edges as the minimum record key until nothing changes: a handful of
vectorized joins, no Python loop over records. The matching issue adds protection against
chaining (weak bridges) on top of this.
"""

from __future__ import annotations

import polars as pl


def connected_components(record_keys: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Map every record key to a cluster key (the smallest record key in its component).

    ``edges`` has left_key and right_key; records without edges are their own cluster.
    Returns record_key, cluster_key, sorted by record_key.
    """
    labels = pl.DataFrame({"record_key": record_keys.unique().sort()}).with_columns(
        pl.col("record_key").alias("cluster_key")
    )
    if edges.height == 0:
        return labels
    both_ways = pl.concat(
        [
            edges.select(pl.col("left_key").alias("a"), pl.col("right_key").alias("b")),
            edges.select(pl.col("right_key").alias("a"), pl.col("left_key").alias("b")),
        ]
    ).unique()
    while True:
        neighbour_min = (
            both_ways.join(labels, left_on="b", right_on="record_key")
            .group_by("a")
            .agg(pl.col("cluster_key").min().alias("neighbour"))
        )
        updated = labels.join(
            neighbour_min, left_on="record_key", right_on="a", how="left"
        ).with_columns(pl.min_horizontal("cluster_key", "neighbour").alias("new_key"))
        changed = updated.filter(pl.col("new_key") != pl.col("cluster_key")).height
        labels = updated.select("record_key", pl.col("new_key").alias("cluster_key"))
        if changed == 0:
            break
        # Pointer jumping: take the label of your label, which halves long chains per round.
        labels = labels.join(
            labels.rename({"record_key": "cluster_key", "cluster_key": "root"}),
            on="cluster_key",
            how="left",
        ).select("record_key", pl.coalesce("root", "cluster_key").alias("cluster_key"))
    return labels.sort("record_key")
