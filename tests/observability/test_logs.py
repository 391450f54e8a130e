"""JSON logs: one request id ties the access line, the transition and the events the request caused."""

from __future__ import annotations

import io
import json
import logging

from litestar.testing import TestClient

from editorial.app import create_app
from editorial.auth.principal import SYSTEM
from editorial.db import Database
from editorial.events.outbox import emit
from editorial.lib.clock import FrozenClock
from editorial.lib.logging import JSONFormatter, configure_logging
from editorial.settings import Settings
from tests.support import Actor


def test_a_request_id_ties_the_request_to_its_transition_and_events(
    settings: Settings, db: Database, clock: FrozenClock, newsroom: dict[str, Actor]
) -> None:
    writer = newsroom["writer"]
    article = writer.create(desk="opinion")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    with TestClient(
        create_app(settings.model_copy(update={"log_level": "INFO", "access_log": True}), clock=clock, db=db)
    ) as client:
        logger = logging.getLogger("editorial")
        logger.addHandler(handler)
        try:
            headers = {**writer.headers, "X-Request-ID": "trace-me-123"}
            response = client.post(f"/api/v1/articles/{article['id']}/workflow/submit", headers=headers)
        finally:
            logger.removeHandler(handler)
            configure_logging(settings.log_level)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-me-123"

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    traced = [line for line in lines if line["request_id"] == "trace-me-123"]
    by_logger = {line["logger"]: line for line in traced}
    assert by_logger["editorial.access"]["status"] == 200
    transition = by_logger["editorial.workflow"]
    assert (transition["workflow"], transition["transition"], transition["article_id"]) == (
        "opinion",
        "submit",
        article["id"],
    )
    events = [line for line in traced if line["logger"] == "editorial.events"]
    assert [e["event"] for e in events] == ["article.transitioned"]

    submitted = newsroom["admin"].get("/api/v1/events").json()["items"][-1]
    assert (submitted["id"], submitted["type"]) == (events[0]["seq"], "article.transitioned")
    assert submitted["data"]["request_id"] == "trace-me-123"


def test_work_done_outside_a_request_has_no_request_id_in_its_events(
    db: Database, clock: FrozenClock, newsroom: dict[str, Actor]
) -> None:
    with db.transaction() as session:
        event = emit(session, "article.revised", 1, SYSTEM, clock.now(), revision=2)
    assert "request_id" not in event.data
