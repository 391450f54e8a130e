"""Targets: http(s) only, and no loopback, private or other non-public address unless allowed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from editorial.app import create_app
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.settings import Settings
from editorial.webhooks.targets import TargetRefused, check_target
from tests.support import Actor, make_user
from tests.webhooks.conftest import Emit, MakeWorker
from tests.webhooks.receiver import Receiver

REFUSED = {
    "http://127.0.0.1:8080/hook": "loopback",
    "http://localhost/hook": "loopback",
    "https://[::1]/hook": "loopback",
    "http://10.1.2.3/hook": "private",
    "http://172.16.0.1/hook": "private",
    "http://192.168.1.1/hook": "private",
    "http://[fd00::1]/hook": "private",
    "http://169.254.169.254/latest/meta-data": "link-local",
    "http://[fe80::1]/hook": "link-local",
    "http://0.0.0.0/hook": "unspecified",
    "http://224.0.0.1/hook": "multicast",
    "http://240.0.0.1/hook": "reserved",
    "http://100.64.0.1/hook": "non-public",
    "http://[::ffff:127.0.0.1]/hook": "loopback",
    "http://2130706433/hook": "loopback",
}


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """Resolve the given names to the given addresses (no lookup leaves the machine)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_non_public_addresses_are_refused_without_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for url, kind in REFUSED.items():
        with pytest.raises(TargetRefused, match=kind):
            check_target(url, allow_private=False)
        check_target(url, allow_private=True)
    fake_dns(
        monkeypatch,
        {
            "hooks.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
            "rebound.example.org": ["93.184.215.14", "10.0.0.7"],
            "gone.example.org": [],
        },
    )
    check_target("https://hooks.example.org/in", allow_private=False)
    check_target("http://93.184.215.14:8443/in", allow_private=False)
    with pytest.raises(TargetRefused, match=r"private address \(10\.0\.0\.7\)"):
        check_target("https://rebound.example.org/in", allow_private=False)
    with pytest.raises(TargetRefused, match="does not resolve"):
        check_target("https://gone.example.org/in", allow_private=False)


@pytest.fixture
def strict(settings: Settings, clock: FrozenClock, db: Database) -> Iterator[Actor]:
    """An admin of an app whose settings refuse private targets (the test settings allow them)."""
    app = create_app(settings.model_copy(update={"webhook_allow_private_targets": False}), clock=clock, db=db)
    _, token = make_user(db, clock, "strict-admin", "admin")
    with TestClient(app) as client:
        yield Actor(client, "strict-admin", token)


def test_the_api_refuses_a_private_target_with_a_422(strict: Actor, receiver: Receiver) -> None:
    refused = strict.post("/api/v1/webhooks", json={"url": receiver.url})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/webhook-target-refused"
    assert problem["errors"][0]["field"] == "url"
    assert "EDITORIAL_WEBHOOK_ALLOW_PRIVATE_TARGETS" in problem["detail"]
    assert strict.get("/api/v1/webhooks").json() == []


def test_the_target_is_checked_again_before_every_attempt(
    newsroom: dict[str, Actor], hook: dict[str, Any], receiver: Receiver, emit: Emit, make_worker: MakeWorker
) -> None:
    emit((1, "article.created"))
    [refused] = make_worker(webhook_allow_private_targets=False).run_once()
    assert (refused.ok, refused.status_code) == (False, None)
    assert (refused.error or "").startswith("target refused: 127.0.0.1 is a loopback address")
    assert receiver.received == [], "nothing was sent"
    [logged] = newsroom["admin"].get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert (logged["status"], logged["attempts"][0]["error"]) == ("pending", refused.error)


def test_a_name_rebound_to_loopback_after_the_check_is_never_connected_to(
    newsroom: dict[str, Actor],
    receiver: Receiver,
    emit: Emit,
    make_worker: MakeWorker,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name answers a public address to the check, then 127.0.0.1 to the connect."""
    url = f"http://rebind.test:{receiver.port}/hooks"
    created = newsroom["admin"].post("/api/v1/webhooks", json={"url": url})  # the tests allow private targets
    assert created.status_code == 201, created.text
    answers = [["93.184.215.14"], ["127.0.0.1"]]
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        assert host == "rebind.test", host
        lookups.append(host)
        address = answers[min(len(lookups), len(answers)) - 1][0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connected: list[str] = []
    real_connect = asyncio.BaseEventLoop.create_connection

    async def create_connection(self: Any, factory: Any, host: Any = None, port: Any = None, **kwargs: Any) -> Any:
        connected.append(host)
        if host != "127.0.0.1":
            raise ConnectionRefusedError(f"the test lets nothing leave the machine ({host})")
        return await real_connect(self, factory, host, port, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", create_connection)
    emit((1, "article.created"))
    [first] = make_worker(webhook_allow_private_targets=False).run_once()
    assert receiver.received == [], "the request never reached 127.0.0.1"
    assert (lookups, connected) == (["rebind.test"], ["93.184.215.14"]), "connected to the address checked"
    assert "ConnectError" in (first.error or "")

    clock.advance(timedelta(hours=2))
    [second] = make_worker(webhook_allow_private_targets=False).run_once()
    assert second.error == (
        "target refused: rebind.test is a loopback address (127.0.0.1); "
        "set EDITORIAL_WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow it"
    )
    assert connected == ["93.184.215.14"], "refused before any connection"
    assert receiver.received == []

    clock.advance(timedelta(hours=2))
    [allowed] = make_worker(webhook_allow_private_targets=True).run_once()
    assert allowed.ok, allowed.error
    [request] = receiver.received
    assert request.headers["host"] == f"rebind.test:{receiver.port}", "sent by name, to the address resolved"
