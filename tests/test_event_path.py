"""The one event path: record() writes in the service's transaction; only a committed change
reaches live sockets; each socket sees only what its own actor may see."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from config.asgi import application
from dealroom.activity.models import ActivityEvent, Notification
from dealroom.activity.services import record
from dealroom.workspaces import services

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def connect(user, slug: str) -> WebsocketCommunicator:
    from channels.auth import AuthMiddlewareStack  # noqa: F401  (socket auth uses the session)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    def make_session():
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return s.session_key

    key = await sync_to_async(make_session)()
    headers = [ORIGIN, (b"cookie", f"sessionid={key}".encode()), (b"host", b"127.0.0.1:8000")]
    comm = WebsocketCommunicator(application, f"/ws/w/{slug}/", headers=headers)
    return comm


async def announce(comm, after: int = 10**9, has=("#activity-feed",)) -> None:
    """What app.js sends on open: the last event seen and the live targets the page has."""
    await comm.send_to(text_data=json.dumps({"type": "resume", "after": after, "has": list(has)}))


def test_record_writes_event_and_notifications(world):
    admin = world.actor("alpha", "admin")
    rep = world.user("alpha", "rep")
    event = record(
        actor=admin, verb="team.created", data={"name": "X"}, notify=[rep.pk, admin.user_id]
    )
    assert event.workspace_id == world.a.pk
    assert event.data["actor_name"] == admin.user.full_name
    # the actor is never notified of their own action
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [rep.pk]


def test_rolled_back_service_publishes_nothing(world, monkeypatch):
    published = []
    monkeypatch.setattr(
        "dealroom.realtime.publish.event_happened", lambda **kw: published.append(kw)
    )
    admin = world.actor("alpha", "admin")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.team_create(actor=admin, name="Doomed")
        raise RuntimeError("boom")
    assert not ActivityEvent.objects.filter(verb="team.created").exists()
    assert published == []


def test_a_room_event_goes_to_both_its_groups_in_one_round_trip(settings, monkeypatch):
    """A room's event goes to the workspace's pages (bell, feed) and the room's: two PUBLISHes
    sent together, not two waits for Redis in the request that made the change."""
    from dealroom.realtime import hub, publish

    class Pipe:
        def __init__(self, sent):
            self.sent, self.queued = sent, []

        def publish(self, channel, data):
            self.queued.append((channel, json.loads(data)))

        def execute(self):
            self.sent.append(self.queued)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class FakeRedis:
        def __init__(self):
            self.round_trips: list[list] = []

        def pipeline(self, transaction=True):
            assert transaction is False  # PUBLISH needs no MULTI/EXEC
            return Pipe(self.round_trips)

        def publish(self, channel, data):  # one command, one round trip
            self.round_trips.append([(channel, json.loads(data))])

    fake = FakeRedis()
    settings.REDIS_URL = "redis://fake"
    monkeypatch.setattr(hub, "_sync_redis", lambda: fake)
    publish.event_happened(workspace_id=3, event_id=41, target_type="rooms.room", target_id=9)
    prefix = settings.REDIS_PREFIX
    message = {"type": "activity.event", "event_id": 41}
    assert fake.round_trips == [
        [(f"{prefix}:hub:workspace-3", message), (f"{prefix}:hub:target-rooms.room-9", message)]
    ]


@pytest.mark.django_db(transaction=True)
def test_committed_service_publishes_after_commit(monkeypatch):
    from tests.conftest import World

    world = World()
    published = []
    monkeypatch.setattr(
        "dealroom.realtime.publish.event_happened", lambda **kw: published.append(kw)
    )
    admin = world.actor("alpha", "admin")
    with transaction.atomic():
        team = services.team_create(actor=admin, name="Kept")
        assert published == []  # not before commit
    event = ActivityEvent.objects.get(verb="team.created", target_id=team.pk)
    assert published == [
        {
            "workspace_id": world.a.pk,
            "event_id": event.pk,
            "target_type": "workspaces.team",
            "target_id": team.pk,
        }
    ]


@pytest.mark.django_db(transaction=True)
async def test_committed_event_reaches_connected_socket_and_rollback_does_not():
    from tests.conftest import World

    world = await sync_to_async(World)()
    admin = world.actor("alpha", "admin")
    rep_user = world.user("alpha", "rep")
    comm = await connect(rep_user, "alpha")
    connected, _ = await comm.connect()
    assert connected
    await announce(comm)

    def rolled_back():
        try:
            with transaction.atomic():
                services.team_create(actor=admin, name="Never")
                raise RuntimeError
        except RuntimeError:
            pass

    await sync_to_async(rolled_back)()
    assert await comm.receive_nothing(timeout=0.3)

    rep_membership = world.member("alpha", "rep")
    await sync_to_async(services.member_role_change)(
        actor=admin, membership_id=rep_membership.pk, role="manager"
    )
    html = await comm.receive_from(timeout=3)
    assert 'data-verb="member.role_changed"' in html
    assert 'id="bell-count"' in html and 'data-unread="1"' in html  # the rep was notified
    assert "live-toast" in html
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_socket_only_sends_what_its_actor_may_see():
    """member.invited is for admins and managers; a rep's socket must not receive it."""
    from tests.conftest import World

    world = await sync_to_async(World)()
    admin = world.actor("alpha", "admin")
    rep = await connect(world.user("alpha", "rep"), "alpha")
    manager = await connect(world.user("alpha", "manager"), "alpha")
    other_ws = await connect(world.user("beta", "admin"), "beta")
    for comm in (rep, manager, other_ws):
        assert (await comm.connect())[0]
        await announce(comm)

    await sync_to_async(services.member_invite)(
        actor=admin, email="new@person.test", role="rep", send_email=False
    )
    html = await manager.receive_from(timeout=3)
    assert "new@person.test" in html
    assert await rep.receive_nothing(timeout=0.3)
    assert await other_ws.receive_nothing(timeout=0.3)
    for comm in (rep, manager, other_ws):
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_socket_refuses_non_members_and_foreign_origin():
    from tests.conftest import World

    world = await sync_to_async(World)()
    stranger = await connect(world.user("beta", "admin"), "alpha")
    connected, code = await stranger.connect()
    assert not connected and code == 4404

    comm = await connect(world.user("alpha", "rep"), "alpha")
    comm.scope["headers"] = [
        h if h[0] != b"origin" else (b"origin", b"https://evil.example")
        for h in comm.scope["headers"]
    ]
    connected, _code = await comm.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_reconnecting_socket_gets_missed_events():
    from tests.conftest import World

    world = await sync_to_async(World)()
    admin = world.actor("alpha", "admin")
    first = await sync_to_async(services.team_create)(actor=admin, name="Seen")
    cursor = await sync_to_async(
        lambda: ActivityEvent.objects.get(verb="team.created", target_id=first.pk).pk
    )()
    # these happen while the page's socket is down
    await sync_to_async(services.team_create)(actor=admin, name="Missed one")
    await sync_to_async(services.team_create)(actor=admin, name="Missed two")

    comm = await connect(world.user("alpha", "rep"), "alpha")
    assert (await comm.connect())[0]
    await announce(comm, after=cursor)
    html = await comm.receive_from(timeout=3)
    assert "Missed one" in html and "Missed two" in html and "Seen" not in html
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_deactivated_member_socket_is_closed():
    from tests.conftest import World

    world = await sync_to_async(World)()
    admin = world.actor("alpha", "admin")
    rep = world.member("alpha", "rep")
    comm = await connect(rep.user, "alpha")
    assert (await comm.connect())[0]
    await sync_to_async(services.member_deactivate)(actor=admin, membership_id=rep.pk)
    output = await comm.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    await asyncio.sleep(0)


@pytest.mark.django_db(transaction=True)
async def test_socket_sends_only_swaps_the_page_can_place():
    """A page without a feed gets the bell but no feed items (no orphan swaps)."""
    from tests.conftest import World

    world = await sync_to_async(World)()
    admin = world.actor("alpha", "admin")
    rep = world.member("alpha", "rep")
    comm = await connect(rep.user, "alpha")
    assert (await comm.connect())[0]
    await announce(comm, has=())
    await sync_to_async(services.member_role_change)(
        actor=admin, membership_id=rep.pk, role="manager"
    )
    html = await comm.receive_from(timeout=3)
    assert 'id="bell-count"' in html and "live-toast" in html
    assert "#activity-feed" not in html
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_sockets_session_is_read_and_its_sends_go_straight_out():
    """Sockets get the session their cookie names (an unknown cookie: an empty one, no user)
    and send through the server's own `send`: no session-saving wrapper on every frame."""
    from dealroom.realtime.middleware import SocketAuthStack
    from tests.conftest import World

    world = await sync_to_async(World)()
    user = world.user("alpha", "rep")
    comm = await connect(user, "alpha")
    cookie = dict(comm.scope["headers"])[b"cookie"].decode()
    seen: dict = {}

    async def inner(scope, receive, send):
        seen["user_id"] = scope["user"].pk if scope["user"].is_authenticated else None
        seen["send"] = send

    async def server_send(message):
        return None

    for header, expected in ((cookie, user.pk), ("sessionid=nope", None)):
        scope = {"type": "websocket", "headers": [(b"cookie", header.encode())]}
        await SocketAuthStack(inner)(scope, None, server_send)
        assert seen["user_id"] == expected
        assert seen["send"] is server_send
