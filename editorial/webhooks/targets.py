"""Where a webhook may send: http(s) URLs whose host resolves only to public addresses.

A service that posts wherever an admin points it must not become a way into the network it runs
in, so loopback, private, link-local, reserved, multicast and unspecified addresses are refused
unless ``webhook_allow_private_targets`` is set. The check is made when the webhook is created and
again whenever the worker opens a connection, on the very addresses it then connects to
(``client.py``), since the name may resolve elsewhere by then.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from editorial.lib.errors import InvalidInput

SCHEMES = ("http", "https")


class TargetRefused(InvalidInput):
    """The URL is not one a webhook may send to."""

    slug, title = "webhook-target-refused", "Webhook target refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"url: {reason}", errors=[{"field": "url", "message": reason}])
        self.reason = reason


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, flag in (
        ("a loopback", address.is_loopback),
        ("an unspecified", address.is_unspecified),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private),
        ("a non-public", not address.is_global),
    ):
        if flag:
            return f"{kind} address ({address})"
    return None


def check_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; refuses other schemes and a missing host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"not a valid URL ({error})") from None
    if parts.scheme.lower() not in SCHEMES:
        raise TargetRefused("only http and https URLs are allowed")
    if not parts.hostname:
        raise TargetRefused("a host is required")
    return parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80)


def check_addresses(host: str, addresses: list[str], *, allow_private: bool) -> None:
    """Refuse ``host`` if any of the addresses it resolved to is not public (unless private targets are allowed)."""
    if allow_private:
        return
    for address in addresses:
        refusal = _refusal(ipaddress.ip_address(address))
        if refusal is not None:
            raise TargetRefused(f"{host} is {refusal}; set EDITORIAL_WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow it")


def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse a URL a webhook may not send to (resolving its host unless private targets are allowed)."""
    host, port = check_url(url)
    if allow_private:
        return
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise TargetRefused(f"the host {host} does not resolve ({error})") from None
        addresses = [str(info[4][0]).split("%", 1)[0] for info in found]
    check_addresses(host, addresses, allow_private=False)
