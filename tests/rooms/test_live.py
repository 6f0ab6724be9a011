"""The room socket: every open view gets each change as operations rendered for its own
reader; a guest's socket never receives internal content; a reconnecting page gets what it
missed; revoking a guest closes their socket; presence; the Origin check."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from dealroom.activity.models import ActivityEvent
from dealroom.rooms import services
from dealroom.rooms.models import RoomInvitation, RoomMember, RoomSettings
from dealroom.rooms.services.common import latest_event_id
from tests.test_event_path import ORIGIN, connect


async def guest_socket(workspace_id: int, session_id: int, path: str) -> WebsocketCommunicator:
    from django.contrib.sessions.backends.db import SessionStore

    def make_session():
        s = SessionStore()
        s["guest_sessions"] = {str(workspace_id): session_id}
        s.create()
        return s.session_key

    key = await sync_to_async(make_session)()
    headers = [ORIGIN, (b"cookie", f"sessionid={key}".encode()), (b"host", b"127.0.0.1:8000")]
    return WebsocketCommunicator(application, path, headers=headers)


async def member_socket(user, path: str) -> WebsocketCommunicator:
    comm = await connect(user, "alpha")
    return WebsocketCommunicator(application, path, headers=comm.scope["headers"])


async def resume(comm, after: int) -> None:
    await comm.send_to(text_data=json.dumps({"type": "resume", "after": after}))


async def receive_until(comm, needle: str, timeout: float = 3) -> str:
    """Collect messages until one holds `needle` (presence updates may come first)."""
    seen = []
    while True:
        message = await comm.receive_from(timeout=timeout)
        seen.append(message)
        if needle in message:
            return "".join(seen)


def _setup():
    from tests.conftest import World
    from tests.customers.conftest import Customers
    from tests.pipeline.conftest import Pipeline
    from tests.rooms.conftest import Rooms

    world = World()
    cx = Customers(world)
    pp = Pipeline(cx)

    class NoCapture:
        def __call__(self, execute=True):
            import contextlib

            return contextlib.nullcontext()

    rm = Rooms(pp, NoCapture())
    RoomSettings.objects.create(workspace=world.a, require_email_code=False)
    _inv, token = rm.invite()
    redeemed = services.guest_link_redeem(token=token, ip="1.1.1.1")
    return rm, redeemed.session


@pytest.mark.django_db(transaction=True)
async def test_guests_get_shared_changes_live_and_never_internal_ones():
    rm, session = await sync_to_async(_setup)()
    path_g = f"/ws/g/alpha/rooms/{rm.room.pk}/"
    path_w = f"/ws/w/alpha/rooms/{rm.room.pk}/"
    guest = await guest_socket(rm.world.a.pk, session.pk, path_g)
    seller = await member_socket(rm.rep.user, path_w)
    now = await sync_to_async(latest_event_id)(rm.room)
    for comm in (guest, seller):
        assert (await comm.connect())[0]
        await resume(comm, now)
    await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="Budget floor is 80k", internal="1"
    )
    seller_html = await receive_until(seller, "Budget floor is 80k")
    assert "data-op" in seller_html
    await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="Here is the agenda 议程"
    )
    guest_html = await receive_until(guest, "Here is the agenda 议程")
    assert "Budget floor" not in guest_html
    task = await sync_to_async(services.task_create)(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Secret prep", "internal": "1"}
    )
    await receive_until(seller, "Secret prep")
    await sync_to_async(services.task_update)(
        actor=rm.rep, task_id=task.pk, data={"internal": ""}
    )  # shared now: the guest hears of it
    assert "Secret prep" in await receive_until(guest, "Secret prep")
    for comm in (guest, seller):
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_task_made_internal_leaves_the_guests_page_live_without_its_title():
    rm, session = await sync_to_async(_setup)()
    task = await sync_to_async(services.task_create)(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Discount terms 折扣"}
    )
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    assert (await guest.connect())[0]
    await resume(guest, 0)
    assert "Discount terms 折扣" in await receive_until(guest, "Discount terms 折扣")
    await sync_to_async(services.task_update)(actor=rm.rep, task_id=task.pk, data={"internal": "1"})
    html = await receive_until(guest, 'id="room-plan"')
    assert f'data-id="task-panel-{task.pk}"' in html  # an open panel of it closes
    assert 'id="room-activity"' in html  # the activity list read again, without its entries
    assert "Discount terms" not in html
    await resume(guest, 0)  # a page reloading its whole history: nothing of it either
    await asyncio.sleep(0.5)
    assert all("Discount terms" not in o.get("text", "") for o in await _drain(guest))
    await guest.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_reconnecting_page_gets_what_it_missed():
    rm, session = await sync_to_async(_setup)()
    comment = await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="missed while offline"
    )
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    assert (await guest.connect())[0]
    await resume(guest, 0)
    html = await receive_until(guest, "missed while offline")
    assert f'id="comment-{comment.pk}"' in html
    await guest.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_revoking_the_link_closes_the_guest_socket():
    rm, session = await sync_to_async(_setup)()
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    assert (await guest.connect())[0]
    invitation = await sync_to_async(RoomInvitation.objects.get)(room=rm.room)
    await sync_to_async(services.room_invitation_revoke)(
        actor=rm.rep, room_id=rm.room.pk, invitation_id=invitation.pk
    )
    while True:
        output = await guest.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            assert output["code"] == 4404
            break


@pytest.mark.django_db(transaction=True)
async def test_revoking_one_rooms_links_closes_that_rooms_socket_only():
    """A browser in two rooms of the same contact (each entered by its own link): revoking
    room B's links closes its socket on B within 2 s; its socket on room A stays open."""
    rm, session = await sync_to_async(_setup)()

    def enter_room_b():
        room_b = rm.second_room()
        _inv, token = rm.invite(room=room_b)
        services.guest_link_redeem(token=token, ip="1.1.1.1", known_session_id=session.pk)
        return room_b, RoomMember.objects.get(room=room_b, contact=rm.contact)

    room_b, b_guest = await sync_to_async(enter_room_b)()
    on_a = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    on_b = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{room_b.pk}/")
    assert (await on_a.connect())[0] and (await on_b.connect())[0]
    await sync_to_async(services.room_guest_links_revoke)(
        actor=rm.rep, room_id=room_b.pk, member_id=b_guest.pk
    )
    while True:
        output = await on_b.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            assert output["code"] == 4404
            break
    await on_a.send_to(text_data=json.dumps({"type": "beat"}))  # re-checks its access
    await asyncio.sleep(0.3)
    assert not any(o["type"] == "websocket.close" for o in await _drain(on_a))  # still open
    await on_a.disconnect()


async def _drain(comm) -> list[dict]:
    out = []
    while not await comm.receive_nothing(timeout=0.2):
        out.append(await comm.receive_output())
    return out


@pytest.mark.django_db(transaction=True)
async def test_sockets_for_rooms_one_may_not_see_are_refused():
    rm, session = await sync_to_async(_setup)()
    other_room = await sync_to_async(rm.second_room)()
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{other_room.pk}/")
    connected, code = await guest.connect()
    assert not connected and code == 4404
    refused = await sync_to_async(
        ActivityEvent.objects.filter(verb="room.access_refused", target_id=other_room.pk).count
    )()
    assert refused == 1  # on the record
    outsider = await member_socket(rm.pp.other.user, f"/ws/w/alpha/rooms/{rm.room.pk}/")
    connected, code = await outsider.connect()
    assert not connected and code == 4404
    # a page of another site cannot open a socket with our cookies
    foreign = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    foreign.scope["headers"] = [
        (b"origin", b"https://evil.example") if k == b"origin" else (k, v)
        for k, v in foreign.scope["headers"]
    ]
    connected, _code = await foreign.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_presence_shows_who_is_in_the_room():
    rm, session = await sync_to_async(_setup)()
    seller = await member_socket(rm.rep.user, f"/ws/w/alpha/rooms/{rm.room.pk}/")
    assert (await seller.connect())[0]
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    assert (await guest.connect())[0]
    html = await receive_until(seller, "2 here now")
    assert 'id="room-people"' in html
    await guest.disconnect()
    assert "1 here now" in await receive_until(seller, "1 here now")
    await seller.disconnect()


COMMENT_ID = re.compile(r'id="comment-(\d+)"')


async def comments_arriving(comm, expected: list[int], timeout: float = 3) -> list[int]:
    """The comment ids of each message, in the order they came, until all expected came."""
    got: list[int] = []
    while not set(expected) <= set(got):
        message = await comm.receive_from(timeout=timeout)
        got += [int(pk) for pk in dict.fromkeys(COMMENT_ID.findall(message))]
    return got


async def open_at_latest(rm, comms) -> int:
    """Connect the sockets and resume them at the room's latest event; that event's id."""
    now = await sync_to_async(latest_event_id)(rm.room)
    for comm in comms:
        assert (await comm.connect())[0]
        await resume(comm, now)
    await asyncio.sleep(0.3)  # the resumes are taken (nothing to send: all is seen)
    return now


def count_renders(monkeypatch) -> list:
    """(kind of reader, after) of every render of a room's events from now on."""
    from dealroom.rooms import live

    renders = []
    render_after = live.render_after

    def counted(actor, room, after, **kwargs):
        renders.append((type(actor).__name__, after))
        return render_after(actor, room, after, **kwargs)

    monkeypatch.setattr(live, "render_after", counted)
    return renders


@pytest.mark.django_db(transaction=True)
async def test_sockets_reading_alike_share_one_render_and_get_every_event_once_in_order(
    monkeypatch,
):
    """The room's sockets of a process take an event together: those at the same point that
    read alike are sent one render (one per kind of reader here, sellers and a guest), and a
    burst of events reaches every socket whole, in order, nothing twice; a guest's socket is
    never in a sellers' batch."""
    rm, session = await sync_to_async(_setup)()
    path_w, path_g = (f"/ws/{side}/alpha/rooms/{rm.room.pk}/" for side in "wg")
    sellers = [await member_socket(rm.rep.user, path_w) for _ in range(3)]
    guests = [await guest_socket(rm.world.a.pk, session.pk, path_g) for _ in range(2)]
    now = await open_at_latest(rm, sellers + guests)
    renders = count_renders(monkeypatch)
    first = await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="one for all"
    )
    for comm in sellers + guests:
        assert await comments_arriving(comm, [first.pk]) == [first.pk]
    assert sorted(renders) == [("Guest", now), ("Member", now)], renders

    renders.clear()

    def post_burst():  # on the thread the sockets render on: they wait for the whole burst
        return [
            services.comment_post(actor=rm.rep, room_id=rm.room.pk, body=f"burst {i}").pk
            for i in range(6)
        ]

    ids = await sync_to_async(post_burst)()
    for comm in sellers + guests:
        assert await comments_arriving(comm, ids) == ids
    # Rendered once the burst was in (a render reads all that is new): one per kind of reader.
    assert sorted(kind for kind, _after in renders) == ["Guest", "Member"], renders

    # Sellers and guests at the same point are never one batch: an internal comment posted
    # between two shared ones reaches every seller and no guest.
    def post_mixed():
        return [
            services.comment_post(actor=rm.rep, room_id=rm.room.pk, body=body, internal=internal).pk
            for body, internal in (("before", ""), ("Walk-away price 70k", "1"), ("after", ""))
        ]

    before, internal, after = await sync_to_async(post_mixed)()
    for comm in sellers:
        assert await comments_arriving(comm, [before, internal, after]) == [
            before,
            internal,
            after,
        ]
    for comm in guests:
        assert await comments_arriving(comm, [before, after]) == [before, after]
        assert await comm.receive_nothing(timeout=0.2)
    for comm in sellers + guests:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_what_happens_within_the_send_gap_goes_out_together(monkeypatch):
    """A page is sent at most one message per gap: an event arriving within it waits for its
    end and goes with the others that came meanwhile; after a quiet gap, at once."""
    from dealroom.rooms import consumers

    monkeypatch.setattr(consumers, "SEND_GAP_SECONDS", 1.0)
    rm, session = await sync_to_async(_setup)()
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    await open_at_latest(rm, [guest])

    def post(body: str) -> int:
        return services.comment_post(actor=rm.rep, room_id=rm.room.pk, body=body).pk

    first = await sync_to_async(post)("Opens the gap")
    assert await comments_arriving(guest, [first]) == [first]
    second = await sync_to_async(post)("Within the gap")
    await asyncio.sleep(0.3)  # without a gap, the second would be on its way alone by now
    third = await sync_to_async(post)("Also within it")
    message = await receive_until(guest, 'id="comment-')  # presence updates may come between
    assert list(dict.fromkeys(COMMENT_ID.findall(message))) == [str(second), str(third)], message
    await asyncio.sleep(1.1)
    fourth = await sync_to_async(post)("After a quiet gap")
    assert await comments_arriving(guest, [fourth], timeout=0.5) == [fourth]
    await guest.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_render_that_fails_loses_nothing(monkeypatch):
    """The socket's place stays where it was: the next event brings both."""
    from dealroom.rooms import live

    rm, session = await sync_to_async(_setup)()
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    assert (await guest.connect())[0]
    await resume(guest, await sync_to_async(latest_event_id)(rm.room))
    await asyncio.sleep(0.3)  # the resume is taken
    render_after = live.render_after
    failures = [RuntimeError("the database went away")]

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return render_after(*args, **kwargs)

    monkeypatch.setattr(live, "render_after", flaky)
    lost = await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="while rendering failed"
    )
    for _ in range(60):  # the socket tried, and failed
        if not failures:
            break
        await asyncio.sleep(0.05)
    assert not failures
    after = await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="and the next one"
    )
    assert await comments_arriving(guest, [lost.pk, after.pk]) == [lost.pk, after.pk]
    await guest.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_render_from_elsewhere_that_read_too_early_is_followed_by_the_rest(monkeypatch):
    """A render shared across processes says up to which event it read: one made in another
    process before this event committed holds nothing of it, and the sockets that heard of
    the event go again for it rather than wait for the next one."""
    from dealroom.rooms import consumers

    rm, session = await sync_to_async(_setup)()
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    now = await open_at_latest(rm, [guest])
    real_shared = consumers.shared
    asked = []

    async def read_too_early_first(key, group, make):
        if key[0] == "events":
            asked.append(key)
            if len(asked) == 1:
                return ["", now, now]  # nothing new: it read before the comment committed
        return await real_shared(key, group, make)

    monkeypatch.setattr(consumers, "shared", read_too_early_first)
    comment = await sync_to_async(services.comment_post)(
        actor=rm.rep, room_id=rm.room.pk, body="Heard of, not yet read"
    )
    assert await comments_arriving(guest, [comment.pk], timeout=1) == [comment.pk]
    assert len(asked) == 2, asked
    await guest.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_page_without_its_socket_is_answered_what_changed_since_its_cursor(monkeypatch):
    """A page whose socket is not open (reconnecting, or a proxy that lets no socket through)
    gets what changed since its own cursor as the answer, rendered for it once the action has
    committed (the room's row is not held while rendering); the sockets render theirs, and a
    guest's never holds the internal comment."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from dealroom.rooms import live

    rm, session = await sync_to_async(_setup)()
    seller = await member_socket(rm.rep.user, f"/ws/w/alpha/rooms/{rm.room.pk}/")
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    now = await open_at_latest(rm, [seller, guest])
    in_transaction = []
    render_after = live.render_after

    def watched(*args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return render_after(*args, **kwargs)

    monkeypatch.setattr(live, "render_after", watched)
    page = Client()
    await sync_to_async(page.force_login)(rm.rep.user)
    url = reverse("room_comment_create", args=["w", "alpha", rm.room.pk])

    def post(body: str, internal: str = "") -> list[int]:
        headers = {"HX-Request": "true", "X-Room-Cursor": str(now)}
        answer = page.post(url, {"body": body, "internal": internal}, headers=headers)
        assert answer.status_code == 200
        return [int(x) for x in dict.fromkeys(COMMENT_ID.findall(answer.content.decode()))]

    (internal,) = await sync_to_async(post)("Walk-away price 70k", "1")
    in_transaction.clear()
    # The page is still at its cursor: its answer holds both comments.
    internal_again, newest = await sync_to_async(post)("From a page that missed one")
    assert internal_again == internal
    assert in_transaction and not any(in_transaction), in_transaction
    assert await comments_arriving(seller, [internal, newest]) == [internal, newest]
    assert await comments_arriving(guest, [newest]) == [newest]
    for comm in (seller, guest):
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_page_whose_socket_is_open_is_answered_who_it_is_and_the_socket_brings_the_rest(
    monkeypatch,
):
    """room.js says its socket is open (X-Room-Live): the answer holds no render, only the
    reader's member id, and the comment reaches the poster's own page through its socket, in
    the render the sellers' sockets share (the view rendered nothing)."""
    from django.test import Client
    from django.urls import reverse

    from dealroom.rooms import live, selectors

    rm, session = await sync_to_async(_setup)()
    poster_page = await member_socket(rm.rep.user, f"/ws/w/alpha/rooms/{rm.room.pk}/")
    guest = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    now = await open_at_latest(rm, [poster_page, guest])
    renders = count_renders(monkeypatch)
    page = Client()
    await sync_to_async(page.force_login)(rm.rep.user)
    url = reverse("room_comment_create", args=["w", "alpha", rm.room.pk])

    def post():
        headers = {"HX-Request": "true", "X-Room-Cursor": str(now), "X-Room-Live": "1"}
        return page.post(url, {"body": "Seen through the socket"}, headers=headers)

    answer = await sync_to_async(post)()
    assert answer.status_code == 200
    own = await sync_to_async(selectors.own_member_id)(actor=rm.rep, room=rm.room)
    assert own and answer.content.decode() == live.me_op(own)
    pk = await sync_to_async(lambda: rm.room.comments.latest("pk").pk)()
    assert await comments_arriving(poster_page, [pk]) == [pk]
    assert await comments_arriving(guest, [pk]) == [pk]
    assert sorted(renders) == [("Guest", now), ("Member", now)], renders
    for comm in (poster_page, guest):
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
def test_a_live_pages_post_holds_the_room_for_the_event_and_the_commit_alone():
    """The room's row is held from its event to the commit (services.common.room_event): the
    view opens no transaction of its own (its answer comes after the commit), so the service's
    is the only one and no savepoint is released while every other writer of the room waits."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    rm, _session = _setup()
    page = Client()
    page.force_login(rm.rep.user)
    url = reverse("room_comment_create", args=["w", "alpha", rm.room.pk])
    headers = {"HX-Request": "true", "X-Room-Cursor": "0", "X-Room-Live": "1"}
    with CaptureQueriesContext(connection) as done:
        assert page.post(url, {"body": "Held briefly"}, headers=headers).status_code == 200
    sql = [q["sql"] for q in done.captured_queries]
    event = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "activity_activityevent"')
    )
    assert not [q for q in sql[event:] if "SAVEPOINT" in q], sql[event:]


async def seller_and_composer(rm):
    """A seller's socket at the room's latest event, and `post(body)`: the room page's comment
    form sent from that point (htmx), as the seller; it returns the answer."""
    from django.test import Client
    from django.urls import reverse

    seller = await member_socket(rm.rep.user, f"/ws/w/alpha/rooms/{rm.room.pk}/")
    now = await open_at_latest(rm, [seller])
    page = Client()
    await sync_to_async(page.force_login)(rm.rep.user)
    url = reverse("room_comment_create", args=["w", "alpha", rm.room.pk])

    def post(body: str):
        return page.post(
            url, {"body": body}, headers={"HX-Request": "true", "X-Room-Cursor": str(now)}
        )

    return seller, post


@pytest.mark.django_db(transaction=True)
async def test_an_action_that_fails_sends_nothing(monkeypatch):
    """An action failing after its event was written is undone with it, and nothing of it
    reaches a socket (on SQLite the next event may even get the same id): the next post
    arrives as itself."""
    from dealroom.rooms.models import Comment
    from dealroom.rooms.services import threads

    rm, _session = await sync_to_async(_setup)()
    seller, post = await seller_and_composer(rm)
    room_event = threads.room_event

    def fails_after_its_event(*args, **kwargs):
        room_event(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(threads, "room_event", fails_after_its_event)
    with pytest.raises(RuntimeError):
        await sync_to_async(post)("Undone: never sent")
    assert not await sync_to_async(Comment.objects.filter(body__startswith="Undone").exists)()
    monkeypatch.setattr(threads, "room_event", room_event)
    answer = await sync_to_async(post)("The one that counts")
    (pk,) = {int(x) for x in COMMENT_ID.findall(answer.content.decode())}
    message = await receive_until(seller, f'id="comment-{pk}"')
    assert "The one that counts" in message
    assert "Undone" not in message
    await seller.disconnect()
