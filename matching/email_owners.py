"""E-mail owners: the one named person whose records carry a nameless row's address.

A newsletter or shop row that holds nothing but an e-mail (no name, no organisation) has no field
the weights could add up: a shared address alone stays below the match threshold, however
personal it looks. Whose address it is can only be read from the other records. When every
record that carries it and names a person names the same one ("Sabnie Huber" is Sabine Huber,
"Oberholzer Wolfgang" is Wolfgang Oberholzer: see below), the address is that person's, and
so is the row; this holds for a last name with digits (huber73@) too, which no other person in
the data uses. Carried by two
people (Andrea and Andreas Bauer's bauer@), the row is ambiguous and owned by no one. A family
mailbox (familie.koch@) names a household, not a person, even where one member's record is
all the data holds: the sign-up may be the spouse's, so it is owned by no one either (the
caller leaves such addresses out of ``usable``).

Carriers count as one person when their names agree by sound (Kölner Phonetik of both names,
in either order) or by their letters (Ingird / Ingrid: the same letters in another order).

Person records get the owner ``"person|"`` when they name a person (both names) and when they
are a nameless row whose addresses have one named owner; matching.comparisons puts it into
``domain_owner`` beside the business domains' owners of organisation records, so a pair's
``same_domain_owner`` says, between a nameless row and a person record, that the row's address
is owned (matching.scoring's built-in person mailbox rule also asks for the very same address,
which the owner then carries). Like the domain owners it is decided over all records, never
over a subset (matching.comparisons.domain_owners).
"""

from __future__ import annotations

import polars as pl

from matching.first_names import sorted_letters

#: Columns email_owners reads beside the list of usable addresses.
OWNER_COLUMNS = (
    "record_key",
    "record_type",
    "first_name_key",
    "last_name_key",
    "first_name_phonetic",
    "last_name_phonetic",
    "organisation_key",
)

_SCHEMA = pl.Schema({"record_key": pl.String(), "domain_owner": pl.String()})


#: The owner of a person record and of a nameless row whose addresses one named person carries.
PERSON_OWNER = "person|"


def _unordered(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    """Both parts in sorted order (first and last name swapped give one key); null without
    both."""
    both = first.is_not_null() & last.is_not_null() & (first != "") & (last != "")
    return pl.when(both).then(
        pl.concat_str(
            [pl.min_horizontal(first, last), pl.max_horizontal(first, last)], separator="|"
        )
    )


def _identities() -> tuple[pl.Expr, pl.Expr]:
    """The person a record names, twice: by the names' sound (Sabnie / Sabine) and by their
    letters (Ingird / Ingrid); null without both names."""
    sound = _unordered(pl.col("first_name_phonetic"), pl.col("last_name_phonetic"))
    letters = _unordered(
        sorted_letters(pl.col("first_name_key")), sorted_letters(pl.col("last_name_key"))
    )
    return sound.alias("__sound"), letters.alias("__letters")


def nameless_row() -> pl.Expr:
    """A person record with no name and no organisation: a row that is only an e-mail."""
    return (
        (pl.col("record_type") == "person")
        & pl.col("first_name_key").is_null()
        & pl.col("last_name_key").is_null()
        & pl.col("organisation_key").is_null()
    ).fill_null(False)


def first_name_row() -> pl.Expr:
    """A person record with a first name and nothing else of a name ("Matthias" on a
    newsletter sign-up): no last name, no organisation."""
    return (
        (pl.col("record_type") == "person")
        & pl.col("first_name_key").is_not_null()
        & pl.col("last_name_key").is_null()
        & pl.col("organisation_key").is_null()
    ).fill_null(False)


def email_owners(
    records: pl.DataFrame, usable: pl.Expr, mailboxes: pl.Expr | None = None
) -> pl.DataFrame:
    """record_key -> domain_owner (PERSON_OWNER) for person records that name a person, for
    nameless rows whose addresses the records of one named person carry, and for first-name
    rows whose mailbox that person of the same first name carries (``_first_name_owned``).

    ``usable``: each record's addresses that may name a person (its e-mails without role and
    family mailboxes); ``mailboxes``: all its addresses but role mailboxes (family mailboxes
    included), read for first-name rows only (none without it). Rows of other record types
    are left out.
    """
    if any(column not in records.columns for column in OWNER_COLUMNS):
        return pl.DataFrame(schema=_SCHEMA)
    persons = records.filter(pl.col("record_type") == "person")
    named = persons.filter(
        pl.col("first_name_key").is_not_null() & pl.col("last_name_key").is_not_null()
    )
    first_named = (
        _first_name_owned(persons, named, mailboxes)
        if mailboxes is not None and "first_name_group" in records.columns
        else pl.DataFrame(schema={"record_key": pl.String()})
    )
    rows = (
        persons.filter(nameless_row())
        .select("record_key", usable.alias("__emails"))
        .explode("__emails")
        .drop_nulls("__emails")
    )
    # The names are read only off the records that carry a nameless row's address (a few).
    carriers = (
        named.select(*OWNER_COLUMNS, usable.alias("__emails"))
        .explode("__emails")
        .join(rows.select("__emails").unique(), on="__emails", how="semi")
        .select("__emails", *_identities())
    )
    # Per nameless row: the named records carrying any of its addresses name one person (by
    # sound or by letters); a row with two people's addresses is owned by neither.
    owned = (
        rows.join(carriers, on="__emails", how="inner")
        .group_by("record_key")
        .agg(
            ((pl.col("__sound").n_unique() == 1) | (pl.col("__letters").n_unique() == 1)).alias(
                "__one"
            )
        )
        .filter(pl.col("__one"))
    )
    return (
        pl.concat([named.select("record_key"), owned.select("record_key"), first_named])
        .with_columns(pl.lit(PERSON_OWNER).alias("domain_owner"))
        .cast(_SCHEMA)
    )


def _first_name_owned(
    persons: pl.DataFrame, named: pl.DataFrame, mailboxes: pl.Expr
) -> pl.DataFrame:
    """record_key of first-name rows ("Matthias" | schmitt@chello.at) whose mailbox one named
    person of that first name carries ("Matthias Schmitt" | schmitt@chello.at).

    A mailbox of the last name alone (schmitt@) or of the family (familie.schneider@) is the
    household's: shared, it says "same household", which parents, children and twins are too.
    A sign-up that gives the very same mailbox *and* the first name of one of its carriers is
    that carrier, where no other person of that first name carries it: the carriers of that
    first name (the same key or nickname group: Michi is Michael) must all name one person (by
    sound or letters, as for nameless rows). Carriers of other first names (the spouse's
    records at schmitt@) do not count against it; two Matthias Schmitt with different birth
    dates at one mailbox are one identity here and are kept apart by the clusters' coherence
    rules (matching.clustering), not by the owner.
    """
    rows = (
        persons.filter(first_name_row())
        .select("record_key", "first_name_key", "first_name_group", mailboxes.alias("__emails"))
        .explode("__emails")
        .drop_nulls("__emails")
    )
    if rows.is_empty():
        return pl.DataFrame(schema={"record_key": pl.String()})
    carriers = (
        named.select(*OWNER_COLUMNS, "first_name_group", mailboxes.alias("__emails"))
        .explode("__emails")
        .join(rows.select("__emails").unique(), on="__emails", how="semi")
        .select(
            "__emails",
            pl.col("first_name_key").alias("__carrier_first"),
            pl.col("first_name_group").alias("__carrier_group"),
            *_identities(),
        )
    )
    same_first = (pl.col("first_name_key") == pl.col("__carrier_first")) | (
        pl.col("first_name_group") == pl.col("__carrier_group")
    ).fill_null(False)
    return (
        rows.join(carriers, on="__emails", how="inner")
        .filter(same_first.fill_null(False))
        .group_by("record_key")
        .agg(
            ((pl.col("__sound").n_unique() == 1) | (pl.col("__letters").n_unique() == 1)).alias(
                "__one"
            )
        )
        .filter(pl.col("__one"))
        .select("record_key")
    )
