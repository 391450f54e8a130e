"""Errors on /app are pages for people, not problem documents: the same statuses, in HTML."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import IntegrityError, OperationalError

from editorial.lib.errors import EditorialError
from editorial.web.rendering import render
from editorial.web.sessions import SignInRequired

log = logging.getLogger("editorial.web")
SIGN_IN = "/app/sign-in"


def _page(request: Request[Any, Any, Any], status: int, title: str, detail: str) -> Template:
    return render(request, None, "error.html", status=status, title=title, detail=detail)


def _sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{SIGN_IN}?next={quote(target, safe='')}" if request.method == "GET" else SIGN_IN
    if request.headers.get("hx-request") == "true":
        return Response("", status_code=200, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


def _editorial_error(request: Request[Any, Any, Any], exc: EditorialError) -> Template:
    return _page(request, exc.status, exc.title, exc.detail)


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Template:
    return _page(request, 400, "That request is not valid", str(exc.detail))


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Template:
    status = exc.status_code
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return _page(request, status, title, str(exc.detail))


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Template:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _page(request, 500, "Something went wrong", "The server failed; the error was logged.")


def _integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Template:
    log.info("integrity error: %s", exc)
    return _page(request, 409, "Conflict", "The change conflicts with one made at the same time; reload and retry.")


def _database_unavailable(request: Request[Any, Any, Any], exc: OperationalError) -> Template:
    log.warning("database unavailable: %s", exc)
    return _page(request, 503, "Service unavailable", "The database is busy or unreachable; retry shortly.")


html_exception_handlers: ExceptionHandlersMap = {
    SignInRequired: _sign_in_required,
    EditorialError: _editorial_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    IntegrityError: _integrity_error,
    OperationalError: _database_unavailable,
    Exception: _unexpected_error,
}
