"""Service basics through the test client: health checks, the OpenAPI document, and request ids."""

from __future__ import annotations

import gc
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from editorial.app import create_app
from editorial.articles import reading
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.lib.logging import JSONFormatter
from editorial.settings import Settings
from tests.articles.problems import assert_problem
from tests.support import Actor


def test_health_checks_the_database(client: TestClient[Any]) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["version"]


def test_health_is_503_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    # A directory is not a database file: every connection attempt fails.
    settings = Settings(database_url=f"sqlite:///{tmp_path}", access_log=False, log_level="WARNING")
    with TestClient(create_app(settings, db=Database(settings))) as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["status"] == "unavailable"
        assert response.json()["database"] == "OperationalError"
        assert client.get("/health/live").status_code == 200


def test_liveness_needs_no_database(client: TestClient[Any]) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_the_api(client: TestClient[Any]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "editorial"
    paths = document["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{username}/roles",
        "/api/v1/users/{username}/roles/{role}",
        "/api/v1/users/{username}/tokens",
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/articles/{article_id}/revisions",
        "/api/v1/articles/{article_id}/revisions/{number}",
        "/api/v1/articles/{article_id}/revisions/{number}/restore",
        "/health",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/articles/{article_id}"]) >= {"get", "put"}
    parameters = {p["name"] for p in paths["/api/v1/articles"]["get"]["parameters"]}
    assert parameters >= {"state", "desk", "author", "q", "limit", "cursor"}


def test_request_id_is_echoed(client: TestClient[Any]) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "trace-abc-123"})
    assert response.headers["x-request-id"] == "trace-abc-123"


def test_request_id_is_generated_when_absent(client: TestClient[Any]) -> None:
    first = client.get("/health/live").headers["x-request-id"]
    second = client.get("/health/live").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_request_id_is_on_error_responses_too(client: TestClient[Any], newsroom: dict[str, Actor]) -> None:
    unauthenticated = client.get("/api/v1/me", headers={"X-Request-ID": "req-401"})
    assert_problem(unauthenticated, 401)
    assert unauthenticated.headers["x-request-id"] == "req-401"
    missing = newsroom["writer"].get("/api/v1/articles/4242", headers={"X-Request-ID": "req-404"})
    assert_problem(missing, 404)
    assert missing.headers["x-request-id"] == "req-404"


class Collect(logging.Handler):
    """Keeps each record, formatted by the service's JSON formatter."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JSONFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def access_lines() -> Iterator[list[dict[str, Any]]]:
    handler = Collect()
    logger = logging.getLogger("editorial.access")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_each_request_logs_one_json_line_with_its_id(
    settings: Settings, clock: FrozenClock, db: Database, access_lines: list[dict[str, Any]]
) -> None:
    logged = settings.model_copy(update={"access_log": True, "log_level": "INFO"})
    with TestClient(create_app(logged, clock=clock, db=db)) as client:
        client.get("/api/v1/me", headers={"X-Request-ID": "req-logged"})
    [line] = [entry for entry in access_lines if entry["request_id"] == "req-logged"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/me", 401)
    assert line["level"] == "INFO"
    assert line["ms"] >= 0


def test_an_overlong_request_id_is_cut_to_100_characters(client: TestClient[Any]) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "r" * 500})
    assert response.headers["x-request-id"] == "r" * 100


def test_unknown_routes_are_404_problems(client: TestClient[Any], newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["writer"].get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/nothing-here"), 404)


def test_wrong_method_is_405_problem(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["writer"].request("PATCH", "/api/v1/articles"), 405)


def test_a_request_that_waits_out_the_pool_is_503_with_retry_after(
    newsroom: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    def pool_exhausted(*_: Any, **__: Any) -> Any:
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 30.00")

    monkeypatch.setattr(reading, "get", pool_exhausted)
    response = newsroom["writer"].get("/api/v1/articles/1")
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"


@pytest.mark.parametrize("settle", [False, True])
def test_serving_freezes_what_start_up_left_out_of_full_collections(
    settings: Settings, db: Database, clock: FrozenClock, settle: bool
) -> None:
    # A full collection walking the start-up heap stalled the event loop for 60 ms under heavy diffs.
    gc.unfreeze()
    try:
        with TestClient(create_app(settings, clock=clock, db=db, settle_heap=settle)) as client:
            assert client.get("/health/live").status_code == 200
            frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # the rest of the suite builds hundreds of apps: let them be collected
    assert (frozen > 10_000) is settle
