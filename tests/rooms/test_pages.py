"""Room pages for sellers and guests: the guest's way in (landing page, POST, code), what
each side sees, refusals that look like "not found", and bounded queries."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dealroom.activity.models import ActivityEvent
from dealroom.customers.models import Contact
from dealroom.rooms import services
from dealroom.rooms.models import GuestSession, Room, RoomInvitation, RoomMember

from .conftest import guest_browser, last_code, link_token

pytestmark = pytest.mark.django_db


def test_opening_the_link_redeems_nothing_until_the_button(rm):
    _inv, token = rm.invite()
    browser = Client()
    response = browser.get(f"/r/{token}/")
    assert response.status_code == 302 and response["Location"] == "/r/open/"
    assert response["Referrer-Policy"] == "no-referrer"
    landing = browser.get("/r/open/")
    assert landing.status_code == 200
    assert landing["Referrer-Policy"] == "same-origin"  # nothing to other sites
    assert token not in landing.content.decode()
    assert not GuestSession.objects.exists()  # a mail scanner's GETs open nothing
    with rm.on_commit(execute=True):
        pressed = browser.post("/r/open/")
    assert pressed.status_code == 302 and pressed["Location"] == "/r/code/"
    code_page = browser.get("/r/code/")
    assert "wang@customer.test" in code_page.content.decode()
    wrong = browser.post("/r/code/", {"code": "12345x"})
    assert wrong.status_code == 400
    assert browser.get(rm.base("g")).status_code == 404  # not in before the code
    done = browser.post("/r/code/", {"code": last_code()})
    assert done.status_code == 302 and done["Location"] == rm.base("g")
    page = browser.get(rm.base("g"))
    assert page.status_code == 200
    assert rm.deal.name in page.content.decode()


def test_a_bad_link_shows_a_clear_page_and_can_ask_for_a_new_one(rm):
    invitation, token = rm.invite()
    services.room_invitation_revoke(actor=rm.rep, room_id=rm.room.pk, invitation_id=invitation.pk)
    browser = Client()
    browser.get(f"/r/{token}/")
    page = browser.get("/r/open/")
    assert page.status_code == 410
    assert 'data-testid="ask-new-link"' in page.content.decode()
    asked = browser.post("/r/new-link/", {"message": "please"})
    assert asked.status_code == 200
    event = ActivityEvent.objects.get(verb="room.new_link_requested")
    assert event.notifications.filter(recipient=rm.rep.user).exists()
    tampered = Client()
    tampered.get(f"/r/{token[:-2]}xx/")
    page = tampered.get("/r/open/")
    assert page.status_code == 410
    assert 'data-testid="ask-new-link"' not in page.content.decode()


def test_a_browser_that_proved_the_address_needs_no_new_code(rm, guest_client):
    browser = guest_client()
    mail.outbox = []
    _inv, token = rm.invite()
    token = link_token(mail.outbox[0])
    browser.get(f"/r/{token}/")
    mail.outbox = []
    again = browser.post("/r/open/")
    assert again.status_code == 302 and again["Location"] == rm.base("g")
    assert mail.outbox == []


def test_guests_see_shared_content_only(rm, guest_client):
    services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="Welcome 欢迎 everyone")
    services.comment_post(
        actor=rm.rep, room_id=rm.room.pk, body="Their budget is tight", internal="1"
    )
    services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Send pricing sheet"})
    services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Approve discount", "internal": "1"}
    )
    hidden_ms = services.milestone_create(
        actor=rm.rep, room_id=rm.room.pk, title="Deal desk", internal="1"
    )
    services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Margin check", "milestone": hidden_ms.pk},
    )
    browser = guest_client()
    html = browser.get(rm.base("g")).content.decode()
    assert "Welcome 欢迎 everyone" in html and "Send pricing sheet" in html
    for secret in ("Their budget is tight", "Approve discount", "Deal desk", "Margin check"):
        assert secret not in html
    assert "1,000 CNY" not in html  # the amount is not shared (yet)
    assert 'id="live"' not in html  # no workspace socket, no navigation for guests
    assert "/w/alpha/" not in html
    services.room_settings_update(
        actor=rm.rep, room_id=rm.room.pk, shared_fields=["amount"], welcome=""
    )
    assert "1,000 CNY" in browser.get(rm.base("g")).content.decode()
    seller = rm.pp.world.user("alpha", "rep")
    seller_client = Client()
    seller_client.force_login(seller)
    seller_html = seller_client.get(rm.base("w")).content.decode()
    for text in ("Their budget is tight", "Approve discount", "Deal desk", "Margin check"):
        assert text in seller_html
    assert 'data-testid="internal-badge"' in seller_html


ROLES = [
    # (who, may see the room)
    ("rep", True),  # owns the deal
    ("manager", True),  # manages the owner
    ("admin", True),
    ("other", False),  # a rep outside the owner's team
    ("beta_admin", False),  # another workspace
]


@pytest.mark.parametrize(("who", "sees"), ROLES)
def test_room_access_for_members(rm, who, sees):
    pp = rm.pp
    user = {
        "rep": pp.rep.user,
        "manager": pp.manager.user,
        "admin": pp.admin.user,
        "other": pp.other.user,
        "beta_admin": pp.world.user("beta", "admin"),
    }[who]
    browser = Client()
    browser.force_login(user)
    task = services.task_create(actor=pp.rep, room_id=rm.room.pk, data={"title": "T"})
    urls = [rm.base("w"), rm.base("w") + f"tasks/{task.pk}/", rm.base("w") + "mentions/?q=a"]
    for url in urls:
        assert browser.get(url).status_code == (200 if sees else 404), url
    posted = browser.post(rm.base("w") + "comments/", {"body": "hi"}, HTTP_HX_REQUEST="true")
    assert posted.status_code == (200 if sees else 404)


def test_guest_of_another_room_and_changed_ids_get_404(rm, guest_client):
    other_room = rm.second_room()
    internal = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Internal", "internal": "1"}
    )
    internal_comment = services.comment_post(
        actor=rm.rep, room_id=rm.room.pk, body="secret", internal="1"
    )
    browser = guest_client(room=other_room)
    own = f"/g/alpha/rooms/{other_room.pk}/"
    assert browser.get(own).status_code == 200
    for url in (
        rm.base("g"),
        rm.base("g") + "mentions/?q=",
        rm.base("g") + f"tasks/{internal.pk}/",
        own + f"tasks/{internal.pk}/",  # an item of another room through one's own room
        rm.base("w"),
        f"/w/alpha/deals/{rm.deal.pk}/",
        "/w/alpha/",
    ):
        response = browser.get(url)
        assert response.status_code in (302, 404), url
        assert "Internal" not in response.content.decode()
    edit = browser.post(
        own + f"comments/{internal_comment.pk}/edit/", {"body": "x"}, HTTP_HX_REQUEST="true"
    )
    assert edit.status_code == 404
    assert ActivityEvent.objects.filter(verb="room.access_refused").count() >= 3


def test_a_guest_in_two_rooms_switches_between_just_those(rm, guest_client):
    other_room = rm.second_room()
    browser = guest_client()
    mail.outbox = []
    rm.invite(room=other_room)
    guest_browser(link_token(mail.outbox[0]), rm.on_commit, client=browser)  # no new code
    assert browser.get(f"/g/alpha/rooms/{other_room.pk}/").status_code == 200
    listing = browser.get("/g/alpha/rooms/").content.decode()
    assert "Second deal 第二单" in listing and rm.deal.name in listing
    assert listing.count('data-testid="my-room"') == 2


def test_a_guest_browser_opens_only_the_rooms_whose_links_it_redeemed(rm, guest_client):
    """The same contact is a guest of room A (the rep's) and room B (another seller's deal):
    a browser that came in by A's link does not open B, by page or API, until it redeems B's
    link; revoking B's links then closes B for that browser and leaves A open."""
    other_deal = rm.pp.deal(
        rm.pp.manager, account=rm.deal.account, name="Other seller's deal", **rm.pp.ready()
    )
    room_b = Room.objects.get(opportunity=other_deal)
    browser = guest_client()  # came in by room A's link
    mail.outbox = []
    rm.invite(room=room_b, actor=rm.pp.manager)
    b_token = link_token(mail.outbox[0])
    page_b = f"/g/alpha/rooms/{room_b.pk}/"
    assert browser.get(rm.base("g")).status_code == 200
    assert browser.get(page_b).status_code == 404
    assert browser.get(f"/api/g/alpha/rooms/{room_b.pk}").status_code == 404
    assert browser.get(f"/api/g/alpha/rooms/{room_b.pk}/plan").status_code == 404
    listing = browser.get("/g/alpha/rooms/").content.decode()
    assert "Other seller" not in listing
    guest_browser(b_token, rm.on_commit, client=browser)  # redeems B's link: B opens
    assert browser.get(page_b).status_code == 200
    assert browser.get(f"/api/g/alpha/rooms/{room_b.pk}").status_code == 200
    b_guest = RoomMember.objects.get(room=room_b, contact=rm.contact)
    services.room_guest_links_revoke(actor=rm.pp.manager, room_id=room_b.pk, member_id=b_guest.pk)
    assert browser.get(page_b).status_code == 404
    assert browser.get(f"/api/g/alpha/rooms/{room_b.pk}").status_code == 404
    assert browser.get(rm.base("g")).status_code == 200  # room A untouched
    assert browser.get(f"/api/g/alpha/rooms/{rm.room.pk}").status_code == 200


def test_a_browser_proving_another_address_keeps_the_rooms_it_had(rm, guest_client):
    """Room B's link went to the contact's other address: the browser proves it with a code,
    and keeps room A."""
    Contact.objects.filter(pk=rm.contact.pk).update(emails=["wang@customer.test", "fang@home.test"])
    room_b = rm.second_room()
    browser = guest_client()
    mail.outbox = []
    rm.invite(room=room_b, contact_id=rm.contact.pk, email="fang@home.test")
    assert browser.get(f"/r/{link_token(mail.outbox[0])}/").status_code == 302
    with rm.on_commit(execute=True):
        opened = browser.post("/r/open/")
    assert opened["Location"] == "/r/code/"  # another address: a code first
    assert browser.post("/r/code/", {"code": last_code()}).status_code == 302
    assert browser.get(f"/g/alpha/rooms/{room_b.pk}/").status_code == 200
    assert browser.get(rm.base("g")).status_code == 200


def test_revoking_ends_the_guest_session_at_once(rm, guest_client):
    browser = guest_client()
    assert browser.get(rm.base("g")).status_code == 200
    invitation = RoomInvitation.objects.get(room=rm.room)
    services.room_invitation_revoke(actor=rm.rep, room_id=rm.room.pk, invitation_id=invitation.pk)
    assert browser.get(rm.base("g")).status_code == 404


def test_my_rooms_marks_unread(rm, guest_client):
    seller = Client()
    seller.force_login(rm.rep.user)
    seller.get(rm.base("w"))  # read up to now
    listing = seller.get("/w/alpha/rooms/").content.decode()
    assert 'data-testid="my-room"' in listing and 'data-testid="unread"' not in listing
    guest = rm.guest()
    services.comment_post(actor=guest, room_id=rm.room.pk, body="Question 问题")
    listing = seller.get("/w/alpha/rooms/").content.decode()
    assert 'data-testid="unread"' in listing
    seller.get(rm.base("w"))
    assert 'data-testid="unread"' not in seller.get("/w/alpha/rooms/").content.decode()


def test_posting_answers_with_what_changed_since_the_cursor(rm):
    seller = Client()
    seller.force_login(rm.rep.user)
    response = seller.post(
        rm.base("w") + "comments/",
        {"body": "**Hello** <script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
        HTTP_X_ROOM_CURSOR="0",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-op="upsert" data-into="#thread-room"' in body
    assert "<strong>Hello</strong>" in body and "<script>" not in body
    assert 'data-op="cursor"' in body
    bad = seller.post(rm.base("w") + "comments/", {"body": "  "}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Write something first." in bad.content.decode()


# The statements of the room's busiest request, a comment posted with the page's cursor
# current: session and actor, the room and the poster's right to it (asked once: the service
# gets the view's answer from the actor's memo, a seller's own row with it), a guest's own
# row, the comment, the members to notify, the room's lock, the event and its targets,
# read-up-to, then the answer (events, comment).
POST_STATEMENTS = {"w": 14, "g": 15}


@pytest.mark.parametrize("side", ["w", "g"])
def test_posting_a_comment_costs_a_fixed_number_of_statements(rm, guest_client, side):
    """The room is read once (the service finds the view's answer in the actor's memo); a
    member of the room is not asked the deal's visibility (a subquery over teams and
    territories), nor a guest's room of the database again; the members are read once."""
    if side == "w":
        browser = Client()
        browser.force_login(rm.rep.user)
    else:
        browser = guest_client()
    url = rm.base(side) + "comments/"
    browser.post(url, {"body": "first"}, HTTP_HX_REQUEST="true")  # a seller joins the room
    cursor = ActivityEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    with CaptureQueriesContext(connection) as ctx:
        response = browser.post(
            url, {"body": "second"}, HTTP_HX_REQUEST="true", HTTP_X_ROOM_CURSOR=str(cursor)
        )
    assert response.status_code == 200 and "second" in response.content.decode()
    sql = [q["sql"] for q in ctx.captured_queries]
    statements = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) <= POST_STATEMENTS[side], "\n".join(statements)
    assert not any(s.startswith('SELECT 1 AS "a" FROM "pipeline_opportunity"') for s in sql)
    assert not any(s.startswith('SELECT 1 AS "a" FROM "rooms_room"') for s in sql)
    assert sum(s.startswith('SELECT "rooms_room"."id", ') for s in sql) == 1  # read once
    own_rows = [s for s in sql if s.startswith('SELECT "rooms_roommember"."id"') and "LIMIT" in s]
    assert len(own_rows) == 1, own_rows  # the poster's own row, read once


def _fill(rm, tasks: int, comments: int) -> None:
    guest = rm.guest()
    ms = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="M")
    for i in range(tasks):
        task = services.task_create(
            actor=rm.rep, room_id=rm.room.pk, data={"title": f"T{i}", "milestone": ms.pk}
        )
        services.task_update(
            actor=rm.rep, task_id=task.pk, data={"assignees": [task.created_by_id]}
        )
    for i in range(comments):
        services.comment_post(actor=guest if i % 2 else rm.rep, room_id=rm.room.pk, body=f"c{i}")


@pytest.mark.parametrize("side", ["w", "g"])
def test_room_page_queries_do_not_grow_with_the_room(rm, side):
    def count() -> int:
        if side == "w":
            browser = Client()
            browser.force_login(rm.rep.user)
        else:
            mail.outbox = []
            rm.invite()
            browser = guest_browser(link_token(mail.outbox[-1]), rm.on_commit)
        browser.get(rm.base(side))  # a first visit writes more (first opened, notifications)
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(rm.base(side)).status_code == 200
        return len(ctx.captured_queries)

    _fill(rm, 3, 4)
    small = count()
    _fill(rm, 30, 60)
    assert count() == small


def test_the_room_page_reads_the_sellers_own_row_once(rm):
    """The guard's room check reads it; marking the room read takes it from the actor's memo."""
    browser = Client()
    browser.force_login(rm.rep.user)
    browser.get(rm.base("w"))
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(rm.base("w")).status_code == 200
    own_rows = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "rooms_roommember"."id", "rooms_roommember"."workspace_id"')
        and "LIMIT" in q["sql"]
    ]
    assert len(own_rows) == 1, own_rows


def test_the_deal_page_leads_to_its_room_with_the_guests_engagement(rm, guest_client):
    guest_client().get(rm.base("g"))
    seller = Client()
    seller.force_login(rm.rep.user)
    html = seller.get(f"/w/alpha/deals/{rm.deal.pk}/").content.decode()
    assert f'href="{rm.base("w")}"' in html
    assert "1 of 1 guest opened the room" in html
    tag = rm.pp.deal(opp_type=rm.pp.tag, name="Referral only")
    assert (
        'data-testid="deal-room-panel"'
        not in seller.get(f"/w/alpha/deals/{tag.pk}/").content.decode()
    )


def test_admins_set_the_rules_for_rooms_and_bad_input_changes_nothing(rm):
    from dealroom.rooms.selectors import room_settings

    url = "/w/alpha/rooms/settings/"
    rep = Client()
    rep.force_login(rm.rep.user)
    assert rep.get(url).status_code == 403
    admin = Client()
    admin.force_login(rm.pp.admin.user)
    assert admin.get(url).status_code == 200
    bad = admin.post(url, {"invite_days": "0", "max_file_mb": "lots", "require_email_code": "1"})
    assert bad.status_code == 400
    assert "Enter a whole number from 1 to 365." in bad.content.decode()
    assert room_settings(rm.world.a.pk).invite_days == 14
    ok = admin.post(url, {"invite_days": "3", "max_file_mb": "10"})
    assert ok.status_code == 302
    saved = room_settings(rm.world.a.pk)
    assert (saved.invite_days, saved.max_file_mb, saved.require_email_code) == (3, 10, False)
    invitation, _token = rm.invite()
    assert round((invitation.expires_at - invitation.created_at).total_seconds() / 86400) == 3


def test_sharing_deal_fields_updates_the_header_for_guests(rm):
    guest = rm.guest()
    from dealroom.rooms import live, selectors

    services.room_settings_update(
        actor=rm.rep, room_id=rm.room.pk, shared_fields=["amount"], welcome="Hi 你好"
    )
    room = selectors.room_get(actor=guest, room_id=rm.room.pk)
    assert room is not None
    events = selectors.room_events_after(actor=guest, room=room, after=0)
    html = str(live.event_ops(guest, room, events, slug="alpha"))
    assert 'id="room-header"' in html and "1,000 CNY" in html and "Hi 你好" in html


def test_plan_rows_show_each_state_escaped(rm, guest_client):
    """Task rows are put together in Python (templatetags/rooms.py: task_rows): what they say
    is escaped like template output, and the states show as the page's styles and script
    expect."""
    from datetime import timedelta

    from django.utils import timezone

    late = services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "<script>alert(1)</script> 报价", "due_at": ""},
    )
    late = services.task_update(
        actor=rm.rep,
        task_id=late.pk,
        data={"due_at": (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")},
    )
    stuck = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Legal"})
    services.task_status_set(
        actor=rm.rep, task_id=stuck.pk, status="blocked", reason='Waiting on "<b>legal</b>"'
    )
    services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Deal desk", "internal": "1"}
    )
    html = Client()
    html.force_login(rm.pp.world.user("alpha", "rep"))
    page = html.get(rm.base("w")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 报价" in page
    assert f'id="task-{late.pk}"' in page and "is-overdue" in page
    assert 'title="Waiting on &quot;&lt;b&gt;legal&lt;/b&gt;&quot;"' in page
    assert "status-blocked" in page and "is-internal" in page
    assert f'hx-post="{rm.base("w")}tasks/{stuck.pk}/status/"' in page
    # a guest sees the shared rows, with no internal one
    guest_page = guest_client().get(rm.base("g")).content.decode()
    assert "Legal" in guest_page and "Deal desk" not in guest_page


def test_a_comments_edit_form_posts_to_its_own_url(rm):
    """Comment forms build their URLs on the room's (`base`), not one reverse per comment:
    the form found on the page must edit that comment."""
    import re

    comment = services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="First draft")
    seller = Client()
    seller.force_login(rm.pp.world.user("alpha", "rep"))
    page = seller.get(rm.base("w")).content.decode()
    found = re.search(rf'hx-post="([^"]*comments/{comment.pk}/edit/)"', page)
    assert found is not None
    url = found.group(1)
    assert url == f"{rm.base('w')}comments/{comment.pk}/edit/"
    assert seller.post(url, {"body": "Second draft"}, HTTP_HX_REQUEST="true").status_code == 200
    comment.refresh_from_db()
    assert comment.body == "Second draft"


def test_a_guests_links_are_one_line_in_the_people_panel_and_are_revoked_together(rm):
    """An invitation, its re-send and a notification e-mail's link: one line for the guest
    (expired links left out), and one press revokes them all and signs the guest's browser
    out; the guest stays in the room. Only those who run the room may: anyone else's press
    changes nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from dealroom.rooms.models import RoomMember
    from dealroom.rooms.services.notify import room_url_for

    rm.no_codes()
    first, token = rm.invite()
    rm.invite()  # sent again
    guest_row = first.member
    room_url_for(guest_row)  # a link in a notification e-mail
    old, _old_token = rm.invite(email="old@customer.test", name="旧客户 Old")
    RoomInvitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(1))
    browser = guest_browser(token, rm.on_commit)
    assert browser.get(rm.base("g")).status_code == 200

    seller = Client()
    seller.force_login(rm.rep.user)
    html = seller.get(rm.base("w")).content.decode()
    assert html.count('data-testid="guest-links"') == 1  # 王芳's three; the expired one is not
    assert "3 links" in html

    revoke = rm.base("w") + f"people/{guest_row.pk}/links/revoke/"
    # Another guest of the room sees the room, not the running of it; a seller outside the
    # deal's team does not see the room at all.
    other_guest = guest_browser(rm.invite(email="li@customer.test", name="李雷")[1], rm.on_commit)
    refused = other_guest.post(rm.base("g") + f"people/{guest_row.pk}/links/revoke/")
    assert refused.status_code == 403
    outsider = Client()
    outsider.force_login(rm.pp.other.user)
    assert outsider.post(revoke).status_code == 404
    assert RoomInvitation.objects.filter(member=guest_row, revoked_at__isnull=True).count() == 3

    with rm.on_commit(execute=True):
        done = seller.post(revoke, headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert not RoomInvitation.objects.filter(member=guest_row, revoked_at__isnull=True).exists()
    assert browser.get(rm.base("g")).status_code == 404  # signed out
    assert RoomMember.objects.get(pk=guest_row.pk).removed_at is None  # still in the room
    event = ActivityEvent.objects.get(verb="room.invitation_revoked")
    assert event.data["links"] == 3
    seller_member = RoomMember.objects.filter(room=rm.room, membership__isnull=False).first()
    assert seller_member is not None
    not_a_guest = rm.base("w") + f"people/{seller_member.pk}/links/revoke/"
    assert seller.post(not_a_guest, headers={"HX-Request": "true"}).status_code == 404
    # A guest of another room is not this room's to revoke: nothing of theirs changes.
    elsewhere, _token = rm.invite(room=rm.second_room())
    not_here = rm.base("w") + f"people/{elsewhere.member_id}/links/revoke/"
    assert seller.post(not_here, headers={"HX-Request": "true"}).status_code == 404
    assert RoomInvitation.objects.get(pk=elsewhere.pk).revoked_at is None


def test_numbers_no_database_holds_are_refused_not_server_errors(rm):
    """Ids and cursors beyond 64 bits in forms and query strings (issue 20, point 6)."""
    huge = str(2**70)
    seller = Client()
    seller.force_login(rm.rep.user)
    created = seller.post(
        rm.base("w") + "tasks/",
        {"title": "Call", "assignees_sent": "1", "assignees": [huge]},
        HTTP_HX_REQUEST="true",
    )
    assert created.status_code == 400 and "Assign people who are in this room" in created.text
    moved = seller.post(
        rm.base("w") + "tasks/", {"title": "Call", "milestone": huge}, HTTP_HX_REQUEST="true"
    )
    assert moved.status_code == 400
    assert seller.get(rm.base("w") + f"tasks/{huge}/").status_code == 404
    htmx = {"HX-Request": "true"}  # opened directly, these lead to the room page
    assert seller.get(rm.base("w") + f"activity/?before={huge}", headers=htmx).status_code == 200
    assert seller.get(rm.base("w") + "activity/?before=%C2%B3", headers=htmx).status_code == 200
    assert seller.get(rm.base("w") + f"thread/?before={huge}", headers=htmx).status_code == 404
    assert seller.get("/w/alpha/activity/?before=" + huge).status_code == 200
