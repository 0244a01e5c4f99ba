"""The "Löschfristen" section of the DQ report: what [retention] found due, per silo and group.

Ids, dates, reasons and legal sources only (no values). The section is rendered on its own and
placed at the end of the report's main part, so the report template stays as it is.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from reports.rendering import labels_for, template_environment

SHOWN_ROWS: Final = 200


def render_retention_section(due: pl.DataFrame, language: str = "de") -> str:
    """HTML of the section for ``due`` (matching.retention.RETENTION_SCHEMA)."""
    labels = labels_for("retention_i18n.toml", language, "retention section")
    counts = due.group_by("silo", "group", "status").len().sort("silo", "group", "status")
    rows = due.sort("due_on", "silo", "source_id").head(SHOWN_ROWS)
    return (
        template_environment()
        .get_template("retention_section.html.j2")
        .render(
            t=labels,
            counts=counts.to_dicts(),
            rows=rows.to_dicts(),
            more=due.height > rows.height,
            total=due.height,
        )
    )


def with_retention_section(report_html: str, section: str) -> str:
    """The DQ report with the section added at the end of its main part."""
    marker = "</main>"
    if marker not in report_html:
        return report_html + section
    head, _, tail = report_html.rpartition(marker)
    return head + section + marker + tail
