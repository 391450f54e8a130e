"""``/health``: readiness (the database answers) and liveness (the process answers)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from editorial import __version__
from editorial.lib.deps import DbSession


class HealthController(Controller):
    path = "/health"
    tags = ["service"]

    @get(sync_to_thread=True)
    def health(self, db_session: DbSession) -> Response[dict[str, Any]]:
        """Ready when the database answers; 503 otherwise."""
        try:
            db_session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            return Response(
                {"status": "unavailable", "database": type(error).__name__, "version": __version__},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        return Response({"status": "ok", "database": "ok", "version": __version__})

    @get("/live", sync_to_thread=False)
    def live(self) -> dict[str, str]:
        """The process answers (no database involved)."""
        return {"status": "ok"}
