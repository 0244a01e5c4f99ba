"""Which hard rule refuses true pairs: per rule, the candidate pairs it decided, split by truth.

A hard rule overrides the Fellegi-Sunter sum. It should fire only on strong evidence, so on a
labelled set nearly every pair a ``no_match`` rule refuses should be a false pair. This runs
the defaults on one case of benchmarks/accuracy.py (or on ``--records N`` generated persons,
benchmarks/fake_persons.py) and prints, per rule: true and false pairs decided, and how many of
the refused true pairs the weights alone would have merged (score at or above the match
threshold). With ``--show K`` it lists K refused true pairs per rule with their levels (the
comparison levels only, never the values: the data may be personal).

Usage: python -m benchmarks.refusals (--case fake_20000 | --records 100000) [--show K]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import polars as pl

from benchmarks.accuracy import _file_truth, all_cases
from benchmarks.fake_persons import generate
from benchmarks.scale import VOCABULARY


def _truth_and_input(args: argparse.Namespace, workdir: Path) -> tuple[Path, str, pl.DataFrame]:
    from flows.dedupe import SILO

    if args.records:
        persons = generate(args.records, pl.read_csv(VOCABULARY, infer_schema=False), args.seed)
        source = workdir / f"persons_{args.records}.csv"
        persons.drop("cluster").write_csv(source)
        truth = persons.select(
            pl.lit(SILO).alias("silo"),
            pl.col("unique_id").cast(pl.String).alias("source_id"),
            pl.col("cluster").cast(pl.String).alias("entity_id"),
        )
        return source, "unique_id", truth
    case = {case.name: case for case in all_cases()}[args.case]
    assert case.kind == "file" and case.source is not None
    source = workdir / case.source.name
    return source, case.id_column, _file_truth(case, source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="fake_20000")
    parser.add_argument("--records", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--no-hard-rules", action="store_true", help="for comparison only")
    args = parser.parse_args()
    from flows.dedupe import dedupe_file

    with tempfile.TemporaryDirectory(prefix="golden-refusals-") as tmp:
        workdir = Path(tmp)
        source, id_column, truth = _truth_and_input(args, workdir)
        # Every scored pair: a run keeps only the pairs it needs (matching.kept_pairs), and a
        # pair a veto refused outside any group would be missing from the counts.
        result = dedupe_file(
            source, id_column, workdir / "out", hard_rules=not args.no_hard_rules, all_pairs=True
        ).result
        crosswalk = pl.read_parquet(workdir / "out" / "crosswalk.parquet")
    from matching.evaluate import evaluate

    scores = evaluate(truth, crosswalk)
    pairs = result.outputs.matched.pairs
    records = result.outputs.cleaned.records.select("record_key", "silo", "source_id")
    entity = records.join(truth, on=["silo", "source_id"]).select("record_key", "entity_id")
    labelled = (
        pairs.join(entity.rename({"record_key": "left_key", "entity_id": "e_l"}), on="left_key")
        .join(entity.rename({"record_key": "right_key", "entity_id": "e_r"}), on="right_key")
        .with_columns((pl.col("e_l") == pl.col("e_r")).alias("true_pair"))
    )
    threshold = math.log2(0.9 / 0.1)
    summary = (
        labelled.filter(pl.col("hard_rule").is_not_null())
        .group_by("hard_rule")
        .agg(
            pl.col("true_pair").sum().alias("true_pairs"),
            (~pl.col("true_pair")).sum().alias("false_pairs"),
            (pl.col("true_pair") & (pl.col("score") >= threshold)).sum().alias("true_by_weights"),
            (~pl.col("true_pair") & (pl.col("score") >= threshold)).sum().alias("false_by_weights"),
        )
        .sort("true_pairs", descending=True)
    )
    refused = result.outputs.refused
    merges = (
        refused.join(entity.rename({"record_key": "left_key", "entity_id": "e_l"}), on="left_key")
        .join(entity.rename({"record_key": "right_key", "entity_id": "e_r"}), on="right_key")
        .with_columns((pl.col("e_l") == pl.col("e_r")).alias("true_pair"))
        .group_by("reason")
        .agg(
            pl.col("true_pair").sum().alias("true_bridges"),
            (~pl.col("true_pair")).sum().alias("false_bridges"),
        )
        .sort("true_bridges", descending=True)
        if refused is not None
        else pl.DataFrame()
    )
    name = f"records_{args.records}" if args.records else args.case
    all_true = labelled["true_pair"].sum()
    sys.stdout.write(f"{name}: {labelled.height} candidate pairs, {all_true} true\n")
    sys.stdout.write(
        f"P {scores.precision:.4f} R {scores.recall:.4f} F1 {scores.f1:.4f} "
        f"B3 F1 {scores.bcubed_f1:.4f}\n"
    )
    with pl.Config(tbl_rows=50, tbl_width_chars=200, fmt_str_lengths=80):
        sys.stdout.write(f"{summary}\n")
        sys.stdout.write(f"merges refused by clustering (strongest bridge per merge):\n{merges}\n")
        if args.show:
            levels = [column for column in labelled.columns if column.endswith("_level")]
            for rule in summary["hard_rule"]:
                refused = labelled.filter(
                    (pl.col("hard_rule") == rule) & pl.col("true_pair")
                ).select(*levels, "score")
                counts = refused.group_by(levels).len().sort("len", descending=True)
                sys.stdout.write(
                    f"\n{rule}: refused true pairs by levels\n{counts.head(args.show)}\n"
                )


if __name__ == "__main__":
    main()
