"""The access report page: every section, both languages, escaped values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reports.access import AccessReport, SourceRecord, render_access_html


def _report() -> AccessReport:
    return AccessReport(
        golden_id="G00000000AAAA",
        created_at=datetime(2026, 12, 4, 10, 0, tzinfo=UTC),
        records=[
            SourceRecord("crm", "1", "Vertrieb", {"Nachname": "<script>alert(1)</script>"}),
        ],
        golden={
            "golden_id": "G00000000AAAA",
            "consent_email": True,
            "consent_email_date": "2025-01-02",
            "consent_email_text": "Newsletter-Einwilligung v3",
            "consent_email_confirmed_at": "2025-01-02T10:15:00",
        },
        lineage=[
            {
                "field": "consent_email",
                "value": "true",
                "silo": "newsletter",
                "source_id": "7",
                "updated_at": None,
                "rule": "consent:opt_out_wins_unless_later_opt_in",
            }
        ],
        decisions=[],
        history=[{"when": None, "kind": "created", "detail": "in run r1"}],
        findings=[],
        recipients=[{"profile": "hubspot", "status": "exported", "exported_at": "2026-12-01"}],
    )


@pytest.mark.parametrize(
    ("language", "title", "channel"),
    [
        ("de", "Auskunft nach Art. 15 DSGVO", "E-Mail"),
        ("en", "Access request under Art. 15 GDPR", "E-mail"),
    ],
)
def test_page_has_every_section_and_escapes_values(language: str, title: str, channel: str) -> None:
    page = render_access_html(_report(), language)
    assert title in page and channel in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "newsletter:7" in page  # the proof of the consent shown
    assert "Newsletter-Einwilligung v3" in page and "2025-01-02T10:15:00" in page
    assert "hubspot" in page


def test_json_carries_consent_with_its_proof() -> None:
    consent = _report().to_json()["consent"]
    assert consent[0] == {  # type: ignore[index]
        "channel": "email",
        "consent": True,
        "date": "2025-01-02",
        "source": None,
        "text": "Newsletter-Einwilligung v3",
        "confirmed_at": "2025-01-02T10:15:00",
        "proof": "newsletter:7",
    }
