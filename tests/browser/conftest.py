"""Browser tests: the real ASGI server (`dealroom serve`) in a subprocess, driven by chromium.

The server gets its own data dir, its own throwaway PostgreSQL database when DATABASE_URL is
set (CI), its own Redis prefix when REDIS_URL is set, and the console e-mail backend: mails
are printed to its stdout, which goes to a log file the tests read (invitation links).
Nothing here uses the pytest-django database.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 60  # seconds for /healthz to answer 200


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} "
            "(apt-get install -y chromium); it is missing"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- the server ------------------------------------------------------------------------------

# The console e-mail backend writes each message, then a line of 79 dashes.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"
MAIL_START = re.compile(r"^(?:Content-Type|MIME-Version|Subject|From|To|Date|Message-ID): ", re.M)


@dataclass
class DealroomServer:
    base_url: str
    port: int
    log_path: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log_path, lines)

    def sent_mails(self) -> list[email.message.EmailMessage]:
        """Every e-mail the server printed so far (log lines before a mail are skipped)."""
        mails = []
        for chunk in self.log_text().split(MAIL_SEPARATOR):
            start = MAIL_START.search(chunk)
            if start is None:
                continue
            msg = email.message_from_string(chunk[start.start() :], policy=email.policy.default)
            if msg.get("To"):
                mails.append(msg)
        return mails

    def invitation_link(self, address: str, timeout: float = 10) -> str:
        """The invitation link of the latest mail sent to `address` (waits for it)."""
        pattern = re.compile(re.escape(self.base_url) + r"/invite/[A-Za-z0-9_\-]+/")
        deadline = time.monotonic() + timeout
        while True:
            links = []
            for msg in self.sent_mails():
                if address.lower() not in str(msg["To"]).lower():
                    continue
                body = msg.get_body(preferencelist=("plain",))
                links += pattern.findall(body.get_content() if body is not None else "")
            if links:
                return links[-1]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no invitation e-mail to {address} in the server's output after {timeout}s; "
                    f"last lines:\n{self.log_tail()}"
                )
            time.sleep(0.1)


@contextlib.contextmanager
def _server_database(env: dict[str, str]) -> Iterator[None]:
    """PostgreSQL in DATABASE_URL: a throwaway database on the same server, dropped after.
    Any other DATABASE_URL is removed, so the server uses SQLite in its fresh data dir."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        env.pop("DATABASE_URL", None)
        yield
        return
    import psycopg
    from psycopg import sql

    name = f"dealroom_browser_{secrets.token_hex(6)}"
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    try:
        yield
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def _server_redis_prefix(env: dict[str, str]) -> Iterator[None]:
    """Redis in REDIS_URL: keep it, with a prefix of our own; its keys are removed after."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        yield
        return
    prefix = f"dealroom-browser-{secrets.token_hex(6)}"
    env["REDIS_PREFIX"] = prefix
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # best effort: keys expire anyway
            import redis

            client = redis.Redis.from_url(url)
            for key in client.scan_iter(match=f"{prefix}*", count=500):
                client.delete(key)
            client.close()


def _dealroom_command() -> list[str]:
    script = Path(sys.executable).with_name("dealroom")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dealroom.cli"]


@pytest.fixture(scope="session")
def dealroom_server(tmp_path_factory) -> Iterator[DealroomServer]:
    """`dealroom migrate` + `dealroom demo`, then `dealroom serve` on a free port."""
    _require_chromium()
    base = tmp_path_factory.mktemp("dealroom-browser")
    port = _free_port()
    server = DealroomServer(
        base_url=f"http://127.0.0.1:{port}", port=port, log_path=base / "server.log"
    )
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEALROOM_DATA_DIR=str(base / "data"),
        SITE_URL=server.base_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        SECURE_COOKIES="0",  # plain http here
        HOST="127.0.0.1",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    cmd = _dealroom_command()
    with _server_database(env), _server_redis_prefix(env):
        setup_log = base / "setup.log"
        with setup_log.open("w") as out:
            for args in (["migrate", "--noinput"], ["demo"]):
                started = time.monotonic()
                done = subprocess.run(
                    [*cmd, *args],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=300,
                    check=False,
                )
                took = time.monotonic() - started
                out.write(f"\n== {' '.join(args)}: rc={done.returncode} in {took:.1f}s ==\n")
                out.flush()
                if done.returncode != 0:
                    pytest.fail(f"dealroom {' '.join(args)} failed:\n{_tail(setup_log)}")
        with server.log_path.open("w") as out:
            server.proc = subprocess.Popen(  # noqa: S603
                [*cmd, "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_healthy(server)
            yield server
        finally:
            server.proc.terminate()
            try:
                server.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.proc.kill()
                server.proc.wait(timeout=15)


def _wait_healthy(server: DealroomServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        assert server.proc is not None
        if server.proc.poll() is not None:
            pytest.fail(
                f"dealroom serve exited with {server.proc.returncode}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            last = repr(e)
        time.sleep(0.2)
    pytest.fail(f"/healthz did not answer 200 in {STARTUP_TIMEOUT}s ({last}):\n{server.log_tail()}")


# -- the browser -----------------------------------------------------------------------------


@dataclass
class ConsoleEntry:
    page_url: str
    type: str
    text: str

    def __str__(self) -> str:
        return f"[{self.type}] {self.page_url}: {self.text}"


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    pw = sync_api.sync_playwright().start()
    try:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="session")
def console_messages() -> list[ConsoleEntry]:
    """Console messages and uncaught errors of every page any browser test opened."""
    return []


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_context(request, browser, dealroom_server, console_messages, tmp_path_factory):
    """Factory for browser contexts (separate cookie jars: separate people). Every page they
    open reports its console to `console_messages`; on failure, screenshots are kept."""
    contexts = []

    def watch(page) -> None:
        page.on(
            "console",
            lambda msg: console_messages.append(ConsoleEntry(page.url, msg.type, msg.text)),
        )
        page.on(
            "pageerror",
            lambda exc: console_messages.append(ConsoleEntry(page.url, "pageerror", str(exc))),
        )

    def make(base_url: str | None = None, **kwargs):
        kwargs.setdefault("locale", "en-US")
        context = browser.new_context(base_url=base_url or dealroom_server.base_url, **kwargs)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        context.on("page", watch)
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shots = tmp_path_factory.mktemp("screenshots")
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(shots / f"context{i}-page{j}.png"), full_page=True)
        request.node.add_report_section(
            "call", "browser", f"screenshots: {shots}\nserver log:\n{dealroom_server.log_tail()}"
        )
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


# -- a network that can drop -----------------------------------------------------------------


class FlakyProxy:
    """A TCP proxy in front of the server. cut() drops every connection the way a network
    does (no WebSocket close frame: the browser sees 1006, an abnormal closure) and holds new
    connections until restore(), so a page can be kept offline for as long as a test needs."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._online = threading.Event()
        self._online.set()
        self._stopped = False
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._online.clear()
            for pair in self._pairs:
                for s in pair:
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self._online.set()

    def close(self) -> None:
        self._stopped = True
        with contextlib.suppress(OSError):
            self.listener.close()
        self.cut()
        self._online.set()

    def _accept_loop(self) -> None:
        while not self._stopped:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        while True:
            self._online.wait()
            if self._stopped:
                client.close()
                return
            with self._lock:
                if not self._online.is_set():
                    continue  # cut again while we waited: hold on
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    return
                pair = (client, upstream)
                self._pairs.add(pair)
                break
        other = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        other.start()
        self._pump(client, upstream)
        other.join()
        with self._lock:
            self._pairs.discard(pair)
        client.close()
        upstream.close()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def flaky_proxy(dealroom_server) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(dealroom_server.port)
    yield proxy
    proxy.close()
