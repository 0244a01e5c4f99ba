"""The `golden` command: thin subcommands that parse arguments, call one function, render.

Every expected failure (GoldenError) and every fault of the machine (a read-only or full disk,
a database that stops answering: flows.faults) is printed as one red line and exits with status
2; no traceback reaches the user for problems they can fix. Rich markup is off on both consoles:
messages name `[section.key]`, which markup would swallow.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

import flows  # noqa: F401  (turns telemetry off before Prefect is imported)
from flows.cli_common import friendly, load_config, print_error
from flows.cli_subject import retention_app, subject_app
from rules.errors import GoldenError

if TYPE_CHECKING:
    from matching.blocking_estimate import BlockingEstimate

app = typer.Typer(
    name="golden",
    help="golden-records: customer-data quality and deduplication for DACH silos.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: no Python type names (<str>, <path>), and "[export]" in a help text is not
    # taken for rich markup.
    rich_markup_mode=None,
)
console = Console(markup=False, highlight=False)


def _plain_type(self: typer.core.TyperArgument | typer.core.TyperOption, ctx: object) -> str:
    """An option's value as a word (PROFILE, CONFIG), as click writes it: Typer 0.29 shows
    Python type names (<str>, <path>) there, which mean nothing to a data steward."""
    if isinstance(self, typer.core.TyperArgument):
        return ""  # the argument's name is already shown
    return (self.name or "value").upper()


for _parameter in (typer.core.TyperArgument, typer.core.TyperOption):
    _parameter.display_type = _plain_type  # type: ignore[assignment,method-assign]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"golden-records {version('golden-records')}", markup=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """golden-records: customer-data quality and deduplication for DACH silos.

    Example: golden run --config golden.toml
    """


ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="golden.toml to use.", show_default=True)
]


@app.command()
@friendly
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter file.")] = Path(
        "golden.toml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter golden.toml.

    Example: golden init golden.toml
    """
    if path.exists() and not force:
        raise GoldenError(f"{path} exists already — use --force to overwrite it")
    from rules.config import starter_text

    path.write_text(starter_text(), encoding="utf-8")
    console.print(f"wrote {path} — edit the silos, then run `golden check-config {path}`")


@app.command("check-config")
@friendly
def check_config(
    path: Annotated[Path, typer.Argument(help="golden.toml to validate.")],
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the checks that connect to databases.")
    ] = False,
) -> None:
    """Validate a golden.toml: schema, files, ${VARS}, date formats, databases; list its silos.

    Example: golden check-config golden.toml
    """
    from flows.checks import config_checks

    config = load_config(path)
    table = Table("silo", "connector", "source", "trust rank", "mapped fields")
    for silo in config.enabled_silos():
        table.add_row(
            silo.name,
            silo.connector,
            silo.path or silo.url or "",
            str(silo.trust_rank),
            str(len(silo.mapping)),
        )
    console.print(table)
    problems = [check for check in config_checks(config, offline=offline) if not check.ok]
    for check in problems:
        print_error(check.detail)
    if problems:
        raise typer.Exit(2)
    console.print(
        f"{path}: valid — output goes to {config.output_dir}", style="green", soft_wrap=True
    )


@app.command()
@friendly
def doctor(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="golden.toml to check as well.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the checks that connect to servers.")
    ] = False,
) -> None:
    """Check this machine: Python, packages, Prefect server, state store, silos, disk, chromium."""
    from flows.checks import doctor_checks

    if config is None and Path("golden.toml").is_file():
        config = Path("golden.toml")
    checks = doctor_checks(load_config(config) if config else None, offline=offline)
    for check in checks:
        console.print(
            Text.assemble(
                ("ok     " if check.ok else "problem", "green" if check.ok else "bold red"),
                f"  {check.name}: {check.detail}",
            ),
            soft_wrap=True,
        )
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@app.command()
@friendly
def run(
    config: ConfigOption = Path("golden.toml"),
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Recompute all candidate pairs and the match weights instead of comparing "
            "only new and changed records.",
        ),
    ] = False,
    new_state: Annotated[
        bool,
        typer.Option(
            "--new-state",
            help="Start a new state store although run folders exist (loses reviewer "
            "decisions and golden-id history; `golden state restore` brings a backup back).",
        ),
    ] = False,
) -> None:
    """Run the nightly flow once (no Prefect server needed) and print a summary."""
    load_config(config)  # fail fast with a clear message before anything starts
    summary = run_flow(config, full=full, new_state=new_state)
    print_summary(summary)
    matching = summary.get("matching")
    if isinstance(matching, dict):
        line = f"{'matching':>18}: {matching['mode']} ({matching['reason']})"
        console.print(line, markup=False, highlight=False)


def run_flow(config: Path, full: bool = False, new_state: bool = False) -> dict[str, object]:
    """Run the pipeline and return its summary.

    With PREFECT_API_URL set the run is a Prefect flow run on that server (logs, UI); with
    ``[project] executor = "dask"`` too (on a temporary Prefect server when none is set:
    prefect-dask's task runner needs a flow run). Otherwise the stages run as plain calls in
    this process, with progress on stderr (flows.progress): no temporary Prefect server to
    start (about 20 s), the run is recorded in the state store all the same.
    """
    loaded = load_config(config)
    api = os.environ.get("PREFECT_API_URL")
    if api or loaded.project.executor == "dask":
        from flows.logs import quiet_expected_failures
        from flows.schedule import api_healthy

        if api and not api_healthy(api):
            raise GoldenError(
                f"PREFECT_API_URL={api} does not answer — start that Prefect server, or unset "
                f"PREFECT_API_URL to run without one"
            )
        from flows.nightly import run_nightly

        try:
            with quiet_expected_failures():
                return run_nightly(str(config.resolve()), full=full, new_state=new_state)
        except RuntimeError as exc:
            # Prefect's temporary server (no PREFECT_API_URL) did not come up: one line, no trace.
            if api or "ephemeral Prefect API server" not in str(exc):
                raise
            raise GoldenError(
                f'{config}: executor = "dask" runs the flow on a temporary Prefect server, which '
                f"did not start — start one (`prefect server start`) and set PREFECT_API_URL, "
                f'or set [project] executor = "local"'
            ) from None
    from flows.pipeline import run_pipeline
    from flows.progress import ProgressRunner

    _log_warnings()
    result = run_pipeline(loaded, ProgressRunner(), full=full, new_state=new_state)
    return result.outputs.summary_dict()


class _WarningsToStderr(logging.Handler):
    """Warnings and errors to whatever sys.stderr is when they happen (a test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


def _log_warnings() -> None:
    """Show the pipeline's warnings (data quality, retries, aborted runs) on stderr.

    The level is the handler's, not the logger's: callers that capture DEBUG keep getting it.
    """
    logger = logging.getLogger("golden")
    if not any(isinstance(handler, _WarningsToStderr) for handler in logger.handlers):
        logger.addHandler(_WarningsToStderr())


def print_summary(summary: dict[str, object]) -> None:
    """Render a run summary (summary.json content) as a small table."""
    from reports.summary import RunSummary

    run = RunSummary.from_dict(summary)
    table = Table("silo", "rows read", "quarantined", "records", title=f"run {run.run_id}")
    for silo in run.silos:
        table.add_row(silo.name, str(silo.rows_read), str(silo.quarantined), str(silo.records))
    console.print(table)
    for label, count in (
        ("golden records", run.golden_records),
        ("duplicates merged", run.duplicates_merged),
        ("pairs for review", run.review_pairs),
        ("stale flagged", run.stale_flagged),
    ):
        console.print(f"{label:>18}: {count}")


@app.command()
@friendly
def dedupe(
    file: Annotated[Path, typer.Argument(help="CSV, Excel, JSON or Parquet file.", metavar="FILE")],
    out: Annotated[
        Path,
        typer.Option(help="Folder for the results (created if missing).", metavar="FOLDER"),
    ] = Path("dubletten"),
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Column that identifies a row (e.g. Kundennr); without it the row number is "
            "the id.",
            metavar="COLUMN",
        ),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            help="Override an inferred role, e.g. --role Notiz=ignore or --role Wohnort=city.",
            metavar="COLUMN=ROLE",
        ),
    ] = None,
    country: Annotated[
        str, typer.Option(help="Country of records without one (DE, AT, CH).", metavar="CODE")
    ] = "DE",
    encoding: Annotated[
        str, typer.Option(help="Text encoding (utf-8, cp1252) or auto.", metavar="NAME")
    ] = "auto",
    delimiter: Annotated[
        str, typer.Option(help='CSV delimiter (";", ",") or auto.', metavar="CHAR")
    ] = "auto",
    hard_rules: Annotated[
        bool,
        typer.Option(
            "--hard-rules/--no-hard-rules",
            help="Apply the default hard rules (different first names or birth dates never match).",
        ),
    ] = True,
    dq: Annotated[
        bool, typer.Option("--dq/--no-dq", help="Also run the DQ rules (great-expectations).")
    ] = False,
    explain_blocking: Annotated[
        bool,
        typer.Option(
            "--explain-blocking",
            help="Only estimate the candidate pairs of each blocking rule, then exit.",
        ),
    ] = False,
    all_pairs: Annotated[
        bool,
        typer.Option(
            "--all-pairs",
            help="pairs.parquet with every scored candidate pair (default: the pairs merged, "
            "reviewed or weighed by clustering, and a 1 % sample of the others).",
        ),
    ] = False,
) -> None:
    """De-duplicate one customer list: your file back with a duplicate-group column.

    Writes <name>_Dubletten.<ext> (your file unchanged plus Dubletten_Gruppe, Golden_ID,
    Sicherheit; same delimiter, encoding and format) and golden.csv, crosswalk.csv ... into
    the output folder.

    Example: golden dedupe kunden.csv --out ergebnis
    """
    from flows.dedupe import dedupe_file

    overrides = {}
    for item in role or []:
        column, separator, value = item.partition("=")
        if not separator or not column or not value:
            raise GoldenError(f"--role {item!r}: write it as COLUMN=ROLE")
        overrides[column] = value
    if explain_blocking:
        from flows.dedupe import explain_blocking as estimate

        with console.status(f"estimating blocking of {file.name}"):
            found = estimate(
                file,
                id_column,
                overrides=overrides,
                country=country,
                encoding=encoding,
                delimiter=delimiter,
            )
        console.print(blocking_table(found))
        for rule in found.rules:
            if rule.adjustment is not None:
                console.print(rule.adjustment.describe(), markup=False, highlight=False)
        return
    # Each stage shows its own progress (flows/progress.py), not one spinner for the whole run.
    console.print(f"de-duplicating {file.name}", markup=False, highlight=False)
    outcome = dedupe_file(
        file,
        id_column,
        out,
        overrides=overrides,
        country=country,
        encoding=encoding,
        delimiter=delimiter,
        hard_rules=hard_rules,
        dq_checks=dq,
        all_pairs=all_pairs,
    )
    roles = Table("role", "column(s)", title="column roles")
    for field, columns in outcome.roles.items():
        shown = ", ".join(columns) if isinstance(columns, list) else columns
        roles.add_row(field, "(row number)" if shown == "_row_number" else shown)
    if outcome.unused_columns:
        roles.add_row("(not used)", ", ".join(outcome.unused_columns))
    console.print(roles)
    if outcome.row_number_ids:
        console.print(
            "No --id column given: the row number is the id (1 = first row below the header).",
            markup=False,
        )
    print_summary(outcome.result.summary.to_dict())
    console.print(f"all outputs: {out}", markup=False)
    if outcome.annotated is not None:
        console.print(f"Open this file: {outcome.annotated}", markup=False, soft_wrap=True)
        console.print(
            "(your rows unchanged plus Dubletten_Gruppe, Golden_ID, Sicherheit; sort by "
            "Dubletten_Gruppe to see the duplicates together)",
            markup=False,
        )


def blocking_table(estimate: BlockingEstimate) -> Table:
    """The blocking estimate as a table: pairs, blocks and the largest blocks per rule."""
    table = Table(
        "rule",
        "records",
        "blocks",
        "pairs",
        "largest blocks",
        "oversized (records)",
        "pairs skipped",
        "after split/cap",
        title=f"estimated candidate pairs, {estimate.records:,} records "
        f"(blocks above {estimate.max_block_size:,} records are not paired)",
    )
    for rule in sorted(estimate.rules, key=lambda rule: -rule.pairs):
        oversized = f"{rule.oversized_blocks:,} ({rule.oversized_records:,})"
        table.add_row(
            rule.rule,
            f"{rule.records:,}",
            f"{rule.blocks:,}",
            f"{rule.pairs:,}",
            ", ".join(f"{size:,}" for size in rule.largest_blocks),
            oversized,
            f"{rule.skipped_pairs:,}",
            f"{rule.planned_pairs:,}" if rule.adjustment else "",
        )
    table.add_section()
    table.add_row("all rules (at most)", "", "", f"{estimate.union_bound:,}", "", "", "", "")
    table.add_row("without blocking", "", "", f"{estimate.all_pairs:,}", "", "", "", "")
    return table


@app.command()
@friendly
def serve(
    config: ConfigOption = Path("golden.toml"),
    cron: Annotated[
        str, typer.Option(help="When to run (cron, server's local time).")
    ] = "0 2 * * *",
    name: Annotated[str, typer.Option(help="Deployment name.")] = "nightly",
    port: Annotated[
        int, typer.Option(help="Port of the Prefect server started when PREFECT_API_URL is unset.")
    ] = 4200,
) -> None:
    """Schedule the flow (default nightly at 02:00) and keep serving it until stopped."""
    from flows.schedule import serve_nightly

    load_config(config)
    serve_nightly(config.resolve(), cron=cron, name=name, console=console, port=port)


@app.command()
@friendly
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo silos and outputs.")],
    persons: Annotated[int, typer.Option(min=10, help="Number of true person entities.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 42,
    no_run: Annotated[bool, typer.Option("--no-run", help="Only write the data.")] = False,
) -> None:
    """Write a realistic DACH multi-silo demo data set with ground truth, then run the flow.

    Example: golden demo demo-data --persons 2000
    """
    from flows.demo import write_demo

    directory.mkdir(parents=True, exist_ok=True)
    with console.status("writing demo silos"):
        write_demo(directory, persons=persons, seed=seed)
    console.print(f"wrote demo silos, truth.csv and golden.toml into {directory}")
    if no_run:
        return
    started = time.perf_counter()
    summary = run_flow(directory / "golden.toml")
    print_summary(summary)
    console.print(f"flow wall time: {time.perf_counter() - started:.1f} s")
    _print_evaluation(
        directory / "truth.csv", directory / "out" / "latest" / "crosswalk.csv", False
    )
    console.print(f"outputs: {directory / 'out' / 'latest'}")


@app.command()
@friendly
def evaluate(
    truth: Annotated[Path, typer.Option(help="CSV with silo,source_id,entity_id.")],
    crosswalk: Annotated[Path, typer.Option(help="CSV with silo,source_id,golden_id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Pairwise and B-cubed precision, recall and F1 of a crosswalk against ground truth.

    Example: golden evaluate --truth truth.csv --crosswalk out/latest/crosswalk.csv
    """
    _print_evaluation(truth, crosswalk, as_json)


def _print_evaluation(truth: Path, crosswalk: Path, as_json: bool) -> None:
    from flows.files import read_id_table
    from matching.evaluate import evaluate as score

    try:
        result = score(
            read_id_table(truth, ("silo", "source_id", "entity_id")),
            read_id_table(crosswalk, ("silo", "source_id", "golden_id")),
        )
    except ValueError as exc:
        raise GoldenError(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n")
        return
    table = Table("measure", "precision", "recall", "F1", title="evaluation against truth")
    table.add_row("pairwise", f"{result.precision:.4f}", f"{result.recall:.4f}", f"{result.f1:.4f}")
    table.add_row(
        "B-cubed",
        f"{result.bcubed_precision:.4f}",
        f"{result.bcubed_recall:.4f}",
        f"{result.bcubed_f1:.4f}",
    )
    console.print(table)


@app.command()
@friendly
def runs(config: ConfigOption = Path("golden.toml"), limit: int = 20) -> None:
    """List recent runs from the state store."""
    from flows.state import StateStore

    store = StateStore.open(load_config(config).state_url)
    store.mark_aborted_runs()  # a killed run is not "running" forever
    table = Table("run", "started (UTC)", "status", "golden records", "error")
    for record in store.list_runs(limit):
        table.add_row(
            record.run_id,
            f"{record.started_at:%Y-%m-%d %H:%M:%S}",
            record.status,
            str(record.counts.get("golden_records", "")),
            (record.error or "")[:80],
        )
    store.close()
    console.print(table)


@app.command()
@friendly
def export(
    profile: Annotated[
        str,
        typer.Option(
            help="salesforce, salesforce-person-accounts, hubspot, zoho, dynamics, pipedrive, "
            "generic, or listenprivileg (postal list of persons without post consent, README "
            "Datenschutz)."
        ),
    ],
    config: ConfigOption = Path("golden.toml"),
    since: Annotated[
        str | None,
        typer.Option(help='"last" (since this profile\'s last export) or a run id; omit: all.'),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the files.")] = None,
    delimiter: Annotated[
        str | None, typer.Option(help='Field separator, ";" for German Excel ([export]).')
    ] = None,
    bom: Annotated[bool | None, typer.Option("--bom/--no-bom", help="UTF-8 BOM.")] = None,
    labels: Annotated[
        str | None,
        typer.Option(
            help="Header language where the CRM has no API name, and of IMPORT.md: en or de "
            "([export] labels)."
        ),
    ] = None,
) -> None:
    """Write CRM import files (upserts by golden_id, changes, merge map) for one profile.

    Example: golden export --profile salesforce --labels de --config golden.toml
    """
    from flows.export import export_profile

    with console.status(f"exporting {profile}"):
        result = export_profile(
            load_config(config),
            profile,
            since=since,
            out_dir=out,
            delimiter=delimiter,
            bom=bom,
            labels=labels,
        )
    table = Table("file", "rows", title=f"{result.profile} export of run {result.run_id}")
    for name, rows in result.files.items():
        table.add_row(name, str(rows))
    console.print(table)
    for name, counts in result.counts.items():
        console.print(f"{name:>14}: " + ", ".join(f"{key} {n}" for key, n in counts.items()))
    console.print(f"{result.since} — {result.folder} ({result.seconds:.1f} s)", markup=False)
    if result.rejected:
        console.print(
            f"{result.rejected} record(s) the CRM would refuse are not in the import files: "
            f"see rejected_{result.profile}.csv (reason per record)",
            markup=False,
        )
    else:
        console.print("0 records rejected: every record meets the CRM's required fields")
    if result.import_notes is not None:
        console.print(f"Set-up and import steps: {result.import_notes}", markup=False)


review_app = typer.Typer(
    help="Reviewer decisions on uncertain pairs (review.html).", no_args_is_help=True
)
app.add_typer(review_app, name="review")
app.add_typer(subject_app, name="subject")  # DSGVO requests: flows/cli_subject.py
app.add_typer(retention_app, name="retention")


@review_app.command("apply")
@friendly
def review_apply(
    file: Annotated[Path, typer.Argument(help="Decisions JSON from review.html, or a CSV.")],
    config: ConfigOption = Path("golden.toml"),
    reviewer: Annotated[
        str | None, typer.Option(help="Reviewer name (else the name in the file).")
    ] = None,
) -> None:
    """Validate a decisions file (pairs, move-outs, value choices) and store it; the next run
    honours it.

    Example: golden review apply review_decisions.json --config golden.toml
    """
    from flows.review import apply_decisions

    result = apply_decisions(load_config(config), file, reviewer=reviewer)
    console.print(
        f"stored {result.approved} approved and {result.rejected} rejected pair(s)"
        + (
            f" and {result.moved_out} member(s) moved out of their golden record"
            f" ({result.separations} cannot-link(s))"
            if result.moved_out
            else ""
        )
        + (
            f" and {result.values_chosen} value choice(s) for golden records"
            if result.values_chosen
            else ""
        )
        + f" from {file}"
        + (
            f" ({result.skipped_duplicates} repeated row(s) skipped)"
            if result.skipped_duplicates
            else ""
        )
        + " — the next run honours them"
    )


@app.command()
@friendly
def unmerge(
    golden_id: Annotated[str, typer.Argument(help="Golden id to split.")],
    member: Annotated[
        str | None,
        typer.Option(help="SILO:SOURCE_ID to split off; omit: cut the weakest link in two."),
    ] = None,
    config: ConfigOption = Path("golden.toml"),
    reviewer: Annotated[str, typer.Option(help="Who decides (audit trail).")] = "cli",
    reason: Annotated[str | None, typer.Option(help="Why (audit trail).")] = None,
) -> None:
    """Split a member off a golden record (cannot-links to the rest); the next run applies it.

    Example: golden unmerge G1234ABCD --member crm:10014 --config golden.toml
    """
    from flows.review import unmerge as split

    decisions = split(load_config(config), golden_id, member, reviewer=reviewer, reason=reason)
    what = f"{member} and the rest" if member else "the two halves"
    console.print(
        f"recorded {len(decisions)} cannot-link(s) between {what} of {golden_id}"
        " — the next run splits it"
    )


@app.command()
@friendly
def history(
    golden_id: Annotated[str, typer.Argument(help="Golden id.")],
    config: ConfigOption = Path("golden.toml"),
) -> None:
    """List the decisions, merges and redirects touching a golden id.

    Example: golden history G1234ABCD --config golden.toml
    """
    from flows.review import history as entries_of

    table = Table("when (UTC)", "what", "detail", title=f"history of {golden_id}")
    for entry in entries_of(load_config(config), golden_id):
        when = f"{entry.when:%Y-%m-%d %H:%M:%S}" if entry.when else ""
        table.add_row(when, entry.kind, entry.detail)
    console.print(table)


state_app = typer.Typer(help="The state store's backups (SQLite).", no_args_is_help=True)
app.add_typer(state_app, name="state")


@state_app.command("restore")
@friendly
def state_restore(
    config: ConfigOption = Path("golden.toml"),
    backup: Annotated[
        Path | None, typer.Option(help="Backup file to restore; omit: the newest sound one.")
    ] = None,
) -> None:
    """Put a backup of the SQLite state store back in place (the replaced file is kept)."""
    from flows.state_files import restore_state, sqlite_path

    database = sqlite_path(load_config(config).state_url)
    if database is None:
        raise GoldenError(
            "[project] state_url names a database server: restore it with that server's own "
            "backup tools (golden keeps backups of the SQLite state store only)"
        )
    used, aside = restore_state(database, backup)
    console.print(
        f"restored {database} from {used}"
        + (f"; the replaced file is kept as {aside}" if aside else "")
    )


@state_app.command("backups")
@friendly
def state_backups(config: ConfigOption = Path("golden.toml")) -> None:
    """List the backups of the SQLite state store, newest first."""
    from flows.state_files import backups_of, sqlite_path

    database = sqlite_path(load_config(config).state_url)
    for path in backups_of(database) if database else []:
        console.print(f"{path}  ({path.stat().st_size} bytes)")


def main() -> None:
    """Entry point for `python -m flows.cli`."""
    app()


if __name__ == "__main__":
    main()
