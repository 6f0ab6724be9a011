"""Internal items never reach guests, by any channel (issue 20, points 1 and 2): guests cannot
be assigned to internal items; a meeting's .ics, reminders, digests and bell e-mail go by what
each person may see when they are sent; an item made internal takes its earlier events (and
those of what hangs on it) out of the guests' activity, digests and API, titles included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.activity.tasks import mail_notifications
from dealroom.core.errors import Invalid
from dealroom.rooms import selectors, services
from dealroom.rooms.models import Milestone, RoomMember, Task
from dealroom.rooms.services.notify import room_mail_digests

pytestmark = pytest.mark.django_db

MEETING = {
    "kind": "meeting",
    "starts_at": "2026-12-10T10:00",
    "ends_at": "2026-12-10T11:00",
    "place": "Room 7, HQ",
}


def rows(rm):
    guest = RoomMember.objects.get(pk=rm.invite()[0].member_id)
    seller = RoomMember.objects.get(room=rm.room, membership=rm.rep.membership)
    return guest, seller


def _to(address: str):
    return [m for m in mail.outbox if address in m.to]


def test_guests_cannot_be_assigned_to_internal_items_and_nothing_changes(rm):
    guest, seller = rows(rm)
    with pytest.raises(Invalid) as bad:
        services.task_create(
            actor=rm.rep,
            room_id=rm.room.pk,
            data={"title": "Pricing prep", "internal": "1", "assignees": [guest.pk]},
        )
    assert "王芳" in bad.value.fields["assignees"]
    assert not Task.objects.filter(title="Pricing prep").exists()

    shared = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Agenda", "assignees": [guest.pk]}
    )
    with pytest.raises(Invalid) as bad:  # made internal while a guest is on it
        services.task_update(actor=rm.rep, task_id=shared.pk, data={"internal": "1"})
    assert "internal" in bad.value.fields
    assert not Task.objects.get(pk=shared.pk).internal

    secret = Milestone.objects.create(
        workspace=rm.world.a, room=rm.room, title="Our side", internal=True, position=9
    )
    with pytest.raises(Invalid) as bad:  # moved under an internal milestone
        services.task_update(actor=rm.rep, task_id=shared.pk, data={"milestone": secret.pk})
    assert "milestone" in bad.value.fields
    with pytest.raises(Invalid):  # dragged under it
        services.task_reorder(
            actor=rm.rep, room_id=rm.room.pk, milestone_id=secret.pk, task_ids=[shared.pk]
        )
    assert Task.objects.get(pk=shared.pk).milestone_id is None

    internal = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Floor price", "internal": "1", "assignees": [seller.pk]},
    )
    with pytest.raises(Invalid):  # assigning a guest to an internal task
        services.task_update(
            actor=rm.rep, task_id=internal.pk, data={"assignees": [seller.pk, guest.pk]}
        )
    assert list(internal.assignees.all()) == [seller]

    plan = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Evaluation")
    services.task_update(actor=rm.rep, task_id=shared.pk, data={"milestone": plan.pk})
    with pytest.raises(Invalid) as bad:  # the milestone made internal, a guest on a task
        services.milestone_update(
            actor=rm.rep, milestone_id=plan.pk, title="Evaluation", internal="1"
        )
    assert "王芳" in bad.value.fields["internal"]
    assert not Milestone.objects.get(pk=plan.pk).internal


def test_the_assignee_picker_of_an_internal_task_offers_no_guests(rm):
    guest, seller = rows(rm)
    internal = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Floor price", "internal": "1"}
    )
    shared = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Agenda"})
    browser = Client()
    browser.force_login(rm.rep.user)
    internal_panel = browser.get(rm.base("w") + f"tasks/{internal.pk}/").content.decode()
    shared_panel = browser.get(rm.base("w") + f"tasks/{shared.pk}/").content.decode()
    picker = f'name="assignees" value="{guest.pk}"'
    assert (
        picker not in internal_panel and f'name="assignees" value="{seller.pk}"' in internal_panel
    )
    assert picker in shared_panel


def test_a_task_added_in_an_internal_milestone_is_internal_from_the_start(rm):
    secret = services.milestone_create(
        actor=rm.rep, room_id=rm.room.pk, title="Our side", internal="1"
    )
    browser = Client()
    browser.force_login(rm.rep.user)
    added = browser.post(  # the quick-add line under the milestone
        rm.base("w") + "tasks/",
        {"title": "Check credit", "milestone": secret.pk},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200, added.content[:300]
    task = Task.objects.get(title="Check credit")
    assert task.internal
    services.milestone_delete(actor=rm.rep, milestone_id=secret.pk)
    task.refresh_from_db()
    assert task.internal and task.milestone_id is None  # still out of the guests' sight
    guest = rm.guest()
    assert not Task.objects.visible_to(guest).filter(pk=task.pk).exists()
    assert ActivityEvent.objects.filter(verb="room_task.created", audience="shared").count() == 0


def test_an_internal_meeting_never_mails_a_guest_even_if_assigned_before(rm):
    guest, seller = rows(rm)
    mail.outbox = []
    with rm.on_commit(execute=True):
        meeting = services.task_create(
            actor=rm.rep,
            room_id=rm.room.pk,
            data={"title": "Kick-off 启动会", **MEETING, "assignees": [guest.pk, seller.pk]},
        )
    assert len(_to("wang@customer.test")) == 1  # shared: the guest is invited
    # Made internal before the rule (or by a path that forgot it): the guest stays assigned.
    Task.objects.filter(pk=meeting.pk).update(internal=True)
    mail.outbox = []
    with rm.on_commit(execute=True):
        services.task_update(
            actor=rm.rep,
            task_id=meeting.pk,
            data={
                "title": "Pricing strategy",
                "starts_at": "2026-12-11T10:00",
                "ends_at": "2026-12-11T11:00",
            },
        )
    assert _to("wang@customer.test") == []
    (message,) = _to(rm.rep.user.email)
    body = message.attachments[0][1]
    ics = body if isinstance(body, str) else body.decode()
    assert "Pricing strategy" in ics and "wang@customer.test" not in ics


def test_bell_mail_goes_only_to_who_still_sees_the_event(rm):
    seller_row = services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=rm.pp.other.membership.pk
    )
    task = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Check the contract", "assignees": [seller_row.pk]},
    )
    event = ActivityEvent.objects.get(verb="room_task.created", data__task=task.pk)
    assert Notification.objects.filter(event=event, recipient=rm.pp.other.user).exists()
    services.room_member_remove(actor=rm.rep, room_id=rm.room.pk, member_id=seller_row.pk)
    mail.outbox = []
    assert mail_notifications.call(event_id=event.pk) == 0  # no longer sees the room
    assert mail.outbox == []


def _guest_sees(rm, guest, text: str) -> bool:
    activity = selectors.room_activity(actor=guest, room=rm.room, limit=100)
    from dealroom.activity.describe import describe

    return any(text in describe(e) or text in str(e.data) for e in activity)


def test_an_item_made_internal_leaves_the_guests_activity_digests_and_api(rm, guest_client):
    browser = guest_client()
    guest = rm.guest()
    milestone = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Pilot 试点")
    task = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Discount terms", "milestone": milestone.pk},
    )
    services.comment_post(
        actor=rm.rep, room_id=rm.room.pk, body="Talk about 15% off", task_id=task.pk
    )
    resource = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://example.com/price", title="Price list"
    )
    for text in ("Pilot 试点", "Discount terms", "15% off", "Price list"):
        assert _guest_sees(rm, guest, text), text

    services.milestone_update(
        actor=rm.rep, milestone_id=milestone.pk, title="Pilot 试点", internal="1"
    )
    services.resource_internal_set(actor=rm.rep, resource_id=resource.pk, internal="1")
    for text in ("Pilot 试点", "Discount terms", "15% off", "Price list"):
        assert not _guest_sees(rm, guest, text), text
        assert _guest_sees(rm, rm.rep, text), text  # the seller's record keeps it all
    page = browser.get(rm.base("g") + "activity/", HTTP_HX_REQUEST="true").content.decode()
    room_page = browser.get(rm.base("g")).content.decode()
    for text in ("Pilot", "Discount terms", "15% off", "Price list"):
        assert text not in page and text not in room_page, text
    assert "made some items internal" in page

    mail.outbox = []
    row = RoomMember.objects.get(room=rm.room, contact=rm.contact)
    RoomMember.objects.filter(pk=row.pk).update(mailed_up_to=0, read_up_to=0)
    room_mail_digests(now=timezone.now() + timedelta(minutes=10))
    for message in _to("wang@customer.test"):
        for text in ("Pilot", "Discount terms", "15% off", "Price list"):
            assert text not in message.subject + message.body, text


def test_a_task_event_queues_the_invitation_job_only_with_invitations_to_send():
    """Every task change used to queue a job (a row in the job table, a worker's turn) to find
    there was no meeting to mail."""
    from dealroom.activity.jobs import jobs_for

    job = "dealroom.rooms.tasks.mail_meeting_invitations"
    assert jobs_for("room_task.updated", {"task": 1, "invite": []}) == []
    assert jobs_for("room_task.created", {"task": 1}) == []
    assert jobs_for("room_task.created", {"task": 1, "invite": [7]}) == [job]
    assert jobs_for("member.joined", {}) == ["dealroom.activity.tasks.mail_notifications"]
