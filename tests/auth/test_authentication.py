"""Bearer authentication and ``GET /api/v1/me``: who the caller is, and every way a token can fail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.lib.clock import FrozenClock
from tests.articles.problems import assert_problem
from tests.support import Actor

ME = "/api/v1/me"


def test_me_names_the_caller_and_its_desk_roles(newsroom: dict[str, Actor]) -> None:
    response = newsroom["writer"].get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "username": "writer",
        "display_name": "Writer",
        "roles": [{"role": "writer", "desk": "news"}, {"role": "writer", "desk": "opinion"}],
    }


def test_me_shows_a_global_role_with_a_null_desk(newsroom: dict[str, Actor]) -> None:
    assert newsroom["admin"].get(ME).json()["roles"] == [{"role": "admin", "desk": None}]


def test_me_of_a_user_without_roles_lists_none(newsroom: dict[str, Actor]) -> None:
    assert newsroom["outsider"].get(ME).json()["roles"] == []


def test_bearer_scheme_is_case_insensitive(client: TestClient[Any], newsroom: dict[str, Actor]) -> None:
    response = client.get(ME, headers={"Authorization": f"bearer {newsroom['writer'].token}"})
    assert response.status_code == 200
    assert response.json()["username"] == "writer"


def test_missing_authorization_is_401(client: TestClient[Any]) -> None:
    body = assert_problem(client.get(ME), 401, "not-authenticated")
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Basic d3JpdGVyOnNlY3JldA==",
        "Bearer",
        "Bearer    ",
        "Token edt_1a2b3c4d_abc",
        "edt_1a2b3c4d_abc",
    ],
)
def test_malformed_authorization_header_is_401(client: TestClient[Any], header: str) -> None:
    body = assert_problem(client.get(ME, headers={"Authorization": header}), 401, "not-authenticated")
    assert "Bearer TOKEN" in body["detail"]


@pytest.mark.parametrize("token", ["not-a-token", "edt_zz_short", "edt_1a2b3c4d_unknown-secret", "a_b_c_d"])
def test_unknown_token_is_401(client: TestClient[Any], token: str) -> None:
    body = assert_problem(client.get(ME, headers={"Authorization": f"Bearer {token}"}), 401, "not-authenticated")
    assert body["detail"] == "unknown token"


def test_known_prefix_with_a_wrong_secret_is_401(client: TestClient[Any], newsroom: dict[str, Actor]) -> None:
    token = newsroom["writer"].token
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    body = assert_problem(client.get(ME, headers={"Authorization": f"Bearer {forged}"}), 401, "not-authenticated")
    assert body["detail"] == "unknown token"


def test_revoked_token_is_401(newsroom: dict[str, Actor]) -> None:
    writer, admin = newsroom["writer"], newsroom["admin"]
    prefix = "_".join(writer.token.split("_")[:2])
    assert admin.delete(f"/api/v1/users/writer/tokens/{prefix}").status_code == 200
    body = assert_problem(writer.get(ME), 401, "not-authenticated")
    assert "revoked" in body["detail"]


def test_token_works_until_it_expires(client: TestClient[Any], newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    created = newsroom["admin"].post("/api/v1/users/writer/tokens", json={"expires_in_days": 2})
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    clock.advance(timedelta(days=2) - timedelta(seconds=1))
    assert client.get(ME, headers=headers).status_code == 200
    clock.advance(timedelta(seconds=1))
    body = assert_problem(client.get(ME, headers=headers), 401, "not-authenticated")
    assert "expired" in body["detail"]


def test_token_without_expiry_still_works_years_later(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    clock.advance(timedelta(days=3650))
    assert newsroom["writer"].get(ME).status_code == 200


def test_disabled_account_is_401_until_enabled_again(newsroom: dict[str, Actor]) -> None:
    writer, admin = newsroom["writer"], newsroom["admin"]
    assert admin.patch("/api/v1/users/writer", json={"is_active": False}).status_code == 200
    body = assert_problem(writer.get(ME), 401, "not-authenticated")
    assert "disabled" in body["detail"]
    assert admin.patch("/api/v1/users/writer", json={"is_active": True}).status_code == 200
    assert writer.get(ME).status_code == 200


def test_every_api_route_requires_a_token(client: TestClient[Any]) -> None:
    for method, url in [
        ("GET", "/api/v1/articles"),
        ("POST", "/api/v1/articles"),
        ("GET", "/api/v1/articles/1"),
        ("PUT", "/api/v1/articles/1"),
        ("GET", "/api/v1/articles/1/revisions"),
        ("GET", "/api/v1/articles/1/revisions/1"),
        ("POST", "/api/v1/articles/1/revisions/1/restore"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/desks"),
    ]:
        assert_problem(client.request(method, url, json={}), 401, "not-authenticated")
