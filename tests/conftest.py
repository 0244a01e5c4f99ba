"""Test-session settings: no network, no telemetry, Prefect home in a temp dir."""

from __future__ import annotations

import os
import tempfile

from hypothesis import settings

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="golden-prefect-"))

# Property tests check behaviour, not time: speed is measured in benchmarks/. Hypothesis' default
# 200 ms deadline per example failed cleaners tests (e-mail fast path, names) on a machine busy
# with other work, so no example has a deadline.
settings.register_profile("golden", deadline=None)
settings.load_profile("golden")
