"""Workflow endpoints: an article's workflow and history, the worklist, bulk actions, definitions."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from editorial.articles.schemas import ArticleRead
from editorial.auth.scopes import ARTICLES_READ, transition_scope
from editorial.db.session import in_request_session
from editorial.lib.deps import AppClock, Caller, DbSession
from editorial.lib.errors import NotFound
from editorial.lib.paging import Page
from editorial.lib.params import DEFAULT_LIMIT, DeskFilter, PageCursor, PageLimit
from editorial.workflow import services
from editorial.workflow.describe import WorkflowRead, describe
from editorial.workflow.registry import all_workflows
from editorial.workflow.schemas import (
    BulkRequest,
    BulkResponse,
    HistoryRead,
    TransitionRequest,
    WorkflowStatus,
    WorklistItem,
)


class ArticleWorkflowController(Controller):
    path = "/articles/{article_id:int}"
    tags = ["workflow"]

    @get("/workflow", sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def workflow_status(
        self,
        principal: Caller,
        db_session: DbSession,
        article_id: FromPath[int],
        explain: Annotated[bool, QueryParameter(description="also list what you may not do, and why")] = False,
    ) -> WorkflowStatus:
        """The article's state and the transitions the caller may take now."""
        return services.status(db_session, principal, article_id, explain=explain)

    @post("/workflow/{transition:str}", status_code=200, opt={"scope": transition_scope})
    @in_request_session
    def take_transition(
        self,
        principal: Caller,
        db_session: DbSession,
        clock: AppClock,
        article_id: FromPath[int],
        transition: FromPath[str],
        data: JSONBody[TransitionRequest | None] = None,
    ) -> ArticleRead:
        """Take a transition; the response is the article afterwards."""
        request = data or TransitionRequest()
        return services.transition(db_session, principal, article_id, transition, request, now=clock.now())

    @get("/history", sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def history(
        self,
        principal: Caller,
        db_session: DbSession,
        article_id: FromPath[int],
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[HistoryRead]:
        """Every transition the article went through, oldest first."""
        return services.history(db_session, principal, article_id, cursor=cursor, limit=limit)


class WorklistController(Controller):
    path = "/worklist"
    tags = ["workflow"]

    @get(sync_to_thread=True, opt={"scope": ARTICLES_READ})
    def worklist(
        self,
        principal: Caller,
        db_session: DbSession,
        clock: AppClock,
        desk: DeskFilter = None,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[WorklistItem]:
        """What the caller can act on now, longest waiting first."""
        return services.worklist(db_session, principal, desk=desk, cursor=cursor, limit=limit, now=clock.now())


class BulkController(Controller):
    path = "/workflow/bulk"
    tags = ["workflow"]

    @post(sync_to_thread=True, status_code=200)
    def bulk(
        self, principal: Caller, db_session: DbSession, clock: AppClock, data: JSONBody[BulkRequest]
    ) -> BulkResponse:
        """Take many transitions; each item gets its own result."""
        return services.bulk(db_session, principal, data.items, now=clock.now())


class WorkflowDefinitionController(Controller):
    path = "/workflows"
    tags = ["workflow"]

    @get(sync_to_thread=False, opt={"scope": ARTICLES_READ})
    def list_workflows(self, principal: Caller) -> list[WorkflowRead]:
        """Every workflow definition: states, transitions, guards and the permission map."""
        return [describe(w) for w in all_workflows().values()]

    @get("/{workflow_id:str}", sync_to_thread=False, opt={"scope": ARTICLES_READ})
    def get_workflow(self, principal: Caller, workflow_id: FromPath[str]) -> WorkflowRead:
        """One workflow definition."""
        workflow = all_workflows().get(workflow_id)
        if workflow is None:
            raise NotFound(f"no workflow {workflow_id!r}")
        return describe(workflow)
