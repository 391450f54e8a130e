"""Workflow definitions are data, validated at start-up, and served to clients whole."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from editorial.workflow.definitions import WORKFLOWS
from editorial.workflow.model import State, WorkflowDefinitionError, load_workflow, load_workflows
from tests.support import Actor


def broken(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(WORKFLOWS["news"])
    change(raw)
    return raw


def _transition(raw: dict[str, Any], tid: str) -> dict[str, Any]:
    return next(t for t in raw["transitions"] if t["id"] == tid)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: _transition(raw, "submit").update(dest="limbo"), "unknown state 'limbo'"),
        (lambda raw: _transition(raw, "submit").update(roles=[]), "no roles may take it"),
        (lambda raw: _transition(raw, "submit").update(roles=["janitor"]), "unknown role janitor"),
        (lambda raw: _transition(raw, "submit").update(conditions=["full_moon"]), "unknown condition full_moon"),
        (lambda raw: _transition(raw, "submit").update(requires=["signature"]), "unknown field signature"),
        (lambda raw: raw.update(initial="nowhere"), "unknown state 'nowhere'"),
        (lambda raw: raw["transitions"].append(dict(_transition(raw, "submit"))), "defined twice"),
        (
            lambda raw: raw.update(transitions=[t for t in raw["transitions"] if t["id"] != "unpublish"]),
            "unreachable states unpublished",
        ),
        (
            lambda raw: raw["states"].update(draft={"title": "Draft", "permissions": {"publish": ["editor"]}}),
            "unknown permission publish",
        ),
    ],
)
def test_inconsistent_definition_is_refused_with_a_clear_message(change: Any, message: str) -> None:
    with pytest.raises(WorkflowDefinitionError, match=message):
        load_workflow(broken(change))


def test_a_workflow_must_be_keyed_by_its_own_id() -> None:
    with pytest.raises(WorkflowDefinitionError, match="names itself"):
        load_workflows({"features": WORKFLOWS["news"]})


def test_the_default_workflows_follow_the_brief() -> None:
    workflows = load_workflows(WORKFLOWS)
    news, opinion = workflows["news"], workflows["opinion"]
    assert not news.has_transition("approve")
    assert opinion.has_transition("approve")
    for workflow in (news, opinion):
        assert {t.id for t in workflow.transitions if "comment" in t.requires} == {
            "return_to_writer",
            "fail_fact_check",
            "unpublish",
        }
        publish_from_scheduled = workflow.find("publish", State.scheduled)
        assert publish_from_scheduled is not None
        assert publish_from_scheduled.roles == {"system"}


def test_workflows_endpoint_lets_a_client_draw_the_machine(newsroom: dict[str, Actor]) -> None:
    response = newsroom["writer"].get("/api/v1/workflows")
    assert response.status_code == 200
    by_id = {w["id"]: w for w in response.json()}
    assert set(by_id) == {"news", "opinion"}
    news = by_id["news"]
    states = {s["id"] for s in news["states"]}
    assert states == {"draft", "editing", "fact_check", "ready", "scheduled", "published", "unpublished"}
    for t in news["transitions"]:
        assert t["source"] in states
        assert t["dest"] in states
        assert t["roles"]
    passing = next(t for t in news["transitions"] if t["id"] == "pass_fact_check")
    assert passing["roles"] == ["fact_checker"]
    assert [c["id"] for c in passing["conditions"]] == ["not_author"]
    draft = next(s for s in news["states"] if s["id"] == "draft")
    assert draft["permissions"]["edit"] == ["author", "editor"]
    assert news["admin_acts_as"] == "editor"


def test_one_workflow_and_unknown_workflow(newsroom: dict[str, Actor]) -> None:
    assert newsroom["writer"].get("/api/v1/workflows/opinion").json()["id"] == "opinion"
    missing = newsroom["writer"].get("/api/v1/workflows/sports")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"


def test_workflows_need_authentication(client: Any) -> None:
    assert client.get("/api/v1/workflows").status_code == 401
