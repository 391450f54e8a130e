"""``/api/v1/desks``: the sections and the workflow each uses."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import JSONBody
from sqlmodel import Field, SQLModel

from editorial.auth.deps import admin_only, provide_admin
from editorial.auth.scopes import ARTICLES_READ
from editorial.desks import services
from editorial.lib.deps import Admin, AppClock, Caller, DbSession


class DeskCreate(SQLModel):
    id: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=120)
    workflow: str = Field(min_length=1, max_length=40)


class DeskRead(DeskCreate):
    created_at: datetime


class DeskController(Controller):
    path = "/desks"
    tags = ["desks"]

    @get(sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def list_desks(self, principal: Caller, db_session: DbSession) -> list[DeskRead]:
        """Every desk and the workflow it uses."""
        return [DeskRead.model_validate(d, from_attributes=True) for d in services.list_desks(db_session)]

    @post(
        sync_to_thread=True, guards=[admin_only], dependencies={"admin": Provide(provide_admin, sync_to_thread=False)}
    )
    def create_desk(self, admin: Admin, db_session: DbSession, clock: AppClock, data: JSONBody[DeskCreate]) -> DeskRead:
        """Add a desk (admins)."""
        desk = services.create_desk(
            db_session, desk_id=data.id, title=data.title, workflow=data.workflow, now=clock.now()
        )
        return DeskRead.model_validate(desk, from_attributes=True)
