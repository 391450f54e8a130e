"""Prometheus metrics: this process's counters, and the newsroom's state read from the database at scrape time."""

from editorial.metrics.process import REGISTRY, transition_taken

__all__ = ["REGISTRY", "transition_taken"]
