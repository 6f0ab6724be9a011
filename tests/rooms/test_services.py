"""Room services: rooms come with deals; guests come in by link and code; the plan and the
threads; who is notified; what guests may not do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.core.errors import Forbidden, Invalid, NotFound, Throttled
from dealroom.core.tokens import token_hash
from dealroom.customers.models import AccountContact, Contact
from dealroom.rooms import services
from dealroom.rooms.models import (
    Attempt,
    Comment,
    CommentRevision,
    GuestSession,
    NotifyLevel,
    Room,
    RoomInvitation,
    RoomMember,
    Task,
)
from dealroom.rooms.services.guests import LinkInvalid

from .conftest import last_code, link_token

pytestmark = pytest.mark.django_db


# -- rooms come with deals -------------------------------------------------------------------


def test_staged_and_simple_deals_get_a_room_tag_deals_do_not(rm):
    pp = rm.pp
    assert rm.room.workspace_id == rm.world.a.pk
    owner_row = RoomMember.objects.get(room=rm.room, membership=pp.rep.membership)
    assert owner_row.kind == "member" and owner_row.notify_level == NotifyLevel.ALL
    simple = pp.deal(opp_type=pp.simple, name="Renewal")
    assert Room.objects.filter(opportunity=simple).exists()
    tag = pp.deal(opp_type=pp.tag, name="Referral")
    assert not Room.objects.filter(opportunity=tag).exists()
    assert ActivityEvent.objects.filter(verb="room.created", target_id=rm.room.pk).exists()


# -- inviting guests -------------------------------------------------------------------------


def test_invitation_stores_only_a_hash_and_mails_the_link(rm):
    invitation, token = rm.invite()
    assert invitation.token_hash == token_hash(token)
    assert len(token) >= 43  # 256 bits, url-safe
    assert not RoomInvitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - timezone.now() > timedelta(days=13, hours=23)
    assert [m.to for m in mail.outbox] == [["wang@customer.test"]]
    assert link_token(mail.outbox[0]) == token


def test_inviting_a_typed_address_creates_the_contact_on_the_account(rm):
    rm.invite(email="New.Person@Customer.test", name="Li Lei")
    contact = Contact.objects.get(full_name="Li Lei")
    assert contact.emails == ["new.person@customer.test"]
    assert AccountContact.objects.filter(account_id=rm.deal.account_id, contact=contact).exists()
    guest = RoomMember.objects.get(room=rm.room, contact=contact)
    assert guest.kind == "guest" and guest.email == "new.person@customer.test"


def test_inviting_needs_a_valid_address_and_changes_nothing_when_refused(rm):
    before = Contact.objects.count()
    with pytest.raises(Invalid) as bad:
        rm.invite(email="not-an-address")
    assert "email" in bad.value.fields
    assert Contact.objects.count() == before
    assert not RoomInvitation.objects.exists()


def test_only_the_people_who_run_the_room_invite(rm):
    pp = rm.pp
    with pytest.raises(NotFound):  # cannot see the deal: the room does not exist for them
        rm.invite(actor=pp.other)
    readonly = pp.actor("readonly")
    with pytest.raises(NotFound):
        rm.invite(actor=readonly)
    rm.invite(actor=pp.manager)  # manager above the owner
    rm.invite(actor=pp.admin)
    guest = rm.guest()
    with pytest.raises(Forbidden):
        services.room_guest_invite(actor=guest, room_id=rm.room.pk, email="x@y.test")


# -- redeeming the link, the e-mail code -----------------------------------------------------


def test_a_link_opens_with_the_mailed_code_once(rm):
    _inv, token = rm.invite()
    mail.outbox = []
    with rm.on_commit(execute=True):
        redeemed = services.guest_link_redeem(token=token, ip="1.2.3.4")
    assert redeemed.needs_code and redeemed.session.verified_at is None
    code = last_code()
    assert code not in GuestSession.objects.get(pk=redeemed.session.pk).code_hash
    services.guest_code_verify(session_id=redeemed.session.pk, code=code)
    assert GuestSession.objects.get(pk=redeemed.session.pk).verified_at is not None
    with pytest.raises(NotFound):  # works once: the session is no longer pending
        services.guest_code_verify(session_id=redeemed.session.pk, code=code)


def test_five_wrong_codes_lock_for_fifteen_minutes(rm):
    _inv, token = rm.invite()
    with rm.on_commit(execute=True):
        redeemed = services.guest_link_redeem(token=token, ip="1.2.3.4")
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(Invalid):
            services.guest_code_verify(session_id=redeemed.session.pk, code=wrong)
    with pytest.raises(Throttled):
        services.guest_code_verify(session_id=redeemed.session.pk, code=wrong)
    with pytest.raises(Throttled):  # even the right code, while locked
        services.guest_code_verify(session_id=redeemed.session.pk, code=right)
    session = GuestSession.objects.get(pk=redeemed.session.pk)
    assert session.verified_at is None
    assert ActivityEvent.objects.filter(verb="room.code_refused").count() == 5
    attempts = Attempt.objects.filter(key__startswith="code-")
    attempts.update(at=F("at") - timedelta(minutes=14))  # 14 minutes later: still locked
    with pytest.raises(Throttled):
        services.guest_code_resend(session_id=redeemed.session.pk)
    attempts.update(at=F("at") - timedelta(minutes=2))  # 16 minutes later
    with rm.on_commit(execute=True):
        services.guest_code_resend(session_id=redeemed.session.pk)
    services.guest_code_verify(session_id=redeemed.session.pk, code=last_code())
    assert GuestSession.objects.get(pk=redeemed.session.pk).verified_at is not None


def test_a_new_browser_brings_no_fresh_code_guesses(rm):
    """Wrong codes count per guest and room across browsers: redeeming the same link again
    (a new browser, a new session) neither resets the count nor unlocks."""
    _inv, token = rm.invite()
    sessions = []
    for ip in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        with rm.on_commit(execute=True):
            sessions.append(services.guest_link_redeem(token=token, ip=ip).session)
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    for session in (sessions[0], sessions[1], sessions[0], sessions[1]):
        with pytest.raises(Invalid):
            services.guest_code_verify(session_id=session.pk, code=wrong)
    with pytest.raises(Throttled):  # the fifth, from a third browser
        services.guest_code_verify(session_id=sessions[2].pk, code=wrong)
    with pytest.raises(Throttled):  # the last browser's right code, while locked
        services.guest_code_verify(session_id=sessions[2].pk, code=right)
    mail.outbox = []
    with pytest.raises(Throttled):  # and no new browser gets a new code meanwhile
        services.guest_link_redeem(token=token, ip="4.4.4.4")
    assert mail.outbox == []
    assert not GuestSession.objects.filter(verified_at__isnull=False).exists()


def test_codes_mailed_to_a_guest_are_rate_limited_whoever_holds_which_link(rm):
    _inv, token = rm.invite()
    mail.outbox = []
    with rm.on_commit(execute=True):
        first = services.guest_link_redeem(token=token, ip="1.1.1.1").session
        for _ in range(3):
            services.guest_code_resend(session_id=first.pk)
        services.guest_link_redeem(token=token, ip="2.2.2.2")  # a new browser: code 5
    assert len(mail.outbox) == 5
    with pytest.raises(Throttled):
        services.guest_code_resend(session_id=first.pk)
    with pytest.raises(Throttled):
        services.guest_link_redeem(token=token, ip="3.3.3.3")
    _inv, other_token = rm.invite(room=rm.second_room())
    mail.outbox = []
    with pytest.raises(Throttled):  # the same guest's link to another room: the same count
        services.guest_link_redeem(token=other_token, ip="4.4.4.4")
    assert mail.outbox == []


def test_an_expired_code_is_refused(rm):
    _inv, token = rm.invite()
    with rm.on_commit(execute=True):
        redeemed = services.guest_link_redeem(token=token, ip="1.2.3.4")
    GuestSession.objects.filter(pk=redeemed.session.pk).update(
        code_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Invalid) as bad:
        services.guest_code_verify(session_id=redeemed.session.pk, code=last_code())
    assert "expired" in bad.value.fields["code"]


def test_expired_revoked_and_unknown_links_open_nothing(rm):
    invitation, token = rm.invite()
    with pytest.raises(LinkInvalid) as unknown:
        services.guest_link_redeem(token=token + "x", ip="1.2.3.4")
    assert unknown.value.state == "unknown"
    RoomInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(LinkInvalid) as expired:
        services.guest_link_redeem(token=token, ip="1.2.3.4")
    assert expired.value.state == "expired"
    services.room_invitation_revoke(actor=rm.rep, room_id=rm.room.pk, invitation_id=invitation.pk)
    with pytest.raises(LinkInvalid) as revoked:
        services.guest_link_redeem(token=token, ip="1.2.3.4")
    assert revoked.value.state == "revoked"
    assert not GuestSession.objects.exists()
    refused = ActivityEvent.objects.filter(verb="room.link_refused")
    assert sorted(e.data["state"] for e in refused) == ["expired", "revoked"]


def test_redeeming_is_rate_limited(rm):
    _inv, token = rm.invite()
    rm.no_codes()
    for _ in range(10):
        services.guest_link_redeem(token=token, ip="1.2.3.4")
    with pytest.raises(Throttled):
        services.guest_link_redeem(token=token, ip="5.6.7.8")


def test_without_codes_the_link_opens_directly(rm):
    rm.no_codes()
    _inv, token = rm.invite()
    redeemed = services.guest_link_redeem(token=token, ip="1.2.3.4")
    assert not redeemed.needs_code and redeemed.session.verified_at is not None


def test_removing_a_guest_ends_their_sessions_and_links(rm):
    rm.no_codes()
    invitation, token = rm.invite()
    redeemed = services.guest_link_redeem(token=token, ip="1.2.3.4")
    services.room_member_remove(actor=rm.rep, room_id=rm.room.pk, member_id=invitation.member_id)
    assert RoomInvitation.objects.get(pk=invitation.pk).revoked_at is not None
    from dealroom.rooms.selectors import guest_actor

    assert guest_actor(workspace=rm.world.a, session_id=redeemed.session.pk) is None
    rm.invite()  # invited again: the old browser stays out until it opens the new link
    assert guest_actor(workspace=rm.world.a, session_id=redeemed.session.pk) is None


def test_the_owner_and_deal_team_stay_in_the_room(rm):
    owner_row = RoomMember.objects.get(room=rm.room, membership=rm.rep.membership)
    with pytest.raises(Invalid):
        services.room_member_remove(actor=rm.pp.manager, room_id=rm.room.pk, member_id=owner_row.pk)


# -- the plan --------------------------------------------------------------------------------


def test_guests_are_peers_in_the_plan_but_cannot_make_things_internal(rm):
    guest = rm.guest()
    milestone = services.milestone_create(actor=guest, room_id=rm.room.pk, title="Pilot 试点")
    task = services.task_create(
        actor=guest,
        room_id=rm.room.pk,
        data={"title": "Share the IT checklist", "milestone": milestone.pk},
    )
    assert task.created_by is not None and task.created_by.contact_id == rm.contact.pk
    with pytest.raises(Forbidden):
        services.task_create(
            actor=guest, room_id=rm.room.pk, data={"title": "Secret", "internal": "1"}
        )
    internal = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Discount floor", "internal": "1"}
    )
    with pytest.raises(NotFound):
        services.task_status_set(actor=guest, task_id=internal.pk, status="done")
    services.task_status_set(actor=guest, task_id=task.pk, status="done")
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_blocked_needs_a_reason_and_bad_dates_are_named(rm):
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Sign"})
    with pytest.raises(Invalid) as bad:
        services.task_status_set(actor=rm.rep, task_id=task.pk, status="blocked")
    assert "reason" in bad.value.fields
    with pytest.raises(Invalid) as bad_date:
        services.task_update(actor=rm.rep, task_id=task.pk, data={"due_at": "next week"})
    assert "due_at" in bad_date.value.fields
    assert Task.objects.get(pk=task.pk).due_at is None


def test_a_meeting_needs_times_and_mails_an_ics_to_its_assignees(rm):
    guest_row = RoomMember.objects.get(pk=rm.invite()[0].member_id)
    owner_row = RoomMember.objects.get(room=rm.room, membership=rm.rep.membership)
    with pytest.raises(Invalid) as bad:
        services.task_create(
            actor=rm.rep, room_id=rm.room.pk, data={"title": "Kick-off", "kind": "meeting"}
        )
    assert {"starts_at", "ends_at"} <= set(bad.value.fields)
    mail.outbox = []
    with rm.on_commit(execute=True):
        services.task_create(
            actor=rm.rep,
            room_id=rm.room.pk,
            data={
                "title": "Kick-off 启动会",
                "kind": "meeting",
                "starts_at": "2026-12-10T10:00",
                "ends_at": "2026-12-10T11:00",
                "place": "https://meet.example/abc",
                "assignees": [guest_row.pk, owner_row.pk],
            },
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["wang@customer.test", rm.rep.user.email])
    message = mail.outbox[0]
    name, content, mimetype = message.attachments[0]
    assert name == "invite.ics" and mimetype.startswith("text/calendar")
    assert "Kick-off 启动会" in (content if isinstance(content, str) else content.decode())


def test_reordering_as_a_guest_keeps_internal_tasks_in_place(rm):
    guest = rm.guest()
    titles = ["A", "secret", "B"]
    tasks = [
        services.task_create(
            actor=rm.rep,
            room_id=rm.room.pk,
            data={"title": t, "internal": "1" if t == "secret" else ""},
        )
        for t in titles
    ]
    a, secret, b = tasks
    c = services.task_create(actor=guest, room_id=rm.room.pk, data={"title": "C"})
    services.task_reorder(
        actor=guest, room_id=rm.room.pk, milestone_id=None, task_ids=[c.pk, a.pk, b.pk]
    )
    order = list(
        Task.objects.filter(room=rm.room).order_by("position").values_list("title", flat=True)
    )
    assert order == ["C", "secret", "A", "B"]
    with pytest.raises(Invalid):  # naming a task it cannot see changes nothing
        services.task_reorder(
            actor=guest, room_id=rm.room.pk, milestone_id=None, task_ids=[secret.pk, a.pk]
        )


# -- conversation ----------------------------------------------------------------------------


def test_mentions_notify_room_members_only(rm):
    manager_row = services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=rm.pp.manager.membership.pk
    )
    guest = rm.guest()
    outsider_id = 999999
    comment = services.comment_post(
        actor=guest,
        room_id=rm.room.pk,
        body=f"Hi @[Manager]({manager_row.pk}) and @[Nobody]({outsider_id})",
    )
    event = ActivityEvent.objects.get(verb="room_comment.posted", data__comment=comment.pk)
    assert event.data["mentions"] == [manager_row.pk]
    recipients = set(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    )
    # the manager was mentioned; the owner hears everything (level "all")
    assert recipients == {rm.pp.manager.user_id, rm.rep.user_id}


def test_live_render_reads_member_names_only_for_a_mention(rm):
    """A comment that mentions nobody is rendered without reading the room's names; one that
    mentions someone shows their current name."""
    from dealroom.rooms import live, selectors
    from dealroom.rooms.services.common import latest_event_id

    manager_row = services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=rm.pp.manager.membership.pk
    )
    room = selectors.room_get(actor=rm.rep, room_id=rm.room.pk)
    assert room is not None
    for body, reads_names in [
        ("Nobody named here", False),
        (f"Over to @[Old name]({manager_row.pk})", True),
    ]:
        before = latest_event_id(room)
        services.comment_post(actor=rm.rep, room_id=room.pk, body=body)
        events = selectors.room_events_after(actor=rm.rep, room=room, after=before)
        with CaptureQueriesContext(connection) as queries:
            html = live.event_ops(rm.rep, room, events, slug="alpha")
        sql = [q["sql"] for q in queries.captured_queries]
        names_read = any(
            s.startswith('SELECT "rooms_roommember"."id"') and '"removed_at" IS NULL' in s
            for s in sql
        )
        assert names_read is reads_names, sql
    assert f'data-member="{manager_row.pk}">@{manager_row.name}<' in html


def test_a_rooms_answer_is_kept_for_that_actor_object_only(rm):
    """room_get keeps its answer in the actor's memo; an actor made anew (the next request, a
    socket's re-check, a copy with other rooms) asks again."""
    import dataclasses

    from dealroom.rooms import selectors

    other = rm.second_room()
    guest = dataclasses.replace(rm.guest(), room_ids=frozenset({rm.room.pk, other.pk}))
    assert selectors.room_get(actor=guest, room_id=other.pk) == other
    with CaptureQueriesContext(connection) as queries:
        assert selectors.room_get(actor=guest, room_id=other.pk) == other
    assert queries.captured_queries == []
    narrowed = dataclasses.replace(guest, room_ids=frozenset({rm.room.pk}))
    assert narrowed == dataclasses.replace(guest, room_ids=frozenset({rm.room.pk}))
    assert selectors.room_get(actor=narrowed, room_id=other.pk) is None


def test_an_actor_who_leaves_the_room_has_no_row_in_it_afterwards(rm):
    """The actor's own row is kept in their memo (room_get reads it, me() and own_member_id
    use it); taking themselves out of the room drops it there too."""
    from dealroom.rooms import selectors

    row = services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=rm.pp.manager.membership.pk
    )
    manager = rm.pp.manager  # one actor object: one request
    room = selectors.room_get(actor=manager, room_id=rm.room.pk)
    assert room is not None
    assert selectors.own_member_id(actor=manager, room=room) == row.pk
    services.room_member_remove(actor=manager, room_id=room.pk, member_id=row.pk)
    assert selectors.own_member_id(actor=manager, room=room) is None


def test_a_render_of_several_comments_reads_them_at_once(rm):
    """A socket that fell behind, or a poster whose page missed others' posts, renders several
    comments: one query for all of them and one for the files of those that have any."""
    from dealroom.rooms import live, selectors
    from dealroom.rooms.services.common import latest_event_id

    room = selectors.room_get(actor=rm.rep, room_id=rm.room.pk)
    assert room is not None
    guest = rm.guest()
    before = latest_event_id(room)
    for i in range(4):
        services.comment_post(actor=guest if i % 2 else rm.rep, room_id=room.pk, body=f"c{i}")
    for reader in (rm.rep, guest):
        events = selectors.room_events_after(actor=reader, room=room, after=before)
        with CaptureQueriesContext(connection) as queries:
            html = live.event_ops(reader, room, events, slug="alpha")
        comment_reads = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT "rooms_comment"')
        ]
        assert len(comment_reads) == 1, comment_reads
        assert all(f">c{i}<" in html for i in range(4))


def test_a_partial_context_is_freed_by_reference_counting(rm):
    """live.context and its RoomFiles hold no cycle: a render's context (its plan, comments,
    members) is freed at once, not left for the garbage collector to find (its pauses held up
    live delivery)."""
    import gc
    import weakref

    from dealroom.rooms import live, selectors

    room = selectors.room_get(actor=rm.rep, room_id=rm.room.pk)
    assert room is not None
    gc.disable()
    try:
        ctx = live.context(rm.rep, room, slug="alpha", comments=[])
        assert ctx["files"].resources == []
        files = weakref.ref(ctx["files"])
        del ctx
        assert files() is None
    finally:
        gc.enable()


def test_notification_level_none_silences_the_room(rm):
    services.room_notify_level_set(actor=rm.rep, room_id=rm.room.pk, level="none")
    guest = rm.guest()
    comment = services.comment_post(actor=guest, room_id=rm.room.pk, body="Hello")
    event = ActivityEvent.objects.get(verb="room_comment.posted", data__comment=comment.pk)
    assert not Notification.objects.filter(event=event).exists()


def test_authors_edit_and_delete_their_own_comments_keeping_history(rm):
    guest = rm.guest()
    comment = services.comment_post(actor=guest, room_id=rm.room.pk, body="first")
    services.comment_edit(actor=guest, comment_id=comment.pk, body="second")
    with pytest.raises(Forbidden):
        services.comment_edit(actor=rm.rep, comment_id=comment.pk, body="not mine")
    services.comment_delete(actor=guest, comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.body == "" and comment.deleted_at is not None
    assert list(CommentRevision.objects.filter(comment=comment).values_list("body", flat=True)) == [
        "first",
        "second",
    ]


def test_guests_cannot_post_internal_or_reach_internal_threads(rm):
    guest = rm.guest()
    with pytest.raises(Forbidden):
        services.comment_post(actor=guest, room_id=rm.room.pk, body="x", internal="1")
    internal_task = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Pricing", "internal": "1"}
    )
    with pytest.raises(NotFound):
        services.comment_post(actor=guest, room_id=rm.room.pk, body="x", task_id=internal_task.pk)
    internal = services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="floor", internal="1")
    with pytest.raises(NotFound):
        services.comment_edit(actor=guest, comment_id=internal.pk, body="y")
    assert Comment.objects.filter(room=rm.room).count() == 1


def test_a_guest_of_another_room_reaches_nothing_here(rm):
    other_room = rm.second_room()
    guest = rm.guest(room=other_room)
    assert rm.room.pk not in guest.room_ids
    with pytest.raises(NotFound):
        services.comment_post(actor=guest, room_id=rm.room.pk, body="hi")
    with pytest.raises(NotFound):
        services.task_create(actor=guest, room_id=rm.room.pk, data={"title": "x"})


def test_the_deal_fields_shared_are_only_those_the_sharer_may_see(rm):
    services.room_settings_update(
        actor=rm.rep, room_id=rm.room.pk, shared_fields=["amount", "close_date"], welcome="欢迎"
    )
    rm.room.refresh_from_db()
    assert rm.room.shared_fields == ["amount", "close_date"]
    with pytest.raises(Invalid):
        services.room_settings_update(
            actor=rm.rep, room_id=rm.room.pk, shared_fields=["owner"], welcome=""
        )


def test_room_events_for_a_reader_match_the_one_visibility_rule(rm):
    """The room's own event read (used by pages and sockets) agrees with ActivityEvent
    visibility for every kind of reader."""
    from dealroom.activity.models import ActivityEvent
    from dealroom.rooms import selectors

    guest = rm.guest()
    services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="shared")
    services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="internal", internal="1")
    services.comment_post(actor=guest, room_id=rm.room.pk, body="from the guest")
    from dealroom.rooms.views.guards import refused_socket

    refused_socket(guest, rm.room.pk, "/x/")  # a managers-only event on the room
    for actor in (rm.rep, rm.pp.manager, rm.pp.admin, guest):
        room = selectors.room_get(actor=actor, room_id=rm.room.pk)
        assert room is not None
        fast = [e.pk for e in selectors.room_events_after(actor=actor, room=room, after=0)]
        tab = [e.pk for e in selectors.room_activity(actor=actor, room=room, limit=1000)]
        assert tab == list(reversed(fast)), actor
        rule = list(
            ActivityEvent.objects.visible_to(actor)
            .filter(target_type="rooms.room", target_id=rm.room.pk)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        assert fast == rule, actor


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite writes one transaction at a time"
)
def test_room_events_take_the_room_row_before_their_id(rm):
    """Sockets read a room's events after the last id they have: ids must come in commit
    order, so a room event holds the room's row from before its insert to the commit."""
    with CaptureQueriesContext(connection) as queries:
        services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="In order")
    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if s.endswith("FOR UPDATE") and '"rooms_room"' in s)
    insert = next(
        i for i, s in enumerate(sql) if s.startswith('INSERT INTO "activity_activityevent"')
    )
    assert lock < insert


def test_a_render_asks_once_whether_a_deal_team_member_runs_the_room(rm):
    """Every partial of a render asks whether the reader runs the room; for someone on the
    deal team (not above the owner) that is a query, asked once per reader and room. Someone
    outside the team is still refused running it."""
    from dealroom.core.actors import Member
    from dealroom.pipeline.models import DealTeamMember
    from dealroom.rooms import live, selectors, visibility

    DealTeamMember.objects.create(
        opportunity=rm.deal, member=rm.pp.other.membership, role="co_seller"
    )
    teammate = Member(rm.pp.other.membership)
    room = selectors.room_get(actor=teammate, room_id=rm.room.pk)
    assert room is not None
    services.comment_post(actor=rm.rep, room_id=room.pk, body="for the team")
    services.task_create(actor=rm.rep, room_id=room.pk, data={"title": "Team task"})
    with CaptureQueriesContext(connection) as queries:
        html, _last = live.render_after(teammate, room, 0, slug="alpha", language="en")
    team_reads = [q for q in queries.captured_queries if "pipeline_dealteammember" in q["sql"]]
    assert len(team_reads) == 1, len(team_reads)
    assert "for the team" in html and "Team task" in html
    assert visibility.can_manage(teammate, room)
    DealTeamMember.objects.filter(member=rm.pp.other.membership).delete()
    assert not visibility.can_manage(Member(rm.pp.other.membership), room)
