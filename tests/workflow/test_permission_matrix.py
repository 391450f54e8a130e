"""Every (principal kind, desk, state, action) against the HTTP API, generated from the workflow definitions.

The expected outcome comes from a small oracle that reads the raw definition data
(``editorial.workflow.definitions.WORKFLOWS``), not from ``editorial.workflow.policy``:
roles held on the desk or globally, ``admin`` acting as ``editor``, ``author`` for the
article's authors, and the ``not_author`` condition. 404 when the principal may not view,
403 when it may view but not act, 200 when it may act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from editorial.workflow.definitions import WORKFLOWS
from tests.support import Actor, make_user

DESKS = {"news": "news", "opinion": "opinion"}
OTHER_DESK = {"news": "opinion", "opinion": "news"}
STATES = ["draft", "editing", "fact_check", "ready", "scheduled", "published", "unpublished"]


@dataclass(frozen=True)
class Kind:
    grants: tuple[str, ...]
    author: bool = False


KINDS = {
    "author_writer": Kind(("writer:{desk}",), author=True),
    "writer": Kind(("writer:{desk}",)),
    "author_without_role": Kind((), author=True),
    "editor": Kind(("editor:{desk}",)),
    "editor_author": Kind(("editor:{desk}",), author=True),
    "other_desk_editor": Kind(("editor:{other}",)),
    "fact_checker": Kind(("fact_checker",)),
    "fact_checker_author": Kind(("fact_checker",), author=True),
    "publisher": Kind(("publisher",)),
    "automation": Kind(("automation",)),
    "admin": Kind(("admin",)),
    "outsider": Kind(()),
}


def oracle_roles(kind: Kind, desk: str) -> set[str]:
    roles = set()
    for grant in kind.grants:
        role, _, on = grant.format(desk=desk, other=OTHER_DESK[desk]).partition(":")
        if not on or on == desk:
            roles.add(role)
    if "admin" in roles:
        roles.add("editor")
    if kind.author:
        roles.add("author")
    return roles


def expected(kind: Kind, desk: str, state: str) -> dict[str, bool | None]:
    """Action -> True (allowed), False (visible but refused), None (not visible) for one cell."""
    workflow = WORKFLOWS[DESKS[desk]]
    roles = oracle_roles(kind, desk)
    permissions = workflow["states"][state]["permissions"]
    if not ("admin" in roles or roles & set(permissions["view"])):
        return dict.fromkeys(["view", "edit", *transition_ids(desk, state)])
    outcome: dict[str, bool | None] = {"view": True, "edit": bool(roles & set(permissions["edit"]))}
    for t in workflow["transitions"]:
        sources = [t["source"]] if isinstance(t["source"], str) else t["source"]
        if state in sources:
            conditions = t.get("conditions", [])
            allowed = (
                bool(roles & set(t["roles"]))
                and not ("not_author" in conditions and kind.author)
                # The setup makes an article live only on the way to published or unpublished.
                and not ("live" in conditions and state != "published")
            )
            outcome[t["id"]] = allowed
    return outcome


def transition_ids(desk: str, state: str) -> list[str]:
    ids = []
    for t in WORKFLOWS[DESKS[desk]]["transitions"]:
        sources = [t["source"]] if isinstance(t["source"], str) else t["source"]
        if state in sources and t["id"] not in ids:
            ids.append(t["id"])
    return ids


class Setup:
    """Drives fresh articles into any state with its own staff, none of whom is the principal under test."""

    def __init__(self, client: Any, db: Any, clock: Any) -> None:
        self.clock = clock
        self.staff = {}
        for name, roles in {
            "setup-writer": ["writer:news", "writer:opinion"],
            "setup-editor": ["editor:news", "editor:opinion"],
            "setup-checker": ["fact_checker"],
            "setup-publisher": ["publisher"],
        }.items():
            _, token = make_user(db, clock, name, *roles)
            self.staff[name] = Actor(client, name, token)

    def article_in(self, desk: str, state: str, coauthor: str | None) -> dict[str, Any]:
        writer, editor = self.staff["setup-writer"], self.staff["setup-editor"]
        checker, publisher = self.staff["setup-checker"], self.staff["setup-publisher"]
        article = writer.create(desk=desk)
        if coauthor:
            saved = writer.save(article, authors=["setup-writer", coauthor])
            assert saved.status_code == 200, saved.text
            article = saved.json()
        path = {
            "editing": [(writer, "submit", {})],
            "fact_check": [(writer, "submit", {}), (editor, "send_to_fact_check", {})],
        }
        to_ready = [(writer, "submit", {}), (editor, "send_to_fact_check", {}), (checker, "pass_fact_check", {})]
        publish_at = (self.clock.now() + timedelta(hours=2)).isoformat()
        path["ready"] = to_ready
        path["scheduled"] = [*to_ready, (publisher, "schedule", {"publish_at": publish_at})]
        path["published"] = [*to_ready, (publisher, "publish", {})]
        path["unpublished"] = [*path["published"], (editor, "unpublish", {"comment": "setup"})]
        for actor, transition, fields in path.get(state, []):
            article = actor.must(article, transition, **fields)
        assert article["state"] == state
        return article


FIELDS: dict[str, dict[str, str]] = {
    "return_to_writer": {"comment": "Please rework."},
    "fail_fact_check": {"comment": "Wrong figure."},
    "unpublish": {"comment": "Taken down."},
}


def act(actor: Actor, article: dict[str, Any], action: str, clock: Any) -> Any:
    if action == "view":
        return actor.get(f"/api/v1/articles/{article['id']}")
    if action == "edit":
        return actor.put(
            f"/api/v1/articles/{article['id']}",
            json={"body": f"Edited by {actor.username}."},
            headers={"If-Match": f'"r{article["revision"]}"'},
        )
    fields = dict(FIELDS.get(action, {}))
    if action == "schedule":
        fields["publish_at"] = (clock.now() + timedelta(hours=3)).isoformat()
    return actor.fire(article, action, **fields)


CASES = [(desk, state, kind) for desk in DESKS for state in STATES for kind in KINDS]


@pytest.mark.parametrize(("desk", "state", "kind"), CASES, ids=["-".join(case) for case in CASES])
def test_permission_cell(client: Any, db: Any, clock: Any, desk: str, state: str, kind: str) -> None:
    setup = Setup(client, db, clock)
    grants = [g.format(desk=desk, other=OTHER_DESK[desk]) for g in KINDS[kind].grants]
    username = f"p-{kind.replace('_', '-')}"
    _, token = make_user(db, clock, username, *grants)
    principal = Actor(client, username, token)
    coauthor = username if KINDS[kind].author else None
    outcome = expected(KINDS[kind], desk, state)

    article = setup.article_in(desk, state, coauthor)
    # What the caller is offered must be exactly what the oracle allows.
    offered = principal.get(f"/api/v1/articles/{article['id']}/workflow")
    if outcome["view"] is None:
        assert offered.status_code == 404
    else:
        allowed = {a for a, ok in outcome.items() if ok and a not in ("view", "edit")}
        assert {t["id"] for t in offered.json()["transitions"]} == allowed

    # Refusals change nothing, so they share one article; each allowed action gets a fresh one.
    refused = [a for a, ok in outcome.items() if not ok]
    for action in refused:
        response = act(principal, article, action, clock)
        want = 404 if outcome[action] is None else 403
        assert response.status_code == want, f"{kind} {action} in {desk}/{state}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
    for action in [a for a, ok in outcome.items() if ok]:
        fresh = article if action == "view" else setup.article_in(desk, state, coauthor)
        response = act(principal, fresh, action, clock)
        assert response.status_code == 200, f"{kind} {action} in {desk}/{state}: {response.text}"
