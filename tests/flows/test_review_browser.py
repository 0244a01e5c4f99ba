"""The review page in a real browser (Debian's chromium driven by Playwright), end to end.

A real run publishes review.html; chromium opens it from disk, the reviewer approves one pair and
rejects another (buttons and keyboard), decisions survive a reload, the export downloads the
decisions file, `golden review apply` stores it, and the next run honours it: the approved pair
ends up in one golden record, the rejected pair in two.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from flows.demo import write_demo
from flows.pipeline import PlainRunner, run_pipeline
from flows.review import apply_decisions
from flows.state import StateStore
from rules.config import load_config

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (/usr/bin/chromium missing)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _golden_of(folder: Path) -> dict[str, str]:
    frame = pl.read_parquet(folder / "crosswalk.parquet")
    return {f"{s}:{i}": g for s, i, g in frame.select("silo", "source_id", "golden_id").iter_rows()}


def test_review_loop_in_the_browser(browser: Any, tmp_path: Path) -> None:
    write_demo(tmp_path, persons=100)
    config = load_config(tmp_path / "golden.toml")
    folder = run_pipeline(config, PlainRunner()).folder
    report = folder / "review.html"
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.resolve().as_uri())
    assert page.title().startswith("Prüfung unsicherer Zusammenführungen")

    cards = page.locator("article.pair")
    total = cards.count()
    assert total >= 2
    pair_ids = cards.evaluate_all("cards => cards.map(card => card.dataset.pairId)")
    golden = _golden_of(folder)
    # Approve a pair of two golden records; reject one touching neither of them (it may sit in
    # one golden record already, merged through a third record: rejecting it must split it).
    pairs = [tuple(pair_id.split("|")) for pair_id in pair_ids]
    approve_left, approve_right = next(
        (left, right) for left, right in pairs if golden[left] != golden[right]
    )
    reject_left, reject_right = next(
        (left, right)
        for left, right in pairs
        if not {golden[left], golden[right]} & {golden[approve_left], golden[approve_right]}
    )

    approve_card = page.locator(f'article.pair[data-pair-id="{approve_left}|{approve_right}"]')
    reject_card = page.locator(f'article.pair[data-pair-id="{reject_left}|{reject_right}"]')
    approve_card.locator("button.approve").click()  # no name yet: asks for it, decides nothing
    assert page.locator("#reviewer-needed").is_visible()
    page.fill("#reviewer", "Erika Muster")
    approve_card.locator("input.reason").fill("gleiche Person, neue Adresse")
    approve_card.locator("button.approve").click()
    assert "approved" in (approve_card.get_attribute("class") or "")
    # Keyboard: click the card's heading to make it current, then "r".
    reject_card.locator("h3").click()
    page.keyboard.press("r")
    assert "rejected" in (reject_card.get_attribute("class") or "")
    assert page.locator("#progress").inner_text() == f"2 von {total} entschieden"

    page.reload()  # decisions and name survive a reload (localStorage)
    assert page.locator("#progress").inner_text() == f"2 von {total} entschieden"
    assert page.input_value("#reviewer") == "Erika Muster"
    page.select_option("#filter", "decided")
    assert page.locator("article.pair:visible").count() == 2
    page.select_option("#filter", "all")
    page.fill("#search", reject_right.split(":", 1)[1])
    assert reject_card.is_visible()
    page.fill("#search", "")

    with page.expect_download() as download_info:
        page.click("#export")
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    data = json.loads(exported.read_text("utf-8"))
    assert data["reviewer"] == "Erika Muster" and len(data["decisions"]) == 2
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []
    context.close()

    result = apply_decisions(config, exported)
    assert (result.approved, result.rejected) == (1, 1)
    stored = StateStore.open(config.state_url).load_review_decisions()
    assert set(stored["reviewer"]) == {"Erika Muster"}
    assert "gleiche Person, neue Adresse" in stored["reason"].to_list()

    after = _golden_of(run_pipeline(config, PlainRunner()).folder)
    assert after[approve_left] == after[approve_right]
    assert after[reject_left] != after[reject_right]
