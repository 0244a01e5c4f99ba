"""Objections win over later silo values unless a later opt-in proves itself; restrictions."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from matching.objections import FLAGS_SCHEMA, apply_objections, restricted_golden_ids

SINCE = date(2026, 6, 1)


def _records(consent: bool | None, when: date | None, source: str | None) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "silo": ["crm", "shop"],
            "source_id": ["1", "2"],
            "consent_email": [consent, True],
            "consent_email_date": [when, date(2026, 7, 1)],
            "consent_email_source": [source, "checkout"],
            "consent_post": [True, True],
            "consent_post_date": [None, None],
            "consent_post_source": [None, None],
        },
        schema_overrides={
            "consent_email": pl.Boolean,
            "consent_email_date": pl.Date,
            "consent_email_source": pl.String,
            "consent_post": pl.Boolean,
            "consent_post_date": pl.Date,
            "consent_post_source": pl.String,
        },
    )
    return frame


FLAGS = pl.DataFrame(
    [("crm", "1", "object", "email", SINCE), ("crm", "1", "restrict", None, SINCE)],
    schema=FLAGS_SCHEMA,
    orient="row",
)


@pytest.mark.parametrize(
    ("description", "consent", "when", "source", "expected"),
    [
        ("silo still says yes, undated", True, None, None, (False, SINCE, "Widerspruch")),
        (
            "silo says yes, dated before",
            True,
            date(2026, 1, 1),
            "form",
            (False, SINCE, "Widerspruch"),
        ),
        ("later yes without proof", True, date(2026, 7, 1), None, (False, SINCE, "Widerspruch")),
        (
            "later yes with proof",
            True,
            date(2026, 7, 1),
            "DOI form v3",
            (True, date(2026, 7, 1), "DOI form v3"),
        ),
        ("unknown", None, None, None, (False, SINCE, "Widerspruch")),
    ],
)
def test_objection_on_email(
    description: str,
    consent: bool | None,
    when: date | None,
    source: str | None,
    expected: tuple[object, ...],
) -> None:
    result = apply_objections(_records(consent, when, source), FLAGS)
    first = result.row(0, named=True)
    assert (
        first["consent_email"],
        first["consent_email_date"],
        first["consent_email_source"],
    ) == expected, description
    assert first["consent_post"] is True  # another channel: untouched
    assert result.row(1) == _records(consent, when, source).row(1)  # another record: untouched
    assert result.columns == _records(consent, when, source).columns


def test_restricted_golden_ids_follow_the_crosswalk() -> None:
    crosswalk = pl.DataFrame(
        {
            "silo": ["crm", "shop", "crm"],
            "source_id": ["1", "2", "3"],
            "golden_id": ["GA", "GA", "GB"],
        }
    )
    assert restricted_golden_ids(crosswalk, FLAGS) == ["GA"]
    assert restricted_golden_ids(crosswalk, FLAGS.filter(pl.col("kind") == "object")) == []


def test_an_overruled_opt_in_loses_its_text_and_confirmation() -> None:
    records = _records(True, date(2026, 1, 1), "form").with_columns(
        pl.Series("consent_email_text", ["Einwilligung v2", "Einwilligung v3"]),
        pl.Series("consent_email_confirmed_at", [datetime(2026, 1, 1, 9), None]),
    )
    result = apply_objections(records, FLAGS)
    first, second = result.row(0, named=True), result.row(1, named=True)
    assert (first["consent_email_source"], first["consent_email_text"]) == ("Widerspruch", None)
    assert first["consent_email_confirmed_at"] is None
    assert second["consent_email_text"] == "Einwilligung v3"  # no objection: kept
