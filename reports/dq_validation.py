"""The DQ checks validated with great-expectations 1.x: glue between our rules and GX.

What to check comes from rules.dq_rules (``resolve_checks``), on what from reports.dq_frames;
here each ``Check`` becomes one GX expectation, validated on a pandas batch of an ephemeral
context that holds the rows the check applies to (``Check.condition``), and every failing row
comes back (``result_format`` COMPLETE), not a sample; ``collect_failures`` and
``collect_counts`` turn the failing rows into the frames the DQ report reads (reports.dq_scores).
GX is imported lazily (about 4 s), with analytics and progress bars off; it makes no network
connection. flows.dq_checks runs it on a run's cleaned records.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from reports.dq_frames import ROW_ID, CheckFrames, checked_counts
from reports.dq_reuse import DQReuse
from rules.dq_rules import CHECK_RESULTS_SCHEMA, FAILURES_SCHEMA, Check, CheckKind
from rules.errors import StageError


def import_gx() -> Any:
    """Import great-expectations (about 4 s, hence only here) with its analytics off."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations

    # Its INFO lines (temporary docs folders, registrations) are noise in a nightly run's log.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return great_expectations


class Validator:
    """great-expectations, imported and set up at the first batch it has to validate: a night
    whose values were all judged before (reports.dq_reuse) never imports it (about 4 s)."""

    def __init__(self) -> None:
        self._gx: Any = None
        self._source: Any = None
        self._definitions: dict[str, Any] = {}
        self.validations = 0
        self.import_seconds = 0.0

    def failing_positions(self, check: Check, batch: pl.DataFrame) -> list[int]:
        """Positions in ``batch`` of the rows failing ``check``."""
        if self._gx is None:
            clock = time.perf_counter()
            self._gx = import_gx()
            self.import_seconds = time.perf_counter() - clock
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = self._gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            self._source = context.data_sources.add_pandas("golden_dq")
        definition = self._definitions.get(check.frame)
        if definition is None:
            definition = self._source.add_dataframe_asset(
                check.frame
            ).add_batch_definition_whole_dataframe(check.frame)
            self._definitions[check.frame] = definition
        self.validations += 1
        gx_batch = definition.get_batch(
            batch_parameters={"dataframe": _for_pandas(batch).to_pandas()}
        )
        # Failing rows come back as positions in the batch (its default index): asked for by
        # column (unexpected_index_column_names), GX looks each one up with DataFrame.at,
        # 14 of 20 s at 176,000 records.
        result = gx_batch.validate(
            _expectation(self._gx, check), result_format={"result_format": "COMPLETE"}
        )
        raised = (result.exception_info or {}).get("raised_exception")
        if raised:
            message = (result.exception_info or {}).get("exception_message", "")
            raise StageError(
                f"data-quality check {check.key} could not run in great-expectations: {message} "
                "— report this with the run's log"
            )
        return list(result.result.get("unexpected_index_list") or [])


def validate_with_gx(
    frames: CheckFrames,
    checks: Sequence[Check],
    reuse: DQReuse | None = None,
    validator: Validator | None = None,
) -> dict[str, list[int]]:
    """Check key -> ``dq_row`` ids of every failing row, validated by great-expectations.

    ``reuse`` (reports.dq_reuse) narrows each check's batch to the rows whose verdict is not
    known yet and spreads the verdicts over the other rows.
    """
    reuse = DQReuse() if reuse is None else reuse
    validator = Validator() if validator is None else validator
    failing: dict[str, list[int]] = {}
    for check in checks:
        # One slim batch per check: GX's cost grows with the columns of a batch (measured:
        # 29 checks on 3,500 records took 7 s as one suite on the full frame, 1.4 s like this).
        # Only the rows the check applies to (its silos, record type, country), chosen here:
        # as GX's row_condition, a pandas query ran over every row for each of a check's
        # metrics, about 6 per check (3.0 of 10.8 s of the stage at 88,000 records).
        columns = [ROW_ID, *(["silo"] if check.kind is CheckKind.UNIQUE_IN_SILO else [])]
        # Lazily, so that only the selected columns are filtered, not every column of the frame.
        applicable = (
            frames[check.frame]
            .lazy()
            .filter(check.condition())
            .select(list(dict.fromkeys([*columns, *check.columns()])))
            .collect()
        )
        plan = reuse.plan(check, applicable)
        slim = plan.batch
        if slim.height == 0:  # nothing to check or every verdict known: no need to ask GX
            failing[check.key] = reuse.failing(plan, [])
            continue
        positions = validator.failing_positions(check, slim)
        failing[check.key] = reuse.failing(
            plan, slim[ROW_ID].gather(positions).cast(pl.Int64).to_list()
        )
    return failing


#: The datetimes pandas holds in nanoseconds: 1677-09-21 to 2262-04-11 (a little inside).
_NANOSECOND_RANGE = (datetime(1678, 1, 1), datetime(2262, 1, 1))


def _for_pandas(frame: pl.DataFrame) -> pl.DataFrame:
    """The batch with its datetimes in nanoseconds where every value fits.

    GX compares a datetime64[ns] column with a bound in one vectorised step, any other unit
    (polars' microseconds) with one Python call per value: the six date checks took 2.2 of
    3.8 s of validation at 88,000 records. A column with a value outside nanoseconds' range
    (a year 9999) stays as it is, and is checked value by value as before.
    """
    low, high = _NANOSECOND_RANGE
    fitting = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
        and dtype.time_unit != "ns"
        and frame.select(
            (pl.col(name).min() >= low) & (pl.col(name).max() < high) | pl.col(name).is_null().all()
        ).item()
    ]
    return frame.with_columns(pl.col(name).cast(pl.Datetime("ns")) for name in fitting)


def _expectation(gx: Any, check: Check) -> Any:
    """The GX expectation for one check (on the rows the check applies to)."""
    expectations = gx.expectations
    common: dict[str, Any] = {"meta": {"check": check.key}}
    match check.kind:
        case CheckKind.NOT_NULL:
            return expectations.ExpectColumnValuesToNotBeNull(column=check.column, **common)
        case CheckKind.NULL:
            return expectations.ExpectColumnValuesToBeNull(column=check.column, **common)
        case CheckKind.MATCHES:
            return expectations.ExpectColumnValuesToMatchRegex(
                column=check.column, regex=str(check.argument), **common
            )
        case CheckKind.UNIQUE_IN_SILO:
            return expectations.ExpectCompoundColumnsToBeUnique(
                column_list=["silo", check.column], ignore_row_if="any_value_is_missing", **common
            )
        case CheckKind.NOT_BEFORE:
            return expectations.ExpectColumnValuesToBeBetween(
                column=check.column, min_value=check.argument, **common
            )
        case CheckKind.NOT_AFTER:
            return expectations.ExpectColumnValuesToBeBetween(
                column=check.column, max_value=check.argument, **common
            )
        case CheckKind.EQUALS_COLUMN:
            return expectations.ExpectColumnPairValuesToBeEqual(
                column_A=check.column,
                column_B=str(check.argument),
                ignore_row_if="either_value_is_missing",
                **common,
            )
    raise ValueError(f"no great-expectations expectation for check kind {check.kind!r}")


def collect_failures(
    frames: CheckFrames, checks: Sequence[Check], failing_rows: Mapping[str, list[int]]
) -> pl.DataFrame:
    """One row per failing value (FAILURES_SCHEMA), full values: the steward's dq_failures.csv."""
    parts = []
    for check in checks:
        rows = failing_rows.get(check.key) or []
        if not rows:
            continue
        frame = frames[check.frame]
        detail = (
            pl.col(check.detail_column).cast(pl.String)
            if check.detail_column
            else pl.lit(None, pl.String)
        )
        parts.append(
            frame.lazy()
            .filter(pl.col(ROW_ID).is_in(rows))
            .select(
                "silo",
                "source_id",
                "record_key",
                pl.lit(check.field).alias("field"),
                pl.lit(str(check.dimension)).alias("dimension"),
                pl.lit(check.rule).alias("rule"),
                pl.lit(check.key).alias("check"),
                _as_text(frame, check.reported_column).alias("value"),
                detail.alias("detail"),
            )
            .collect()
        )
    if not parts:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    return (
        pl.concat(parts)
        .cast(FAILURES_SCHEMA)  # type: ignore[arg-type]
        .sort("silo", "source_id", "check", "value", nulls_last=True)
    )


def _as_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if frame.schema[column] == pl.Datetime("us"):
        # Dates (midnight) without a time; timestamps with seconds.
        value = pl.col(column)
        return (
            pl.when(value.dt.time() == pl.time(0))
            .then(value.dt.strftime("%Y-%m-%d"))
            .otherwise(value.dt.strftime("%Y-%m-%d %H:%M:%S"))
        )
    return pl.col(column).cast(pl.String)


def collect_counts(
    frames: CheckFrames, checks: Sequence[Check], failing_rows: Mapping[str, list[int]]
) -> pl.DataFrame:
    """Per silo and check: values checked and failed (CHECK_RESULTS_SCHEMA)."""
    rows = []
    for check in checks:
        checked = checked_counts(frames, check)
        frame = frames[check.frame]
        failed = dict(
            frame.lazy()
            .filter(pl.col(ROW_ID).is_in(failing_rows.get(check.key) or []))
            .group_by("silo")
            .len()
            .collect()
            .iter_rows()
        )
        for silo in check.silos:
            rows.append(
                (
                    silo,
                    check.key,
                    check.rule,
                    str(check.dimension),
                    check.field,
                    checked.get(silo, 0),
                    failed.get(silo, 0),
                )
            )
    return pl.DataFrame(rows, schema=CHECK_RESULTS_SCHEMA, orient="row").sort("silo", "check")
