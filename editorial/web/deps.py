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
from editorial.workflow.model import Workflow
from editorial.workflow.registry import get_workflow


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person, as pages need them."""

    principal: Principal
    desks: dict[str, str]
    """Every desk: id -> title."""
    creatable: tuple[str, ...]
    """Desks the policy lets them start articles on."""
    workflows: dict[str, Workflow]
    """Every desk: id -> its workflow."""

    @property
    def is_admin(self) -> bool:
        return policy.may_administer(self.principal).allowed

    @property
    def role_desks(self) -> list[str]:
        """Desks where their roles let them see articles (not only the ones they wrote)."""
        scope = policy.view_scope(self.principal, self.workflows)
        return [desk for desk in self.desks if scope.by_role.get(desk)]

    def step_title(self, desk: str, transition: str) -> str:
        """A transition's title in the desk's workflow (``Send to fact-check``), for lists that carry ids."""
        workflow = self.workflows.get(desk)
        found = next((t for t in workflow.transitions if t.id == transition), None) if workflow else None
        return found.title if found else transition.replace("_", " ")


def provide_viewer(request: Request[Any, Any, Any], db_session: DbSession, clock: AppClock) -> Viewer:
    """The signed-in person (a redirect to the sign-in page otherwise)."""
    principal = viewer_of(db_session, request.cookies.get(SESSION_COOKIE), now=clock.now())
    rows = db_session.execute(select(Desk.id, Desk.title, Desk.workflow).order_by(Desk.id)).all()
    desks = {desk_id: title for desk_id, title, _ in rows}
    creatable = tuple(d for d in desks if policy.may_create(principal, d).allowed)
    return Viewer(principal, desks, creatable, {desk_id: get_workflow(wf) for desk_id, _, wf in rows})


SignedIn: TypeAlias = NamedDependency[Viewer]
"""``viewer``: the signed-in person."""
