"""One exception hierarchy, mapped once to RFC 9457 problem details."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("editorial.errors")


class EditorialError(Exception):
    """Base of every error the service reports to a client.

    ``status`` says what the client should do, ``slug`` names the problem type, and
    ``extra`` carries members added to the problem document (RFC 9457 extensions).
    """

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotAuthenticated(EditorialError):
    status, slug, title = 401, "not-authenticated", "Authentication required"


class NotPermitted(EditorialError):
    status, slug, title = 403, "not-permitted", "Not permitted"


class NotFound(EditorialError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(EditorialError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(EditorialError):
    status, slug, title = 412, "stale-revision", "The revision you edited is no longer the latest"


class PreconditionRequired(EditorialError):
    status, slug, title = 428, "if-match-required", "If-Match is required"


class TooManyRequests(EditorialError):
    """429; ``retry_after`` (seconds) becomes the ``Retry-After`` header."""

    status, slug, title = 429, "too-many-requests", "Too many requests"


class InvalidInput(EditorialError):
    """422 with a per-field list: ``errors=[{"field": ..., "message": ...}]``."""

    status, slug, title = 422, "invalid-input", "Invalid input"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any) -> None:
        super().__init__(detail, errors=errors or [], **extra)

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> Response[dict[str, Any]]:
    """Build an ``application/problem+json`` response."""
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail, **extra}
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _editorial_error(_: Request, exc: EditorialError) -> Response[dict[str, Any]]:
    return problem(exc.status, exc.title, exc.detail, exc.slug, **exc.extra)


def _validation_error(_: Request, exc: ValidationException) -> Response[dict[str, Any]]:
    errors = [
        _field_error(item) for item in (exc.extra if isinstance(exc.extra, list) else []) if isinstance(item, dict)
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(exc.detail)
    return problem(422, InvalidInput.title, detail, InvalidInput.slug, errors=errors)


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    field, message = str(item.get("key") or item.get("source") or "body"), str(item.get("message"))
    if field == "data":
        # Litestar names the request body after the handler's ``data`` argument.
        return {"field": "body", "message": "a JSON body is required" if message == "'data'" else message}
    return {"field": field, "message": message}


def _http_error(_: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    slug = title.lower().replace(" ", "-")
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    extra = {"retry_after": headers["retry-after"]} if "retry-after" in headers else {}
    response = problem(status, title, str(exc.detail), slug, **extra)
    if "allow" in headers:  # a 405 says which methods the resource has (RFC 9110)
        response.headers["Allow"] = headers["allow"]
    return response


def _unexpected_error(request: Request, exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal server error", "The server failed; the error was logged.", "internal-error")


exception_handlers: ExceptionHandlersMap = {
    EditorialError: _editorial_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected_error,
}


def integrity_conflict(_: Request, exc: Exception) -> Response[dict[str, Any]]:
    """A unique or foreign key constraint refused the write (usually a race between two clients)."""
    log.info("integrity error: %s", exc)
    return problem(409, Conflict.title, "the change conflicts with data written at the same time; retry", "conflict")


def invalid_data(_: Request, exc: Exception) -> Response[dict[str, Any]]:
    """The database refused a value the request carried (on PostgreSQL: text with a NUL character)."""
    log.warning("data error: %s", exc)
    detail = "a value in the request cannot be stored or searched for (text may not contain NUL characters)"
    return problem(422, InvalidInput.title, detail, InvalidInput.slug, errors=[])


def database_unavailable(_: Request, exc: Exception) -> Response[dict[str, Any]]:
    """The database could not be reached or was busy; nothing was written."""
    log.warning("database unavailable: %s", exc)
    return problem(
        503, "Service unavailable", "the database is unavailable; retry shortly", "unavailable", retry_after=5
    )
