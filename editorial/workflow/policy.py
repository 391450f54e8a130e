"""The one place that decides who may do what to an article, and says why not.

Permissions are derived at request time from the article's state, the caller's roles on the
article's desk (or global), and authorship, through the workflow's state -> permission -> roles
map. Nothing is stamped on rows, so a changed workflow applies at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from editorial.auth.principal import Principal
from editorial.lib.errors import NotPermitted
from editorial.workflow.model import CONDITIONS, State, TransitionDef, Workflow

CREATOR_ROLES = frozenset({"writer", "editor", "admin"})
LOCKED_HINTS = {
    State.fact_check: "pass or fail the fact-check first",
    State.scheduled: "unschedule it first",
}


@dataclass(frozen=True, slots=True)
class Subject:
    """The facts about one article that permissions depend on."""

    desk_id: str
    workflow: Workflow
    state: State
    is_author: bool
    signed_revision: int | None = None
    live_revision: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""

    def require(self) -> None:
        """Raise 403 with the reason unless allowed."""
        if not self.allowed:
            raise NotPermitted(self.reason)


ALLOW = Decision(True)


def effective_roles(principal: Principal, subject: Subject) -> frozenset[str]:
    """The workflow roles ``principal`` holds on this article: desk roles, author, and admin as editor."""
    roles = set(principal.roles_on(subject.desk_id))
    if "admin" in roles:
        roles.add("editor")
    if subject.is_author:
        roles.add("author")
    return frozenset(roles)


def _names(roles: frozenset[str]) -> str:
    return ", ".join(sorted(roles)) or "nobody"


def may_view(principal: Principal, subject: Subject) -> Decision:
    """Authors, anyone with a role on the desk, and admins may view."""
    if principal.is_admin or effective_roles(principal, subject) & subject.workflow.roles_allowed(
        "view", subject.state
    ):
        return ALLOW
    return Decision(False, f"you have no role on desk {subject.desk_id} and are not an author")


def may_edit(principal: Principal, subject: Subject) -> Decision:
    """Whether a new revision may be saved in the article's current state."""
    allowed = subject.workflow.roles_allowed("edit", subject.state)
    if not allowed:
        hint = LOCKED_HINTS.get(subject.state, "")
        return Decision(False, f"articles in {subject.state.value} cannot be edited" + (f": {hint}" if hint else ""))
    if effective_roles(principal, subject) & allowed:
        return ALLOW
    return Decision(False, f"in {subject.state.value}, only {_names(allowed)} may edit (on desk {subject.desk_id})")


def may_create(principal: Principal, desk_id: str) -> Decision:
    """Writers, editors and admins may start articles on a desk."""
    if principal.roles_on(desk_id) & CREATOR_ROLES:
        return ALLOW
    return Decision(False, f"only writers and editors of desk {desk_id} may create articles there")


CONDITION_CHECKS: dict[str, Callable[[Subject], bool]] = {
    "not_author": lambda subject: not subject.is_author,
    "signed_off": lambda subject: subject.signed_revision is not None,
    "live": lambda subject: subject.live_revision is not None,
}


def may_transition(principal: Principal, subject: Subject, transition: TransitionDef) -> Decision:
    """Whether ``principal`` may take ``transition`` (which leaves the current state) now."""
    if not effective_roles(principal, subject) & transition.roles:
        return Decision(False, f"{transition.id} needs one of: {_names(transition.roles)} (on desk {subject.desk_id})")
    for condition in transition.conditions:
        if not CONDITION_CHECKS[condition](subject):
            return Decision(False, CONDITIONS[condition])
    return ALLOW


def may_administer(principal: Principal) -> Decision:
    """Managing users, grants, desks and tokens of others is for global admins."""
    return ALLOW if principal.is_admin else Decision(False, "only admins may manage users, roles and tokens")


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a permission holds for a principal across desks, in a form a query can use.

    ``by_role[desk]``: states in which the principal's desk roles suffice;
    ``by_authorship[desk]``: further states in which being an author of the article suffices.
    """

    by_role: dict[str, frozenset[State]]
    by_authorship: dict[str, frozenset[State]]


def scope(
    principal: Principal, desks: dict[str, Workflow], allows: Callable[[frozenset[str], Workflow, State], bool]
) -> Scope:
    """Evaluate ``allows(roles, workflow, state)`` for every desk and state, as a non-author and as an author."""
    by_role: dict[str, frozenset[State]] = {}
    by_authorship: dict[str, frozenset[State]] = {}
    for desk_id, workflow in desks.items():
        as_reader = effective_roles(principal, Subject(desk_id, workflow, workflow.initial, is_author=False))
        as_author = as_reader | {"author"}
        by_role[desk_id] = frozenset(s for s in workflow.states if allows(as_reader, workflow, s))
        by_authorship[desk_id] = frozenset(
            s for s in workflow.states if s not in by_role[desk_id] and allows(as_author, workflow, s)
        )
    return Scope(by_role, by_authorship)


def view_scope(principal: Principal, desks: dict[str, Workflow]) -> Scope:
    """Where ``may_view`` holds, for filtering lists in SQL."""
    if principal.is_admin:
        return Scope({d: frozenset(w.states) for d, w in desks.items()}, {})
    return scope(principal, desks, lambda roles, wf, state: bool(roles & wf.roles_allowed("view", state)))


def action_scope(principal: Principal, desks: dict[str, Workflow]) -> Scope:
    """Where the principal's roles let it take some transition (conditions are checked per article)."""
    return scope(
        principal,
        desks,
        lambda roles, wf, state: any(roles & t.roles for t in wf.from_state(state)),
    )


def may_use_token_here(principal: Principal, route_scope: str | None) -> Decision:
    """A token limited to scopes reaches only routes that declare one of them."""
    if principal.scopes is None or (route_scope is not None and route_scope in principal.scopes):
        return ALLOW
    limits = ", ".join(sorted(principal.scopes)) or "nothing"
    return Decision(False, f"this token is limited to {limits}")


def may_read_events(principal: Principal) -> Decision:
    """The event log spans every desk: admins and automation accounts read it."""
    if principal.is_admin or ("automation", None) in principal.grants:
        return ALLOW
    return Decision(False, "only admins and automation accounts may read the event log")
