"""Cleaner benchmark: 1,000,000 generated DACH canonical records through clean_records.

The records are drawn, vectorized and seeded, from the demo reference data in
``flows/demo/data`` (names, places, streets, legal forms, phone prefixes, mail domains) and carry
the dirt real silos have: ALL CAPS and nicknames, "Str." abbreviations, house numbers in the
street, plate prefixes ("D-10115"), mixed phone and date formats, domain typos, Excel serial dates,
formatted VAT ids with a few wrong check digits, "jun." in last names. Prints the wall time and
peak memory (max RSS) of clean_records, then times each cleaner family on the same data.

Target (issue 4): at most 60 s wall and 4 GiB peak on a 2-core machine.

Usage: python -m benchmarks.clean_1m [--rows N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import gc
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from cleaners import clean_records
from cleaners.pipeline import cleaning_steps, prepared_frame
from rules.canonical import CANONICAL_SCHEMA

DATA = Path(__file__).resolve().parent.parent / "flows" / "demo" / "data"
TODAY = date(2025, 6, 1)
COUNTRIES = ("DE", "AT", "CH")
COUNTRY_SHARES = (0.6, 0.25, 0.15)
SILOS = ("crm", "shop", "erp", "newsletter")
MONTHS = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)


def _table(name: str) -> pl.DataFrame:
    """A demo reference CSV (first line is its ``# source:`` comment) as a String frame."""
    with (DATA / name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return pl.DataFrame(rows, schema={key: pl.String() for key in rows[0]})


def _pick(
    rng: np.random.Generator, values: pl.Series, size: int, weights: pl.Series | None = None
) -> pl.Series:
    """``size`` values drawn with replacement (optionally weighted)."""
    p = None if weights is None else (weights / weights.sum()).to_numpy()
    return values.gather(rng.choice(len(values), size=size, p=p))


def _by_country(
    rng: np.random.Generator, table: pl.DataFrame, country: np.ndarray, weight: str | None = None
) -> pl.DataFrame:
    """One row of ``table`` per record, drawn among the rows of the record's country."""
    table = table.with_row_index("__i")
    index = np.zeros(len(country), dtype=np.int64)
    for code in COUNTRIES:
        rows = table.filter(pl.col("countries").str.contains(code))
        mask = country == code
        weights = rows[weight].cast(pl.Float64).to_numpy() if weight else None
        p = None if weights is None else weights / weights.sum()
        index[mask] = rows["__i"].to_numpy()[rng.choice(rows.height, size=mask.sum(), p=p)]
    return table.drop("__i")[index]


def _some(rng: np.random.Generator, size: int, share: float) -> pl.Series:
    return pl.Series(rng.random(size) < share)


def _digits(rng: np.random.Generator, size: int, count: int) -> np.ndarray:
    return rng.integers(0, 10, size=(size, count))


def _subscriber_digits(rng: np.random.Generator, size: int, count: int) -> np.ndarray:
    """Digits of a subscriber number: never starting with 0 or 1 (prefixes in DACH plans)."""
    digits = _digits(rng, size, count)
    digits[:, 0] = rng.integers(2, 10, size)
    return digits


def _join_digits(digits: np.ndarray) -> pl.Series:
    """Rows of digits as zero-padded text ("01234567")."""
    count = digits.shape[1]
    values = (digits * 10 ** np.arange(count - 1, -1, -1, dtype=np.int64)).sum(axis=1)
    return pl.Series(values).cast(pl.String).str.zfill(count)


def vat_ids(rng: np.random.Generator, country: np.ndarray) -> pl.Series:
    """Valid DE / ATU / CHE numbers (check digits computed vectorized), formatted variously."""
    size = len(country)
    body = _digits(rng, size, 8)
    body[:, 0] = rng.integers(1, 10, size)
    # DE: ISO 7064 Mod 11,10 over the 8 digits.
    check = np.full(size, 5)
    for column in range(8):
        check = (((np.where(check == 0, 10, check) * 2) % 11) + body[:, column]) % 10
    de_check = (1 - (np.where(check == 0, 10, check) * 2) % 11) % 10
    # AT: Luhn over the first 7 digits, check = (6 - checksum) % 10.
    reversed_digits = body[:, 6::-1]
    doubled = reversed_digits[:, 1::2] * 2
    luhn = reversed_digits[:, 0::2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
    at_check = (6 - luhn % 10) % 10
    # CH: weights 5,4,3,2,7,6,5,4, mod 11 (a result of 10 has no check digit: no VAT id).
    ch_check = (11 - (body * np.array([5, 4, 3, 2, 7, 6, 5, 4])).sum(axis=1)) % 11
    digits = _join_digits(body)
    frame = pl.DataFrame(
        {
            "country": country,
            "body": digits,
            "at_body": digits.str.slice(0, 7),
            "de": pl.Series(de_check).cast(pl.String),
            "at": pl.Series(at_check).cast(pl.String),
            "ch": pl.Series(ch_check).cast(pl.String),
            "style": rng.integers(0, 3, size),
            "wrong": rng.random(size) < 0.02,
        }
    )
    de = pl.col("body") + pl.col("de")
    at = pl.col("at_body") + pl.col("at")
    ch = pl.col("body") + pl.col("ch")
    formatted = (
        pl.when(pl.col("country") == "DE")
        .then(
            pl.when(pl.col("style") == 0)
            .then("DE" + de)
            .otherwise(
                pl.format("DE {} {} {}", de.str.slice(0, 3), de.str.slice(3, 3), de.str.slice(6))
            )
        )
        .when(pl.col("country") == "AT")
        .then(pl.when(pl.col("style") == 0).then("ATU" + at).otherwise("ATU " + at))
        .when(pl.col("ch") == "10")
        .then(None)
        .otherwise(
            pl.when(pl.col("style") == 0)
            .then("CHE" + ch)
            .otherwise(
                pl.format(
                    "CHE-{}.{}.{} MWST", ch.str.slice(0, 3), ch.str.slice(3, 3), ch.str.slice(6)
                )
            )
        )
    )
    # A wrong check digit in 2 %: the last digit plus one.
    text = pl.col("formatted")
    wrong = text.str.slice(0, text.str.len_chars() - 1) + (
        (text.str.slice(-1).cast(pl.Int32, strict=False).fill_null(0) + 1) % 10
    ).cast(pl.String)
    damaged = pl.col("wrong") & ~text.str.ends_with("MWST")
    return (
        frame.with_columns(formatted=formatted)
        .select(pl.when(damaged).then(wrong).otherwise(text))
        .to_series()
    )


def generate(rows: int, seed: int) -> pl.DataFrame:
    """``rows`` canonical records (CANONICAL_SCHEMA), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    country = np.array(COUNTRIES)[rng.choice(3, size=rows, p=COUNTRY_SHARES)]
    nicknames = _table("nicknames.csv").group_by("name", maintain_order=True).agg("nickname")
    first = _by_country(
        rng,
        _table("first_names.csv").join(nicknames, on="name", how="left", maintain_order="left"),
        country,
    )
    surnames = _by_country(rng, _table("surnames.csv"), country)
    places = _by_country(
        rng, _table("places.csv").rename({"country": "countries"}), country, "weight"
    )
    streets = _by_country(rng, _table("streets.csv"), country)
    forms = _by_country(
        rng, _table("legal_forms.csv").rename({"country": "countries"}), country, "weight"
    )
    mobiles = _by_country(
        rng, _table("mobile_prefixes.csv").rename({"country": "countries"}), country
    )
    domains = _by_country(
        rng, _table("email_domains.csv").rename({"country": "countries"}), country, "weight"
    )
    words = _table("company_words.csv").filter(pl.col("kind") != "association")
    titles = _table("titles.csv")

    base = pl.DataFrame(
        {
            "country_code": country,
            "is_org": rng.random(rows) < 0.12,
            "r": rng.random(rows),
            "r2": rng.random(rows),
            "r3": rng.random(rows),
            "number": rng.integers(1, 200, rows),
            "letter": pl.Series(np.array(list("abcd"))[rng.integers(0, 4, rows)]),
            "birth": pl.Series(
                np.datetime64("1935-01-01")
                + rng.integers(0, 70 * 365, rows).astype("timedelta64[D]")
            ),
            "created": pl.Series(
                np.datetime64("2015-01-01T00:00:00", "us")
                + (rng.integers(0, 10 * 365 * 86400, rows) * 1_000_000).astype("timedelta64[us]")
            ),
            "serial": rng.integers(100, 999, rows),
        }
    )
    drawn = [
        first.select(
            first_name="name",
            gender="gender",
            nicknames=pl.col("nickname").fill_null([]),
        ),
        surnames.select(last_name="surname"),
        places.select("postal_code", "city", "area_code", "subscriber_digits"),
        streets.select("street"),
        forms.select("legal_form"),
        mobiles.select(mobile_prefix="prefix", mobile_digits="digits"),
        domains.select("domain"),
    ]
    base = pl.concat([base, *drawn], how="horizontal").with_columns(
        company_word=_pick(rng, words["word"], rows),
        title_pick=_pick(rng, titles["title"], rows, titles["weight"].cast(pl.Float64)),
        landline=_join_digits(_subscriber_digits(rng, rows, 8)),
        mobile=_join_digits(_subscriber_digits(rng, rows, 9)),
        vat_id=vat_ids(rng, country),
    )
    drawn = base.select(_columns())
    # canonical fields this generator does not draw (contact_name, the consent proof) stay null
    return drawn.select(
        (pl.col(name) if name in drawn.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in CANONICAL_SCHEMA.items()
    )


def _columns() -> list[pl.Expr]:
    """The canonical columns, built from the drawn values with realistic damage."""
    r, r2, r3 = pl.col("r"), pl.col("r2"), pl.col("r3")
    is_org, person = pl.col("is_org"), ~pl.col("is_org")
    code = pl.col("country_code")
    silo = pl.lit(pl.Series(SILOS)).gather(pl.int_range(pl.len()) % len(SILOS))
    source_id = pl.int_range(pl.len()).cast(pl.String)
    # Names: nicknames, case damage, suffixes, particles.
    nickname = pl.col("nicknames").list.get(
        (r3 * pl.col("nicknames").list.len()).floor().cast(pl.Int64), null_on_oob=True
    )
    first = pl.when(r < 0.05).then(pl.coalesce(nickname, "first_name")).otherwise("first_name")
    first = pl.when(r2 < 0.03).then(first.str.to_uppercase()).otherwise(first)
    last = pl.col("last_name")
    last = (
        pl.when(r2 > 0.99)
        .then(last + " jun.")
        .when(r2 > 0.985)
        .then("von " + last)
        .when(r3 < 0.04)
        .then(last.str.to_uppercase())
        .otherwise(last)
    )
    salutation = (
        pl.when(r3 > 0.9)
        .then(None)
        .when(pl.col("gender") == "m")
        .then(pl.when(r3 < 0.3).then(pl.lit("Hr.")).otherwise(pl.lit("Herr")))
        .otherwise(pl.when(r3 < 0.3).then(pl.lit("Fr.")).otherwise(pl.lit("Frau")))
    )
    title = pl.when(r2 > 0.94).then("title_pick")
    organisation = (
        pl.when(r < 0.5)
        .then(pl.format("{} {} {}", "company_word", "last_name", "legal_form"))
        .otherwise(pl.format("{} {}", "last_name", "legal_form"))
    )
    contact = is_org & (r3 < 0.3)
    # Addresses: Swiss spelling, abbreviations, numbers in the street, plate prefixes.
    street = pl.when(code == "CH").then(pl.col("street").str.replace("ß", "ss")).otherwise("street")
    street = (
        pl.when(r < 0.3).then(street.str.replace(r"(?i)stra(ß|ss)e$", "str.")).otherwise(street)
    )
    number = (
        pl.when(r3 < 0.1)
        .then(pl.format("{}{}", "number", "letter"))
        .otherwise(pl.col("number").cast(pl.String))
    )
    number_in_street = r2 < 0.5
    prefix = code.replace_strict({"DE": "D-", "AT": "A-", "CH": "CH-"}, return_dtype=pl.String)
    postal = pl.when(r < 0.03).then(prefix + pl.col("postal_code")).otherwise("postal_code")
    # A German CRM leaves the home country empty; foreign records name their country.
    country = (
        pl.when((r2 < 0.4) & (code == "DE"))
        .then(None)
        .when(r2 < 0.8)
        .then(code)
        .otherwise(code.replace_strict({"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz"}))
    )
    city = pl.when(r3 > 0.98).then(pl.col("city").str.to_uppercase()).otherwise("city")
    # Phones: area code + subscriber number in several notations, mobiles, a few broken ones.
    local = pl.col("landline").str.slice(0, pl.col("subscriber_digits").cast(pl.Int64))
    trunk = code.replace_strict({"DE": "+49", "AT": "+43", "CH": "+41"})
    landline = (
        pl.when(r < 0.4)
        .then(pl.format("0{} {}", "area_code", local))
        .when(r < 0.6)
        .then(pl.format("0{}/{}", "area_code", local))
        .when(r < 0.8)
        .then(pl.format("{} {} {}", trunk, "area_code", local))
        .when(r < 0.995)
        .then(pl.format("0{}-{}", "area_code", local))
        .otherwise(pl.format("0{} {} ext. 12", "area_code", local))
    )
    mobile = pl.format(
        "0{} {}",
        "mobile_prefix",
        pl.col("mobile").str.slice(0, pl.col("mobile_digits").cast(pl.Int64)),
    )
    phones = pl.concat_list(
        pl.when(r2 < 0.7).then(landline),
        pl.when(r3 < 0.4).then(mobile),
        pl.when(r > 0.995).then(pl.lit("12345")),
    ).list.drop_nulls()
    # E-mails: transliterated names, numbers, role addresses for companies, typos.
    ascii_name = (
        pl.format("{}.{}", "first_name", "last_name")
        .str.replace_many(["ä", "ö", "ü", "ß", "é", "è"], ["ae", "oe", "ue", "ss", "e", "e"])
        .str.to_lowercase()
        .str.replace_all(r"[^a-z.]", "")
    )
    typo = pl.col("domain").replace(
        {"gmail.com": "gmial.com", "gmx.de": "gmx.d", "web.de": "web.dee"}
    )
    domain = pl.when(r3 < 0.01).then(typo).otherwise("domain")
    personal = (
        pl.when(r < 0.5)
        .then(pl.format("{}@{}", ascii_name, domain))
        .otherwise(pl.format("{}{}@{}", ascii_name, "serial", domain))
    )
    role = pl.format(
        "info@{}.{}",
        pl.col("last_name").str.to_lowercase().str.replace_all(r"[^a-z]", ""),
        code.str.to_lowercase(),
    )
    email = pl.when(is_org).then(role).otherwise(personal)
    email = pl.when(r2 > 0.97).then(email.str.to_uppercase()).otherwise(email)
    emails = pl.concat_list(pl.when(r3 < 0.75).then(email)).list.drop_nulls()
    # Dates: mostly DD.MM.YYYY, also ISO, D.M.YY, Excel serials, month names, impossible ones.
    birth = pl.col("birth")
    day, month, year = birth.dt.day(), birth.dt.month(), birth.dt.year()
    month_name = pl.lit(pl.Series(MONTHS)).gather(month.cast(pl.Int64) - 1)
    serial = (birth - pl.lit(date(1899, 12, 30))).dt.total_days().cast(pl.String)
    birth_text = (
        pl.when(r < 0.75)
        .then(birth.dt.strftime("%d.%m.%Y"))
        .when(r < 0.85)
        .then(birth.dt.strftime("%Y-%m-%d"))
        .when(r < 0.90)
        .then(pl.format("{}.{}.{}", day, month, (year % 100).cast(pl.String).str.zfill(2)))
        .when(r < 0.93)
        .then(serial)
        .when(r < 0.99)
        .then(pl.format("{}. {} {}", day, month_name, year))
        .otherwise(pl.lit("31.02.1980"))
    )
    created = pl.col("created")
    return [
        pl.format("{}:{}", silo, source_id).alias("record_key"),
        silo.alias("silo"),
        source_id.alias("source_id"),
        (pl.int_range(pl.len()) + 1).alias("row_number"),
        pl.when(r3 > 0.95)
        .then(pl.when(is_org).then(pl.lit("B2B")).otherwise(pl.lit("B2C")))
        .alias("record_type"),
        pl.when(person).then(salutation).alias("salutation"),
        pl.when(person).then(title).alias("title"),
        pl.when(person | contact).then(first).alias("first_name"),
        pl.when(person | contact).then(last).alias("last_name"),
        pl.when(is_org).then(organisation).alias("organisation_name"),
        pl.lit(None, pl.String).alias("legal_form"),
        pl.when(number_in_street)
        .then(pl.format("{} {}", street, number))
        .otherwise(street)
        .alias("street"),
        pl.when(~number_in_street).then(number).alias("house_number"),
        postal.alias("postal_code"),
        city.alias("city"),
        country.alias("country"),
        pl.when(person & (r3 < 0.6)).then(birth_text).alias("birth_date"),
        pl.when(is_org & (r < 0.7)).then(pl.col("vat_id")).alias("vat_id"),
        pl.when(r2 < 0.5)
        .then(pl.when(r < 0.7).then(pl.lit("ja")).otherwise(pl.lit("nein")))
        .alias("consent_email"),
        pl.when(r2 < 0.5).then(created.dt.strftime("%Y-%m-%d")).alias("consent_email_date"),
        pl.when(r2 < 0.5).then(pl.lit("Webformular")).alias("consent_email_source"),
        pl.when(r3 < 0.2).then(pl.lit("x")).alias("consent_post"),
        pl.lit(None, pl.String).alias("consent_post_date"),
        pl.lit(None, pl.String).alias("consent_post_source"),
        pl.when(r3 > 0.9).then(pl.lit("nein")).alias("consent_phone"),
        pl.lit(None, pl.String).alias("consent_phone_date"),
        pl.lit(None, pl.String).alias("consent_phone_source"),
        created.dt.strftime("%Y-%m-%d %H:%M:%S").alias("created_at"),
        created.dt.strftime("%d.%m.%Y %H:%M").alias("updated_at"),
        created.dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("last_activity"),
        pl.when(r < 0.5)
        .then(pl.lit("Vertrieb Nord"))
        .otherwise(pl.lit("Vertrieb Süd"))
        .alias("owner"),
        pl.lit(None, pl.String).alias("linked_golden_id"),
        phones.alias("phones"),
        emails.alias("emails"),
    ]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generated(rows: int, seed: int) -> pl.DataFrame:
    """Generate in a child process, so its working memory is not in this process's peak RSS."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "canonical.parquet"
        command = [sys.executable, "-m", "benchmarks.clean_1m", "--rows", str(rows)]
        command += ["--seed", str(seed), "--write", str(path)]
        subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
        return pl.read_parquet(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        generate(args.rows, args.seed).write_parquet(args.write)
        return
    write = sys.stdout.write

    started = time.perf_counter()
    canonical = _generated(args.rows, args.seed)
    write(
        f"generated {canonical.height:,} records in {time.perf_counter() - started:.1f} s "
        f"({canonical.estimated_size('mb'):.0f} MB in memory); peak RSS {_peak_mib():,.0f} MiB\n"
    )

    started = time.perf_counter()
    result = clean_records(canonical, default_country="DE", today=TODAY)
    wall = time.perf_counter() - started
    write(
        f"clean_records: {wall:.1f} s wall, {canonical.height / wall:,.0f} records/s, "
        f"peak RSS {_peak_mib():,.0f} MiB (input included), "
        f"{result.findings.height:,} findings\n"
    )
    del result
    gc.collect()

    write("per family (same data, pipeline order, each on the previous family's output):\n")
    steps = cleaning_steps(
        default_country="DE", silo_countries=None, date_formats=None, today=TODAY
    )
    frame = prepared_frame(canonical)
    for family, step in steps:
        started = time.perf_counter()
        frame = step(frame).frame
        seconds = time.perf_counter() - started
        write(f"  {family:<14} {seconds:6.2f} s  {canonical.height / seconds:>12,.0f} records/s\n")
    write(f"peak RSS overall {_peak_mib():,.0f} MiB\n")


if __name__ == "__main__":
    main()
