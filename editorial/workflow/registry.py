"""The workflows in force, validated once when the service starts."""

from __future__ import annotations

from editorial.workflow.definitions import WORKFLOWS
from editorial.workflow.model import Workflow, load_workflows

_WORKFLOWS: dict[str, Workflow] = load_workflows(WORKFLOWS)


def get_workflow(workflow_id: str) -> Workflow:
    """The workflow named ``workflow_id``; ``KeyError`` if none."""
    return _WORKFLOWS[workflow_id]


def all_workflows() -> dict[str, Workflow]:
    return dict(_WORKFLOWS)
