"""Typed values (Excel cells, Parquet columns, database rows, JSON) to the text the pipeline reads.

The pipeline sees every source value as text, as a person would have typed it: integers without
".0", dates as ISO yyyy-mm-dd, timestamps as ISO yyyy-mm-ddThh:mm:ss, decimals in plain notation,
booleans as true/false, lists of scalars joined by "; " (so the mapping can split phones and
e-mails), anything deeper as JSON text. Empty text is null.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl

LIST_SEPARATOR = "; "
#: Floats beyond this are not exact integers any more; they keep their float text.
_EXACT_FLOAT_LIMIT = 2.0**53
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


# --- polars frames -----------------------------------------------------------------------------


def frame_to_text(frame: pl.DataFrame, *, midnight_is_date: bool = False) -> pl.DataFrame:
    """Every column as pl.String; struct columns are flattened one level into "parent.child".

    ``midnight_is_date`` renders a datetime column whose values are all at midnight as dates:
    Excel has no date type, so a birth date cell arrives as a datetime.
    """
    columns: list[pl.Series] = []
    for series in frame.get_columns():
        if isinstance(series.dtype, pl.Struct):
            for field in series.struct.fields:
                child = series.struct.field(field).alias(f"{series.name}.{field}")
                columns.append(_series_text(child, midnight_is_date))
        else:
            columns.append(_series_text(series, midnight_is_date))
    return pl.DataFrame(columns) if columns else pl.DataFrame()


def _series_text(series: pl.Series, midnight_is_date: bool) -> pl.Series:
    dtype = series.dtype
    if dtype == pl.String:
        text = series
    elif dtype.is_float():
        text = _float_text(series)
    elif dtype == pl.Date:
        text = series.dt.to_string("%Y-%m-%d")
    elif isinstance(dtype, pl.Datetime):
        text = _datetime_text(series, midnight_is_date)
    elif dtype == pl.Binary:
        text = series.bin.encode("hex")
    elif isinstance(dtype, pl.List | pl.Array) and _scalar_inner(dtype):
        text = series.cast(pl.List(pl.String)).list.join(LIST_SEPARATOR)
    elif dtype.is_nested() or isinstance(dtype, pl.Duration):
        values = [value_to_text(value) for value in series.to_list()]
        text = pl.Series(series.name, values, dtype=pl.String)
    else:
        text = series.cast(pl.String)
    return _empty_to_null(text.alias(series.name))


def _empty_to_null(series: pl.Series) -> pl.Series:
    value = pl.col(series.name)
    return series.to_frame().select(pl.when(value != "").then(value)).to_series()


def _scalar_inner(dtype: pl.DataType) -> bool:
    """Lists whose items cast to the same text as value_to_text gives (no floats or dates)."""
    inner = getattr(dtype, "inner", None)
    return inner is not None and (inner == pl.String or inner.is_integer() or inner == pl.Boolean)


def _float_text(series: pl.Series) -> pl.Series:
    value = pl.col(series.name)
    integral = (value == value.floor()) & (value.abs() < _EXACT_FLOAT_LIMIT)
    return (
        series.to_frame()
        .select(
            pl.when(integral)
            .then(value.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(value.cast(pl.String))
        )
        .to_series()
    )


def _datetime_text(series: pl.Series, midnight_is_date: bool) -> pl.Series:
    if midnight_is_date and series.null_count() < series.len():
        times = series.dt.time().drop_nulls()
        if (times == dt.time(0, 0)).all():
            return series.dt.to_string("%Y-%m-%d")
    zone = getattr(series.dtype, "time_zone", None)
    return series.dt.to_string(_DATETIME_FORMAT + ("%:z" if zone else ""))


# --- Python values -----------------------------------------------------------------------------


def value_to_text(value: Any) -> str | None:
    """One Python value (from a database driver or JSON) as text; None and "" are null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _python_float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return _list_text(value)
    if isinstance(value, dict):
        return json_text(value)
    return str(value) or None


def column_to_text(values: Sequence[Any]) -> list[str | None]:
    """A column of Python values as text; plain text and integer columns skip the dispatch."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {str}:
        return [value or None for value in values]
    if kinds == {int}:
        return [None if value is None else str(value) for value in values]
    return [value_to_text(value) for value in values]


def _python_float_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer() and abs(value) < _EXACT_FLOAT_LIMIT:
        return str(int(value))
    return repr(value)


def _list_text(values: Sequence[Any]) -> str | None:
    if all(not isinstance(item, dict | list | tuple) for item in values):
        parts = [value_to_text(item) for item in values]
        return LIST_SEPARATOR.join(part for part in parts if part is not None) or None
    return json_text(values)


def json_text(value: Any) -> str:
    """JSON text of a nested value; Decimals (from JSON numbers) stay numbers."""
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value_to_text(value)
