"""Workflow actions: taking transitions, explaining what is possible, history and the worklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select, tuple_, union_all
from sqlmodel import Session

from editorial.articles import reading
from editorial.articles.schemas import ArticleRead
from editorial.auth.principal import Principal
from editorial.db.models import Article, ArticleAuthor, HistoryEntry, Revision, User
from editorial.desks.services import desk_workflows
from editorial.lib.errors import Conflict, EditorialError, InvalidInput, NotFound
from editorial.lib.paging import Page, decode_cursor, encode_cursor
from editorial.workflow import engine, policy
from editorial.workflow.model import State, TransitionDef, Workflow
from editorial.workflow.schemas import (
    AvailableTransition,
    BulkItem,
    BulkResponse,
    BulkResult,
    HistoryRead,
    TransitionRequest,
    UnavailableTransition,
    WorkflowStatus,
    WorklistItem,
)

OPTIONAL_EVERYWHERE = ("comment",)


def validate_fields(transition: TransitionDef, data: TransitionRequest, now: datetime) -> dict[str, Any]:
    """Check what the transition must and may carry; 422 listing every field that is wrong."""
    given = data.model_dump(exclude_none=True)
    errors: list[dict[str, str]] = []
    allowed = {*transition.requires, *transition.optional, *OPTIONAL_EVERYWHERE}
    for name in sorted(set(given) - allowed):
        errors.append({"field": name, "message": f"{transition.id} does not take {name}"})
    for name in transition.requires:
        value = given.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append({"field": name, "message": f"{transition.id} requires {name}"})
    for name in ("publish_at", "unpublish_at"):
        value = given.get(name)
        if isinstance(value, datetime) and value.tzinfo is None:
            errors.append({"field": name, "message": "give a time zone offset or Z; a naive time is not guessed"})
    publish_at, unpublish_at = given.get("publish_at"), given.get("unpublish_at")
    aware = [v for v in (publish_at, unpublish_at) if isinstance(v, datetime) and v.tzinfo is not None]
    if publish_at in aware and publish_at <= now:
        errors.append({"field": "publish_at", "message": "must be in the future"})
    if publish_at in aware and unpublish_at in aware and unpublish_at <= publish_at:
        errors.append({"field": "unpublish_at", "message": "must be after publish_at"})
    if errors:
        raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
    return {k: _normalised(v) for k, v in given.items()}


def _normalised(value: Any) -> Any:
    """Text trimmed; instants keep their offset (the engine stores them in UTC, and the offset for display)."""
    return value.strip() if isinstance(value, str) else value


def _find(workflow: Workflow, transition_id: str, state: State) -> TransitionDef:
    if not workflow.has_transition(transition_id):
        raise NotFound(f"workflow {workflow.id} has no transition {transition_id!r}")
    transition = workflow.find(transition_id, state)
    if transition is None:
        allowed = ", ".join(t.id for t in workflow.from_state(state)) or "none"
        raise Conflict(
            f"{transition_id} is not available in state {state.value}; from here: {allowed}", state=state.value
        )
    return transition


def transition(
    session: Session,
    principal: Principal,
    article_id: int,
    transition_id: str,
    data: TransitionRequest,
    *,
    now: datetime,
) -> ArticleRead:
    """Take ``transition_id`` on the article: 404 unseen, 409 wrong state, 403 not allowed, 422 bad fields."""
    loaded, head = reading.load_for_change(session, principal, article_id)
    take(session, principal, loaded, transition_id, data, now=now)
    article = loaded.article
    assert isinstance(article, reading.ArticleRow)
    article.write(session)
    return reading.read(article, head)


def take(
    session: Session,
    principal: Principal,
    loaded: reading.Loaded,
    transition_id: str,
    data: TransitionRequest,
    *,
    now: datetime,
) -> None:
    """``transition`` on an article already loaded and locked (the scheduler loads its batch in one query)."""
    definition = _find(loaded.workflow, transition_id, loaded.subject.state)
    policy.may_transition(principal, loaded.subject, definition).require()
    fields = validate_fields(definition, data, now)
    engine.fire(session, loaded.article, loaded.subject, definition, principal, fields, now=now)


def status(session: Session, principal: Principal, article_id: int, *, explain: bool) -> WorkflowStatus:
    """What the caller may do to the article now (and, with ``explain``, what not and why)."""
    loaded = reading.load(session, principal, article_id)
    subject, workflow = loaded.subject, loaded.workflow
    available: list[AvailableTransition] = []
    unavailable: list[UnavailableTransition] = []
    for t in workflow.from_state(subject.state):
        decision = policy.may_transition(principal, subject, t)
        if decision.allowed:
            available.append(
                AvailableTransition(
                    id=t.id, title=t.title, to=t.dest.value, requires=list(t.requires), optional=list(t.optional)
                )
            )
        else:
            unavailable.append(UnavailableTransition(id=t.id, title=t.title, to=t.dest.value, reason=decision.reason))
    if explain:
        leaving = {t.id for t in workflow.from_state(subject.state)}
        for t in workflow.transitions:
            if t.id not in leaving and all(u.id != t.id for u in unavailable):
                sources = sorted({d.source.value for d in workflow.transitions if d.id == t.id})
                unavailable.append(
                    UnavailableTransition(
                        id=t.id,
                        title=t.title,
                        to=t.dest.value,
                        reason=f"not available in state {subject.state.value} (leaves {', '.join(sources)})",
                    )
                )
    return WorkflowStatus(
        workflow=workflow.id,
        state=subject.state.value,
        transitions=available,
        unavailable=unavailable if explain else None,
    )


def history(
    session: Session, principal: Principal, article_id: int, *, cursor: str | None, limit: int
) -> Page[HistoryRead]:
    """The article's transitions, oldest first."""
    reading.load(session, principal, article_id)
    after = decode_cursor(cursor, {"id": int})
    query = (
        select(HistoryEntry, User.username)
        .outerjoin(User, User.id == HistoryEntry.actor_id)
        .where(HistoryEntry.article_id == article_id)
        .order_by(HistoryEntry.id)
        .limit(limit + 1)
    )
    if after:
        query = query.where(HistoryEntry.id > after["id"])
    rows = session.execute(query).all()
    items = [
        HistoryRead(actor=username or "system", **entry.model_dump(exclude={"article_id", "actor_id"}))
        for entry, username in rows[:limit]
    ]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


def worklist(
    session: Session, principal: Principal, *, desk: str | None, cursor: str | None, limit: int, now: datetime
) -> Page[WorklistItem]:
    """Articles the caller can move on now, longest waiting first."""
    desks = desk_workflows(session)
    if desk:
        desks = {d: w for d, w in desks.items() if d == desk}
    scope = policy.action_scope(principal, desks)
    after = decode_cursor(cursor, {"t": str, "id": int})
    position = (datetime.fromisoformat(after["t"]), after["id"]) if after else None
    branches = _worklist_branches(principal, scope, position, limit)
    if not branches:
        return Page(items=[], next_cursor=None)
    candidates = union_all(*branches).subquery("candidates")
    query = (
        select(Article, Revision.title, Revision.authors)
        .join(candidates, candidates.c.id == Article.id)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.head_revision))
        .order_by(Article.state_changed_at, Article.id)
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    page = rows[:limit]
    authored = set(
        session.scalars(
            select(ArticleAuthor.article_id).where(
                ArticleAuthor.user_id == principal.user_id,
                ArticleAuthor.article_id.in_([a.id for a, _, _ in page]),
            )
        )
    )
    items = []
    for article, title, authors in page:
        subject = policy.Subject(
            article.desk_id,
            desks[article.desk_id],
            State(article.state),
            article.id in authored,
            article.signed_revision,
            article.live_revision,
        )
        possible = [
            t.id
            for t in subject.workflow.from_state(subject.state)
            if policy.may_transition(principal, subject, t).allowed
        ]
        if possible:
            items.append(
                WorklistItem(
                    id=article.id,
                    slug=article.slug,
                    desk=article.desk_id,
                    state=article.state,
                    title=title,
                    authors=authors,
                    revision=article.head_revision,
                    state_changed_at=article.state_changed_at,
                    seconds_in_state=int((now - article.state_changed_at).total_seconds()),
                    transitions=list(dict.fromkeys(possible)),
                )
            )
    last = page[-1][0] if page else None
    next_cursor = (
        encode_cursor({"t": last.state_changed_at.isoformat(), "id": last.id}) if last and len(rows) > limit else None
    )
    return Page(items=items, next_cursor=next_cursor)


def _worklist_branches(
    principal: Principal, scope: policy.Scope, position: tuple[datetime, int] | None, limit: int
) -> list[Select[Any]]:
    """The first ``limit + 1`` articles of each (desk, state) in the worklist's order, each read off the
    (desk_id, state, state_changed_at) index: the page costs the same at a thousand articles or a million,
    where one OR over every branch made the database sort every match first (bench/worklist_plan.py)."""
    authored = select(ArticleAuthor.article_id).where(ArticleAuthor.user_id == principal.user_id)
    branches = []
    for by_authorship, states_by_desk in ((False, scope.by_role), (True, scope.by_authorship)):
        if by_authorship and principal.user_id is None:
            continue
        for desk_id, states in states_by_desk.items():
            for state in sorted(states):
                branch = select(Article.id, Article.state_changed_at).where(
                    Article.desk_id == desk_id, Article.state == state.value
                )
                if by_authorship:
                    branch = branch.where(Article.id.in_(authored))
                if position is not None:
                    branch = branch.where(tuple_(Article.state_changed_at, Article.id) > position)
                first = branch.order_by(Article.state_changed_at, Article.id).limit(limit + 1).subquery()
                branches.append(select(first.c.id, first.c.state_changed_at))
    return branches


def bulk(session: Session, principal: Principal, items: list[BulkItem], *, now: datetime) -> BulkResponse:
    """Take each transition in its own savepoint; every item gets a result, none is skipped."""
    results: list[BulkResult] = []
    for item in items:
        request = TransitionRequest.model_validate(item.model_dump(include=set(TransitionRequest.model_fields)))
        savepoint = session.begin_nested()
        try:
            article = transition(session, principal, item.article, item.transition, request, now=now)
        except EditorialError as error:
            savepoint.rollback()
            problem = {"type": f"/problems/{error.slug}", "title": error.title, "status": error.status}
            results.append(
                BulkResult(
                    article=item.article,
                    transition=item.transition,
                    status=error.status,
                    problem={**problem, "detail": error.detail, **error.extra},
                )
            )
        else:
            savepoint.commit()
            results.append(
                BulkResult(article=item.article, transition=item.transition, status=200, article_state=article.state)
            )
    succeeded = sum(1 for r in results if r.status == 200)
    return BulkResponse(succeeded=succeeded, failed=len(results) - succeeded, results=results)
