"""docs/workflow.md and docs/permissions.md are generated from the workflow definitions and must not drift."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from editorial.workflow import docs
from editorial.workflow.registry import all_workflows

GENERATED = docs.generated()


@pytest.mark.parametrize("path", sorted(GENERATED), ids=lambda p: p.name)
def test_committed_doc_matches_the_definitions(path: Path) -> None:
    expected = GENERATED[path]
    name = path.relative_to(docs.ROOT)
    if not path.exists():
        pytest.fail(f"{name} is missing: run `make docs` and commit it")
    committed = path.read_text(encoding="utf-8")
    if committed != expected:
        diff = difflib.unified_diff(
            committed.splitlines(), expected.splitlines(), f"{name} (committed)", f"{name} (generated)", lineterm=""
        )
        excerpt = "\n".join(list(diff)[:40])
        pytest.fail(f"{name} differs from the workflow definitions: run `make docs` and commit it\n{excerpt}")


def test_generation_is_deterministic() -> None:
    assert docs.generated() == GENERATED


@pytest.mark.parametrize("workflow_id", sorted(all_workflows()))
def test_diagram_draws_every_transition_and_edit(workflow_id: str) -> None:
    workflow = all_workflows()[workflow_id]
    diagram = docs.mermaid(workflow)
    edges = set(re.findall(r"^\s*(\w+) --> (\w+): (\w+)", diagram, flags=re.MULTILINE))
    expected = {(t.source.value, t.dest.value, t.id) for t in workflow.transitions}
    expected |= {(s.id.value, s.on_edit.value, "edit") for s in workflow.states.values() if s.on_edit}
    assert edges == expected
    assert f"[*] --> {workflow.initial.value}" in diagram
