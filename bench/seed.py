"""Seeding a scratch database: bench users with tokens, a realistic article, and bulk rows in plain SQL."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate
from editorial.auth import services as auth
from editorial.auth.principal import Principal
from editorial.auth.schemas import RoleRef
from editorial.db import Database
from editorial.db.models import Article, ArticleAuthor, HistoryEntry, Revision, User
from editorial.lib.clock import SystemClock

PEOPLE: dict[str, list[str]] = {
    "writer": ["writer:news", "writer:opinion"],
    "writer2": ["writer:news", "writer:opinion"],
    "writer3": ["writer:news", "writer:opinion"],
    "news_editor": ["editor:news"],
    "opinion_editor": ["editor:opinion"],
    "checker": ["fact_checker"],
    "publisher": ["publisher"],
}

VOCABULARY = (
    "the council harbour ferry service winter budget levy transport route district minister report "
    "said would could after before during since while because although residents voted tuesday "
    "spokesperson according figures percent million increase decrease plan proposal committee review "
    "public hearing evidence court ruling election campaign candidate policy housing schools hospital "
    "funding agency inquiry statement official data analysis weeks months year city region national "
    "local government opposition support critics argued announced confirmed expected reported"
)


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    token: str
    principal: Principal


def prose(words: int, *, seed: int = 1) -> str:
    """Deterministic newspaper-like text of about ``words`` words, in paragraphs."""
    rng = random.Random(seed)
    vocabulary = VOCABULARY.split()
    paragraphs, count = [], 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            n = rng.randint(8, 24)
            sentence = " ".join(rng.choice(vocabulary) for _ in range(n))
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            count += n
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def create_people(db: Database) -> dict[str, Person]:
    """The bench newsroom: one user per role, each with a token."""
    now = SystemClock().now()
    people = {}
    with db.transaction() as session:
        for username, roles in PEOPLE.items():
            refs = [RoleRef(role=r.partition(":")[0], desk=r.partition(":")[2] or None) for r in roles]
            user = auth.create_user(session, username=username, display_name=username.title(), roles=refs, now=now)
            _, token = auth.create_token(session, user, now=now, name="bench")
            assert user.id is not None
            people[username] = Person(user.id, username, token, auth.principal_for(session, user))
    return people


def create_articles(
    db: Database, author: Person, count: int, *, words: int, desk: str = "news", body: str | None = None
) -> list[int]:
    """``count`` articles created through the service, as the API would (a draft with one revision)."""
    now = SystemClock().now()
    ids = []
    with db.transaction() as session:
        for i in range(count):
            data = ArticleCreate(
                desk=desk,
                title=f"Council extends the harbour ferry service, part {i + 1}",
                dek="The harbour ferry will run through the winter, the council decided on Tuesday.",
                body=body if body is not None else prose(words, seed=i),
                tags=["transport", "council", "harbour"],
            )
            ids.append(articles.create(session, author.principal, data, now=now).id)
    return ids


# Where a bulk-seeded article is, and the history that got it there (news desk; opinion uses approve).
STATE_WEIGHTS = {
    "published": 0.82,
    "unpublished": 0.03,
    "draft": 0.05,
    "editing": 0.04,
    "fact_check": 0.02,
    "ready": 0.02,
    "scheduled": 0.02,
}
PATHS = {
    "draft": [],
    "editing": ["submit"],
    "fact_check": ["submit", "send_to_fact_check"],
    "ready": ["submit", "send_to_fact_check", "pass_fact_check"],
    "scheduled": ["submit", "send_to_fact_check", "pass_fact_check", "schedule"],
    "published": ["submit", "send_to_fact_check", "pass_fact_check", "publish"],
    "unpublished": ["submit", "send_to_fact_check", "pass_fact_check", "publish", "unpublish"],
}
OPINION_PATHS = {
    state: ["submit", "approve", *steps[3:]] if len(steps) >= 3 else steps for state, steps in PATHS.items()
}
DESTINATIONS = {
    "submit": ("draft", "editing"),
    "send_to_fact_check": ("editing", "fact_check"),
    "pass_fact_check": ("fact_check", "ready"),
    "approve": ("editing", "ready"),
    "schedule": ("ready", "scheduled"),
    "publish": ("ready", "published"),
    "unpublish": ("published", "unpublished"),
}
SIGNED = {"ready", "scheduled", "published", "unpublished"}


def _next_id(conn: Connection, column: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_articles(
    db: Database,
    people: dict[str, Person],
    count: int,
    *,
    words: int = 120,
    states: dict[str, float] | None = None,
    desks: Sequence[tuple[str, float]] = (("news", 0.7), ("opinion", 0.3)),
    authors: Sequence[str] = ("writer", "writer2", "writer3"),
    seed: int = 7,
) -> list[int]:
    """Insert ``count`` consistent articles in plain SQL: article, head revision, authors and history.

    States follow ``states`` (a newsroom's spread by default: most articles published long ago, a
    few in progress), each with the history rows of the path that reaches it and the sign-off and
    live revision it implies. Returns the new article ids.
    """
    states = states or STATE_WEIGHTS
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    editor_of = {"news": people["news_editor"].user_id, "opinion": people["opinion_editor"].user_id}
    actor_of = {
        "send_to_fact_check": None,  # the desk's editor
        "approve": None,
        "pass_fact_check": people["checker"].user_id,
        "schedule": people["publisher"].user_id,
        "publish": people["publisher"].user_id,
        "unpublish": None,
    }
    body = prose(words, seed=seed)
    with db.engine.begin() as conn:
        first_article = _next_id(conn, Article.id)
        first_revision = _next_id(conn, Revision.id)
        first_history = _next_id(conn, HistoryEntry.id)
        articles_rows, revision_rows, author_rows, history_rows = [], [], [], []
        history_id = first_history
        state_names, state_weights = list(states), list(states.values())
        desk_names, desk_weights = [d for d, _ in desks], [w for _, w in desks]
        span = timedelta(days=3 * 365).total_seconds()
        for i in range(count):
            article_id = first_article + i
            state = rng.choices(state_names, state_weights)[0]
            desk = rng.choices(desk_names, desk_weights)[0]
            author = people[rng.choice(authors)]
            # Finished work is old; work in progress moved in the last few days.
            age = rng.random() * span if state in {"published", "unpublished"} else rng.random() * 5 * 86400
            created = now - timedelta(seconds=age + 3600)
            path = (OPINION_PATHS if desk == "opinion" else PATHS)[state]
            step_at = created
            for transition in path:
                step_at += timedelta(seconds=rng.randint(60, 600))
                source, dest = DESTINATIONS[transition]
                actor = author.user_id if transition == "submit" else actor_of[transition] or editor_of[desk]
                history_rows.append(
                    {
                        "id": history_id,
                        "article_id": article_id,
                        "at": step_at,
                        "actor_id": actor,
                        "transition": transition,
                        "from_state": source,
                        "to_state": dest,
                        "comment": "taken down" if transition == "unpublish" else "",
                        "correction": None,
                        "revision": 1,
                    }
                )
                history_id += 1
            title = f"Bulk article {article_id}: council extends the harbour ferry service"
            content = {"title": title, "dek": "", "body": body, "tags": ["bulk"], "authors": [author.username]}
            articles_rows.append(
                {
                    "id": article_id,
                    "slug": f"bulk-article-{article_id}",
                    "desk_id": desk,
                    "state": state,
                    "head_revision": 1,
                    "signed_revision": 1 if state in SIGNED else None,
                    "live_revision": 1 if state == "published" else None,
                    "publish_at": now + timedelta(days=rng.randint(1, 30)) if state == "scheduled" else None,
                    "unpublish_at": None,
                    "published_at": step_at if state in {"published", "unpublished"} else None,
                    "state_changed_at": step_at,
                    "created_at": created,
                    "updated_at": step_at,
                    "created_by_id": author.user_id,
                }
            )
            revision_rows.append(
                {
                    "id": first_revision + i,
                    "article_id": article_id,
                    "number": 1,
                    "saved_by_id": author.user_id,
                    "saved_at": created,
                    "message": "created",
                    "content_hash": hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest(),
                    **content,
                }
            )
            author_rows.append({"article_id": article_id, "user_id": author.user_id})
        for table, rows in (
            (Article, articles_rows),
            (Revision, revision_rows),
            (ArticleAuthor, author_rows),
            (HistoryEntry, history_rows),
        ):
            for batch in _batches(iter(rows), 5000):
                conn.execute(insert(table), batch)
        if conn.dialect.name == "postgresql":
            for table in ("articles", "revisions", "history"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    return [first_article + i for i in range(count)]


def analyze(db: Database) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL's autovacuum would do it soon)."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(model)).scalar_one())
            for name, model in (("articles", Article), ("users", User), ("history", HistoryEntry))
        }
