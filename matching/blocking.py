"""Blocking: candidate pairs from records that share a key, unioned over several rules.

A blocking rule is a function from the cleaned frame to ``record_key, block_key`` rows; records
with the same block key become candidate pairs. Blocks larger than ``max_block_size`` are not
paired (they would be quadratic and mostly non-matches) and are reported with their key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

KeyFunction = Callable[[pl.DataFrame], pl.DataFrame]

PAIR_SCHEMA = {"left_key": pl.String(), "right_key": pl.String(), "rules": pl.String()}

_EMPTY_LIST = pl.lit([], dtype=pl.List(pl.String()))


def _joined(*columns: str) -> pl.Expr:
    """Key from several columns; null when any part is missing so such records are not blocked."""
    return pl.concat_str([pl.col(name).cast(pl.String) for name in columns], separator="|")


def _scalar_rule(*columns: str) -> KeyFunction:
    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select("record_key", _joined(*columns).alias("block_key")).drop_nulls()

    return keys


def _list_rule(column: str, exclude: str | None = None) -> KeyFunction:
    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        values = pl.col(column)
        if exclude is not None and exclude in frame.columns:
            # A null exclusion list means "nothing to exclude", not "no values at all".
            values = values.list.set_difference(pl.col(exclude).fill_null(_EMPTY_LIST))
        return (
            frame.select("record_key", values.alias("block_key"))
            .explode("block_key")
            .drop_nulls()
            .unique()
        )

    return keys


def _expression_rule(key: pl.Expr) -> KeyFunction:
    def keys(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select("record_key", key.alias("block_key")).drop_nulls()

    return keys


def _name_pair() -> pl.Expr:
    """First and last name key in sorted order: finds records with swapped name fields."""
    first, last = pl.col("first_name_key"), pl.col("last_name_key")
    return (
        pl.when(first.is_not_null() & last.is_not_null())
        .then(
            pl.when(first <= last)
            .then(pl.concat_str([first, last], separator="|"))
            .otherwise(pl.concat_str([last, first], separator="|"))
        )
        .otherwise(None)
    )


def _email_local_parts(frame: pl.DataFrame) -> pl.DataFrame:
    """Local parts of personal e-mails: finds the same address with a mistyped domain."""
    keys = _list_rule("emails", exclude="role_emails")(frame)
    return (
        keys.with_columns(pl.col("block_key").str.extract(r"^([^@]{4,})@", 1))
        .drop_nulls()
        .unique()
    )


#: Rule name (as used in golden.toml [matching] blocking_rules) -> key function.
BLOCKING_RULES: dict[str, KeyFunction] = {
    "email": _list_rule("emails", exclude="role_emails"),
    "phone": _list_rule("phones"),
    "name_birth_date": _scalar_rule("last_name_phonetic", "birth_date"),
    "first_name_birth_date": _scalar_rule("first_name_group", "birth_date"),
    "name_address": _scalar_rule("last_name_phonetic", "postal_code"),
    "first_name_address": _scalar_rule("first_name_group", "postal_code", "street_key"),
    "full_name": _scalar_rule("first_name_group", "last_name_phonetic"),
    "name_pair": _expression_rule(_name_pair()),
    "birth_date": _scalar_rule("birth_date"),
    "email_local_part": _email_local_parts,
    "name_city": _scalar_rule("last_name_phonetic", "city_key"),
    "first_name_city": _scalar_rule("first_name_group", "city_key"),
    "vat_id": _scalar_rule("vat_id"),
    "organisation": _scalar_rule("organisation_key"),
}


@dataclass(frozen=True)
class BlockingResult:
    """Candidate pairs (left_key < right_key) and what each rule contributed."""

    pairs: pl.DataFrame  # left_key, right_key, rules ("email,phone")
    pairs_per_rule: dict[str, int]
    oversized_blocks: pl.DataFrame  # rule, block_key, size


def candidate_pairs(
    frame: pl.DataFrame, rule_names: list[str], max_block_size: int
) -> BlockingResult:
    """Union the pairs of every named rule, de-duplicated, with the rules that found each pair."""
    unknown = sorted(set(rule_names) - set(BLOCKING_RULES))
    if unknown:
        raise ValueError(
            f"unknown blocking rule(s) {', '.join(unknown)}; known: {', '.join(BLOCKING_RULES)}"
        )
    per_rule: dict[str, int] = {}
    pair_frames: list[pl.DataFrame] = []
    oversized: list[pl.DataFrame] = []
    for name in rule_names:
        keys = BLOCKING_RULES[name](frame)
        sizes = keys.group_by("block_key").len("size")
        too_big = sizes.filter(pl.col("size") > max_block_size)
        oversized.append(too_big.select(pl.lit(name).alias("rule"), "block_key", "size"))
        usable = keys.join(too_big.select("block_key"), on="block_key", how="anti")
        pairs = (
            usable.join(usable, on="block_key", suffix="_right")
            .filter(pl.col("record_key") < pl.col("record_key_right"))
            .select(
                pl.col("record_key").alias("left_key"),
                pl.col("record_key_right").alias("right_key"),
            )
            .unique()
        )
        per_rule[name] = pairs.height
        pair_frames.append(pairs.with_columns(pl.lit(name).alias("rule")))
    if pair_frames:
        union = (
            pl.concat(pair_frames)
            .group_by("left_key", "right_key")
            .agg(pl.col("rule").sort().str.join(",").alias("rules"))
            .sort("left_key", "right_key")
        )
    else:
        union = pl.DataFrame(schema=PAIR_SCHEMA)
    oversized_blocks = (
        pl.concat(oversized).sort("rule", "size", descending=[False, True])
        if oversized
        else pl.DataFrame(
            schema={"rule": pl.String(), "block_key": pl.String(), "size": pl.UInt32()}
        )
    )
    return BlockingResult(pairs=union, pairs_per_rule=per_rule, oversized_blocks=oversized_blocks)
