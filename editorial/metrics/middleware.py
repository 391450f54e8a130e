"""Counting and timing every routed request by its route template (``/api/v1/articles/{article_id:int}``)."""

from __future__ import annotations

import time

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from editorial.metrics.process import HTTP_LATENCY, HTTP_REQUESTS


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
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)

    return middleware
