"""Fixtures for the web app: people with passwords, and browsers (test clients) to sign them in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.db import Database
from editorial.lib.clock import FrozenClock
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
