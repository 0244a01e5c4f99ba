"""The review page in a real browser (Debian's chromium driven by Playwright), end to end.

A real run publishes review.html; chromium opens it from disk, the reviewer approves one pair,
rejects another and moves one member out of its golden record (buttons and keyboard), decisions
survive a reload, the export downloads the decisions file, `golden review apply` stores it, and
the next run honours it: the approved pair ends up in one golden record, the rejected pair in
two, the moved-out member in its own while the rest of its record stays together. On the approved
pair the reviewer chooses, with the keyboard, the name of the less trusted record: the next run's
golden record carries that name, and its lineage says it was a review override.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from flows.demo import write_demo
from flows.pipeline import PlainRunner, run_pipeline
from flows.review import apply_decisions, history
from flows.state import StateStore
from rules.canonical import record_key_of
from rules.config import load_config
from tests.flows.conftest import BROWSER_MARKS

LOCAL_SCHEMES = ("file:", "data:", "blob:")

pytestmark = BROWSER_MARKS


def _golden_of(folder: Path) -> dict[str, str]:
    frame = pl.read_parquet(folder / "crosswalk.parquet")
    rows = frame.select("silo", "source_id", "golden_id").iter_rows()
    return {record_key_of(silo, source_id): golden_id for silo, source_id, golden_id in rows}


def test_review_loop_in_the_browser(browser: Any, tmp_path: Path) -> None:
    write_demo(tmp_path, persons=300)  # enough uncertain pairs for three separate decisions
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
    assert total >= 3
    pair_ids = cards.evaluate_all("cards => cards.map(card => card.dataset.pairId)")
    golden = _golden_of(folder)
    members: dict[str, list[str]] = {}
    for key, golden_id in sorted(golden.items()):
        members.setdefault(golden_id, []).append(key)
    # Move the left record of an uncertain pair inside a golden record of three out of it (its
    # partner and the third record, linked to both, stay together); approve a pair of two other
    # golden records; reject one touching none of them (it may sit in one golden record
    # already, merged through a third record: rejecting it must split it).
    pairs = [tuple(pair_id.split("|")) for pair_id in pair_ids]
    move_left, move_right = next(
        (left, right)
        for left, right in pairs
        if golden[left] == golden[right] and len(members[golden[left]]) == 3
    )
    moved_from = golden[move_left]
    others = [key for key in members[moved_from] if key != move_left]
    with_choices = set(
        page.locator("article.pair:has(fieldset.choice[data-field='name'])").evaluate_all(
            "cards => cards.map(card => card.dataset.pairId)"
        )
    )
    approve_left, approve_right = next(
        (left, right)
        for left, right in pairs
        if golden[left] != golden[right]
        and moved_from not in {golden[left], golden[right]}
        and f"{left}|{right}" in with_choices
    )
    reject_left, reject_right = next(
        (left, right)
        for left, right in pairs
        if not {golden[left], golden[right]}
        & {golden[approve_left], golden[approve_right], moved_from}
    )

    approve_card = page.locator(f'article.pair[data-pair-id="{approve_left}|{approve_right}"]')
    reject_card = page.locator(f'article.pair[data-pair-id="{reject_left}|{reject_right}"]')
    # Nothing selected yet: a key decides nothing, it says what to do.
    page.keyboard.press("a")
    assert page.locator("#notice").inner_text() == (
        "Erst ein Paar auswählen: anklicken oder j drücken."
    )
    assert page.locator("article.pair.approved, article.pair.rejected").count() == 0
    move_card = page.locator(f'article.pair[data-pair-id="{move_left}|{move_right}"]')
    member = move_card.locator("xpath=..").locator(f'li.member[data-member-key="{move_left}"]')
    # A value chosen on a pair not merged (yet) would not leave the page: it says so.
    approve_card.locator("fieldset.choice[data-field='name'] input[value='left']").check()
    assert "erst mit „Zusammenführen“ (a) dieses Paars" in page.inner_text("#notice")
    approve_card.locator("fieldset.choice[data-field='name'] input[value='']").check()
    assert not page.locator("#notice").is_visible()
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
    # ... and the next open pair is selected: the keys act on it now.
    selected = page.locator("article.pair.current")
    assert selected.count() == 1
    assert selected.get_attribute("data-pair-id") != f"{reject_left}|{reject_right}"
    assert not selected.evaluate("card => card.classList.contains('approved')")
    assert page.locator("#progress").inner_text() == f"2 von {total} entschieden"

    # Choose the surviving name on the approved pair with the keyboard: the less trusted
    # record's (the rules alone would not take it), arrow keys within the radio group.
    trust = {name: silo.trust_rank for name, silo in config.silos.items()}
    side = (
        "left"
        if trust[approve_left.split(":")[0]] > trust[approve_right.split(":")[0]]
        else "right"
    )
    chosen = approve_left if side == "left" else approve_right
    choice = approve_card.locator("fieldset.choice[data-field='name']")
    assert choice.locator("legend").inner_text() == "Name"
    choice.locator("input[value='']").focus()
    for _ in range(1 if side == "left" else 2):
        page.keyboard.press("ArrowDown")
    picked = choice.locator(f"input[value='{side}']")
    assert picked.is_checked() and picked.get_attribute("data-source-id") == chosen.split(":", 1)[1]
    chosen_name = choice.locator("label.picked .choice-value").inner_text()
    assert chosen_name and "approved" in (approve_card.get_attribute("class") or "")
    # on a value choice the keys act on its pair: "a" merges it (again) and moves on
    assert approve_card.evaluate("card => card.classList.contains('current')")
    page.keyboard.press("a")
    assert "approved" in (approve_card.get_attribute("class") or "") and picked.is_checked()
    assert page.locator("article.pair.current").get_attribute("data-pair-id") != (
        f"{approve_left}|{approve_right}"
    )
    assert page.locator("#progress").inner_text() == f"2 von {total} entschieden"

    # Move out with the button, undo, then with "m" on the pair (its left record).
    member.locator("button.move-out").click()
    assert "moved-out" in (member.get_attribute("class") or "")
    assert "rejected" in (move_card.get_attribute("class") or "")
    assert move_card.locator(".state").inner_text() == "getrennt (herausgenommen)"
    member.locator("button.undo").click()
    assert "moved-out" not in (member.get_attribute("class") or "")
    assert "rejected" not in (move_card.get_attribute("class") or "")
    member.locator("input.reason").fill("andere Person, gleicher Name")
    move_card.locator("h3").click()
    page.keyboard.press("m")
    assert "moved-out" in (member.get_attribute("class") or "")
    assert member.locator(".state").inner_text() == "herausgenommen"
    page.keyboard.press("a")  # merging the pair now contradicts the move-out: refused
    assert page.locator("#notice").is_visible() and move_left in page.inner_text("#notice")
    assert "approved" not in (move_card.get_attribute("class") or "")
    # A record alone in its golden record has nothing to move out of.
    alone_left, alone_right = next(
        (left, right) for left, right in pairs if len(members[golden[left]]) == 1
    )
    page.locator(f'article.pair[data-pair-id="{alone_left}|{alone_right}"] h3').click()
    page.keyboard.press("m")
    assert alone_left in page.inner_text("#notice")
    progress = f"3 von {total} entschieden · 1 herausgenommen"
    assert page.locator("#progress").inner_text() == progress

    page.reload()  # decisions, move-outs and name survive a reload (localStorage)
    assert page.locator("#progress").inner_text() == progress
    assert page.input_value("#reviewer") == "Erika Muster"
    assert "moved-out" in (member.get_attribute("class") or "")
    assert member.locator("input.reason").input_value() == "andere Person, gleicher Name"
    assert choice.locator(f"input[value='{side}']").is_checked()  # the choice survives too
    page.select_option("#filter", "decided")
    assert page.locator("article.pair:visible").count() == 3
    page.select_option("#filter", "open")
    assert not move_card.is_visible() and not reject_card.is_visible()
    page.select_option("#filter", "all")
    page.fill("#search", reject_right.split(":", 1)[1])
    assert reject_card.is_visible()
    page.fill("#search", others[-1].split(":", 1)[1])  # a record of the group finds the group
    assert member.is_visible()
    page.fill("#search", "")

    with page.expect_download() as download_info:
        page.click("#export")
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    data = json.loads(exported.read_text("utf-8"))
    assert data["reviewer"] == "Erika Muster" and len(data["decisions"]) == 3
    assert (data["format"], data["version"]) == ("golden-review-decisions", 3)
    (merge,) = [entry for entry in data["decisions"] if entry.get("decision") == "approve"]
    offered = {
        (f"{item['silo']}:{item['source_id']}", item["field"]): item
        for item in pl.read_csv(
            config.output_dir / "latest" / "review_values.csv", infer_schema=False
        ).iter_rows(named=True)
    }
    assert merge["values"] == [
        {
            "field": "name",
            "golden_id": golden[chosen],
            "silo": chosen.split(":")[0],
            "source_id": chosen.split(":", 1)[1],
            "value_hash": offered[(chosen, "name")]["value_hash"],
        }
    ]
    assert all("values" not in entry for entry in data["decisions"] if entry is not merge)
    (move,) = [entry for entry in data["decisions"] if entry.get("action") == "move_out"]
    assert (move["golden_id"], f"{move['silo']}:{move['source_id']}") == (moved_from, move_left)
    assert [f"{item['silo']}:{item['source_id']}" for item in move["members"]] == others
    # the fingerprints of the values the page showed, as review_members.csv has them
    listed = {
        f"{item['silo']}:{item['source_id']}": item["record_hash"]
        for item in pl.read_csv(
            config.output_dir / "latest" / "review_members.csv", infer_schema=False
        ).iter_rows(named=True)
    }
    assert move["record_hash"] == listed[move_left]
    assert [item["record_hash"] for item in move["members"]] == [listed[key] for key in others]
    assert move["reason"] == "andere Person, gleicher Name"
    assert move_right in {
        f"{item['right_silo']}:{item['right_source_id']}" for item in move["pair_hashes"]
    }
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []
    context.close()

    result = apply_decisions(config, exported)
    assert (result.approved, result.rejected, result.moved_out) == (1, 1, 1)
    assert result.values_chosen == 1
    assert result.separations == len(others)
    stored = StateStore.open(config.state_url).load_review_decisions()
    assert set(stored["reviewer"]) == {"Erika Muster"}
    assert "gleiche Person, neue Adresse" in stored["reason"].to_list()
    assert any(entry.kind == "moved out" for entry in history(config, moved_from))

    second = run_pipeline(config, PlainRunner()).folder
    after = _golden_of(second)
    assert after[approve_left] == after[approve_right]
    assert after[reject_left] != after[reject_right]
    assert all(after[move_left] != after[key] for key in others)
    assert len({after[key] for key in others}) == 1  # the rest of the record stays together
    # the merged golden record carries the chosen name, and its lineage says why
    (merged_record,) = (
        pl.read_parquet(second / "golden.parquet")
        .filter(pl.col("golden_id") == after[approve_left])
        .to_dicts()
    )
    names = (merged_record["first_name"], merged_record["last_name"])
    assert " ".join(name for name in names if name) == chosen_name
    lineage = pl.read_csv(second / "lineage.csv", infer_schema=False).filter(
        (pl.col("golden_id") == after[approve_left]) & (pl.col("field") == "last_name")
    )
    assert lineage.select("silo", "source_id").rows() == [tuple(chosen.split(":", 1))]
    (rule,) = lineage["rule"].to_list()
    assert rule.startswith("name:review override by Erika Muster on ")

    # The next night's page remembers: the decided pairs are shown decided, by whom, and what
    # they are now ("bereits zusammengeführt" / "getrennt"), never as open again.
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((second / "review.html").resolve().as_uri())
    shown = set(page.locator("article.pair").evaluate_all("cs => cs.map(c => c.dataset.pairId)"))
    decided_pairs = {
        f"{approve_left}|{approve_right}": ("approved", "zusammengeführt"),
        f"{reject_left}|{reject_right}": ("rejected", "getrennt"),
    }
    assert set(decided_pairs) <= shown  # still uncertain by score, so still listed ...
    for pair_id, (state_class, word) in decided_pairs.items():
        card = page.locator(f'article.pair[data-pair-id="{pair_id}"]')
        classes = card.get_attribute("class") or ""
        assert state_class in classes and "stored" in classes
        state = card.locator(".state").inner_text()
        assert state.startswith(word) and "Erika Muster" in state
    merged = page.locator(f'article.pair[data-pair-id="{approve_left}|{approve_right}"]')
    assert merged.locator(".relation").inner_text().startswith("bereits zusammengeführt in")
    # ... and the name chosen for it starts selected, saying by whom
    kept = merged.locator("fieldset.choice[data-field='name']")
    assert kept.locator(f"input[value='{side}']").is_checked()
    assert "gewählt von Erika Muster" in kept.locator("label.picked").inner_text()
    apart = page.locator(f'article.pair[data-pair-id="{reject_left}|{reject_right}"]')
    assert apart.locator(".relation").inner_text().startswith("getrennt:")
    stored = page.locator("article.pair.stored").count()
    assert stored >= 2
    progress = page.locator("#progress").inner_text()
    assert progress.startswith(f"{stored} von ") and f"davon {stored} aus früheren" in progress
    page.select_option("#filter", "open")
    assert not merged.is_visible() and not apart.is_visible()
    assert errors == []
    page.context.close()
