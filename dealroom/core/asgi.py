"""Django's HTTP under ASGI with one trip to a thread per request.

Django's own ASGIHandler builds an async middleware chain. With our middleware all sync, a
request then goes from the event loop to a thread five times: for the request_started
signal, the middleware, the view (the URL resolved back on the loop in between), and closing
the response; each return waits for the loop to get round to it. The same loop sends every
room's live messages, so on a busy room each one queued behind a fan-out: a room comment POST
took ~32 ms over HTTP for ~13 ms of work (benchmarks/fanout.py).

This handler runs Django exactly as under WSGI (the sync middleware chain, the request
signals) in one call on the request's thread: the body is read and the response sent on the
loop; everything in between happens in one go. A streaming response is iterated and closed on
that thread too, a chunk at a time as the client takes them; any other response is closed
before it is sent, its content made.

Each request has a thread to itself for its whole life, as under Django's handler, but the
threads live on (`_Threads`): Django's handler started a new thread per request, so every
request opened a new database connection (SQLite reads the schema, ~4 ms, and at 8 requests
at once new connections waited seconds for the database; PostgreSQL took one from the pool),
and `/healthz` ran at ~250/s instead of ~1,500/s on these machines (benchmarks/api.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix

logger = logging.getLogger(__name__)


class _Sent(Exception):
    """Ends the wait for the client to leave once the answer is sent."""


class _Threads:
    """Single threads lent to one request at a time and kept for the next: a thread keeps its
    database connections (CONN_MAX_AGE) between requests. As many as are busy at once, never
    fewer (a slow download never holds up other requests); up to `KEEP` idle ones are kept.
    Used from the event loop only."""

    KEEP = 16

    def __init__(self) -> None:
        self.idle: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        if self.idle:
            return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="http")

    def give_back(self, thread: ThreadPoolExecutor) -> None:
        if len(self.idle) < self.KEEP:
            self.idle.append(thread)
        else:
            thread.shutdown(wait=False)


class HttpHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)  # not ASGIHandler's: it loads the async chain
        self.load_middleware(is_async=False)
        self.threads = _Threads()

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        thread = self.threads.take()
        try:
            with closing(body_file):
                await self._handle_on(thread, scope, body_file, receive, send)
        finally:
            self.threads.give_back(thread)

    async def _handle_on(self, thread, scope, body_file, receive, send) -> None:
        def on_thread(fn):  # the request's own thread, with its context, as sync_to_async
            return sync_to_async(fn, thread_sensitive=False, executor=thread)

        response = await on_thread(self.respond)(scope, body_file)
        if response.streaming and not response.is_async:
            response.streaming_content = _pulled(response.streaming_content, on_thread)
        try:
            await self._send_unless_gone(scope, response, receive, send)
        finally:
            if response.streaming:
                await on_thread(response.close)()

    async def _send_unless_gone(self, scope, response, receive, send) -> None:
        """Send the answer; a client leaving meanwhile stops it (a download is read no
        further), as in Django's handler. Leaving is ordinary (a closed tab, a cancelled
        download, a video player seeking): one line in the log, not an error."""
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self.listen_for_disconnect(receive))
                await self.send_response(response, send)
                raise _Sent
        except* _Sent:
            pass
        except* RequestAborted:
            logger.info(
                "%s %r: the client left before the answer was complete",  # %r: no newlines
                scope.get("method", ""),
                scope.get("path", ""),
            )

    def respond(self, scope, body_file):
        """What Django's WSGI handler does for a request, on the request's thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refused = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else refused
        assert response is not None  # create_request gives a request or a refusal
        response._handler_class = self.__class__  # type: ignore[attr-defined]  # the signal's sender
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # the server chunks what it sends
        if not response.streaming:
            response.close()  # request_finished: this thread's connections go back now
        return response


async def _pulled(chunks: Iterator[bytes], on_thread) -> AsyncIterator[bytes]:
    """A sync streaming response's chunks, taken one at a time on the request's thread as the
    client takes them. Django's handler reads the whole iterator into memory before sending
    anything (a 25 MB video for every `Range: bytes=0-` a player asks)."""

    def take() -> bytes | None:
        return next(chunks, None)

    pull = on_thread(take)
    while (chunk := await pull()) is not None:
        yield chunk


def http_application() -> HttpHandler:
    """Like django.core.asgi.get_asgi_application, with the handler above."""
    import django

    django.setup(set_prefix=False)
    return HttpHandler()
