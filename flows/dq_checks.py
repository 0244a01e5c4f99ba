"""The DQ stage of a run: the checks of golden.toml on the cleaned records, timed and logged.

Orchestration only: which checks (rules.dq_rules ``resolve_checks``, with the silos' mappings
and the postal-code patterns of cleaners/data), on what (reports.dq_frames, from the cleaned
records and the cleaners' findings), validated by great-expectations and collected into the
failures and counts the report reads (reports.dq_validation), reusing the last run's verdicts
(reports.dq_reuse).
"""

from __future__ import annotations

import logging
import time
from datetime import date

from cleaners.emails import role_address
from cleaners.reference import read_table
from flows.stages import Cleaned
from reports.dq_frames import check_frames
from reports.dq_reuse import DQReuse
from reports.dq_scores import DQResults
from reports.dq_validation import Validator, collect_counts, collect_failures, validate_with_gx
from rules.config import GoldenConfig
from rules.dq_rules import RECORDS, mapped_fields, resolve_checks

log = logging.getLogger("golden.dq")


def run_dq_checks(
    config: GoldenConfig, cleaned: Cleaned, today: date, reuse: DQReuse | None = None
) -> DQResults:
    """Resolve the configured checks, run them with GX and collect every failing value.

    ``reuse`` (reports.dq_reuse) holds the last run's verdicts and collects this run's; GX
    validates only values not judged yet (default: none known, each distinct value once).
    """
    frames = check_frames(
        cleaned.records,
        cleaned.findings,
        config.dq.postal_code_city_min_records,
        role_mailbox=role_address,
    )
    countries = frames[RECORDS]["country"].drop_nulls().unique().sort().to_list()
    checks = (
        resolve_checks(
            config.dq,
            {
                silo.name: mapped_fields(silo.mapping, silo.defaults)
                for silo in config.enabled_silos()
            },
            today,
            postal_patterns={row["iso2"]: row["pattern"] for row in read_table("postal_codes.csv")},
            countries=countries,
        )
        if config.dq.run_checks
        else ()
    )
    clock = time.perf_counter()
    reuse = DQReuse() if reuse is None else reuse
    validator = Validator()
    failing_rows = validate_with_gx(frames, checks, reuse, validator)
    log.info(reuse.log_line())
    seconds = time.perf_counter() - clock - validator.import_seconds  # as before: no import
    log.info(
        "dq: %d checks, %d of them validated by great-expectations, in %.2f s (import %.1f s)",
        len(checks),
        validator.validations,
        seconds,
        validator.import_seconds,
    )
    return DQResults(
        checks=checks,
        failures=collect_failures(frames, checks, failing_rows),
        check_results=collect_counts(frames, checks, failing_rows),
        record_counts={
            silo.name: frames.record_counts().get(silo.name, 0) for silo in config.enabled_silos()
        },
        seconds=round(seconds, 3),
    )
