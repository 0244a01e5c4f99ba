"""Block keys kept per record: an incremental night makes keys only for new and changed records.

A run keeps every blocking rule's keys of every record as 64-bit hashes (``block_hash``, the
hash the match cache already remembers oversized blocks by) at the record's place in the match
cache's records.parquet (``KEYS_FILE``: numbers only, no key and so no value of a person). The
next night takes the unchanged records' hashes from there, makes the keys of the new and changed
records only, and plans each rule from the hashes: block sizes, oversized, split and capped
blocks and the budget, as matching.blocking_budget.plan_keys does on the keys themselves. Before,
a night made every rule's keys of all records and counted them as strings: at a million
records, most of its blocking.

Why the plan is exactly the keys' plan, not nearly: counting hashes equals counting keys while
no two different keys of a rule share a hash, and a collision could merge two blocks into one
oversized block and lose pairs. So it is checked, never assumed: a run keeps a rule's hashes
only when its keys and their hashes are equally many; a night checks its fresh keys the same
way and compares each fresh key whose hash an unchanged record holds with that record's key,
made again. The keys a run reports (oversized, split, capped blocks) are made again from one
unchanged member of each block. Sub-blocks of split blocks are the block's hash with a number
per refinement value. On any doubt (a collision, a key an unchanged record no longer makes, an
unreadable file) the rule's keys are made for every record, as before. A rule whose keys of
some records read other records (CROSS_RECORD_RULES) has those records' keys made every night.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from matching.blocking_budget import (
    NO_KEYS,
    REFINED,
    REFINEMENT_KEYS,
    REFINEMENTS,
    BlockingBudget,
    RuleAdjustment,
    RulePlan,
)

KeyFunction = Callable[[pl.DataFrame], pl.DataFrame]
#: rule name -> place, block_hash of every record's keys (the rules whose hashes are kept)
RuleKeys = dict[str, pl.DataFrame]

#: The match cache's file of block-key hashes: one row per rule, record and key.
KEYS_FILE = "keys.parquet"
#: rule: the rule's bit in the match cache's rule_names; place: the record's row in
#: records.parquet.
KEYS_SCHEMA = {"rule": pl.UInt8(), "place": pl.UInt32(), "block_hash": pl.UInt64()}
PLACED_SCHEMA = {"place": pl.UInt32(), "block_hash": pl.UInt64()}
#: Seed of block_hash: what a match cache keeps of a block key (never the key).
BLOCK_HASH_SEED = 20_240_611
#: Rules whose keys of some records depend on other records, and which records: email_domain
#: keeps a firm's name abbreviation only where some firm's domain spells it
#: (matching.blocking._abbreviation_keys). These records' keys are made every night (with the
#: changed records'), the others' taken from the cache.
CROSS_RECORD_RULES: dict[str, pl.Expr] = {"email_domain": pl.col("record_type") == "organisation"}

_SIZE = pl.col("size").cast(pl.Int64)
_BLOCK_PAIRS = _SIZE * (_SIZE - 1) // 2
_BLOCK = ["block_hash", "sub"]  # a block (sub 0) or a split block's sub-block
_IDS_SCHEMA = {"block_hash": pl.UInt64(), "sub": pl.UInt32()}


def block_hash(block_key: pl.Expr) -> pl.Expr:
    """A 64-bit hash of a block key: what a match cache remembers of a block."""
    return block_key.cast(pl.String).hash(BLOCK_HASH_SEED).alias("block_hash")


def placed_hashes(keys: pl.DataFrame, places: pl.DataFrame) -> pl.DataFrame | None:
    """place, block_hash of ``keys`` (record_key, block_key; ``places``: record_key, place);
    None when two different keys share a hash (the rule is then not kept)."""
    hashed = keys.join(places, on="record_key").select(
        "place", "block_key", block_hash(pl.col("block_key"))
    )
    counts = hashed.select(
        pl.col("block_key").n_unique().alias("keys"), pl.col("block_hash").n_unique().alias("h")
    )
    if counts["keys"].item() != counts["h"].item():
        return None
    return hashed.select("place", "block_hash")


@dataclass(frozen=True)
class Records:
    """Today's records as a night's blocking reads them.

    A place is a record's row in record-key order (``keys``), as in the match cache's
    records.parquet; ``place`` is each row of ``frame``'s place.
    """

    frame: pl.DataFrame
    keys: pl.Series  # record_key, sorted
    place: pl.Series  # UInt32, per row of frame
    changed: pl.Series  # places of the new and changed records
    changed_rows: pl.Series  # per row of frame: the record is new or changed

    @classmethod
    def of(cls, frame: pl.DataFrame, changed: pl.DataFrame) -> Records:
        """``changed``: record_key of the new and changed records."""
        keys = frame["record_key"].unique().sort()
        places = cls.places_of(keys)
        place = (
            frame.select("record_key")
            .join(places, on="record_key", how="left", maintain_order="left")["place"]
            .alias("place")
        )
        mask = frame["record_key"].is_in(changed["record_key"].implode())
        return cls(
            frame=frame,
            keys=keys,
            place=place,
            changed=place.filter(mask).sort(),
            changed_rows=mask,
        )

    @staticmethod
    def places_of(keys: pl.Series) -> pl.DataFrame:
        return pl.DataFrame({"record_key": keys}).with_row_index("place")

    @property
    def places(self) -> pl.DataFrame:
        """record_key, place of every record."""
        return self.places_of(self.keys)

    def rows(self, places: pl.Series) -> pl.LazyFrame:
        """The rows of ``frame`` at ``places``, with their place."""
        return (
            self.frame.with_columns(self.place)
            .lazy()
            .filter(pl.col("place").is_in(places.implode()))
        )

    def named(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """left, right (places) as left_key, right_key."""
        return pl.DataFrame(
            {
                "left_key": self.keys.gather(pairs["left"]),
                "right_key": self.keys.gather(pairs["right"]),
            },
            schema={"left_key": pl.String(), "right_key": pl.String()},
        )


@dataclass(frozen=True)
class RuleTouching:
    """One rule's part of an incremental night's blocking (matching.blocking)."""

    #: oversized, split and capped blocks and the adjustment (keys and usable left empty)
    plan: RulePlan
    pairs: pl.DataFrame  # left_key, right_key: pairs of the rule touching a changed record
    recheck: list[pl.DataFrame]  # left_key, right_key: unchanged pairs in blocks that crossed
    keys: pl.DataFrame | None  # place, block_hash of every record's keys (None: not kept)


def touching_from_kept(
    records: Records,
    name: str,
    rule: KeyFunction,
    kept: pl.DataFrame,
    budget: BlockingBudget,
    previous_oversized: pl.DataFrame,
    remade: pl.Expr | None = None,
) -> RuleTouching | None:
    """Rule ``name``'s touching pairs, plan and crossed blocks from the unchanged records'
    ``kept`` hashes (place, block_hash) and the changed records' keys made now; None when a
    hash cannot be trusted (module text): then the caller makes every record's keys.
    ``remade``: the records whose keys are made every night (CROSS_RECORD_RULES)."""
    made = records.changed_rows
    if remade is not None:
        again = records.frame.select(remade.fill_null(False)).to_series()
        made = made | again
        kept = kept.filter(~pl.col("place").is_in(records.place.filter(again).implode()))
    fresh = _fresh(records, rule, records.frame.filter(made))
    if fresh is None:
        return None
    keys = pl.concat([kept, fresh.select("place", "block_hash")])
    sizes = keys.group_by("block_hash").len("size")
    too_big = sizes.filter(pl.col("size") > budget.max_block_size)
    limit = budget.limit(records.frame.height)
    before = int(sizes.select(_BLOCK_PAIRS.sum()).item() or 0)
    over = limit is not None and before > limit
    large = sizes.filter(pl.col("size") > budget.split_block_size) if over else sizes.head(0)
    wanted = pl.concat([too_big["block_hash"], large["block_hash"]]).unique()
    named = _named(records, rule, kept, fresh, wanted)
    if named is None:
        return None
    plain = keys.with_columns(pl.lit(0, dtype=pl.UInt32).alias("sub"))
    subs = pl.DataFrame(schema={**PLACED_SCHEMA, "sub": pl.UInt32()})
    texts = pl.DataFrame(schema={"sub": pl.UInt32(), "text": pl.String()})
    split_ids = capped_ids = pl.DataFrame(schema=_IDS_SCHEMA)
    refined_by = REFINEMENTS.get(name, ()) if over else ()
    if not over:
        oversized = too_big
        usable = plain.join(too_big, on="block_hash", how="anti") if too_big.height else plain
    elif refined_by:
        # Every block above split_block_size split, oversized ones too (plan_keys).
        oversized = too_big.head(0)
        split_ids = large.select("block_hash", pl.lit(0, dtype=pl.UInt32).alias("sub"))
        members = keys.join(large, on="block_hash", how="semi")
        subs, texts = _sub_blocks(records, members, refined_by)
        capped_ids = (
            subs.group_by(_BLOCK)
            .len("size")
            .filter(pl.col("size") > budget.split_block_size)
            .select(_BLOCK)
        )
        usable = pl.concat([plain.join(large, on="block_hash", how="anti"), subs]).join(
            capped_ids, on=_BLOCK, how="anti"
        )
    else:
        oversized = too_big
        capped_ids = large.join(too_big, on="block_hash", how="anti").select(
            "block_hash", pl.lit(0, dtype=pl.UInt32).alias("sub")
        )
        usable = plain.join(too_big, on="block_hash", how="anti").join(
            capped_ids, on=_BLOCK, how="anti"
        )
    split = _block_keys(split_ids, named, texts)
    capped = _block_keys(capped_ids, named, texts)
    adjustment = None
    if over:
        pairs_after = usable.group_by(_BLOCK).len("size").select(_BLOCK_PAIRS.sum()).item()
        adjustment = RuleAdjustment(
            rule=name,
            budget=limit or 0,
            refined_by=refined_by if split.len() else (),
            blocks_split=split.len(),
            blocks_capped=capped.len(),
            pairs_before=before,
            pairs_after=int(pairs_after or 0),
        )
    plan = RulePlan(
        keys=NO_KEYS.to_frame(),
        usable=NO_KEYS.to_frame(),
        oversized=oversized.join(named, on="block_hash").select("block_key", "size"),
        split=split,
        capped=capped,
        adjustment=adjustment,
    )
    touching = _touching_pairs(records, usable)
    oversized_ids = oversized.select("block_hash", pl.lit(0, dtype=pl.UInt32).alias("sub"))
    recheck = []
    for label, sub_blocks, current in (
        (name, subs, pl.concat([oversized_ids, capped_ids])),
        (f"{name}:split", subs.head(0), split_ids),
    ):
        pairs = _crossed(
            records, plain, sub_blocks, current, previous_oversized, label, named, texts
        )
        if pairs is not None:
            recheck.append(pairs)
    return RuleTouching(plan, touching, recheck, keys)


def _fresh(records: Records, rule: KeyFunction, rows: pl.DataFrame) -> pl.DataFrame | None:
    """place, block_key, block_hash of the keys of ``rows`` (the changed records and those
    made every night); None when two differ but share a hash."""
    made = rule(rows).with_columns(pl.col("block_key").cast(pl.String))
    fresh = made.join(records.places, on="record_key").select(
        pl.col("place").cast(pl.UInt32), "block_key", block_hash(pl.col("block_key"))
    )
    distinct = fresh.select("block_key", "block_hash").unique()
    if distinct["block_hash"].n_unique() != distinct.height:
        return None
    return fresh


def _named(
    records: Records,
    rule: KeyFunction,
    kept: pl.DataFrame,
    fresh: pl.DataFrame,
    wanted: pl.Series,
) -> pl.DataFrame | None:
    """block_hash, block_key of the ``wanted`` blocks, the keys made again from one unchanged
    member each (or taken from the fresh keys); None when a fresh key's hash is an unchanged
    record's different key, or an unchanged record no longer makes its kept key."""
    fresh_keys = fresh.select("block_hash", "block_key").unique()
    hashes = pl.concat([wanted, fresh_keys["block_hash"]]).unique()
    # One unchanged member of each wanted block and of each block a fresh key joins.
    representatives = (
        kept.filter(pl.col("block_hash").is_in(hashes.implode()))
        .group_by("block_hash")
        .agg(pl.col("place").min())
    )
    shared = fresh_keys.join(representatives, on="block_hash", how="semi")
    members = records.rows(representatives["place"]).collect()
    made = rule(members.drop("place")).with_columns(pl.col("block_key").cast(pl.String))
    found = (
        made.join(members.select("record_key", "place"), on="record_key")
        .select("place", "block_key", block_hash(pl.col("block_key")))
        .join(representatives, on=["place", "block_hash"], how="semi")
        .select("block_hash", "block_key")
        .unique()
    )
    if found.height != representatives.height or found["block_hash"].n_unique() != found.height:
        return None
    agree = shared.join(found, on="block_hash", suffix="_kept")
    if (agree["block_key"] != agree["block_key_kept"]).any():
        return None  # one hash, two keys: counting hashes would merge two blocks
    only_fresh = fresh_keys.filter(pl.col("block_hash").is_in(wanted.implode())).join(
        found, on="block_hash", how="anti"
    )
    return pl.concat([found, only_fresh])


def _sub_blocks(
    records: Records, members: pl.DataFrame, refined_by: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(place, block_hash, sub: the split blocks' members in their sub-blocks; sub, text: what
    each sub number stands for, "<refinement>=<value>"): blocking_budget.refined_keys with the
    block as its hash and the refinement as a number (1, 2, ...)."""
    values = (
        records.rows(members["place"].unique())
        .select("place", *(REFINEMENT_KEYS[name].alias(name) for name in refined_by))
        .collect()
        .unique("place")
    )
    joined = members.join(values, on="place")
    parts, texts = [], []
    offset = 1
    for name in refined_by:
        part = joined.select("place", "block_hash", name)
        if isinstance(part.schema[name], pl.List):  # a set of values: one sub-block each
            part = part.explode(name)
        part = part.drop_nulls(name)
        table = part.select(pl.col(name).unique().sort()).with_row_index("sub", offset=offset)
        offset += table.height
        texts.append(
            table.select(
                pl.col("sub").cast(pl.UInt32),
                pl.concat_str([pl.lit(f"{name}="), pl.col(name)]).alias("text"),
            )
        )
        parts.append(
            part.join(table, on=name).select("place", "block_hash", pl.col("sub").cast(pl.UInt32))
        )
    if not parts:
        return (
            pl.DataFrame(schema={**PLACED_SCHEMA, "sub": pl.UInt32()}),
            pl.DataFrame(schema={"sub": pl.UInt32(), "text": pl.String()}),
        )
    return pl.concat(parts).unique(), pl.concat(texts)


def _block_texts(ids: pl.DataFrame, named: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """block_hash, sub, block_key: the key of each block or sub-block in ``ids`` as
    blocking_budget spells it (a sub-block: the block's key, REFINED, the refinement)."""
    joined = ids.join(named, on="block_hash").join(texts, on="sub", how="left")
    return joined.select(
        "block_hash",
        "sub",
        pl.when(pl.col("sub") == 0)
        .then(pl.col("block_key"))
        .otherwise(pl.concat_str([pl.col("block_key"), pl.lit(REFINED), pl.col("text")]))
        .alias("block_key"),
    )


def _block_keys(ids: pl.DataFrame, named: pl.DataFrame, texts: pl.DataFrame) -> pl.Series:
    """The keys of the blocks ``ids``, sorted (a plan's split and capped)."""
    if ids.height == 0:
        return NO_KEYS
    return _block_texts(ids, named, texts)["block_key"].sort()


def _touching_pairs(records: Records, usable: pl.DataFrame) -> pl.DataFrame:
    """left_key, right_key of the pairs sharing a usable block with a changed record."""
    mine = usable.filter(pl.col("place").is_in(records.changed.implode()))
    pairs = (
        mine.join(usable, on=_BLOCK, suffix="_right")
        .filter(pl.col("place") != pl.col("place_right"))
        .select(
            pl.min_horizontal("place", "place_right").alias("left"),
            pl.max_horizontal("place", "place_right").alias("right"),
        )
        .unique()
    )
    return records.named(pairs)


def _crossed(
    records: Records,
    plain: pl.DataFrame,
    subs: pl.DataFrame,
    current: pl.DataFrame,
    previous_oversized: pl.DataFrame,
    label: str,
    named: pl.DataFrame,
    texts: pl.DataFrame,
) -> pl.DataFrame | None:
    """left_key, right_key of the unchanged records' pairs in the blocks ``label`` skipped in
    one run and not the other (matching.blocking.candidate_pairs_touching), among the blocks
    ``plain`` and the sub-blocks ``subs``; None: none."""
    previous = previous_oversized.filter(pl.col("rule") == label)["block_hash"]
    if previous.len() == 0 and current.height == 0:
        return None  # no such block in either run: none crossed (most rules, most nights)
    # A block's hash is its key's; a sub-block's is made from its key, spelled out.
    was_plain = plain.filter(pl.col("block_hash").is_in(previous.implode())).select(_BLOCK).unique()
    was_sub = (
        _block_texts(subs.select(_BLOCK).unique(), named, texts)
        .filter(block_hash(pl.col("block_key")).is_in(previous.implode()))
        .select(_BLOCK)
    )
    was = pl.concat([was_plain, was_sub])
    crossed = pl.concat(
        [was.join(current, on=_BLOCK, how="anti"), current.join(was, on=_BLOCK, how="anti")]
    )
    if crossed.height == 0:
        return None
    members = (
        pl.concat([plain, subs])
        .join(crossed, on=_BLOCK, how="semi")
        .filter(~pl.col("place").is_in(records.changed.implode()))
    )
    pairs = (
        members.join(members, on=_BLOCK, suffix="_right")
        .filter(pl.col("place") < pl.col("place_right"))
        .select(pl.col("place").alias("left"), pl.col("place_right").alias("right"))
        .unique()
    )
    return records.named(pairs)


# --- the file ------------------------------------------------------------------------------


def write_keys(path: Path, keys: RuleKeys, rule_names: tuple[str, ...]) -> dict[str, int]:
    """Write ``keys`` to ``path`` (KEYS_SCHEMA, rule by rule, page checksums on); return the
    rows per rule for the manifest.

    Sorted by place and hash: joins and threads return rows in any order, and the same run
    must write the same bytes (a Dask cluster's run and one process's are compared so)."""
    rows = {name: keys[name].height for name in rule_names if name in keys}
    frames = (
        keys[name]
        .select(pl.lit(bit, dtype=pl.UInt8).alias("rule"), "place", "block_hash")
        .sort("place", "block_hash")
        for bit, name in enumerate(rule_names)
        if name in keys
    )
    _write(path, frames)
    return rows


def write_key_frame(path: Path, keys: pl.DataFrame) -> None:
    """Write KEYS_SCHEMA rows (in rule order) as ``write_keys`` does (an erasure's copy)."""
    _write(path, iter([keys]))


def _write(path: Path, frames: Iterator[pl.DataFrame]) -> None:
    schema = pl.DataFrame(schema=KEYS_SCHEMA).to_arrow().schema
    with pq.ParquetWriter(path, schema, compression="zstd", write_page_checksum=True) as writer:
        for frame in frames:
            writer.write_table(frame.cast(KEYS_SCHEMA).to_arrow().cast(schema))  # type: ignore[arg-type]


def read_rule_keys(path: Path, bit: int, rows: int) -> pl.DataFrame | None:
    """place, block_hash of rule ``bit`` in ``path``; None when unreadable, damaged (page
    checksums) or not ``rows`` rows: the night makes that rule's keys for every record."""
    try:
        table = pq.read_table(
            path,
            columns=["rule", "place", "block_hash"],
            filters=[("rule", "=", bit)],
            page_checksum_verification=True,
        )
        frame = pl.from_arrow(table)
    except (OSError, ValueError, pa.ArrowException, pl.exceptions.PolarsError):
        return None
    if not isinstance(frame, pl.DataFrame) or frame.height != rows:
        return None
    if dict(frame.schema) != KEYS_SCHEMA:
        return None
    return frame.select("place", "block_hash")


def renumbered(keys: pl.DataFrame, renumber: np.ndarray) -> pl.DataFrame | None:
    """``keys`` (place, block_hash) with the places mapped by ``renumber`` (old place -> new
    place, -1: the record is gone or changed, its keys dropped); None when a place is not a
    row of records.parquet (a damaged file)."""
    old = keys["place"].to_numpy()
    if len(old) and int(old.max()) >= len(renumber):
        return None
    places = renumber[old]
    keep = places >= 0
    return pl.DataFrame(
        {
            "place": pl.Series(places[keep], dtype=pl.UInt32),
            "block_hash": keys["block_hash"].filter(pl.Series(keep)),
        }
    )


def keys_without(keys: pl.DataFrame, dropped: pl.Series) -> pl.DataFrame:
    """KEYS_SCHEMA rows without those of the records ``dropped`` (bool per row of
    records.parquet), renumbered to records.parquet without those rows (an erasure)."""
    keep = (~dropped).to_numpy()
    renumber = np.where(keep, np.cumsum(keep) - 1, -1)
    places = renumber[keys["place"].to_numpy()]
    kept = places >= 0
    return keys.filter(pl.Series(kept)).with_columns(
        pl.Series("place", places[kept], dtype=pl.UInt32)
    )
