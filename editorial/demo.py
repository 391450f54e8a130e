"""Demo data: desks' people, their tokens, and a few articles in different states."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from editorial.articles import services as articles
from editorial.articles.schemas import ArticleCreate
from editorial.auth import services as auth
from editorial.auth.schemas import RoleRef
from editorial.db.models import User
from editorial.lib.clock import Clock
from editorial.workflow import services as workflow
from editorial.workflow.schemas import TransitionRequest

DEMO_PASSWORD = "demo-password"
PEOPLE = [
    ("admin", "Ada Admin", ["admin"]),
    ("wendy", "Wendy Writer", ["writer:news", "writer:opinion"]),
    ("nora", "Nora News-Editor", ["editor:news"]),
    ("oscar", "Oscar Opinion-Editor", ["editor:opinion"]),
    ("fiona", "Fiona Fact-Checker", ["fact_checker"]),
    ("pat", "Pat Publisher", ["publisher"]),
    ("robot", "Publishing Robot", ["automation"]),
]
BODY = (
    "The city council voted on Tuesday to extend the harbour ferry service through the winter.\n\n"
    "Councillors said ridership had doubled since the pilot began in June, and that the cost would be "
    "covered by the transport levy.\n\n"
    "Opponents argued the money would be better spent on bus routes in the northern districts."
)


def parse_role(text: str) -> RoleRef:
    role, _, desk = text.partition(":")
    return RoleRef(role=role, desk=desk or None)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(User))


def load_demo(session: Session, clock: Clock) -> list[tuple[str, str]]:
    """Create the demo newsroom; returns ``(username, token)`` for each person."""
    now = clock.now()
    tokens = []
    principals = {}
    for username, name, roles in PEOPLE:
        user = auth.create_user(
            session,
            username=username,
            display_name=name,
            password=DEMO_PASSWORD,
            roles=[parse_role(r) for r in roles],
            now=now,
        )
        _, secret = auth.create_token(session, user, now=now, name="demo")
        tokens.append((username, secret))
        principals[username] = auth.principal_for(session, user)

    def article(desk: str, title: str, steps: list[tuple[str, str, dict[str, object]]]) -> None:
        created = articles.create(
            session,
            principals["wendy"],
            ArticleCreate(desk=desk, title=title, dek="A demo article.", body=BODY, tags=["demo", desk]),
            now=now,
        )
        for who, name, fields in steps:
            request = TransitionRequest.model_validate(fields)
            workflow.transition(session, principals[who], created.id, name, request, now=now)

    article("news", "Ferry service extended through winter", [])
    article("news", "Harbour ferry: council votes", [("wendy", "submit", {})])
    article("news", "Bus routes under review", [("wendy", "submit", {}), ("nora", "send_to_fact_check", {})])
    through_check = [
        ("wendy", "submit", {}),
        ("nora", "send_to_fact_check", {}),
        ("fiona", "pass_fact_check", {}),
    ]
    article("news", "Transport levy explained", through_check)
    article(
        "news",
        "Ferry ridership doubles",
        [*through_check, ("nora", "schedule", {"publish_at": now + timedelta(days=1)})],
    )
    article("news", "New pier opens", [*through_check, ("pat", "publish", {})])
    article("opinion", "Why the ferry matters", [("wendy", "submit", {})])
    article("opinion", "Buses first", [("wendy", "submit", {}), ("oscar", "approve", {}), ("oscar", "publish", {})])
    return tokens
