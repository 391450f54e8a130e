"""A small HTTP/1.1 client on asyncio for webhook attempts: kept-alive connections per target, checked addresses.

Why not httpx: in the worker it cost ~0.36 ms of CPU per request (sync, in threads contending for
the GIL), more than everything else a delivery does; a request written whole to a kept-alive
connection and its answer parsed by httptools costs ~0.03 ms (measured in docs/performance.md).
The client does only what a webhook attempt needs: ``POST`` with a body, no redirects, one
deadline for connecting, sending and the answer's head, then up to ``BODY_LIMIT_BYTES`` of its body.

Each connection is opened to an address that passed the target check, resolved once for that
connection: the name is never resolved again by someone else, so a name that resolves to a public
address when checked and to 127.0.0.1 when connected (DNS rebinding) cannot reach 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit

import httptools

from editorial.webhooks.targets import check_addresses, check_url

BODY_LIMIT_BYTES = 64 * 1024
IDLE_SECONDS = 30.0
"""A kept-alive connection unused for longer is closed rather than reused (servers drop them too)."""

URL_SAFE = "/%:@!$&'()*+,;=-._~?"
"""Left as they are in a request target; anything else (a space, non-ASCII) is percent-encoded."""
Resolve = Callable[[str, int], Awaitable[list[str]]]
Origin = tuple[str, str, int]


class HTTPError(Exception):
    """An attempt that got no answer; the class name is what the delivery log shows."""


class ConnectError(HTTPError):
    pass


class RemoteProtocolError(HTTPError):
    pass


class NotStarted(Exception):
    """No connection came free before the attempt's latest start: it was not made at all."""


class TimeoutException(HTTPError):
    pass


class ConnectTimeout(TimeoutException):
    pass


class ReadTimeout(TimeoutException):
    pass


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    text: str


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` from the system resolver, in its order of preference."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in found]


@lru_cache(maxsize=1024)
def _target(url: str) -> tuple[Origin, bytes]:
    """The origin of a URL and the start of its request head (request line and Host)."""
    host, port = check_url(url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    path = quote(parts.path or "/", safe=URL_SAFE) + (f"?{quote(parts.query, safe=URL_SAFE)}" if parts.query else "")
    default = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    authority = name if port == default else f"{name}:{port}"
    head = f"POST {path} HTTP/1.1\r\nhost: {authority}\r\n".encode("ascii", "strict")
    return (scheme, host, port), head


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, its answer parsed as it arrives."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._head: asyncio.Future[int] | None = None
        self._done: asyncio.Future[bool] | None = None
        self._body = bytearray()
        self._interim = False
        self._received = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        error = RemoteProtocolError("the server closed the connection" + (f" ({exc})" if exc else ""))
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        if self._done is not None and not self._done.done():
            self._done.set_result(False)  # a body delimited by the close ends here

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(RemoteProtocolError(f"malformed answer ({error})"))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        self._interim = status < 200  # 1xx: informational, the answer follows
        if not self._interim and self._head is not None and not self._head.done():
            self._head.set_result(status)

    def on_body(self, body: bytes) -> None:
        if len(self._body) < BODY_LIMIT_BYTES:
            self._body += body[: BODY_LIMIT_BYTES - len(self._body)]

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
        elif self._done is not None and not self._done.done():
            self._done.set_result(self.parser.should_keep_alive())

    def _fail(self, error: Exception) -> None:
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    @property
    def stale(self) -> bool:
        """Nothing of the last request's answer arrived (a kept-alive connection the server had dropped)."""
        return not self._received

    async def exchange(self, request: bytes, deadline: float) -> tuple[Answer, bool]:
        """Send ``request``; the answer, and whether the connection can carry another request."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._head, self._done = loop.create_future(), loop.create_future()
        self._body.clear()
        self._received = False
        self.transport.write(request)
        async with asyncio.timeout_at(deadline):
            status = await self._head
        try:
            async with asyncio.timeout_at(deadline):
                reusable = await self._done
        except TimeoutError:
            reusable = False  # the status is the answer; a slow body only costs the connection
        return Answer(status, self._body.decode("utf-8", "replace")), reusable and not self.closed


class Client:
    """Kept-alive connections per target (at most ``connections`` at once each) on the running loop."""

    def __init__(
        self,
        *,
        timeout: float,
        connections: int,
        allow_private: bool,
        resolve: Resolve | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.connections = connections
        self.allow_private = allow_private
        self.resolve = resolve or system_resolve
        self.ssl_context = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._slots: dict[Origin, asyncio.Semaphore] = {}

    async def post(self, url: str, headers: dict[str, str], body: bytes, *, start_by: float | None = None) -> Answer:
        """One attempt: refused targets raise ``TargetRefused``, no answer an ``HTTPError``.

        Waiting for a free connection is not part of the attempt's time; past ``start_by`` (loop time)
        the attempt is not made and ``NotStarted`` is raised.
        """
        origin, head = _target(url)
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = b"%b%bcontent-length: %d\r\n\r\n%b" % (head, lines.encode("latin-1"), len(body), body)
        slots = self._slots.setdefault(origin, asyncio.Semaphore(self.connections))
        async with slots:
            now = asyncio.get_running_loop().time()
            if start_by is not None and now > start_by:
                raise NotStarted(f"no free connection to {origin[1]}:{origin[2]} in time")
            deadline = now + self.timeout
            connection = self._reuse(origin)
            if connection is not None:
                try:
                    return await self._exchange(origin, connection, request, deadline)
                except RemoteProtocolError:
                    if not connection.stale:
                        raise
                    # The server had closed it while idle; POST again on a new connection: the
                    # receiver saw nothing of this request, and webhooks are at least once anyway.
            try:
                async with asyncio.timeout_at(deadline):
                    connection = await self._open(origin)
            except TimeoutError:
                raise ConnectTimeout(f"no connection to {origin[1]}:{origin[2]} within the timeout") from None
            return await self._exchange(origin, connection, request, deadline)

    async def _exchange(self, origin: Origin, connection: _Connection, request: bytes, deadline: float) -> Answer:
        try:
            answer, reusable = await connection.exchange(request, deadline)
        except TimeoutError:
            connection.close()
            raise ReadTimeout("no answer within the timeout") from None
        except BaseException:
            connection.close()
            raise
        if reusable:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.setdefault(origin, []).append(connection)
        else:
            connection.close()
        return answer

    def _reuse(self, origin: Origin) -> _Connection | None:
        idle, now = self._idle.get(origin), asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_SECONDS:
                return connection
            connection.close()
        return None

    async def _open(self, origin: Origin) -> _Connection:
        """Resolve once, check every address, and connect to the first that answers: the one checked."""
        scheme, host, port = origin
        try:
            addresses = [host] if _is_literal(host) else await self.resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise ConnectError(f"the host {host} does not resolve ({error})") from None
        check_addresses(host, addresses, allow_private=self.allow_private)
        tls = None
        if scheme == "https":
            tls = self.ssl_context or ssl.create_default_context()
        loop, failure = asyncio.get_running_loop(), None
        for address in addresses:
            try:
                _, connection = await loop.create_connection(
                    _Connection, address, port, ssl=tls, server_hostname=host if tls else None
                )
                return connection
            except (OSError, ssl.SSLError) as error:
                failure = error
        raise ConnectError(f"{host}:{port}: {failure}")

    def close(self) -> None:
        """Close every kept-alive connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _is_literal(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True
