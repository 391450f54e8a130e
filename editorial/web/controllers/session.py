"""``/app/sign-in`` and ``/app/sign-out``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from editorial.lib.deps import AppClock, DbSession
from editorial.web import sessions
from editorial.web.rendering import render
from editorial.web.security import SESSION_COOKIE, cookie, expired
from editorial.web.throttle import LoginThrottle

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Throttle = NamedDependency[LoginThrottle]


def safe_target(target: str | None) -> str:
    """Only our own pages are redirect targets after sign-in."""
    if target and target.startswith("/app") and "\\" not in target and target.isprintable() and " " not in target:
        return target
    return "/app"


class SessionController(Controller):
    path = "/"

    @get("/sign-in", sync_to_thread=False)
    def sign_in_page(
        self,
        request: Request[Any, Any, Any],
        target: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None,
        signed_out: Annotated[bool, QueryParameter()] = False,
    ) -> Template:
        """The sign-in form."""
        message = "You are signed out." if signed_out else None
        return render(request, None, "sign_in.html", next=safe_target(target), username="", error=None, message=message)

    @post("/sign-in", sync_to_thread=True)
    def sign_in(
        self, request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock, throttle: Throttle, data: Form
    ) -> Template | Redirect:
        """Check the password; open a session, or say why not."""
        username, password = str(data.get("username", ""))[:200], str(data.get("password", ""))[:1000]
        target = safe_target(data.get("next"))
        address = request.client.host if request.client else "unknown"
        try:
            _, secret = sessions.sign_in(db_session, throttle, username, password, address=address, now=clock.now())
        except (sessions.SignInRefused, sessions.TooManyAttempts) as error:
            context: dict[str, Any] = {"next": target, "username": username, "error": error.detail, "message": None}
            return render(request, None, "sign_in.html", status=error.status, **context)
        return Redirect(target, status_code=303, cookies=[cookie(request, SESSION_COOKIE, secret)])

    @post("/sign-out", sync_to_thread=True)
    def sign_out(self, request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Redirect:
        """End the session, here and on the server."""
        sessions.sign_out(db_session, request.cookies.get(SESSION_COOKIE), now=clock.now())
        return Redirect("/app/sign-in?signed_out=true", status_code=303, cookies=[expired(SESSION_COOKIE)])
