"""Counting and timing every routed request by its route template (``/api/v1/articles/{article_id:int}``)."""

from __future__ import annotations

import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram

from editorial.metrics.process import HTTP_LATENCY, HTTP_REQUESTS

_series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
"""Each label set's counter and histogram: ``labels()`` validates and locks on every call, on every
request, to find children that, once made, live as long as the process (as they do in this map)."""


def _observe(labels: tuple[str, str, str], seconds: float) -> None:
    series = _series.get(labels)
    if series is None:
        series = _series[labels] = (HTTP_REQUESTS.labels(*labels), HTTP_LATENCY.labels(*labels))
    series[0].inc()
    series[1].observe(seconds)


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Observe each HTTP request once its response has been sent (or has failed)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_observed)
        finally:
            labels = (scope["method"], scope.get("path_template") or "unmatched", f"{status // 100}xx")
            _observe(labels, time.perf_counter() - started)

    return middleware
