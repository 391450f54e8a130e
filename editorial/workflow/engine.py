"""The state machine: ``transitions`` over the workflow data, run inside the caller's transaction.

The policy decides *who* may take a transition; the machine decides whether it leaves the
current state and whether its conditions hold, then applies its effects. Every transition,
including the implicit move back to ``editing`` when a signed-off article is edited, appends a
history row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session
from transitions import EventData, Machine, MachineError

from editorial.articles.reading import AnyArticle, ArticleRow
from editorial.auth.principal import Principal
from editorial.db.direct import Direct
from editorial.db.models import HistoryEntry
from editorial.events import outbox
from editorial.lib.errors import Conflict
from editorial.metrics import transition_taken
from editorial.workflow import policy
from editorial.workflow.model import CONDITIONS, State, TransitionDef, Workflow
from editorial.workflow.registry import get_workflow

SCHEDULE_CHANGED = "editorial.schedule_changed"
"""``session.info`` flag: schedulers should look again at what is due (see scheduling.worker)."""
EDIT = "edit"
"""History name of the implicit transition an edit causes (``ready`` -> ``editing``, ...)."""


@dataclass(slots=True)
class Firing:
    """What a transition is given, and what its effects leave for the history row."""

    session: Session
    principal: Principal
    subject: policy.Subject
    fields: dict[str, Any]
    now: datetime
    revision: int
    failed_condition: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ArticleModel:
    """What ``transitions`` binds to: its ``state`` reads and writes the article row.

    (``transitions`` cannot bind to a SQLModel instance: pydantic refuses its ``trigger`` attribute.)
    """

    def __init__(self, article: AnyArticle) -> None:
        self.article = article

    @property
    def state(self) -> State:
        return State(self.article.state)

    @state.setter
    def state(self, value: State | str) -> None:
        self.article.state = State(value).value


def _condition(name: str) -> Callable[[EventData], bool]:
    check = policy.CONDITION_CHECKS[name]

    def holds(event: EventData) -> bool:
        firing: Firing = event.kwargs["firing"]
        if check(firing.subject):
            return True
        firing.failed_condition = CONDITIONS[name]
        return False

    return holds


def _sign_off(article: AnyArticle, firing: Firing) -> None:
    article.signed_revision = article.head_revision
    firing.revision = article.head_revision


def _schedule(article: AnyArticle, firing: Firing) -> None:
    publish_at: datetime = firing.fields["publish_at"]
    unpublish_at: datetime | None = firing.fields.get("unpublish_at")
    offset = publish_at.utcoffset()
    article.publish_at = publish_at.astimezone(UTC)
    article.publish_at_offset = int(offset.total_seconds() // 60) if offset is not None else 0
    article.unpublish_at = unpublish_at.astimezone(UTC) if unpublish_at else None
    _clear_retries(article)
    firing.session.info[SCHEDULE_CHANGED] = True  # wakes schedulers once committed
    _emit(
        firing,
        "article.scheduled",
        article,
        revision=article.signed_revision,
        publish_at=article.publish_at.isoformat(),
        unpublish_at=article.unpublish_at.isoformat() if article.unpublish_at else None,
    )


def _unschedule(article: AnyArticle, firing: Firing) -> None:
    article.publish_at = article.publish_at_offset = article.unpublish_at = None
    _clear_retries(article)
    _emit(firing, "article.unscheduled", article)


def _emit(firing: Firing, kind: str, article: AnyArticle, **data: Any) -> None:
    assert article.id is not None
    outbox.emit(firing.session, kind, article.id, firing.principal, firing.now, **data)


def _clear_retries(article: AnyArticle) -> None:
    article.schedule_attempts = 0
    article.schedule_retry_at = None


def _publish(article: AnyArticle, firing: Firing) -> None:
    # What was signed off is what goes live: the sign-off, never the head.
    previous = article.live_revision
    article.live_revision = article.signed_revision
    article.published_at = firing.now
    firing.revision = article.signed_revision or article.head_revision
    _clear_retries(article)
    if previous is None:
        _emit(firing, "article.published", article, live_revision=article.live_revision, slug=article.slug)
    else:
        _emit(
            firing,
            "article.updated_live",
            article,
            live_revision=article.live_revision,
            previous_live_revision=previous,
            correction=firing.fields.get("correction"),
            slug=article.slug,
        )


def _unpublish(article: AnyArticle, firing: Firing) -> None:
    firing.revision = article.live_revision or article.head_revision
    article.live_revision = None
    article.unpublish_at = None  # done; a later republish must not be taken down again at once
    _clear_retries(article)
    _emit(firing, "article.unpublished", article, revision=firing.revision, comment=firing.fields.get("comment"))


def _republish(article: AnyArticle, firing: Firing) -> None:
    last_live = firing.session.scalar(
        select(HistoryEntry.revision)
        .where(HistoryEntry.article_id == article.id, HistoryEntry.transition == "unpublish")
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )
    article.live_revision = last_live
    article.published_at = firing.now
    firing.revision = last_live or article.head_revision
    _emit(firing, "article.published", article, live_revision=last_live, slug=article.slug)


EFFECTS: dict[str, Callable[[AnyArticle, Firing], None]] = {
    "sign_off": _sign_off,
    "schedule": _schedule,
    "unschedule": _unschedule,
    "publish": _publish,
    "unpublish": _unpublish,
    "republish": _republish,
}


def _effect(name: str) -> Callable[[EventData], None]:
    apply = EFFECTS[name]

    def run(event: EventData) -> None:
        apply(event.model.article, event.kwargs["firing"])

    return run


@cache
def machine_for(workflow_id: str) -> Machine:
    """One machine per workflow; articles are bound to it one call at a time."""
    workflow = get_workflow(workflow_id)
    return Machine(
        model=None,
        states=list(workflow.states),
        transitions=[
            {
                "trigger": t.id,
                "source": t.source,
                "dest": t.dest,
                "conditions": [_condition(c) for c in t.conditions],
                "after": [_effect(e) for e in t.effects],
            }
            for t in workflow.transitions
        ],
        initial=workflow.initial,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


_INSERT_HISTORY = Direct(
    insert(HistoryEntry),
    ["article_id", "at", "actor_id", "transition", "from_state", "to_state", "comment", "correction", "revision"],
)


def _history(
    session: Session,
    article: AnyArticle,
    principal: Principal,
    transition: str,
    from_state: State,
    *,
    workflow: str,
    now: datetime,
    revision: int,
    comment: str = "",
    correction: str | None = None,
) -> None:
    """Append the history row, move the article's time in state, and emit the event."""
    assert article.id is not None
    entry = {
        "article_id": article.id,
        "at": now,
        "actor_id": principal.user_id,
        "transition": transition,
        "from_state": from_state.value,
        "to_state": article.state,
        "comment": comment,
        "correction": correction,
        "revision": revision,
    }
    if isinstance(article, ArticleRow):  # a plain INSERT, as the row itself is written
        _INSERT_HISTORY.run(session.connection(), entry)
    else:  # with the entity, in the flush: a scheduler batch writes all its history in one statement
        session.add(HistoryEntry(**entry))
    article.state_changed_at = now
    article.updated_at = now
    outbox.emit(
        session,
        "article.transitioned",
        article.id,
        principal,
        now,
        transition=transition,
        from_state=from_state.value,
        to_state=article.state,
        revision=revision,
        comment=comment,
    )
    transition_taken(workflow, entry, principal.username)


def fire(
    session: Session,
    article: AnyArticle,
    subject: policy.Subject,
    transition: TransitionDef,
    principal: Principal,
    fields: dict[str, Any],
    *,
    now: datetime,
) -> None:
    """Run ``transition`` on ``article`` (already permitted by the policy) and record it.

    An entity is written by the session's unit of work; a plain row by its caller (``ArticleRow.write``).
    """
    from_state = State(article.state)
    firing = Firing(session, principal, subject, fields, now, revision=article.head_revision)
    # The event is triggered on the model directly: binding the model to the machine
    # (add_model/remove_model) defines a method per trigger and state on it, every time.
    event = machine_for(subject.workflow.id).events[transition.id]
    try:
        moved = event.trigger(ArticleModel(article), firing=firing)
    except MachineError:
        raise Conflict(f"{transition.id} is not available in state {from_state.value}") from None
    if not moved:
        raise Conflict(f"{transition.id} refused: {firing.failed_condition or 'a condition failed'}")
    _history(
        session,
        article,
        principal,
        transition.id,
        from_state,
        workflow=subject.workflow.id,
        now=now,
        revision=firing.revision,
        comment=fields.get("comment") or "",
        correction=fields.get("correction"),
    )


def record_edit(
    session: Session, workflow: Workflow, article: AnyArticle, principal: Principal, *, now: datetime
) -> None:
    """An edit voids any sign-off, and moves a signed-off or live article back to editing."""
    article.signed_revision = None
    target = workflow.states[State(article.state)].on_edit
    if target is None:
        return
    from_state = State(article.state)
    article.state = target.value
    _history(
        session, article, principal, EDIT, from_state, workflow=workflow.id, now=now, revision=article.head_revision
    )
