"""Test helpers: acting as a user over HTTP, and building the fixture newsroom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.testing import TestClient

from editorial.auth import services as auth
from editorial.auth.schemas import RoleRef
from editorial.db import Database
from editorial.lib.clock import Clock

STORY = {
    "desk": "news",
    "title": "Council extends ferry service",
    "dek": "The harbour ferry will run through the winter.",
    "body": "The city council voted on Tuesday to extend the ferry.\n\nRidership doubled since June.",
    "tags": ["transport"],
}


@dataclass
class Actor:
    """A user with a token, making requests through the test client."""

    client: TestClient[Any]
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.request(method, url, headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    # Conveniences for the workflow tests.
    def create(self, **overrides: Any) -> dict[str, Any]:
        response = self.post("/api/v1/articles", json={**STORY, **overrides})
        assert response.status_code == 201, response.text
        return response.json()

    def save(self, article: dict[str, Any] | int, **changes: Any) -> Any:
        article_id = article if isinstance(article, int) else article["id"]
        current = self.get(f"/api/v1/articles/{article_id}")
        assert current.status_code == 200, current.text
        return self.put(f"/api/v1/articles/{article_id}", json=changes, headers={"If-Match": current.headers["etag"]})

    def fire(self, article: dict[str, Any] | int, transition: str, **fields: Any) -> Any:
        article_id = article if isinstance(article, int) else article["id"]
        return self.post(f"/api/v1/articles/{article_id}/workflow/{transition}", json=fields)

    def must(self, article: dict[str, Any] | int, transition: str, **fields: Any) -> dict[str, Any]:
        response = self.fire(article, transition, **fields)
        assert response.status_code == 200, f"{self.username} {transition}: {response.text}"
        return response.json()


def make_user(db: Database, clock: Clock, username: str, *roles: str, password: str | None = None) -> tuple[int, str]:
    """Create a user with ``roles`` ("editor:news", "admin") and a token; returns (id, token)."""
    with db.transaction() as session:
        refs = [RoleRef(role=r.partition(":")[0], desk=r.partition(":")[2] or None) for r in roles]
        user = auth.create_user(
            session, username=username, display_name=username.title(), password=password, roles=refs, now=clock.now()
        )
        _, token = auth.create_token(session, user, now=clock.now())
        assert user.id is not None
        return user.id, token


NEWSROOM = {
    "writer": ["writer:news", "writer:opinion"],
    "writer2": ["writer:news", "writer:opinion"],
    "news_editor": ["editor:news"],
    "opinion_editor": ["editor:opinion"],
    "fact_checker": ["fact_checker"],
    "publisher": ["publisher"],
    "robot": ["automation"],
    "admin": ["admin"],
    "outsider": [],
}
