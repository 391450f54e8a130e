"""The real ``editorial serve`` under uvicorn: start, authenticate, create and read over HTTP, stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

EDITORIAL = str(Path(sys.executable).with_name("editorial"))
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """An ``editorial serve`` process, its environment and its log file."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "EDITORIAL_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
            "EDITORIAL_LOG_LEVEL": "INFO",
        }
        self.log_path = tmp_path / "serve.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [EDITORIAL, "serve", "--port", str(self.port), "--demo"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        """Poll ``/health`` until it answers 200, the process dies, or the deadline passes."""
        deadline = time.monotonic() + STARTUP_SECONDS
        pause = threading.Event()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"editorial serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            pause.wait(0.05)
        pytest.fail(f"editorial serve was not ready within {STARTUP_SECONDS}s:\n{self.log()}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    served = Server(tmp_path)
    try:
        served.wait_until_ready()
        yield served
    finally:
        served.close()


@pytest.mark.slow
def test_serve_answers_over_http_and_shuts_down_cleanly_on_sigterm(server: Server) -> None:
    health = httpx.get(f"{server.base_url}/health", timeout=5).json()
    assert (health["status"], health["database"]) == ("ok", "ok")

    created_token = subprocess.run(
        [EDITORIAL, "tokens", "create", "nora"], env=server.env, capture_output=True, text=True, timeout=60, check=True
    )
    token = created_token.stdout.splitlines()[-1]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        assert http.get("/api/v1/me").json()["username"] == "nora"
        story = {"desk": "news", "title": "Served for real", "body": "Over a socket.", "tags": ["e2e"]}
        created = http.post("/api/v1/articles", json=story, headers={"X-Request-ID": "e2e-create"})
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == '"r1"'
        assert created.headers["x-request-id"] == "e2e-create"
        article = created.json()
        read = http.get(f"/api/v1/articles/{article['id']}")
        assert read.status_code == 200
        assert read.json() == article
        assert (article["slug"], article["authors"], article["state"]) == ("served-for-real", ["nora"], "draft")
        saved = http.put(f"/api/v1/articles/{article['id']}", json={"body": "Edited."}, headers={"If-Match": '"r1"'})
        assert (saved.status_code, saved.headers["etag"]) == (200, '"r2"')
        assert http.get("/api/v1/articles", params={"q": "served"}).json()["items"][0]["id"] == article["id"]
        assert http.get("/api/v1/articles", params={"author": "wendy"}).json()["items"], "demo data was loaded"

    server.process.send_signal(signal.SIGTERM)
    # uvicorn shuts down, then re-raises the signal it caught so a supervisor sees why the process ended.
    assert server.process.wait(timeout=15) in {0, -signal.SIGTERM}
    log = server.log()
    assert "Application shutdown complete" in log
    assert f"Finished server process [{server.process.pid}]" in log
    assert "Traceback" not in log
