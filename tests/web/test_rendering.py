"""The template engine: compiled before anyone asks for a page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.web.rendering import zone_names
from tests.web.support import Person, move, write_story


def test_no_page_compiles_a_template_on_its_first_request(
    app: Any, browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock, monkeypatch: Any
) -> None:
    article = write_story(db, clock, people["writer"])
    move(db, clock, people["writer"], article, "submit")
    env = app.template_engine.engine
    compiled: list[str | None] = []
    compile_now = env.compile

    def counting(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return compile_now(source, name, *args, **kwargs)

    monkeypatch.setattr(env, "compile", counting)
    editor = browser(people["news_editor"])
    for url in ("/app", "/app/articles", f"/app/articles/{article}", f"/app/articles/{article}/edit", "/app/schedule"):
        assert editor.get(url).status_code == 200, url
    assert browser(people["admin"]).get("/app/users").status_code == 200
    assert compiled == []  # all were compiled when the app was built (20-45 ms each otherwise)
    assert zone_names.cache_info().currsize == 1  # and the time zone list read
