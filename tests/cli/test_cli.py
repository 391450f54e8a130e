"""The ``editorial`` command line against a temporary SQLite file: migrations, users, tokens and demo data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from litestar.testing import TestClient
from sqlalchemy import inspect

from editorial.app import create_app
from editorial.auth import services
from editorial.cli import main
from editorial.db import Database
from editorial.lib.clock import Clock, FrozenClock
from editorial.settings import Settings, get_settings


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """EDITORIAL_DATABASE_URL pointing at a new SQLite file, for commands that read the cached settings."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("EDITORIAL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by ``editorial db upgrade``, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("cli-template") / "migrated.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDITORIAL_DATABASE_URL", f"sqlite:///{path}")
        get_settings.cache_clear()
        ok("db", "upgrade")
    get_settings.cache_clear()
    return path


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def migrated(database_file: str, migrated_template: Path) -> str:
    shutil.copyfile(migrated_template, database_file.removeprefix("sqlite:///"))
    return database_file


def table_names(url: str) -> set[str]:
    db = Database(Settings(database_url=url))
    try:
        return set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def as_caller(url: str, token: str, clock: Clock | None = None) -> Any:
    """``GET /api/v1/me`` with ``token`` against an app on the CLI's database."""
    settings = Settings(database_url=url, access_log=False, log_level="WARNING")
    db = Database(settings)
    try:
        with TestClient(create_app(settings, clock=clock, db=db)) as client:
            return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        db.dispose()


def test_db_upgrade_creates_the_schema(database_file: str) -> None:
    result = ok("db", "upgrade")
    assert "database at head" in result.output
    assert {"users", "desks", "articles", "revisions", "api_tokens"} <= table_names(database_file)


def test_db_downgrade_base_removes_every_table_and_upgrade_restores_them(migrated: str) -> None:
    assert "database at base" in ok("db", "downgrade", "base").output
    assert table_names(migrated) <= {"alembic_version"}
    ok("db", "upgrade")
    assert "articles" in table_names(migrated)


def test_db_downgrade_needs_a_revision(migrated: str) -> None:
    result = run("db", "downgrade")
    assert result.exit_code == 2
    assert "REVISION" in result.output


def test_users_create_with_desk_and_global_roles(migrated: str) -> None:
    result = ok("users", "create", "wendy", "--name", "Wendy Writer", "--role", "writer", "--role", "editor:news")
    assert "created wendy (writer, editor:news)" in result.output
    assert ok("users", "list").output.splitlines() == ["wendy\tWendy Writer\twriter, editor:news"]


def test_users_create_without_a_name_uses_the_username(migrated: str) -> None:
    ok("users", "create", "robot", "--role", "automation")
    assert ok("users", "list").output.splitlines() == ["robot\trobot\tautomation"]


def test_users_create_reads_a_password_from_stdin(migrated: str) -> None:
    result = run("users", "create", "pat", "--password-stdin", input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output


@pytest.mark.parametrize("role", ["overlord", "overlord:news", ":news"])
def test_users_create_with_an_unknown_role_is_a_clean_usage_error(migrated: str, role: str) -> None:
    result = run("users", "create", "sam", "--role", role)
    assert result.exit_code == 2
    assert "--role" in result.output
    assert "unknown role" in result.output
    assert "Traceback" not in result.output
    assert ok("users", "list").output == ""


def test_users_create_with_an_unknown_desk_is_a_clean_error_and_creates_nothing(migrated: str) -> None:
    result = run("users", "create", "sam", "--role", "editor:sports")
    assert result.exit_code == 1
    assert "unknown desk 'sports'" in result.output
    assert ok("users", "list").output == ""


def test_users_create_with_a_taken_username_is_a_clean_error(migrated: str) -> None:
    ok("users", "create", "wendy", "--role", "writer:news")
    result = run("users", "create", "wendy", "--role", "editor")
    assert result.exit_code == 1
    assert "taken" in result.output
    assert ok("users", "list").output.splitlines() == ["wendy\twendy\twriter:news"]


def test_users_create_with_an_invalid_username_is_a_clean_error(migrated: str) -> None:
    result = run("users", "create", "Not Valid")
    assert result.exit_code == 1
    assert "username" in result.output


def test_users_list_shows_disabled_accounts(migrated: str) -> None:
    ok("users", "create", "wendy")
    db = Database(Settings(database_url=migrated))
    try:
        with db.transaction() as session:
            services.get_user(session, "wendy").is_active = False
    finally:
        db.dispose()
    assert ok("users", "list").output.splitlines() == ["wendy\twendy\t (disabled)"]


def test_tokens_create_prints_the_token_alone_on_the_last_line_and_it_authenticates(migrated: str) -> None:
    ok("users", "create", "wendy", "--name", "Wendy Writer", "--role", "writer:news")
    output = ok("tokens", "create", "wendy").output.splitlines()
    token = output[-1]
    assert token == token.strip()
    assert " " not in token
    assert token.startswith("edt_")
    assert "expires never" in output[0]
    response = as_caller(migrated, token)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "username": "wendy",
        "display_name": "Wendy Writer",
        "roles": [{"role": "writer", "desk": "news"}],
    }


def test_tokens_create_with_expiry_stops_working_after_it(migrated: str) -> None:
    ok("users", "create", "wendy")
    issued = datetime.now(UTC)
    output = ok("tokens", "create", "wendy", "--expires-in-days", "3").output.splitlines()
    token = output[-1]
    expires = datetime.fromisoformat(output[0].split("expires ")[1].split(";")[0])
    assert timedelta(days=3) - timedelta(minutes=1) < expires - issued < timedelta(days=3) + timedelta(minutes=1)
    assert as_caller(migrated, token, FrozenClock(expires - timedelta(seconds=1))).status_code == 200
    response = as_caller(migrated, token, FrozenClock(expires))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize("days", ["0", "-1", "3651", "soon"])
def test_tokens_create_refuses_an_expiry_out_of_range(migrated: str, days: str) -> None:
    ok("users", "create", "wendy")
    result = run("tokens", "create", "wendy", "--expires-in-days", days)
    assert result.exit_code == 2
    assert "--expires-in-days" in result.output


def test_tokens_create_for_an_unknown_user_is_a_clean_error(migrated: str) -> None:
    result = run("tokens", "create", "nobody")
    assert result.exit_code == 1
    assert "no user 'nobody'" in result.output


def test_tokens_revoke_by_prefix_makes_the_token_fail(migrated: str) -> None:
    ok("users", "create", "wendy")
    token = ok("tokens", "create", "wendy").output.splitlines()[-1]
    prefix = "_".join(token.split("_")[:2])
    assert as_caller(migrated, token).status_code == 200
    assert f"revoked {prefix}" in ok("tokens", "revoke", prefix).output
    response = as_caller(migrated, token)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_tokens_revoke_of_an_unknown_prefix_is_a_clean_error(migrated: str) -> None:
    result = run("tokens", "revoke", "edt_00000000")
    assert result.exit_code == 1
    assert "no token" in result.output


def test_demo_loads_people_and_articles_into_an_empty_database_once(database_file: str) -> None:
    result = ok("demo")
    assert "demo data loaded" in result.output
    tokens = {line.split()[0]: line.split()[1] for line in result.output.splitlines() if line.startswith("  ")}
    assert set(tokens) == {"admin", "wendy", "nora", "oscar", "fiona", "pat", "robot"}
    settings = Settings(database_url=database_file, access_log=False, log_level="WARNING")
    db = Database(settings)
    try:
        with TestClient(create_app(settings, db=db)) as client:
            headers = {"Authorization": f"Bearer {tokens['admin']}"}
            articles = client.get("/api/v1/articles", headers=headers).json()["items"]
            users = client.get("/api/v1/users", headers=headers).json()
    finally:
        db.dispose()
    assert len(articles) >= 5
    assert {"draft", "editing", "fact_check", "ready", "scheduled", "published"} <= {a["state"] for a in articles}
    assert {a["desk"] for a in articles} == {"news", "opinion"}
    assert {u["username"] for u in users} == set(tokens)
    people = ok("users", "list").output
    again = run("demo")
    assert again.exit_code == 1
    assert "already has users" in again.output
    assert ok("users", "list").output == people


def test_demo_refuses_a_database_that_has_users(migrated: str) -> None:
    ok("users", "create", "wendy")
    result = run("demo")
    assert result.exit_code == 1
    assert "already has users" in result.output
    assert ok("users", "list").output.splitlines() == ["wendy\twendy\t"]
