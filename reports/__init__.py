"""Reports and exports from pipeline results: DQ and review reports, Excel-safe CSV, summary.

Inputs are frames with the columns documented in ``rules.canonical`` and a ``RunSummary``; outputs
are strings or files. Nothing here reads silos or state: flows/ passes everything in.
"""

from __future__ import annotations

from reports.csv_safe import escape_formula, write_csv
from reports.dq import render_dq_report, write_dq_report
from reports.review import render_review_report, write_review_report
from reports.summary import RunSummary, SiloSummary

__all__ = [
    "RunSummary",
    "SiloSummary",
    "escape_formula",
    "render_dq_report",
    "render_review_report",
    "write_csv",
    "write_dq_report",
    "write_review_report",
]
