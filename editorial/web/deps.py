"""Who is looking at a page: the signed-in person, with the desks they see and may write on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy import select

from editorial.auth.principal import Principal
from editorial.db.models import Desk
from editorial.lib.deps import AppClock, DbSession
from editorial.web.security import SESSION_COOKIE
from editorial.web.sessions import viewer_of
from editorial.workflow import policy


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person, as pages need them."""

    principal: Principal
    desks: dict[str, str]
    """Every desk: id -> title."""
    creatable: tuple[str, ...]
    """Desks the policy lets them start articles on."""

    @property
    def is_admin(self) -> bool:
        return policy.may_administer(self.principal).allowed


def provide_viewer(request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Viewer:
    """The signed-in person (a redirect to the sign-in page otherwise)."""
    principal = viewer_of(db_session, request.cookies.get(SESSION_COOKIE), now=clock.now())
    desks: dict[str, str] = dict(db_session.execute(select(Desk.id, Desk.title).order_by(Desk.id)).all())
    creatable = tuple(d for d in desks if policy.may_create(principal, d).allowed)
    return Viewer(principal, desks, creatable)


SignedIn: TypeAlias = NamedDependency[Viewer]
"""``viewer``: the signed-in person."""
