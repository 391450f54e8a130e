"""A real HTTP receiver on a free loopback port: records every request, answers as the test says."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook as Verifier


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    client_port: int = 0

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """``answer(request) -> status`` decides each response (200 unless told); ``stop``/``start`` refuse or accept."""

    def __init__(self, *, keep_alive: bool = False) -> None:
        self.keep_alive = keep_alive
        self.connections: list[Any] = []
        self.received: list[Received] = []
        self.answer: Callable[[Received], int] = lambda _: 200
        self._busy = 0
        self._idle = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def setup(self) -> None:
                super().setup()
                receiver.connections.append(self.connection)

            def do_POST(self) -> None:
                with receiver._idle:
                    receiver._busy += 1
                try:
                    body = self.rfile.read(int(self.headers.get("content-length", 0)))
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    request = Received(self.path, headers, body, client_port=self.client_address[1])
                    request.status = receiver.answer(request)
                    with receiver._idle:
                        receiver.received.append(request)
                        receiver._idle.notify_all()
                    answer = b"" if request.status in (204, 304) else b"ok"  # those two have no body
                    self.send_response(request.status)
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up waiting
                finally:
                    with receiver._idle:
                        receiver._busy -= 1
                        receiver._idle.notify_all()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        """Close the listening socket: connections are refused until ``start``."""
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def drop_connections(self) -> None:
        """Close every connection accepted so far from this side, as a server ending idle keep-alives does."""
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.connections.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` requests have been answered (for a worker running in its own thread)."""
        with self._idle:
            assert self._idle.wait_for(lambda: len(self.received) >= count, timeout), "nothing arrived"

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being answered (one the sender stopped waiting for may still be)."""
        with self._idle:
            assert self._idle.wait_for(lambda: self._busy == 0, timeout), "the receiver is still answering"

    def delivered(self) -> list[Received]:
        """Every request answered with a 2xx, in order of arrival."""
        return [r for r in self.received if 200 <= r.status < 300]

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every payload received, each checked with the standardwebhooks library (raises if one fails)."""
        verifier = Verifier(secret)
        return [verifier.verify(r.body, r.headers) for r in self.received]
