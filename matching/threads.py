"""Work items side by side on the machine's cores, results in item order (issue 18).

polars, numpy and rapidfuzz do their work outside the GIL, yet one chunk of pairs (or one
blocking rule) at a time keeps two cores about half busy: each call has stretches of Python in
between (building expressions, handing strings to rapidfuzz). Two or more calls at once fill
those. Results come back in item order, so outputs do not depend on the threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import TypeVar

#: Calls run at once at most. Each holds its chunk in flight (matching.kept_pairs sizes a chunk
#: as 1/CHUNK_SHARE_OF_LIMIT of the memory limit), so the threads are capped.
MAX_THREADS = 4

Item = TypeVar("Item")
Result = TypeVar("Result")


def thread_count() -> int:
    """Calls ``in_threads`` runs at once: MAX_THREADS, or fewer when the machine has fewer
    cores."""
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def in_threads(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``[function(item) for item in items]``, up to ``thread_count()`` at a time, in item
    order. Each call runs in a copy of the caller's context (a Prefect flow run, a progress
    display's listener), as it would in the caller's thread; the first error is raised."""
    items = list(items)
    threads = min(thread_count(), len(items))
    if threads <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="golden") as pool:
        futures = [pool.submit(copy_context().run, function, item) for item in items]
        return [future.result() for future in futures]
