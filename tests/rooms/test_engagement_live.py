"""Reading time reaches the sellers' open pages live, as the view count does (issue 21, 6):
through an event on the one path (activity.record → the room's sockets), told at most once a
minute per guest and resource while they read and once more when they stop, never to a
guest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async

from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Guest
from dealroom.rooms import live, services
from dealroom.rooms.models import Engagement
from dealroom.rooms.services.common import latest_event_id
from dealroom.rooms.services.notify import _mailable

from .test_engagement import a_resource
from .test_live import _drain, _setup, guest_socket, member_socket, receive_until, resume

pytestmark = pytest.mark.django_db


def as_guest(rm) -> Guest:
    return Guest(workspace=rm.world.a, contact_id=rm.contact.pk, room_ids=frozenset({rm.room.pk}))


def seconds_pass(seconds: int) -> None:
    """Time passes on the guest's view (the server credits no more than that)."""
    for row in Engagement.objects.all():
        Engagement.objects.filter(pk=row.pk).update(
            last_seen_at=row.last_seen_at - timedelta(seconds=seconds),
            told_at=row.told_at and row.told_at - timedelta(seconds=seconds),
        )


def told() -> int:
    return ActivityEvent.objects.filter(verb="room_resource.read").count()


def test_reading_time_reaches_the_sellers_page_and_not_the_guests(rm, guest_client):
    resource = a_resource(rm, title="Proposal 报价")
    browser = guest_client()
    beat = rm.base("g") + f"resources/{resource.pk}/beat/"
    assert browser.post(beat, {"start": "1"}).status_code == 204
    cursor = latest_event_id(rm.room)
    seconds_pass(20)
    assert browser.post(beat, {"seconds": "15"}).status_code == 204
    html, _last = live.render_after(rm.rep, rm.room, cursor, slug="alpha", language="en")
    assert 'id="room-engagement"' in html
    assert '<td class="text-end">0:15</td>' in html
    guest_html, _last = live.render_after(
        as_guest(rm), rm.room, cursor, slug="alpha", language="en"
    )
    assert "room-engagement" not in guest_html and "0:15" not in guest_html
    event = ActivityEvent.objects.get(verb="room_resource.read")
    assert event.audience == "record" and event.data["time"] == "0:15"
    assert not _mailable(event.verb)  # the panel's news, not the e-mail's


def test_beats_are_told_at_most_once_a_minute_and_once_more_at_the_end(rm):
    resource = a_resource(rm)
    guest = rm.guest()
    services.engagement_beat(actor=guest, resource_id=resource.pk, start=True)
    for _beat in range(3):  # a view open for 45 s: told at its first beat only
        seconds_pass(15)
        services.engagement_beat(actor=guest, resource_id=resource.pk, start=False, seconds=15)
    assert told() == 1
    seconds_pass(30)  # a minute since it was told
    services.engagement_beat(actor=guest, resource_id=resource.pk, start=False, seconds=30)
    assert told() == 2
    seconds_pass(5)  # closed right after: too soon to tell again
    services.engagement_beat(actor=guest, resource_id=resource.pk, start=False, seconds=5, end=True)
    assert told() == 2
    seconds_pass(12)  # opened again and closed 12 s later: what is left is told
    services.engagement_beat(
        actor=guest, resource_id=resource.pk, start=False, seconds=12, end=True
    )
    assert told() == 3
    row = Engagement.objects.get()
    last = ActivityEvent.objects.filter(verb="room_resource.read").latest("id")
    assert last.data["seconds"] == row.seconds == 45 + 30 + 5 + 12
    services.engagement_beat(actor=rm.rep, resource_id=resource.pk, start=False, seconds=15)
    assert told() == 3  # sellers are not timed


def test_the_guest_api_beat_says_when_the_view_ends(rm, guest_client):
    from tests.rooms_api.conftest import RoomsApi

    resource = a_resource(rm)
    api = RoomsApi(guest_client(), "g")
    path = f"/{rm.room.pk}/resources/{resource.pk}/beat"
    assert api.post(path, {"start": True}).status_code == 204
    seconds_pass(20)
    assert api.post(path, {"seconds": 15}).status_code == 204
    seconds_pass(20)
    assert api.post(path, {"seconds": 15, "end": True}).status_code == 204
    assert told() == 2


@pytest.mark.django_db(transaction=True)
async def test_the_sellers_socket_hears_the_reading_time_and_the_guests_does_not():
    rm, session = await sync_to_async(_setup)()
    resource = await sync_to_async(a_resource)(rm, title="Proposal 报价")
    guest_comm = await guest_socket(rm.world.a.pk, session.pk, f"/ws/g/alpha/rooms/{rm.room.pk}/")
    seller = await member_socket(rm.rep.user, f"/ws/w/alpha/rooms/{rm.room.pk}/")
    guest = as_guest(rm)
    await sync_to_async(services.engagement_beat)(actor=guest, resource_id=resource.pk, start=True)
    now = await sync_to_async(latest_event_id)(rm.room)
    for comm in (guest_comm, seller):
        assert (await comm.connect())[0]
        await resume(comm, now)
    await sync_to_async(seconds_pass)(30)
    await sync_to_async(services.engagement_beat)(
        actor=guest, resource_id=resource.pk, start=False, seconds=25
    )
    html = await receive_until(seller, 'id="room-engagement"')
    assert '<td class="text-end">0:25</td>' in html
    # The guest's socket: a shared change after it comes through, the reading time never did.
    await sync_to_async(services.comment_post)(actor=rm.rep, room_id=rm.room.pk, body="Hi 你好")
    guest_html = await receive_until(guest_comm, "Hi 你好")
    guest_html += "".join(m.get("text", "") for m in await _drain(guest_comm))
    assert "room-engagement" not in guest_html and "0:25" not in guest_html
    for comm in (guest_comm, seller):
        await comm.disconnect()
