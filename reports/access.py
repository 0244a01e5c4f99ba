"""The access report (DSGVO Art. 15): everything held about one person, as JSON and as HTML.

``AccessReport`` is plain data gathered by flows.subject (source records as read, the golden
record, lineage, consent with its proof, review decisions, merge history, DQ findings, CRM
recipients); this module turns it into ``access.json`` and a self-contained, printable page
(German by default, English with ``language = "en"``). Everything is escaped: the values come
from the silos.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reports.rendering import labels_for, template_environment
from rules.canonical import CONSENT_CHANNELS

Row = dict[str, Any]


@dataclass(frozen=True)
class SourceRecord:
    """One record of the person in one silo, every column as read."""

    silo: str
    source_id: str
    owner: str
    values: dict[str, str | None]


@dataclass(frozen=True)
class AccessReport:
    """Everything held about one person (see the module docstring)."""

    golden_id: str
    created_at: datetime
    records: list[SourceRecord]
    golden: Row
    lineage: list[Row]
    decisions: list[Row]
    history: list[Row]
    findings: list[Row]
    recipients: list[Row]

    def consent(self) -> list[Row]:
        """Per channel: value, date, source, text, DOI confirmation, and the record proving it."""
        proofs = {row["field"]: row for row in self.lineage}
        rows = []
        for channel in CONSENT_CHANNELS:
            proof = proofs.get(f"consent_{channel}") or {}
            rows.append(
                {
                    "channel": channel,
                    "consent": self.golden.get(f"consent_{channel}"),
                    "date": self.golden.get(f"consent_{channel}_date"),
                    "source": self.golden.get(f"consent_{channel}_source"),
                    "text": self.golden.get(f"consent_{channel}_text"),
                    "confirmed_at": self.golden.get(f"consent_{channel}_confirmed_at"),
                    "proof": f"{proof['silo']}:{proof['source_id']}" if proof else None,
                }
            )
        return rows

    def to_json(self) -> dict[str, object]:
        """access.json: the same content as the page, machine-readable (Art. 15(3), 20)."""
        return {
            "golden_id": self.golden_id,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "source_records": [
                {"silo": r.silo, "source_id": r.source_id, "owner": r.owner, "values": r.values}
                for r in self.records
            ],
            "golden_record": self.golden,
            "lineage": self.lineage,
            "consent": self.consent(),
            "review_decisions": self.decisions,
            "history": self.history,
            "dq_findings": self.findings,
            "recipients": self.recipients,
        }


def render_access_html(report: AccessReport, language: str = "de") -> str:
    """The printable page of an access report."""
    labels = labels_for("access_i18n.toml", language, "access report")
    template = template_environment().get_template("access.html.j2")
    return template.render(report=report, labels=labels, language=language)
