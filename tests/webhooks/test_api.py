"""``/api/v1/webhooks``: admins subscribe, read, change and delete; the delivery log; re-delivery."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from editorial.events.outbox import TYPES
from editorial.lib.clock import FrozenClock
from tests.support import Actor
from tests.webhooks.conftest import Emit, MakeWorker
from tests.webhooks.receiver import Receiver


def test_admins_manage_webhooks_and_the_secret_is_shown_once(newsroom: dict[str, Actor], receiver: Receiver) -> None:
    admin = newsroom["admin"]
    created = admin.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["article.published", "article.created"], "description": "site"},
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 24
    assert (hook["url"], hook["event_types"], hook["description"], hook["active"]) == (
        receiver.url,
        ["article.created", "article.published"],
        "site",
        True,
    )
    other = admin.post("/api/v1/webhooks", json={"url": receiver.url}).json()
    assert other["event_types"] == [], "empty: every type"
    assert other["secret"] != hook["secret"]

    listed = admin.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed] == [hook["id"], other["id"]]
    one = admin.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert "secret" not in one
    assert all("secret" not in w for w in listed)

    changed = admin.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"event_types": ["article.unpublished"], "description": "feed"}
    )
    assert (changed.status_code, changed.json()["event_types"], changed.json()["description"]) == (
        200,
        ["article.unpublished"],
        "feed",
    )
    off = admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}).json()
    assert (off["active"], off["disabled_reason"]) == (False, "disabled by admin")

    assert admin.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert admin.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert admin.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert [w["id"] for w in admin.get("/api/v1/webhooks").json()] == [other["id"]]


def test_only_admins_may(newsroom: dict[str, Actor], hook: dict[str, Any], receiver: Receiver) -> None:
    base = f"/api/v1/webhooks/{hook['id']}"
    for name in ("writer", "publisher", "robot", "outsider"):
        actor = newsroom[name]
        for method, url, body in (
            ("POST", "/api/v1/webhooks", {"url": receiver.url}),
            ("GET", "/api/v1/webhooks", None),
            ("GET", base, None),
            ("PATCH", base, {"active": False}),
            ("DELETE", base, None),
            ("GET", f"{base}/deliveries", None),
            ("POST", f"{base}/deliveries/1/redeliver", None),
        ):
            response = actor.request(method, url, json=body)
            assert response.status_code == 403, (name, method, url, response.text)
    assert newsroom["admin"].client.get("/api/v1/webhooks").status_code == 401


def test_bad_input_is_422_and_unknown_ids_404(newsroom: dict[str, Actor], hook: dict[str, Any]) -> None:
    admin = newsroom["admin"]
    for url in ("ftp://example.org/hook", "http:///no-host", "not a url", "http://[::1/broken", "javascript:alert(1)"):
        response = admin.post("/api/v1/webhooks", json={"url": url})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["errors"][0]["field"] == "url"
    unknown = admin.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/", "event_types": ["article.eaten"]})
    assert unknown.status_code == 422
    assert "article.eaten" in unknown.json()["detail"]
    assert TYPES[0] in unknown.json()["detail"]
    assert admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"event_types": ["nope"]}).status_code == 422
    assert admin.post("/api/v1/webhooks", json={}).status_code == 422
    for url in ("/api/v1/webhooks/999", "/api/v1/webhooks/999/deliveries", "/api/v1/webhooks/99999999999"):
        assert admin.get(url).status_code == 404, url
    assert admin.patch("/api/v1/webhooks/999", json={"active": True}).status_code == 404
    assert admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/999/redeliver").status_code == 404
    assert admin.post("/api/v1/webhooks/999/deliveries/1/redeliver").status_code == 404
    bad_cursor = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"cursor": "nope"})
    assert bad_cursor.status_code == 422


def test_only_the_event_types_asked_for_are_owed(
    newsroom: dict[str, Actor], receiver: Receiver, emit: Emit, make_worker: MakeWorker
) -> None:
    hook = (
        newsroom["admin"]
        .post("/api/v1/webhooks", json={"url": receiver.url, "event_types": ["article.published"]})
        .json()
    )
    [_, published, _] = emit((1, "article.created"), (1, "article.published"), (1, "article.revised"))
    make_worker().run_once()
    assert [p["data"]["id"] for p in receiver.verified(hook["secret"])] == [published]


def test_the_delivery_log_pages_newest_first_with_every_attempt(
    newsroom: dict[str, Actor],
    hook: dict[str, Any],
    receiver: Receiver,
    emit: Emit,
    make_worker: MakeWorker,
    clock: FrozenClock,
) -> None:
    admin = newsroom["admin"]
    seqs = emit((1, "article.created"), (2, "article.created"), (3, "article.published"))
    receiver.answer = lambda request: 500 if request.message_id == f"evt_{seqs[0]}" else 200
    worker = make_worker()
    worker.run_once()
    clock.advance(timedelta(hours=2))
    worker.run_once()

    log = f"/api/v1/webhooks/{hook['id']}/deliveries"
    first = admin.get(log, params={"limit": 2}).json()
    assert [d["seq"] for d in first["items"]] == [seqs[2], seqs[1]]
    rest = admin.get(log, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert ([d["seq"] for d in rest["items"]], rest["next_cursor"]) == ([seqs[0]], None)

    [failing] = rest["items"]
    assert failing["message_id"] == f"evt_{seqs[0]}"
    assert (failing["event_type"], failing["article_id"], failing["status"]) == ("article.created", 1, "pending")
    assert failing["next_attempt_at"] is not None
    assert (failing["last_status_code"], failing["last_error"]) == (500, "HTTP 500: 'ok'")
    assert [(a["status_code"], a["error"]) for a in failing["attempts"]] == [(500, "HTTP 500: 'ok'")] * 2
    assert all(a["duration_ms"] > 0 for a in failing["attempts"])
    [done, _] = first["items"]
    assert (done["status"], done["next_attempt_at"], done["delivered_at"]) == ("delivered", None, clock_iso(clock, -2))
    assert [(a["status_code"], a["error"]) for a in done["attempts"]] == [(200, None)]

    pending = admin.get(log, params={"status": "pending"}).json()["items"]
    assert [d["seq"] for d in pending] == [seqs[0]]
    assert admin.get(log, params={"status": "lost"}).status_code == 422


def clock_iso(clock: FrozenClock, hours: int) -> str:
    return (clock.now() + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def test_redelivery_sends_it_again_with_the_same_webhook_id_and_keeps_the_log(
    newsroom: dict[str, Actor], hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker
) -> None:
    admin = newsroom["admin"]
    [seq] = emit((1, "article.published"))
    worker = make_worker()
    worker.run_once()
    [sent] = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert sent["status"] == "delivered"

    again = admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{sent['id']}/redeliver")
    assert again.status_code == 202, again.text
    assert (again.json()["status"], again.json()["delivered_at"], len(again.json()["attempts"])) == ("pending", None, 1)
    assert worker._woken.is_set()
    worker.run_once()
    assert [r.message_id for r in receiver.received] == [f"evt_{seq}"] * 2
    assert len({r.body for r in receiver.received}) == 1
    receiver.verified(hook["secret"])
    [log] = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert (log["status"], [a["status_code"] for a in log["attempts"]]) == ("delivered", [200, 200])
