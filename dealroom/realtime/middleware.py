"""The session of the page that opened a socket, for reading.

Sockets read the session (which user is logged in, which guest session this browser holds) and
never change it. Channels' SessionMiddleware also wraps every message a socket sends, to save
a session that changed; asking a lazy session that on every frame was about 5% of a busy
server's time (benchmarks/fanout.py, py-spy). Here the session is put in the scope and the
socket's sends go straight out."""

from __future__ import annotations

from importlib import import_module

from channels.auth import AuthMiddleware
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware
from django.conf import settings


class SocketSessionMiddleware(BaseMiddleware):
    """scope["session"]: the session named by the socket's cookie (loaded on first use; an
    unknown or expired key is an empty session)."""

    def __init__(self, inner):
        super().__init__(inner)
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
        return await super().__call__(dict(scope, session=self.store(key)), receive, send)


def SocketAuthStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack it replaces
    """Cookies, the session (read only) and the user, in that order."""
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(inner)))
