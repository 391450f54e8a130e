"""CPU per request, in-process: the app called as ASGI, with no network and no load generator.

The HTTP benchmarks need the machine to themselves; this one does not. It drives the app's own
ASGI callable on one event loop, one request at a time, and divides the process's CPU time
(all its threads) by the requests served, and says how much of it the event loop's thread spent
(the rest is the worker threads', where the handlers and their database work run). Each figure is
a ratio to ``GET /health/live`` measured in the same run, which puts the handler's own cost beside
the framework's. uvicorn's parsing and writing, which every endpoint pays alike, is left out, so
the ratios here are lower than the HTTP ones would be on an idle machine.

    python -m bench.cpu [--database-url postgresql://...] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from itertools import count
from typing import Any

from bench import seed
from bench.harness import database, scratch_database
from editorial.app import create_app
from editorial.settings import Settings

Call = Callable[[], Awaitable[dict[str, Any]]]
STEPS = (("submit", "writer"), ("send_to_fact_check", "news_editor"), ("pass_fact_check", "checker"))
STEPS += (("publish", "publisher"),)


class Client:
    """Calls the app as an ASGI server would, one request at a time."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(
        self, method: str, path: str, token: str | None = None, body: Any = None, **headers: str
    ) -> dict[str, Any]:
        raw = json.dumps(body).encode() if body is not None else b""
        pairs = [(b"host", b"bench"), *((k.replace("_", "-").encode(), v.encode()) for k, v in headers.items())]
        if token:
            pairs.append((b"authorization", f"Bearer {token}".encode()))
        if raw:
            pairs += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": pairs,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        messages = [{"type": "http.request", "body": raw, "more_body": False}]
        response: dict[str, Any] = {"body": b""}

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # a client that never disconnects
            return {}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response["status"], response["headers"] = message["status"], dict(message["headers"])
            else:
                response["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return response


async def cpu_per_call(call: Call, requests: int) -> tuple[float, float]:
    """Microseconds of process CPU per call, and of it on the event loop (this thread), after a warm-up."""
    for _ in range(min(50, requests)):
        await call()
    started, on_loop = time.process_time(), time.thread_time()
    for _ in range(requests):
        await call()
    return (time.process_time() - started) / requests * 1e6, (time.thread_time() - on_loop) / requests * 1e6


def _ok(response: dict[str, Any]) -> dict[str, Any]:
    if response["status"] >= 300:
        raise RuntimeError(f"{response['status']}: {response['body'][:300]!r}")
    return response


async def measure(database_url: str, requests: int) -> list[tuple[str, tuple[float, float]]]:
    db = database(database_url)
    people = seed.create_people(db)
    writer = people["writer"]
    read_id, save_id = seed.create_articles(db, writer, 2, words=3000)
    drafts = iter(seed.create_articles(db, writer, requests // 4 + 60, words=1200))
    app = create_app(Settings(database_url=database_url, access_log=False, log_level="WARNING"), db=db)
    client = Client(app)
    body = seed.prose(3000, seed=save_id)
    etag, edits = ['"r1"'], count(1)

    async def save() -> dict[str, Any]:
        changes = {"body": f"{body}\n\nA line added by edit {next(edits)}."}
        response = _ok(
            await client.request("PUT", f"/api/v1/articles/{save_id}", writer.token, changes, if_match=etag[0])
        )
        etag[0] = response["headers"][b"etag"].decode()
        return response

    async def four_transitions() -> dict[str, Any]:
        article = next(drafts)
        for step, who in STEPS:
            response = _ok(
                await client.request("POST", f"/api/v1/articles/{article}/workflow/{step}", people[who].token, {})
            )
        return response

    shutdown = await _start(app)
    peer = await cpu_per_call(lambda: client.request("GET", "/health/live"), requests * 4)
    read = await cpu_per_call(lambda: client.request("GET", f"/api/v1/articles/{read_id}", writer.token), requests)
    saved = await cpu_per_call(save, requests // 2)
    moved = tuple(micros / len(STEPS) for micros in await cpu_per_call(four_transitions, requests // 4))
    await shutdown()
    db.dispose()
    return [
        ("GET /health/live (peer)", peer),
        ("GET /api/v1/articles/{id}", read),
        ("PUT /api/v1/articles/{id}", saved),
        ("one workflow transition", moved),
    ]


async def _start(app: Any) -> Callable[[], Awaitable[None]]:
    """Run the app's start-up through the ASGI lifespan protocol; returns what shuts it down."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started, stopped = asyncio.Event(), asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        (started if message["type"] == "lifespan.startup.complete" else stopped).set()

    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, send))
    await started.wait()

    async def shutdown() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await stopped.wait()
        await task

    return shutdown


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server to create a scratch database on (default: SQLite)")
    parser.add_argument(
        "--requests", type=int, default=2000, help="reads measured (saves: half; transitions: a quarter)"
    )
    args = parser.parse_args()
    with scratch_database(args.database_url) as url:
        figures = asyncio.run(measure(url, args.requests))
    peer = figures[0][1][0]
    print(f"{'':34} {'CPU µs':>8} {'vs peer':>8} {'on the event loop':>18}")
    for label, (micros, on_loop) in figures:
        print(f"{label:34} {micros:8.0f} {peer / micros:7.3f}x {on_loop:11.0f} µs {on_loop / micros:3.0%}")


if __name__ == "__main__":
    main()
