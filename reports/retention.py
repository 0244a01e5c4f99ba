"""The "Löschfristen" section of the DQ report: what [retention] found due, per silo and group.

Ids, dates, reasons and legal sources only (no values). The section is rendered on its own and
placed at the end of the report's main part, so the report template stays as it is. Reasons are
written in English by matching.retention (retention_due.csv is read by tools); the section shows
them in the report's language through the ``reason_*`` labels of retention_i18n.toml.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl

from reports.rendering import labels_for, template_environment

SHOWN_ROWS: Final = 200

#: The reasons matching.retention writes -> the label that says it in the report's language;
#: the named groups fill the label's placeholders. A reason matching none is shown as written.
REASONS: Final = (
    (re.compile(r"only kept for the legal retention duty until (?P<date>\S+)"), "reason_gesperrt"),
    (
        re.compile(r"(?P<years>\d+) years after the end of (?P<year>\d+) \(last invoice\)"),
        "reason_billing",
    ),
    (re.compile(r"no marketing consent"), "reason_no_consent"),
    (re.compile(r"marketing consent withdrawn"), "reason_withdrawn"),
    (re.compile(r"no activity for (?P<months>\d+) months"), "reason_inactive"),
)


def reason_text(reason: str, labels: dict[str, str]) -> str:
    """``reason`` (as matching.retention writes it) in the language of ``labels``."""
    for pattern, key in REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return labels[key].format(**match.groupdict())
    return reason


def render_retention_section(due: pl.DataFrame, language: str = "de") -> str:
    """HTML of the section for ``due`` (matching.retention.RETENTION_SCHEMA)."""
    labels = labels_for("retention_i18n.toml", language, "retention section")
    counts = due.group_by("silo", "group", "status").len().sort("silo", "group", "status")
    rows = due.sort("due_on", "silo", "source_id").head(SHOWN_ROWS)
    # few distinct reasons: translate those, then replace in every row
    reasons = rows["reason"].drop_nulls().unique().to_list()
    rows = rows.with_columns(
        pl.col("reason").replace({reason: reason_text(reason, labels) for reason in reasons})
    )
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
