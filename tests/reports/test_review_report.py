"""The review page: grouping and order, languages, escaping of hostile values, offline only."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from reports.review import (
    first_groups,
    golden_members,
    render_review_report,
    review_groups,
    review_labels,
)

HOSTILE = "<script>alert(1)</script>"
I18N = Path(__file__).parents[2] / "reports" / "review_i18n.toml"
LEVELS = {"first_name": ("exact", "different"), "birth_date": ("exact", "different")}


def _queue(rows: list[tuple[str, str, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "left_silo": left.split(":")[0],
                "left_source_id": left.split(":")[1],
                "right_silo": right.split(":")[0],
                "right_source_id": right.split(":")[1],
                "left_golden_id": left_golden,
                "right_golden_id": right_golden,
                "probability": probability,
                "score": 1.0,
                "first_name_level": 0,
                "birth_date_level": -1,
                "pair_hash": "abc",
            }
            for left, right, left_golden, right_golden, probability in rows
        ]
    )


RECORDS = pl.DataFrame(
    {
        "record_key": ["crm:1", "shop:2", "crm:3", "shop:4"],
        "first_name": ["Max", "Max", HOSTILE, "Eva"],
        "birth_date": [date(1980, 1, 2), None, None, None],
        "emails": [["max@example.de"], ["max@example.de"], [], []],
    }
)
PAIRS = pl.DataFrame(
    {
        "left_key": ["crm:1", "crm:3"],
        "right_key": ["shop:2", "shop:4"],
        "first_name_weight": [3.5, -1.0],
        "birth_date_weight": [0.0, 0.0],
    }
)
CROSSWALK = pl.DataFrame(
    {
        "silo": ["crm", "shop", "crm", "shop", "crm"],
        "source_id": ["1", "2", "3", "4", "5"],
        "golden_id": ["GA", "GB", "GC", "GD", "GC"],
    }
)


def test_groups_largest_record_first_with_fields_and_explanation() -> None:
    queue = _queue([("crm:1", "shop:2", "GA", "GB", 0.8), ("crm:3", "shop:4", "GC", "GD", 0.7)])
    groups = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS)
    assert [group.golden_id for group in groups] == ["GC", "GA"]  # GC holds two records
    pair = groups[1].pairs[0]
    fields = {field.name: field for field in pair.fields}
    assert not fields["first_name"].differs and fields["birth_date"].differs
    assert "emails" in fields and not fields["emails"].differs
    assert [(item.comparison, item.level, item.weight) for item in pair.explanation] == [
        ("first_name", "exact", 3.5),
        ("birth_date", "—", 0.0),
    ]


@pytest.mark.parametrize("language", ["de", "en"])
def test_page_is_escaped_and_offline(language: str) -> None:
    queue = _queue([("crm:3", "shop:4", "GC", "GD", 0.7)])
    html = render_review_report(
        "run-1", review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS), language=language
    )
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert review_labels(language)["title"] in html


def test_every_language_has_the_same_labels() -> None:
    with I18N.open("rb") as file:
        tables = tomllib.load(file)
    assert set(tables) == {"de", "en"}
    assert set(tables["de"]) == set(tables["en"])


def test_empty_queue_says_so() -> None:
    assert "Keine unsicheren Paare" in render_review_report("run-1", ())


def test_groups_list_the_members_of_their_golden_records_for_moving_one_out() -> None:
    # GA (crm:1) and GB (shop:2) hold one record each: nothing to move out of them.
    queue = _queue([("crm:1", "shop:2", "GA", "GB", 0.8), ("crm:3", "shop:4", "GC", "GD", 0.7)])
    groups = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS)
    by_id = {group.golden_id: group for group in groups}
    assert by_id["GA"].golden_records == ()
    (record,) = by_id["GC"].golden_records
    assert record.golden_id == "GC"
    assert [member.key for member in record.members] == ["crm:3", "crm:5"]
    assert record.members[0].summary == HOSTILE  # crm:3's only value: its first name
    assert record.members[1].summary == ""  # crm:5 has no cleaned record here


def test_group_lists_a_partner_golden_record_after_its_own() -> None:
    crosswalk = pl.concat(
        [CROSSWALK, pl.DataFrame({"silo": ["shop"], "source_id": ["6"], "golden_id": ["GD"]})]
    )
    queue = _queue([("crm:3", "shop:4", "GC", "GD", 0.7)])
    (group,) = review_groups(queue, RECORDS, PAIRS, crosswalk, LEVELS)
    assert [record.golden_id for record in group.golden_records] == ["GC", "GD"]


@pytest.mark.parametrize(
    ("language", "label"),
    [("de", "Aus dem Datensatz herausnehmen"), ("en", "Move out of this record")],
)
def test_page_offers_move_out_per_member_escaped(language: str, label: str) -> None:
    queue = _queue([("crm:3", "shop:4", "GC", "GD", 0.7)])
    html = render_review_report(
        "run-1", review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS), language=language
    )
    # Two member rows; their controls are built by the page's script from one label set
    # (the browser test clicks them).
    assert html.count('<li class="member"') == 2
    assert f'data-move-out-label="{label}"' in html
    assert 'data-golden-id="GC" data-member-key="crm:3"' in html
    assert HOSTILE not in html and "m/M" in html
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html


def test_member_summary_reads_name_birth_date_address_and_emails_in_order() -> None:
    records = pl.DataFrame(
        {
            "record_key": ["crm:1", "crm:2", "erp:3"],
            "title": ["Dr.", None, None],
            "first_name": ["Max", None, None],
            "last_name": ["Muster", None, None],
            "organisation_name": [None, "Muster GmbH", None],
            "birth_date": [date(1980, 1, 2), None, None],
            "street": ["Hauptstraße", "Ring", None],
            "house_number": ["1a", None, None],
            "postal_code": ["10115", None, None],
            "city": ["Berlin", "Ulm", None],
            "emails": [["max@example.de", "m@example.de"], [], None],
        }
    )
    crosswalk = pl.DataFrame(
        {
            "silo": ["crm", "crm", "erp", "shop"],
            "source_id": ["1", "2", "3", "9"],
            "golden_id": ["GX", "GX", "GX", "GY"],
        }
    )
    members = golden_members(["GX", "GY"], records, crosswalk)
    assert set(members) == {"GX"}  # GY has one record: nothing to move out
    assert [member.summary for member in members["GX"].members] == [
        "Dr. Max Muster · 1980-01-02 · Hauptstraße 1a · 10115 Berlin"
        " · max@example.de; m@example.de",
        "Muster GmbH · Ring · Ulm",
        "",
    ]


def test_page_shows_the_first_groups_up_to_the_limit_and_says_how_many_more() -> None:
    queue = _queue([("crm:1", "shop:2", "GA", "GB", 0.8), ("crm:3", "shop:4", "GC", "GD", 0.7)])
    groups = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS)
    assert len(groups) == 2
    assert first_groups(groups, 1) == groups[:1]
    assert first_groups(groups, 0) == groups  # 0: no limit
    assert first_groups(groups, 5) == groups
    html = render_review_report("run-1", groups, language="en", max_pairs=1)
    assert html.count('<article class="pair"') == 1
    assert "Showing 1 of 2 uncertain pairs" in html and "review_queue.csv" in html
    assert 'data-total="1"' in html  # the progress count counts what the page shows
    full = render_review_report("run-1", groups, language="en", max_pairs=2)
    assert full.count('<article class="pair"') == 2 and "Showing" not in full


def test_the_first_group_is_shown_even_when_it_alone_exceeds_the_limit() -> None:
    queue = _queue([("crm:1", "shop:2", "GA", "GB", 0.8), ("crm:1", "crm:3", "GA", "GC", 0.7)])
    groups = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS)
    assert [len(group.pairs) for group in groups] == [2]  # one group of two pairs
    assert first_groups(groups, 1) == groups  # not cut inside a group, never empty


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_groups_cut_before_layout_equal_groups_cut_after(limit: int) -> None:
    queue = _queue(
        [
            ("crm:1", "shop:2", "GA", "GB", 0.8),
            ("crm:1", "crm:3", "GA", "GC", 0.7),
            ("crm:3", "shop:4", "GC", "GD", 0.65),
        ]
    )
    everything = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS)
    cut = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS, max_pairs=limit)
    assert [group.golden_id for group in cut] == [
        group.golden_id for group in first_groups(everything, limit)
    ]
    assert cut == first_groups(everything, limit)
    html = render_review_report("run-1", cut, language="en", total_pairs=queue.height)
    shown = sum(len(group.pairs) for group in cut)
    assert ("Showing" in html) == (shown < queue.height)


def _decided(queue: pl.DataFrame, decided: dict[int, tuple[str, str, str]]) -> pl.DataFrame:
    """The queue with stored decisions (row -> decision, reviewer, decided_at) as the run adds."""
    column = [decided.get(row, (None, None, None)) for row in range(queue.height)]
    return queue.with_columns(
        pl.Series("stored_decision", [item[0] for item in column], dtype=pl.String),
        pl.Series("decided_by", [item[1] for item in column], dtype=pl.String),
        pl.Series("decided_at", [item[2] for item in column], dtype=pl.String),
    )


def test_a_pair_decided_in_an_earlier_night_is_shown_decided_by_whom_and_when() -> None:
    queue = _decided(
        _queue([("crm:1", "shop:2", "GA", "GB", 0.8)]),
        {0: ("reject", "Erika <b>Muster</b>", "2026-12-03T21:05:00Z")},
    )
    html = render_review_report("run-2", review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS))
    assert 'data-stored-decision="reject"' in html
    assert "getrennt – Erika &lt;b&gt;Muster&lt;/b&gt;, 03.12.2026 21:05 UTC" in html
    assert "getrennt: GA und GB" in html  # what the pair is now


def test_groups_whose_pairs_are_all_decided_come_after_open_ones() -> None:
    queue = _decided(
        _queue([("crm:3", "shop:4", "GC", "GD", 0.7), ("crm:1", "shop:2", "GA", "GB", 0.8)]),
        {0: ("approve", "Erika", "2026-12-03T21:05:00Z")},
    )
    groups = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS)
    assert [group.golden_id for group in groups] == ["GA", "GC"]  # GC is larger but decided
    assert [group.open_pairs for group in groups] == [1, 0]
    cut = review_groups(queue, RECORDS, PAIRS, CROSSWALK, LEVELS, max_pairs=1)
    assert [group.golden_id for group in cut] == ["GA"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "Vorname",
                "gleich",
                "Geburtsdatum",
                "fehlt",
                "+3,50",
                "0,70",
                "1 Datensatz",
                "bereits zusammengeführt in GC",
                "nimmt sie beim nächsten Lauf auseinander (GC wird geteilt)",
            ],
        ),
        (
            "en",
            [
                "First name",
                "equal",
                "Date of birth",
                "missing",
                "+3.50",
                "0.70",
                "already merged in GC",
                "takes them apart in the next run (GC is split)",
            ],
        ),
    ],
)
def test_labels_levels_and_numbers_are_in_the_page_language(
    language: str, expected: list[str]
) -> None:
    queue = _queue([("crm:3", "crm:5", "GC", "GC", 0.7), ("crm:1", "shop:2", "GA", "GB", 0.8)])
    pairs = pl.DataFrame(
        {
            "left_key": ["crm:3", "crm:1"],
            "right_key": ["crm:5", "shop:2"],
            "first_name_weight": [3.5, 3.5],
            "birth_date_weight": [0.0, 0.0],
        }
    )
    html = render_review_report(
        "run-1", review_groups(queue, RECORDS, pairs, CROSSWALK, LEVELS), language=language
    )
    for text in expected:
        assert text in html, text
    for code in ("first_name<", ">exact<", "no_common_number"):
        assert code not in html


def test_each_golden_record_lists_the_links_that_hold_it_together_strongest_first() -> None:
    # GC holds crm:3 and crm:5; the pair between them is listed with its weight, the pair
    # crm:3/shop:4 crosses into GD and is no link of GC.
    queue = _queue([("crm:3", "shop:4", "GC", "GD", 0.7)])
    pairs = pl.DataFrame(
        {
            "left_key": ["crm:3", "crm:3"],
            "right_key": ["crm:5", "shop:4"],
            "probability": [0.97, 0.7],
            "score": [11.3, 2.0],
            "first_name_weight": [3.5, -1.0],
            "birth_date_weight": [0.0, 0.0],
        }
    )
    records = pl.concat(
        [
            RECORDS,
            RECORDS.filter(pl.col("record_key") == "crm:3").with_columns(
                record_key=pl.lit("crm:5")
            ),
        ]
    )
    (group,) = review_groups(queue, records, pairs, CROSSWALK, LEVELS)
    (record,) = group.golden_records
    assert [(link.left, link.right, link.probability) for link in record.links] == [
        ("crm:3", "crm:5", 0.97)
    ]
    html = render_review_report("run-1", (group,))
    assert "Was GC zusammenhält" in html and "crm:3 ↔ crm:5: Wahrscheinlichkeit 0,97" in html
    assert "crm:3 ↔ crm:5: Wahrscheinlichkeit 0,97 · Punktzahl +11,3" in html


# -- value choices ------------------------------------------------------------------------------
CHOICE_GROUPS = {
    "name": ("last_name", "first_name"),
    "address": ("postal_code", "street", "house_number", "city"),
    "birth_date": ("birth_date",),
}
CHOICE_RECORDS = pl.DataFrame(
    {
        "record_key": ["crm:1", "shop:2"],
        "first_name": ["Max", HOSTILE],
        "last_name": ["Muster", "Muster"],
        "street": ["Hauptstraße", "Hauptstraße"],
        "house_number": ["1", "1"],
        "postal_code": ["10115", "10115"],
        "city": ["Berlin", "Berlin"],
        "birth_date": [date(1980, 1, 2), None],
    }
)


def _fingerprints(records: pl.DataFrame) -> pl.DataFrame:
    """A stand-in for matching.overrides.value_hashes: the group's values joined."""
    return pl.concat(
        records.filter(pl.col(group[0]).is_not_null()).select(
            "record_key",
            pl.lit(field).alias("field"),
            pl.concat_str([pl.col(name).cast(pl.String) for name in group], separator="|").alias(
                "value_hash"
            ),
        )
        for field, group in CHOICE_GROUPS.items()
    )


def _choice_groups(stored: pl.DataFrame | None = None) -> tuple:  # type: ignore[type-arg]
    queue = _queue([("crm:1", "shop:2", "GA", "GB", 0.8)])
    return review_groups(
        queue,
        CHOICE_RECORDS,
        PAIRS,
        CROSSWALK,
        LEVELS,
        field_groups=CHOICE_GROUPS,
        value_hashes=_fingerprints,
        stored_choices=stored,
    )


def test_a_choice_stored_earlier_starts_on_its_record_and_says_by_whom() -> None:
    from datetime import datetime

    stored = pl.DataFrame(
        {
            "golden_id": ["GB", "GA"],
            "field": ["name", "address"],
            "record_key": ["shop:2", "crm:1"],
            "reviewer": ["Erika Muster", "Max"],
            "decided_at": [datetime(2026, 12, 4, 9, 30), datetime(2026, 12, 4, 9, 30)],
        }
    )
    (group,) = _choice_groups(stored)
    (choice,) = group.pairs[0].choices
    assert (choice.stored_side, choice.stored_by) == ("right", "Erika Muster")
    html = render_review_report("run-1", (group,))
    fieldset = re.search(
        r'<fieldset class="choice" data-field="name"[^>]*>.*?</fieldset>', html, re.S
    )
    assert fieldset is not None and 'data-stored="right"' in fieldset.group(0)
    checked = re.findall(r'value="(\w*)"[^>]*checked', fieldset.group(0))
    assert checked == ["right"]
    assert "gewählt von Erika Muster, 04.12.2026 09:30 UTC (gilt)" in fieldset.group(0)
    # a choice stored for another golden record than the pair's side does not count
    other = stored.with_columns(pl.lit("GX").alias("golden_id"))
    assert _choice_groups(other)[0].pairs[0].choices[0].stored_side == ""


def test_a_pair_offers_a_choice_only_where_both_records_have_differing_values() -> None:
    (group,) = _choice_groups()
    (choice,) = group.pairs[0].choices  # address equal, birth date on one side only
    assert choice.field == "name"
    assert (choice.left, choice.right) == ("Max Muster", f"{HOSTILE} Muster")  # reading order
    assert choice.left_hash != choice.right_hash


@pytest.mark.parametrize(
    ("language", "legend", "rule"),
    [("de", "Name", "automatisch (nach den Regeln)"), ("en", "Name", "automatic (by the rules)")],
)
def test_value_choices_are_radio_groups_escaped_in_the_page_language(
    language: str, legend: str, rule: str
) -> None:
    html = render_review_report("run-1", _choice_groups(), language=language)
    fieldset = re.search(
        r'<fieldset class="choice" data-field="name"[^>]*>.*?</fieldset>', html, re.S
    )
    assert fieldset is not None
    text = fieldset.group(0)
    assert f"<legend>{legend}</legend>" in text and rule in text
    assert text.count('type="radio"') == 3  # the rule, left, right: one name, one group
    assert len(set(re.findall(r'name="([^"]+)"', text))) == 1
    assert 'data-silo="shop" data-source-id="2"' in text  # the record, not the value, is chosen
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Muster" in text
    assert review_labels(language)["choices_title"] in html


def test_dropped_value_choices_are_listed_on_top_in_the_page_language() -> None:
    from datetime import datetime

    from reports.review import DroppedChoice

    dropped = [
        DroppedChoice(
            "GA", "name", "shop:2", HOSTILE, datetime(2026, 12, 4, 9, 30), "value_changed"
        )
    ]
    german = render_review_report("run-1", (), dropped=dropped)
    assert "Verworfene Wertauswahl (1)" in german
    assert "GA, Name: die Auswahl von shop:2 (&lt;script&gt;" in german
    assert "04.12.2026 09:30 UTC) gilt nicht mehr – sein Wert hat sich seit der Prüfung" in german
    english = render_review_report("run-1", (), language="en", dropped=dropped)
    assert "its value changed since the review" in english
    assert "Verworfene" not in render_review_report("run-1", ())


REFUSED_CASES = [
    {
        "description": "a hard rule on one comparison reads as field and level",
        "reason": "conflict: birth_date:different",
        "de": "Widerspruch: Geburtsdatum verschieden",
        "en": "Conflict: Date of birth different",
    },
    {
        "description": "a coherence conflict has its own sentence",
        "reason": "conflict: different mobiles",
        "de": "Widerspruch: jeder mit eigener Mobilnummer, keine gemeinsam",
        "en": "Conflict: each with a mobile of their own, none shared",
    },
    {
        "description": "a rule on several levels and fields lists each",
        "reason": "conflict: gender:different & first_name:similar|unlike",
        "de": "Widerspruch: Geschlecht verschieden & Vorname ähnlich / "
        "abweichend (Tippfehler möglich)",
        "en": "Conflict: Gender different & First name similar / unlike (a typo may explain it)",
    },
    {
        "description": "a weak bridge is no conflict",
        "reason": "weak_link",
        "de": "nur eine schwache Verbindung zwischen den Gruppen",
        "en": "only a weak link between the groups",
    },
    {
        "description": "an unknown code is shown, not hidden",
        "reason": "conflict: newfield:odd",
        "de": "Widerspruch: newfield:odd",
        "en": "Conflict: newfield:odd",
    },
]


@pytest.mark.parametrize("case", REFUSED_CASES, ids=lambda case: case["description"])
def test_refused_merge_reason_in_the_page_language(case: dict[str, str]) -> None:
    from reports.review import refused_merge_text, review_labels

    for language in ("de", "en"):
        assert refused_merge_text(case["reason"], review_labels(language)) == case[language]


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_comparison_and_level_has_a_label(language: str) -> None:
    """The page shows labels, never the matcher's codes (opposite_sex, year_typo, …)."""
    from matching.comparisons import COMPARISONS
    from reports.review import review_labels

    labels = review_labels(language)
    missing = [
        key
        for comparison in COMPARISONS
        for key in (
            f"comparison_{comparison.name}",
            *(f"level_{level}" for level in comparison.levels),
        )
        if key not in labels
    ]
    assert missing == []
