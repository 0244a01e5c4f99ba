"""Hand-written `;` rows through `golden dedupe` with defaults only: each row's golden id."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flows.dedupe import dedupe_file


def golden_ids(folder: Path, header: str, rows: list[tuple[str, str]]) -> dict[str, str]:
    """Writes ``header`` and the rows (``"Nr"`` first) to kunden.csv in ``folder``, runs the
    dedupe and returns source id -> golden id from its crosswalk."""
    source = folder / "kunden.csv"
    lines = [header] + [f"{row_id};{row}" for row_id, row in rows]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dedupe_file(source, "Nr", folder / "out")
    crosswalk = pl.read_csv(folder / "out" / "crosswalk.csv", infer_schema=False)
    return dict(crosswalk.select("source_id", "golden_id").iter_rows())
