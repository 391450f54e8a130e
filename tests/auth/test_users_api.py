"""Admin-only user, role-grant and token management under ``/api/v1/users``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from tests.articles.problems import assert_problem, error_fields
from tests.support import Actor, make_user

USERS = "/api/v1/users"
ADMIN_ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", USERS, None),
    ("POST", USERS, {"username": "newbie", "display_name": "Newbie"}),
    ("GET", f"{USERS}/writer", None),
    ("PATCH", f"{USERS}/writer", {"display_name": "Renamed"}),
    ("POST", f"{USERS}/writer/roles", {"role": "admin"}),
    ("DELETE", f"{USERS}/writer/roles/writer?desk=news", None),
    ("GET", f"{USERS}/writer/tokens", None),
    ("POST", f"{USERS}/writer/tokens", {}),
    ("DELETE", f"{USERS}/writer/tokens/edt_00000000", None),
]


def prefix_of(token: str) -> str:
    return "_".join(token.split("_")[:2])


@pytest.mark.parametrize(("method", "url", "body"), ADMIN_ENDPOINTS)
def test_non_admins_get_403_on_user_management(
    newsroom: dict[str, Actor], method: str, url: str, body: dict[str, Any] | None
) -> None:
    for who in ("writer", "news_editor", "fact_checker", "publisher", "robot", "outsider"):
        assert_problem(newsroom[who].request(method, url, json=body), 403, "not-permitted")
    writer = newsroom["admin"].get(f"{USERS}/writer").json()
    assert writer["display_name"] == "Writer"
    assert len(writer["roles"]) == 2


def test_an_admin_of_one_desk_is_not_a_user_admin(
    client: TestClient[Any], newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    _, token = make_user(db, clock, "desk-admin", "admin:news")
    response = client.get(USERS, headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 403, "not-permitted")


def test_list_users_in_username_order_with_roles(newsroom: dict[str, Actor]) -> None:
    response = newsroom["admin"].get(USERS)
    assert response.status_code == 200
    users = response.json()
    usernames = [u["username"] for u in users]
    assert usernames == sorted(usernames)
    assert set(usernames) == {a.username for a in newsroom.values()}
    by_name = {u["username"]: u for u in users}
    assert by_name["news-editor"]["roles"] == [{"role": "editor", "desk": "news"}]
    assert by_name["outsider"]["roles"] == []
    assert all("password" not in key for u in users for key in u)


def test_create_user_with_roles_and_password(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    admin = newsroom["admin"]
    response = admin.post(
        USERS,
        json={
            "username": "olga",
            "display_name": "Olga Opinion",
            "password": "correct horse battery",
            "roles": [{"role": "writer", "desk": "opinion"}, {"role": "fact_checker"}],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["username"] == "olga"
    assert created["display_name"] == "Olga Opinion"
    assert created["is_active"] is True
    assert created["roles"] == [{"role": "writer", "desk": "opinion"}, {"role": "fact_checker", "desk": None}]
    assert created["created_at"] == clock.now().isoformat().replace("+00:00", "Z")
    assert not any("password" in key for key in created)
    assert admin.get(f"{USERS}/olga").json() == created


def test_create_user_with_a_taken_username_is_409(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(
        newsroom["admin"].post(USERS, json={"username": "writer", "display_name": "Another"}), 409, "conflict"
    )
    assert "writer" in body["detail"]


def test_create_user_rejects_invalid_fields_with_422(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    for payload, fields in [
        ({"username": "Bad Name", "display_name": "x"}, ["username"]),
        ({"username": "x", "display_name": "x"}, ["username"]),
        ({"username": "ok-name", "display_name": ""}, ["display_name"]),
        ({"username": "ok-name", "display_name": "x", "password": "short"}, ["password"]),
        ({"username": "ok-name", "display_name": "x", "roles": [{"role": "overlord"}]}, ["roles.0.role"]),
        ({"username": 5, "display_name": ["x"], "roles": "writer"}, ["username", "display_name", "roles"]),
        ({}, ["username", "display_name"]),
    ]:
        body = assert_problem(admin.post(USERS, json=payload), 422, "invalid-input")
        assert sorted(error_fields(body)) == sorted(fields), payload
    assert len(admin.get(USERS).json()) == len(newsroom)


def test_create_user_with_a_role_on_an_unknown_desk_is_422_and_creates_nothing(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    payload = {"username": "sam", "display_name": "Sam", "roles": [{"role": "writer", "desk": "sports"}]}
    body = assert_problem(admin.post(USERS, json=payload), 422, "invalid-input")
    assert body["errors"] == [{"field": "desk", "message": "unknown desk 'sports'"}]
    assert_problem(admin.get(f"{USERS}/sam"), 404, "not-found")


def test_get_unknown_user_is_404(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["admin"].get(f"{USERS}/nobody"), 404, "not-found")
    assert "nobody" in body["detail"]


def test_patch_changes_only_the_fields_sent(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    response = admin.patch(f"{USERS}/writer", json={"display_name": "Wendy Writer"})
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["display_name"], patched["is_active"]) == ("Wendy Writer", True)
    assert patched["roles"] == [{"role": "writer", "desk": "news"}, {"role": "writer", "desk": "opinion"}]
    assert admin.get(f"{USERS}/writer").json()["display_name"] == "Wendy Writer"


def test_patch_unknown_user_is_404(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["admin"].patch(f"{USERS}/nobody", json={"display_name": "x"}), 404, "not-found")


def test_patch_with_invalid_fields_is_422_per_field(newsroom: dict[str, Actor]) -> None:
    response = newsroom["admin"].patch(f"{USERS}/writer", json={"display_name": "", "password": "short"})
    body = assert_problem(response, 422, "invalid-input")
    assert sorted(error_fields(body)) == ["display_name", "password"]


def test_grant_a_desk_role(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    response = admin.post(f"{USERS}/writer2/roles", json={"role": "editor", "desk": "news"})
    assert response.status_code == 201, response.text
    assert {"role": "editor", "desk": "news"} in response.json()["roles"]
    assert {"role": "editor", "desk": "news"} in newsroom["writer2"].get("/api/v1/me").json()["roles"]


def test_granting_a_role_already_held_changes_nothing(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    before = admin.get(f"{USERS}/writer").json()["roles"]
    response = admin.post(f"{USERS}/writer/roles", json={"role": "writer", "desk": "news"})
    assert response.status_code == 201
    assert response.json()["roles"] == before


def test_grant_an_unknown_role_is_422(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["admin"].post(f"{USERS}/writer/roles", json={"role": "overlord"}), 422)
    assert error_fields(body) == ["role"]


def test_grant_on_an_unknown_desk_is_422(newsroom: dict[str, Actor]) -> None:
    response = newsroom["admin"].post(f"{USERS}/writer/roles", json={"role": "editor", "desk": "sports"})
    assert error_fields(assert_problem(response, 422, "invalid-input")) == ["desk"]


def test_grant_to_an_unknown_user_is_404(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["admin"].post(f"{USERS}/nobody/roles", json={"role": "writer"}), 404, "not-found")


def test_revoke_a_desk_role_keeps_the_others(newsroom: dict[str, Actor]) -> None:
    response = newsroom["admin"].delete(f"{USERS}/writer/roles/writer?desk=news")
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == [{"role": "writer", "desk": "opinion"}]
    assert newsroom["writer"].get("/api/v1/me").json()["roles"] == [{"role": "writer", "desk": "opinion"}]


def test_revoke_a_global_role(newsroom: dict[str, Actor]) -> None:
    response = newsroom["admin"].delete(f"{USERS}/publisher/roles/publisher")
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == []


def test_revoke_needs_the_desk_the_role_was_granted_on(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    assert_problem(admin.delete(f"{USERS}/writer/roles/writer"), 404, "not-found")
    assert_problem(admin.delete(f"{USERS}/publisher/roles/publisher?desk=news"), 404, "not-found")
    assert len(admin.get(f"{USERS}/writer").json()["roles"]) == 2


def test_revoke_a_role_never_granted_is_404(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["admin"].delete(f"{USERS}/writer/roles/editor?desk=news"), 404, "not-found")
    assert "editor" in body["detail"]


def test_revoke_an_unknown_role_name_is_404_not_500(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["admin"].delete(f"{USERS}/writer/roles/overlord"), 404, "not-found")
    assert "overlord" in body["detail"]


def test_revoke_for_an_unknown_user_is_404(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["admin"].delete(f"{USERS}/nobody/roles/writer"), 404, "not-found")


def test_issued_token_is_shown_once_and_authenticates(
    client: TestClient[Any], newsroom: dict[str, Actor], clock: FrozenClock
) -> None:
    admin = newsroom["admin"]
    response = admin.post(f"{USERS}/outsider/tokens", json={"name": "laptop", "expires_in_days": 30})
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["name"] == "laptop"
    assert issued["token"].startswith(issued["prefix"] + "_")
    assert issued["expires_at"] == "2026-01-31T09:00:00Z"
    assert issued["revoked_at"] is None
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert me.json()["username"] == "outsider"
    listed = admin.get(f"{USERS}/outsider/tokens").json()
    assert [t["prefix"] for t in listed] == [prefix_of(newsroom["outsider"].token), issued["prefix"]]
    assert all(set(t) == {"prefix", "name", "scopes", "created_at", "expires_at", "revoked_at"} for t in listed)


def test_token_lists_never_show_secrets_or_hashes(newsroom: dict[str, Actor]) -> None:
    listed = newsroom["admin"].get(f"{USERS}/writer/tokens")
    assert listed.status_code == 200
    assert newsroom["writer"].token.split("_", 2)[2] not in listed.text  # the secret may contain "_"
    assert "hash" not in listed.text


def test_token_with_out_of_range_expiry_is_422(newsroom: dict[str, Actor]) -> None:
    for days in (0, 3651, "soon"):
        response = newsroom["admin"].post(f"{USERS}/writer/tokens", json={"expires_in_days": days})
        assert error_fields(assert_problem(response, 422, "invalid-input")) == ["expires_in_days"], days
    assert len(newsroom["admin"].get(f"{USERS}/writer/tokens").json()) == 1


def test_revoke_token_records_when(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    admin, writer = newsroom["admin"], newsroom["writer"]
    prefix = prefix_of(writer.token)
    response = admin.delete(f"{USERS}/writer/tokens/{prefix}")
    assert response.status_code == 200, response.text
    assert response.json()["revoked_at"] == "2026-01-01T09:00:00Z"
    assert admin.get(f"{USERS}/writer/tokens").json()[0]["revoked_at"] == "2026-01-01T09:00:00Z"
    assert_problem(writer.get("/api/v1/me"), 401, "not-authenticated")


def test_revoking_a_token_again_keeps_the_first_revocation_time(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    admin, prefix = newsroom["admin"], prefix_of(newsroom["writer"].token)
    assert admin.delete(f"{USERS}/writer/tokens/{prefix}").status_code == 200
    clock.advance(timedelta(hours=1))
    again = admin.delete(f"{USERS}/writer/tokens/{prefix}")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == "2026-01-01T09:00:00Z"


def test_revoke_unknown_token_is_404(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["admin"].delete(f"{USERS}/writer/tokens/edt_00000000"), 404, "not-found")


def test_revoke_another_users_token_through_the_wrong_user_is_404(newsroom: dict[str, Actor]) -> None:
    admin, writer = newsroom["admin"], newsroom["writer"]
    assert_problem(admin.delete(f"{USERS}/writer2/tokens/{prefix_of(writer.token)}"), 404, "not-found")
    assert writer.get("/api/v1/me").status_code == 200


def test_tokens_of_an_unknown_user_are_404(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    assert_problem(admin.get(f"{USERS}/nobody/tokens"), 404, "not-found")
    assert_problem(admin.post(f"{USERS}/nobody/tokens", json={}), 404, "not-found")
