"""The reports package's public face: a short, sorted __all__ of names that exist."""

from __future__ import annotations

import reports


def test_all_is_sorted_and_importable() -> None:
    assert reports.__all__ == sorted(reports.__all__)
    assert all(hasattr(reports, name) for name in reports.__all__)
