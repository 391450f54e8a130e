"""Regressions for what Schemathesis found: the document must describe every response the service sends."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support import Actor

PROBLEM = "application/problem+json"


@pytest.fixture
def document(client: TestClient[Any]) -> dict[str, Any]:
    return client.get("/schema/openapi.json").json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    methods = {"get", "put", "post", "delete", "patch"}
    return [(m, p, op) for p, item in document["paths"].items() for m, op in item.items() if m in methods]


def test_secured_operations_document_401_403_and_429(document: dict[str, Any]) -> None:
    secured = [(m, p, op) for m, p, op in operations(document) if op.get("security")]
    assert len(secured) > 35
    for method, path, operation in secured:
        for status in ("401", "403", "429"):
            assert PROBLEM in operation["responses"][status]["content"], (method, path, status)


def test_validation_errors_are_documented_as_422_problems_not_litestars_400(document: dict[str, Any]) -> None:
    create = document["paths"]["/api/v1/articles"]["post"]["responses"]
    assert create["422"]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert list(create["400"]["content"]) == [PROBLEM]
    assert {"type", "title", "status", "detail"} <= set(document["components"]["schemas"]["Problem"]["required"])


def test_saves_document_404_412_413_and_428(document: dict[str, Any]) -> None:
    save = document["paths"]["/api/v1/articles/{article_id}"]["put"]["responses"]
    assert {"200", "404", "409", "412", "413", "422", "428"} <= set(save)


def test_every_problem_sent_is_documented_for_its_operation(
    client: TestClient[Any], newsroom: dict[str, Actor], document: dict[str, Any]
) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    path = document["paths"]["/api/v1/articles/{article_id}"]
    sent = {
        ("get", "401"): client.get(f"/api/v1/articles/{article['id']}"),
        ("get", "404"): writer.get("/api/v1/articles/99999"),
        ("put", "428"): writer.put(f"/api/v1/articles/{article['id']}", json={"title": "New"}),
        ("put", "422"): writer.put(f"/api/v1/articles/{article['id']}", json={"title": ""}, headers={"If-Match": "x"}),
    }
    for (method, status), response in sent.items():
        assert str(response.status_code) == status, response.text
        assert response.headers["content-type"] in path[method]["responses"][status]["content"]


def test_options_lists_every_method_of_the_resource(newsroom: dict[str, Actor]) -> None:
    # Litestar's own OPTIONS answer listed only the first handler's method: "OPTIONS, POST".
    response = newsroom["admin"].request("OPTIONS", "/api/v1/desks")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"


def test_an_unsupported_method_is_405_with_allow(client: TestClient[Any]) -> None:
    # The problem handler dropped the Allow header RFC 9110 requires on a 405.
    response = client.request("TRACE", "/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "GET" in response.headers["allow"]
