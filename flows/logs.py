"""Logging glue: expected failures (GoldenError, faults of the machine) are shown as one line,
not as a traceback.

Prefect logs the traceback of every failed task and flow run. For a GoldenError — a problem
the user can fix, whose message says what to do — the traceback only hides that message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from rules.errors import GoldenError

_PREFECT_LOGGERS = ("prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.engine")


def _expected(exc: BaseException | None) -> bool:
    """GoldenErrors and faults of the machine (flows.faults): the CLI prints their one line."""
    from flows.faults import describe_fault

    return exc is not None and (isinstance(exc, GoldenError) or describe_fault(exc) is not None)


class _DropExpectedTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _expected(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
            # The CLI prints the message itself; Prefect's "encountered an exception" line
            # would only repeat it, so drop the record at ERROR level entirely.
            return record.levelno < logging.ERROR
        return True


@contextmanager
def quiet_expected_failures() -> Iterator[None]:
    """While active, Prefect's loggers drop the tracebacks of GoldenErrors."""
    drop = _DropExpectedTracebacks()
    loggers = [logging.getLogger(name) for name in _PREFECT_LOGGERS]
    handlers = {handler for logger in loggers for handler in logger.handlers}
    for logger in loggers:
        logger.addFilter(drop)
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(drop)
        for handler in handlers:
            handler.removeFilter(drop)
