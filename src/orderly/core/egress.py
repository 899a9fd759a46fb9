"""Where Orderly may connect on behalf of a channel or a carrier: public addresses only, unless private networks
are allowed.

A shop's or a carrier's address is typed in by a person (or sent to the API), so without this a channel could make
the server fetch from itself (loopback), from the machine's cloud metadata service (link-local 169.254.169.254) or
from the private network behind it. The check runs when the address is saved and again at every connection, on the
addresses the name resolves to right then, so a DNS answer that changes later cannot slip past it. Redirects are
never followed (the connectors' client does not follow them). `ORDERLY_ALLOW_PRIVATE_NETWORKS=1` lifts it, for a
self-hosted shop on the LAN and for the tests' shops on 127.0.0.1.
"""

import functools
import ipaddress
import socket
import ssl

import httpcore
import httpx
from django.conf import settings

ALLOW_SETTING = "ORDERLY_ALLOW_PRIVATE_NETWORKS"


class AddressRefused(httpcore.ConnectError):
    """A connection to an address Orderly does not connect to; the message says which and why."""


def private_allowed() -> bool:
    return bool(getattr(settings, ALLOW_SETTING, False))


def why_refused(address: str) -> str | None:
    """Why Orderly does not connect to this IP address, or None when it may (a public address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address (this server itself)"
    if ip.is_link_local:
        return "a link-local address (such as a cloud metadata service)"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast or not ip.is_global:
        return "a private or reserved address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to now (a literal address is itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def refusal(host: str, port: int) -> str | None:
    """Why a connection to host:port is refused, or None. A name that does not resolve is not refused here: the
    connection then fails as unreachable, which is the truer message."""
    if private_allowed():
        return None
    try:
        return refusal_of(host, resolve(host, port))
    except (OSError, UnicodeError):
        return None


def refusal_of(host: str, addresses: list[str]) -> str | None:
    """Why `host`, resolved to `addresses`, is refused (the first address that may not be reached), or None."""
    for address in addresses:
        if reason := why_refused(address):
            shown = host if host == address else f"{host} ({address})"
            return (
                f"{shown} is {reason}; Orderly connects to shops on public addresses only "
                f"(set {ALLOW_SETTING}=1 to allow private networks)."
            )
    return None


class _GuardedBackend(httpcore.SyncBackend):
    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if not private_allowed():
            try:
                addresses = resolve(host, port)
            except (OSError, UnicodeError) as error:
                raise httpcore.ConnectError(f"{host} could not be resolved: {error}") from None
            if refused := refusal_of(host, addresses):
                raise AddressRefused(refused)
            host = addresses[0]  # the address just checked, not a second look-up that could answer otherwise
        return super().connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: reading the CA bundle costs some 50 ms of CPU, which a context per
    client paid for every label booked. A context is safe to share between clients and threads."""
    return httpx.create_ssl_context()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport whose connections are checked by `refusal` at connect time (TLS still verifies the
    shop's own name: the certificate is checked against the URL's host, not the address)."""

    def __init__(self):
        super().__init__(verify=_ssl_context())
        self._pool = httpcore.ConnectionPool(ssl_context=_ssl_context(), network_backend=_GuardedBackend())
