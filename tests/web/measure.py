"""Server time of the web app's pages on the demo data, and of the review page of a 5,000-word article.

Run: ``.venv/bin/python -m tests.web.measure [--database-url URL] [--repeat N]``. It builds a fresh
database (a temporary SQLite file by default), loads the demo newsroom, and times each page through
the in-process test client (so the figure is the server's work plus a little client overhead).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from editorial.app import create_app
from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate, ArticleUpdate
from editorial.auth import services as auth
from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.demo import load_demo
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.web.support import CSRF, PASSWORD, cheap_hash

WORDS = [
    "council",
    "ferry",
    "harbour",
    "levy",
    "winter",
    "route",
    "pilot",
    "vote",
    "budget",
    "district",
    "transport",
    "service",
]


def long_body(words: int, rng: random.Random) -> str:
    """``words`` words in paragraphs of 100."""
    paragraphs = [" ".join(rng.choice(WORDS) for _ in range(100)).capitalize() + "." for _ in range(words // 100)]
    return "\n\n".join(paragraphs)


def typical_edit(body: str, rng: random.Random) -> str:
    """Change a few words in three paragraphs, as an editor would."""
    paragraphs = body.split("\n\n")
    for index in rng.sample(range(len(paragraphs)), 3):
        words = paragraphs[index].split(" ")
        for position in rng.sample(range(1, len(words) - 1), 4):
            words[position] = "amended"
        paragraphs[index] = " ".join(words)
    return "\n\n".join(paragraphs)


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float, float, int]:
    """(first, median, p95) in milliseconds, and the page's size in bytes."""
    samples, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        assert not response.history, "redirected (to the sign-in page?)"
        size = len(response.content)
    ordered = sorted(samples)
    return samples[0], statistics.median(samples), ordered[int(0.95 * (len(ordered) - 1))], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/measure.db"
    upgrade(url)
    settings = Settings(database_url=url, environment="test", access_log=False, log_level="WARNING")
    db, clock, rng = Database(settings), FrozenClock(), random.Random(7)
    with db.transaction() as session:
        load_demo(session, clock)
        for user in auth.list_users(session):
            user.password_hash = cheap_hash(PASSWORD)  # the sign-in's argon2 cost is not what is measured
        wendy = auth.principal_for(session, auth.get_user(session, "wendy"))
        body = long_body(5000, rng)
        big = articles.create(session, wendy, ArticleCreate(desk="news", title="Long read", body=body), now=clock.now())
        edit = ArticleUpdate(body=typical_edit(body, rng), message="a typical edit")
        articles.update(session, wendy, big.id, edit, if_match='"r1"', now=clock.now())
    with TestClient(create_app(settings, clock=clock, db=db)) as client:
        token = CSRF.search(client.get("/app/sign-in").text).group(1)
        signed_in = client.post("/app/sign-in", data={"username": "admin", "password": PASSWORD, "_csrf": token})
        assert "My work" in signed_in.text, "sign-in failed"
        pages = {
            "my work": "/app",
            "articles": "/app/articles",
            "review (demo article)": "/app/articles/2",
            "editor (demo article)": "/app/articles/2/edit",
            "history (demo article)": "/app/articles/5/history",
            "schedule": "/app/schedule",
            "users": "/app/users",
            f"review, 5,000 words, from=previous (article {big.id})": f"/app/articles/{big.id}?from=previous",
            "review, 5,000 words, side by side": f"/app/articles/{big.id}?from=previous&view=side",
            "editor, 5,000 words": f"/app/articles/{big.id}/edit",
        }
        print(f"{'page':<52} {'first':>8} {'median':>8} {'p95':>8} {'bytes':>8}  (ms, {args.repeat} requests)")
        for name, path in pages.items():
            first, median, p95, size = timed(lambda path=path: client.get(path), args.repeat)
            print(f"{name:<52} {first:8.1f} {median:8.1f} {p95:8.1f} {size:8d}")
    db.dispose()


if __name__ == "__main__":
    main()
