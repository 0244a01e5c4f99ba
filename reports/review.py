"""The review report: uncertain pairs side by side for a reviewer, one self-contained HTML file.

``render_review_report`` lays out the review queue (flows.stages.review_queue) grouped by the
proposed golden record, largest records and weakest links first, with both records' fields
(differences marked) and each comparison's level and weight, the explanation of the score. The
page loads nothing (inline CSS and JS, a Content-Security-Policy that forbids fetching); every
value is escaped by Jinja's autoescape. Each group also lists the records of the golden records its
pairs touch, so a reviewer can move one member out of its golden record (flows.review stores that as
cannot-links to the other members, like `golden unmerge --member`). Decisions are kept in the
browser's localStorage and exported as the JSON file `golden review apply` reads (flows.review).
Where the two records of a pair differ in an attribute group survivorship takes from one record
(name, address, ...), the reviewer may choose the record it is taken from (``ValueChoice``): the
page exports the record and the fingerprint of its values (never the value), stored as a
survivorship override with the decision (matching.overrides). Labels: review_i18n.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from reports.rendering import format_number, labels_for, template_environment
from rules.canonical import record_hashes, record_key, record_key_of

_TEMPLATE: Final = "review.html.j2"

#: review_queue columns of a decision stored in an earlier night (matching.decisions.mark_decided).
DECIDED_COLUMNS: Final = ("stored_decision", "decided_by", "decided_at")

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
    "address_extra",
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
class ValueChoice:
    """An attribute group (``field``: name, address, ...) whose values differ between the two
    records of a pair: the reviewer may choose which one the golden record takes.

    ``*_hash``: the fingerprint of each side's values (matching.overrides.value_hashes), which
    the export carries instead of the value.
    """

    field: str
    left: str
    right: str
    left_hash: str
    right_hash: str
    #: "left" / "right": the side a stored override (applied in this run) chose, else ""
    stored_side: str = ""
    stored_by: str = ""
    stored_at: datetime | None = None


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
    #: why clustering refused this accepted pair's merge (review_queue ``refused_merge``), or ""
    refused_merge: str = ""
    #: the decision stored by `golden review apply` in an earlier night ("" if none), by whom, when
    stored_decision: str = ""
    decided_by: str = ""
    decided_at: str = ""
    #: attribute groups whose surviving value the reviewer may choose
    choices: tuple[ValueChoice, ...] = ()

    @property
    def merged(self) -> bool:
        """Both records are in one golden record already (rejecting splits it)."""
        return self.left_golden_id == self.right_golden_id


@dataclass(frozen=True)
class Member:
    """One source record of a golden record: its id, a one-line summary of its values and the
    fingerprint of those values (``record_hash``: a move-out is refused once they changed)."""

    silo: str
    source_id: str
    summary: str
    record_hash: str = ""

    @property
    def key(self) -> str:
        return record_key_of(self.silo, self.source_id)


@dataclass(frozen=True)
class Link:
    """A scored pair inside one golden record: what holds it together, and how strongly."""

    left: str
    right: str
    probability: float
    score: float


@dataclass(frozen=True)
class GoldenMembers:
    """The records of one golden record (as in the run's crosswalk), for moving one out, and
    the scored pairs between them, strongest first (at most LINKS_SHOWN)."""

    golden_id: str
    members: tuple[Member, ...]
    links: tuple[Link, ...] = ()


#: Links listed per golden record on the page (the strongest; a record of 30 has 435 pairs).
LINKS_SHOWN: Final = 12


@dataclass(frozen=True)
class ReviewGroup:
    """The pairs proposing to grow one golden record.

    ``golden_records``: every golden record of two or more records that the pairs touch, the
    group's own first; a member of one of them can be moved out of it.
    """

    golden_id: str
    size: int
    pairs: tuple[ReviewPair, ...]
    golden_records: tuple[GoldenMembers, ...] = ()

    @property
    def open_pairs(self) -> int:
        """Pairs without a stored decision."""
        return sum(not pair.stored_decision for pair in self.pairs)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, datetime):  # to the minute: seconds say nothing to a reviewer
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


#: How a chosen group reads on the page: its columns in reading order, and what goes before each
#: (the address as "Königstraße 117, 45127 Essen DE", the name first name first).
_READING_ORDER: Final = {
    "name": (("first_name", ""), ("last_name", " ")),
    "organisation": (("organisation_name", ""), ("legal_form", " ")),
    "address": (
        ("street", ""),
        ("house_number", " "),
        ("postal_code", ", "),
        ("city", " "),
        ("country", " "),
    ),
}


def _choice_text(row: Mapping[str, object], field: str, group: Sequence[str]) -> str:
    """One record's values of an attribute group on one line, in reading order."""
    order = [entry for entry in _READING_ORDER.get(field, ()) if entry[0] in group] or [
        (name, " ") for name in group
    ]
    text = ""
    for name, before in order:
        value = _text(row.get(name))
        if value:
            text += (before if text else "") + value
    return text


def _summary_expr(columns: Sequence[str]) -> pl.Expr:
    """Name, birth date, address and e-mails of one record on one line (a polars expression)."""

    def text(name: str) -> pl.Expr:
        if name not in columns:
            return pl.lit(None, dtype=pl.String)
        if name == "emails":
            return pl.col(name).list.join("; ")
        return pl.col(name).cast(pl.String)

    def words(*names: str) -> pl.Expr:
        joined = pl.concat_str([text(name) for name in names], separator=" ", ignore_nulls=True)
        return pl.when(joined == "").then(None).otherwise(joined)

    parts = [
        pl.coalesce(words("title", "first_name", "last_name"), words("organisation_name")),
        words("birth_date"),
        words("street", "house_number"),
        words("postal_code", "city"),
        words("emails"),
    ]
    return pl.concat_str(parts, separator=" · ", ignore_nulls=True)


def golden_members(
    golden_ids: Sequence[str],
    records: pl.DataFrame,
    crosswalk: pl.DataFrame,
    pairs: pl.DataFrame | None = None,
) -> dict[str, GoldenMembers]:
    """golden id -> its records with summaries, for the golden ids with two or more records.

    ``pairs`` (left_key, right_key, probability, score): the scored pairs, of which those
    inside one golden record are listed as its links.
    """
    members = (
        crosswalk.filter(pl.col("golden_id").is_in(list(golden_ids)))
        .select("golden_id", "silo", "source_id")
        .filter(pl.len().over("golden_id") >= 2)
        .with_columns(record_key(pl.col("silo"), pl.col("source_id")).alias("record_key"))
    )
    listed_records = records.filter(pl.col("record_key").is_in(members["record_key"].implode()))
    summaries = listed_records.select("record_key", _summary_expr(records.columns).alias("summary"))
    hashes = record_hashes(listed_records)
    listed: dict[str, list[Member]] = {}
    for golden_id, silo, source_id, key, summary in (
        members.join(summaries, on="record_key", how="left")
        .sort("golden_id", "silo", "source_id")
        .select("golden_id", "silo", "source_id", "record_key", pl.col("summary").fill_null(""))
        .iter_rows()
    ):
        digest = hashes.get(key, "")[:16]
        listed.setdefault(golden_id, []).append(Member(silo, source_id, summary, digest))
    links: dict[str, list[Link]] = {}
    if pairs is not None and {"probability", "score"} <= set(pairs.columns):
        golden_of = members.select("record_key", "golden_id")
        inside = (
            pairs.select("left_key", "right_key", "probability", "score")
            .join(golden_of.rename({"record_key": "left_key"}), on="left_key")
            .join(
                golden_of.rename({"record_key": "right_key", "golden_id": "__right"}),
                on="right_key",
            )
            .filter(pl.col("golden_id") == pl.col("__right"))
            .sort(
                ["golden_id", "probability", "left_key", "right_key"],
                descending=[False, True, False, False],
            )
            .group_by("golden_id", maintain_order=True)
            .head(LINKS_SHOWN)
        )
        for golden_id, left, right, probability, score in inside.select(
            "golden_id", "left_key", "right_key", "probability", "score"
        ).iter_rows():
            links.setdefault(golden_id, []).append(
                Link(left, right, float(probability), float(score))
            )
    return {
        golden_id: GoldenMembers(golden_id, tuple(items), tuple(links.get(golden_id, ())))
        for golden_id, items in listed.items()
    }


#: review_members.csv: the records review.html lists, with the fingerprint of their values.
MEMBERS_SCHEMA = {
    "golden_id": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "record_hash": pl.String(),
}


def member_fingerprints(groups: Sequence[ReviewGroup]) -> pl.DataFrame:
    """Every record listed in the groups once (MEMBERS_SCHEMA), sorted."""
    rows = {
        (record.golden_id, member.silo, member.source_id, member.record_hash)
        for group in groups
        for record in group.golden_records
        for member in record.members
    }
    return pl.DataFrame(sorted(rows), schema=MEMBERS_SCHEMA, orient="row")


#: review_values.csv: the fingerprints of the values review.html offers to choose from.
VALUES_SCHEMA = {
    "golden_id": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "field": pl.String(),
    "value_hash": pl.String(),
}


def value_fingerprints(groups: Sequence[ReviewGroup]) -> pl.DataFrame:
    """Every value offered for choosing once (VALUES_SCHEMA), sorted."""
    rows = {
        row
        for group in groups
        for pair in group.pairs
        for choice in pair.choices
        for row in (
            (
                pair.left_golden_id,
                pair.left_silo,
                pair.left_source_id,
                choice.field,
                choice.left_hash,
            ),
            (
                pair.right_golden_id,
                pair.right_silo,
                pair.right_source_id,
                choice.field,
                choice.right_hash,
            ),
        )
    }
    return pl.DataFrame(sorted(rows), schema=VALUES_SCHEMA, orient="row")


def review_groups(
    queue: pl.DataFrame,
    records: pl.DataFrame,
    pairs: pl.DataFrame,
    crosswalk: pl.DataFrame,
    level_names: Mapping[str, Sequence[str]],
    max_pairs: int = 0,
    *,
    field_groups: Mapping[str, Sequence[str]] | None = None,
    value_hashes: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    stored_choices: pl.DataFrame | None = None,
) -> tuple[ReviewGroup, ...]:
    """Group the review queue by proposed golden record: large records and weak links first.

    ``queue``: review_queue frame; ``records``: cleaned records; ``pairs``: scored pairs with
    ``<comparison>_level`` and ``_weight``; ``crosswalk``: silo, source_id, golden_id;
    ``level_names``: comparison -> its level names (level -1 means a value is missing).
    ``max_pairs`` (0: all): only the leading groups up to that many pairs (see first_groups),
    chosen before any pair is laid out. ``field_groups`` (survivorship's attribute groups) and
    ``value_hashes`` (records -> record_key, field, value_hash; called on the shown pairs'
    records only): where both records of a pair have a value of a group and the values differ,
    the pair offers a ValueChoice. ``stored_choices`` (matching.overrides.APPLIED_SCHEMA): the
    overrides this run applied; a choice naming one of them starts on that record.
    """
    if queue.height == 0:
        return ()
    queue = queue.with_columns(
        pl.lit(None, dtype=pl.String).alias(name)
        for name in DECIDED_COLUMNS
        if name not in queue.columns
    )
    sizes = dict(crosswalk.group_by("golden_id").len().iter_rows())
    group_of = pl.min_horizontal("left_golden_id", "right_golden_id")
    if max_pairs > 0:
        order = (
            queue.group_by(group_of.alias("golden_id"))
            .agg(
                pl.len().alias("pairs"),
                pl.col("probability").min().alias("weakest"),
                (pl.col("stored_decision").is_null().sum() == 0).alias("all_decided"),
            )
            .with_columns(
                pl.col("golden_id")
                .replace_strict(sizes, default=0, return_dtype=pl.Int64)
                .alias("size")
            )
            .sort(
                ["all_decided", "size", "weakest", "golden_id"],
                descending=[False, True, False, False],
            )
            .with_columns(pl.col("pairs").cum_sum().alias("through"))
        )
        # "through" only grows: this is the prefix first_groups would keep (never empty).
        kept = order.filter((pl.col("through") <= max_pairs) | (pl.int_range(pl.len()) == 0))
        queue = queue.filter(group_of.is_in(kept["golden_id"].implode()))
    keyed = queue.with_columns(
        (pl.col("left_silo") + ":" + pl.col("left_source_id")).alias("left_key"),
        (pl.col("right_silo") + ":" + pl.col("right_source_id")).alias("right_key"),
    )
    # The queue's pairs only (a semi join hashes the small side): a left join hashed all the
    # scored pairs, 1.5 GiB for 6 million of them.
    weights = pairs.join(
        keyed.select("left_key", "right_key"), on=["left_key", "right_key"], how="semi"
    ).select("left_key", "right_key", *(f"{name}_weight" for name in level_names))
    keyed = keyed.join(weights, on=["left_key", "right_key"], how="left")
    wanted = set(keyed["left_key"].to_list()) | set(keyed["right_key"].to_list())
    shown = [name for name in FIELDS if name in records.columns]
    grouped_columns = [
        name
        for group in (field_groups or {}).values()
        for name in group
        if name in records.columns and name not in shown
    ]
    values = {
        row["record_key"]: row
        for row in records.filter(pl.col("record_key").is_in(list(wanted)))
        .select("record_key", *shown, *dict.fromkeys(grouped_columns))
        .iter_rows(named=True)
    }
    hashes: dict[tuple[str, str], str] = {}
    if value_hashes is not None and field_groups:
        hashes = {
            (key, field): digest
            for key, field, digest in value_hashes(
                records.filter(pl.col("record_key").is_in(list(wanted)))
            )
            .select("record_key", "field", "value_hash")
            .iter_rows()
        }

    stored: dict[tuple[str, str], tuple[str, str, datetime | None]] = {}
    if stored_choices is not None:
        stored = {
            (key, field): (golden_id, reviewer, decided_at)
            for golden_id, field, key, reviewer, decided_at in stored_choices.select(
                "golden_id", "field", "record_key", "reviewer", "decided_at"
            ).iter_rows()
        }

    def choices(row: Mapping[str, object]) -> tuple[ValueChoice, ...]:
        left_key, right_key = str(row["left_key"]), str(row["right_key"])
        left, right = values.get(left_key, {}), values.get(right_key, {})
        found = []
        for field, group in (field_groups or {}).items():
            left_hash, right_hash = hashes.get((left_key, field)), hashes.get((right_key, field))
            if left_hash is None or right_hash is None or left_hash == right_hash:
                continue
            side, by, at = "", "", None
            for name, key in (("left", left_key), ("right", right_key)):
                golden_id, reviewer, decided_at = stored.get((key, field), ("", "", None))
                if golden_id and golden_id == row[f"{name}_golden_id"]:
                    side, by, at = name, reviewer, decided_at
            found.append(
                ValueChoice(
                    field,
                    _choice_text(left, field, group),
                    _choice_text(right, field, group),
                    left_hash,
                    right_hash,
                    side,
                    by,
                    at,
                )
            )
        return tuple(found)

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
                stored_decision=row.get("stored_decision") or "",
                decided_by=row.get("decided_by") or "",
                decided_at=str(row.get("decided_at") or ""),
                refused_merge=row.get("refused_merge") or "",
                choices=choices(row),
            )
        )
    touched = {
        golden_id: sorted(
            {pair.left_golden_id for pair in members} | {pair.right_golden_id for pair in members},
            key=lambda other: (other != golden_id, other),  # the group's own record first
        )
        for golden_id, members in grouped.items()
    }
    movable = golden_members(
        sorted({other for ids in touched.values() for other in ids}), records, crosswalk, pairs
    )
    groups = [
        ReviewGroup(
            golden_id,
            sizes.get(golden_id, 0),
            # open pairs first, weakest links first
            tuple(
                sorted(
                    members,
                    key=lambda pair: (bool(pair.stored_decision), pair.probability, pair.pair_id),
                )
            ),
            tuple(movable[other] for other in touched[golden_id] if other in movable),
        )
        for golden_id, members in grouped.items()
    ]
    groups.sort(
        key=lambda group: (
            group.open_pairs == 0,
            -group.size,
            min(pair.probability for pair in group.pairs),
            group.golden_id,
        )
    )
    return tuple(groups)


@dataclass(frozen=True)
class DroppedChoice:
    """A reviewer's value choice the run could no longer apply (matching.overrides)."""

    golden_id: str
    field: str
    record: str
    reviewer: str
    decided_at: datetime | None
    #: a code of matching.overrides.DROP_REASONS
    reason: str


def dropped_choices(dropped: pl.DataFrame | None) -> tuple[DroppedChoice, ...]:
    """The dropped overrides (matching.overrides.DROPPED_SCHEMA) as the page lists them."""
    if dropped is None:
        return ()
    return tuple(
        DroppedChoice(golden_id, field, f"{silo}:{source_id}", reviewer, decided_at, reason)
        for golden_id, field, silo, source_id, reviewer, decided_at, reason in dropped.select(
            "golden_id", "field", "silo", "source_id", "reviewer", "decided_at", "reason"
        ).iter_rows()
    )


#: review_overrides.csv: every reviewer value choice a run considered, and what became of it.
OVERRIDES_FILE_SCHEMA = {
    "golden_id": pl.String(),
    "field": pl.String(),
    "silo": pl.String(),
    "source_id": pl.String(),
    "reviewer": pl.String(),
    "decided_at": pl.Datetime("us"),
    "status": pl.String(),
    "reason": pl.String(),
}


def overrides_file(
    applied: pl.DataFrame | None, dropped: pl.DataFrame | None, labels: Mapping[str, str]
) -> pl.DataFrame:
    """review_overrides.csv (OVERRIDES_FILE_SCHEMA): applied and dropped choices, reasons in
    the run's language (``labels``: review_labels)."""
    parts = [pl.DataFrame(schema=OVERRIDES_FILE_SCHEMA)]
    if applied is not None and applied.height:
        record = pl.col("record_key").str.splitn(":", 2).struct
        parts.append(
            applied.select(
                "golden_id",
                "field",
                record.field("field_0").alias("silo"),
                record.field("field_1").alias("source_id"),
                "reviewer",
                "decided_at",
                pl.lit("applied").alias("status"),
                pl.lit(None, dtype=pl.String).alias("reason"),
            ).cast(OVERRIDES_FILE_SCHEMA)  # type: ignore[arg-type]
        )
    if dropped is not None and dropped.height:
        reasons = {
            key[len("drop_") :]: text for key, text in labels.items() if key.startswith("drop_")
        }
        parts.append(
            dropped.select(
                "golden_id",
                "field",
                "silo",
                "source_id",
                "reviewer",
                "decided_at",
                pl.lit("dropped").alias("status"),
                pl.col("reason").replace_strict(reasons, default=pl.col("reason")),
            ).cast(OVERRIDES_FILE_SCHEMA)  # type: ignore[arg-type]
        )
    return pl.concat(parts).sort("golden_id", "field", "status")


def refused_merge_text(reason: str, labels: Mapping[str, str]) -> str:
    """A refused merge's reason (matching.clustering) in the page's language.

    "conflict: birth_date:different" -> "Widerspruch: Geburtsdatum verschieden"; the fixed
    reasons ("different sex", "weak_link", …) have labels of their own (``refused_<reason>``);
    an unknown code is shown as it is rather than hidden.
    """
    prefix = "conflict: "
    conflict = reason.startswith(prefix)
    code = reason[len(prefix) :] if conflict else reason
    fixed = labels.get("refused_" + code.replace(" ", "_").replace(".", ""))
    if fixed is not None:
        text = fixed
    else:
        parts = []
        for condition in code.split(" & "):
            field, _, level = condition.partition(":")
            field_label = labels.get(f"comparison_{field}")
            level_label = " / ".join(
                labels.get(f"level_{one}", one.replace("_", " ")) for one in level.split("|")
            )
            parts.append(f"{field_label} {level_label}" if field_label else condition)
        text = " & ".join(parts)
    return f"{labels['refused_conflict']}: {text}" if conflict else text


def review_labels(language: str) -> dict[str, str]:
    """Return the review page labels for ``language`` from review_i18n.toml."""
    return labels_for("review_i18n.toml", language, "review report")


def first_groups(groups: Sequence[ReviewGroup], max_pairs: int) -> tuple[ReviewGroup, ...]:
    """The leading groups holding at most ``max_pairs`` pairs (at least one group; 0: all)."""
    if max_pairs <= 0:
        return tuple(groups)
    shown: list[ReviewGroup] = []
    count = 0
    for group in groups:
        if shown and count + len(group.pairs) > max_pairs:
            break
        shown.append(group)
        count += len(group.pairs)
    return tuple(shown)


def render_review_report(
    run_id: str,
    groups: Sequence[ReviewGroup],
    *,
    language: str = "de",
    project: str = "",
    max_pairs: int = 0,
    total_pairs: int | None = None,
    dropped: Sequence[DroppedChoice] = (),
) -> str:
    """Return the review page of one run as a self-contained HTML document.

    ``max_pairs`` (0: no limit) keeps the page usable when a run has thousands of uncertain
    pairs: the first groups (largest records, weakest links) up to that many pairs are shown,
    and the page says how many more are in review_queue.csv. ``total_pairs``: the size of the
    whole review queue when ``groups`` were already cut (review_groups' max_pairs).
    ``dropped``: reviewers' value choices this run could no longer apply, listed on top.
    """
    labels = review_labels(language)

    def dropped_line(choice: DroppedChoice) -> str:
        when = f"{choice.decided_at:{labels['datetime_format']}} UTC" if choice.decided_at else "?"
        return (
            labels["override_dropped"]
            .replace("{golden_id}", choice.golden_id)
            .replace("{field}", labels.get(f"group_{choice.field}", choice.field))
            .replace("{record}", choice.record)
            .replace("{reviewer}", choice.reviewer)
            .replace("{when}", when)
            .replace("{reason}", labels.get(f"drop_{choice.reason}", choice.reason))
        )

    shown = first_groups(groups, max_pairs)

    def number(value: float, digits: int = 0, signed: bool = False) -> str:
        return format_number(value, digits, language, signed=signed)

    def stored(pair: ReviewPair) -> str:
        """ "merged – Erika Muster, 04.12.2026 03:50 UTC (already applied)", or ""."""
        if not pair.stored_decision:
            return ""
        try:
            moment = datetime.fromisoformat(pair.decided_at)
            when = f"{moment:{labels['datetime_format']}} UTC"
        except ValueError:
            when = pair.decided_at
        decision = labels[
            "decided_approve" if pair.stored_decision == "approve" else "decided_reject"
        ]
        return (
            labels["stored"]
            .replace("{decision}", decision)
            .replace("{reviewer}", pair.decided_by or "?")
            .replace("{when}", when)
        )

    def chosen_before(choice: ValueChoice) -> str:
        """ "gewählt von Erika Muster, 04.12.2026 09:30 UTC (gilt)", or ""."""
        if not choice.stored_side:
            return ""
        when = f"{choice.stored_at:{labels['datetime_format']}} UTC" if choice.stored_at else "?"
        return (
            labels["choice_stored"].replace("{reviewer}", choice.stored_by).replace("{when}", when)
        )

    total = max(sum(len(group.pairs) for group in groups), total_pairs or 0)
    count = sum(len(group.pairs) for group in shown)
    separator = "." if language == "de" else ","  # 1.000 / 1,000
    return (
        template_environment()
        .get_template(_TEMPLATE)
        .render(
            language=language,
            t=labels,
            run_id=run_id,
            project=project,
            groups=shown,
            total=count,
            number=number,
            stored=stored,
            chosen_before=chosen_before,
            refused_text=lambda reason: refused_merge_text(reason, labels),
            dropped=[dropped_line(choice) for choice in dropped],
            truncated=labels["truncated"]
            .replace("{shown}", f"{count:,}".replace(",", separator))
            .replace("{total}", f"{total:,}".replace(",", separator))
            if count < total
            else "",
        )
    )


def write_review_report(
    path: Path,
    run_id: str,
    groups: Sequence[ReviewGroup],
    *,
    language: str = "de",
    project: str = "",
    max_pairs: int = 0,
    total_pairs: int | None = None,
    dropped: Sequence[DroppedChoice] = (),
) -> None:
    """Render the review page and write it to ``path`` as UTF-8."""
    html = render_review_report(
        run_id,
        groups,
        language=language,
        project=project,
        max_pairs=max_pairs,
        total_pairs=total_pairs,
        dropped=dropped,
    )
    path.write_text(html, encoding="utf-8", newline="\n")
