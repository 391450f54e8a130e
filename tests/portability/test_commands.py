"""``editorial export`` and ``editorial import`` from the command line (SQLite files)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from editorial.cli import main
from editorial.settings import get_settings


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Point the commands at a SQLite file (the settings are cached, so clear them each time)."""

    def use(path: Path) -> None:
        monkeypatch.setenv("EDITORIAL_DATABASE_URL", f"sqlite:///{path}")
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_then_import_into_a_new_database(tmp_path: Path, use_database: object) -> None:
    use = use_database
    use(tmp_path / "old.db")  # type: ignore[operator]
    assert run("db", "upgrade").exit_code == 0
    assert run("users", "create", "ada", "--role", "editor:news").exit_code == 0
    backup = tmp_path / "newsroom.jsonl"
    exported = run("export", "--output", str(backup))
    assert exported.exit_code == 0, exported.output
    assert '"username":"ada"' in backup.read_text()

    use(tmp_path / "new.db")  # type: ignore[operator]
    imported = run("import", str(backup))
    assert imported.exit_code == 0, imported.output
    assert "1 user" in imported.output
    assert run("export").output == backup.read_text()
    assert run("users", "list").output.startswith("ada\t")

    again = run("import", str(backup))
    assert again.exit_code == 1
    assert "nothing imported: the database is not empty (1 users)" in again.output
