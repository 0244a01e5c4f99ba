"""matching.threads: calls side by side, results in item order, in the caller's context."""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar

import pytest

from matching import threads

LABEL: ContextVar[str] = ContextVar("label", default="unset")


def test_results_come_back_in_item_order_whatever_finishes_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 4)

    def slow_first(item: int) -> tuple[int, str]:
        time.sleep(0.05 if item == 0 else 0.0)
        return item * item, threading.current_thread().name

    results = threads.in_threads(slow_first, range(6))

    assert [square for square, _ in results] == [0, 1, 4, 9, 16, 25]
    assert {name for _, name in results} != {threading.current_thread().name}


def test_each_call_sees_the_callers_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    token = LABEL.set("flow run 7")
    try:
        seen = threads.in_threads(lambda _: LABEL.get(), range(4))
    finally:
        LABEL.reset(token)

    assert seen == ["flow run 7"] * 4


def test_an_error_in_a_call_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)

    def fails_on_three(item: int) -> int:
        if item == 3:
            raise ValueError("item 3")
        return item

    with pytest.raises(ValueError, match="item 3"):
        threads.in_threads(fails_on_three, range(5))


def test_one_core_runs_the_calls_in_this_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 1)

    names = threads.in_threads(lambda _: threading.current_thread().name, range(3))

    assert names == [threading.current_thread().name] * 3
    assert threads.thread_count() == 1
