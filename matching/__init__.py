"""Blocking, comparisons, scoring, clustering, survivorship, stable ids and evaluation."""
