"""Workflow definitions as clients (and the generated docs) see them."""

from __future__ import annotations

from sqlmodel import SQLModel

from editorial.workflow.model import CONDITIONS, Workflow


class ConditionRead(SQLModel):
    id: str
    fails_when: str


class StateRead(SQLModel):
    id: str
    title: str
    permissions: dict[str, list[str]]
    on_edit: str | None


class TransitionDefRead(SQLModel):
    id: str
    title: str
    source: str
    dest: str
    roles: list[str]
    requires: list[str]
    optional: list[str]
    conditions: list[ConditionRead]
    effects: list[str]


class WorkflowRead(SQLModel):
    id: str
    title: str
    description: str
    initial: str
    admin_acts_as: str = "editor"
    states: list[StateRead]
    transitions: list[TransitionDefRead]


def describe(workflow: Workflow) -> WorkflowRead:
    return WorkflowRead(
        id=workflow.id,
        title=workflow.title,
        description=workflow.description,
        initial=workflow.initial.value,
        states=[
            StateRead(
                id=s.id.value,
                title=s.title,
                permissions={p: sorted(roles) for p, roles in s.permissions.items()},
                on_edit=s.on_edit.value if s.on_edit else None,
            )
            for s in workflow.states.values()
        ],
        transitions=[
            TransitionDefRead(
                id=t.id,
                title=t.title,
                source=t.source.value,
                dest=t.dest.value,
                roles=sorted(t.roles),
                requires=list(t.requires),
                optional=list(t.optional),
                conditions=[ConditionRead(id=c, fails_when=CONDITIONS[c]) for c in t.conditions],
                effects=list(t.effects),
            )
            for t in workflow.transitions
        ],
    )
