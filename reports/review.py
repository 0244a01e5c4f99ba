"""The review report: uncertain pairs side by side for a reviewer, one self-contained HTML file.

``render_review_report`` lays out the review queue (flows.stages.review_queue) grouped by the
proposed golden record, largest records and weakest links first, with both records' fields
(differences marked) and each comparison's level and weight, the explanation of the score. The
page loads nothing (inline CSS and JS, a Content-Security-Policy that forbids fetching); every
value is escaped by Jinja's autoescape. Decisions are kept in the browser's localStorage and
exported as the JSON file `golden review apply` reads (flows.review). Labels: review_i18n.toml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from reports.rendering import labels_for, template_environment

_TEMPLATE: Final = "review.html.j2"

#: Record fields shown side by side, in this order.
FIELDS: Final = (
    "record_type",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "organisation_name",
    "birth_date",
    "street",
    "house_number",
    "postal_code",
    "city",
    "country",
    "emails",
    "phones",
    "vat_id",
    "updated_at",
)


@dataclass(frozen=True)
class FieldRow:
    """One field of a pair: both values and whether they differ."""

    name: str
    left: str
    right: str
    differs: bool


@dataclass(frozen=True)
class Explanation:
    """One comparison of a pair: its level (name) and weight."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True)
class ReviewPair:
    """One uncertain pair as the page shows it."""

    pair_id: str
    left_silo: str
    left_source_id: str
    right_silo: str
    right_source_id: str
    left_golden_id: str
    right_golden_id: str
    probability: float
    score: float
    pair_hash: str
    fields: tuple[FieldRow, ...]
    explanation: tuple[Explanation, ...]


@dataclass(frozen=True)
class ReviewGroup:
    """The pairs proposing to grow one golden record."""

    golden_id: str
    size: int
    pairs: tuple[ReviewPair, ...]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def review_groups(
    queue: pl.DataFrame,
    records: pl.DataFrame,
    pairs: pl.DataFrame,
    crosswalk: pl.DataFrame,
    level_names: Mapping[str, Sequence[str]],
) -> tuple[ReviewGroup, ...]:
    """Group the review queue by proposed golden record: large records and weak links first.

    ``queue``: review_queue frame; ``records``: cleaned records; ``pairs``: scored pairs with
    ``<comparison>_level`` and ``_weight``; ``crosswalk``: silo, source_id, golden_id;
    ``level_names``: comparison -> its level names (level -1 means a value is missing).
    """
    if queue.height == 0:
        return ()
    keyed = queue.with_columns(
        (pl.col("left_silo") + ":" + pl.col("left_source_id")).alias("left_key"),
        (pl.col("right_silo") + ":" + pl.col("right_source_id")).alias("right_key"),
    )
    weights = pairs.select("left_key", "right_key", *(f"{name}_weight" for name in level_names))
    keyed = keyed.join(weights, on=["left_key", "right_key"], how="left")
    wanted = set(keyed["left_key"].to_list()) | set(keyed["right_key"].to_list())
    shown = [name for name in FIELDS if name in records.columns]
    values = {
        row["record_key"]: row
        for row in records.filter(pl.col("record_key").is_in(list(wanted)))
        .select("record_key", *shown)
        .iter_rows(named=True)
    }
    sizes = dict(crosswalk.group_by("golden_id").len().iter_rows())
    grouped: dict[str, list[ReviewPair]] = {}
    for row in keyed.iter_rows(named=True):
        left, right = values.get(row["left_key"], {}), values.get(row["right_key"], {})
        fields = tuple(
            FieldRow(name, _text(left.get(name)), _text(right.get(name)), differs)
            for name in shown
            if _text(left.get(name)) or _text(right.get(name))
            for differs in [_text(left.get(name)) != _text(right.get(name))]
        )
        explanation = tuple(
            Explanation(
                name,
                "—"
                if level is None or level < 0
                else labels[level]
                if level < len(labels)
                else "?",
                round(float(row.get(f"{name}_weight") or 0.0), 2),
            )
            for name, labels in level_names.items()
            for level in [row.get(f"{name}_level")]
        )
        golden_id = min(row["left_golden_id"], row["right_golden_id"])
        grouped.setdefault(golden_id, []).append(
            ReviewPair(
                pair_id=f"{row['left_key']}|{row['right_key']}",
                left_silo=row["left_silo"],
                left_source_id=row["left_source_id"],
                right_silo=row["right_silo"],
                right_source_id=row["right_source_id"],
                left_golden_id=row["left_golden_id"],
                right_golden_id=row["right_golden_id"],
                probability=float(row["probability"]),
                score=float(row["score"]),
                pair_hash=row.get("pair_hash") or "",
                fields=fields,
                explanation=explanation,
            )
        )
    groups = [
        ReviewGroup(
            golden_id,
            sizes.get(golden_id, 0),
            tuple(sorted(members, key=lambda pair: (pair.probability, pair.pair_id))),
        )
        for golden_id, members in grouped.items()
    ]
    groups.sort(key=lambda group: (-group.size, group.pairs[0].probability, group.golden_id))
    return tuple(groups)


def review_labels(language: str) -> dict[str, str]:
    """Return the review page labels for ``language`` from review_i18n.toml."""
    return labels_for("review_i18n.toml", language, "review report")


def render_review_report(
    run_id: str, groups: Sequence[ReviewGroup], *, language: str = "de", project: str = ""
) -> str:
    """Return the review page of one run as a self-contained HTML document."""
    labels = review_labels(language)
    return (
        template_environment()
        .get_template(_TEMPLATE)
        .render(
            language=language,
            t=labels,
            run_id=run_id,
            project=project,
            groups=groups,
            total=sum(len(group.pairs) for group in groups),
        )
    )


def write_review_report(
    path: Path,
    run_id: str,
    groups: Sequence[ReviewGroup],
    *,
    language: str = "de",
    project: str = "",
) -> None:
    """Render the review page and write it to ``path`` as UTF-8."""
    html = render_review_report(run_id, groups, language=language, project=project)
    path.write_text(html, encoding="utf-8", newline="\n")
