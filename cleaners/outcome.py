"""Statuses, the result type and the distinct-value machinery every cleaner family shares.

Status policy (applies to every field):

* ``valid``: the value is accepted. It may have been brought into its canonical representation
  (whitespace trimmed, E.164 phone format, lower-cased e-mail, ISO country code, "12 a" -> "12a",
  a date parsed) without a finding, because no information changed.
* ``corrected``: the content was repaired (casing fixed, abbreviation expanded, title moved out of a
  name, e-mail domain typo fixed, two-digit year interpreted ...). The value is kept and a finding
  records the original text and the reason.
* ``invalid``: the value is unusable. It is removed (null, or dropped from a list) and a finding
  records the original text. Exception, by design: an invalid postal code is kept as written
  (see ``addresses.py``) because a wrong country is a likelier cause than a wrong code.

Cleaners never loop over all rows: ``map_distinct`` runs a Python function once per distinct input
tuple and joins the results back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import polars as pl

from rules.canonical import FINDINGS_SCHEMA

if TYPE_CHECKING:
    from cleaners.distinct_memo import DistinctMemo

VALID: Final = "valid"
CORRECTED: Final = "corrected"
INVALID: Final = "invalid"

#: Internal row index the pipeline keeps while cleaning, so findings can be sorted by record.
ROW: Final = "__row"


class Outcome(NamedTuple):
    """A normalized scalar value with its status and, unless valid, the reason."""

    value: Any
    status: str = VALID
    reason: str | None = None


@dataclass(frozen=True)
class CleanResult:
    """A cleaned frame and the findings (FINDINGS_SCHEMA) of everything corrected or removed."""

    frame: pl.DataFrame
    findings: pl.DataFrame


def join_reasons(reasons: Sequence[str | None]) -> str | None:
    """Join the non-empty reasons with "; " (None when there are none)."""
    parts = [reason for reason in reasons if reason]
    return "; ".join(dict.fromkeys(parts)) or None


def worst_status(statuses: Sequence[str]) -> str:
    """invalid beats corrected beats valid."""
    if INVALID in statuses:
        return INVALID
    return CORRECTED if CORRECTED in statuses else VALID


def map_distinct(
    frame: pl.DataFrame,
    inputs: Sequence[str],
    func: Callable[..., tuple[Any, ...]],
    schema: Mapping[str, pl.DataType],
    memo: DistinctMemo | None = None,
    plain: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Add ``schema``'s columns: ``func(*inputs)`` computed once per distinct input tuple.

    ``func`` receives Python values (None for null) and returns a tuple in ``schema`` order. The
    result is joined back on the input columns, keeping the frame's row order. ``memo``
    (cleaners.distinct_memo, for its memoized parsers only): results the last run kept are
    looked up instead of computed. ``plain``: ``func`` in polars for the common shapes, given
    the distinct inputs; it returns a boolean column (taken) and then ``func``'s results in
    ``schema`` order (the rows not taken go to ``func``, and to the memo).
    """
    clashes = set(schema) & set(frame.columns)
    if clashes:
        raise ValueError(f"map_distinct: output column(s) {sorted(clashes)} already in the frame")
    distinct = frame.select(inputs).unique(maintain_order=True)
    found = None
    if plain is not None:
        fast = plain(distinct)
        taken = fast.to_series(0)
        outputs = fast.drop(fast.columns[0]).filter(taken)
        outputs = outputs.rename(dict(zip(outputs.columns, schema, strict=True)))
        outputs = outputs.cast(dict(schema))  # type: ignore[arg-type]
        found = pl.concat([distinct.filter(taken), outputs], how="horizontal")
        distinct = distinct.filter(~taken)
    if memo is not None:
        results = memo.results(distinct, func, schema)
    else:
        rows = [func(*values) for values in distinct.iter_rows()]
        results = pl.DataFrame(rows, schema=dict(schema), orient="row")
    lookup = pl.concat([distinct, results], how="horizontal")
    if found is not None:
        lookup = pl.concat([found, lookup])
    return frame.join(lookup, on=list(inputs), how="left", nulls_equal=True, maintain_order="left")


def explode_cells(items: pl.DataFrame, column: str, separated: pl.Expr) -> pl.DataFrame:
    """One row per value of a list cell; ``separated`` is the cell with ";" between its values.

    Empty pieces are dropped, but a cell made only of separators ("|", ";") is kept whole, so it
    is reported as invalid instead of vanishing.
    """
    # A piece of only blanks or control characters ("\x1f", which Python's str.isspace and so
    # clean_text count as blank, polars' strip_chars not) is empty too: else "; \x1f" would be
    # one item that cleaning empties, and it would vanish without a finding.
    pieces = separated.str.split(";").list.eval(
        pl.element()
        .str.strip_chars()
        .filter(pl.element().str.replace_all(r"[\s\p{Cc}\p{Cf}]", "").str.len_chars() > 0)
    )
    whole = pl.concat_list(pl.col(column).str.strip_chars())
    return (
        items.with_columns(
            pl.when(pieces.list.len() > 0).then(pieces).otherwise(whole).alias(column)
        )
        .explode(column)
        .filter(pl.col(column).str.len_chars() > 0)
    )


def gather_lists(
    frame: pl.DataFrame,
    items: pl.DataFrame,
    value: str,
    source: str,
    lists: Mapping[str, pl.Expr],
) -> pl.DataFrame:
    """Put cleaned list items (one row per item, ``ROW`` and ``value``) back on their records.

    Each of ``lists`` (output column -> aggregation over a record's items) is built from the
    items whose ``value`` survived, once per distinct value, in input order. A record whose
    ``source`` column was null keeps null there; one whose items all failed gets empty lists.
    """
    per_record = (
        items.filter(pl.col(value).is_not_null())
        .unique(subset=[ROW, value], keep="first", maintain_order=True)
        .group_by(ROW, maintain_order=True)
        .agg(**{f"__{name}": expression for name, expression in lists.items()})
    )
    frame = frame.join(per_record, on=ROW, how="left", maintain_order="left")
    empty = pl.lit([], pl.List(pl.String))
    has_input = pl.col(source).is_not_null()
    return frame.with_columns(
        **{name: pl.when(has_input).then(pl.coalesce(f"__{name}", empty)) for name in lists}
    ).drop([f"__{name}" for name in lists])


def finding_rows(
    frame: pl.DataFrame,
    field: str | pl.Expr,
    *,
    reason: str | pl.Expr,
    value: pl.Expr,
    status: str | pl.Expr = CORRECTED,
) -> pl.DataFrame:
    """One finding per row of ``frame`` (FINDINGS_SCHEMA, and ``ROW`` where the frame has it).

    ``field``, ``reason`` and ``status`` are a text for every row or an expression; ``value``
    is the expression of the original text. The internal ``__row`` column is kept so the
    pipeline can order findings by record.
    """
    columns = [
        pl.col("record_key"),
        pl.col("silo"),
        pl.col("source_id"),
        _text(field).alias("field"),
        _text(status).alias("status"),
        _text(reason).alias("reason"),
        value.cast(pl.String).alias("value"),
    ]
    if ROW in frame.columns:
        columns.append(pl.col(ROW).cast(pl.Int64))
    return frame.select(columns).cast({name: dtype for name, dtype in FINDINGS_SCHEMA.items()})


def _text(text: str | pl.Expr) -> pl.Expr:
    return pl.lit(text, pl.String) if isinstance(text, str) else text


def findings_for(
    frame: pl.DataFrame, field: str, *, value: str, status: str, reason: str
) -> pl.DataFrame:
    """Findings of one field: rows whose status column is corrected or invalid.

    ``value``, ``status`` and ``reason`` name the columns with the original text, the status
    and the reason (see ``finding_rows``).
    """
    found = frame.filter(pl.col(status).is_in([CORRECTED, INVALID]))
    return finding_rows(
        found, field, reason=pl.col(reason), value=pl.col(value), status=pl.col(status)
    )


def empty_internal_findings() -> pl.DataFrame:
    """Findings frame with the internal row index, for families that found nothing."""
    return pl.DataFrame(schema={**FINDINGS_SCHEMA, ROW: pl.Int64()})


def temporary_columns(frame: pl.DataFrame) -> list[str]:
    """Working columns (``__name``) of a cleaner family, except the pipeline's row index."""
    return [name for name in frame.columns if name.startswith("__") and name != ROW]


def outcome_schema(prefix: str) -> dict[str, pl.DataType]:
    """Column names and types for an Outcome mapped by ``map_distinct``: value, status, reason."""
    return {prefix: pl.String(), f"{prefix}_status": pl.String(), f"{prefix}_reason": pl.String()}


def clean_with_country(
    frame: pl.DataFrame, field: str, normalize: Callable[[Any, Any], Outcome]
) -> CleanResult:
    """Normalize ``field`` by ``normalize(value, country)`` once per distinct pair (the country
    is cleaned already): the field replaced by the normalized value, a finding per row whose
    value was corrected or is invalid. VAT ids and personal ids are checked this way."""
    prefix = f"__{field}_checked"
    frame = map_distinct(frame, [field, "country"], normalize, outcome_schema(prefix))
    findings = findings_for(
        frame, field, value=field, status=f"{prefix}_status", reason=f"{prefix}_reason"
    )
    frame = frame.with_columns(pl.col(prefix).alias(field))
    return CleanResult(frame.drop(prefix, f"{prefix}_status", f"{prefix}_reason"), findings)
