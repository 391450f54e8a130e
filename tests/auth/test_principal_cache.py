"""The principal cache: a token seen lately skips the database, but never outlives a change to it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import update

from editorial.app import create_app
from editorial.db import Database
from editorial.db.models import ApiToken
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.support import Actor, make_user

ME = "/api/v1/me"


def _prefix(token: str) -> str:
    return "_".join(token.split("_", 2)[:2])


def test_a_cached_token_is_refused_as_soon_as_it_is_revoked(newsroom: dict[str, Actor]) -> None:
    writer, admin = newsroom["writer"], newsroom["admin"]
    assert writer.get(ME).status_code == 200  # now cached
    assert admin.delete(f"/api/v1/users/writer/tokens/{_prefix(writer.token)}").status_code == 200
    response = writer.get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_role_taken_away_applies_to_the_next_request(newsroom: dict[str, Actor]) -> None:
    editor, admin = newsroom["news_editor"], newsroom["admin"]
    assert editor.get(ME).json()["roles"] == [{"role": "editor", "desk": "news"}]
    assert admin.delete("/api/v1/users/news-editor/roles/editor", params={"desk": "news"}).status_code in {200, 204}
    assert editor.get(ME).json()["roles"] == []


def test_a_disabled_account_is_refused_at_once_though_cached(newsroom: dict[str, Actor]) -> None:
    writer, admin = newsroom["writer"], newsroom["admin"]
    assert writer.get(ME).status_code == 200
    assert admin.patch("/api/v1/users/writer", json={"is_active": False}).status_code == 200
    assert writer.get(ME).status_code == 401


def test_another_process_revocation_is_seen_within_the_cache_lifetime(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock, settings: Settings
) -> None:
    writer = newsroom["writer"]
    assert writer.get(ME).status_code == 200
    # A revocation this process did not make: a plain UPDATE, as another process's commit looks from here.
    with db.transaction() as session:
        session.execute(update(ApiToken).where(ApiToken.prefix == _prefix(writer.token)).values(revoked_at=clock.now()))
    assert writer.get(ME).status_code == 200, "served from the cache until its lifetime ends"
    clock.advance(timedelta(seconds=settings.auth_cache_seconds))
    assert writer.get(ME).status_code == 401


def test_a_cached_token_is_refused_the_moment_it_expires(settings: Settings, db: Database, clock: FrozenClock) -> None:
    long_lived_cache = settings.model_copy(update={"auth_cache_seconds": 7 * 24 * 3600.0})
    with TestClient(create_app(long_lived_cache, clock=clock, db=db)) as client:
        _, admin_token = make_user(db, clock, "admin", "admin")
        make_user(db, clock, "writer", "writer:news")
        admin = Actor(client, "admin", admin_token)
        created = admin.post("/api/v1/users/writer/tokens", json={"expires_in_days": 1})
        writer = Actor(client, "writer", created.json()["token"])
        assert writer.get(ME).status_code == 200
        clock.advance(timedelta(days=1) - timedelta(seconds=1))
        assert writer.get(ME).status_code == 200
        clock.advance(timedelta(seconds=1))
        response = writer.get(ME)
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]


def test_with_the_cache_off_every_request_reads_the_token(settings: Settings, db: Database, clock: FrozenClock) -> None:
    no_cache = settings.model_copy(update={"auth_cache_seconds": 0.0})
    app: Any = create_app(no_cache, clock=clock, db=db)
    with TestClient(app) as client:
        _, token = make_user(db, clock, "writer", "writer:news")
        writer = Actor(client, "writer", token)
        assert writer.get(ME).status_code == 200
        with db.transaction() as session:
            session.execute(update(ApiToken).where(ApiToken.prefix == _prefix(token)).values(revoked_at=clock.now()))
        assert writer.get(ME).status_code == 401
