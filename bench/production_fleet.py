"""The processes of the production shape: API servers, schedulers and delivery workers, each logging to a file."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import cpu_seconds, free_port

# Shorter than the defaults so that a bounded run also sees what happens after the faults: a
# NOTIFY lost while PostgreSQL restarts costs at most the max sleep, a failed pass or delivery is
# retried after a second, and a worker killed holding a lease frees it after 3 x 1 + 30 s.
FLEET_ENV = {
    "EDITORIAL_LOG_LEVEL": "WARNING",
    "EDITORIAL_ACCESS_LOG": "false",
    "EDITORIAL_DEMO_DATA": "false",
    "EDITORIAL_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "EDITORIAL_SCHEDULER_MAX_SLEEP_SECONDS": "2",
    "EDITORIAL_SCHEDULER_RETRY_SECONDS": "1",
    "EDITORIAL_WEBHOOK_MAX_SLEEP_SECONDS": "2",
    "EDITORIAL_WEBHOOK_RETRY_SECONDS": "1",
    "EDITORIAL_WEBHOOK_TIMEOUT_SECONDS": "1",
}


@dataclass
class Process:
    """One ``editorial`` command; ``kill9`` and ``start`` again to simulate a crash and its supervisor."""

    name: str
    args: list[str]
    env: dict[str, str]
    logs: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    spent: float = 0.0
    """CPU seconds of the instances killed so far."""
    terminated: bool = False
    exit_codes: list[int] = field(default_factory=list)

    @property
    def log_path(self) -> Path:
        return self.logs / f"{self.name}.log"

    def start(self) -> None:
        self.starts += 1
        self.terminated = False
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} at {time.time():.3f}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "editorial", *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """API servers: until ``GET /health`` (the database answers) is 200; others: still running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            if self.port is None:
                return
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} was not ready within {timeout:.0f} s; see {self.log_path}")

    def kill9(self) -> None:
        assert self.process is not None
        self.spent += cpu_seconds(self.process.pid) or 0.0
        self.process.send_signal(signal.SIGKILL)
        self.exit_codes.append(self.process.wait())

    def terminate(self) -> None:
        """SIGTERM, once per instance, as a supervisor sends it (a second one could land while the
        process is already exiting, after Python has put the default handler back)."""
        if self.process is not None and self.process.poll() is None and not self.terminated:
            self.terminated = True
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM, then wait (SIGKILL after 30 s); the exit status is kept."""
        if self.process is None:
            return
        self.terminate()
        try:
            self.exit_codes.append(self.process.wait(timeout=30))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.exit_codes.append(self.process.wait())
        self.process = None

    def cpu_seconds(self) -> float:
        """CPU time of every instance so far (a killed one up to the moment it was killed)."""
        return self.spent + ((cpu_seconds(self.process.pid) or 0.0) if self.process is not None else 0.0)

    def tracebacks(self) -> int:
        return self.log_path.read_text(errors="replace").count("Traceback") if self.log_path.exists() else 0


@dataclass
class Fleet:
    """N API servers, M schedulers and M delivery workers against one database."""

    api: list[Process]
    schedulers: list[Process]
    workers: list[Process]

    @classmethod
    def build(cls, database_url: str, logs: Path, *, api: int, schedulers: int, workers: int) -> Fleet:
        env = {**os.environ, **FLEET_ENV, "EDITORIAL_DATABASE_URL": database_url}
        servers = []
        for n in range(api):
            port = free_port()
            servers.append(Process(f"api-{n + 1}", ["serve", "--port", str(port), "--no-demo"], env, logs, port))
        return cls(
            servers,
            [Process(f"scheduler-{n + 1}", ["scheduler"], env, logs) for n in range(schedulers)],
            [Process(f"worker-{n + 1}", ["worker"], env, logs) for n in range(workers)],
        )

    @property
    def everyone(self) -> list[Process]:
        return [*self.api, *self.schedulers, *self.workers]

    @property
    def base_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{server.port}" for server in self.api]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time so far by kind of process."""
        return {
            "API processes": sum(p.cpu_seconds() for p in self.api),
            "schedulers": sum(p.cpu_seconds() for p in self.schedulers),
            "workers": sum(p.cpu_seconds() for p in self.workers),
        }

    def start(self) -> None:
        for process in self.everyone:
            process.start()
        for process in self.everyone:
            process.wait_ready()

    def stop(self) -> None:
        for process in self.everyone:
            process.terminate()
        for process in self.everyone:
            process.stop()
