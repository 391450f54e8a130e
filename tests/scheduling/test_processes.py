"""Real scheduler processes against one PostgreSQL: shared work, no doubles, nothing lost to SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from editorial.db import Database
from editorial.db.models import Article, ArticleAuthor, HistoryEntry, Revision, ScheduleFiring, User
from editorial.revisions.services import content_hash
from editorial.settings import Settings
from tests.conftest import BACKEND

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason="several scheduler processes need PostgreSQL"),
]
DUE = 1000


def seed_due_articles(db: Database, count: int) -> None:
    """``count`` signed-off articles scheduled a minute ago (the processes use the real clock)."""
    now = datetime.now(UTC)
    content = {"title": "Due", "dek": "", "body": "Body.", "tags": [], "authors": ["sched-writer"]}
    with db.transaction() as session:
        user_id = session.execute(
            insert(User).returning(User.id),
            {"username": "sched-writer", "display_name": "W", "is_active": True, "created_at": now},
        ).scalar_one()
        ids = (
            session.execute(
                insert(Article).returning(Article.id),
                [
                    {
                        "slug": f"due-{n}",
                        "desk_id": "opinion",
                        "state": "scheduled",
                        "head_revision": 1,
                        "signed_revision": 1,
                        "publish_at": now - timedelta(minutes=1, milliseconds=n),
                        "schedule_attempts": 0,
                        "state_changed_at": now,
                        "created_at": now,
                        "updated_at": now,
                        "created_by_id": user_id,
                    }
                    for n in range(count)
                ],
            )
            .scalars()
            .all()
        )
        session.execute(
            insert(Revision),
            [
                {
                    "article_id": article_id,
                    "number": 1,
                    "saved_by_id": user_id,
                    "saved_at": now,
                    "message": "",
                    "content_hash": content_hash(content),
                    **content,
                }
                for article_id in ids
            ],
        )
        session.execute(insert(ArticleAuthor), [{"article_id": a, "user_id": user_id} for a in ids])


def scheduler(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    """A scheduler process; its stderr goes to a file (a pipe read one process at a time can fill up
    and block its writer, with its transaction open, while the others wait)."""
    env = {
        **os.environ,
        "EDITORIAL_DATABASE_URL": settings.database_url,
        "EDITORIAL_SCHEDULER_BATCH": "25",
        "EDITORIAL_LOG_LEVEL": "WARNING",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process, read after it ends
    process = subprocess.Popen(
        [sys.executable, "-m", "editorial", "scheduler", *args], env=env, stdout=subprocess.DEVNULL, stderr=log
    )
    process.log = log  # type: ignore[attr-defined]
    return process


def errors_of(process: subprocess.Popen[bytes]) -> str:
    log = process.log  # type: ignore[attr-defined]
    log.seek(0)
    return log.read().decode(errors="replace")


def publishes_per_article(db: Database) -> dict[int, int]:
    with db.transaction(write=False) as session:
        return dict(
            session.execute(
                select(HistoryEntry.article_id, func.count())
                .where(HistoryEntry.transition == "publish")
                .group_by(HistoryEntry.article_id)
            ).all()
        )


def still_scheduled(db: Database) -> int:
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(Article).where(Article.state == "scheduled")) or 0


def test_four_schedulers_publish_each_article_exactly_once(db: Database, settings: Settings) -> None:
    seed_due_articles(db, DUE)
    processes = [scheduler(settings, "--once") for _ in range(4)]
    for process in processes:
        process.wait(timeout=180)
        assert process.returncode == 0, errors_of(process)
    counts = publishes_per_article(db)
    assert len(counts) == DUE
    assert set(counts.values()) == {1}
    assert still_scheduled(db) == 0
    with db.transaction(write=False) as session:
        workers = session.execute(select(ScheduleFiring.worker).distinct()).scalars().all()
        fired = session.scalar(select(func.count()).select_from(ScheduleFiring))
    assert fired == DUE
    assert len(workers) >= 2, "the work was not shared"


def test_a_scheduler_killed_mid_batch_loses_nothing_and_doubles_nothing(db: Database, settings: Settings) -> None:
    seed_due_articles(db, DUE)
    victim = scheduler(settings)
    deadline = time.monotonic() + 120
    while len(publishes_per_article(db)) < 100:
        assert victim.poll() is None, errors_of(victim)
        assert time.monotonic() < deadline, "the scheduler published nothing"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert still_scheduled(db) > 0, "killed too late to prove anything"
    survivor = scheduler(settings, "--once")
    survivor.wait(timeout=180)
    assert survivor.returncode == 0, errors_of(survivor)
    counts = publishes_per_article(db)
    assert len(counts) == DUE
    assert set(counts.values()) == {1}
    assert still_scheduled(db) == 0
