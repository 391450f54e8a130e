"""Bad client input to the article endpoints is a 400, 413 or 422 problem, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.app import create_app
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.articles.problems import assert_problem, error_fields
from tests.support import STORY, Actor

ARTICLES = "/api/v1/articles"
JSON = {"Content-Type": "application/json"}


def test_title_of_301_characters_is_422_naming_title(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["writer"].post(ARTICLES, json={**STORY, "title": "x" * 301}), 422, "invalid-input")
    assert error_fields(body) == ["title"]
    assert "300" in body["errors"][0]["message"]


def test_title_of_300_characters_is_accepted(newsroom: dict[str, Actor]) -> None:
    assert newsroom["writer"].create(title="x" * 300)["title"] == "x" * 300


def test_body_over_two_million_characters_is_422_naming_body(newsroom: dict[str, Actor]) -> None:
    response = newsroom["writer"].post(ARTICLES, json={**STORY, "body": "y" * 2_000_001})
    body = assert_problem(response, 422, "invalid-input")
    assert error_fields(body) == ["body"]
    assert "2000000" in body["errors"][0]["message"]


def test_body_of_two_million_characters_is_accepted(newsroom: dict[str, Actor]) -> None:
    assert len(newsroom["writer"].create(body="y" * 2_000_000)["body"]) == 2_000_000


def test_every_oversized_field_is_listed(newsroom: dict[str, Actor]) -> None:
    payload = {**STORY, "title": "x" * 301, "dek": "d" * 2001, "body": "y" * 2_000_001, "tags": ["t" * 61]}
    body = assert_problem(newsroom["writer"].post(ARTICLES, json=payload), 422, "invalid-input")
    assert sorted(error_fields(body)) == ["body", "dek", "tags.0", "title"]


def test_wrong_json_types_are_422_listing_each_field(newsroom: dict[str, Actor]) -> None:
    payload = {"desk": 5, "title": ["a"], "body": None, "dek": {}, "tags": "news", "slug": 7}
    body = assert_problem(newsroom["writer"].post(ARTICLES, json=payload), 422, "invalid-input")
    assert sorted(error_fields(body)) == ["body", "dek", "desk", "slug", "tags", "title"]
    for field in error_fields(body):
        assert field in body["detail"]


def test_missing_required_fields_are_422_listing_each(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["writer"].post(ARTICLES, json={"dek": "only a dek"}), 422, "invalid-input")
    assert sorted(error_fields(body)) == ["body", "desk", "title"]


def test_a_tag_that_is_not_a_string_is_named_by_position(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["writer"].post(ARTICLES, json={**STORY, "tags": ["ok", 3]}), 422)
    assert error_fields(body) == ["tags.1"]


def test_a_json_array_instead_of_an_object_is_422(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["writer"].post(ARTICLES, json=[STORY]), 422, "invalid-input")


def test_malformed_json_is_400(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    for raw in (b"{not json", b'{"desk": "news",', b"\x00\x01", b'{"title": "\\ud800"}', b'{"n": 1e400}'):
        assert_problem(writer.post(ARTICLES, content=raw, headers=JSON), 400)
    assert writer.get(ARTICLES).json()["items"] == []


def test_an_empty_body_is_422_naming_the_body(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["writer"].post(ARTICLES, content=b"", headers=JSON), 422, "invalid-input")
    assert error_fields(body) == ["body"]


def test_body_that_is_not_utf8_is_400_not_500(newsroom: dict[str, Actor]) -> None:
    response = newsroom["writer"].post(ARTICLES, content=b'{"title": "caf\xe9"}', headers=JSON)
    assert_problem(response, 400)


def test_deeply_nested_json_is_400_not_500(newsroom: dict[str, Actor]) -> None:
    raw = b'{"desk": "news", "title": "t", "body": "b", "tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_problem(newsroom["writer"].post(ARTICLES, content=raw, headers=JSON), 400)


def test_malformed_json_on_save_is_400(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    response = writer.put(f"{ARTICLES}/{article['id']}", content=b"{oops", headers={**JSON, "If-Match": '"r1"'})
    assert_problem(response, 400)


@pytest.fixture
def small_client(
    settings: Settings, clock: FrozenClock, db: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient[Any]]:
    """The app built from settings read with EDITORIAL_MAX_REQUEST_BYTES=10000 in the environment."""
    monkeypatch.setenv("EDITORIAL_MAX_REQUEST_BYTES", "10000")
    limited = Settings(database_url=settings.database_url, access_log=False, log_level="WARNING")
    assert limited.max_request_bytes == 10_000
    with TestClient(create_app(limited, clock=clock, db=db)) as client:
        yield client


def test_request_body_over_the_limit_is_413(small_client: TestClient[Any], newsroom: dict[str, Actor]) -> None:
    headers = {**newsroom["writer"].headers, **JSON}
    payload = {**STORY, "body": "y" * 10_000}
    assert_problem(small_client.post(ARTICLES, json=payload, headers=headers), 413)
    payload["body"] = "y" * 9_000
    assert small_client.post(ARTICLES, json=payload, headers=headers).status_code == 201


def test_default_request_limit_admits_a_maximal_body_and_refuses_more(newsroom: dict[str, Actor]) -> None:
    oversized = b'{"desk": "news", "title": "t", "body": "' + b"y" * (4 * 1024 * 1024) + b'"}'
    assert_problem(newsroom["writer"].post(ARTICLES, content=oversized, headers=JSON), 413)


def test_nul_characters_are_never_a_500(newsroom: dict[str, Actor], db: Database) -> None:
    """PostgreSQL text cannot hold NUL: there it is refused as invalid input; SQLite stores it."""
    writer = newsroom["writer"]
    created = writer.post(ARTICLES, json={**STORY, "title": "nul\u0000title"})
    listed = writer.get(ARTICLES, params={"q": "a\u0000b", "author": "w\u0000", "desk": "n\u0000"})
    user = newsroom["admin"].get("/api/v1/users/wri%00ter")
    if db.engine.dialect.name == "postgresql":
        assert_problem(created, 422, "invalid-input")
        assert_problem(listed, 422, "invalid-input")
        assert_problem(user, 422, "invalid-input")
    else:
        assert created.status_code == 201
        assert created.json()["title"] == "nul\u0000title"
        assert listed.status_code == 200
        assert_problem(user, 404, "not-found")
