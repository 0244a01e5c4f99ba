"""The scale benchmark's generator: fake files' schema, vocabulary, duplicates and corruption."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.fake_persons import COLUMNS, generate, vocabulary

FAKE_1000 = Path(__file__).resolve().parent.parent / "data" / "splink_fake_1000.csv"


@pytest.fixture(scope="module")
def fake() -> pl.DataFrame:
    return pl.read_csv(FAKE_1000, infer_schema=False)


@pytest.fixture(scope="module")
def generated(fake: pl.DataFrame) -> pl.DataFrame:
    return generate(5000, fake, seed=3)


def test_schema_size_and_ids(generated: pl.DataFrame) -> None:
    assert generated.columns == COLUMNS
    assert generated.height == 5000
    assert generated["unique_id"].n_unique() == 5000


def test_about_2_2_records_per_person_and_order_hides_the_truth(generated: pl.DataFrame) -> None:
    per_person = generated.height / generated["cluster"].n_unique()
    assert 2.0 < per_person < 2.4
    # Shuffled: neighbours in the file are rarely the same person.
    same_as_next = (generated["cluster"] == generated["cluster"].shift(-1)).sum()
    assert same_as_next < 0.05 * generated.height


def test_vocabulary_and_its_frequencies_come_from_the_fake_file(
    fake: pl.DataFrame, generated: pl.DataFrame
) -> None:
    known = set(vocabulary(fake)["surname"].drop_nulls())
    clean = generated["surname"].drop_nulls()
    # Most surnames are the file's; about a third carry a typo or are a swapped first name.
    assert 0.55 < clean.is_in(list(known)).mean() < 0.8
    most_common = vocabulary(fake)["surname"].drop_nulls().mode().sort()[0]
    assert clean.value_counts(sort=True)["surname"].head(5).to_list().count(most_common) == 1


def test_duplicates_differ_by_typos_and_missing_values(generated: pl.DataFrame) -> None:
    nulls = generated.null_count().row(0, named=True)
    for column in ("first_name", "surname", "city", "email"):
        assert 0.08 < nulls[column] / generated.height < 0.3, column
    variants = generated.group_by("cluster").agg(pl.col("surname").drop_nulls().n_unique())
    assert (variants["surname"] > 1).mean() > 0.1


def test_same_seed_same_file_other_seed_other_file(fake: pl.DataFrame) -> None:
    assert generate(500, fake, seed=1).equals(generate(500, fake, seed=1))
    assert not generate(500, fake, seed=1).equals(generate(500, fake, seed=2))


def _differing_share(frame: pl.DataFrame, column: str) -> float:
    """Share of non-null values that differ from their cluster's most common value."""
    usual = frame.group_by("cluster").agg(pl.col(column).drop_nulls().mode().sort().first())
    joined = frame.join(usual, on="cluster", suffix="_usual").drop_nulls(column)
    return float((joined[column] != joined[f"{column}_usual"]).mean())


def test_light_corruption_keeps_the_people_and_changes_fewer_values(fake: pl.DataFrame) -> None:
    calibrated = generate(5000, fake, seed=3)
    light = generate(5000, fake, seed=3, corruption="light")
    # Same people, same number of records each: only the corruption differs.
    sizes = light.group_by("cluster").len().sort("cluster")
    assert sizes.equals(calibrated.group_by("cluster").len().sort("cluster"))
    for column in ("first_name", "surname", "dob", "city", "email"):
        assert _differing_share(light, column) < 0.6 * _differing_share(calibrated, column), column


def test_an_unknown_corruption_level_is_refused(fake: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="corruption 'heavy'"):
        generate(10, fake, corruption="heavy")
