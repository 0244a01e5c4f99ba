"""Prefect flows, tasks and the `golden` command: wiring, I/O, state and publishing.

Importing this package turns off telemetry of Prefect and great-expectations before either is
imported: golden-records makes no network calls at run time.
"""

from __future__ import annotations

import os

for _name, _value in (
    ("DO_NOT_TRACK", "1"),
    ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
    ("GX_ANALYTICS_ENABLED", "false"),
):
    os.environ.setdefault(_name, _value)
