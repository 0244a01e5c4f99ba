"""Splink 5 baseline: its documented recipe for Splink's fake person files, scored pairwise.

Runs in its own virtual environment (.venv-splink, made by `make bench`), never in .venv, so
Splink's pins (duckdb, pyarrow, ...) cannot change the project's dependencies. It does not import
the project.

The file is read as `splink.splink_datasets.fake_1000` reads it (pyarrow CSV, empty strings null,
so `dob` is a date). The true entity column `cluster` is dropped before Splink sees the data and
only used to score. DuckDB backend. Two documented recipes (`--recipe`):

* `labels` (default): the model of Splink's docs example "Evaluation when you have fully
  labelled data" (docs/demos/examples/duckdb/accuracy_analysis_from_labels_column, which runs
  on fake_1000 with its `cluster` column): ForenameSurnameComparison, DateOfBirthComparison,
  exact city with term frequencies, EmailComparison; prediction blocking on first_name, surname,
  dob or email; random-match probability from four deterministic rules at recall 0.7; u by
  random sampling (1e6 pairs, seed 5); EM on dob, email, then first_name + surname, without
  term frequencies. That page stops at accuracy charts, so prediction and clustering follow
  the README quickstart: predict at match weight -10, connected components at probability 0.95.
* `quickstart`: the Quickstart of Splink 5.0.0's README (its PyPI description), unchanged:
  Jaro-Winkler first_name, Jaro surname, DateOfBirthComparison (year/month), city with term
  frequencies, EmailComparison; blocking on first_name or surname; EM on first_name + surname,
  then dob; same predict and clustering step.
* `sites`: US site lists (benchmarks/data/us_*): no Splink example covers them; see
  ``sites_recipe`` (the febrl3 example's pattern). ``--truth-column "True Id"`` names the truth.

Scores are pairwise, as in matching/evaluate.py: every pair of records in one predicted cluster
is a predicted match; TP, predicted and true pair counts come from group sizes n(n-1)/2.

Usage: .venv-splink/bin/python benchmarks/splink_baseline.py ../shared/data/splink_fake_1000.csv
Prints one JSON line: tool, case, precision, recall, f1, wall_seconds, peak_rss_mib (and counts).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

TRUTH = "cluster"
MATCH_PROBABILITY = 0.95  # README quickstart's clustering threshold
Train = Callable[[SettingsCreator], Linker]


def labels_example(make_linker: Train) -> Linker:
    """Docs example 'Evaluation when you have fully labelled data' (fake_1000)."""
    linker = make_linker(
        SettingsCreator(
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=[
                block_on("first_name"),
                block_on("surname"),
                block_on("dob"),
                block_on("email"),
            ],
            comparisons=[
                cl.ForenameSurnameComparison("first_name", "surname"),
                cl.DateOfBirthComparison("dob", input_is_string=False),
                cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                cl.EmailComparison("email"),
            ],
        )
    )
    deterministic_rules = [
        "l.first_name = r.first_name and levenshtein(r.dob::VARCHAR, l.dob::VARCHAR) <= 1",
        "l.surname = r.surname and levenshtein(r.dob::VARCHAR, l.dob::VARCHAR) <= 1",
        "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
        "l.email = r.email",
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=5)
    for rule in (block_on("dob"), block_on("email"), block_on("first_name", "surname")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return linker


def readme_quickstart(make_linker: Train) -> Linker:
    """Quickstart of Splink 5.0.0's README (fake_1000)."""
    linker = make_linker(
        SettingsCreator(
            link_type="dedupe_only",
            comparisons=[
                cl.JaroWinklerAtThresholds("first_name", [0.9, 0.7]),
                cl.JaroAtThresholds("surname", [0.9, 0.7]),
                cl.DateOfBirthComparison(
                    "dob",
                    input_is_string=False,
                    datetime_metrics=["year", "month"],
                    datetime_thresholds=[1, 1],
                ),
                cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                cl.EmailComparison("email"),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("first_name"),
                block_on("surname"),
            ],
        )
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    return linker


def febrl_example(make_linker: Train) -> Linker:
    """Docs example 'Deduplicating the febrl3 dataset' (docs/demos/examples/duckdb/febrl3)."""
    linker = make_linker(
        SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=[
                block_on("soc_sec_id"),
                block_on("given_name"),
                block_on("surname"),
                block_on("date_of_birth"),
                block_on("postcode"),
            ],
            comparisons=[
                cl.NameComparison("given_name"),
                cl.NameComparison("surname"),
                cl.DateOfBirthComparison(
                    "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
                ),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            ],
        )
    )
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name "
        "and l.date_of_birth = r.date_of_birth",
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    return linker


def sites_recipe(make_linker: Train) -> Linker:
    """US site lists (site name, one-line address, zip, phone): no Splink example exists for
    them, so this follows the febrl3 example's pattern with the comparisons Splink's docs offer
    for such fields: Jaro-Winkler on the name and the address, exact zip and phone with term
    frequencies; blocking on phone, address, zip and name; deterministic rules (phone; name and
    address) for the prior, u by random sampling, EM on zip and then on phone."""
    linker = make_linker(
        SettingsCreator(
            unique_id_column_name="id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=[
                block_on("phone"),
                block_on("address"),
                block_on("zip"),
                block_on("site_name"),
            ],
            comparisons=[
                cl.JaroWinklerAtThresholds("site_name", [0.95, 0.88, 0.7]),
                cl.JaroWinklerAtThresholds("address", [0.95, 0.88]),
                cl.ExactMatch("zip").configure(term_frequency_adjustments=True),
                cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            ],
        )
    )
    deterministic_rules = [block_on("phone"), block_on("site_name", "address")]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("zip"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    return linker


RECIPES: dict[str, Callable[[Train], Linker]] = {
    "labels": labels_example,
    "quickstart": readme_quickstart,
    "febrl": febrl_example,
    "sites": sites_recipe,
}
# The id column each recipe's settings name; FEBRL's files are read as text throughout.
ID_COLUMNS = {"labels": "unique_id", "quickstart": "unique_id", "febrl": "rec_id", "sites": "id"}
#: US site lists: their columns as the sites recipe names them (lower case, no blanks); values
#: trimmed and lower-cased, as Splink's examples prepare text before comparing, phones as digits.
SITE_COLUMNS = {
    "Id": "id",
    "Site name": "site_name",
    "Facility Name": "site_name",
    "Address": "address",
    "Zip": "zip",
    "Phone": "phone",
}


def _read(path: Path, recipe: str) -> pa.Table:
    """The file as Splink's examples read it, without the truth column."""
    options = pa_csv.ConvertOptions(strings_can_be_null=True)
    if recipe == "febrl":  # the febrl3 example casts every column to text
        with path.open(encoding="utf-8") as handle:
            names = handle.readline().strip().split(",")
        options = pa_csv.ConvertOptions(
            strings_can_be_null=True, column_types={name: pa.string() for name in names}
        )
    if recipe == "sites":
        frame = pl.read_csv(path, infer_schema=False)
        kept = [name for name in frame.columns if name in SITE_COLUMNS]
        frame = frame.select(
            pl.col(name).str.strip_chars().str.to_lowercase().alias(SITE_COLUMNS[name])
            for name in kept
        )
        # Phones as their last 7 digits: the lists write "(414) 372-1180" and "3721180".
        return frame.with_columns(
            pl.col("phone").str.replace_all(r"\D", "").str.slice(-7).replace("", None)
        ).to_arrow()
    table = pa_csv.read_csv(path, convert_options=options)
    return table.drop_columns([TRUTH]) if TRUTH in table.column_names else table


def run_splink(path: Path, recipe: str, threshold: float, verbose: bool) -> pl.DataFrame:
    """Train, predict and cluster; return (unique_id, cluster_id) for every input record."""
    table = _read(path, recipe)
    data = DuckDBAPI().register(table, dataset_display_name=path.stem)
    log_level = logging.INFO if verbose else logging.WARNING
    linker = RECIPES[recipe](lambda settings: Linker(data, settings, log_level=log_level))
    predictions = linker.inference.predict(threshold_match_weight=-10)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    id_column = ID_COLUMNS[recipe]
    return pl.from_arrow(  # type: ignore[union-attr]
        clusters.as_duckdbpyrelation().select(f"{id_column}, cluster_id").arrow()
    ).select(pl.col(id_column).cast(pl.String).alias("unique_id"), "cluster_id")


def _pairs(column: str) -> pl.Expr:
    n = pl.len().over(column).cast(pl.Int64)
    return ((n - 1) / 2).sum()  # sum over records of (n-1)/2 == sum over groups of n(n-1)/2


def pairwise_scores(truth: pl.DataFrame, predicted: pl.DataFrame) -> dict[str, float | int]:
    """Pairwise precision/recall/F1; records Splink did not return count as singletons."""
    labelled = truth.join(predicted, on="unique_id", how="left").with_columns(
        pl.col("cluster_id").cast(pl.String).fill_null(pl.format("missing-{}", "unique_id"))
    )
    counts = labelled.select(
        _pairs("cluster_id").alias("predicted"),
        _pairs("entity").alias("true"),
        ((pl.len().over("entity", "cluster_id") - 1) / 2).sum().alias("tp"),
    ).row(0, named=True)
    tp, predicted_pairs, true_pairs = (round(counts[k]) for k in ("tp", "predicted", "true"))
    precision = 1.0 if predicted_pairs == 0 else tp / predicted_pairs
    recall = 1.0 if true_pairs == 0 else tp / true_pairs
    total = precision + recall
    return {
        "precision": precision,
        "recall": recall,
        "f1": 0.0 if total == 0 else 2 * precision * recall / total,
        "records": labelled.height,
        "predicted_clusters": labelled["cluster_id"].n_unique(),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "true_positive_pairs": tp,
        "missing": int(labelled["cluster_id"].str.starts_with("missing-").sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="splink_fake_*.csv with a `cluster` column")
    parser.add_argument("--case", help="name in the output (default: file name without splink_)")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="labels")
    parser.add_argument("--threshold", type=float, default=MATCH_PROBABILITY)
    parser.add_argument("--verbose", action="store_true", help="Splink's INFO log on stderr")
    parser.add_argument(
        "--truth", type=Path, help="id,entity_id table when the file has no `cluster` column"
    )
    parser.add_argument(
        "--truth-column", help="the truth's column in the file (never shown to Splink)"
    )
    args = parser.parse_args()
    case = args.case or args.csv.stem.removeprefix("splink_")

    started = time.perf_counter()
    predicted = run_splink(args.csv, args.recipe, args.threshold, args.verbose)
    wall = time.perf_counter() - started

    if args.truth_column:
        truth = pl.read_csv(args.csv, infer_schema=False).select(
            pl.col(ID_COLUMNS[args.recipe] if args.recipe != "sites" else "Id"),
            pl.col(args.truth_column),
        )
    elif args.truth is None:
        truth = pl.read_csv(args.csv, columns=["unique_id", TRUTH], infer_schema=False)
    else:
        truth = pl.read_csv(args.truth, infer_schema=False)
    truth = truth.select(
        pl.col(truth.columns[0]).alias("unique_id"), pl.col(truth.columns[1]).alias("entity")
    )
    result = {
        "tool": "splink",
        "case": case,
        **pairwise_scores(truth, predicted),
        "wall_seconds": round(wall, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "recipe": args.recipe,
        "threshold": args.threshold,
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
