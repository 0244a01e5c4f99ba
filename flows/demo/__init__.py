"""Demo data: four realistic DACH customer silos with known truth, for tryouts and evaluation.

``write_demo(directory, persons=2000, seed=42)`` writes crm.csv (Windows-1252, ;), shop.json,
erp.sqlite (table ``kunden``), newsletter.csv, truth.csv (silo, source_id, entity_id) and a
golden.toml that reads them. Reference data (names, towns, streets, legal forms) lives in
``flows/demo/data`` with its source stated.
"""

from __future__ import annotations

from flows.demo.generate import DEMO_TODAY, DemoSummary, write_demo

__all__ = ["DEMO_TODAY", "DemoSummary", "write_demo"]
