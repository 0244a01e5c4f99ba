"""Stable golden ids across runs.

- A cluster whose members had golden ids keeps one of them: each previous id goes to the cluster
  holding most of its former members (on a split the larger part keeps it), and a cluster that
  wins several ids (a merge) keeps the oldest; the others redirect to it.
- A new cluster gets ``G`` + 12 hex digits of SHA-1 of its smallest record key: the same input
  gives the same ids even on a fresh state store. A collision with any id ever issued is resolved
  by hashing again with a counter.
- An id none of whose members remain is retired (redirect_to null).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class IdAssignment:
    """record_key -> golden_id, and the ids retired in this run (golden_id, redirect_to)."""

    assignment: pl.DataFrame
    redirects: pl.DataFrame


def new_golden_id(seed: str, taken: set[str]) -> str:
    """A fresh id derived from ``seed`` that is not in ``taken``."""
    attempt = 0
    while True:
        text = seed if attempt == 0 else f"{seed}#{attempt}"
        candidate = "G" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12].upper()
        if candidate not in taken:
            return candidate
        attempt += 1


def assign_golden_ids(
    clusters: pl.DataFrame, previous: pl.DataFrame, issued: pl.DataFrame
) -> IdAssignment:
    """Give each cluster a golden id, reusing previous ids by the stable-id rules.

    clusters: record_key, cluster_key. previous: record_key, golden_id (last run's crosswalk).
    issued: golden_id, created_run for every id ever issued (its order decides "older").
    """
    created = issued.select("golden_id", "created_run")
    claims = (
        clusters.join(previous, on="record_key")
        .group_by("cluster_key", "golden_id")
        .agg(pl.len().alias("members"))
        # Each previous id goes to the cluster holding most of its members (ties: smallest key).
        .sort(["golden_id", "members", "cluster_key"], descending=[False, True, False])
        .group_by("golden_id", maintain_order=True)
        .first()
        .join(created, on="golden_id", how="left")
    )
    kept = (
        claims.sort(["cluster_key", "created_run", "golden_id"], descending=False, nulls_last=True)
        .group_by("cluster_key", maintain_order=True)
        .first()
        .select("cluster_key", "golden_id")
    )
    merged_away = claims.join(kept, on="golden_id", how="anti").join(
        kept.rename({"golden_id": "redirect_to"}), on="cluster_key"
    )
    gone = (
        previous.select("golden_id")
        .unique()
        .join(claims.select("golden_id"), on="golden_id", how="anti")
        .with_columns(pl.lit(None, dtype=pl.String).alias("redirect_to"))
    )
    cluster_keys = clusters.select("cluster_key").unique().sort("cluster_key")
    without_id = cluster_keys.join(kept, on="cluster_key", how="anti")["cluster_key"].to_list()
    fresh = _fresh_ids(without_id, issued["golden_id"], previous["golden_id"])
    fresh_frame = pl.DataFrame(
        fresh, schema={"cluster_key": pl.String(), "golden_id": pl.String()}, orient="row"
    )
    cluster_ids = pl.concat([kept, fresh_frame])
    assignment = (
        clusters.join(cluster_ids, on="cluster_key")
        .select("record_key", "golden_id")
        .sort("record_key")
    )
    redirects = pl.concat(
        [merged_away.select("golden_id", "redirect_to"), gone.select("golden_id", "redirect_to")]
    ).sort("golden_id")
    return IdAssignment(assignment=assignment, redirects=redirects)


def _fresh_ids(
    cluster_keys: list[str], issued: pl.Series, previous: pl.Series
) -> list[tuple[str, str]]:
    """(cluster key, new golden id) for clusters without one, in ``cluster_keys`` order: each
    the first ``new_golden_id`` not issued before, not in ``previous`` and not given to an
    earlier key here.

    A night has a few new clusters and a million ids issued: each key's first candidate is
    checked against the issued ids in polars, and only when one collides are all ids made a
    Python set and the keys given ids one by one (the same ids either way).
    """
    first = [new_golden_id(cluster_key, set()) for cluster_key in cluster_keys]
    candidates = pl.Series(first, dtype=pl.String())
    collides = candidates.is_in(issued.implode()) | candidates.is_in(previous.implode())
    if not collides.any() and candidates.n_unique() == len(first):
        return list(zip(cluster_keys, first, strict=True))
    taken = set(issued.to_list()) | set(previous.to_list())
    fresh = []
    for cluster_key in cluster_keys:
        golden_id = new_golden_id(cluster_key, taken)
        taken.add(golden_id)
        fresh.append((cluster_key, golden_id))
    return fresh


@dataclass(frozen=True)
class GoldenIdLinks:
    """Must-links from records carrying a golden id (``linked_golden_id``) to its members."""

    links: pl.DataFrame  # left_key, right_key
    #: records whose linked id was never issued or was retired without a successor
    unknown: int
    #: records whose linked id was merged into another one (followed to the surviving id)
    redirected: int


def follow_redirects(redirects: Mapping[str, str], golden_ids: Iterable[str]) -> dict[str, str]:
    """Each of ``golden_ids`` -> the id its chain of ``redirects`` (merged-away id -> the id it
    was merged into) ends at; an id never merged away maps to itself. Chains are short: one
    entry per distinct id, and a cycle (never written, but never hung on) stops where it closes.
    """
    resolved = {}
    for golden_id in golden_ids:
        current, seen = golden_id, set()
        while current in redirects and current not in seen:
            seen.add(current)
            current = redirects[current]
        resolved[golden_id] = current
    return resolved


def linked_golden_id_links(
    records: pl.DataFrame, previous: pl.DataFrame, issued: pl.DataFrame
) -> GoldenIdLinks:
    """Link each record carrying a golden id to a member of that golden record.

    records: record_key, linked_golden_id. previous: record_key, golden_id (last run's
    crosswalk). issued: golden_id, redirect_to (every id ever issued). A merged-away id is
    followed along its redirects to the surviving id; the record is linked to that golden
    record's smallest member key (one link is enough, the members are one entity already).
    """
    empty = pl.DataFrame(schema={"left_key": pl.String(), "right_key": pl.String()})
    if "linked_golden_id" not in records.columns:
        return GoldenIdLinks(empty, 0, 0)
    carrying = records.select(
        "record_key", pl.col("linked_golden_id").str.strip_chars().str.to_uppercase()
    ).filter(pl.col("linked_golden_id").is_not_null() & (pl.col("linked_golden_id") != ""))
    if carrying.height == 0:
        return GoldenIdLinks(empty, 0, 0)
    redirect = dict(
        issued.filter(pl.col("redirect_to").is_not_null())
        .select("golden_id", "redirect_to")
        .iter_rows()
    )
    resolved = follow_redirects(redirect, carrying["linked_golden_id"].unique().to_list())
    targets = pl.DataFrame(
        {"linked_golden_id": list(resolved), "golden_id": list(resolved.values())},
        schema={"linked_golden_id": pl.String(), "golden_id": pl.String()},
    )
    anchors = previous.group_by("golden_id").agg(pl.col("record_key").min().alias("anchor"))
    joined = carrying.join(targets, on="linked_golden_id", how="left").join(
        anchors, on="golden_id", how="left"
    )
    links = (
        joined.filter(pl.col("anchor").is_not_null() & (pl.col("anchor") != pl.col("record_key")))
        .select(
            pl.min_horizontal("record_key", "anchor").alias("left_key"),
            pl.max_horizontal("record_key", "anchor").alias("right_key"),
        )
        .unique()
        .sort("left_key", "right_key")
    )
    return GoldenIdLinks(
        links=links,
        unknown=int(joined["anchor"].is_null().sum()),
        redirected=int((joined["linked_golden_id"] != joined["golden_id"]).sum()),
    )
