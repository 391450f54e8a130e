"""Load generators: wrk (closed loop, with Lua scripts) and a fixed-rate generator in Python.

wrk runs on the load core and is much faster than the server under test, so closed-loop figures
are the server's. The fixed-rate generator sends on a schedule (wrk2's model) and measures
latency from when a request was due whenever it had to wait for a connection, so a slow server
cannot hide its queueing (coordinated omission). It is also the fallback when wrk is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httptools

from bench.harness import LOAD_CORE, can_pin

LUA = Path(__file__).with_name("lua")
WRK_MISSING = (
    "wrk not found: closed-loop runs use the Python generator instead, which may be slower than the "
    "server on the trivial endpoint (its ratios then flatter the other endpoints). Install wrk "
    "(Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) for figures worth recording."
)


@dataclass
class Result:
    """One load run: successful requests, errors, and latency in milliseconds."""

    name: str
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    generator: str
    generator_cpu: float | None = None
    """Busy fraction of the load generator's core."""
    server_cpu: float | None = None
    """Busy fraction of the server's core (filled in by the caller)."""
    rate: float | None = None
    """The offered rate of a fixed-rate run."""
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def rps_per_core(self) -> float | None:
        """Requests per second of the server's CPU time: steadier than ``rps`` when other work shares the core."""
        return self.rps / self.server_cpu if self.server_cpu else None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "rps": round(self.rps, 1), "rps_per_core": self.rps_per_core}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _pin() -> list[str]:
    return ["taskset", "-c", str(LOAD_CORE)] if can_pin() and shutil.which("taskset") else []


def wrk(
    name: str,
    url: str,
    *,
    duration: float,
    connections: int,
    script: str | None = None,
    args: Sequence[str] = (),
    headers: dict[str, str] | None = None,
    ok_counter: str | None = None,
) -> Result:
    """Run wrk (one thread, on the load core) and read back the JSON line the Lua report prints."""
    source = (LUA / f"{script}.lua").read_text() if script else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(source + "\n" + (LUA / "report.lua").read_text())
        lua = handle.name
    header_args = [arg for key, value in (headers or {}).items() for arg in ("-H", f"{key}: {value}")]
    argv = [
        *_pin(),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        *header_args,
        "-s",
        lua,
        url,
        *(["--", *args] if args else []),
    ]
    try:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started = time.monotonic()
        output = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
    finally:
        Path(lua).unlink(missing_ok=True)
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output[-3000:]}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    counters = data["counters"]
    errors = data["status_errors"] + data["socket_errors"]
    ok = counters[ok_counter] if ok_counter else data["requests"] - data["status_errors"]
    return Result(
        name=name,
        ok=ok,
        errors=errors,
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        generator="wrk",
        generator_cpu=(usage.ru_utime + usage.ru_stime) / wall if wall else None,
        counters=counters,
    )


class _Connection(asyncio.Protocol):
    """A keep-alive HTTP/1.1 connection with one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, dict[bytes, bytes], bytes]] | None = None
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("connection closed"))

    def on_message_begin(self) -> None:
        self.headers, self.body = {}, []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), self.headers, b"".join(self.body)))

    async def send(self, raw: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


MakeRequest = Callable[[int], bytes]
"""Builds the next request for connection ``i``."""
OnResponse = Callable[[int, int, dict[bytes, bytes], bytes], bool]
"""Handles connection ``i``'s response; returns whether it counts as a success."""


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


async def _drive(
    port: int,
    make_request: MakeRequest,
    on_response: OnResponse,
    *,
    connections: int,
    duration: float,
    rate: float | None,
) -> tuple[list[float], Counter[str], float]:
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(connections):
        _, protocol = await loop.create_connection(_Connection, "127.0.0.1", port)
        conns.append(protocol)
    latencies: list[float] = []
    counts: Counter[str] = Counter()
    clock = time.perf_counter  # uvloop's loop.time() has millisecond resolution

    async def exchange(i: int, started: float) -> None:
        try:
            status, headers, body = await conns[i].send(make_request(i))
        except OSError:
            counts["socket errors"] += 1
            return
        latencies.append(clock() - started)
        counts["ok" if on_response(i, status, headers, body) else f"status {status}"] += 1

    begin = clock()
    if rate is None:

        async def closed_loop(i: int) -> None:
            while clock() - begin < duration:
                await exchange(i, clock())

        await asyncio.gather(*(closed_loop(i) for i in range(connections)))
    else:
        free: asyncio.Queue[int] = asyncio.Queue()
        for i in range(connections):
            free.put_nowait(i)
        tasks = set()

        async def scheduled(i: int, started: float) -> None:
            await exchange(i, started)
            free.put_nowait(i)

        for k in range(int(rate * duration)):
            due = begin + k / rate
            if due > clock():
                await asyncio.sleep(due - clock())
            # Waiting for a free connection is the server's delay, so it counts from when the
            # request was due; the timer's own lateness (about a millisecond) is ours, so it does not.
            started = due if free.empty() else clock()
            i = await free.get()
            task = asyncio.create_task(scheduled(i, started))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    elapsed = clock() - begin
    for conn in conns:
        if conn.transport is not None:
            conn.transport.close()
    return latencies, counts, elapsed


def python_load(
    name: str,
    port: int,
    make_request: MakeRequest,
    on_response: OnResponse,
    *,
    connections: int,
    duration: float,
    rate: float | None = None,
) -> Result:
    """Closed loop (``rate`` None) or fixed rate, from this process (which runs on the load core)."""
    try:
        import uvloop

        runner: Callable[[Any], Any] = uvloop.run
    except ImportError:
        runner = asyncio.run
    before = resource.getrusage(resource.RUSAGE_SELF)
    latencies, counts, elapsed = runner(
        _drive(port, make_request, on_response, connections=connections, duration=duration, rate=rate)
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    busy = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    latencies.sort()
    return Result(
        name=name,
        ok=counts.pop("ok", 0),
        errors=sum(counts.values()),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        generator="python" if rate is None else "python fixed-rate",
        generator_cpu=busy / elapsed if elapsed else None,
        rate=rate,
        counters=dict(counts),
    )
