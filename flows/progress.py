"""Progress of long runs: the running stage, its place in the run, its elapsed time and its work.

A million-record run used to show one spinner for ten minutes. ``ProgressRunner`` runs the
stages as ``PlainRunner`` does and shows, per stage, its name, ``k/N``, the time it has run and
the work it faces: records to clean, the estimated candidate pairs before matching (from
matching.blocking_estimate: key frequencies, no pair built), scored pairs before clustering.
In a terminal this is a rich progress line that disappears when the stage ends; otherwise (cron,
CI, a pipe) a stage that runs longer than ``interval`` seconds writes a plain line then and every
``interval`` seconds, and one when it ends, so short runs stay quiet.

Stages that run in partitions (clean: rows, match: candidate pairs; see flows.stages.MapParts)
also show the work done against the total and an ETA from the rate so far: a bar in a terminal,
"12,000 of 40,000 rows (30%), ETA 20 s" in the lines and in the Prefect progress artifact. A
chunked match compares its pairs batch by batch, each batch in partitions: it announces the
pairs of all batches first (matching.chunked_match.announcing_batch_total), and the progress
runs once over all of them instead of starting again with each batch.

Lines carry stage names and counts only, never a value of a record (DSGVO: logs are kept).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from flows.pipeline import PlainRunner
from matching.chunked_match import announcing_batch_total

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
    "review hashes",
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
        from matching.blocking_budget import BlockingBudget
        from matching.blocking_estimate import estimate_blocking

        config, cleaned = args[0], args[1]
        # The same plan the run follows: rules over budget counted after their split or cap.
        estimate = estimate_blocking(
            cleaned.records,
            config.matching.blocking_rules,
            config.matching.max_block_size,
            BlockingBudget.from_settings(config.matching),
        )
        blocks = sum(rule.blocks for rule in estimate.rules)
        return (
            f"{cleaned.records.height:,} records, {blocks:,} blocks, at most "
            f"{estimate.union_bound:,} candidate pairs (estimate)"
        )
    if name in ("dq checks", "golden records", "staleness") and len(args) > 1:
        return f"{args[1].records.height:,} records"
    if name == "cluster" and len(args) > 2:
        return f"{args[2].pairs.height:,} scored pairs"
    return ""


def stage_label(name: str, args: tuple[Any, ...], done: int) -> str:
    """'stage match (5/11): <work>' for a stage of STAGES after ``done`` finished ones."""
    place = f" ({min(done + 1, len(STAGES))}/{len(STAGES)})" if name in STAGES else ""
    work = stage_work(name, args)
    return f"stage {name}{place}: {work}" if work else f"stage {name}{place}"


@dataclass
class Work:
    """Work of a partitioned stage: ``done`` of ``total`` in ``unit`` (rows, pairs)."""

    unit: str
    total: int
    done: int = 0
    parts: int = 0
    parts_done: int = 0
    started: float = field(default_factory=time.perf_counter)
    #: announced for the whole stage (a chunked match's batches): each map_parts call of the
    #: stage advances it instead of starting a Work of its own
    spanning: bool = False

    def advance(self, size: int) -> None:
        """One part of ``size`` units finished."""
        self.done += size
        self.parts_done += 1

    @property
    def share(self) -> float:
        """Share done, 0.0 to 1.0 (an empty stage is done)."""
        return 1.0 if self.total == 0 else min(self.done / self.total, 1.0)

    def eta_seconds(self, now: float | None = None) -> float | None:
        """Seconds left at the rate so far; None before the first part is done."""
        if self.done == 0:
            return None
        elapsed = (now if now is not None else time.perf_counter()) - self.started
        return elapsed * (self.total - self.done) / self.done

    def describe(self) -> str:
        """'12,000 of 40,000 rows (30%), part 3 of 8, ETA 20 s': counts only."""
        text = f"{self.done:,} of {self.total:,} {self.unit} ({100.0 * self.share:.0f}%)"
        if self.parts > 1 and self.parts_done < self.parts:
            text += f", part {self.parts_done + 1} of {self.parts}"
        elif self.parts > 1:
            text += f", {self.parts} parts"
        eta = self.eta_seconds()
        if eta is not None and self.done < self.total:
            text += f", ETA {eta:.0f} s"
        return text


def work_of_parts(work: Work | None, unit: str, sizes: Sequence[int]) -> Work:
    """The Work a ``map_parts`` call advances: the running stage's announced one (a chunked
    match's pairs over all its batches), else a new one for these parts."""
    if work is not None and work.spanning and work.unit == unit:
        return work
    return Work(unit, sum(sizes), parts=len(sizes))


class _WorkColumn(ProgressColumn):
    """'12,000/40,000 rows' once a stage's work is known; empty before."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{task.completed:,.0f}/{task.total:,.0f} {task.fields.get('unit', '')}")


class ProgressRunner(PlainRunner):
    """PlainRunner that shows each stage's progress on ``stream`` (default: stderr)."""

    def __init__(self, stream: TextIO | None = None, interval: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.terminal = self.stream.isatty()
        self.done = 0
        #: the running stage's partitioned work (None outside map_parts)
        self.work: Work | None = None
        self._bar: tuple[Progress, TaskID] | None = None

    def stage(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        label = stage_label(name, args, self.done)
        try:
            with announcing_batch_total(self._expect_pairs):
                if self.terminal:
                    return self._with_display(label, name, function, *args)
                return self._with_lines(label, name, function, *args)
        finally:
            self.work = None
            if name in STAGES:
                self.done += 1

    def map_parts(
        self,
        stage: str,
        function: Callable[..., Any],
        parts: Sequence[tuple[Any, ...]],
        sizes: Sequence[int],
        unit: str,
    ) -> list[Any]:
        """Runs the parts in order, advancing the bar (or the lines' counts) after each; within
        a stage whose total was announced (a chunked match) every call advances that one."""
        work = work_of_parts(self.work, unit, sizes)
        if work is not self.work:
            self.work = work
            if self._bar is not None:
                progress, task = self._bar
                progress.update(task, total=work.total, completed=0, unit=unit)
        results = []
        for part, size in zip(parts, sizes, strict=True):
            results.append(function(*part))
            work.advance(size)
            if self._bar is not None:
                progress, task = self._bar
                progress.update(task, completed=work.done)
        return results

    def _expect_pairs(self, total: int) -> None:
        """A chunked match's candidate pairs over all its batches: one progress for them."""
        self.work = Work("pairs", total, spanning=True)
        if self._bar is not None:
            progress, task = self._bar
            progress.update(task, total=total, completed=0, unit="pairs")

    def _with_display(self, label: str, name: str, function: Callable[..., Any], *args: Any) -> Any:
        console = Console(file=self.stream)
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _WorkColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(label, total=None, unit="")
            self._bar = (progress, task)
            try:
                return super().stage(name, function, *args)
            finally:
                self._bar = None

    def _line(self, label: str, started: float) -> str:
        seconds = time.perf_counter() - started
        work = f"; {self.work.describe()}" if self.work is not None else ""
        return f"golden: {label}; running {seconds:.0f} s{work}\n"

    def _with_lines(self, label: str, name: str, function: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        finished = threading.Event()
        wrote = threading.Event()

        def report() -> None:
            while not finished.wait(self.interval):
                self.stream.write(self._line(label, started))
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
                work = self.work
                total = f": {work.done:,} {work.unit}" if work is not None else ""
                self.stream.write(f"golden: stage {name} done in {seconds:.1f} s{total}\n")
                self.stream.flush()
