"""Generated person records in the schema of Splink's fake files, at any size.

Splink's ``fake_20000`` (../shared/data/splink_fake_20000.csv) is the vocabulary: each of its
true people (``cluster``) gives one clean value per field (the value most of its records carry),
and a generated person draws first name, surname, city and e-mail domain independently from
those values with their frequencies (Smith stays common, rare names stay rare; about a third of
the people have no city, as there). Birth years follow the file's, the day in the year is
uniform. E-mails are built as the file's are: the first name, sometimes a second part or digits,
``@`` a domain of the file.

Each person has 1 + Poisson(1.2) records (2.2 on average, like the fake files), and every
record is corrupted as the fake files are, as often as theirs (see RATES): typos (a letter
substituted, dropped, inserted or two swapped), first and last name swapped, a birth date a
day, a month or some years off, missing values. A person's first record is corrupted at half
the rate. Rows are shuffled, so
neither the order nor ``unique_id`` reveals the truth, which is only in ``cluster``.

``corruption="light"`` reproduces the generator's first version (commit 3676d93), which
corrupted about a third as often (LIGHT_RATES: names differ from the person's usual value in
about 7 % of the records instead of 23 %) and slipped birth dates by a day or a month only. It is
not the default: the calibrated rates are what fake_20000 shows. The light file is about as
hard as the 1M file issue 18's F1 target (0.94) was set on.

Deterministic: same size and seed, same file. Vectorised in polars and numpy (1M records in
a few seconds).
"""

from __future__ import annotations

import numpy as np
import polars as pl

COLUMNS = ["unique_id", "first_name", "surname", "dob", "city", "email", "cluster"]
RECORDS_PER_PERSON = 2.2
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))

#: Share of records with each corruption (a person's first record: half). Calibrated on one
#: statistic measured the same way on both files, the share of non-null values that differ
#: from their cluster's most common value: fake_20000 has names 23 %, birth dates 34 % (two
#: thirds of them in another year), cities and e-mails 18 %; the generated file at 20,000
#: records 22-23 %, 33 % (three quarters), 17 % and 18 %. Nulls: 18 % of names, 20 % of cities
#: and e-mails in both.
RATES = {
    "first_name_typo": 0.48,
    "surname_typo": 0.48,
    "name_swap": 0.08,
    "first_name_missing": 0.23,
    "surname_missing": 0.23,
    "dob_slip": 0.53,
    "dob_missing": 0.0,
    "city_typo": 0.39,
    "city_missing": 0.21,
    "email_typo": 0.39,
    "email_missing": 0.26,
}

#: The generator's first version (commit 3676d93): rates a third of the calibrated ones.
LIGHT_RATES = {
    "first_name_typo": 0.12,
    "surname_typo": 0.12,
    "name_swap": 0.03,
    "first_name_missing": 0.23,
    "surname_missing": 0.23,
    "dob_slip": 0.10,
    "dob_missing": 0.0,
    "city_typo": 0.08,
    "city_missing": 0.21,
    "email_typo": 0.08,
    "email_missing": 0.26,
}
#: The first version's birth date slips: a day or a month only.
LIGHT_DOB_SLIPS = ["1d", "-1d", "1mo", "-1mo"]
#: Corruption levels of ``generate``: (rates, birth date slips).
#: How a birth date slips: a day, a month or a year digit (fake_20000 keeps the year in a third).
DOB_SLIPS = ["1d", "-1d", "1mo", "-1mo", "1y", "-1y", "3y", "-3y", "6y", "-6y", "10y", "-10y"]
#: Corruption levels of ``generate``: (rates, birth date slips); "calibrated" is the default.
CORRUPTION = {"calibrated": (RATES, DOB_SLIPS), "light": (LIGHT_RATES, LIGHT_DOB_SLIPS)}


def vocabulary(fake: pl.DataFrame) -> pl.DataFrame:
    """One clean row per true person of a Splink fake file: the most common value per field."""

    def mode(column: str) -> pl.Expr:
        # Sorting first makes ties deterministic; a person whose values are all null keeps null.
        return pl.col(column).drop_nulls().sort().mode().sort().first().alias(column)

    return (
        fake.with_columns(pl.col("email").str.extract(r"@(.+)$", 1).alias("domain"))
        .group_by("cluster")
        .agg(mode("first_name"), mode("surname"), mode("dob"), mode("city"), mode("domain"))
        .sort("cluster")
    )


def _draw(rng: np.random.Generator, values: pl.Series, size: int) -> pl.Series:
    """``size`` values drawn with replacement, keeping the frequencies of ``values``."""
    return values.gather(rng.integers(0, values.len(), size))


def _typo(column: str, where: pl.Expr, rng: np.random.Generator, size: int) -> pl.Expr:
    """A letter substituted, dropped, inserted or swapped with the next one, where ``where``."""
    text = pl.col(column)
    position = (pl.lit(pl.Series(rng.random(size))) * text.str.len_chars()).floor().cast(pl.Int64)
    letter = pl.lit(pl.Series(rng.choice(LETTERS, size)))
    kind = pl.lit(pl.Series(rng.integers(0, 4, size)))
    head = text.str.slice(0, position)
    changed = (
        pl.when(kind == 0)
        .then(pl.concat_str([head, letter, text.str.slice(position + 1)]))
        .when(kind == 1)
        .then(pl.concat_str([head, text.str.slice(position + 1)]))
        .when(kind == 2)
        .then(pl.concat_str([head, letter, text.str.slice(position)]))
        .otherwise(
            pl.concat_str(
                [
                    head,
                    text.str.slice(position + 1, 1),
                    text.str.slice(position, 1),
                    text.str.slice(position + 2),
                ]
            )
        )
    )
    return pl.when(where & (text.str.len_chars() > 1)).then(changed).otherwise(text).alias(column)


def _email() -> pl.Expr:
    """first+digits, first.last+digits, initials+digits or first.last, at the person's domain."""
    first = pl.col("first_name").str.to_lowercase()
    last = pl.col("surname").str.to_lowercase()
    digits = pl.col("digits")
    pattern = pl.col("pattern")
    local = (
        pl.when(pattern == 0)
        .then(pl.concat_str([first, digits]))
        .when(pattern == 1)
        .then(pl.concat_str([first, pl.lit("."), last, digits.str.slice(0, 2)]))
        .when(pattern == 2)
        .then(pl.concat_str([first.str.slice(0, 1), last.str.slice(0, 1), digits]))
        .otherwise(pl.concat_str([first, pl.lit("."), last]))
    )
    return pl.concat_str([local, pl.lit("@"), pl.col("domain")])


def generate(
    records: int, fake: pl.DataFrame, seed: int = 7, corruption: str = "calibrated"
) -> pl.DataFrame:
    """``records`` person records (COLUMNS) whose vocabulary and frequencies come from ``fake``.

    ``corruption``: "calibrated" (fake_20000's rates) or "light" (the first version's, a third).
    """
    if corruption not in CORRUPTION:
        raise ValueError(f"corruption {corruption!r}: use one of {', '.join(CORRUPTION)}")
    rates, slips = CORRUPTION[corruption]
    rng = np.random.default_rng(seed)
    people = vocabulary(fake)
    persons = int(records / RECORDS_PER_PERSON * 1.1) + 10
    per_person = 1 + rng.poisson(RECORDS_PER_PERSON - 1, persons)
    years = people["dob"].drop_nulls().str.slice(0, 4).cast(pl.Int32)
    year = _draw(rng, years, persons).to_numpy()
    birth = pl.Series(year.astype(str)).str.to_date("%Y").to_numpy().astype(
        "datetime64[D]"
    ) + rng.integers(0, 365, persons).astype("timedelta64[D]")
    first = _draw(rng, people["first_name"].drop_nulls(), persons)
    surname = _draw(rng, people["surname"].drop_nulls(), persons)
    truth = pl.DataFrame(
        {
            "cluster": np.arange(persons),
            "first_name": first,
            "surname": surname,
            "dob": pl.Series(birth).cast(pl.Date),
            "city": _draw(rng, people["city"], persons),
            "domain": _draw(rng, people["domain"].drop_nulls(), persons),
            "pattern": rng.integers(0, 4, persons),
            "digits": pl.Series(rng.integers(0, 1000, persons)).cast(pl.String),
            "copies": per_person,
        }
    )
    truth = truth.with_columns(_email().alias("email")).drop("domain", "pattern", "digits")
    rows = truth.select(pl.all().repeat_by("copies").explode()).drop("copies").head(records)
    rows = rows.with_columns((pl.col("cluster").cum_count().over("cluster") == 1).alias("first"))
    size = rows.height
    scale = pl.when(pl.col("first")).then(0.5).otherwise(1.0)

    def hit(name: str) -> pl.Expr:
        return pl.lit(pl.Series(rng.random(size))) < scale * rates[name]

    rows = rows.with_columns(
        _typo("first_name", hit("first_name_typo"), rng, size),
        _typo("surname", hit("surname_typo"), rng, size),
        _typo("city", hit("city_typo"), rng, size),
        _typo("email", hit("email_typo"), rng, size),
        # A birth date slip: a day, a month or some years off (as in the fake files).
        pl.when(hit("dob_slip"))
        .then(pl.col("dob").dt.offset_by(pl.lit(pl.Series(rng.choice(slips, size)))))
        .otherwise(pl.col("dob"))
        .alias("dob"),
    )
    swap = hit("name_swap")
    rows = rows.with_columns(
        pl.when(swap).then(pl.col("surname")).otherwise(pl.col("first_name")).alias("first_name"),
        pl.when(swap).then(pl.col("first_name")).otherwise(pl.col("surname")).alias("surname"),
    )
    rows = rows.with_columns(
        *(
            pl.when(hit(f"{column}_missing")).then(None).otherwise(pl.col(column)).alias(column)
            for column in ("first_name", "surname", "dob", "city", "email")
        )
    )
    order = rng.permutation(size)
    return (
        rows.drop("first")
        .with_columns(pl.col("dob").cast(pl.String))
        .select(pl.all().gather(order))
        .with_row_index("unique_id")
        .select(COLUMNS)
    )
