"""Pages a write commits, by table and index: what each transition costs SQLite's WAL.

A commit in WAL mode appends every page it changed to the log, one frame each, and a checkpoint
later copies them back into the database file: both cost in proportion to the pages, and a page
changes for every table and every index an insert or update touches. This takes fresh drafts
through the bench's four transitions in process (the app called as ASGI, as ``bench.cpu`` does)
with checkpoints off, then reads the page number of each frame the transitions appended and names
the table or index that owns it (SQLite's ``dbstat``).

    python -m bench.wal_pages [--articles N]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import struct
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import seed
from bench.cpu import STEPS, Client, _ok, _start
from bench.harness import scratch_database
from editorial.app import create_app
from editorial.db import Database
from editorial.settings import Settings

WAL_HEADER, FRAME_HEADER = 32, 24


def frames(wal: bytes, start: int) -> list[int]:
    """The page number of each frame of the log from byte ``start`` (its header names the page; the page follows)."""
    page_size = struct.unpack(">I", wal[8:12])[0]
    return [
        struct.unpack(">I", wal[at : at + 4])[0]
        for at in range(max(start, WAL_HEADER), len(wal) - FRAME_HEADER - page_size + 1, FRAME_HEADER + page_size)
    ]


def owners(path: Path) -> dict[int, str]:
    """Page number -> the table or index it belongs to (of a copy, so the server's file stays as it is)."""
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT pageno, name FROM dbstat"))


async def transitions(url: str, articles: int) -> tuple[int, bytes, int]:
    """Take ``articles`` drafts through the four steps: how many transitions, the log, and where theirs starts."""
    settings = Settings(database_url=url, access_log=False, log_level="WARNING", sqlite_wal_autocheckpoint=0)
    db = Database(settings)
    people = seed.create_people(db)
    drafts = seed.create_articles(db, people["writer"], articles, words=1200)
    app = create_app(settings, db=db)
    client = Client(app)
    shutdown = await _start(app)
    wal = Path(f"{db.engine.url.database}-wal")
    before = wal.stat().st_size
    for article in drafts:
        for step, who in STEPS:
            _ok(await client.request("POST", f"/api/v1/articles/{article}/workflow/{step}", people[who].token, {}))
    log = wal.read_bytes()  # before shutting down: closing the last connection checkpoints and removes it
    await shutdown()
    db.dispose()
    return len(drafts) * len(STEPS), log, before


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wal_pages", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=250, help="drafts taken through the four steps")
    args = parser.parse_args()
    with scratch_database(None) as url:
        taken, log, start = asyncio.run(transitions(url, args.articles))
        database = Path(make_url(url).database or "")
        copy = database.with_name("copy.db")
        shutil.copy(database, copy)
        Path(f"{copy}-wal").write_bytes(log)
        owner = owners(copy)
    pages = Counter(owner.get(page, "(unknown)") for page in frames(log, start))
    print(f"{sum(pages.values()) / taken:.2f} WAL frames a transition ({taken} transitions), by table or index:")
    for name, count in pages.most_common():
        print(f"{count / taken:8.2f}  {name}")


if __name__ == "__main__":
    main()
