"""Acting as a person in the web app: a browser-like client with its own cookies and the page's CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy import update

from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate
from editorial.auth import services as auth
from editorial.auth.principal import Principal
from editorial.db import Database
from editorial.db.models import User
from editorial.lib.clock import Clock
from editorial.workflow import services as workflow
from editorial.workflow.schemas import TransitionRequest
from tests.support import NEWSROOM, STORY, make_user

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="_csrf" value="([0-9a-f]{64})"')


@cache
def cheap_hash(password: str) -> str:
    """An argon2 hash made with tiny costs: ``verify_password`` reads the costs from the hash, so tests stay fast."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


def make_people(db: Database, clock: Clock) -> dict[str, str]:
    """The fixture newsroom (tests.support.NEWSROOM) with web passwords; role name -> username."""
    people = {}
    for role, roles in NEWSROOM.items():
        username = role.replace("_", "-")
        make_user(db, clock, username, *roles)
        people[role] = username
    with db.transaction() as session:
        session.execute(update(User).values(password_hash=cheap_hash(PASSWORD)))
    return people


@dataclass
class Person:
    """One browser: its own cookie jar, signed in (or not) as someone."""

    client: TestClient[Any]
    username: str = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def csrf(self, url: str = "/app/sign-in") -> str:
        """The CSRF token the page at ``url`` puts in its forms."""
        found = CSRF.search(self.client.get(url).text)
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        """Submit a form, with this browser's CSRF token unless told not to."""
        form = dict(data or {})
        if csrf:
            form["_csrf"] = self.csrf("/app" if self.username else "/app/sign-in")
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD) -> Any:
        response = self.post("/app/sign-in", {"username": username, "password": password, "next": "/app"})
        if response.status_code == 303:
            self.username = username
        return response


def text_of(html: str) -> str:
    """The page's text, tags dropped and spaces squeezed (for assertions on what a person reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def as_user(db: Database, username: str) -> Principal:
    """The principal of ``username``, for setting the scene through the services."""
    with db.transaction(write=False) as session:
        return auth.principal_for(session, auth.get_user(session, username))


def write_story(db: Database, clock: Clock, username: str, **overrides: Any) -> int:
    """Start an article as ``username`` (the STORY of tests.support, with overrides); returns its id."""
    with db.transaction() as session:
        return articles.create(
            session, as_user(db, username), ArticleCreate(**{**STORY, **overrides}), now=clock.now()
        ).id


def move(db: Database, clock: Clock, username: str, article_id: int, transition: str, **fields: Any) -> None:
    """Take a transition as ``username`` through the workflow service."""
    with db.transaction() as session:
        workflow.transition(
            session, as_user(db, username), article_id, transition, TransitionRequest(**fields), now=clock.now()
        )
