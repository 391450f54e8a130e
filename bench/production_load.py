"""The mixed newsroom load of the production harness, spread over every API process as a load balancer would.

Each virtual user runs stories one after another: a writer creates a news article and saves it a
few times (``If-Match``), submits it; the news editor reads the worklist and sends it to
fact-check; the fact-checker reads it and passes it; automation schedules it a few seconds ahead,
so that the schedulers publish during the run. Every answer is recorded by operation; every 2xx
save by (article, revision, hash of the body sent), for the audit; every 5xx other than a 503
with ``Retry-After`` as a failure. A request refused at connect (the process is down) goes to
another process; one cut off mid-flight (ambiguous) and any non-2xx answer make the story read the
article again and carry on from the state it is in, as a careful client would.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.seed import prose

DOWN_SECONDS = 1.0
"""How long a process that refused a connection is left out, as a balancer's health check would."""
RETRY_PAUSE_CAP = 0.5
"""A 503 asks for 5 s; the load waits at most this long, to keep the run busy (the answer is still checked)."""
RESYNC_PAUSE = 0.1
REFUSED_PAUSE = 0.02


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Tokens:
    writers: list[str]
    editor: str
    checker: str
    automation: str


@dataclass
class Records:
    """What the load saw: per-operation answers and latencies, and what the audit checks against."""

    started: float = 0.0
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    connection: Counter[str] = field(default_factory=Counter)
    saves: list[tuple[int, int, str]] = field(default_factory=list)
    """(article id, revision number, SHA-256 of the body sent) of every 2xx create and save."""
    scheduled: dict[int, datetime] = field(default_factory=dict)
    unexpected_5xx: list[str] = field(default_factory=list)
    """Every 5xx that is not a 503, and every 503 without ``Retry-After``."""
    stories_done: int = 0

    def count(self, status_class: int | None = None) -> int:
        return sum(
            n for c in self.statuses.values() for s, n in c.items() if status_class is None or s // 100 == status_class
        )


class Balancer:
    """Round robin over the API processes, skipping one for a second after it refused a connection."""

    def __init__(self, base_urls: list[str], timeout: float) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self.clients = [httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) for url in base_urls]
        self.down_until = [0.0] * len(base_urls)
        self.turn = 0

    def pick(self) -> httpx.AsyncClient:
        now = time.monotonic()
        for _ in self.clients:
            self.turn = (self.turn + 1) % len(self.clients)
            if self.down_until[self.turn] <= now:
                return self.clients[self.turn]
        return self.clients[self.turn]

    def down(self, client: httpx.AsyncClient) -> None:
        self.down_until[self.clients.index(client)] = time.monotonic() + DOWN_SECONDS

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


class NewsroomLoad:
    """``users`` virtual users running stories until ``duration`` has passed."""

    def __init__(self, base_urls: list[str], tokens: Tokens, *, users: int, duration: float, seed: int = 8) -> None:
        self.base_urls = base_urls
        self.tokens = tokens
        self.users = users
        self.duration = duration
        self.seed = seed
        self.records = Records()
        self.deadline = 0.0

    def run(self) -> Records:
        asyncio.run(self._run())
        return self.records

    async def _run(self) -> None:
        self.balancer = Balancer(self.base_urls, timeout=30.0)
        self.records.started = time.time()
        started = time.monotonic()
        self.deadline = started + self.duration
        try:
            await asyncio.gather(*(self._user(n) for n in range(self.users)))
        finally:
            self.records.seconds = time.monotonic() - started
            await self.balancer.close()

    async def _user(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        story = 0
        while time.monotonic() < self.deadline:
            story += 1
            await self._story(rng, self.tokens.writers[n % len(self.tokens.writers)], f"{n}-{story}")

    async def request(
        self, op: str, method: str, path: str, token: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response | None:
        """One request through the balancer; None when the connection was lost with the outcome unknown."""
        while True:
            client = self.balancer.pick()
            begun = time.perf_counter()
            try:
                response = await client.request(
                    method, path, json=json, headers={"Authorization": f"Bearer {token}", **(headers or {})}
                )
            except httpx.ConnectError:
                self.records.connection["refused, sent elsewhere"] += 1
                self.balancer.down(client)
                if time.monotonic() > self.deadline + 30:
                    return None
                await asyncio.sleep(REFUSED_PAUSE)  # every process may be down at once (one API process)
                continue
            except httpx.TransportError as error:
                self.records.connection[f"lost in flight ({type(error).__name__})"] += 1
                self.balancer.down(client)
                return None
            break
        status = response.status_code
        self.records.statuses[op][status] += 1
        if 200 <= status < 300:
            self.records.latencies[op].append((time.perf_counter() - begun) * 1000)
        elif status == 503:
            retry_after = response.headers.get("retry-after")
            if retry_after is None:
                self.records.unexpected_5xx.append(f"{op} {method} {path}: 503 without Retry-After")
            await asyncio.sleep(min(float(retry_after or 1), RETRY_PAUSE_CAP))
        elif status >= 500:
            self.records.unexpected_5xx.append(f"{op} {method} {path}: {status} {response.text[:300]}")
        return response

    async def _resync(self, article_id: int, token: str) -> dict[str, Any] | None:
        """Read the article again after an unknown or refused outcome (None when the run is over)."""
        while time.monotonic() < self.deadline:
            response = await self.request("read", "GET", f"/api/v1/articles/{article_id}", token)
            if response is not None and response.is_success:
                return dict(response.json())
            await asyncio.sleep(RESYNC_PAUSE)
        return None

    async def _story(self, rng: random.Random, writer: str, name: str) -> None:
        body = prose(rng.randint(300, 900), seed=rng.randint(0, 10**6))
        data = {"desk": "news", "title": f"Harbour ferry update {name}", "body": body, "tags": ["transport"]}
        response = await self.request("create", "POST", "/api/v1/articles", writer, json=data)
        if response is None or not response.is_success:
            return
        created = dict(response.json())
        article_id = int(created["id"])
        self.records.saves.append((article_id, int(created["revision"]), body_hash(body)))
        article: dict[str, Any] | None = created
        saves_wanted, saves = rng.randint(1, 3), 0
        tokens = self.tokens
        while article is not None and time.monotonic() < self.deadline:
            state, url = article["state"], f"/api/v1/articles/{article_id}"
            sent_body = None
            if state == "draft" and saves < saves_wanted:
                sent_body = (
                    f"{article['body']}\n\nUpdate {saves + 1}: {prose(rng.randint(20, 60), seed=rng.randint(0, 10**6))}"
                )
                headers = {"If-Match": f'"r{article["revision"]}"'}
                response = await self.request(
                    "save", "PUT", url, writer, json={"body": sent_body, "message": "update"}, headers=headers
                )
            elif state == "draft":
                response = await self.request("transition", "POST", f"{url}/workflow/submit", writer)
            elif state == "editing":
                await self.request("worklist", "GET", "/api/v1/worklist", tokens.editor)
                response = await self.request("transition", "POST", f"{url}/workflow/send_to_fact_check", tokens.editor)
            elif state == "fact_check":
                await self.request("read", "GET", url, tokens.checker)
                response = await self.request("transition", "POST", f"{url}/workflow/pass_fact_check", tokens.checker)
            elif state == "ready":
                publish_at = datetime.now(UTC) + timedelta(seconds=rng.uniform(2.0, 4.0))
                response = await self.request(
                    "schedule", "POST", f"{url}/workflow/schedule", tokens.automation,
                    json={"publish_at": publish_at.isoformat()},
                )  # fmt: skip
                if response is not None and response.is_success:
                    self.records.scheduled[article_id] = publish_at
            else:
                self.records.stories_done += 1
                return
            if response is not None and response.is_success:
                article = dict(response.json())
                if sent_body is not None:
                    saves += 1
                    self.records.saves.append((article_id, int(article["revision"]), body_hash(sent_body)))
                continue
            article = await self._resync(article_id, tokens.editor)
