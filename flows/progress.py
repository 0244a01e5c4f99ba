"""Progress of long runs: the running stage, its place in the run, its elapsed time and its work.

A million-record run used to show one spinner for ten minutes. ``ProgressRunner`` runs the
stages as ``PlainRunner`` does and shows, per stage, its name, ``k/N``, the time it has run and
the work it faces: records to clean, the estimated candidate pairs before matching (from
matching.blocking_estimate: key frequencies, no pair built), scored pairs before clustering.
In a terminal this is a rich progress line that disappears when the stage ends; otherwise (cron,
CI, a pipe) a stage that runs longer than ``interval`` seconds writes a plain line then and every
``interval`` seconds, and one when it ends, so short runs stay quiet.

Lines carry stage names and counts only, never a value of a record (DSGVO: logs are kept).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from flows.pipeline import PlainRunner

#: The stages run_pipeline times, in order (extract is timed apart; publish comes last).
STAGES = (
    "map to canonical",
    "clean",
    "erased persons",
    "dq checks",
    "validate",
    "match",
    "cluster",
    "stable ids",
    "golden records",
    "review queue",
    "staleness",
    "retention",
    "publish",
)


def stage_work(name: str, args: tuple[Any, ...]) -> str:
    """What a stage is about to work on, as counts (no record values)."""
    if name == "clean" and len(args) > 1:
        return f"{args[1].canonical.height:,} rows"
    if name == "match" and len(args) > 1:
        from matching.blocking_estimate import estimate_blocking

        config, cleaned = args[0], args[1]
        estimate = estimate_blocking(
            cleaned.records, config.matching.blocking_rules, config.matching.max_block_size
        )
        return (
            f"{cleaned.records.height:,} records, at most {estimate.union_bound:,} "
            "candidate pairs (estimate)"
        )
    if name == "cluster" and len(args) > 2:
        return f"{args[2].pairs.height:,} scored pairs"
    return ""


def stage_label(name: str, args: tuple[Any, ...], done: int) -> str:
    """'stage match (5/11): <work>' for a stage of STAGES after ``done`` finished ones."""
    place = f" ({min(done + 1, len(STAGES))}/{len(STAGES)})" if name in STAGES else ""
    work = stage_work(name, args)
    return f"stage {name}{place}: {work}" if work else f"stage {name}{place}"


class ProgressRunner(PlainRunner):
    """PlainRunner that shows each stage's progress on ``stream`` (default: stderr)."""

    def __init__(self, stream: TextIO | None = None, interval: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.terminal = self.stream.isatty()
        self.done = 0

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        label = stage_label(name, args, self.done)
        try:
            if self.terminal:
                return self._with_display(label, name, function, *args)
            return self._with_lines(label, name, function, *args)
        finally:
            if name in STAGES:
                self.done += 1

    def _with_display(self, label: str, name: str, function: Callable[..., Any], *args: Any) -> Any:
        console = Console(file=self.stream)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            progress.add_task(label, total=None)
            return super().stage(name, function, *args)

    def _with_lines(self, label: str, name: str, function: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        finished = threading.Event()
        wrote = threading.Event()

        def report() -> None:
            while not finished.wait(self.interval):
                seconds = time.perf_counter() - started
                self.stream.write(f"golden: {label}; running {seconds:.0f} s\n")
                self.stream.flush()
                wrote.set()

        reporter = threading.Thread(target=report, name=f"progress {name}", daemon=True)
        reporter.start()
        try:
            return super().stage(name, function, *args)
        finally:
            finished.set()
            reporter.join()
            if wrote.is_set():
                seconds = time.perf_counter() - started
                self.stream.write(f"golden: stage {name} done in {seconds:.1f} s\n")
                self.stream.flush()
