"""Map a silo's raw columns onto the canonical model (rules.canonical), keeping every row.

Rows without a source id, and repeated source ids within a silo, go to quarantine with their row
number and a reason; every other row becomes one canonical record. Combined fields (a full name,
a one-line address) are split here so the cleaners see canonical columns only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from rules.canonical import (
    CANONICAL_SCHEMA,
    LIST_FIELDS,
    QUARANTINE_SCHEMA,
    SCALAR_FIELDS,
    record_key,
)
from rules.config import SiloConfig
from rules.errors import SiloError

if TYPE_CHECKING:
    from cleaners.distinct_memo import DistinctMemo

ROW_NUMBER = "_row_number"
#: One e-mail in a cell of several: "Max Muster <max@x.de>" and the written-out "max (at)
#: gmx.de" / "max @ gmx.de" stay whole (the e-mail cleaner repairs them); otherwise items end
#: at ; , | or white space ("a@x.de b@y.de").
_EMAIL_ITEM = "|".join(
    (
        r"[^;,|<>\n]*<[^<>]*>",
        r"[^;,|\s]+\s*[(\[{]\s*(?i:at)\s*[)\]}]\s*[^;,|\s]+",
        r"[^;,|\s]+\s+@\s*[^;,|\s]+",
        r"[^;,|\s]+@\s+[^;,|\s]+",
        r"[^;,|\s]+",
    )
)
#: Separators between several values in one list cell ("0301234; 0171 555").
_LIST_ITEMS = {"phones": r"[^;|\n]+", "emails": _EMAIL_ITEM}


@dataclass(frozen=True)
class MappedSilo:
    """The canonical records of one silo and the rows quarantined while mapping."""

    records: pl.DataFrame
    quarantine: pl.DataFrame


def _text(column: str) -> pl.Expr:
    """A trimmed text column with empty strings as null."""
    trimmed = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(trimmed == "").then(None).otherwise(trimmed)


def check_mapped_columns(silo: SiloConfig, available: list[str]) -> None:
    """Raise SiloError naming the mapped columns the source lacks, and the ones it has."""
    wanted = [
        column
        for columns in silo.mapping.values()
        for column in (columns if isinstance(columns, list) else [columns])
    ]
    missing = sorted(set(wanted) - set(available))
    if missing:
        shown = ", ".join(repr(name) for name in available[:30])
        raise SiloError(
            silo.name,
            f"mapped column(s) {', '.join(repr(name) for name in missing)} not found in the "
            f"source; it has: {shown} — fix [silos.{silo.name}.mapping] in golden.toml",
        )


def _list_field(field: str, columns: list[str]) -> pl.Expr:
    empty = pl.lit([], dtype=pl.List(pl.String))
    # A null part would make the whole concatenated list null: treat it as "no values".
    parts = [
        _text(column).str.extract_all(_LIST_ITEMS[field]).fill_null(empty) for column in columns
    ]
    combined = pl.concat_list(parts) if len(parts) > 1 else parts[0]
    return combined.list.eval(
        pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != "")
    ).fill_null(pl.lit([], dtype=pl.List(pl.String)))


def _split_combined(
    frame: pl.DataFrame, silo: SiloConfig, memo: DistinctMemo | None = None
) -> pl.DataFrame:
    """Fill canonical fields from combined source fields where the silo has no separate column."""
    from cleaners import parse_address_line, split_full_name, split_postal_city, split_street_line
    from cleaners.address_lines import without_building_parts
    from cleaners.countries import with_phone_prefix_country
    from cleaners.organisations import contact_of_address_line, organisation_of_address_line

    splitters: dict[str, tuple[Callable[..., pl.DataFrame], tuple[str, ...]]] = {
        "full_name": (split_full_name, ("salutation", "title", "first_name", "last_name")),
        "address_line": (
            parse_address_line,
            ("street", "house_number", "postal_code", "city", "country", "address_extra"),
        ),
        "street_line": (split_street_line, ("street", "house_number", "address_extra")),
        "postal_city": (split_postal_city, ("postal_code", "city")),
    }
    for combined, (splitter, fields) in splitters.items():
        if combined not in silo.mapping:
            continue
        source = frame.select(pl.col(f"__{combined}").alias(combined))
        if combined == "address_line":
            # The phone's calling code can make "Jordan" at the end of the line the country.
            source = with_phone_prefix_country(
                source.with_columns(frame["phones"].list.first().alias("__first_phone")),
                "__first_phone",
                "__phone_country",
            ).drop("__first_phone")
            split = parse_address_line(source, combined, phone_country="__phone_country", memo=memo)
        elif combined == "full_name":
            split = split_full_name(source, combined, memo)
        else:
            split = splitter(source, combined)
        if combined == "full_name":
            split = _suffix_back_into_name(split)
        if combined == "address_line":
            # "2. OG" is a floor, not a company with the Austrian legal form OG.
            lines = split["address_extra"].map_elements(
                without_building_parts, return_dtype=pl.String
            )
            # "z. Hd. Frau Huber" as a line of the address: the contact of an organisation
            # record (cleaners.contacts), not an address part to drop. On a person's own record
            # ("Jonas Brandt, c/o Schreinerei Vogt") it is where the person gets mail: kept in
            # address_extra, no contact.
            contact = lines.map_elements(contact_of_address_line, return_dtype=pl.String)
            # A name column left blank on an organisation row ("" from a CSV or a full-name
            # split of nothing) names no one: the address line's contact stands.
            named = pl.any_horizontal(
                (pl.col(name).str.strip_chars().str.len_chars() > 0).fill_null(False)
                for name in ("first_name", "last_name")
            )
            frame = frame.with_columns(
                pl.coalesce(pl.col("contact_name"), pl.when(~named).then(pl.lit(contact)))
            )
            # "Huber Bau GmbH" as the first line of the address: the record's organisation.
            company = lines.map_elements(organisation_of_address_line, return_dtype=pl.String)
            frame = frame.with_columns(pl.coalesce(pl.col("organisation_name"), company))
        frame = frame.with_columns(
            _joined(pl.col(field), split[field]).alias(field)
            if field == "address_extra"  # a mapped Adresszusatz and the split-off part: both
            else pl.coalesce(pl.col(field), split[field]).alias(field)
            for field in fields
        )
    return frame


def _joined(mapped: pl.Expr, split: pl.Series) -> pl.Expr:
    """Both values joined with ", " (one when the other is empty or the same)."""
    both = pl.concat_str([mapped, pl.lit(split)], separator=", ", ignore_nulls=True)
    return (
        pl.when(mapped.is_null() | (mapped == pl.lit(split)))
        .then(pl.coalesce(pl.lit(split), mapped))
        .when(pl.lit(split).is_null())
        .then(mapped)
        .otherwise(both)
    )


def _suffix_back_into_name(split: pl.DataFrame) -> pl.DataFrame:
    """The canonical model has no suffix column: "jun." rides in last_name (else first_name).

    The name cleaner moves it to the cleaned frame's name_suffix again, with a finding.
    """
    last, first, suffix = pl.col("last_name"), pl.col("first_name"), pl.col("name_suffix")
    return split.with_columns(
        last_name=pl.when(last.is_not_null())
        .then(pl.concat_str([last, suffix], separator=" ", ignore_nulls=True))
        .otherwise(last),
        first_name=pl.when(last.is_null())
        .then(pl.concat_str([first, suffix], separator=" ", ignore_nulls=True))
        .otherwise(first),
    )


def map_silo(raw: pl.DataFrame, silo: SiloConfig, memo: DistinctMemo | None = None) -> MappedSilo:
    """Turn a connector's raw frame (strings + ``_row_number``) into canonical records.

    ``memo``: address lines and full names the last run parsed (cleaners.distinct_memo).
    """
    columns = [name for name in raw.columns if name != ROW_NUMBER]
    if raw.height == 0 and not columns:
        # An empty JSON array or table has no columns to check; the DQ stage reports the silo.
        return MappedSilo(
            records=pl.DataFrame(schema=CANONICAL_SCHEMA),
            quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA),
        )
    # The row number may serve as source id (a plain list without an id column: golden dedupe).
    check_mapped_columns(silo, [*columns, ROW_NUMBER])
    mapping = silo.mapping
    selected: list[pl.Expr] = [
        pl.lit(silo.name).alias("silo"),
        _text(silo.id_column).alias("source_id"),
        pl.col(ROW_NUMBER).cast(pl.Int64).alias("row_number"),
    ]
    for field in SCALAR_FIELDS:
        expr = _text(str(mapping[field])) if field in mapping else pl.lit(None, dtype=pl.String)
        if field in silo.defaults:
            expr = pl.coalesce(expr, pl.lit(silo.defaults[field]))
        selected.append(expr.alias(field))
    for field in LIST_FIELDS:
        sources = mapping.get(field)
        if sources is None:
            selected.append(pl.lit([], dtype=pl.List(pl.String)).alias(field))
        else:
            names = sources if isinstance(sources, list) else [sources]
            selected.append(_list_field(field, names).alias(field))
    combined_columns = [
        _text(str(mapping[name])).alias(f"__{name}")
        for name in ("full_name", "address_line", "street_line", "postal_city")
        if name in mapping
    ]
    frame = raw.select(*selected, *combined_columns)
    frame = _split_combined(frame, silo, memo)

    quarantine, frame = _quarantine_ids(frame, raw, silo)
    records = frame.with_columns(
        record_key(pl.col("silo"), pl.col("source_id")).alias("record_key")
    ).select([pl.col(name).cast(dtype) for name, dtype in CANONICAL_SCHEMA.items()])
    return MappedSilo(records=records, quarantine=quarantine)


def _quarantine_ids(
    frame: pl.DataFrame, raw: pl.DataFrame, silo: SiloConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split off rows without a source id and repeated ids (the first occurrence stays)."""
    frame = frame.with_columns(pl.col("row_number").min().over("source_id").alias("__first_row"))
    missing = pl.col("source_id").is_null()
    repeated = pl.col("source_id").is_not_null() & (pl.col("row_number") != pl.col("__first_row"))
    id_column = silo.id_column
    raw_line = pl.concat_str(
        [pl.col(name).fill_null("") for name in raw.columns if name != ROW_NUMBER],
        separator=silo.delimiter if len(silo.delimiter) == 1 else ";",
    ).str.slice(0, 500)
    bad = (
        frame.with_columns(raw.select(raw_line.alias("raw")))
        .filter(missing | repeated)
        .select(
            pl.col("silo"),
            pl.col("source_id"),
            pl.col("row_number"),
            pl.lit(id_column).alias("field"),
            pl.when(missing)
            .then(pl.lit(f"missing source id (column '{id_column}' is empty)"))
            .otherwise(
                pl.format("duplicate source id: first seen in row {}", pl.col("__first_row"))
            )
            .alias("reason"),
            pl.col("raw"),
        )
    )
    kept = frame.filter(~(missing | repeated)).drop("__first_row")
    return bad.cast(QUARANTINE_SCHEMA), kept  # type: ignore[arg-type]
