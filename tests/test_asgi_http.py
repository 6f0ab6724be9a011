"""HTTP through the server's ASGI app (config.asgi), as uvicorn calls it: one trip to a thread
per request (dealroom/core/asgi.py), pages, forms and streamed downloads intact."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref import sync
from django.core import signals
from django.urls import reverse

from dealroom.customers import services as customers
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)  # the request runs on a thread of its own


async def call(
    path: str, *, method="GET", body=b"", headers=(), query="", on_send=None, leaves=None
):
    """One request to the server's app; the status, headers and the whole body. `leaves`: an
    event after which the client disconnects."""
    from config.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    chunks = [{"type": "http.request", "body": body[:10], "more_body": True}]
    chunks.append({"type": "http.request", "body": body[10:], "more_body": False})
    sent: list[dict] = []

    async def receive():
        if chunks:
            return chunks.pop(0)
        await (leaves or asyncio.Event()).wait()  # the client stays until the answer is sent
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if on_send is not None:
            on_send(message)

    await application(scope, receive, send)
    start = sent[0]
    assert start["type"] == "http.response.start"
    headers = {}
    for name, value in start["headers"]:
        headers.setdefault(name.decode().lower(), []).append(value.decode())
    content = b"".join(m.get("body", b"") for m in sent[1:])
    if leaves is None:
        assert sent[-1].get("more_body", False) is False
    return start["status"], headers, content


@pytest.fixture
def trips(monkeypatch):
    """Counts the request's trips from the event loop to a thread, and the threads that ran
    the request signals."""
    seen: dict[str, Any] = {"trips": 0, "started": set(), "finished": set()}
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        seen["trips"] += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)

    def started(**kwargs):
        seen["started"].add(threading.get_ident())

    def finished(**kwargs):
        seen["finished"].add(threading.get_ident())

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield seen
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


async def test_a_request_goes_to_a_thread_once(trips):
    """Django's own ASGI handler took a page through the loop and a thread four times (the
    middleware, the view, the request signals, closing the response), each waiting for a loop
    that also sends every room's live messages."""
    status, _headers, content = await call("/robots.txt")
    assert status == 200 and b"Disallow" in content
    assert trips["trips"] == 1
    # Started and finished on the request's thread: its database connections are given back
    # by the thread that took them.
    assert len(trips["started"]) == 1 and trips["started"] == trips["finished"]
    assert threading.get_ident() not in trips["started"]


async def test_login_form_posted_over_asgi(world, trips):
    """A form read from a body that came in two parts, its CSRF check, cookies, a redirect."""
    status, headers, content = await call("/accounts/login/")
    assert status == 200
    csrf = next(c for c in headers["set-cookie"] if c.startswith("csrftoken="))
    token = csrf.split(";")[0].split("=", 1)[1]
    cookie = [(b"cookie", f"csrftoken={token}".encode())]
    form = [(b"content-type", b"application/x-www-form-urlencoded"), *cookie]

    wrong = urlencode({"csrfmiddlewaretoken": token, "username": "rep@alpha.test", "password": "x"})
    status, _headers, content = await call(
        "/accounts/login/", method="POST", body=wrong.encode(), headers=form
    )
    assert status == 400 and b'name="password"' in content  # the form again, with its error

    right = urlencode(
        {"csrfmiddlewaretoken": token, "username": "rep@alpha.test", "password": PASSWORD}
    )
    status, headers, _content = await call(
        "/accounts/login/", method="POST", body=right.encode(), headers=form
    )
    assert status == 302
    assert any(c.startswith("sessionid=") for c in headers["set-cookie"])

    no_token = urlencode({"username": "rep@alpha.test", "password": PASSWORD})
    status, _headers, _content = await call(
        "/accounts/login/", method="POST", body=no_token.encode(), headers=form
    )
    assert status == 403  # refused by the CSRF check, in the same chain


@pytest.fixture
def export(world, client, monkeypatch):
    """Five accounts, a rep's session, and the rows the CSV export has read so far."""
    from dealroom.customers.views import lists

    rep = world.actor("alpha", "rep")
    for n in range(5):
        customers.record_create(actor=rep, object_type="account", data={"name": f"流 {n}"})
    client.force_login(world.user("alpha", "rep"))
    rows: list[int] = []
    export_cell = lists._export_cell

    def counting(actor, f, record, names):
        if f.name == "name":
            rows.append(record.pk)
        return export_cell(actor, f, record, names)

    monkeypatch.setattr(lists, "_export_cell", counting)
    cookie = [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    return reverse("account_export", args=["alpha"]), cookie, rows


async def test_streamed_export_is_read_as_it_is_sent(export, trips):
    """A streamed response (the CSV export reads the database while it is sent) is iterated on
    the request's thread a chunk at a time, as the client takes them: Django's handler read it
    all into memory first (every video a player asked for with `Range: bytes=0-`)."""
    path, cookie, rows = export
    made_when_sent: list[int] = []

    def on_send(message):
        if message.get("body"):
            made_when_sent.append(len(rows))

    trips["trips"] = 0
    status, headers, content = await call(path, headers=cookie, on_send=on_send)
    assert status == 200 and headers["content-type"] == ["text/csv; charset=utf-8"]
    text = content.decode("utf-8-sig")
    assert all(f"流 {n}" in text for n in range(5))
    assert len(rows) == 5
    assert made_when_sent[0] == 0  # the BOM went out before any row was read
    assert made_when_sent[-1] == 5 and made_when_sent == sorted(made_when_sent)
    # Iterated and closed on the request's thread.
    assert len(trips["started"]) == 1 and trips["started"] == trips["finished"]


async def test_a_client_leaving_stops_the_stream(export, trips):
    """A download whose client went away is read no further, and closed."""
    path, cookie, rows = export
    gone = asyncio.Event()

    def on_send(message):
        if len(rows) >= 1:
            gone.set()

    trips["trips"] = 0
    status, _headers, content = await call(path, headers=cookie, on_send=on_send, leaves=gone)
    assert status == 200 and "流 0" in content.decode("utf-8-sig")
    assert len(rows) < 5
    assert len(trips["started"]) == 1 and trips["started"] == trips["finished"]


async def test_a_client_leaving_is_one_line_in_the_log(export, trips, caplog):
    """A client going away mid-answer (a closed tab, a cancelled download) is ordinary: one
    INFO line naming the request, nothing at WARNING or above, no traceback."""
    path, cookie, rows = export
    gone = asyncio.Event()

    def on_send(message):
        if len(rows) >= 1:
            gone.set()

    caplog.set_level(logging.INFO)
    status, _headers, _content = await call(path, headers=cookie, on_send=on_send, leaves=gone)
    assert status == 200 and len(rows) < 5
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    [line] = [r for r in caplog.records if r.name == "dealroom.core.asgi"]
    assert line.levelno == logging.INFO and f"GET '{path}'" in line.getMessage()


async def test_an_answer_sent_whole_logs_nothing(world, caplog):
    caplog.set_level(logging.INFO)
    status, _headers, _content = await call("/robots.txt")
    assert status == 200
    assert [r for r in caplog.records if r.name == "dealroom.core.asgi"] == []


async def test_requests_one_after_another_keep_their_thread(trips):
    """A request's thread lives on for the next (with its database connections): Django's
    handler started a new thread, and a new connection, per request (benchmarks/api.py)."""
    for _ in range(3):
        status, _headers, _content = await call("/robots.txt")
        assert status == 200
    assert len(trips["started"]) == 1


def test_requests_at_once_never_share_a_thread():
    from dealroom.core.asgi import _Threads

    threads = _Threads()
    busy = [threads.take() for _ in range(_Threads.KEEP + 2)]
    assert len(set(busy)) == len(busy)  # as many as are busy: a slow one blocks no other
    for thread in busy:
        threads.give_back(thread)
    assert len(threads.idle) == _Threads.KEEP  # the rest were let go
    assert threads.take() is busy[_Threads.KEEP - 1]
    for thread in busy:
        thread.shutdown(wait=False)
