"""The data-quality report: one self-contained HTML file per run, German by default.

``render_dq_report`` lays out what ``reports.dq_model`` computes with
``templates/dq_report.html.j2``; labels come from ``i18n.toml``. The page loads nothing from the
network (inline CSS and JS, CSS bar charts, a Content-Security-Policy that forbids fetching), so
it works offline, as an e-mail attachment and on paper. Every value is HTML-escaped by Jinja's
autoescape: silo names, reasons and source ids come from outside and may hold markup.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final

import jinja2
import polars as pl

from reports import dq_model
from reports.summary import RunSummary

_PACKAGE_DIR: Final = Path(__file__).parent
_TEMPLATE: Final = "dq_report.html.j2"


def render_dq_report(
    summary: RunSummary,
    quarantine: pl.DataFrame,
    findings: pl.DataFrame,
    stale: pl.DataFrame,
    *,
    language: str = "de",
    previous: RunSummary | None = None,
) -> str:
    """Return the DQ report of one run as a self-contained HTML document."""
    labels = report_labels(language)
    return (
        _environment()
        .get_template(_TEMPLATE)
        .render(
            language=language,
            t=labels,
            fmt=_Formatter(labels),
            summary=summary,
            previous=previous,
            key_figures=dq_model.key_figures(summary, previous),
            silos=dq_model.silo_rows(summary),
            problems=dq_model.top_problems(findings),
            quarantine=dq_model.quarantine_list(quarantine),
            stale=dq_model.stale_summary(stale),
            stages=dq_model.stage_bars(summary),
        )
    )


def write_dq_report(
    path: Path,
    summary: RunSummary,
    quarantine: pl.DataFrame,
    findings: pl.DataFrame,
    stale: pl.DataFrame,
    *,
    language: str = "de",
    previous: RunSummary | None = None,
) -> None:
    """Render the DQ report and write it to ``path`` as UTF-8."""
    html = render_dq_report(
        summary, quarantine, findings, stale, language=language, previous=previous
    )
    # newline="\n": the same run gives the same bytes on every platform.
    path.write_text(html, encoding="utf-8", newline="\n")


@cache
def _all_labels() -> dict[str, dict[str, str]]:
    with (_PACKAGE_DIR / "i18n.toml").open("rb") as file:
        return tomllib.load(file)


def report_languages() -> tuple[str, ...]:
    """Return the languages the report can be rendered in (the tables of i18n.toml)."""
    return tuple(sorted(_all_labels()))


def report_labels(language: str) -> dict[str, str]:
    """Return the report labels for ``language`` from i18n.toml."""
    labels = _all_labels()
    if language not in labels:
        raise ValueError(
            f"DQ report: no labels for language {language!r} — use one of "
            f"{', '.join(report_languages())} ([project] language in golden.toml)"
        )
    return dict(labels[language])


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_PACKAGE_DIR / "templates"),
        # default=True: also escape in included files whatever their extension.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class _Formatter:
    """Numbers, dates and changes in the report language; no locale module, so deterministic."""

    labels: dict[str, str]

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:,.{digits}f}"
        # Swap through a placeholder: German swaps "," and ".".
        return (
            text.replace(",", "\x00")
            .replace(".", self.labels["decimal_separator"])
            .replace("\x00", self.labels["thousands_separator"])
        )

    def change(self, delta: int) -> str:
        if delta == 0:
            return "±0"
        sign = "+" if delta > 0 else "−"
        return f"{sign}{self.number(abs(delta))}"

    def timestamp(self, moment: datetime | None) -> str:
        if moment is None:
            return self.labels["not_finished"]
        return moment.strftime(self.labels["datetime_format"])

    def duration(self, started: datetime, finished: datetime | None) -> str:
        if finished is None:
            return self.labels["not_finished"]
        seconds = (finished - started).total_seconds()
        return f"{self.number(seconds, 1)} {self.labels['seconds_unit']}"

    def percent(self, share: float) -> str:
        """CSS width, always with a dot whatever the language."""
        return f"{max(0.0, min(100.0, share)):.1f}%"
