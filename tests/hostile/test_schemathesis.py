"""Schemathesis against our own OpenAPI document: no 5xx, and every response as the document describes it.

Each operation gets ``MAX_EXAMPLES`` generated requests as an admin, on the backend under test,
with three articles and a webhook in the database; three generated ids, names (desk, role,
transition) and ``If-Match`` values in four are pointed at ones that exist (``steer``), so the
requests reach the services instead of stopping at 404 or 422. Checked: no server
error; status codes, content types, headers and bodies conform to the document; an operation that
takes a token refuses a request without one or with a wrong one; unsupported methods get 405 with
``Allow``. Not checked: that every schema-valid request is accepted (``positive_data_acceptance``):
many are refused by rules no schema states (an unknown desk, a cursor this service did not make);
nor that every schema-violating one is refused (``negative_data_rejection``): parsing is lenient
by design (unknown query parameters are ignored, ``false`` reads as 0, a number as a Unix time).
"""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from editorial.app import create_app
from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate
from editorial.auth import services as auth
from editorial.db import Database
from editorial.db.models import User
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from editorial.webhooks import services as webhooks
from editorial.webhooks.schemas import WebhookCreate
from tests.support import STORY, make_user

MAX_EXAMPLES = int(os.environ.get("EDITORIAL_FUZZ_EXAMPLES", "25"))
"""Per operation; ``make test`` keeps the default (under a minute per backend), a deeper hunt raises it."""

# The document does not depend on the database; this app only serves it (its database is never opened).
_DOCUMENT_ONLY = Settings(database_url=f"sqlite:///{Path(tempfile.gettempdir()) / 'editorial-unused.db'}")
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(_DOCUMENT_ONLY))


@pytest.fixture(scope="module")
def fuzz_app(settings: Settings, _database: tuple[Database, Any]) -> Any:
    """One app for the module (token throttling off: the auth checks send many wrong tokens)."""
    lenient = settings.model_copy(update={"token_failure_limit": 1_000_000})
    return create_app(lenient, clock=FrozenClock(), db=_database[0])


@pytest.fixture
def target(fuzz_app: Any, db: Database) -> tuple[Any, str]:
    """The app under test with a webhook and three articles (so deliveries too), and an admin token."""
    now = fuzz_app.state.clock.now()
    user_id, token = make_user(db, fuzz_app.state.clock, "fuzzer", "admin")
    with db.transaction() as session:
        admin = auth.principal_for(session, session.get(User, user_id))
        hook = WebhookCreate(url="http://127.0.0.1:9/never-called")
        webhooks.create_webhook(session, hook, now=now, allow_private=True)
        for n in range(3):
            articles.create(session, admin, ArticleCreate(**{**STORY, "title": f"Story {n}"}), now=now)
    return fuzz_app, token


KNOWN = {
    "article_id": [1, 2, 3],
    "number": [1, 2],
    "webhook_id": [1],
    "delivery_id": [1, 2],
    "transition": ["submit", "send_to_fact_check", "return_to_writer", "publish"],
    "username": ["fuzzer", "writer"],
    "workflow_id": ["news", "opinion"],
    "desk": ["news", "opinion"],
    "workflow": ["news", "opinion"],
    "role": ["writer", "editor", "fact_checker"],
    "If-Match": ['"r1"'],
}


def _known(name: str, value: Any) -> Any:
    """Three times in four, a value that names something that exists; else the generated one."""
    known, digest = KNOWN.get(name), zlib.crc32(f"{name}={value!r}".encode())
    return known[digest % len(known)] if known and digest % 4 else value


def steer(case: schemathesis.Case) -> None:
    """Point generated ids, names and ``If-Match`` at what exists, so requests get past the 404s and 422s."""
    for where in (case.path_parameters, case.body if isinstance(case.body, dict) else None):
        for name, value in list((where or {}).items()):
            where[name] = _known(name, value)  # type: ignore[index]
    if case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = _known("If-Match", case.headers["If-Match"])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=MAX_EXAMPLES == 25
)
def test_operation(case: schemathesis.Case, target: tuple[Any, str]) -> None:
    app, token = target
    steer(case)
    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
