"""Sending one webhook request: SSRF guard after DNS, signed body, bounded time and size.

The address is resolved once, checked (no private, loopback, link-local or reserved address
unless CRM_WEBHOOKS_ALLOW_PRIVATE), and the connection goes to that very address (TLS still
verifies the host name), so a DNS answer cannot change between the check and the request.
Redirects are never followed; at most MAX_RESPONSE_BYTES of the answer are read.
"""

import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "CRM-Webhooks/1.0"


class UnsafeURL(ValueError):
    """The URL is not http(s) or resolves to an address webhooks may not reach."""


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body with the endpoint's secret>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _allowed(ip) -> bool:
    if settings.CRM_WEBHOOKS_ALLOW_PRIVATE:
        return True
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path?query) of an http(s) URL; UnsafeURL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(_("This is not a valid URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_("Use an http:// or https:// URL."))
    if parts.username or parts.password:
        raise UnsafeURL(_("Put credentials in the secret, not in the URL."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, every one allowed; UnsafeURL otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(_("The host name “%(host)s” does not resolve.") % {"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not _allowed(ip):
            raise UnsafeURL(_("“%(host)s” resolves to a private or loopback address "
                              "(%(ip)s); webhooks only call public addresses.")
                            % {"host": host, "ip": address})
    if not addresses:
        raise UnsafeURL(_("The host name “%(host)s” does not resolve.") % {"host": host})
    return addresses


def check_url(url: str) -> None:
    """Refuse a URL webhooks may not call (when it is saved and again before each request)."""
    _scheme, host, port, _path = parse(url)
    resolve(host, port)


@dataclass
class Response:
    status_code: int | None
    duration_ms: int
    error: str = ""
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


def post(url: str, body: bytes, headers: dict, *, timeout: float | None = None) -> Response:
    """POST `body` to `url` within `timeout` seconds in all (connect, send, answer)."""
    timeout = timeout or settings.CRM_WEBHOOKS_TIMEOUT
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, path = parse(url)
        address = resolve(host, port)[0]
    except UnsafeURL as exc:
        return Response(None, elapsed(), str(exc))
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    request_headers = {"Host": host_header, "User-Agent": USER_AGENT,
                       "Content-Type": "application/json", **headers}
    limit = urllib3.Timeout(connect=min(5.0, timeout), read=timeout)
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(address, port, timeout=limit, retries=False,
                                           server_hostname=host, assert_hostname=host,
                                           cert_reqs="CERT_REQUIRED", maxsize=1)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=limit, retries=False, maxsize=1)
    response = None
    try:
        response = pool.urlopen("POST", path, body=body, headers=request_headers,
                                redirect=False, retries=False, preload_content=False)
        received = b""
        for chunk in response.stream(8192, decode_content=False):
            received += chunk
            if len(received) >= MAX_RESPONSE_BYTES or time.monotonic() - started > timeout:
                break
        status = response.status
        error = ""
        if time.monotonic() - started > timeout:
            error = _("Timed out after %(s)s s.") % {"s": timeout}
        elif 300 <= status < 400:
            error = _("Redirect to %(location)s not followed.") % {
                "location": (response.headers.get("Location") or "?")[:200]}
        elif not 200 <= status < 300:
            error = _("HTTP %(status)s") % {"status": status}
        return Response(status, elapsed(), error, received[:MAX_RESPONSE_BYTES])
    except urllib3.exceptions.TimeoutError:
        return Response(None, elapsed(), _("Timed out after %(s)s s.") % {"s": timeout})
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Response(None, elapsed(), f"{type(exc).__name__}: {exc}"[:500])
    finally:
        if response is not None:
            response.close()  # a 10 MB answer is not drained: the connection is dropped
        pool.close()
