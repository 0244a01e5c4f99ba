"""The DQ report: languages, escaping of hostile values, offline-only output, sections, changes."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from reports import dq_model
from reports.dq import render_dq_report, report_labels, write_dq_report
from reports.summary import RunSummary, SiloSummary
from rules.canonical import (
    FINDINGS_SCHEMA,
    QUARANTINE_SCHEMA,
    empty_findings,
    empty_quarantine,
)

HOSTILE = "<script>alert(1)</script>"
I18N = Path(dq_model.__file__).parent / "i18n.toml"


def _silo(name: str = "shop", invalid_values: int = 7) -> SiloSummary:
    return SiloSummary(
        name=name,
        connector="csv",
        trust_rank=1,
        rows_read=120,
        quarantined=20,
        records=100,
        invalid_values=invalid_values,
        corrected_values=11,
    )


def _summary(silo_name: str = "shop", golden_records: int = 150) -> RunSummary:
    return RunSummary(
        run_id="run-2025-03-01",
        started_at=datetime(2025, 3, 1, 2, 0, 0),
        finished_at=datetime(2025, 3, 1, 2, 4, 30),
        project="Kunden DACH",
        language="de",
        silos=(_silo(silo_name), _silo("crm", invalid_values=0)),
        golden_records=golden_records,
        records_in_crosswalk=200,
        duplicates_merged=200 - golden_records,
        review_pairs=9,
        stale_flagged=2,
        stage_seconds={"read": 1.5, "clean": 4.0},
    )


def _quarantine(
    rows: int = 2, reason: str = "source_id missing", source_id: str = "K-1"
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "silo": ["shop"] * rows,
            "source_id": [source_id] + [f"K-{n}" for n in range(2, rows + 1)],
            "row_number": list(range(1, rows + 1)),
            "field": ["source_id"] * rows,
            "reason": [reason] * rows,
            "raw": ["Max Mustermann;Berlin"] * rows,
        },
        schema=QUARANTINE_SCHEMA,
    )


def _findings(reason: str = "invalid syntax", source_id: str = "K-7") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_key": [f"shop:{source_id}", "shop:K-8", "crm:C-1", "crm:C-2"],
            "silo": ["shop", "shop", "crm", "crm"],
            "source_id": [source_id, "K-8", "C-1", "C-2"],
            "field": ["emails", "emails", "emails", "phones"],
            "status": ["invalid", "corrected", "invalid", "invalid"],
            "reason": [reason, reason, reason, "not a number"],
            "value": ["max.mustermann@example.org", "Erika@Example.org", "x@y", "+49 30 ABC"],
        },
        schema=FINDINGS_SCHEMA,
    )


def _stale() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_key": ["shop:K-1", "crm:C-1"],
            "reasons": [["no_activity_3y", "bounced"], ["bounced"]],
        }
    )


def _render(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "summary": _summary(),
        "quarantine": _quarantine(),
        "findings": _findings(),
        "stale": _stale(),
    }
    arguments.update(overrides)
    return render_dq_report(**arguments)  # type: ignore[arg-type]


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', html, re.S)
    assert match, f"section {section_id} missing"
    return match.group(1)


def _figure(html: str, name: str) -> str:
    match = re.search(rf'<div class="figure" data-figure="{name}">(.*?)</div>', html, re.S)
    assert match, f"key figure {name} missing"
    return match.group(1)


# --- languages ---------------------------------------------------------------------------------


def test_german_is_the_default() -> None:
    html = _render()
    assert '<html lang="de">' in html
    for label in (
        "Datenqualitätsbericht",
        "Gelesene Zeilen",
        "In Quarantäne",
        "Korrekturen und entfernte Werte der Bereinigung",
    ):
        assert label in html
    assert "Rows read" not in html
    assert "01.03.2025 02:00:00" in html


def test_english_on_request() -> None:
    html = _render(language="en")
    assert '<html lang="en">' in html
    for label in ("Data quality report", "Rows read", "Quarantined", "Corrections and removed"):
        assert label in html
    assert "Gelesene Zeilen" not in html
    assert "2025-03-01 02:00:00" in html


def test_number_format_follows_language() -> None:
    summary = replace(_summary(golden_records=150), review_pairs=12345)
    assert "12.345" in _figure(_render(summary=summary), "review_pairs")
    assert "12,345" in _figure(_render(summary=summary, language="en"), "review_pairs")


def test_languages_have_the_same_keys() -> None:
    with I18N.open("rb") as file:
        tables = tomllib.load(file)
    assert set(tables) == {"de", "en"}
    assert set(tables["de"]) == set(tables["en"])
    assert all(
        isinstance(text, str) and text for table in tables.values() for text in table.values()
    )


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no labels for language 'fr'"):
        _render(language="fr")
    with pytest.raises(ValueError, match="use one of de, en"):
        report_labels("fr")


# --- escaping and offline -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"summary": _summary(silo_name=HOSTILE)}, id="silo-name"),
        pytest.param({"summary": replace(_summary(), project=HOSTILE)}, id="project"),
        pytest.param({"findings": _findings(reason=HOSTILE)}, id="finding-reason"),
        pytest.param({"findings": _findings(source_id=HOSTILE)}, id="finding-source-id"),
        pytest.param({"quarantine": _quarantine(reason=HOSTILE)}, id="quarantine-reason"),
        pytest.param({"quarantine": _quarantine(source_id=HOSTILE)}, id="quarantine-source-id"),
        pytest.param({"stale": pl.DataFrame({"reasons": [[HOSTILE]]})}, id="stale-reason"),
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_hostile_values_are_escaped(overrides: dict[str, object], language: str) -> None:
    html = _render(language=language, **overrides)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_the_report_script_is_a_script() -> None:
    html = _render(summary=_summary(silo_name=HOSTILE))
    assert html.count("<script>") == 1


def test_no_external_references() -> None:
    html = _render(previous=_summary(golden_records=140))
    assert "http://" not in html
    assert "https://" not in html
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html, re.I)
    # No other way to pull something in either.
    for pattern in ("url(", "@import", "<link", "<img", "<iframe"):
        assert pattern not in html
    assert "default-src 'none'" in html


def test_print_styles_present() -> None:
    assert "@media print" in _render()


# --- sections -----------------------------------------------------------------------------------


def test_key_figures_show_summary_counts() -> None:
    html = _render()
    assert '<span class="value">240</span>' in _figure(html, "rows_read")
    assert '<span class="value">150</span>' in _figure(html, "golden_records")
    assert '<span class="value">50</span>' in _figure(html, "duplicates_merged")
    assert "data-change" not in _section(html, "key-figures")


def test_previous_run_shows_change() -> None:
    previous = replace(_summary(golden_records=140), run_id="run-2025-02-28", review_pairs=12)
    html = _render(previous=previous)
    assert "Veränderung seit Lauf run-2025-02-28" in html
    assert 'data-change="10">+10<' in _figure(html, "golden_records")
    assert 'data-change="-3">−3<' in _figure(html, "review_pairs")
    assert 'data-change="0">±0<' in _figure(html, "rows_read")


def test_silo_table_has_counts_and_validity() -> None:
    silos = _section(_render(), "silos")
    assert "<td>shop</td>" in silos and "<td>crm</td>" in silos
    # shop: 100 * (1 - 7 / (100 * 5)) = 98.6; crm has no invalid values.
    assert 'data-value="98.6"' in silos
    assert "98,6" in silos
    assert 'data-value="100.0">100,0' in silos


@pytest.mark.parametrize(
    ("records", "invalid_values", "expected"),
    [
        pytest.param(100, 0, 100.0, id="no-invalid"),
        pytest.param(10, 5, 90.0, id="one-in-ten-values"),
        pytest.param(0, 0, 100.0, id="no-records"),
        pytest.param(0, 3, 0.0, id="no-records-but-invalid-clamped"),
        pytest.param(1, 100, 0.0, id="more-invalid-than-checked-clamped"),
    ],
)
def test_validity_score(records: int, invalid_values: int, expected: float) -> None:
    silo = SiloSummary("s", "csv", 1, records, 0, records, invalid_values, 0)
    assert dq_model.validity_score(silo) == pytest.approx(expected)


def test_top_problems_grouped_counted_and_masked() -> None:
    problems = _section(_render(), "findings")
    rows = re.findall(r"<tr>(.*?)</tr>", problems.split("<tbody>")[1], re.S)
    assert "<td>E-Mail</td><td>invalid syntax</td>" in rows[0]  # field label in German
    assert 'data-value="3">3<' in rows[0]
    assert "<td>Telefon</td><td>not a number</td>" in rows[1]
    # Masked (reports.masking): the e-mail's local part, the phone's digits, never the value.
    assert "max.mustermann@example.org" not in problems
    assert "K-7 (shop): m***@example.org" in rows[0]
    assert "C-1 (crm): x***" in rows[0]
    assert "C-2 (crm): +** ** ABC" in rows[1]


def test_show_contact_data_shows_the_values() -> None:
    problems = _section(_render(show_contact_data=True), "findings")
    assert "K-7 (shop): max.mustermann@example.org" in problems
    assert "C-2 (crm): +49 30 ABC" in problems


def test_top_problems_limited_to_twenty_with_three_examples() -> None:
    findings = pl.DataFrame(
        {
            "record_key": [f"shop:{n}" for n in range(125)],
            "silo": ["shop"] * 125,
            "source_id": [f"{n:03d}" for n in range(125)],
            "field": ["city"] * 125,
            "status": ["invalid"] * 125,
            "reason": [f"reason {n % 25:02d}" for n in range(125)],
            "value": ["Berlin"] * 125,
        },
        schema=FINDINGS_SCHEMA,
    )
    top = dq_model.top_problems(findings)
    assert top.groups == 25
    assert len(top.problems) == 20
    assert all(len(problem.examples) == 3 for problem in top.problems)
    assert [e.source_id for e in top.problems[0].examples] == ["000", "025", "050"]
    assert "Die 20 häufigsten von 25" in _render(findings=findings)


def test_quarantine_list_capped_with_note() -> None:
    html = _render(quarantine=_quarantine(rows=250))
    table = _section(html, "quarantine")
    assert table.count("<tr>") == 1 + 200
    assert "50 weitere Zeilen in quarantine.csv." in table
    # The raw source line is personal data and stays in quarantine.csv.
    assert "Mustermann" not in html


def test_short_quarantine_has_no_more_note() -> None:
    assert 'id="quarantine-more"' not in _render(quarantine=_quarantine(rows=3))


@pytest.mark.parametrize(
    ("stale", "expected"),
    [
        pytest.param(_stale(), {"bounced": 2, "no_activity_3y": 1}, id="list-reasons"),
        pytest.param(
            pl.DataFrame({"reasons": ["bounced", "bounced", None, "moved"]}),
            {"bounced": 2, "moved": 1},
            id="text-reasons",
        ),
        pytest.param(pl.DataFrame({"record_key": ["a", "b"]}), {}, id="no-reasons-column"),
    ],
)
def test_stale_counts_per_reason(stale: pl.DataFrame, expected: dict[str, int]) -> None:
    summary = dq_model.stale_summary(stale)
    assert summary.total == stale.height
    assert {bar.label: bar.value for bar in summary.reasons} == expected


def test_stale_without_reasons_renders_total() -> None:
    section = _section(_render(stale=pl.DataFrame({"record_key": ["a", "b", "c"]})), "stale")
    assert "Markierte Datensätze: 3" in section
    assert "Ohne Angabe von Gründen." in section


# --- empty and wrong input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarantine", "findings", "stale"),
    [
        pytest.param(empty_quarantine(), empty_findings(), pl.DataFrame(), id="documented-schemas"),
        pytest.param(pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), id="no-columns"),
        pytest.param(
            empty_quarantine(),
            empty_findings(),
            pl.DataFrame(schema={"reasons": pl.List(pl.String)}),
            id="empty-stale-with-reasons",
        ),
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_empty_frames_render(
    quarantine: pl.DataFrame, findings: pl.DataFrame, stale: pl.DataFrame, language: str
) -> None:
    summary = replace(_summary(), silos=(), stage_seconds={})
    html = render_dq_report(summary, quarantine, findings, stale, language=language)
    labels = report_labels(language)
    for key in ("no_silos", "no_findings", "no_quarantine", "no_stale"):
        assert labels[key] in html
    assert html.rstrip().endswith("</html>")


def test_unfinished_run_renders() -> None:
    html = _render(summary=replace(_summary(), finished_at=None))
    assert "läuft noch" in html


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ValueError, match="findings frame lacks column"):
        _render(findings=_findings().drop("reason"))
    with pytest.raises(ValueError, match="quarantine frame lacks column"):
        _render(quarantine=_quarantine().drop("row_number"))


# --- determinism and writing --------------------------------------------------------------------


def test_same_input_same_output_whatever_the_row_order() -> None:
    shuffled = _findings().sample(fraction=1.0, shuffle=True, seed=7)
    reversed_quarantine = _quarantine(rows=20).reverse()
    assert _render(findings=shuffled, quarantine=reversed_quarantine) == _render(
        quarantine=_quarantine(rows=20)
    )


def test_write_dq_report_writes_utf8(tmp_path: Path) -> None:
    path = tmp_path / "dq_report.html"
    write_dq_report(path, _summary(), _quarantine(), _findings(), _stale(), language="de")
    assert path.read_bytes() == _render().encode("utf-8")
    assert "Datenqualitätsbericht" in path.read_text(encoding="utf-8")
