"""The worker's HTTP client: kept-alive connections, a dropped one replaced, the answer read within the deadline."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from editorial.webhooks.client import Client, NotStarted, ReadTimeout
from tests.webhooks.receiver import Receiver

T = TypeVar("T")


class Loop:
    """An event loop on a thread of its own (the test's thread may have one running already)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = ThreadPoolExecutor(1)

    def run_until_complete(self, work: Coroutine[Any, Any, T]) -> T:
        return self.thread.submit(self.loop.run_until_complete, work).result()

    def close(self) -> None:
        self.thread.submit(self.loop.close).result()
        self.thread.shutdown()


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.close()


@pytest.fixture
def keep_alive() -> Iterator[Receiver]:
    server = Receiver(keep_alive=True)
    yield server
    server.drop_connections()
    server.stop()


def post(loop: Loop, client: Client, url: str, body: bytes = b"{}") -> tuple[int, str]:
    answer = loop.run_until_complete(client.post(url, {"content-type": "application/json"}, body))
    return answer.status_code, answer.text


def test_requests_share_one_kept_alive_connection(loop: Loop, keep_alive: Receiver) -> None:
    client = Client(timeout=5, connections=4, allow_private=True)
    answers = [post(loop, client, keep_alive.url + "?n=1", f'{{"n": {n}}}'.encode()) for n in range(3)]
    assert answers == [(200, "ok")] * 3
    assert post(loop, client, keep_alive.url + "/a b/é?q=1 2&r=%41") == (200, "ok")
    assert keep_alive.received[-1].path == "/hooks/a%20b/%C3%A9?q=1%202&r=%41", "percent-encoded, escapes kept"
    keep_alive.received.pop()
    assert [r.body for r in keep_alive.received] == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}']
    assert [r.path for r in keep_alive.received] == ["/hooks?n=1"] * 3
    assert len({r.client_port for r in keep_alive.received}) == 1, "one connection, kept alive"
    assert keep_alive.received[0].headers["host"] == f"127.0.0.1:{keep_alive.port}"
    client.close()


def test_a_connection_the_server_dropped_is_replaced_without_losing_the_request(
    loop: Loop, keep_alive: Receiver
) -> None:
    client = Client(timeout=5, connections=4, allow_private=True)
    assert post(loop, client, keep_alive.url, b"first")[0] == 200
    keep_alive.drop_connections()  # the server ends the idle connection; the client has not noticed yet
    assert post(loop, client, keep_alive.url, b"second")[0] == 200
    assert [r.body for r in keep_alive.received] == [b"first", b"second"]
    assert len({r.client_port for r in keep_alive.received}) == 2, "the second went over a new connection"
    client.close()


def test_each_answer_status_is_reported_and_a_silent_server_times_out(loop: Loop, keep_alive: Receiver) -> None:
    client = Client(timeout=0.3, connections=2, allow_private=True)
    keep_alive.answer = lambda request: 503 if request.body == b"busy" else 204
    assert post(loop, client, keep_alive.url, b"busy")[0] == 503
    assert post(loop, client, keep_alive.url, b"fine")[0] == 204
    released = threading.Event()
    keep_alive.answer = lambda _: 200 if released.wait(5) else 500
    with pytest.raises(ReadTimeout):
        post(loop, client, keep_alive.url, b"slow")
    released.set()
    keep_alive.answer = lambda _: 200
    assert post(loop, client, keep_alive.url, b"after")[0] == 200, "the timed-out connection is not reused"
    keep_alive.settle()
    client.close()


def test_an_attempt_that_cannot_start_by_its_latest_start_is_not_made(loop: Loop, keep_alive: Receiver) -> None:
    client = Client(timeout=5, connections=1, allow_private=True)
    released = threading.Event()
    keep_alive.answer = lambda _: 200 if released.wait(5) else 500

    async def both() -> list[Any]:
        slow = asyncio.ensure_future(client.post(keep_alive.url, {}, b"slow"))
        await asyncio.sleep(0)  # the slow one takes the only connection first
        late = asyncio.ensure_future(
            client.post(keep_alive.url, {}, b"late", start_by=asyncio.get_running_loop().time())
        )
        asyncio.get_running_loop().call_soon(released.set)  # runs after the late one's first step: it is queued by then
        return list(await asyncio.gather(slow, late, return_exceptions=True))

    slow, late = loop.run_until_complete(both())
    assert slow.status_code == 200
    assert isinstance(late, NotStarted)
    assert [r.body for r in keep_alive.received] == [b"slow"], "the late attempt was never sent"
    client.close()
