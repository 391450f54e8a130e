"""The problem responses in the OpenAPI document: every status the service may answer with, described once.

Litestar documents each handler's success response, and a 400 shaped like its own validation
error, which this service never sends (``errors.py`` turns it into a 422 problem). The statuses
below follow from what an operation has: a token (401, 403, 429), a path parameter (404), a body
(413), an ``If-Match`` header (412, 428), a write (409), and any input at all (400, 422).
"""

from __future__ import annotations

from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)

from editorial.lib.errors import PROBLEM_JSON

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="/problems/SLUG"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="422: what is wrong with which field",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={"field": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)},
            ),
        ),
    },
)

WHY = {
    "400": "The request is malformed (JSON that does not parse, a parameter of the wrong type).",
    "401": "No valid token: missing, unknown, revoked or expired.",
    "403": "The token is valid but may not do this (role, desk or token scope).",
    "404": "Nothing here, or nothing the caller may see.",
    "409": "Not possible in the current state, or a concurrent change conflicted; retry.",
    "412": "If-Match names a revision that is no longer the latest.",
    "413": "The request body is larger than the service accepts.",
    "422": "Input that is well-formed but not valid, with a per-field list.",
    "428": "If-Match is required.",
    "429": "Too many failed token attempts from this address; wait for Retry-After.",
    "503": "The database is unavailable; nothing was written. Retry after Retry-After.",
}
RETRY_AFTER: dict[str, OpenAPIHeader | Reference] = {
    "Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="seconds to wait")
}
METHODS = ("get", "put", "post", "delete", "patch")


def _problem(status: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=WHY[status],
        content={PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))},
        headers=RETRY_AFTER if status in {"429", "503"} else None,
    )


def _statuses(method: str, operation: Operation) -> set[str]:
    parameters = [p for p in operation.parameters or [] if not isinstance(p, Reference)]
    statuses = {"503"}
    if operation.security:
        statuses |= {"401", "403", "429"}
    if parameters or operation.request_body:
        statuses |= {"400", "422"}
    if any(p.param_in == "path" for p in parameters):
        statuses.add("404")
    if operation.request_body:
        statuses.add("413")
    if method != "get":
        statuses.add("409")
    if any(p.param_in == "header" and p.name.lower() == "if-match" for p in parameters):
        statuses |= {"412", "428"}
    return statuses


def document_problems(document: OpenAPI) -> None:
    """Add the ``Problem`` schema and, to every operation, the problem responses it may send."""
    assert isinstance(document.components, Components)
    document.components.schemas = {**(document.components.schemas or {}), "Problem": PROBLEM}
    for path, item in (document.paths or {}).items():
        for method in METHODS:
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses = dict(operation.responses or {})
            for status in sorted(_statuses(method, operation)):
                responses[status] = _problem(status)
            if path.startswith("/health"):
                _health(path, responses)


def _health(path: str, responses: dict[str, OpenAPIResponse | Reference]) -> None:
    """``/health`` says 503 in its own words when the database does not answer; ``/health/live`` never does."""
    del responses["503"]
    ready = responses["200"]
    if path == "/health" and isinstance(ready, OpenAPIResponse):
        why = "The database does not answer: the body says so, in the shape of the 200 answer."
        responses["503"] = OpenAPIResponse(description=why, content=ready.content, headers=RETRY_AFTER)
