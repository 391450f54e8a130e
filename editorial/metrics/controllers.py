"""``/metrics``: Prometheus text format, for loopback scrapers or holders of the metrics token."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from litestar import Controller, Request, Response, get
from prometheus_client import CollectorRegistry, generate_latest

from editorial.db import Database
from editorial.lib.deps import AppClock, DbSession
from editorial.lib.errors import NotAuthenticated, NotPermitted
from editorial.metrics.database import DatabaseCollector
from editorial.metrics.process import REGISTRY
from editorial.settings import Settings


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_scraper(request: Request[Any, Any, Any], settings: Settings) -> None:
    """Let through the metrics token from anywhere, and loopback clients unless that is turned off."""
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if expected and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), expected.encode()):
        return
    if settings.metrics_loopback and _is_loopback(request.client.host if request.client else ""):
        return
    if expected:
        raise NotAuthenticated("send Authorization: Bearer with the metrics token (EDITORIAL_METRICS_TOKEN)")
    raise NotPermitted("metrics are served to loopback clients only; set EDITORIAL_METRICS_TOKEN to scrape remotely")


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get(sync_to_thread=True)
    def metrics(self, request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Response[bytes]:
        """This process's metrics and the database's, in Prometheus text format."""
        settings: Settings = request.app.state.settings
        require_scraper(request, settings)
        db: Database = request.app.state.db
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(DatabaseCollector(db_session, db.engine, clock.now(), settings.scheduler_on_time_seconds))
        body = generate_latest(REGISTRY) + generate_latest(scrape)
        return Response(body, media_type="text/plain; version=0.0.4")  # Litestar adds the charset
