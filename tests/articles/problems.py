"""Assertions on RFC 9457 problem responses, shared by the HTTP tests of articles, revisions and identity."""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"


def assert_problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    """Assert ``response`` is a problem document with ``status`` (and type ``/problems/<slug>``); return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers["content-type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["type"].startswith("/problems/")
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    """The fields named by a 422 problem's per-field ``errors`` list, in order."""
    return [error["field"] for error in body["errors"]]
