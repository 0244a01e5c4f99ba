"""What the `golden` command's modules (flows.cli, flows.cli_subject) share.

Every expected failure (GoldenError) and every fault of the machine (flows.faults) becomes one
red line on stderr and exit status 2; the message is printed with markup off, so `[section.key]`
keeps its brackets. The configuration is loaded on first use, so `golden --help` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from rules.errors import GoldenError

if TYPE_CHECKING:
    from rules.config import GoldenConfig

errors = Console(stderr=True, markup=False, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")


def print_error(message: str) -> None:
    """Print ``message`` after a red "error:", every bracket in it kept as written."""
    errors.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


def friendly(function: Callable[P, R]) -> Callable[P, R]:
    """Turn GoldenError, and a fault flows.faults describes, into one clear line on stderr and
    exit status 2."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except GoldenError as exc:
            print_error(str(exc))
            raise typer.Exit(2) from None
        except Exception as exc:  # a read-only or full disk, a database gone: one line too
            from flows.faults import describe_fault

            line = describe_fault(exc)
            if line is None:
                raise
            print_error(line)
            raise typer.Exit(2) from None

    return wrapper


def load_config(path: Path) -> GoldenConfig:
    """rules.config.load_config, imported on first use so `golden --help` starts fast."""
    from rules.config import load_config as load

    return load(path)
