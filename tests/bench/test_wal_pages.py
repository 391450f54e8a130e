"""bench/wal_pages.py reads the WAL's frames and names the table or index each page belongs to."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from bench.wal_pages import frames, owners


def test_each_frame_is_named_by_the_btree_its_page_belongs_to(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, value TEXT)")
    connection.execute("CREATE TABLE indexed (id INTEGER PRIMARY KEY, value TEXT)")
    connection.execute("CREATE INDEX ix_indexed_value ON indexed (value)")
    start = (tmp_path / "wal.db-wal").stat().st_size
    for n in range(5):  # five commits, each changing one page of ``indexed`` and one of its index
        connection.execute("INSERT INTO indexed (value) VALUES (?)", (f"value {n}",))
    log = (tmp_path / "wal.db-wal").read_bytes()
    names = Counter(owners(path).get(page) for page in frames(log, start))
    connection.close()
    assert names == {"indexed": 5, "ix_indexed_value": 5}
