"""Conflicting actions on one article at the same moment: exactly one wins, nothing is doubled."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.support import Actor

ROUNDS = 8


def race(base_url: str, requests: list[tuple[str, str, str, dict[str, Any], dict[str, str]]]) -> list[int]:
    """Send the requests from parallel threads released together; return their status codes in order."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(index: int) -> None:
        method, url, token, body, headers = requests[index]
        with httpx.Client(base_url=base_url, timeout=30) as http:
            barrier.wait()
            response = http.request(method, url, json=body, headers={"Authorization": f"Bearer {token}", **headers})
            statuses[index] = response.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_conflicting_transitions_one_wins_and_history_has_one_entry(
    live_server: str, newsroom: dict[str, Actor], db: Any, clock: Any
) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    for _ in range(ROUNDS):
        article = writer.create()
        writer.must(article, "submit")
        url = f"/api/v1/articles/{article['id']}/workflow"
        statuses = race(
            live_server,
            [
                ("POST", f"{url}/send_to_fact_check", editor.token, {}, {}),
                ("POST", f"{url}/return_to_writer", editor.token, {"comment": "Not yet."}, {}),
            ],
        )
        assert sorted(statuses) == [200, 409], statuses
        history = editor.get(f"/api/v1/articles/{article['id']}/history").json()["items"]
        assert history[0]["transition"] == "submit"
        assert len(history) == 2, history
        final = editor.get(f"/api/v1/articles/{article['id']}").json()["state"]
        winner = "send_to_fact_check" if statuses[0] == 200 else "return_to_writer"
        assert history[-1]["transition"] == winner
        assert final == {"send_to_fact_check": "fact_check", "return_to_writer": "draft"}[winner]


def test_same_transition_twice_at_once_happens_once(live_server: str, newsroom: dict[str, Actor]) -> None:
    writer, editor, publisher = newsroom["writer"], newsroom["opinion_editor"], newsroom["publisher"]
    for _ in range(ROUNDS):
        article = writer.create(desk="opinion")
        writer.must(article, "submit")
        editor.must(article, "approve")
        url = f"/api/v1/articles/{article['id']}/workflow/publish"
        statuses = race(live_server, [("POST", url, publisher.token, {}, {}), ("POST", url, editor.token, {}, {})])
        assert sorted(statuses) == [200, 409], statuses
        history = editor.get(f"/api/v1/articles/{article['id']}/history").json()["items"]
        assert [h["transition"] for h in history].count("publish") == 1


def test_concurrent_saves_from_the_same_revision_one_wins_the_other_is_stale(
    live_server: str, newsroom: dict[str, Actor]
) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    for _ in range(ROUNDS):
        article = writer.create()
        url = f"/api/v1/articles/{article['id']}"
        statuses = race(
            live_server,
            [
                ("PUT", url, writer.token, {"body": "Writer's version."}, {"If-Match": '"r1"'}),
                ("PUT", url, editor.token, {"body": "Editor's version."}, {"If-Match": '"r1"'}),
            ],
        )
        assert sorted(statuses) == [200, 412], statuses
        revisions = writer.get(f"{url}/revisions").json()["items"]
        assert [r["number"] for r in revisions] == [2, 1]
