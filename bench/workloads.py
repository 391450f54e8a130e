"""What the bench sends: each workload runs under wrk (a Lua script) or the Python generator alike."""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from bench import load
from bench.harness import Server
from bench.load import Result

STEPS = ("submit", "send_to_fact_check", "pass_fact_check", "publish")


@dataclass
class Workload:
    """A GET of one path, optionally with a bearer token."""

    name: str
    path: str
    token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def run(self, server: Server, *, duration: float, connections: int, rate: float | None = None) -> Result:
        """Load ``server`` (closed loop under wrk when present, else fixed-rate or fallback in Python)."""
        before = server.cpu_seconds()
        if rate is None and load.have_wrk():
            result = self.run_wrk(server, duration=duration, connections=connections)
        else:
            self.reset()
            result = load.python_load(
                self.name,
                server.port,
                self.make_request,
                self.on_response,
                connections=connections,
                duration=duration,
                rate=rate,
            )
        after = server.cpu_seconds()
        if before is not None and after is not None and result.seconds:
            result.server_cpu = (after - before) / result.seconds
        return result

    def run_wrk(self, server: Server, *, duration: float, connections: int) -> Result:
        return load.wrk(
            self.name, server.base_url + self.path, duration=duration, connections=connections, headers=self.headers()
        )

    def reset(self) -> None:
        """Forget per-run state before a Python-generated run."""

    def make_request(self, i: int) -> bytes:
        return load.http_request("GET", self.path, self.headers())

    def on_response(self, i: int, status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
        return status == 200


@dataclass
class Save(Workload):
    """PUT a new revision of one article per connection, If-Match chained from the last ETag."""

    articles: dict[int, int] = field(default_factory=dict)
    """Article id -> its head revision, kept up to date across runs."""
    content: dict[str, object] = field(default_factory=dict)
    counter: int = 0
    held: dict[int, int] = field(default_factory=dict)

    def payload(self, n: int | str) -> str:
        content = {**self.content, "body": f"{self.content['body']}\n\nUpdated ({n}).", "message": "bench save"}
        return json.dumps(content)

    def run_wrk(self, server: Server, *, duration: float, connections: int) -> Result:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(self.payload("@@N@@"))
        pairs = ",".join(f"{a}:{r}" for a, r in self.articles.items())
        try:
            result = load.wrk(
                self.name,
                server.base_url + "/api/v1/articles",
                duration=duration,
                connections=connections,
                script="save",
                args=[str(self.token), pairs, handle.name],
                ok_counter="saved",
            )
        finally:
            Path(handle.name).unlink(missing_ok=True)
        self.resync(server)
        return result

    def resync(self, server: Server) -> None:
        """Read each article's head revision back (wrk's Lua state ends with the run).

        wrk exits with up to one save per connection still in the server: wait for those first.
        """
        import http.client

        time.sleep(1.0)

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        for article_id in self.articles:
            conn.request("GET", f"/api/v1/articles/{article_id}", headers=self.headers())
            response = conn.getresponse()
            response.read()
            self.articles[article_id] = int(str(response.getheader("etag")).strip('"r'))
        conn.close()

    def reset(self) -> None:
        self.held = {}
        self.free = deque(self.articles)

    def make_request(self, i: int) -> bytes:
        article_id = self.held.get(i) or self.free.popleft()
        self.held[i] = article_id
        self.counter += 1
        headers = {
            **self.headers(),
            "Content-Type": "application/json",
            "If-Match": f'"r{self.articles[article_id]}"',
        }
        return load.http_request("PUT", f"/api/v1/articles/{article_id}", headers, self.payload(self.counter).encode())

    def on_response(self, i: int, status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
        article_id = self.held[i]
        if status == 200:
            self.articles[article_id] = int(headers[b"etag"].decode().strip('"r'))
            return True
        match = re.search(rb'"current_revision":\s*(\d+)', body)
        if match:
            self.articles[article_id] = int(match.group(1))
        return False


@dataclass
class Transitions(Workload):
    """submit -> send_to_fact_check -> pass_fact_check -> publish on fresh drafts, each by its role."""

    tokens: tuple[str, str, str, str] = ("", "", "", "")
    fresh: deque[int] = field(default_factory=deque)

    def run_wrk(self, server: Server, *, duration: float, connections: int) -> Result:
        first, last = self.fresh[0], self.fresh[-1]
        result = load.wrk(
            self.name,
            server.base_url + "/api/v1/articles",
            duration=duration,
            connections=connections,
            script="transitions",
            args=[str(first), str(last), *self.tokens],
            ok_counter="taken",
        )
        # Every article the run touched is used up; the next run starts past them.
        used = result.counters.get("published", 0) + connections * 2
        for _ in range(min(len(self.fresh), used + result.counters.get("refused", 0))):
            self.fresh.popleft()
        return result

    def reset(self) -> None:
        self.queue: deque[tuple[int, int]] = deque()
        self.held_step: dict[int, tuple[int, int]] = {}

    def make_request(self, i: int) -> bytes:
        item = self.queue.popleft() if self.queue else (self.fresh.popleft(), 0)
        self.held_step[i] = item
        article_id, step = item
        headers = {"Authorization": f"Bearer {self.tokens[step]}", "Content-Type": "application/json"}
        return load.http_request("POST", f"/api/v1/articles/{article_id}/workflow/{STEPS[step]}", headers, b"{}")

    def on_response(self, i: int, status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
        article_id, step = self.held_step.pop(i)
        if status != 200:
            return False
        if step + 1 < len(STEPS):
            self.queue.append((article_id, step + 1))
        return True
