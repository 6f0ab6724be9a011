"""Which pages may open a socket: the Origin header must be exactly one of our origins.

A browser sends its cookies with any WebSocket, whichever site's page opens it, and the
browser's same-origin rules do not stop a socket; only the Origin header says which page asked.
An origin is scheme, host and port (default ports filled in), compared whole: a check by host
name alone let any port of an allowed host in (another program on the same machine), and a
pattern match let `http://127.0.0.1:8000.evil.example` in. Ours are:

- the origin the socket came to: its scheme and Host header, the host one of ALLOWED_HOSTS, as
  Django's CSRF check takes the page's own origin (a laptop on `localhost`, a local proxy's
  port; ALLOWED_HOSTS keeps a name pointed at us by someone else out);
- SITE_URL's origin (behind a TLS proxy that does not send X-Forwarded-Proto to a trusted
  server, sockets arrive as ws:// while pages are https://);
- CSRF_TRUSTED_ORIGINS (exact entries; the `*.` subdomain form of Django's CSRF check is not
  taken here).

No Origin, `null`, or anything but `scheme://host[:port]` is refused."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def parse_origin(value: str, *, strict: bool = True) -> Origin | None:
    """(scheme, host, port) of an http(s) origin; None for anything else. `strict`: nothing
    but scheme, host and port (an Origin header); otherwise a URL's path is ignored."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # a port that is not a number, a broken IPv6 literal
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if strict and (parts.username is not None or parts.path or parts.query or parts.fragment):
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _own_origin(scope) -> Origin | None:
    """The origin the socket was opened to, if its Host is one we serve."""
    host = _header(scope, b"host")
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:  # as Django's request.get_host()
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host or "")
    if not domain or not validate_host(domain, allowed):
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return parse_origin(f"{scheme}://{host}")


def _header(scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", []) if k == name]
    if len(values) != 1:  # none, or several that could disagree
        return None
    return values[0].decode("latin1")


def origin_allowed(scope) -> bool:
    origin = _header(scope, b"origin")
    theirs = parse_origin(origin) if origin else None
    if theirs is None:
        return False
    ours = {
        _own_origin(scope),
        parse_origin(settings.SITE_URL, strict=False),
        *(parse_origin(o, strict=False) for o in settings.CSRF_TRUSTED_ORIGINS),
    }
    return theirs in ours


class OriginValidator:
    """Passes a socket on only when its Origin is one of ours; others are refused before the
    handshake completes (the browser sees a 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            logger.info("WebSocket refused: origin %r", _header(scope, b"origin"))
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
