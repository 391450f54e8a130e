"""The default workflows, as data: states, a state -> permission -> roles map, and transitions.

Roles in these tables are desk roles (``writer``, ``editor``, ``fact_checker``, ``publisher``,
``automation``), the article-local role ``author``, and ``system`` (the scheduler). ``admin``
is not listed: an admin holds every right ``editor`` has, on every desk (see ``policy``).
"""

from __future__ import annotations

from typing import Any

DESK_ROLES = ["writer", "editor", "fact_checker", "publisher", "automation"]
VIEWERS = ["author", *DESK_ROLES]
PUBLISHERS = ["editor", "publisher", "automation"]

STATES: dict[str, dict[str, Any]] = {
    "draft": {"title": "Draft", "permissions": {"view": VIEWERS, "edit": ["author", "editor"]}},
    "editing": {"title": "Editing", "permissions": {"view": VIEWERS, "edit": ["editor"]}},
    "fact_check": {"title": "Fact-check", "permissions": {"view": VIEWERS, "edit": []}},
    "ready": {
        "title": "Ready",
        "permissions": {"view": VIEWERS, "edit": ["editor"]},
        "on_edit": "editing",
    },
    "scheduled": {"title": "Scheduled", "permissions": {"view": VIEWERS, "edit": []}},
    "published": {
        "title": "Published",
        "permissions": {"view": VIEWERS, "edit": ["editor"]},
        "on_edit": "editing",
    },
    "unpublished": {
        "title": "Unpublished",
        "permissions": {"view": VIEWERS, "edit": ["editor"]},
        "on_edit": "editing",
    },
}

COMMON_TRANSITIONS: list[dict[str, Any]] = [
    {"id": "submit", "title": "Submit for editing", "source": "draft", "dest": "editing", "roles": ["author"]},
    {
        "id": "return_to_writer",
        "title": "Return to writer",
        "source": "editing",
        "dest": "draft",
        "roles": ["editor"],
        "requires": ["comment"],
    },
    {
        "id": "send_to_fact_check",
        "title": "Send to fact-check",
        "source": "editing",
        "dest": "fact_check",
        "roles": ["editor"],
    },
    {
        "id": "pass_fact_check",
        "title": "Pass fact-check",
        "source": "fact_check",
        "dest": "ready",
        "roles": ["fact_checker"],
        "conditions": ["not_author"],
        "effects": ["sign_off"],
    },
    {
        "id": "fail_fact_check",
        "title": "Fail fact-check",
        "source": "fact_check",
        "dest": "editing",
        "roles": ["fact_checker"],
        "requires": ["comment"],
    },
    {
        "id": "schedule",
        "title": "Schedule",
        "source": ["ready", "scheduled"],
        "dest": "scheduled",
        "roles": PUBLISHERS,
        "requires": ["publish_at"],
        "optional": ["unpublish_at"],
        "conditions": ["signed_off"],
        "effects": ["schedule"],
    },
    {
        "id": "unschedule",
        "title": "Unschedule",
        "source": "scheduled",
        "dest": "ready",
        "roles": PUBLISHERS,
        "effects": ["unschedule"],
    },
    {
        "id": "publish",
        "title": "Publish",
        "source": "ready",
        "dest": "published",
        "roles": PUBLISHERS,
        "optional": ["correction"],
        "conditions": ["signed_off"],
        "effects": ["publish"],
    },
    {
        "id": "publish",
        "title": "Publish (scheduled)",
        "source": "scheduled",
        "dest": "published",
        "roles": ["system"],
        "optional": ["correction"],
        "conditions": ["signed_off"],
        "effects": ["publish"],
    },
    {
        # Also while an update of a live article is being worked on: a takedown cannot wait for it.
        "id": "unpublish",
        "title": "Unpublish",
        "source": ["published", "draft", "editing", "fact_check", "ready"],
        "dest": "unpublished",
        "roles": ["editor", "publisher", "system"],
        "requires": ["comment"],
        "conditions": ["live"],
        "effects": ["unpublish"],
    },
    {
        "id": "republish",
        "title": "Republish",
        "source": "unpublished",
        "dest": "published",
        "roles": ["editor", "publisher"],
        "effects": ["republish"],
    },
]

APPROVE: dict[str, Any] = {
    "id": "approve",
    "title": "Approve",
    "source": "editing",
    "dest": "ready",
    "roles": ["editor"],
    "conditions": ["not_author"],
    "effects": ["sign_off"],
}

WORKFLOWS: dict[str, dict[str, Any]] = {
    "news": {
        "id": "news",
        "title": "News",
        "description": "A news story reaches ready only through a fact-check pass.",
        "initial": "draft",
        "states": STATES,
        "transitions": COMMON_TRANSITIONS,
    },
    "opinion": {
        "id": "opinion",
        "title": "Opinion",
        "description": "An opinion piece is approved by an editor who is not its author; "
        "it may still be sent to fact-check.",
        "initial": "draft",
        "states": STATES,
        "transitions": [*COMMON_TRANSITIONS[:3], APPROVE, *COMMON_TRANSITIONS[3:]],
    },
}
