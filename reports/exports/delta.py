"""What changed for a CRM since its last import, and the merge map: pure frame functions.

An export compares every golden record's rendered row (its content hash) with what the CRM was
given before (the baseline):

=========  ===================================================================================
new        the golden id is not in the baseline (or moved between objects, e.g. person ->
           organisation: new in its new object, removed from the old one)
changed    in the baseline with a different content hash
merged     in the baseline, no longer a golden record, and its redirects end at a golden id
           that is one now (``surviving_golden_id``): merge the CRM records
removed    in the baseline, no longer a golden record, no surviving id (its records left)
delete     removed because the person was erased on request (DSGVO Art. 17, 19): the CRM must
           delete the record, not merely deactivate it (``mark_erased``)
=========  ===================================================================================

Unchanged records are not listed. The merge map lists, for cleaning up duplicates already in
the CRM, every source record (silo, source_id -> golden_id) and every retired golden id
(silo ``retired_golden_id``, source_id = the retired id -> its surviving golden id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from reports.exports.profile import ExportProfile
from reports.exports.render import ROW_KEY, content_text, render_object

CHANGE_KINDS: Final = ("new", "changed", "merged", "removed", "delete")

#: Changes that the objects' files bring (upserts).
WRITTEN_CHANGES: Final = ("new", "changed")

#: Changes after which the CRM no longer holds the golden id (in its object).
RETIRING_CHANGES: Final = ("merged", "removed", "delete")

#: Rows of changes.csv.
CHANGES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "object": pl.String(),
    "golden_id": pl.String(),
    "change": pl.String(),
    "surviving_golden_id": pl.String(),
}

#: What the CRM holds / holds now, per golden id.
HASHES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "golden_id": pl.String(),
    "object": pl.String(),
    "content_hash": pl.String(),
}

#: Retired golden ids and where they lead.
REDIRECTS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "golden_id": pl.String(),
    "surviving_golden_id": pl.String(),
}

#: Rows of merge_map.csv.
MERGE_MAP_SCHEMA: Final[dict[str, pl.DataType]] = {
    "silo": pl.String(),
    "source_id": pl.String(),
    "golden_id": pl.String(),
    "object": pl.String(),
    "records_in_silo": pl.UInt32(),
}

RETIRED_SILO: Final = "retired_golden_id"

#: Status of a golden id the CRM holds (else the change it was told: merged, removed, delete).
EXPORTED: Final = "exported"

#: What a profile's CRM holds after an export, per golden id it was given or told about.
HOLDINGS_SCHEMA: Final[dict[str, pl.DataType]] = {
    **HASHES_SCHEMA,
    "status": pl.String(),
    "redirect_to": pl.String(),
}


def content_hashes(golden: pl.LazyFrame, profile: ExportProfile) -> pl.DataFrame:
    """golden_id, object, content_hash (MD5 of the rendered row) of every golden record."""
    texts = pl.concat(
        [
            render_object(golden, profile, export_object)
            .select(
                pl.col(ROW_KEY).alias("golden_id"),
                pl.lit(export_object.name).alias("object"),
                content_text(export_object).alias("content"),
            )
            .collect(engine="streaming")
            for export_object in profile.objects
        ]
    )
    # MD5 from DuckDB: stable across versions, unlike polars' own hash (stored hashes must last).
    # Imported here: every `golden run` imports this module, few runs export.
    import duckdb

    with duckdb.connect() as connection:
        connection.register("rows", texts)
        hashed = connection.sql(
            "SELECT golden_id, object, md5(content) AS content_hash FROM rows"
        ).pl()
    result: pl.DataFrame = hashed.cast(HASHES_SCHEMA).sort("golden_id")
    return result


def resolve_redirects(golden_ids: pl.DataFrame) -> pl.DataFrame:
    """Every retired golden id -> the golden id its chain of redirects ends at (null: none).

    ``golden_ids`` has golden_id, retired_run, redirect_to (the state store's golden_ids). An
    id merged into one that was merged again later ends at the last one; a chain that ends at
    an id retired without redirect (its records left) ends at null.
    """
    retired = golden_ids.filter(pl.col("retired_run").is_not_null()).select(
        "golden_id", pl.col("redirect_to").alias("next")
    )
    resolved = retired.select("golden_id", pl.col("next").alias("surviving_golden_id"))
    # Each pass follows one more link; a chain longer than the number of retired ids is a cycle.
    for _ in range(retired.height + 1):
        step = resolved.join(
            retired.rename({"golden_id": "surviving_golden_id"}).with_columns(
                pl.lit(True).alias("__retired")
            ),
            on="surviving_golden_id",
            how="left",
        )
        if not step["__retired"].any():
            break
        resolved = step.select(
            "golden_id",
            pl.when(pl.col("__retired"))
            .then(pl.col("next"))
            .otherwise(pl.col("surviving_golden_id"))
            .alias("surviving_golden_id"),
        )
    else:
        resolved = resolved.with_columns(pl.lit(None, pl.String).alias("surviving_golden_id"))
    return resolved.cast(REDIRECTS_SCHEMA).sort("golden_id")  # type: ignore[arg-type]


def classify_changes(
    current: pl.DataFrame, baseline: pl.DataFrame, redirects: pl.DataFrame
) -> pl.DataFrame:
    """new / changed / merged / removed rows (CHANGES_SCHEMA), sorted by object, change, id.

    current and baseline have golden_id, object, content_hash (HASHES_SCHEMA); redirects comes
    from ``resolve_redirects``.
    """
    before = baseline.select(
        "golden_id",
        pl.col("object").alias("object_before"),
        pl.col("content_hash").alias("hash_before"),
    )
    now = current.join(before, on="golden_id", how="left")
    moved = pl.col("object_before").is_not_null() & (pl.col("object_before") != pl.col("object"))
    present = now.select(
        "object",
        "golden_id",
        pl.when(pl.col("object_before").is_null() | moved)
        .then(pl.lit("new"))
        .when(pl.col("hash_before") != pl.col("content_hash"))
        .then(pl.lit("changed"))
        .alias("change"),
        pl.lit(None, pl.String).alias("surviving_golden_id"),
    ).filter(pl.col("change").is_not_null())
    moved_away = now.filter(moved).select(
        pl.col("object_before").alias("object"),
        "golden_id",
        pl.lit("removed").alias("change"),
        pl.lit(None, pl.String).alias("surviving_golden_id"),
    )
    alive = current.select("golden_id")
    gone = (
        baseline.join(alive, on="golden_id", how="anti")
        .join(redirects, on="golden_id", how="left")
        .with_columns(
            pl.when(pl.col("surviving_golden_id").is_in(alive["golden_id"].implode()))
            .then(pl.col("surviving_golden_id"))
            .alias("surviving_golden_id")
        )
        .select(
            "object",
            "golden_id",
            pl.when(pl.col("surviving_golden_id").is_not_null())
            .then(pl.lit("merged"))
            .otherwise(pl.lit("removed"))
            .alias("change"),
            "surviving_golden_id",
        )
    )
    order = pl.col("change").replace_strict(
        {kind: index for index, kind in enumerate(CHANGE_KINDS)}, return_dtype=pl.Int8
    )
    return (
        pl.concat([present, moved_away, gone])
        .cast(CHANGES_SCHEMA)  # type: ignore[arg-type]
        .sort(pl.col("object"), order, pl.col("golden_id"))
    )


def mark_erased(changes: pl.DataFrame, erased: list[str]) -> pl.DataFrame:
    """``changes`` with "removed" turned into "delete" for the golden ids of erased persons."""
    if not erased:
        return changes
    erased_now = (pl.col("change") == "removed") & pl.col("golden_id").is_in(erased)
    return changes.with_columns(
        pl.when(erased_now).then(pl.lit("delete")).otherwise(pl.col("change")).alias("change")
    )


def rows_to_write(
    current: pl.DataFrame, changes: pl.DataFrame, rejected: pl.DataFrame, *, changes_only: bool
) -> pl.DataFrame:
    """The rows (HASHES_SCHEMA) the objects' files hold: every current record, or with
    ``changes_only`` the new and changed ones; never one the CRM would refuse (``rejected``,
    reports.exports.checks), so it is not taken to hold it and the first export after it was
    fixed brings it."""
    rows = current
    if changes_only:
        written = changes.filter(pl.col("change").is_in(WRITTEN_CHANGES)).select("golden_id")
        rows = current.join(written, on="golden_id", how="semi")
    return rows.join(rejected.select("golden_id").unique(), on="golden_id", how="anti")


def retired_changes(changes: pl.DataFrame) -> pl.DataFrame:
    """The changes (CHANGES_SCHEMA) that tell the CRM a golden id is gone: merged, removed,
    delete (``crm_holdings`` keeps them)."""
    return changes.filter(pl.col("change").is_in(RETIRING_CHANGES))


def change_counts(
    changes: pl.DataFrame, rows: pl.DataFrame, objects: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per object: "rows" in its file (``rows``: HASHES_SCHEMA) and records per kind of change
    (export.json and the console)."""
    per = {
        (name, change): count
        for name, change, count in changes.group_by("object", "change").len().rows()
    }
    written = dict(rows.group_by("object").len().rows())
    return {
        name: {"rows": written.get(name, 0)}
        | {change: per.get((name, change), 0) for change in CHANGE_KINDS}
        for name in objects
    }


def merge_map(
    crosswalk: pl.DataFrame,
    redirects: pl.DataFrame,
    objects: pl.DataFrame,
    *,
    listed_only: bool = False,
) -> pl.DataFrame:
    """silo, source_id -> golden_id with the CRM object, plus retired ids -> surviving ids.

    crosswalk: silo, source_id, golden_id; redirects: from ``resolve_redirects``; objects:
    golden_id, object for every current golden record. ``records_in_silo`` counts the silo's
    records sharing the golden id: above 1 they are duplicates to merge in that silo.
    ``listed_only``: source records of the golden ids in ``objects`` only (a Listenprivileg
    postal list names only its own persons' source records: data minimisation).
    """
    if listed_only:
        crosswalk = crosswalk.join(objects.select("golden_id"), on="golden_id", how="semi")
    retired = redirects.filter(pl.col("surviving_golden_id").is_not_null()).select(
        pl.lit(RETIRED_SILO).alias("silo"),
        pl.col("golden_id").alias("source_id"),
        pl.col("surviving_golden_id").alias("golden_id"),
    )
    rows = pl.concat([crosswalk.select("silo", "source_id", "golden_id"), retired])
    return (
        rows.join(objects.select("golden_id", "object"), on="golden_id", how="left")
        .with_columns(pl.len().over("silo", "golden_id").alias("records_in_silo"))
        .cast(MERGE_MAP_SCHEMA)  # type: ignore[arg-type]
        .sort("silo", "source_id")
    )


def crm_holdings(written: pl.DataFrame, retired: pl.DataFrame) -> pl.DataFrame:
    """What the CRM holds after an export (HOLDINGS_SCHEMA): the rows it was given (HASHES_SCHEMA,
    status ``exported``), then the golden ids it was told are gone (CHANGES_SCHEMA rows merged,
    removed or delete: no content hash, redirected to the surviving id).

    A record that moved object is both written (new object) and "removed" (old one): it stays.
    """
    gone = retired.filter(~pl.col("golden_id").is_in(written["golden_id"].implode()))
    return pl.concat(
        [
            written.select(
                "golden_id",
                "object",
                "content_hash",
                pl.lit(EXPORTED).alias("status"),
                pl.lit(None, pl.String).alias("redirect_to"),
            ).cast(HOLDINGS_SCHEMA),  # type: ignore[arg-type]
            gone.select(
                "golden_id",
                "object",
                pl.lit(None, pl.String).alias("content_hash"),
                pl.col("change").alias("status"),
                pl.col("surviving_golden_id").alias("redirect_to"),
            ).cast(HOLDINGS_SCHEMA),  # type: ignore[arg-type]
        ]
    )
