"""Benchmarks of the service under uvicorn, each figure a ratio to a trivial endpoint of the same run.

``python -m bench`` (or ``make bench``) runs them all on SQLite; see ``python -m bench --help`` and
``docs/performance.md`` for the figures and what each one measures.
"""
