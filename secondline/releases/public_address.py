"""Alert webhooks reach public addresses only (no SSRF into the server's own network).

A manager can type any URL for a gateway, and the worker that POSTs to it sits inside the
network: a URL on loopback, a private range or the cloud metadata address would let a manager
reach what only the server can. The host is checked when the webhook is saved and again when an
alert is sent (DNS can change in between), and the connection is made to the address that was
checked. Hosts an administrator lists in ``ALERT_WEBHOOK_ALLOWED_HOSTS`` skip the check.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(OSError):
    """The gateway's host is, or resolves to, an address alerts must not go to."""


def is_public(ip: IPAddress) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified addresses
    (IPv4 and IPv6, an IPv4 address mapped into IPv6 too); ``is_global`` also refuses the
    shared range 100.64.0.0/10 (RFC 6598), where some clouds keep their metadata service."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def is_allowed_host(host: str) -> bool:
    allowed = {name.lower() for name in getattr(settings, "ALERT_WEBHOOK_ALLOWED_HOSTS", [])}
    return host.lower() in allowed


def resolve(host: str, port: int) -> list[tuple[IPAddress, Any]]:
    """Every address ``host`` resolves to, with the socket address to connect to."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise RefusedAddress(_("The host %(host)s cannot be resolved.") % {"host": host}) from exc
    # the scope of an IPv6 link-local address ("fe80::1%eth0") is not part of the address
    return [(ipaddress.ip_address(str(info[4][0]).split("%")[0]), info[4]) for info in found]


def public_addresses(host: str, port: int) -> list[Any]:
    """The socket addresses of ``host``, or RefusedAddress if any of them is not public."""
    addresses = resolve(host, port)
    for ip, _sockaddr in addresses:
        if not is_public(ip):
            raise RefusedAddress(
                _(
                    "%(host)s is %(address)s, not a public address; alerts go only to public "
                    "addresses unless an administrator lists the host in "
                    "ALERT_WEBHOOK_ALLOWED_HOSTS."
                )
                % {"host": host, "address": ip}
            )
    return [sockaddr for _ip, sockaddr in addresses]


def check_url(url: str) -> None:
    """Raise RefusedAddress unless the URL's host is allowed or resolves to public addresses."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise RefusedAddress(_("The URL has no valid port.")) from exc
    if not host:
        raise RefusedAddress(_("The URL has no host."))
    if not is_allowed_host(host):
        public_addresses(host, port)


def _connect(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None
) -> socket.socket:
    """socket.create_connection, to an address checked at this moment (not to whatever the
    name resolves to a second time: that would let DNS rebinding slip past the check)."""
    host, port = address
    if is_allowed_host(host):
        return socket.create_connection(address, timeout, source_address)
    last: OSError | None = None
    for sockaddr in public_addresses(host, port):
        try:
            return socket.create_connection(sockaddr[:2], timeout, source_address)
        except OSError as exc:
            last = exc
    raise last or RefusedAddress(_("The host %(host)s cannot be resolved.") % {"host": host})


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    # TLS still checks the certificate against the host name, not the address
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A gateway answers an alert itself: a redirect is an error, never followed (it could
    point inside the network, and urllib would turn the POST into a GET without the alert)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener() -> urllib.request.OpenerDirector:
    """An opener that connects to public (or allowed) addresses only and follows no redirect."""
    return urllib.request.build_opener(_PublicHTTPHandler, _PublicHTTPSHandler, _NoRedirect)
