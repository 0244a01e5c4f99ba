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


def constrained_clusters(
    record_keys: pl.Series,
    edges: pl.DataFrame,
    cannot_link: pl.DataFrame,
    must_link: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Merge along edges strongest first, never joining two groups that hold a cannot-link pair.

    ``edges`` has left_key, right_key, score; ``cannot_link`` and ``must_link`` have left_key,
    right_key. Must-links are merged first (a must-link that contradicts a cannot-link is
    skipped: the cannot-link wins). Plain connected components chain A-B-C into one entity even
    when A and C are known to be different people (twins, father and son); here the weakest
    link that would join them is the one left out. Returns record_key, cluster_key (smallest
    record key of the group), sorted by record_key.
    """
    keys = record_keys.unique().sort().to_list()
    parent = {key: key for key in keys}
    forbidden: dict[str, set[str]] = {}
    # Only pairs of known records come back (the components are made of record_keys).
    for left, right in _within_components(record_keys, edges, cannot_link, must_link).iter_rows():
        forbidden.setdefault(left, set()).add(right)
        forbidden.setdefault(right, set()).add(left)
    members = {key: {key} for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def merge(left: str, right: str) -> None:
        a, b = root(left), root(right)
        if a == b:
            return
        if len(members[a]) < len(members[b]):
            a, b = b, a
        blocked_a = forbidden.get(a, set())
        if blocked_a and not blocked_a.isdisjoint(members[b]):
            return
        parent[b] = a
        members[a] |= members.pop(b)
        if b in forbidden:
            forbidden[a] = blocked_a | forbidden.pop(b)

    # forbidden is kept per root: give every record's constraints to its own root first.
    ordered_edges = []
    if must_link is not None:
        ordered_edges.extend(
            must_link.select("left_key", "right_key").sort("left_key", "right_key").iter_rows()
        )
    ordered_edges.extend(
        edges.sort(["score", "left_key", "right_key"], descending=[True, False, False])
        .select("left_key", "right_key")
        .iter_rows()
    )
    for left, right in ordered_edges:
        if left in parent and right in parent:
            merge(left, right)
    rows = [(key, min(members[root(key)])) for key in keys]
    return pl.DataFrame(
        rows, schema={"record_key": pl.String(), "cluster_key": pl.String()}, orient="row"
    )


def _within_components(
    record_keys: pl.Series,
    edges: pl.DataFrame,
    cannot_link: pl.DataFrame,
    must_link: pl.DataFrame | None,
) -> pl.DataFrame:
    """The cannot-links whose records share a connected component of edges and must-links.

    Groups only ever merge along those, so a cannot-link across components can never apply;
    leaving them out changes no cluster. It keeps the Python loop small: below
    ``cannot_link_below`` almost every scored pair is a cannot-link (6 million at 176,000
    records), but few fall inside one component.
    """
    pairs = cannot_link.select("left_key", "right_key")
    links = [edges.select("left_key", "right_key")]
    if must_link is not None:
        links.append(must_link.select("left_key", "right_key"))
    components = connected_components(record_keys, pl.concat(links))
    return (
        pairs.join(components, left_on="left_key", right_on="record_key")
        .join(components, left_on="right_key", right_on="record_key", suffix="_right")
        .filter(pl.col("cluster_key") == pl.col("cluster_key_right"))
        .select("left_key", "right_key")
    )
