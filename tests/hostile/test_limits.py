"""Request size limits, security headers on every kind of response, and throttled token guessing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.app import create_app
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.support import STORY, Actor

WRONG = {"Authorization": "Bearer edt_00000000_not-a-token-anybody-was-given"}


def test_a_body_over_the_limit_is_413(newsroom: dict[str, Actor], settings: Settings) -> None:
    body = "x" * settings.max_request_bytes
    response = newsroom["writer"].post("/api/v1/articles", json={**STORY, "body": body})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert newsroom["writer"].get("/api/v1/articles").json()["items"] == []


@pytest.mark.parametrize(
    "url",
    ["/api/v1/me", "/api/v1/articles/999", "/no/such/path", "/health", "/public/articles", "/feeds/news.atom", "/"],
)
def test_every_response_carries_the_security_headers(newsroom: dict[str, Actor], url: str) -> None:
    response = newsroom["writer"].get(url)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"]


@pytest.mark.parametrize("url", ["/", "/app/sign-in"])
def test_html_pages_allow_no_inline_script(client: TestClient[Any], url: str) -> None:
    response = client.get(url)
    assert response.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_json_responses_need_no_content_security_policy(newsroom: dict[str, Actor]) -> None:
    assert "content-security-policy" not in newsroom["writer"].get("/api/v1/me").headers


@pytest.fixture
def strict_client(settings: Settings, db: Database, clock: FrozenClock) -> Any:
    """An app that allows 3 refused tokens per address in 60 s."""
    strict = settings.model_copy(update={"token_failure_limit": 3, "token_failure_window_seconds": 60})
    with TestClient(create_app(strict, clock=clock, db=db)) as test_client:
        yield test_client


def test_token_guessing_is_refused_with_429_after_the_limit(
    strict_client: TestClient[Any], newsroom: dict[str, Actor], clock: FrozenClock
) -> None:
    good = newsroom["writer"].headers
    for _ in range(3):
        assert strict_client.get("/api/v1/me", headers=WRONG).status_code == 401
        clock.advance(timedelta(seconds=10))
    refused = strict_client.get("/api/v1/me", headers=WRONG)
    assert refused.status_code == 429
    assert refused.json()["type"] == "/problems/too-many-requests"
    assert refused.headers["retry-after"] == "30"  # the first failure leaves the window 60 s after it happened
    # While the address is refused, even a good token is not checked: a guesser learns nothing.
    assert strict_client.get("/api/v1/me", headers=good).status_code == 429
    clock.advance(timedelta(seconds=30))
    assert strict_client.get("/api/v1/me", headers=good).status_code == 200


def test_requests_without_a_token_are_not_counted(strict_client: TestClient[Any]) -> None:
    for _ in range(10):
        assert strict_client.get("/api/v1/me").status_code == 401


def test_refused_feed_tokens_count_too(strict_client: TestClient[Any]) -> None:
    codes = [
        strict_client.get("/api/v1/schedule.ics", params={"token": "edt_00000000_x"}).status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_the_web_apps_own_headers_are_kept(client: TestClient[Any]) -> None:
    page = client.get("/app/sign-in")
    assert page.status_code == 200
    assert "same-origin" in page.headers["referrer-policy"]  # the web app's own headers are not overwritten
