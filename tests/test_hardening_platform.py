"""Hardening of the platform: client addresses behind proxies, the WebSocket Origin check,
answers kept out of caches, deploy checks, the server's headers, e-mail logins in any case,
and PDFs that would run something served as downloads."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from dealroom.rooms import uploads
from dealroom.rooms.models import RoomFile
from dealroom.rooms.views.files import file_response
from dealroom.workspaces.models import LoginFailure, User
from tests.conftest import PASSWORD
from tests.test_event_path import connect

ROOT = Path(__file__).resolve().parents[1]


# -- `dealroom serve`, in a thread of this process -------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(monkeypatch):
    """Starts uvicorn with exactly the options `dealroom serve` gives it (read from the
    settings when called), in a thread of this process, so it answers from the test
    database. Returns the server's base URL."""
    import uvicorn

    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start() -> str:
        calls.clear()
        call_command("serve", "--host", "127.0.0.1", "--port", str(_free_port()))
        [(app, kwargs)] = calls
        server = uvicorn.Server(uvicorn.Config(app, **kwargs))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        running.append((server, thread))
        return f"http://127.0.0.1:{kwargs['port']}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


def _opener():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _failed_logins(base: str, forwarded_for: list[str]) -> list[int]:
    """A wrong password for a fresh e-mail each time (only the per-IP count can lock), each
    attempt claiming to come from the given X-Forwarded-For; the answers' statuses."""
    browser = _opener()
    page = browser.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]  # type: ignore[index]
    statuses = []
    for n, address in enumerate(forwarded_for):
        body = urlencode(
            {"csrfmiddlewaretoken": token, "username": f"spray{n}@x.test", "password": "bad"}
        )
        request = urllib.request.Request(
            base + "/accounts/login/", data=body.encode(), headers={"X-Forwarded-For": address}
        )
        try:
            statuses.append(browser.open(request).status)
        except urllib.error.HTTPError as answer:
            statuses.append(answer.code)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_a_forged_forwarded_for_does_not_dodge_the_login_throttle(served, settings):
    """No trusted proxy (the default): X-Forwarded-For is the client's own claim. uvicorn's
    default trusted it from 127.0.0.1, so each attempt from this box counted for another
    address and the per-IP lock never came."""
    settings.LOGIN_FAILURE_LIMIT = 3
    base = served()
    statuses = _failed_logins(base, [f"203.0.113.{n}" for n in range(4)])
    assert statuses == [400, 400, 400, 429]
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"127.0.0.1"}


@pytest.mark.django_db(transaction=True)
def test_a_trusted_proxy_names_the_client(served, settings):
    """From an address in FORWARDED_ALLOW_IPS the header names the client: the throttle
    counts per client behind the proxy, not for the proxy as a whole."""
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    base = served()
    statuses = _failed_logins(base, ["198.51.100.7"] * 4 + ["198.51.100.8"])
    assert statuses == [400, 400, 400, 429, 400]
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {
        "198.51.100.7",
        "198.51.100.8",
    }


@pytest.mark.django_db(transaction=True)
def test_the_server_does_not_name_itself(served):
    with urllib.request.urlopen(served() + "/healthz") as answer:
        assert answer.status == 200
        assert answer.headers["Server"] is None
        assert answer.headers["Date"]  # HTTP/1.1 asks origin servers for it


# -- the WebSocket Origin check --------------------------------------------------------------


async def _opens(user, *, origin: str | None, host: str = "127.0.0.1:8000", scheme="ws"):
    comm = await connect(user, "alpha")
    headers = [(k, v) for k, v in comm.scope["headers"] if k not in (b"origin", b"host")]
    headers.append((b"host", host.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    comm.scope["headers"] = headers
    comm.scope["scheme"] = scheme
    connected, _code = await comm.connect()
    await comm.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
async def test_socket_origin_must_be_exactly_an_allowed_origin(settings):
    """Scheme, host and port are compared, default ports normalised. The ALLOWED_HOSTS check
    (Channels' AllowedHostsOriginValidator) let any port of an allowed host in, and a host
    name that only starts like ours."""
    from tests.conftest import World

    settings.SITE_URL = "http://127.0.0.1:8000"
    world = await sync_to_async(World)()
    rep = world.user("alpha", "rep")
    assert await _opens(rep, origin="http://127.0.0.1:8000")
    refused = [
        "http://127.0.0.1:8124",  # another port: another origin (another local app)
        "http://127.0.0.1:8000.evil.example",
        "http://127.0.0.1.evil.example:8000",
        "https://127.0.0.1:8000",  # another scheme
        "http://localhost:8000",  # allowed host, but not this page's origin
        "null",
        "http://user@127.0.0.1:8000",
        "http://127.0.0.1:8000/path",
        "",
    ]
    for origin in refused:
        assert not await _opens(rep, origin=origin), origin
    assert not await _opens(rep, origin=None)


@pytest.mark.django_db(transaction=True)
async def test_socket_origins_allowed_by_settings(settings):
    """The page's own origin (its Host, when ALLOWED_HOSTS has it), SITE_URL and
    CSRF_TRUSTED_ORIGINS; default ports are the same origin with or without them."""
    from tests.conftest import World

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "crm.example.com"]
    settings.SITE_URL = "https://crm.example.com"
    settings.CSRF_TRUSTED_ORIGINS = ["https://sales.example.com:8443"]
    world = await sync_to_async(World)()
    rep = world.user("alpha", "rep")
    # A page served on another port of an allowed host (a local proxy, `localhost`).
    assert await _opens(rep, origin="http://localhost:9001", host="localhost:9001")
    # Behind a TLS proxy that does not say so: the socket arrives as ws, SITE_URL is https.
    assert await _opens(rep, origin="https://crm.example.com", host="crm.example.com")
    assert await _opens(rep, origin="https://crm.example.com:443", host="crm.example.com")
    assert await _opens(rep, origin="https://crm.example.com", host="crm.example.com", scheme="wss")
    assert await _opens(rep, origin="https://sales.example.com:8443", host="crm.example.com")
    assert not await _opens(rep, origin="https://sales.example.com", host="crm.example.com")
    assert not await _opens(rep, origin="http://crm.example.com", host="crm.example.com:8000")
    # A host we do not serve naming itself (DNS rebinding) is not our own origin.
    assert not await _opens(rep, origin="http://evil.example:8000", host="evil.example:8000")


# -- answers no cache keeps ------------------------------------------------------------------


def test_api_answers_are_not_stored(world, client):
    client.force_login(world.user("alpha", "rep"))
    for path in ("/api/me", "/api/w/alpha/members", "/api/w/beta/members", "/api/nothing"):
        answer = client.get(path)
        assert "no-store" in answer["Cache-Control"], (path, answer.status_code)


def test_exports_are_not_stored(world, client):
    client.force_login(world.user("alpha", "rep"))
    answer = client.get(reverse("account_export", args=["alpha"]))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert "no-store" in answer["Cache-Control"]
    page = client.get(reverse("account_list", args=["alpha"]))
    assert "no-store" not in page.get("Cache-Control", "")  # pages keep Django's defaults


# -- production settings ---------------------------------------------------------------------


def test_deploy_checks_pass_with_production_settings(tmp_path):
    """`dealroom check --deploy` with what a production install sets: no warning (HSTS and
    the https redirect come with SECURE_COOKIES)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEALROOM_DATA_DIR=str(tmp_path),
        SECRET_KEY="k" * 20 + "-production-secret-key-with-plenty-of-characters",
        SECURE_COOKIES="1",
        DEBUG="0",
        ALLOWED_HOSTS="crm.example.com",
        SITE_URL="https://crm.example.com",
        EMAIL_HOST="smtp.example.com",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "dealroom.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_https_settings_follow_secure_cookies(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEALROOM_DATA_DIR=str(tmp_path))
    outputs = []
    for secure in ("1", "0"):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={**env, "SECURE_COOKIES": secure},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        outputs.append(done.stdout.strip())
    assert outputs == ["31536000 True ['^healthz$']", "0 False ['^healthz$']"]


# -- e-mail logins ---------------------------------------------------------------------------


def test_login_email_in_any_case(world, client):
    user = world.user("alpha", "admin")
    answer = client.post("/accounts/login/", {"username": "Admin@Alpha.TEST", "password": PASSWORD})
    assert answer.status_code == 302
    assert client.get("/api/me").json()["email"] == user.email == "admin@alpha.test"


def test_emails_are_stored_in_lower_case_and_unique_in_any_case(world):
    new = User(email="New.Person@Example.TEST", full_name="New")
    new.set_password(PASSWORD)
    new.full_clean()  # what the admin's forms run
    assert new.email == "new.person@example.test"
    twin = User(email="REP@alpha.test", full_name="Twin", password="x")
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "email" in refused.value.message_dict


# -- PDFs that would run something -----------------------------------------------------------


def _pdf(*objects: bytes) -> bytes:
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, o) for n, o in enumerate(objects, 1))
    return b"%PDF-1.7\n" + body + b"trailer\n<</Root 1 0 R>>\n%%EOF\n"


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def _object_stream(objects: dict[int, bytes]) -> bytes:
    """Objects kept compressed in an object stream, as pdfTeX and Acrobat write them."""
    offsets, data = [], b""
    for number, value in objects.items():
        offsets.append(b"%d %d" % (number, len(data)))
        data += value + b"\n"
    header = b" ".join(offsets) + b"\n"
    dictionary = b"/Type/ObjStm/N %d/First %d/Filter/FlateDecode" % (len(objects), len(header))
    return _stream(dictionary, zlib.compress(header + data))


PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>"
CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PLAIN = _pdf(CATALOG, PAGES, PAGE)


def _catalog(more: bytes) -> bytes:
    return CATALOG[:-2] + more + b">>"


def _compressed(dictionary: bytes, objects: bytes) -> bytes:
    return _stream(b"/Type/ObjStm/N 1/First 4" + dictionary, objects)


WITHOUT_ACTIONS = {
    "plain": PLAIN,
    # Opening at a page is a destination, not an action.
    "destination": _pdf(_catalog(b"/OpenAction [3 0 R /Fit]"), PAGES, PAGE),
    # Names that only start like the active ones: macOS metadata, JSON, JBIG2 images.
    "look-alikes": _pdf(_catalog(b"/AAPL:Keywords[(x)]/JSON 1/JBIG2Globals 1"), PAGES),
    # Bytes of a compressed page or image that happen to read "/JS " are not a name.
    "stream bytes": _pdf(CATALOG, PAGES, _stream(b"/Filter/FlateDecode", b"\x01/JS /AA ")),
    "compressed objects": _pdf(
        CATALOG, _compressed(b"/Filter/FlateDecode", zlib.compress(b"2 0 " + PAGES))
    ),
    # pdfTeX (hyperref): the catalog compressed, opening with a GoTo to the first page.
    "goto": _pdf(
        _catalog(b"/OpenAction [3 0 R /XYZ null null null]"),
        PAGES,
        PAGE,
        _object_stream(
            {
                10: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 11 0 R >>",
                11: b"<< /S /GoTo /D [3 0 R /Fit] >>",
            }
        ),
    ),
}

WITH_ACTIONS = {
    "script on opening": _pdf(
        _catalog(b"/OpenAction 4 0 R"), PAGES, PAGE, b"<</S/JavaScript/JS(app.alert(1))>>"
    ),
    "launch on opening": _pdf(_catalog(b"/OpenAction<</S/Launch/F(calc.exe)>>"), PAGES, PAGE),
    "web page on opening": _pdf(
        _catalog(b"/OpenAction 4 0 R"), PAGES, PAGE, b"<</S/URI/URI(http://x.test)>>"
    ),
    "page event": _pdf(CATALOG, PAGES, b"<</Type/Page/Parent 2 0 R/AA<</O 4 0 R>>>>"),
    "document script": _pdf(_catalog(b"/Names<</JavaScript 4 0 R>>"), PAGES),
    "escaped names": _pdf(_catalog(b"/Open#41ction<</S/J#61vaScript/J#53 5 0 R>>"), PAGES),
    # Hidden in a compressed object stream, its own names escaped too.
    "compressed script": _pdf(
        CATALOG,
        _stream(
            b"/Type/Obj#53tm/N 1/First 4/Filter/FlateDecode",
            zlib.compress(b"2 0 <</S/JavaScript/JS(x)>>"),
        ),
    ),
    "compressed launch": _pdf(
        CATALOG,
        PAGES,
        _object_stream(
            {
                10: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 11 0 R >>",
                11: b"<< /S /Launch /F (calc.exe) >>",
            }
        ),
    ),
    "goto, then more": _pdf(
        _catalog(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next 4 0 R>>"),
        PAGES,
        PAGE,
        b"<</S/Launch/F(x)>>",
    ),
    "opening points at nothing": _pdf(_catalog(b"/OpenAction 9 0 R"), PAGES, PAGE),
    # An update redefines the opening action: every definition must be harmless.
    "redefined": _pdf(_catalog(b"/OpenAction 4 0 R"), PAGES, PAGE, b"<</S/GoTo/D[3 0 R/Fit]>>")
    + b"4 0 obj\n<</S/SubmitForm/F(http://x.test)>>\nendobj\n",
    # An object stream we cannot read (another filter, damaged, encrypted): cannot tell.
    "unreadable objects": _pdf(CATALOG, _compressed(b"/Filter/ASCIIHexDecode", b"2F4A53")),
    # Objects put where a stream's bytes would be, to be skipped with them.
    "objects posing as a stream": PLAIN[:-6]
    + b"% stream\n5 0 obj\n<</S/JavaScript/JS(x)>>\nendobj\n% endstream\n%%EOF\n",
}


@pytest.mark.parametrize("content", WITHOUT_ACTIONS.values(), ids=WITHOUT_ACTIONS.keys())
def test_pdfs_without_actions(content):
    assert not uploads.pdf_has_actions(content)


@pytest.mark.parametrize("content", WITH_ACTIONS.values(), ids=WITH_ACTIONS.keys())
def test_pdfs_with_actions(content):
    assert uploads.pdf_has_actions(content)


def test_a_pdf_with_actions_is_served_as_a_download(db, settings, tmp_path):
    """Stored as a document: a download whatever the link asks (`?inline=1`), no viewer."""
    from django.core.files.storage import default_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    dispositions = []
    for content in (PLAIN, WITH_ACTIONS["script on opening"]):
        checked = uploads.check_upload(SimpleUploadedFile("offer.pdf", content), max_bytes=10**6)
        name = default_storage.save(checked.storage_name("t"), SimpleUploadedFile("x", content))
        file = RoomFile(
            storage_name=name,
            original_name=checked.original_name,
            content_type=checked.content_type,
            kind=checked.kind,
            size=checked.size,
        )
        request = RequestFactory().get("/", {"inline": "1", "preview": "1"})
        answer = file_response(request, None, file)
        assert answer["Content-Type"] == "application/pdf"
        dispositions.append(answer["Content-Disposition"].split(";")[0])
        answer.close()
    assert dispositions == ["inline", "attachment"]
