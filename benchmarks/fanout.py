"""Live fan-out: one room, N WebSocket clients over two server processes sharing Redis.

The rooms issue (Speed (1)) asks, for one room with 500 connected sockets spread over two
server processes and one poster at 10 and at 50 posts/s: p50/p99 from the POST returning to
every client holding the rendered comment, deliveries/s at saturation, drops (must be 0) and
memory per connection; targets p99 ≤ 50 ms at 10/s and ≤ 100 ms at 50/s, no drops, ≥ 6× stock
`group_send` throughput, ≤ 150 KB per connection. This script measures, in one run:

  Dealroom          two `dealroom serve` processes on a throwaway database (seeded through the
                    services: a workspace, a deal and its room, a guest who redeemed a link),
                    half the clients seller sessions, half guest sessions; the poster POSTs
                    real comments to /w/<slug>/rooms/<id>/comments/ (the page's
                    comment form, multipart, as htmx sends it, with the page's cursor,
                    which moves on with the socket messages of client 0, the poster's
                    own page, and saying that socket is open, as room.js does: the
                    comment reaches the poster's page through it); a client has a
                    comment when a message holds its text ("fanout-<n>-post").
  stock group_send  two uvicorn processes serving _fanout_stock.py (one Channels consumer per
                    socket, all in one group, forwarding each group message's text); the
                    poster calls `group_send` on a channels_redis RedisChannelLayer.
  bare websockets   two _fanout_bare.py processes (`websockets.broadcast` to a set of sockets),
                    fed by one Redis PUBLISH per message.

Dealroom gets a second saturation phase, "saturation, services": poster processes
(_fanout_poster.py) commit the comments through the services, as the comment view does after
its HTTP work, so the figure holds the live path from the commit on (event, publish, per-reader
render, send) without an HTTP request's cost on the servers' cores. It is the like-for-like
figure beside stock's, whose poster calls `group_send` directly; the HTTP figure stays beside it.

The baselines send the text of a message Dealroom delivered in the same run (its comment id
swapped), so every system moves the same bytes; all three servers run without permessage-deflate
(as `dealroom serve` does), while the clients offer it, as browsers do. Each system is warmed
up first (a few sockets and messages per process), so the RSS measured before the clients
connect holds its one-time costs; after connecting, the script waits until the servers are
quiet (Dealroom's sockets announce presence to each other: the time and the messages it took
are printed). Each system
then gets 10 posts/s and 50 posts/s for --seconds each, and a saturation phase (posters send
as fast as they are answered, with at most --window messages not yet held by every client);
latency runs from the send call returning (POST answered, group_send or PUBLISH returned) to
the client holding the message, on one monotonic clock, all clients on one asyncio loop in
this process. Memory per connection is each server's RSS after its clients connected minus
before, over its clients.
Figures are printed, never asserted.

    .venv/bin/python benchmarks/fanout.py                          # 500 clients, SQLite
    .venv/bin/python benchmarks/fanout.py --postgres               # dealroom_bench_<pid>
    .venv/bin/python benchmarks/fanout.py --clients 40 --seconds 2 # a quick check

Needs Redis (--redis, default redis://127.0.0.1:6379/0); every key it made is deleted at the
end (prefix bench<pid>), as are the processes, the temporary directory and the database, also
on Ctrl-C or an error.
"""

# The server processes are started with argv lists this script builds (S603).
# ruff: noqa: S603

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import http.client
import itertools
import json
import logging
import math
import os
import queue
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The throwaway database is made and dropped the way the customers benchmark does it.
import customers as common  # noqa: E402  (benchmarks/ is the script's own directory)

P99_AT_10_MS = 50.0
P99_AT_50_MS = 100.0
THROUGHPUT_RATIO = 6.0
KB_PER_CONNECTION = 150.0

RE_ID = re.compile(r'id="comment-(\d+)"')
RE_MARKER = re.compile(r"fanout-(\d+)-post")
RE_CURSOR = re.compile(r'data-op="cursor" data-id="(\d+)"')
ID_SLOT = "\x00id\x00"
STOCK_GROUP = "fanout"
SELLER_EMAIL = "seller@bench.local"
SERVICES_PHASE = "saturation, services"  # Dealroom's second saturation phase, without HTTP

# Every process this script starts; all of them are stopped at the end, whatever happens.
SERVERS: list[Server] = []


def now() -> float:
    """The one clock: monotonic (CLOCK_MONOTONIC, the same in every process), shared by the
    poster threads, the poster processes and the clients' loop."""
    return time.perf_counter()


def python_loop_ms() -> float:
    """A figure to compare runs on different machines by: machines of the same kind differ
    (bare websockets saturated at 159,000 deliveries/s on one, at 61,000/s on another)."""
    t = now()
    total = 0
    for k in range(5_000_000):
        total += k
    return (now() - t) * 1000


# -- the throwaway room ----------------------------------------------------------------------


@dataclass
class SeededRoom:
    slug: str
    room_id: int
    after: int  # the room's latest event id: where the clients resume
    seller_keys: list[str]
    guest_keys: list[str]
    poster_key: str
    poster_email: str  # the seller whose sessions post (and whose actor the services take)
    csrf: str


def seed(sellers: int, guests: int) -> SeededRoom:
    """One workspace, one staged deal with its room, a guest who redeemed a link; Django
    sessions for the seller (many for the same user) and for the guest."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils.crypto import get_random_string

    from dealroom.core.actors import Member
    from dealroom.customers import services as customers
    from dealroom.pipeline import services as pipeline
    from dealroom.rooms import services as rooms
    from dealroom.rooms.models import Room, RoomSettings
    from dealroom.rooms.services.common import latest_event_id
    from dealroom.rooms.views.guards import SESSION_KEY as GUEST_SESSIONS
    from dealroom.workspaces.models import Membership, User
    from dealroom.workspaces.services import workspace_create

    user = User.objects.create_user(SELLER_EMAIL, None, full_name="周敏 Zhou Min")
    ws = workspace_create(owner=user, name="Fan-out 扇出", slug=f"bench-{os.getpid()}")
    seller = Member(
        Membership.objects.select_related("user", "workspace").get(workspace=ws, user=user)
    )
    RoomSettings.objects.create(workspace=ws, require_email_code=False)
    opp_type = pipeline.type_create(
        actor=seller, name="New business", name_zh="新业务", variant="staged"
    )
    pipeline.stage_create(
        actor=seller, type_id=opp_type.pk, name="Qualify", name_zh="确认需求", probability=10
    )
    account = customers.record_create(
        actor=seller, object_type="account", data={"name": "华信达科技有限公司"}
    )
    contact = customers.record_create(
        actor=seller,
        object_type="contact",
        data={"full_name": "王芳", "emails": "wang@customer.test"},
    )
    customers.account_contact_link(
        actor=seller, account_id=account.pk, contact_id=contact.pk, role="decision_maker"
    )
    deal = pipeline.opportunity_create(
        actor=seller,
        type_id=opp_type.pk,
        data={"name": "数据平台 Data platform", "account": account.pk, "amount": "250000"},
    )
    room = Room.objects.get(opportunity=deal)
    _invitation, token = rooms.room_guest_invite(
        actor=seller, room_id=room.pk, contact_id=contact.pk, send_email=False
    )
    guest_session = rooms.guest_link_redeem(token=token, ip="127.0.0.1").session

    def session(data: dict) -> str:
        store = SessionStore()
        store.update(data)
        store.create()
        assert store.session_key
        return store.session_key

    auth = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    guest = {GUEST_SESSIONS: {str(ws.pk): guest_session.pk}}
    with transaction.atomic():
        seller_keys = [session(auth) for _ in range(sellers)]
        guest_keys = [session(guest) for _ in range(guests)]
        poster_key = session(auth)
    chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return SeededRoom(
        slug=ws.slug,
        room_id=room.pk,
        after=latest_event_id(room),
        seller_keys=seller_keys,
        guest_keys=guest_keys,
        poster_key=poster_key,
        poster_email=SELLER_EMAIL,
        csrf=get_random_string(32, chars),  # an unmasked CSRF secret: cookie and header
    )


# -- server processes ------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n".join(f"    {line}" for line in text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    name: str, argv: list[str], env: dict[str, str], port: int, logs: Path, *, piped: bool = False
) -> Server:
    """A process this script stops at the end. `piped`: it talks over stdin and stdout (a
    poster process, `port` its number), and only its stderr goes to the log."""
    log = logs / f"{name.replace(' ', '-')}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else out,
            stderr=out if piped else subprocess.STDOUT,
            text=piped,
            start_new_session=True,  # Ctrl-C reaches this script, which stops them in order
        )
    server = Server(name, port, proc, log)
    SERVERS.append(server)
    return server


async def wait_listening(server: Server, timeout: float = 90.0) -> None:
    deadline = now() + timeout
    while True:
        if not server.alive():
            raise RuntimeError(f"{server.name} on :{server.port} exited:\n{server.tail()}")
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        except OSError:
            if now() > deadline:
                raise RuntimeError(f"{server.name} on :{server.port} never listened") from None
            await asyncio.sleep(0.2)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


def stop_servers(servers: list[Server]) -> None:
    """SIGTERM each process this script started (by its id), SIGKILL what is left after 5 s."""
    for server in servers:
        if server.alive():
            with contextlib.suppress(ProcessLookupError):
                server.proc.send_signal(signal.SIGTERM)
    deadline = now() + 5
    for server in servers:
        try:
            server.proc.wait(timeout=max(0.1, deadline - now()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                server.proc.kill()
            server.proc.wait()


def venv_bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here if here.exists() else ROOT / ".venv" / "bin" / name)


# -- the clients -----------------------------------------------------------------------------


class Board:
    """What the clients received, written on the clients' loop; `sent` is written by the
    poster threads (one dict assignment per message). A message is known by what `key` finds
    in it: Dealroom's by the post's number in the comment's text (the POST of a page with its
    socket open answers without the comment), the baselines' by the comment id they swap in."""

    def __init__(self, key: re.Pattern[str] = RE_ID) -> None:
        self.key = key
        self.clients = 0  # connected
        self.sent: dict[int, float] = {}  # message id -> when the send call returned
        self.got: dict[int, dict[int, float]] = {}  # message id -> {client: when it arrived}
        self.messages = 0
        self.last = 0.0  # when the last message of any kind arrived
        self.last_hit = 0.0  # when the last message holding a comment arrived
        self.errors: list[str] = []
        self.closed: Counter[int | None] = Counter()  # close code of sockets lost mid-run
        self.stopping = False
        self.samples: list[str] = []  # messages holding one comment, for the baselines
        self.window: threading.Semaphore | None = None
        self.window_waits = 0
        self.sockets: list[Any] = []
        # Client 0 is the poster's own page (a seller): what it receives moves the cursor the
        # poster sends, as room.js does with the page's socket.
        self.page_cursor: Callable[[int], None] | None = None

    @property
    def open_clients(self) -> int:
        return self.clients - sum(self.closed.values())

    def take(self, client: int, text: str, t: float) -> None:
        self.messages += 1
        self.last = t
        if client == 0 and self.page_cursor is not None:
            cursors = RE_CURSOR.findall(text)
            if cursors:
                self.page_cursor(max(int(c) for c in cursors))
        ids = set(self.key.findall(text))
        if not ids:
            return
        self.last_hit = t
        if len(self.samples) < 50 and len(RE_ID.findall(text)) == 1:
            self.samples.append(text)
        for raw in ids:
            seen = self.got.setdefault(int(raw), {})
            if client not in seen:
                seen[client] = t
                if len(seen) == self.open_clients and self.window is not None:
                    self.window.release()


@dataclass
class Endpoint:
    url: str
    origin: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    hello: str = ""  # sent once connected (the room page's resume)


WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


class LeanSocket(asyncio.Protocol):
    """One client socket as cheap as a client can be: the opening handshake written by hand,
    then frames read straight from the bytes (RFC 6455), a complete message handed to the
    board in the same call. The clients share this machine's two cores with the servers they
    measure; the `websockets` client spent ~17 µs of this process per message (a queue, a
    future and a coroutine step each; py-spy), ~40% of a core at 23,000 messages/s, time the
    servers then lacked. Browsers run elsewhere. Every system is measured with these clients.

    It offers permessage-deflate, as browsers do (all three servers decline it), and inflates
    if a server accepts."""

    def __init__(self, idx: int, ep: Endpoint, board: Board, deflate: bool):
        self.idx, self.ep, self.board, self.offer_deflate = idx, ep, board, deflate
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self.transport: Any = None
        self.close_code: int | None = None
        self.is_open = False
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.compressed = False
        self.inflate: Any = None  # a zlib decompressor once the server took deflate
        self.key = base64.b64encode(os.urandom(16)).decode()

    def connection_made(self, transport) -> None:
        self.transport = transport
        url = urlsplit(self.ep.url)
        lines = [
            f"GET {url.path} HTTP/1.1",
            f"Host: {url.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {self.ep.origin}",
        ]
        if self.offer_deflate:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        lines += [f"{name}: {value}" for name, value in self.ep.headers]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.is_open and not self._handshake():
            return
        buf, pos, size = self.buffer, 0, len(self.buffer)
        while size - pos >= 2:
            first, second = buf[pos], buf[pos + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4]), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10]), 10
            if second & 0x80:  # a server never masks
                self._fail(1002)
                return
            end = pos + head + length
            if end > size:
                break
            self._frame(first, bytes(buf[pos + head : end]))
            pos = end
        del buf[:pos]

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        status, *lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        digest = hashlib.sha1((self.key + WS_GUID).encode(), usedforsecurity=False).digest()
        accept = base64.b64encode(digest).decode()
        if status.split(" ")[1:2] != ["101"] or headers.get("sec-websocket-accept") != accept:
            self.opened.set_exception(ConnectionError(f"handshake refused: {status}"))
            self.transport.close()
            return False
        if "permessage-deflate" in headers.get("sec-websocket-extensions", ""):
            self.inflate = zlib.decompressobj(wbits=-15)
        self.is_open = True
        self.opened.set_result(None)
        return True

    def _frame(self, first: int, payload: bytes) -> None:
        opcode = first & 0x0F
        if opcode in (0x0, 0x1, 0x2):  # a (part of a) text or binary message
            if opcode:
                self.compressed = bool(first & 0x40)
            self.fragments.append(payload)
            if first & 0x80:
                data = b"".join(self.fragments)
                self.fragments = []
                if self.compressed and self.inflate is not None:
                    data = self.inflate.decompress(data + b"\x00\x00\xff\xff")
                self.board.take(self.idx, data.decode(), now())
        elif opcode == 0x9:  # ping
            self.send(0xA, payload)
        elif opcode == 0x8:
            self.close_code = int.from_bytes(payload[:2]) if len(payload) >= 2 else 1005
            self.send(0x8, payload[:2])
            self.transport.close()

    def send(self, opcode: int, payload: bytes) -> None:
        """A client frame: masked, as RFC 6455 asks of clients."""
        size = len(payload)
        if size < 126:
            head = bytes([0x80 | opcode, 0x80 | size])
        elif size < 65536:
            head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2)
        else:
            head = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8)
        mask = os.urandom(4)
        key = int.from_bytes((mask * (size // 4 + 1))[:size])
        masked = (int.from_bytes(payload) ^ key).to_bytes(size)
        self.transport.write(head + mask + masked)

    def _fail(self, code: int) -> None:
        self.close_code = code
        self.transport.abort()

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)


async def run_client(
    idx: int, ep: Endpoint, board: Board, gate: asyncio.Semaphore, deflate: bool
) -> None:
    url = urlsplit(ep.url)
    loop = asyncio.get_running_loop()
    async with gate:
        try:
            _transport, ws = await loop.create_connection(
                lambda: LeanSocket(idx, ep, board, deflate), url.hostname or "", url.port or 80
            )
            await asyncio.wait_for(ws.opened, 120)
            if ep.hello:
                ws.send(0x1, ep.hello.encode())
        except Exception as e:
            board.errors.append(f"{type(e).__name__}: {e}"[:200])
            return
    board.clients += 1
    board.sockets.append(ws)
    await ws.closed
    if not board.stopping:
        board.closed[ws.close_code] += 1


async def connect_all(endpoints: list[Endpoint], board: Board, deflate: bool) -> list[asyncio.Task]:
    gate = asyncio.Semaphore(50)  # handshakes in flight
    tasks = [
        asyncio.create_task(run_client(i, ep, board, gate, deflate))
        for i, ep in enumerate(endpoints)
    ]
    while board.clients + len(board.errors) < len(endpoints):
        await asyncio.sleep(0.05)
    return tasks


async def close_all(board: Board, tasks: list[asyncio.Task]) -> None:
    board.stopping = True
    for ws in board.sockets:
        with contextlib.suppress(Exception):
            ws.transport.abort()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def settle(
    board: Board, servers: list[Server], quiet: float, cap: float, progress: bool = False
) -> float:
    """Wait until no message came for `quiet` seconds and the servers are (nearly) idle."""
    t0 = now()
    cpu = [s.cpu_seconds() for s in servers]
    shown = t0
    while True:
        await asyncio.sleep(1.0)
        t = now()
        if progress and t - shown >= 30:
            shown = t
            print(f"    … {t - t0:.0f} s, {board.messages:,} messages so far", flush=True)
        cpu_now = [s.cpu_seconds() for s in servers]
        busy = max(b - a for a, b in zip(cpu, cpu_now, strict=True))
        cpu = cpu_now
        if (t - max(board.last, t0) >= quiet and busy < 0.15) or t - t0 > cap:
            return t - t0


async def drain(board: Board, mids: list[int], quiet: float, cap: float = 120.0) -> None:
    """Until every open client holds every message, or no comment arrived for `quiet` s."""
    t0 = now()
    while True:
        if all(len(board.got.get(m, ())) >= board.open_clients for m in mids):
            return
        t = now()
        if t - max(board.last_hit, t0) > quiet or t - t0 > cap:
            return
        await asyncio.sleep(0.05)


# -- senders ---------------------------------------------------------------------------------


class Sender(Protocol):
    def send(self, seq: int) -> tuple[int, float]:
        """Send message `seq`; return its message id and when the call returned."""
        ...

    def close(self) -> None: ...


def composer_body(text: str) -> tuple[bytes, str]:
    """What the room page's comment form sends (multipart: the text, and the file field with
    no file chosen, as browsers send it); the body and its Content-Type."""
    boundary = "----dealroomFanout" + os.urandom(8).hex()
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="body"\r\n\r\n'
        f"{text}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    return body, f"multipart/form-data; boundary={boundary}"


class DealroomPoster:
    """The real POST a room page's comment form makes (htmx, multipart, with the page's
    cursor, and saying its socket is open, as room.js does: the answer is then only the
    reader's member id, the comment comes through the socket), over keep-alive connections:
    each poster thread has one per server, and posts go round the servers. A post is known by
    its number, in the comment's text."""

    def __init__(self, room: SeededRoom, ports: list[int]):
        self.room, self.ports = room, ports
        self.path = f"/w/{room.slug}/rooms/{room.room_id}/comments/"
        self.cursor = room.after
        self.lock = threading.Lock()
        self.local = threading.local()
        self.all: list[http.client.HTTPConnection] = []

    def _connection(self, port: int) -> http.client.HTTPConnection:
        conns = self.local.__dict__.setdefault("conns", {})
        if port not in conns:
            conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            with self.lock:
                self.all.append(conns[port])
        return conns[port]

    def send(self, seq: int) -> tuple[int, float]:
        port = self.ports[seq % len(self.ports)]
        body, content_type = composer_body(f"fanout-{seq}-post 扇出 live fan-out check")
        headers = {
            "Content-Type": content_type,
            "HX-Request": "true",
            "X-CSRFToken": self.room.csrf,
            "X-Room-Cursor": str(self.cursor),
            "X-Room-Live": "1",
            "Origin": f"http://127.0.0.1:{port}",
            "Cookie": f"sessionid={self.room.poster_key}; csrftoken={self.room.csrf}",
        }
        for attempt in (1, 2):
            conn = self._connection(port)
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # A keep-alive connection the server closed while idle: the request never
                # reached a view, so it is sent again on a new connection.
                conn.close()
                del self.local.conns[port]
                if attempt == 2:
                    raise
        t = now()
        text = data.decode()
        if response.status != 200:
            raise RuntimeError(f"POST answered {response.status}: {text[:200]}")
        if 'data-op="me"' not in text or RE_ID.search(text):
            raise RuntimeError(f"the POST's answer is not the member id alone: {text[:200]}")
        return seq, t

    def page_cursor(self, cursor: int) -> None:
        """The page's cursor moves on with its socket's messages."""
        with self.lock:
            self.cursor = max(self.cursor, cursor)

    def close(self) -> None:
        for conn in self.all:
            conn.close()


class ServicePoster:
    """Comments committed through the services (`comment_post`) in poster processes
    (_fanout_poster.py), one per poster thread: the live path from the commit on, without an
    HTTP request's cost on the servers' cores, as stock's poster calls `group_send` directly."""

    def __init__(self, room: SeededRoom, env: dict[str, str], count: int, logs: Path):
        self.free: queue.SimpleQueue[Server] = queue.SimpleQueue()
        argv = [
            sys.executable,
            str(BENCH / "_fanout_poster.py"),
            room.slug,
            room.poster_email,
            str(room.room_id),
        ]
        self.processes = [
            start_server("poster", argv, env, k, logs, piped=True) for k in range(count)
        ]
        for poster in self.processes:
            self._answer(poster, "ready")
            self.free.put(poster)

    def _answer(self, poster: Server, expect: str | None = None) -> str:
        assert poster.proc.stdout is not None
        line = poster.proc.stdout.readline().strip()
        if not line or (expect and line != expect):
            poster.proc.wait(timeout=5)
            raise RuntimeError(f"a poster process failed ({line!r}):\n{poster.tail()}")
        return line

    def send(self, seq: int) -> tuple[int, float]:
        poster = self.free.get()  # one per poster thread: never waits
        try:
            assert poster.proc.stdin is not None
            poster.proc.stdin.write(f"{seq}\n")
            poster.proc.stdin.flush()
            _comment, t = self._answer(poster).split()
        finally:
            self.free.put(poster)
        return seq, float(t)

    def close(self) -> None:
        for poster in self.processes:
            with contextlib.suppress(OSError):
                if poster.proc.stdin is not None:
                    poster.proc.stdin.close()
        stop_servers(self.processes)


def payload_of(sample: str) -> Callable[[int], str]:
    """The baselines send a message Dealroom delivered, with their own comment id."""
    template = RE_ID.sub(f'id="comment-{ID_SLOT}"', sample)
    return lambda mid: template.replace(ID_SLOT, str(mid))


class StockSender:
    """`group_send` on a RedisChannelLayer; each poster thread has its own loop and layer."""

    def __init__(self, redis_url: str, prefix: str, payload: Callable[[int], str], base: int):
        self.redis_url, self.prefix, self.payload, self.base = redis_url, prefix, payload, base
        self.local = threading.local()
        self.made: list[tuple[asyncio.AbstractEventLoop, Any]] = []
        # "N of 500 channels over capacity" once per group_send when stock falls behind: the
        # messages it drops are counted as drops, a line each would bury the figures.
        logging.getLogger("channels_redis.core").setLevel(logging.ERROR)
        self.lock = threading.Lock()

    def send(self, seq: int) -> tuple[int, float]:
        from channels_redis.core import RedisChannelLayer

        if not hasattr(self.local, "layer"):
            self.local.loop = asyncio.new_event_loop()
            self.local.layer = RedisChannelLayer(hosts=[self.redis_url], prefix=self.prefix)
            with self.lock:
                self.made.append((self.local.loop, self.local.layer))
        mid = self.base + seq
        message = {"type": "fanout.message", "text": self.payload(mid)}
        self.local.loop.run_until_complete(self.local.layer.group_send(STOCK_GROUP, message))
        return mid, now()

    def close(self) -> None:
        for loop, layer in self.made:
            with contextlib.suppress(Exception):
                loop.run_until_complete(layer.close_pools())
            loop.close()


class BareSender:
    """One Redis PUBLISH per message; each poster thread has its own client."""

    def __init__(self, redis_url: str, channel: str, payload: Callable[[int], str], base: int):
        self.redis_url, self.channel, self.payload, self.base = redis_url, channel, payload, base
        self.local = threading.local()
        self.made: list[Any] = []

    def send(self, seq: int) -> tuple[int, float]:
        import redis

        if not hasattr(self.local, "redis"):
            self.local.redis = redis.Redis.from_url(self.redis_url)
            self.made.append(self.local.redis)
        mid = self.base + seq
        self.local.redis.publish(self.channel, self.payload(mid))
        return mid, now()

    def close(self) -> None:
        for client in self.made:
            client.close()


# -- phases ----------------------------------------------------------------------------------


@dataclass
class Sent:
    mids: list[int] = field(default_factory=list)
    call_ms: list[float] = field(default_factory=list)  # how long each send call took
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


def send_phase(
    sender: Sender,
    board: Board,
    seqs: itertools.count,
    stop: threading.Event,
    *,
    rate: float | None,
    seconds: float,
    workers: int,
    window: int = 0,
) -> Sent:
    """`rate` posts/s on a fixed schedule (open loop, `workers` threads so one slow answer does
    not hold up the next), or with `rate` None as fast as the sends return for `seconds`,
    with at most `window` messages not yet held by every client."""
    out = Sent()
    lock = threading.Lock()
    total = round(rate * seconds) if rate else 0
    start = now() + 0.02
    board.window = threading.Semaphore(window) if window else None

    def worker(j: int) -> None:
        k = j
        while not stop.is_set():
            if rate:
                if k >= total:
                    return
                delay = start + k / rate - now()
                if delay > 0:
                    time.sleep(delay)
                k += workers
            else:
                if now() - start >= seconds:
                    return
                if board.window is not None and not board.window.acquire(timeout=2.0):
                    board.window_waits += 1
            seq = next(seqs)
            t_call = now()
            try:
                mid, t_back = sender.send(seq)
            except Exception as e:
                with lock:
                    out.errors.append(f"{type(e).__name__}: {e}"[:300])
                    if len(out.errors) >= 20:
                        return
                continue
            board.sent[mid] = t_back
            with lock:
                out.mids.append(mid)
                out.call_ms.append((t_back - t_call) * 1000)

    threads = [threading.Thread(target=worker, args=(j,), daemon=True) for j in range(workers)]
    out.started = now()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.finished = now()
    board.window = None
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class PhaseResult:
    label: str
    sent: int
    seconds: float  # sending
    expected: int
    received: int
    early: int  # arrived before the send call returned (counted as 0 ms)
    p50: float
    p99: float
    worst: float
    per_second: float  # deliveries/s from the first send to the last arrival
    call_p50: float
    call_p99: float
    cpu: str
    errors: list[str]
    messages: int = 0  # socket messages the clients received: a message may hold several

    @property
    def drops(self) -> int:
        return self.expected - self.received


def summarize(label: str, sent: Sent, board: Board, cpu: str) -> PhaseResult:
    latencies: list[float] = []
    early = 0
    last = sent.started
    for mid in sent.mids:
        t0 = board.sent[mid]
        for t in board.got.get(mid, {}).values():
            last = max(last, t)
            ms = (t - t0) * 1000
            if ms < 0:
                early += 1
                ms = 0.0
            latencies.append(ms)
    span = last - sent.started
    return PhaseResult(
        label=label,
        sent=len(sent.mids),
        seconds=sent.finished - sent.started,
        expected=len(sent.mids) * board.clients,
        received=len(latencies),
        early=early,
        p50=pct(latencies, 50),
        p99=pct(latencies, 99),
        worst=max(latencies, default=float("nan")),
        per_second=len(latencies) / span if span > 0 else 0.0,
        call_p50=pct(sent.call_ms, 50),
        call_p99=pct(sent.call_ms, 99),
        cpu=cpu,
        errors=sent.errors,
    )


class CpuMeter:
    """CPU used by the servers, by this process (clients + poster threads) and by any helper
    processes (Dealroom's poster processes), as % of one core."""

    def __init__(self, servers: list[Server], helpers: list[Server] | None = None):
        self.servers, self.helpers = servers, helpers or []
        self.t = now()
        self.mine = time.process_time()
        self.theirs = [s.cpu_seconds() for s in servers]
        self.helped = sum(h.cpu_seconds() for h in self.helpers)
        self.machine = machine_busy_idle()

    def read(self) -> tuple[str, float]:
        wall = max(now() - self.t, 1e-9)
        mine = (time.process_time() - self.mine) / wall * 100
        theirs = [
            (s.cpu_seconds() - before) / wall * 100
            for s, before in zip(self.servers, self.theirs, strict=True)
        ]
        text = "servers " + " + ".join(f"{c:.0f}%" for c in theirs) + f", clients {mine:.0f}%"
        if self.helpers:
            helped = (sum(h.cpu_seconds() for h in self.helpers) - self.helped) / wall * 100
            text += f", poster processes {helped:.0f}%"
        busy, idle = (b - a for a, b in zip(self.machine, machine_busy_idle(), strict=True))
        # All of it (PostgreSQL and Redis too), as % of every core: near 100, the phase was
        # bound by the machine's CPU, not by a wait.
        text += f"; machine {busy / max(busy + idle, 1) * 100:.0f}% busy"
        return text, mine


def machine_busy_idle() -> tuple[int, int]:
    """Clock ticks all cores spent busy and idle since boot (/proc/stat)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks[:8]) - idle, idle


# -- the three systems -----------------------------------------------------------------------


@dataclass
class SystemResult:
    name: str
    clients: int = 0
    kb_per_connection: float = float("nan")
    rss: list[str] = field(default_factory=list)
    connect_seconds: float = 0.0
    settle_seconds: float = 0.0
    settle_messages: int = 0
    phases: dict[str, PhaseResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    client_bound: bool = False


class System:
    name = ""

    def start(self, ports: list[int], logs: Path) -> list[Server]:
        raise NotImplementedError

    def endpoints(self, ports: list[int], n: int) -> list[Endpoint]:
        raise NotImplementedError

    def sender(self, ports: list[int]) -> Sender:
        raise NotImplementedError

    def service_sender(self, logs: Path) -> ServicePoster | None:
        """A second saturation sender without HTTP, where the system has one."""
        return None

    async def ready(self, board: Board) -> None:
        """Anything to check once every client connected."""


def server_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update(extra)
    return env


class Dealroom(System):
    name = "Dealroom"

    def __init__(self, room: SeededRoom, args, prefix: str):
        self.room, self.args, self.prefix = room, args, prefix

    def env(self, port: int) -> dict[str, str]:
        return server_env(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "REDIS_URL": self.args.redis,
                "REDIS_PREFIX": self.prefix,
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_COOKIES": "0",
                "SITE_URL": f"http://127.0.0.1:{port}",
            }
        )  # DEALROOM_DATA_DIR and DATABASE_URL: this process's, set by common.configure

    def start(self, ports: list[int], logs: Path) -> list[Server]:
        servers = []
        for port in ports:
            env = self.env(port)
            argv = [venv_bin("dealroom"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            servers.append(start_server("dealroom serve", argv, env, port, logs))
        return servers

    def endpoints(self, ports: list[int], n: int) -> list[Endpoint]:
        room, out = self.room, []
        hello = json.dumps({"type": "resume", "after": room.after})
        sellers, guests = iter(room.seller_keys), iter(room.guest_keys)
        for i in range(n):
            port = ports[i % len(ports)]
            # Alternate kinds per server, so each process holds half sellers, half guests.
            side, key = ("w", next(sellers)) if (i // 2) % 2 == 0 else ("g", next(guests))
            out.append(
                Endpoint(
                    f"ws://127.0.0.1:{port}/ws/{side}/{room.slug}/rooms/{room.room_id}/",
                    f"http://127.0.0.1:{port}",
                    [("Cookie", f"sessionid={key}")],
                    hello,
                )
            )
        return out

    def sender(self, ports: list[int]) -> Sender:
        return DealroomPoster(self.room, ports)

    def service_sender(self, logs: Path) -> ServicePoster | None:
        return ServicePoster(self.room, self.env(0), self.args.posters, logs)

    async def ready(self, board: Board) -> None:
        import redis.asyncio as aioredis

        channel = f"{self.prefix}:hub:target-rooms.room-{self.room.room_id}"
        client = aioredis.Redis.from_url(self.args.redis)
        try:
            subscribed = dict(await client.pubsub_numsub(channel)).get(channel.encode(), 0)
        finally:
            await client.aclose()
        if subscribed != 2:
            print(f"  warning: {subscribed} processes subscribed to the room's hub channel")


class Stock(System):
    name = "stock group_send"

    def __init__(self, args, prefix: str, payload: Callable[[int], str]):
        self.args, self.prefix, self.payload = args, prefix, payload

    def start(self, ports: list[int], logs: Path) -> list[Server]:
        env = server_env({"FANOUT_REDIS_URL": self.args.redis, "FANOUT_PREFIX": self.prefix})
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return [
            start_server(
                "stock uvicorn",
                [
                    venv_bin("uvicorn"),
                    "_fanout_stock:application",
                    "--app-dir",
                    str(BENCH),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--lifespan",
                    "off",
                    "--log-level",
                    "warning",
                    "--ws-per-message-deflate",
                    "false",  # as `dealroom serve` runs
                ],
                env,
                port,
                logs,
            )
            for port in ports
        ]

    def endpoints(self, ports: list[int], n: int) -> list[Endpoint]:
        return [
            Endpoint(f"ws://127.0.0.1:{p}/ws/", f"http://127.0.0.1:{p}")
            for p in (ports[i % len(ports)] for i in range(n))
        ]

    def sender(self, ports: list[int]) -> Sender:
        return StockSender(self.args.redis, self.prefix, self.payload, base=10**9)


class Bare(System):
    name = "bare websockets"

    def __init__(self, args, channel: str, payload: Callable[[int], str]):
        self.args, self.channel, self.payload = args, channel, payload

    def start(self, ports: list[int], logs: Path) -> list[Server]:
        return [
            start_server(
                "bare websockets",
                [
                    sys.executable,
                    str(BENCH / "_fanout_bare.py"),
                    "--port",
                    str(port),
                    "--redis",
                    self.args.redis,
                    "--channel",
                    self.channel,
                ],
                server_env({}),
                port,
                logs,
            )
            for port in ports
        ]

    def endpoints(self, ports: list[int], n: int) -> list[Endpoint]:
        return [
            Endpoint(f"ws://127.0.0.1:{p}/", f"http://127.0.0.1:{p}")
            for p in (ports[i % len(ports)] for i in range(n))
        ]

    def sender(self, ports: list[int]) -> Sender:
        return BareSender(self.args.redis, self.channel, self.payload, base=2 * 10**9)

    async def ready(self, board: Board) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.args.redis)
        try:
            for _ in range(100):
                numsub = dict(await client.pubsub_numsub(self.channel))
                if numsub.get(self.channel.encode(), 0) >= 2:
                    return
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()
        print("  warning: the bare servers did not both subscribe")


async def measure(system: System, args, logs: Path, stop: threading.Event) -> SystemResult:
    result = SystemResult(system.name)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{system.name} (load average {load}):", flush=True)
    ports = [free_port(), free_port()]
    servers = system.start(ports, logs)
    deflate = not args.no_deflate
    key = RE_MARKER if isinstance(system, Dealroom) else RE_ID
    board = Board(key)
    tasks: list[asyncio.Task] = []
    sender: Sender | None = None
    direct: ServicePoster | None = None
    seqs = itertools.count()
    try:
        for server in servers:
            await wait_listening(server)
        # Warm-up, so that the RSS before the clients holds the code paths' one-time costs
        # (imports, templates, connections, the hub's Redis subscription): two sockets of
        # each kind per process, and a message for each process.
        sender = system.sender(ports)
        warm = Board(key)
        warm_tasks = await connect_all(system.endpoints(ports, 4 * len(ports)), warm, deflate)
        if warm.errors:
            raise RuntimeError(f"a warm-up socket failed: {warm.errors[0]}")
        await settle(warm, servers, 1.0, 60.0)
        warmup = await asyncio.to_thread(
            send_phase, sender, warm, seqs, stop, rate=4, seconds=1.0, workers=1
        )
        if warmup.errors:
            raise RuntimeError(f"a warm-up send failed: {warmup.errors[0]}")
        await drain(warm, warmup.mids, args.quiet)
        await close_all(warm, warm_tasks)
        SYSTEM_SAMPLES.extend(warm.samples if isinstance(system, Dealroom) else [])
        await settle(warm, servers, 1.0, 60.0)
        before = [s.rss_kb() for s in servers]

        t = now()
        tasks = await connect_all(system.endpoints(ports, args.clients), board, deflate)
        result.connect_seconds = now() - t
        result.clients = board.clients
        if board.errors:
            result.notes.append(
                f"{len(board.errors)} clients failed to connect, e.g. {board.errors[0]}"
            )
        print(
            f"  {board.clients} clients connected in {result.connect_seconds:.1f} s",
            flush=True,
        )
        messages = board.messages
        result.settle_seconds = await settle(
            board, servers, args.quiet, args.settle_timeout, progress=True
        )
        if result.settle_seconds > args.settle_timeout:
            result.notes.append(
                f"not quiet after --settle-timeout {args.settle_timeout:g} s: measured anyway"
            )
        result.settle_messages = board.messages - messages
        print(
            f"  settled after {result.settle_seconds:.1f} s more ({result.settle_messages:,}"
            " messages meanwhile)",
            flush=True,
        )
        after = [s.rss_kb() for s in servers]
        per_server = [args.clients // 2 + args.clients % 2, args.clients // 2]
        kbs = [(a - b) / max(1, n) for a, b, n in zip(after, before, per_server, strict=True)]
        result.kb_per_connection = sum(kbs) / len(kbs)
        result.rss = [
            f":{s.port} {b / 1024:.0f} → {a / 1024:.0f} MB"
            for s, b, a in zip(servers, before, after, strict=True)
        ]
        await system.ready(board)
        if isinstance(sender, DealroomPoster):
            board.page_cursor = sender.page_cursor

        # Posts not counted, the clients' first (resume sent, cursors in step).
        warmup = await asyncio.to_thread(
            send_phase, sender, board, seqs, stop, rate=4, seconds=1.0, workers=1
        )
        if warmup.errors:
            raise RuntimeError(f"a warm-up send failed: {warmup.errors[0]}")
        await drain(board, warmup.mids, args.quiet)

        plan: list[tuple[str, Sender, float | None, float]] = [
            ("10/s", sender, 10.0, args.seconds),
            ("50/s", sender, 50.0, args.seconds),
            ("saturation", sender, None, args.saturation_seconds),
        ]
        direct = await asyncio.to_thread(system.service_sender, logs)
        helpers: list[Server] = []
        if direct is not None:
            helpers = direct.processes
            warmup = await asyncio.to_thread(
                send_phase, direct, board, seqs, stop, rate=4, seconds=1.0, workers=args.posters
            )
            if warmup.errors:
                raise RuntimeError(f"a warm-up send failed: {warmup.errors[0]}")
            await drain(board, warmup.mids, args.quiet)
            plan.append((SERVICES_PHASE, direct, None, args.saturation_seconds))
        for label, by, rate, seconds in plan:
            meter = CpuMeter(servers, helpers)
            messages = board.messages
            sent = await asyncio.to_thread(
                send_phase,
                by,
                board,
                seqs,
                stop,
                rate=rate,
                seconds=seconds,
                workers=args.posters,
                window=0 if rate else args.window,
            )
            await drain(board, sent.mids, args.quiet)
            cpu, mine = meter.read()
            phase = summarize(label, sent, board, cpu)
            phase.messages = board.messages - messages
            result.phases[label] = phase
            if rate is None and mine >= 90:
                result.client_bound = True
            asked = f" (asked {rate:.0f}/s)" if rate else ""
            print(
                f"  {label}: {phase.sent} sent at {phase.sent / max(phase.seconds, 1e-9):.1f}/s"
                f"{asked}; {phase.received:,}/{phase.expected:,} delivered; "
                f"p50 {phase.p50:.1f} ms, p99 {phase.p99:.1f} ms, max {phase.worst:.1f} ms; "
                f"{phase.per_second:,.0f} deliveries/s; send call p50 {phase.call_p50:.1f} ms"
                f" p99 {phase.call_p99:.1f} ms; CPU {cpu}",
                flush=True,
            )
            for error in phase.errors[:3]:
                print(f"    send failed: {error}")
            if phase.errors:
                result.notes.append(
                    f"{label}: {len(phase.errors)} sends failed, e.g. {phase.errors[0]}"
                )
            if stop.is_set():
                break
        if board.window_waits:
            result.notes.append(
                f"at saturation a sender waited 2 s for a free window slot "
                f"{board.window_waits} times"
            )
        if board.closed:
            codes = ", ".join(f"{int(c) if c else c}: {n}" for c, n in board.closed.items())
            result.notes.append(f"sockets lost mid-run, by close code: {codes}")
        if isinstance(system, Dealroom) and board.samples:
            result.notes.append(
                f"a delivered message is {len(max(board.samples, key=len)):,} characters"
            )
        return result
    except Exception:
        for server in servers:
            print(f"  {server.name} :{server.port} log tail:\n{server.tail()}")
        raise
    finally:
        board.stopping = True  # what the clients see from here on is the shutdown
        stop_servers(servers)
        await close_all(board, tasks)
        if sender is not None:
            await asyncio.to_thread(sender.close)  # its loops must not run inside this one
        if direct is not None:
            await asyncio.to_thread(direct.close)
        SYSTEM_SAMPLES.extend(board.samples if isinstance(system, Dealroom) else [])


SYSTEM_SAMPLES: list[str] = []  # Dealroom's delivered messages, the baselines' payload

# A stand-in payload when Dealroom is not measured (--systems without it): a comment op.
FALLBACK_SAMPLE = (
    '<template data-op="upsert" data-into="#thread-room"><article class="comment" '
    'id="comment-1" data-author="1" data-testid="comment"><span class="avatar avatar-sm '
    'bg-blue-lt" aria-hidden="true">ZM</span><div class="comment-main min-w-0"><div '
    'class="comment-head small"><strong>周敏 Zhou Min</strong> <time class="text-secondary" '
    'datetime="2026-01-01T10:00:00+08:00">1/1/2026 10:00</time></div><div class="comment-body '
    'text-break"><p>fanout 扇出 live fan-out check</p></div></div></article></template>'
) * 4


async def run_all(args, room: SeededRoom | None, logs: Path) -> list[SystemResult]:
    stop = threading.Event()
    pid = os.getpid()
    results: list[SystemResult] = []
    try:
        if room is not None:
            results.append(await measure(Dealroom(room, args, f"bench{pid}"), args, logs, stop))
        sample = max(SYSTEM_SAMPLES, key=len) if SYSTEM_SAMPLES else FALLBACK_SAMPLE
        payload = payload_of(sample)
        if "stock" in args.systems:
            stock = Stock(args, f"bench{pid}stock", payload)
            results.append(await measure(stock, args, logs, stop))
        if "bare" in args.systems:
            bare = Bare(args, f"bench{pid}:bare", payload)
            results.append(await measure(bare, args, logs, stop))
    finally:
        stop.set()
    return results


# -- report ----------------------------------------------------------------------------------


def _achieved(phase: PhaseResult) -> float:
    return phase.sent / max(phase.seconds, 1e-9)


def _reached(phase: PhaseResult, asked: float) -> bool:
    """Whether the sender kept the rate asked (within 10%)."""
    return _achieved(phase) >= 0.9 * asked


def _ms(phase: PhaseResult | None, asked: float) -> str:
    if phase is None or not phase.received:
        return "–"
    text = f"{phase.p50:.1f} / {phase.p99:.1f}"
    if not _reached(phase, asked):  # the sender could not keep the rate: say what it managed
        text += f" (at {_achieved(phase):.0f}/s)"
    return text


def report(results: list[SystemResult], args) -> None:
    header = [
        "",
        "10/s p50 / p99 ms",
        "50/s p50 / p99 ms",
        "deliveries/s (saturation)",
        "drops",
        "KB / connection",
    ]
    rows = []
    for r in results:
        phases = r.phases
        sat = phases.get("saturation")
        drops = sum(p.drops for p in phases.values())
        sat_drops = sat.drops if sat else 0
        rows.append(
            [
                r.name,
                _ms(phases.get("10/s"), 10),
                _ms(phases.get("50/s"), 50),
                (f"{sat.per_second:,.0f}" + (" (client-bound)" if r.client_bound else ""))
                if sat
                else "–",
                f"{drops:,}" + (f" ({sat_drops:,} at saturation)" if sat_drops else ""),
                f"{r.kb_per_connection:.0f}",
            ]
        )
        direct = phases.get(SERVICES_PHASE)
        if direct:
            rows.append(
                [f"{r.name}, posting through services", "", "", f"{direct.per_second:,.0f}", "", ""]
            )
    rows.append(
        [
            "target (Dealroom)",
            f"p99 ≤ {P99_AT_10_MS:.0f}",
            f"p99 ≤ {P99_AT_50_MS:.0f}",
            f"≥ {THROUGHPUT_RATIO:.0f}× stock",
            "0",
            f"≤ {KB_PER_CONNECTION:.0f}",
        ]
    )
    widths = [max(common._width(row[k]) for row in [header, *rows]) for k in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            c + " " * (widths[k] - common._width(c))
            if k == 0
            else " " * (widths[k] - common._width(c)) + c
            for k, c in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    print(
        f"\n{args.clients} clients over 2 processes; latency from the send call returning to "
        "the client holding the message (ms)"
    )
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))

    by_name = {r.name: r for r in results}
    dealroom, stock = by_name.get("Dealroom"), by_name.get("stock group_send")
    if dealroom is not None:
        ph = dealroom.phases
        checks = []
        # A latency at a rate counts only if the rate was kept: a p99 at 33 posts/s says
        # nothing of 50/s.
        for label, asked, limit in (("10/s", 10, P99_AT_10_MS), ("50/s", 50, P99_AT_50_MS)):
            if label in ph:
                kept = _reached(ph[label], asked)
                name = f"p99 at {label}" + ("" if kept else " (rate not reached)")
                checks.append((name, kept and ph[label].p99 <= limit))
        checks.append(("no drops", sum(p.drops for p in ph.values()) == 0))
        checks.append(("KB per connection", dealroom.kb_per_connection <= KB_PER_CONNECTION))
        base = stock.phases.get("saturation") if stock else None
        for label, how in (("saturation", "HTTP POSTs"), (SERVICES_PHASE, "services")):
            sat = ph.get(label)
            if sat and base and base.per_second > 0:
                ratio = sat.per_second / base.per_second
                print(
                    f"\nDealroom ({how}) / stock group_send throughput: "
                    f"{ratio:.{1 if ratio >= 1 else 3}f}× (target ≥ {THROUGHPUT_RATIO:.0f}×)"
                )
                checks.append((f"throughput ratio ({how})", ratio >= THROUGHPUT_RATIO))
        print("Dealroom against the targets: " + ", ".join(
            f"{label} {'ok' if good else 'OVER'}" for label, good in checks
        ))  # fmt: skip
    for r in results:
        print(
            f"\n{r.name}: connected {r.clients} in {r.connect_seconds:.1f} s, quiet after "
            f"{r.settle_seconds:.1f} s more ({r.settle_messages:,} messages); RSS "
            + ", ".join(r.rss)
        )
        for label, p in r.phases.items():
            early = f", {p.early:,} before the send returned" if p.early else ""
            print(
                f"  {label}: sent {p.sent} in {p.seconds:.1f} s, received {p.received:,} of "
                f"{p.expected:,}{early} in {p.messages:,} messages; max {p.worst:.1f} ms; "
                f"send call p50 {p.call_p50:.1f} / p99 {p.call_p99:.1f} ms; CPU {p.cpu}"
            )
        for note in r.notes:
            print(f"  note: {note}")
    print(
        "\n(CPU in % of one core; 'clients' is this process: every client socket and the "
        "posters. A saturation figure marked client-bound is a lower bound.)"
    )


# -- cleanup ---------------------------------------------------------------------------------


def clean_redis(url: str, pid: int) -> int:
    """Delete the keys this run made: the cache's and channel layers' under bench<pid>."""
    import redis

    mine = re.compile(rf"^bench{pid}(?:stock)?(?::|specific\.)".encode())
    client = redis.Redis.from_url(url)
    try:
        keys = [k for k in client.scan_iter(match=f"bench{pid}*", count=1000) if mine.match(k)]
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def raise_open_files(clients: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = clients * 2 + 1024  # sockets here, and each server inherits the limit
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500, help="sockets, over 2 processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="each of the 10/s and 50/s")
    parser.add_argument(
        "--saturation-seconds",
        type=float,
        default=10.0,
        help="each saturation phase (short ones are noisy)",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=16,
        help="at saturation: messages sent but not yet held by every client, at most",
    )
    parser.add_argument("--posters", type=int, default=4, help="sending threads")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--systems",
        default="dealroom,stock,bare",
        help="which of dealroom, stock, bare to measure (comma-separated)",
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=2.0,
        help="seconds without a message that end waiting for deliveries",
    )
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=1800.0,
        help="longest wait for the servers to go quiet after the clients connected",
    )
    parser.add_argument(
        "--no-deflate", action="store_true", help="clients do not offer permessage-deflate"
    )
    args = parser.parse_args(argv)
    args.systems = {s.strip() for s in args.systems.split(",") if s.strip()}
    args.reuse = None  # common.configure's option: always a fresh database here
    if args.clients < 2:
        parser.error("--clients must be at least 2")

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    signal.signal(signal.SIGTERM, _interrupt)
    raise_open_files(args.clients)
    pid = os.getpid()
    os.environ["REDIS_URL"] = args.redis
    os.environ["REDIS_PREFIX"] = f"bench{pid}"
    os.environ.pop("PYTEST_XDIST_WORKER", None)
    logs = Path(tempfile.mkdtemp(prefix="dealroom-fanout-"))
    target = None
    try:
        room = None
        if "dealroom" in args.systems:
            target = common.configure(args)
            common.migrate(target)
            from django.db import connections

            t = now()
            sellers = args.clients // 2
            # The warm-up opens 4 sockets of each kind whatever --clients says.
            room = seed(max(4, sellers), max(4, args.clients - sellers))
            if connections["default"].vendor == "postgresql":
                with connections["default"].cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a load
            connections.close_all()
            print(
                f"seeded a room with {sellers} seller and {args.clients - sellers} guest "
                f"sessions in {now() - t:.1f} s"
            )
        print(f"load average before measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"this machine: {python_loop_ms():.0f} ms for 5M Python additions", flush=True)
        try:
            import uvloop

            results = uvloop.run(run_all(args, room, logs))
        except ImportError:
            results = asyncio.run(run_all(args, room, logs))
        report(results, args)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_servers(SERVERS)
        with contextlib.suppress(Exception):
            removed = clean_redis(args.redis, pid)
            print(f"removed {removed} Redis keys (bench{pid}*)")
        if target is not None:
            common.teardown(target, keep=False)
        shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
