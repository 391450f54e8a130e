"""The application factory: routes, dependencies, errors, OpenAPI and lifecycle."""

from __future__ import annotations

import threading
from datetime import timedelta

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from editorial import __version__
from editorial.articles.controllers import ArticleController
from editorial.auth.cache import PrincipalCache
from editorial.auth.controllers import MeController, UserController
from editorial.auth.deps import authenticate_request, provide_principal
from editorial.auth.throttle import TokenThrottle
from editorial.db import Database
from editorial.db.session import provide_session
from editorial.desks.controllers import DeskController
from editorial.events.controllers import EventController
from editorial.health import HealthController
from editorial.lib import heap
from editorial.lib.clock import Clock, SystemClock
from editorial.lib.errors import database_unavailable, exception_handlers, integrity_conflict, invalid_data
from editorial.lib.headers import correct_allow, security_headers
from editorial.lib.logging import configure_logging, request_id_middleware
from editorial.lib.openapi import document_problems
from editorial.lib.requests import EditorialRequest
from editorial.metrics.controllers import MetricsController
from editorial.metrics.middleware import metrics_middleware
from editorial.public.controllers import FeedController, PublicArticleController
from editorial.revisions.controllers import DiffController, RevisionController
from editorial.scheduling.controllers import ScheduleController
from editorial.scheduling.worker import Scheduler
from editorial.settings import Settings, get_settings
from editorial.web import root, template_config, web_router
from editorial.webhooks.controllers import WebhookController
from editorial.webhooks.worker import DeliveryWorker
from editorial.workflow.controllers import (
    ArticleWorkflowController,
    BulkController,
    WorkflowDefinitionController,
    WorklistController,
)

API_CONTROLLERS = [
    MeController,
    UserController,
    DeskController,
    ArticleController,
    RevisionController,
    DiffController,
    ArticleWorkflowController,
    WorklistController,
    BulkController,
    WorkflowDefinitionController,
    ScheduleController,
    WebhookController,
    EventController,
]


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    run_scheduler: bool = False,
    run_worker: bool = False,
    settle_heap: bool = False,
) -> Litestar:
    """Build the service. Tests pass their own settings, clock and database; ``serve`` may run the workers.

    ``settle_heap`` (what ``serve`` asks for) moves everything alive once the app has started out of
    the garbage collector's sight: see ``editorial.lib.heap``.
    """
    settings = settings or get_settings()
    clock = clock or SystemClock()
    db = db or Database(settings)
    configure_logging(settings.log_level)
    scheduler = Scheduler(db, clock) if run_scheduler else None
    scheduler_thread = threading.Thread(target=scheduler.run, name="scheduler", daemon=True) if scheduler else None
    worker = DeliveryWorker(db, clock) if run_worker else None
    worker_thread = threading.Thread(target=worker.run, name="webhook-worker", daemon=True) if worker else None

    def provide_clock() -> Clock:
        return clock

    def start() -> None:
        if settle_heap:
            heap.settle()
        if scheduler_thread is not None:
            scheduler_thread.start()
        if worker_thread is not None:
            worker_thread.start()

    def dispose() -> None:
        if scheduler is not None and scheduler_thread is not None:
            scheduler.stop()
            scheduler_thread.join(timeout=30)
        if worker is not None and worker_thread is not None:
            worker.stop()
            worker_thread.join(timeout=30)
        db.dispose()

    api = Router(
        path="/api/v1",
        route_handlers=API_CONTROLLERS,
        guards=[authenticate_request],
        dependencies={"principal": Provide(provide_principal, sync_to_thread=False)},
        security=[{"BearerToken": []}],
    )
    throttle = TokenThrottle(settings.token_failure_limit, timedelta(seconds=settings.token_failure_window_seconds))
    app = Litestar(
        route_handlers=[
            api,
            HealthController,
            MetricsController,
            PublicArticleController,
            FeedController,
            web_router(),
            root,
        ],
        dependencies={
            "db_session": Provide(provide_session),
            "clock": Provide(provide_clock, sync_to_thread=False),
        },
        exception_handlers={
            **exception_handlers,
            IntegrityError: integrity_conflict,
            DataError: invalid_data,
            OperationalError: database_unavailable,
            PoolTimeout: database_unavailable,  # every pooled connection stayed busy past the pool's timeout
        },
        middleware=[DefineMiddleware(request_id_middleware, log_requests=settings.access_log), metrics_middleware],
        before_send=[security_headers, correct_allow],
        state=State(
            {
                "db": db,
                "clock": clock,
                "settings": settings,
                "token_throttle": throttle,
                "principals": PrincipalCache(settings.auth_cache_seconds),
            }
        ),
        request_class=EditorialRequest,
        template_config=template_config(),
        on_startup=[start],
        on_shutdown=[dispose],
        request_max_body_size=settings.max_request_bytes,
        openapi_config=OpenAPIConfig(
            title="editorial",
            version=__version__,
            description="A Plone-style editorial workflow service.",
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", description="an API token: editorial tokens create USERNAME"
                    )
                }
            ),
        ),
        debug=False,
    )
    document_problems(app.openapi_schema)
    return app
