"""The one exception hierarchy of golden-records.

    GoldenError
    ├── ConfigError      golden.toml is missing, unreadable or invalid
    ├── SiloError        a silo cannot be read (missing file, unreachable database, wrong table)
    ├── StageError       a pipeline stage refuses to continue (a blocking DQ rule, say)
    ├── StateError       the state store cannot be opened or is inconsistent
    └── PrivacyError     a data-subject request (find, access, erasure) cannot be carried out

Every message says what happened, where, and what to do, in one line.
"""

from __future__ import annotations


class GoldenError(Exception):
    """Raised when golden-records stops on purpose with a message for a person."""


class ConfigError(GoldenError):
    """Raised when golden.toml (or an override) cannot be loaded or fails validation."""


class SiloError(GoldenError):
    """Raised when a silo cannot be read; the message names the silo."""

    def __init__(self, silo: str, message: str, *, transient: bool = False) -> None:
        super().__init__(f"silo '{silo}': {message}")
        self.silo = silo
        #: True when waiting may help (connection refused, timed out): only then is it retried.
        self.transient = transient


class StageError(GoldenError):
    """Raised when a pipeline stage refuses to continue, e.g. a blocking DQ rule failed."""


class StateError(GoldenError):
    """Raised when the state store cannot be opened or holds inconsistent data."""


class PrivacyError(GoldenError):
    """Raised when a data-subject request (find, access, erasure) cannot be carried out."""
