"""``/metrics``: who may scrape it, and what it counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlmodel import select

from editorial.app import create_app
from editorial.db import Database
from editorial.db.models import ScheduleFiring, WebhookAttempt, WebhookDelivery
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from tests.support import Actor

TOKEN = "scrape-me-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def scraper(settings: Settings, db: Database, clock: FrozenClock) -> Any:
    """A test client on an app with a metrics token."""
    with_token = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    with TestClient(create_app(with_token, clock=clock, db=db)) as test_client:
        yield test_client


def scrape(scraper: TestClient[Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


def test_a_remote_scraper_needs_the_token(client: TestClient[Any], scraper: TestClient[Any]) -> None:
    assert client.get("/metrics").status_code == 403  # no token configured: loopback only
    assert scraper.get("/metrics").status_code == 401
    assert scraper.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_loopback_scrapes_without_a_token(live_server: str) -> None:
    response = httpx.get(f"{live_server}/metrics")
    assert response.status_code == 200
    assert "editorial_db_pool_size" in response.text


def test_requests_are_counted_by_route_template_and_status_class(
    scraper: TestClient[Any], newsroom: dict[str, Actor]
) -> None:
    key = (("method", "GET"), ("route", "/api/v1/articles/{article_id}"), ("status", "4xx"))
    before = scrape(scraper).get(("editorial_http_requests_total", key), 0.0)
    for article_id in (123, 456):
        scraper.get(f"/api/v1/articles/{article_id}", headers=newsroom["writer"].headers)
    after = scrape(scraper)
    assert after[("editorial_http_requests_total", key)] == before + 2
    assert after[("editorial_http_request_duration_seconds_count", key)] >= 2
    assert not [name for name, labels in after if "/api/v1/articles/123" in str(labels)]


def test_transitions_are_counted_by_workflow_and_transition(
    scraper: TestClient[Any], newsroom: dict[str, Actor]
) -> None:
    key = ("editorial_workflow_transitions_total", (("transition", "submit"), ("workflow", "opinion")))
    before = scrape(scraper).get(key, 0.0)
    writer = newsroom["writer"]
    writer.must(writer.create(desk="opinion"), "submit")
    assert scrape(scraper)[key] == before + 1


def test_scheduler_and_webhook_figures_come_from_the_database(
    scraper: TestClient[Any], newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    editor, writer = newsroom["opinion_editor"], newsroom["writer"]
    article = writer.create(desk="opinion")
    writer.must(article, "submit")
    editor.must(article, "approve")
    editor.must(article, "schedule", publish_at=(clock.now() + timedelta(minutes=5)).isoformat())
    clock.advance(timedelta(minutes=10))
    now = clock.now()
    with db.transaction() as session:
        for lateness, outcome in ((0.3, "on_time"), (7.0, "late"), (0.0, "failed")):
            session.add(
                ScheduleFiring(
                    article_id=article["id"],
                    action="publish",
                    due_at=now,
                    fired_at=now,
                    outcome=outcome,
                    lateness_seconds=lateness,
                    worker="test",
                )
            )
    metrics = scrape(scraper)
    assert metrics[("editorial_scheduler_overdue", (("action", "publish"),))] == 1
    assert metrics[("editorial_scheduler_lateness_seconds_count", ())] == 2
    assert metrics[("editorial_scheduler_lateness_seconds_bucket", (("le", "0.5"),))] == 1
    assert metrics[("editorial_scheduler_lateness_seconds_bucket", (("le", "10.0"),))] == 2
    assert metrics[("editorial_scheduler_lateness_seconds_sum", ())] == pytest.approx(7.3)
    assert metrics[("editorial_scheduler_firings_total", (("action", "publish"), ("outcome", "failed")))] == 1
    assert metrics[("editorial_webhook_attempts_total", ())] == 0
    assert metrics[("editorial_db_pool_checked_out", ())] >= 1  # the scrape's own session


def test_webhook_attempts_and_failures(
    scraper: TestClient[Any], newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    admin = newsroom["admin"]
    hook = admin.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}).json()
    newsroom["writer"].create()
    with db.transaction() as session:
        delivery = session.exec(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook["id"])).one()
        for code, error in ((None, "connection refused"), (500, None), (204, None)):
            session.add(WebhookAttempt(delivery_id=delivery.id, at=clock.now(), status_code=code, error=error))
    metrics = scrape(scraper)
    assert metrics[("editorial_webhook_attempts_total", ())] == 3
    assert metrics[("editorial_webhook_attempt_failures_total", ())] == 2
    assert metrics[("editorial_webhook_deliveries", (("status", "pending"),))] == 1
