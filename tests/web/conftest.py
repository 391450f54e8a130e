"""Fixtures for the web app: people with passwords, and browsers (test clients) to sign them in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from tests.web.browsing import ARGS, CHROMIUM
from tests.web.support import Person, make_people


@pytest.fixture
def people(db: Database, clock: FrozenClock) -> dict[str, str]:
    """writer, writer2, news_editor, opinion_editor, fact_checker, publisher, robot, admin, outsider -> username."""
    return make_people(db, clock)


@pytest.fixture
def browser(app: Any) -> Iterator[Callable[..., Person]]:
    """Open a new browser (its own cookies); ``browser("writer")`` opens one signed in as that user."""
    with ExitStack() as stack:

        def open_browser(username: str | None = None, *, base_url: str = "http://testserver.local") -> Person:
            person = Person(stack.enter_context(TestClient(app, base_url=base_url)))
            if username:
                response = person.sign_in(username)
                assert response.status_code == 303, response.text
            return person

        yield open_browser


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (skips where Playwright is missing).

    Package-scoped: Playwright's sync API keeps an event loop running in the main thread while it
    is open, and the webhook worker's tests, which run after these, drive a loop of their own there.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(chromium: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """A new browser context (its own cookies) in Paris, with a page that fails the test on any CSP violation."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_one(context: Any = None, *, width: int = 1280) -> Any:
        if context is None:
            context = chromium.new_context(
                base_url=live_server, timezone_id="Europe/Paris", viewport={"width": width, "height": 900}
            )
            contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        return page

    yield open_one
    for context in contexts:
        context.close()
    assert not [p for p in problems if "Content Security Policy" in p or "htmx" in p.lower()], problems
