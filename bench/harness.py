"""The bench's machinery: a scratch database, the server under test, core pinning and CPU accounting."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.settings import Settings

SERVER_CORE = 0
LOAD_CORE = 1
PRIORITY = -10
"""Nice value for the bench, the server and the load generator when allowed (root)."""
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def can_pin() -> bool:
    """Two cores or more, and a way to pin to them."""
    return hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2


def pin_self_to_load_core() -> None:
    """The bench process (and the load generators it starts) runs on the core the server does not."""
    if can_pin():
        os.sched_setaffinity(0, {LOAD_CORE})
    else:
        print("note: fewer than two cores (or no sched_setaffinity): server and load share the CPU", file=sys.stderr)
    raise_priority()


def raise_priority() -> None:
    """Ask for a higher scheduling priority (inherited by the server and wrk), so that other work on
    the machine disturbs the figures less. Only root may; elsewhere the bench runs at normal priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, PRIORITY)
    except (OSError, AttributeError):
        print("note: normal priority; other processes on the machine will show in the figures", file=sys.stderr)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux ``/proc``), else ``None``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_problem(url: str) -> str | None:
    """None when the PostgreSQL server at ``url`` answers, else why not."""
    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__


@contextmanager
def scratch_database(server_url: str | None) -> Iterator[str]:
    """A new, migrated database: SQLite in a temporary directory, or a new database on ``server_url``."""
    if server_url is None:
        directory = tempfile.mkdtemp(prefix="editorial-bench-")
        try:
            url = f"sqlite:///{directory}/bench.db"
            upgrade(url)
            yield url
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    server_url = Settings(database_url=server_url).database_url
    name = f"editorial_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database(url: str) -> Database:
    return Database(Settings(database_url=url))


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


class Server:
    """A server process pinned to its own core, answering on a free loopback port."""

    def __init__(self, argv: Sequence[str], *, env: dict[str, str] | None = None, ready_path: str = "/health/live"):
        self.port = free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.env = {**os.environ, **(env or {})}
        self.ready_path = ready_path
        self.log = tempfile.NamedTemporaryFile(prefix="editorial-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        pin = [] if not can_pin() or shutil.which("taskset") is None else ["taskset", "-c", str(SERVER_CORE)]
        self.process = subprocess.Popen([*pin, *self.argv], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer within 60 s:\n{self.output()}")

    def cpu_seconds(self) -> float | None:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def editorial_server(database_url: str) -> Server:
    """``editorial serve``: one uvicorn worker, no access log, quiet logs."""
    env = {
        "EDITORIAL_DATABASE_URL": database_url,
        "EDITORIAL_ACCESS_LOG": "false",
        "EDITORIAL_LOG_LEVEL": "WARNING",
        "EDITORIAL_DEMO_DATA": "false",
    }
    return Server([sys.executable, "-m", "editorial", "serve", "--port", "{port}", "--no-demo"], env=env)


def floor_server(database_url: str, *, driver: str = "sqlite3") -> Server:
    """bench/floor.py's bare app on the SQLite file of ``database_url``, under uvicorn as ``serve`` runs it.

    ``driver="sqlalchemy"``: its SQL through SQLAlchemy's ``exec_driver_sql`` instead of the bare driver.
    """
    env = {"FLOOR_DATABASE": make_url(database_url).database or "", "FLOOR_DRIVER": driver}
    argv = [sys.executable, "-m", "uvicorn", "bench.floor:app", "--port", "{port}", "--no-access-log"]
    return Server([*argv, "--log-level", "warning"], env=env)


def stop_processes(processes: Sequence[subprocess.Popen[bytes]]) -> list[str]:
    """SIGTERM each (a kill after 30 s), wait; the end of what each that failed wrote to stderr."""
    problems = []
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if "Traceback" in errors:
            problems.append(errors[-2000:])
    return problems
