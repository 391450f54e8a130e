"""Workflow definitions validated into frozen dataclasses; an inconsistent one is refused at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class State(StrEnum):
    """Every state an article can be in."""

    draft = "draft"
    editing = "editing"
    fact_check = "fact_check"
    ready = "ready"
    scheduled = "scheduled"
    published = "published"
    unpublished = "unpublished"


ROLES = ("writer", "editor", "fact_checker", "publisher", "admin", "automation")
"""Roles a user can be granted, globally or on one desk."""

WORKFLOW_ROLES = frozenset({*ROLES, "author", "system"}) - {"admin"}
PERMISSIONS = ("view", "edit")
FIELDS = ("comment", "publish_at", "unpublish_at", "correction")
CONDITIONS = {
    "not_author": "you are an author of this article, and may not sign it off",
    "signed_off": "no sign-off is recorded for this article",
    "live": "the article is not live",
}
EFFECTS = ("sign_off", "schedule", "unschedule", "publish", "unpublish", "republish")


class WorkflowDefinitionError(ValueError):
    """A workflow definition is inconsistent; the message says where."""


@dataclass(frozen=True, slots=True)
class StateDef:
    id: State
    title: str
    permissions: Mapping[str, frozenset[str]]
    on_edit: State | None = None


@dataclass(frozen=True, slots=True)
class TransitionDef:
    """One transition from one source state (a trigger may have several, one per source)."""

    id: str
    title: str
    source: State
    dest: State
    roles: frozenset[str]
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Workflow:
    id: str
    title: str
    description: str
    initial: State
    states: Mapping[State, StateDef]
    transitions: tuple[TransitionDef, ...]
    _by_source: Mapping[State, tuple[TransitionDef, ...]] = field(repr=False, default_factory=dict)

    def from_state(self, state: State) -> tuple[TransitionDef, ...]:
        """The transitions that leave ``state``."""
        return self._by_source.get(state, ())

    def find(self, transition_id: str, state: State) -> TransitionDef | None:
        """The definition of ``transition_id`` from ``state``, if it leaves that state."""
        return next((t for t in self.from_state(state) if t.id == transition_id), None)

    def has_transition(self, transition_id: str) -> bool:
        return any(t.id == transition_id for t in self.transitions)

    def roles_allowed(self, permission: str, state: State) -> frozenset[str]:
        return self.states[state].permissions.get(permission, frozenset())


def _state(value: Any, where: str) -> State:
    try:
        return State(value)
    except ValueError:
        raise WorkflowDefinitionError(f"{where}: unknown state {value!r}") from None


def _subset(values: Any, allowed: Any, what: str, where: str) -> tuple[str, ...]:
    values = tuple(values or ())
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise WorkflowDefinitionError(f"{where}: unknown {what} {', '.join(unknown)}")
    return values


def load_workflow(raw: Mapping[str, Any]) -> Workflow:
    """Validate one raw definition; raise ``WorkflowDefinitionError`` saying what is wrong."""
    wid = raw.get("id") or "?"
    where = f"workflow {wid!r}"
    states: dict[State, StateDef] = {}
    for sid, sdef in (raw.get("states") or {}).items():
        state = _state(sid, where)
        perms = sdef.get("permissions") or {}
        _subset(perms, PERMISSIONS, "permission", f"{where}, state {sid}")
        states[state] = StateDef(
            id=state,
            title=sdef.get("title") or sid,
            permissions={
                p: frozenset(_subset(roles, WORKFLOW_ROLES, "role", f"{where}, state {sid}, {p}"))
                for p, roles in perms.items()
            },
            on_edit=_state(sdef["on_edit"], f"{where}, state {sid}") if sdef.get("on_edit") else None,
        )
    if not states:
        raise WorkflowDefinitionError(f"{where}: no states")
    initial = _state(raw.get("initial"), f"{where}, initial")
    transitions: list[TransitionDef] = []
    for tdef in raw.get("transitions") or []:
        tid = tdef.get("id") or "?"
        twhere = f"{where}, transition {tid!r}"
        sources = tdef.get("source")
        for source in [sources] if isinstance(sources, str) else list(sources or []):
            roles = frozenset(_subset(tdef.get("roles"), WORKFLOW_ROLES, "role", twhere))
            if not roles:
                raise WorkflowDefinitionError(f"{twhere}: no roles may take it")
            transitions.append(
                TransitionDef(
                    id=tid,
                    title=tdef.get("title") or tid,
                    source=_state(source, twhere),
                    dest=_state(tdef.get("dest"), twhere),
                    roles=roles,
                    requires=_subset(tdef.get("requires"), FIELDS, "field", twhere),
                    optional=_subset(tdef.get("optional"), FIELDS, "field", twhere),
                    conditions=_subset(tdef.get("conditions"), CONDITIONS, "condition", twhere),
                    effects=_subset(tdef.get("effects"), EFFECTS, "effect", twhere),
                )
            )
    for t in transitions:
        for s in (t.source, t.dest):
            if s not in states:
                raise WorkflowDefinitionError(f"{where}, transition {t.id!r}: state {s.value} is not defined")
    seen: set[tuple[str, State]] = set()
    for t in transitions:
        if (t.id, t.source) in seen:
            raise WorkflowDefinitionError(f"{where}: transition {t.id!r} is defined twice from {t.source.value}")
        seen.add((t.id, t.source))
    for s in states.values():
        if s.on_edit and s.on_edit not in states:
            raise WorkflowDefinitionError(f"{where}, state {s.id.value}: on_edit state is not defined")
    if initial not in states:
        raise WorkflowDefinitionError(f"{where}: initial state {initial.value} is not defined")
    reachable, frontier = {initial}, [initial]
    while frontier:
        current = frontier.pop()
        nexts = [t.dest for t in transitions if t.source == current]
        nexts += [states[current].on_edit] if states[current].on_edit else []
        for nxt in nexts:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    unreachable = sorted(s.value for s in states if s not in reachable)
    if unreachable:
        raise WorkflowDefinitionError(f"{where}: unreachable states {', '.join(unreachable)}")
    by_source: dict[State, list[TransitionDef]] = {}
    for t in transitions:
        by_source.setdefault(t.source, []).append(t)
    return Workflow(
        id=wid,
        title=raw.get("title") or wid,
        description=raw.get("description") or "",
        initial=initial,
        states=states,
        transitions=tuple(transitions),
        _by_source={s: tuple(ts) for s, ts in by_source.items()},
    )


def load_workflows(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, Workflow]:
    """Validate every definition, keyed by id."""
    workflows = {wid: load_workflow(definition) for wid, definition in raw.items()}
    for wid, wf in workflows.items():
        if wf.id != wid:
            raise WorkflowDefinitionError(f"workflow {wid!r} names itself {wf.id!r}")
    return workflows
