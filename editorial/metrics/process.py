"""What this process counts: HTTP requests, workflow transitions, and the usual process figures."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

disable_created_metrics()  # no *_created series: they double the output and Prometheus ignores them
REGISTRY = CollectorRegistry()
"""The process's own registry (not the library's global one), so nothing else leaks into /metrics."""
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "editorial_http_requests",
    "HTTP requests answered, by route template and status class",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "editorial_http_request_duration_seconds",
    "Time from receiving a request to the end of its response, by route template and status class",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
TRANSITIONS = Counter(
    "editorial_workflow_transitions",
    "Workflow transitions taken by this process (edit: the implicit move back to editing)",
    ["workflow", "transition"],
    registry=REGISTRY,
)
log = logging.getLogger("editorial.workflow")


def transition_taken(workflow: str, entry: Mapping[str, Any], actor: str) -> None:
    """Count a transition (``entry``: its history row) and log it, with the id of the request that caused it."""
    TRANSITIONS.labels(workflow, entry["transition"]).inc()
    fields = {name: entry[name] for name in ("article_id", "transition", "from_state", "to_state", "revision")}
    fields |= {"workflow": workflow, "actor": actor}
    log.info("transition %s on article %s", entry["transition"], entry["article_id"], extra={"fields": fields})
