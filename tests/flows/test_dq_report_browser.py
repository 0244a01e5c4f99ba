"""The published DQ report in a real browser (Debian's chromium driven by Playwright).

A real pipeline run writes the report; chromium opens it from disk and must see no console error,
no request leaving the machine (only file: and data: URLs), working sort buttons and no script
of a hostile value running. CI installs chromium (.ci/run); without it these tests are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.demo import write_demo
from flows.pipeline import PlainRunner, run_pipeline
from rules.config import load_config
from tests.flows.conftest import BROWSER_MARKS
from tests.flows.hostile_demo import HOSTILE_ID, write_hostile_demo

LOCAL_SCHEMES = ("file:", "data:")

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("browser-demo")
    write_demo(directory, persons=100)
    config = load_config(directory / "golden.toml")
    run_pipeline(config, PlainRunner())  # a previous run, so the trend has two points
    return run_pipeline(config, PlainRunner()).folder / "dq_report.html"


class Watched:
    """A page with every console message, page error, request and dialog recorded."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

        def dismiss(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", dismiss)

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    @property
    def remote_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


def test_report_opens_offline_without_errors(browser: Any, report: Path, tmp_path: Path) -> None:
    watched = Watched(browser)
    page = watched.open(report)
    assert page.title().startswith("Datenqualitätsbericht")
    for section in ("dq-overview", "scores", "trend", "top-problems", "duplicates", "reminders"):
        assert page.locator(f"section#{section}").is_visible(), section
    assert page.locator("svg.chart polyline").count() >= 1
    # The first section on screen says what to fix first, each task with its file and filter.
    first = page.locator("main > section").first
    assert first.get_attribute("id") == "first-actions"
    assert first.locator("h2").inner_text() == "Was zuerst zu tun ist"
    assert first.is_visible() and first.bounding_box()["y"] < 900  # type: ignore[index]
    tasks = first.locator("li.action")
    assert tasks.count() >= 1
    severities = tasks.evaluate_all("items => items.map(item => item.dataset.severity)")
    order = {"high": 1, "medium": 2, "low": 3}
    assert [order[item] for item in severities] == sorted(order[item] for item in severities)
    for text in tasks.all_inner_texts():
        assert "Alle Zeilen:" in text and ".csv" in text and "filtern nach" in text
    assert "great-expectations" not in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "dq_report.png"), full_page=True)
    assert (tmp_path / "dq_report.png").stat().st_size > 10_000
    assert watched.errors == []
    assert watched.remote_requests == []
    assert watched.requests == [report.resolve().as_uri()]
    page.close()


def test_tables_sort_by_clicking_a_heading(browser: Any, report: Path) -> None:
    watched = Watched(browser)
    page = watched.open(report)
    table = page.locator("section#top-problems table")
    heading = table.locator("th", has_text="Anzahl")
    heading.click()
    assert heading.get_attribute("aria-sort") == "ascending"
    counts = [
        int(value)
        for value in table.locator("tbody td.num").evaluate_all(
            "cells => cells.map(cell => cell.dataset.value)"
        )
    ]
    assert counts == sorted(counts)
    heading.click()
    assert heading.get_attribute("aria-sort") == "descending"
    assert watched.errors == []
    page.close()


def test_report_prints(browser: Any, report: Path, tmp_path: Path) -> None:
    watched = Watched(browser)
    page = watched.open(report)
    page.emulate_media(media="print")
    assert page.locator(".no-print").first.is_hidden()
    pdf = tmp_path / "dq_report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert watched.errors == [] and watched.remote_requests == []
    page.close()


def test_hostile_values_do_not_run(browser: Any, tmp_path: Path) -> None:
    write_hostile_demo(tmp_path)
    folder = run_pipeline(load_config(tmp_path / "golden.toml"), PlainRunner()).folder
    watched = Watched(browser)
    page = watched.open(folder / "dq_report.html")
    page.mouse.move(10, 10)
    page.locator("section#reminders").hover()
    assert watched.dialogs == []
    assert page.locator("script").count() == 1
    assert page.locator("img, b").count() == 0
    assert page.get_by_text(HOSTILE_ID).count() >= 1  # shown as text
    assert watched.errors == [] and watched.remote_requests == []
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    page.close()
