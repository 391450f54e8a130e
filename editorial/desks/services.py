"""Reading and adding desks."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from editorial.db.models import Desk
from editorial.lib.errors import Conflict, InvalidInput
from editorial.workflow.model import Workflow
from editorial.workflow.registry import all_workflows, get_workflow


def desk_workflows(session: Session) -> dict[str, Workflow]:
    """Every desk with the workflow it uses."""
    return {desk_id: get_workflow(wf) for desk_id, wf in session.execute(select(Desk.id, Desk.workflow))}


def list_desks(session: Session) -> list[Desk]:
    return list(session.scalars(select(Desk).order_by(Desk.id)))


def create_desk(session: Session, *, desk_id: str, title: str, workflow: str, now: datetime) -> Desk:
    if not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", desk_id):
        raise InvalidInput.field("id", "lower-case letters, digits and '-', up to 40")
    if workflow not in all_workflows():
        raise InvalidInput.field("workflow", f"unknown workflow; one of {', '.join(sorted(all_workflows()))}")
    if session.get(Desk, desk_id) is not None:
        raise Conflict(f"desk {desk_id!r} exists")
    desk = Desk(id=desk_id, title=title, workflow=workflow, created_at=now)
    session.add(desk)
    session.flush()
    return desk
