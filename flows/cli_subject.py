"""`golden subject …`: data-subject requests (DSGVO Art. 15, 17) for stewards, as a typer sub-app.

Thin commands: parse, call one function of flows.subject, render. Values of the person are shown
on the steward's terminal (they must confirm the identity) and never logged. Messages are printed
with markup off, so `[privacy] salt_file` keeps its brackets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_common import friendly, load_config
from rules.errors import GoldenError

subject_app = typer.Typer(
    help="Data-subject requests (DSGVO): find, export (Art. 15), erase (Art. 17), status.",
    no_args_is_help=True,
)
# Markup off: values and messages are printed as written (a "[/]" in a name must not vanish).
console = Console(markup=False, highlight=False)


ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="golden.toml to use.")]


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise GoldenError(f"{option} {text!r}: write the date as YYYY-MM-DD") from None


@subject_app.command("find")
@friendly
def find(
    query: Annotated[
        str, typer.Argument(help="Golden id, silo:source_id, e-mail, phone or 'name postal code'.")
    ],
    config: ConfigOption = Path("golden.toml"),
) -> None:
    """List the golden records a query finds, with every source record behind them."""
    from flows.subject import find_subjects

    with console.status("reading the silos"):
        matches = find_subjects(load_config(config), query)
    if not matches:
        console.print(f"no record matches {query!r}", markup=False, highlight=False)
        return
    for match in matches:
        title = (
            f"golden id {match.golden_id}"
            if match.golden_id
            else "records in no golden record (quarantined or new since the last run)"
        )
        if match.erased_by:
            title += f" — erased (request {match.erased_by})"
        table = Table(
            "silo", "source id", "name", "address", "e-mail", "phone", "born", title=title
        )
        for row in match.records.iter_rows(named=True):
            name = " ".join(
                part
                for part in (row["first_name"], row["last_name"], row["organisation_name"])
                if part
            )
            address = " ".join(
                str(part)
                for part in (row["street"], row["house_number"], row["postal_code"], row["city"])
                if part
            )
            table.add_row(
                row["silo"],
                row["source_id"],
                name if row["last_name"] or row["organisation_name"] else "(not in the silo now)",
                address,
                ", ".join(row["emails"] or []),
                ", ".join(row["phones"] or []),
                str(row["birth_date"] or ""),
            )
        console.print(table)
    persons = sum(1 for match in matches if match.golden_id)
    if persons > 1:
        console.print(
            f"{persons} persons match — confirm the identity and act on one golden id",
            markup=False,
        )


@subject_app.command("erase")
@friendly
def erase(
    subject: Annotated[str, typer.Argument(help="Golden id (or a query naming one person).")],
    reason: Annotated[str, typer.Option(help="Why (audit entry; no personal data).")],
    requested_at: Annotated[str, typer.Option(help="Date of the request, YYYY-MM-DD.")],
    config: ConfigOption = Path("golden.toml"),
    by: Annotated[str | None, typer.Option(help="Who erases (audit); default: login name.")] = None,
) -> None:
    """Erase a person: silo tasks, tombstone, state and published files; audit entry."""
    from flows.subject import GOLDEN_ID, erase_subject, one_subject

    settings = load_config(config)
    requested = _date(requested_at, "--requested-at")
    with console.status("erasing"):
        golden_id = subject if GOLDEN_ID.fullmatch(subject) else one_subject(settings, subject)
        result = erase_subject(
            settings, golden_id, reason=reason, requested_at=requested, erased_by=by
        )
    erasure = result.erasure
    table = Table("silo", "source id", "owner", title=f"erasure {erasure.request_ref}: silo tasks")
    for row in result.tasks.iter_rows(named=True):
        table.add_row(row["silo"], row["source_id"], row["owner"])
    console.print(table)
    changed = [path for path, rows in result.scrubbed.items() if rows]
    lines = [
        f"request {erasure.request_ref}: {golden_id} erased, {erasure.records} source record(s) in "
        f"{len(erasure.silos)} silo(s); tombstone of {result.tombstone_keys} salted key(s)",
        f"tasks for the silo owners: {result.folder / 'tasks.csv'} (and tasks.json)",
        f"published files cleaned: {len(changed)}",
        "CRM profiles told in their next delta export: " + (", ".join(erasure.profiles) or "none"),
        f"when a silo owner has deleted: golden subject confirm {erasure.request_ref} --silo NAME",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)


@subject_app.command("status")
@friendly
def status(
    request_ref: Annotated[str, typer.Argument(help="Erasure request reference (E…).")],
    config: ConfigOption = Path("golden.toml"),
) -> None:
    """Show an erasure's audit entry, which silos confirmed, and records seen again since."""
    from flows.subject import erasure_status

    state = erasure_status(load_config(config), request_ref)
    erasure = state.erasure
    for label, value in (
        ("request", erasure.request_ref),
        ("golden id", erasure.golden_id),
        ("requested", erasure.requested_at.isoformat()),
        ("erased", f"{erasure.erased_at:%Y-%m-%d %H:%M} UTC by {erasure.erased_by}"),
        ("reason", erasure.reason),
        ("CRM profiles told", ", ".join(erasure.profiles) or "none"),
    ):
        console.print(f"{label:>18}: {value}", markup=False, highlight=False)
    table = Table("silo", "owner", "state", title="silos")
    owners = dict(state.tasks.select("silo", "owner").unique("silo").iter_rows())
    for silo, text in state.silos().items():
        table.add_row(silo, owners.get(silo) or "", text)
    console.print(table)
    if state.hits.height:
        seen = Table("silo", "source id", "run", title="records seen again (quarantined)")
        for row in state.hits.iter_rows(named=True):
            seen.add_row(row["silo"], row["source_id"], row["run_id"])
        console.print(seen)


@subject_app.command("confirm")
@friendly
def confirm(
    request_ref: Annotated[str, typer.Argument(help="Erasure request reference (E…).")],
    silo: Annotated[str, typer.Option(help="The silo whose owner deleted the records.")],
    config: ConfigOption = Path("golden.toml"),
    by: Annotated[str | None, typer.Option(help="Who confirms (audit).")] = None,
) -> None:
    """Record that a silo owner deleted the records of an erasure request."""
    from flows.subject import confirm_erasure

    count = confirm_erasure(load_config(config), request_ref, silo, by)
    console.print(f"request {request_ref}: {count} task(s) of silo {silo} confirmed", markup=False)


@subject_app.command("export")
@friendly
def export(
    subject: Annotated[str, typer.Argument(help="Golden id (or a query naming one person).")],
    out: Annotated[Path, typer.Option(help="Folder for access_<id>.json and .html.")],
    config: ConfigOption = Path("golden.toml"),
) -> None:
    """Access request (Art. 15): everything held about a person, as JSON and a printable page."""
    from flows.subject import export_subject

    with console.status("collecting"):
        json_path, html_path = export_subject(load_config(config), subject, out)
    console.print(f"wrote {json_path} and {html_path}", markup=False, highlight=False)


@subject_app.command("restrict")
@friendly
def restrict(
    subject: Annotated[str, typer.Argument(help="Golden id (or a query naming one person).")],
    requested_at: Annotated[str, typer.Option(help="Date of the request, YYYY-MM-DD.")],
    reason: Annotated[str | None, typer.Option(help="Why (no personal data).")] = None,
    lift: Annotated[bool, typer.Option("--lift", help="End the restriction.")] = False,
    config: ConfigOption = Path("golden.toml"),
    by: Annotated[str | None, typer.Option(help="Who records it; default: login name.")] = None,
) -> None:
    """Restrict processing (Art. 18): the person stays, but no CRM export includes them."""
    from flows.subject import flag_subject, lift_subject_restriction

    settings = load_config(config)
    if lift:
        count = lift_subject_restriction(settings, subject)
        console.print(f"{subject}: restriction lifted ({count} record(s))", markup=False)
        return
    golden_id, records = flag_subject(
        settings,
        subject,
        kind="restrict",
        since=_date(requested_at, "--requested-at"),
        reason=reason,
        recorded_by=by,
    )
    console.print(
        f"{golden_id}: {records} record(s) restricted — left out of every CRM export from now on",
        markup=False,
    )


@subject_app.command("object")
@friendly
def object_(
    subject: Annotated[str, typer.Argument(help="Golden id (or a query naming one person).")],
    channel: Annotated[str, typer.Option(help="email, post, phone or all.")],
    requested_at: Annotated[str, typer.Option(help="Date of the objection, YYYY-MM-DD.")],
    reason: Annotated[str | None, typer.Option(help="Note (no personal data).")] = None,
    config: ConfigOption = Path("golden.toml"),
    by: Annotated[str | None, typer.Option(help="Who records it; default: login name.")] = None,
) -> None:
    """Objection to marketing (Art. 21): consent false on the channel, source "Widerspruch"."""
    from flows.subject import flag_subject
    from rules.canonical import CONSENT_CHANNELS

    channels = tuple(CONSENT_CHANNELS) if channel == "all" else (channel,)
    if not set(channels) <= set(CONSENT_CHANNELS):
        raise GoldenError(f"--channel {channel!r}: use email, post, phone or all")
    golden_id, records = flag_subject(
        load_config(config),
        subject,
        kind="object",
        channels=channels,
        since=_date(requested_at, "--requested-at"),
        reason=reason,
        recorded_by=by,
    )
    console.print(
        f"{golden_id}: objection to {', '.join(channels)} recorded for {records} record(s) — "
        "the next run sets consent to false (Widerspruch)",
        markup=False,
    )


retention_app = typer.Typer(
    help="Retention periods ([retention]): turn due records into deletion tasks.",
    no_args_is_help=True,
)


@retention_app.command("apply")
@friendly
def retention_apply(
    config: ConfigOption = Path("golden.toml"),
    by: Annotated[
        str | None, typer.Option(help="Who applies (audit); default: login name.")
    ] = None,
) -> None:
    """Deletion tasks per silo owner for every record the latest run found due."""
    from flows.retention import apply_retention

    erasure, folder = apply_retention(load_config(config), by)
    console.print(
        f"request {erasure.request_ref}: {erasure.records} record(s) due in "
        f"{', '.join(erasure.silos)} — tasks in {folder / 'tasks.csv'}; "
        f"`golden subject status {erasure.request_ref}` shows which silos confirmed",
        markup=False,
        highlight=False,
    )
