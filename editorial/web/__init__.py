"""The newsroom web app under ``/app``: server-rendered pages, HTMX for partial updates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.di import Provide
from litestar.response import Template
from litestar.static_files import create_static_files_router

from editorial.web.controllers.articles import ArticleController
from editorial.web.controllers.history import HistoryController
from editorial.web.controllers.review import ReviewController
from editorial.web.controllers.schedule import ScheduleController
from editorial.web.controllers.session import SessionController
from editorial.web.controllers.users import UserController
from editorial.web.controllers.work import WorkController
from editorial.web.deps import provide_viewer
from editorial.web.errors import html_exception_handlers
from editorial.web.rendering import template_config
from editorial.web.security import WebMiddleware, require_csrf
from editorial.web.throttle import LoginThrottle

STATIC = Path(__file__).parent / "static"
CONTROLLERS = [
    SessionController,
    WorkController,
    ArticleController,
    ReviewController,
    HistoryController,
    ScheduleController,
    UserController,
]


def web_router() -> Router:
    """Every /app route, with its session, CSRF check, security headers and HTML errors."""
    throttle = LoginThrottle()

    def provide_throttle() -> LoginThrottle:
        return throttle

    static = create_static_files_router(path="/static", directories=[STATIC], name="web-static")
    return Router(
        path="/app",
        route_handlers=[*CONTROLLERS, static],
        dependencies={
            "viewer": Provide(provide_viewer, sync_to_thread=True),
            "throttle": Provide(provide_throttle, sync_to_thread=False),
        },
        middleware=[WebMiddleware],
        before_request=require_csrf,
        exception_handlers=html_exception_handlers,
        include_in_schema=False,
    )


@get("/", include_in_schema=False, sync_to_thread=False)
def root(request: Request[Any, Any, Any]) -> Template:
    """A landing page linking the newsroom, the public read side and the API."""
    return Template(template_name="index.html")


__all__ = ["root", "template_config", "web_router"]
