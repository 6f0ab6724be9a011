"""Room e-mail: batched updates once a room is quiet, by each person's level, never about what
they cannot see or have already seen; guests reach the room from the mail; due and overdue
reminders once each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.rooms import services
from dealroom.rooms.models import NotifyLevel, RoomMember, RoomSettings, Task
from dealroom.rooms.services.notify import room_mail_digests, room_task_reminders

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=10)


def _later():
    return timezone.now() + LATER


def _to(address: str):
    return [m for m in mail.outbox if address in m.to]


def test_a_guest_gets_one_mail_for_a_busy_discussion_once_it_settles(rm):
    guest = rm.guest()
    mail.outbox = []
    # posting in the room means being there: what came before is seen
    services.comment_post(actor=guest, room_id=rm.room.pk, body="My own question")
    for text in ("First point 第一", "Second point", "Third point"):
        services.comment_post(actor=rm.rep, room_id=rm.room.pk, body=text)
    services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="Floor price", internal="1")
    assert room_mail_digests() == 0  # still lively
    assert room_mail_digests(now=_later()) >= 1
    (message,) = _to("wang@customer.test")
    for text in ("First point 第一", "Second point", "Third point"):
        assert text in message.body
    assert "Floor price" not in message.body and "My own question" not in message.body
    assert room_mail_digests(now=_later()) == 0  # nothing new: nothing sent
    # the link in the mail opens this room in a new browser
    found = re.search(r"/r/([\w-]{40,})/", message.body)
    assert found is not None
    token = found.group(1)
    RoomSettings.objects.update_or_create(
        workspace=rm.world.a, defaults={"require_email_code": False}
    )
    browser = Client()
    browser.get(f"/r/{token}/")
    opened = browser.post("/r/open/")
    assert opened.status_code == 302 and opened["Location"] == rm.base("g")


def test_levels_decide_what_a_seller_is_mailed_about(rm):
    manager_row = services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=rm.pp.manager.membership.pk
    )
    assert manager_row.notify_level == NotifyLevel.MENTIONS
    guest = rm.guest()
    services.comment_post(actor=guest, room_id=rm.room.pk, body="Not for the manager")
    room_mail_digests(now=_later())
    assert _to(rm.pp.manager.user.email) == []
    services.comment_post(
        actor=guest, room_id=rm.room.pk, body=f"@[Manager]({manager_row.pk}) can you approve?"
    )
    room_mail_digests(now=_later())
    (message,) = _to(rm.pp.manager.user.email)
    assert "can you approve?" in message.body
    assert f"/w/alpha/rooms/{rm.room.pk}/" in message.body
    services.room_notify_level_set(actor=rm.pp.manager, room_id=rm.room.pk, level="none")
    services.comment_post(
        actor=guest, room_id=rm.room.pk, body=f"@[Manager]({manager_row.pk}) again?"
    )
    mail.outbox = []
    room_mail_digests(now=_later())
    assert _to(rm.pp.manager.user.email) == []


def test_what_was_seen_in_the_page_is_not_mailed(rm):
    guest = rm.guest()
    services.comment_post(actor=guest, room_id=rm.room.pk, body="Seen live")
    seller = Client()
    seller.force_login(rm.rep.user)
    seller.get(rm.base("w"))  # the owner (level: everything) reads it in the room
    mail.outbox = []
    room_mail_digests(now=_later())
    assert _to(rm.rep.user.email) == []


def test_assignments_reach_guests_by_mail(rm):
    guest = rm.guest()
    row = RoomMember.objects.get(room=rm.room, contact=rm.contact)
    services.room_notify_level_set(actor=guest, room_id=rm.room.pk, level="mentions")
    services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Not theirs"})
    services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Send the IT contact 联系人", "assignees": [row.pk]},
    )
    mail.outbox = []
    room_mail_digests(now=_later())
    (message,) = _to("wang@customer.test")
    assert "Send the IT contact 联系人" in message.body and "Not theirs" not in message.body


def test_due_and_overdue_reminders_go_once_to_assignees(rm):
    guest_row = RoomMember.objects.get(pk=rm.invite()[0].member_id)
    now = timezone.now()
    due = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={
            "title": "Due soon",
            "due_at": now + timedelta(hours=12),
            "assignees": [guest_row.pk],
        },
    )
    services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Late one", "due_at": now - timedelta(hours=2), "assignees": [guest_row.pk]},
    )
    done = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Finished", "due_at": now - timedelta(hours=2), "assignees": [guest_row.pk]},
    )
    services.task_status_set(actor=rm.rep, task_id=done.pk, status="done")
    legacy = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={
            "title": "Internal deadline",
            "due_at": now + timedelta(hours=3),
            "assignees": [guest_row.pk],
        },
    )
    # Made internal before guests could no longer be assigned to internal items: the reminder
    # still goes by what the guest may see.
    Task.objects.filter(pk=legacy.pk).update(internal=True)
    mail.outbox = []
    assert room_task_reminders() == 1
    (message,) = mail.outbox
    assert "Due within a day: Due soon" in message.body and "Overdue: Late one" in message.body
    assert "Finished" not in message.body and "Internal deadline" not in message.body
    assert room_task_reminders() == 0
    due.refresh_from_db()
    assert due.due_reminded_at is not None


def test_the_level_is_set_from_the_room_page(rm, guest_client):
    browser = guest_client()
    response = browser.post(
        rm.base("g") + "notifications/", {"level": "none"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert RoomMember.objects.get(room=rm.room, contact=rm.contact).notify_level == "none"
    bad = browser.post(rm.base("g") + "notifications/", {"level": "loud"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert not ActivityEvent.objects.filter(verb__startswith="room.notify").exists()
