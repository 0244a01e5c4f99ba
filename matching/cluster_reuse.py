"""Clustering only the connected components a night touched; the others keep yesterday's clusters.

Clustering (flows.stages.cluster, matching.clustering) decides every connected component of
accepted pairs and must-links on its own: its clusters and refused merges depend only on the
component's records (their matched values, for the pairs ``complete_pairs`` adds), the scored
pairs between them, the reviewers' links inside it, the weights and the [matching] settings.
With the match model frozen between full runs (matching.frozen_model) a pair of two unchanged
records scores the same every night, so a component none of whose records is *touched* is the
same component as yesterday with the same pairs, and yesterday's clusters for it hold.

A record is touched when its matched values are new or changed (the 128-bit fingerprints of
matching.incremental), when a scored pair it is part of appeared, vanished or scored
differently (a changed or removed neighbour, a block that grew past its limit, a domain's owner
that changed), or when a reviewer's decision or a golden-id link of it changed. Then: if no
record of a component today is touched, every accepted pair and link inside it is yesterday's,
so yesterday's component held these records (and no other: a pair to another record that is
gone or no longer accepted would have touched its end). Those components take the cached
clusters and refused merges; the touched ones are clustered as a full run would, and the two
are put together in a full run's order (tests/flows/test_incremental_night.py compares every
published file with a full run's).

The cache (``cluster_cache/`` in the run folder, published with it) holds record keys, value
fingerprints, a 64-bit hash per scored pair, the links, the clusters and the refused merges;
no record values. It is used only on an incremental night whose match model and settings are
those it was written with; a full run, an erasure (flows.scrub deletes it) or any doubt
clusters every component.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from matching.clustering import REFUSED_SCHEMA, ClusterResult, connected_components
from matching.scoring import MatchWeights
from rules.cache_files import read_frame, read_manifest, row_counts, write_keyed_cache
from rules.versions import json_digest

CACHE_FOLDER = "cluster_cache"
CACHE_FORMAT = 2
#: Pair columns clustering reads (those a run's pairs carry): a change in any touches the pair.
PAIR_COLUMNS = (
    "probability",
    "score",
    "hard_rule",
    "first_name_level",
    "gender_level",
    "birth_date_level",
    "phone_level",
    "personal_id_level",
    "address_level",
    "email_level",
    "name_suffix_level",
)
PAIR_SEED = 8_642_097
STRENGTH = "__strength"

_PAIR_SCHEMA = {"left_key": pl.String(), "right_key": pl.String(), "pair_hash": pl.UInt64()}
_LINK_SCHEMA = {"left_key": pl.String(), "right_key": pl.String(), "kind": pl.String()}
_CLUSTER_SCHEMA = {"record_key": pl.String(), "cluster_key": pl.String()}
_FINGERPRINT_SCHEMA = {
    "record_key": pl.String(),
    "fingerprint_1": pl.UInt64(),
    "fingerprint_2": pl.UInt64(),
}
_REFUSED_SCHEMA = {**REFUSED_SCHEMA, STRENGTH: pl.Float64()}
_FILES = ("fingerprints", "pairs", "links", "clusters", "refused")


class ClusterCacheUnusable(Exception):
    """The cluster cache is missing, damaged or of another format (never leaves here)."""


@dataclass(frozen=True)
class ClusterCache:
    """What one run keeps so that the next one clusters only touched components."""

    #: digest of the match model and settings the clusters were made with
    key: str
    fingerprints: pl.DataFrame  # record_key, fingerprint_1, fingerprint_2
    pairs: pl.DataFrame  # left_key, right_key, pair_hash
    links: pl.DataFrame  # left_key, right_key, kind (must / cannot)
    clusters: pl.DataFrame  # record_key, cluster_key
    refused: pl.DataFrame  # REFUSED_SCHEMA and the merge order's strength


@dataclass(frozen=True)
class ClusterReport:
    """How a run clustered: ``summary.json`` ``clustering``."""

    mode: str  # "full" or "incremental"
    reason: str
    records: int
    #: records of the components clustered in this run
    clustered_records: int
    touched_records: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ReusedClusters(ClusterResult):
    """A ClusterResult with the cache for the next run and how this one was made."""

    cache: ClusterCache | None = None
    report: ClusterReport | None = None


def model_key(settings: dict[str, str], weights: MatchWeights, totals: object) -> str:
    """Digest of what a pair's score and a component's clusters depend on besides the data."""
    model = {"prior": weights.prior, "levels": weights.levels}
    return json_digest({"settings": settings, "weights": model, "tables": totals})


def pair_digests(pairs: pl.DataFrame) -> pl.DataFrame:
    """left_key, right_key, a 64-bit hash of the columns clustering reads, per scored pair."""
    columns = [name for name in PAIR_COLUMNS if name in pairs.columns]
    return pairs.select(
        "left_key",
        "right_key",
        pl.struct(columns).hash(PAIR_SEED).alias("pair_hash"),
    )


def link_frame(must_link: pl.DataFrame, cannot_link: pl.DataFrame) -> pl.DataFrame:
    """The reviewers' and golden-id links of a run, one row per link and kind."""
    return (
        pl.concat(
            [
                must_link.select("left_key", "right_key", pl.lit("must").alias("kind")),
                cannot_link.select("left_key", "right_key", pl.lit("cannot").alias("kind")),
            ]
        )
        .cast(_LINK_SCHEMA)  # type: ignore[arg-type]
        .unique()
        .sort("kind", "left_key", "right_key")
    )


def _ends(frame: pl.DataFrame) -> pl.Series:
    return pl.concat([frame["left_key"], frame["right_key"]])


def touched_records(
    fingerprints: pl.DataFrame, pairs: pl.DataFrame, links: pl.DataFrame, cache: ClusterCache
) -> pl.Series:
    """Record keys (unique) whose values, scored pairs or links differ from the cached run's."""
    changed = fingerprints.join(
        cache.fingerprints, on=["record_key", "fingerprint_1", "fingerprint_2"], how="anti"
    )["record_key"]
    every = ["left_key", "right_key", "pair_hash"]
    pair_diff = pl.concat(
        [
            pairs.join(cache.pairs, on=every, how="anti"),
            cache.pairs.join(pairs, on=every, how="anti"),
        ]
    )
    on = ["left_key", "right_key", "kind"]
    link_diff = pl.concat(
        [links.join(cache.links, on=on, how="anti"), cache.links.join(links, on=on, how="anti")]
    )
    return pl.concat([changed, _ends(pair_diff), _ends(link_diff)]).unique()


@dataclass(frozen=True)
class Split:
    """Records to cluster in this run, and the clusters and refused merges taken over."""

    clustered: pl.Series  # record keys of the touched components
    clusters: pl.DataFrame  # record_key, cluster_key of the others
    refused: pl.DataFrame  # _REFUSED_SCHEMA rows of the others
    touched: int


def split_components(
    record_keys: pl.Series,
    accepted: pl.DataFrame,
    touched: pl.Series,
    cache: ClusterCache,
) -> Split:
    """Components of ``accepted`` (pairs at or above the threshold and must-links) that hold
    a touched record are clustered again; the others take the cached clusters."""
    components = connected_components(record_keys, accepted)
    hit = components.filter(pl.col("record_key").is_in(touched.implode()))["cluster_key"].unique()
    kept = components.filter(~pl.col("cluster_key").is_in(hit.implode()))
    clusters = kept.select("record_key").join(
        cache.clusters, on="record_key", how="left", maintain_order="left"
    )
    # Never expected (an untouched record was there yesterday): such components are redone.
    lost = kept.filter(clusters["cluster_key"].is_null())["cluster_key"].unique()
    if lost.len():
        hit = pl.concat([hit, lost])
        kept = components.filter(~pl.col("cluster_key").is_in(hit.implode()))
        clusters = kept.select("record_key").join(
            cache.clusters, on="record_key", how="left", maintain_order="left"
        )
    clustered = components.filter(pl.col("cluster_key").is_in(hit.implode()))["record_key"]
    keys = kept.select("record_key")
    refused = cache.refused.join(keys.rename({"record_key": "left_key"}), on="left_key", how="semi")
    return Split(clustered, clusters, refused, touched.len())


def with_strength(refused: pl.DataFrame, strength: pl.DataFrame) -> pl.DataFrame:
    """Refused merges with the strength coherent_clusters ordered them by."""
    return refused.join(
        strength, on=["left_key", "right_key"], how="left", maintain_order="left"
    ).cast(_REFUSED_SCHEMA)  # type: ignore[arg-type]


def in_merge_order(refused: pl.DataFrame) -> pl.DataFrame:
    """Refused merges in the order coherent_clusters reports them (strongest pair first)."""
    return refused.sort(
        ["probability", STRENGTH, "left_key", "right_key"],
        descending=[True, True, False, False],
        nulls_last=True,
    )


def write_cluster_cache(folder: Path, cache: ClusterCache, run_id: str = "") -> None:
    """Write the cache into ``folder`` (inside a staging run folder); the manifest last."""
    frames = {name: getattr(cache, name) for name in _FILES}
    write_keyed_cache(folder, frames, CACHE_FORMAT, cache.key, run_id)


def load_cluster_cache(folder: Path) -> ClusterCache:
    """Read a cache ``write_cluster_cache`` wrote; raise ClusterCacheUnusable saying why not."""
    data = read_manifest(folder, CACHE_FORMAT, ClusterCacheUnusable)
    key = data.get("key")
    if not isinstance(key, str):
        raise ClusterCacheUnusable("manifest.json: 'key' missing")
    rows = row_counts(data, _FILES, ClusterCacheUnusable)
    schemas: dict[str, Mapping[str, pl.DataType]] = {
        "fingerprints": _FINGERPRINT_SCHEMA,
        "pairs": _PAIR_SCHEMA,
        "links": _LINK_SCHEMA,
        "clusters": _CLUSTER_SCHEMA,
        "refused": _REFUSED_SCHEMA,
    }
    frames = {
        name: read_frame(
            folder / f"{name}.parquet", rows[name], schemas[name], ClusterCacheUnusable
        )
        for name in _FILES
    }
    return ClusterCache(key=key, **frames)


def new_cache(
    key: str,
    fingerprints: pl.DataFrame,
    pairs: pl.DataFrame,
    links: pl.DataFrame,
    result: ClusterResult,
    refused: pl.DataFrame,
) -> ClusterCache:
    """The cache of this run's clusters (``refused`` with their strength)."""
    return ClusterCache(
        key=key,
        fingerprints=fingerprints.cast(_FINGERPRINT_SCHEMA),  # type: ignore[arg-type]
        pairs=pairs.cast(_PAIR_SCHEMA),  # type: ignore[arg-type]
        links=links,
        clusters=result.clusters.cast(_CLUSTER_SCHEMA),  # type: ignore[arg-type]
        refused=refused.cast(_REFUSED_SCHEMA),  # type: ignore[arg-type]
    )
