"""Every /api/v1 route, taken from the app itself: refused without a valid token, and blind across desks."""

from __future__ import annotations

import hashlib
import hmac
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlalchemy import select

from editorial.app import create_app
from editorial.auth import services as auth
from editorial.auth.secrets import split_token
from editorial.db import Database
from editorial.db.models import ApiToken
from editorial.lib.clock import FrozenClock
from editorial.lib.errors import NotAuthenticated
from editorial.settings import Settings
from tests.support import Actor, make_user

_ROUTES_ONLY = Settings(database_url=f"sqlite:///{Path(tempfile.gettempdir()) / 'editorial-unused.db'}")
_HANDLERS = [
    (method, route.path, handler)
    for route in create_app(_ROUTES_ONLY).routes
    if isinstance(route, HTTPRoute) and route.path.startswith("/api/v1")
    for handler in route.route_handlers
    for method in handler.http_methods
    if method not in {"OPTIONS", "HEAD"}
]
API_ROUTES = sorted((method, path) for method, path, _ in _HANDLERS)
ADMIN_ROUTES = sorted(
    (method, path) for method, path, handler in _HANDLERS if "admin" in handler.resolve_dependencies()
)
EXAMPLES = {"transition": "submit", "username": "writer", "role": "writer", "prefix": "edt_00000000", "number": "1"}


def fill(path: str, article_id: int = 1) -> str:
    """A concrete URL for a route's path: the article given, and a plausible value for every other parameter."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(article_id) if name == "article_id" else EXAMPLES.get(name, "1")

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def test_the_route_list_covers_the_api() -> None:
    assert len(API_ROUTES) > 35
    assert len(ADMIN_ROUTES) > 15
    assert ("PUT", "/api/v1/articles/{article_id:int}") in API_ROUTES


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_refused_without_a_token(client: TestClient[Any], method: str, path: str) -> None:
    response = client.request(method, fill(path), json={})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
def dead_tokens(db: Database, clock: FrozenClock) -> dict[str, str]:
    """A revoked and an expired token of an admin, who could otherwise do anything."""
    _, revoked = make_user(db, clock, "revoked-admin", "admin")
    with db.transaction() as session:
        user = auth.get_user(session, "revoked-admin")
        auth.revoke_token(session, split_token(revoked) or "", now=clock.now())
        _, expired = auth.create_token(session, user, now=clock.now() - timedelta(days=2), expires_in_days=1)
    return {"revoked": revoked, "expired": expired}


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_refused_with_a_revoked_or_expired_token(
    client: TestClient[Any], dead_tokens: dict[str, str], method: str, path: str
) -> None:
    for kind, token in dead_tokens.items():
        response = client.request(method, fill(path), json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, f"{kind}: {response.text}"
        assert ("revoked" if kind == "revoked" else "expired") in response.json()["detail"]


ARTICLE_ROUTES = [(method, path) for method, path in API_ROUTES if "{article_id" in path]


@pytest.mark.parametrize(("method", "path"), ARTICLE_ROUTES)
def test_an_article_of_another_desk_is_404_like_a_missing_one(
    newsroom: dict[str, Actor], method: str, path: str
) -> None:
    story = newsroom["writer"].create()  # a news story
    opinion_editor = newsroom["opinion_editor"]
    for article_id in (story["id"], story["id"] + 1000):
        response = opinion_editor.request(method, fill(path, article_id), json={}, headers={"If-Match": '"r1"'})
        assert response.status_code == 404, response.text
    assert newsroom["news_editor"].get(fill("/api/v1/articles/{article_id}", story["id"])).status_code == 200


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_routes_refuse_every_desk_role(newsroom: dict[str, Actor], method: str, path: str) -> None:
    for who in ("news_editor", "opinion_editor", "publisher", "robot"):
        response = newsroom[who].request(method, fill(path), json={})
        assert response.status_code == 403, f"{who}: {response.text}"


def test_tokens_are_stored_only_as_their_sha256(db: Database, clock: FrozenClock) -> None:
    _, secret = make_user(db, clock, "someone", "writer")
    with db.transaction(write=False) as session:
        stored = session.scalar(select(ApiToken).where(ApiToken.prefix == split_token(secret)))
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored.model_dump())


def test_a_token_is_checked_against_its_stored_hash_in_constant_time(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash is compared with ``hmac.compare_digest``, never ``==`` (which stops at the first difference)."""
    _, secret = make_user(db, clock, "someone", "writer")
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def recording(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    stored = hashlib.sha256(secret.encode()).hexdigest()
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    with db.transaction(write=False) as session:
        assert auth.authenticate_token(session, secret, now=clock.now()).username == "someone"
        with pytest.raises(NotAuthenticated):
            auth.authenticate_token(session, forged, now=clock.now())
    assert compared == [(stored, stored), (hashlib.sha256(forged.encode()).hexdigest(), stored)]
