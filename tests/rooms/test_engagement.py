"""Engagement: guests' views, downloads and viewing time per resource (sellers' own use not
counted), the heartbeat's limits, the sellers' one notification of a guest's first open, the
engagement panel (sellers only) and the deal page's summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.core.actors import Guest
from dealroom.rooms import selectors, services
from dealroom.rooms.models import Engagement, NotifyLevel, RoomMember

from .conftest import guest_browser, link_token
from .test_files import pdf

pytestmark = pytest.mark.django_db

VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"v" * 4000


def seller_client(rm) -> Client:
    browser = Client()
    browser.force_login(rm.rep.user)
    return browser


def a_resource(rm, **kw):
    return services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf(), **kw)


def opened_events(rm):
    return ActivityEvent.objects.filter(verb="room_resource.opened")


def test_guests_are_counted_sellers_are_not(rm, guest_client):
    resource = a_resource(rm)
    url = f"files/{resource.file_id}/"
    seller = seller_client(rm)
    seller.get(rm.base("w") + url)
    seller.get(rm.base("w") + url + "?inline=1")
    assert not Engagement.objects.exists()
    guest = guest_client()
    guest.get(rm.base("g") + url)  # download
    guest.get(rm.base("g") + url + "?inline=1")  # opened in a tab
    guest.get(rm.base("g") + url + "?inline=1&preview=1")  # the page's own preview: not a view
    row = Engagement.objects.get()
    assert (row.views, row.downloads, row.seconds) == (1, 1, 0)
    assert row.member.contact_id == rm.contact.pk
    assert row.first_seen_at <= row.last_seen_at


def test_the_sellers_hear_of_a_guests_first_open_exactly_once(rm):
    quiet = rm.pp.manager
    services.room_member_add(actor=rm.rep, room_id=rm.room.pk, membership_id=quiet.membership.pk)
    services.room_notify_level_set(actor=quiet, room_id=rm.room.pk, level=NotifyLevel.NONE)
    resource = a_resource(rm)
    guest = rm.guest()
    for kind in ("view", "download", "view"):
        services.engagement_record(actor=guest, resource_id=resource.pk, kind=kind)
    assert opened_events(rm).count() == 1
    event = opened_events(rm).get()
    assert event.audience == "record"  # internal: guests never see tracking
    recipients = set(Notification.objects.filter(event=event).values_list("recipient", flat=True))
    assert recipients == {rm.rep.user_id}  # the owner; not the one who chose "nothing"
    assert ActivityEvent.objects.filter(verb="room_resource.viewed").count() == 1
    assert ActivityEvent.objects.filter(verb="room_resource.downloaded").count() == 1
    # Another guest opening it is news again, once.
    rm.invite(email="li@customer.test", name="李雷")
    other = RoomMember.objects.get(room=rm.room, email="li@customer.test")
    assert other.contact_id is not None
    second = Guest(
        workspace=rm.world.a, contact_id=other.contact_id, room_ids=frozenset({rm.room.pk})
    )
    services.engagement_record(actor=second, resource_id=resource.pk, kind="view")
    services.engagement_record(actor=second, resource_id=resource.pk, kind="view")
    assert opened_events(rm).count() == 2


def test_guests_never_see_tracking_theirs_or_others(rm, guest_client):
    resource = a_resource(rm)
    guest = rm.guest()
    services.engagement_record(actor=guest, resource_id=resource.pk, kind="view")
    events = selectors.room_events_after(actor=guest, room=rm.room, after=0)
    assert not [e for e in events if e.verb.startswith("room_resource.opened")]
    assert not Engagement.objects.visible_to(guest).exists()
    assert selectors.engagement_panel(actor=guest, room=rm.room) is None
    html = guest_client().get(rm.base("g")).content.decode()
    assert 'id="room-engagement"' not in html and "opened “" not in html


def test_the_heartbeat_counts_at_most_a_minute_and_only_time_that_passed(rm, guest_client):
    resource = a_resource(rm)
    guest = guest_client()
    beat = rm.base("g") + f"resources/{resource.pk}/beat/"
    assert guest.post(beat, {"start": "1"}).status_code == 204
    row = Engagement.objects.get()
    assert row.views == 1
    Engagement.objects.filter(pk=row.pk).update(last_seen_at=row.last_seen_at - timedelta(hours=1))
    guest.post(beat, {"seconds": "5000"})
    row.refresh_from_db()
    assert row.seconds == 60  # capped per beat
    guest.post(beat, {"seconds": "15"})  # right after: no time has passed
    row.refresh_from_db()
    assert row.seconds <= 63
    assert guest.post(beat, {"seconds": "soon"}).status_code == 400
    seller = seller_client(rm)
    assert (
        seller.post(rm.base("w") + f"resources/{resource.pk}/beat/", {"start": "1"}).status_code
        == 204
    )
    assert Engagement.objects.count() == 1
    internal = a_resource(rm, internal="1")
    assert (
        guest.post(rm.base("g") + f"resources/{internal.pk}/beat/", {"start": "1"}).status_code
        == 404
    )


def test_a_video_plays_in_the_page_by_ranges(rm, guest_client):
    resource = services.resource_upload(
        actor=rm.rep,
        room_id=rm.room.pk,
        uploaded=SimpleUploadedFile("demo.mp4", VIDEO),
    )
    assert resource.kind == "video" and resource.file is not None
    assert resource.file.content_type == "video/mp4"
    guest = guest_client()
    url = rm.base("g") + f"files/{resource.file_id}/?inline=1&preview=1"
    part = guest.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(VIDEO)}"
    assert part.getvalue() == VIDEO[10:20]
    assert part["Accept-Ranges"] == "bytes" and part["Content-Disposition"].startswith("inline;")
    assert guest.get(url, HTTP_RANGE=f"bytes={len(VIDEO) + 5}-").status_code == 416
    assert not Engagement.objects.exists()  # the player's requests are not views
    html = guest.get(rm.base("g")).content.decode()
    assert f'data-beat-url="{rm.base("g")}resources/{resource.pk}/beat/"' in html
    assert "data-beat-url" not in seller_client(rm).get(rm.base("w")).content.decode()


def test_the_engagement_panel_shows_each_guest_to_the_sellers(rm, guest_client):
    resource = a_resource(rm, kind="proposal")
    guest = guest_client()
    guest.get(rm.base("g"))
    guest.get(rm.base("g") + f"files/{resource.file_id}/")
    rm.invite(email="silent@customer.test", name="Silent Bob")
    panel = selectors.engagement_panel(actor=rm.rep, room=rm.room)
    assert panel is not None
    assert [g.member.name for g in panel] == ["王芳", "Silent Bob"]  # active first
    assert (panel[0].downloads, panel[0].views) == (1, 0)
    assert panel[1].last_activity is None
    html = seller_client(rm).get(rm.base("w")).content.decode()
    assert 'id="room-engagement"' in html
    assert 'data-testid="engagement-never"' in html  # Silent Bob never came
    assert 'data-testid="engagement-row"' in html


def test_the_deal_page_summary(rm, guest_client):
    resource = a_resource(rm)
    guest = guest_client()
    guest.get(rm.base("g"))
    guest.get(rm.base("g") + f"files/{resource.file_id}/?inline=1")
    guest.get(rm.base("g") + f"files/{resource.file_id}/")
    rm.invite(email="silent@customer.test", name="Silent Bob")
    summary = selectors.engagement_summary(rm.rep, rm.deal)
    assert summary is not None
    assert (summary.invited, summary.opened, summary.views, summary.downloads) == (2, 1, 1, 1)
    assert summary.resources_opened == 1 and summary.last_activity is not None
    assert selectors.engagement_summary(rm.pp.other, rm.deal) is None  # cannot see the deal
    assert selectors.engagement_summary(rm.guest(), rm.deal) is None
    from django.template.loader import render_to_string

    line = render_to_string("rooms/_deal_engagement.html", {"summary": summary})
    assert "1 of 2 guests opened the room" in line and "1 resource view" in line


def test_removed_guests_leave_the_panel(rm):
    guest = rm.guest()
    member = RoomMember.objects.get(room=rm.room, contact=rm.contact)
    services.engagement_record(actor=guest, resource_id=a_resource(rm).pk, kind="view")
    services.room_member_remove(actor=rm.rep, room_id=rm.room.pk, member_id=member.pk)
    assert selectors.engagement_panel(actor=rm.rep, room=rm.room) == []


def test_a_pdf_opens_in_a_viewer_page_that_times_the_guest(rm, guest_client):
    """The resource list opens PDFs, images and videos in a viewer page of the room: the file
    is framed from our own origin only, and a guest's page carries the heartbeat; links and
    other files have no viewer; what the guest may not see is a 404."""
    from tests.rooms_units.test_uploads import docx_bytes

    resource = a_resource(rm, title="Proposal 报价")
    viewer = rm.base("g") + f"resources/{resource.pk}/view/"
    guest = guest_client()
    room_html = guest.get(rm.base("g")).content.decode()
    assert f'href="{viewer}"' in room_html

    page = guest.get(viewer)
    assert page.status_code == 200
    html = page.content.decode()
    file_url = rm.base("g") + f"files/{resource.file_id}/"
    assert f'src="{file_url}?inline=1&amp;preview=1"' in html and "<iframe" in html
    assert f'data-beat-open="{rm.base("g")}resources/{resource.pk}/beat/"' in html
    assert 'id="main-nav"' not in html  # a guest's pages have no navigation
    mail.outbox = []
    rm.invite(room=rm.second_room())  # in two rooms: the bar lets them switch, here too
    guest_browser(link_token(mail.outbox[0]), rm.on_commit, client=guest)
    assert 'data-testid="guest-room-switch"' in guest.get(viewer).content.decode()

    framed = guest.get(file_url + "?inline=1&preview=1")
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    assert Engagement.objects.count() == 0  # the viewer's own load is not an open
    downloaded = guest.get(file_url)
    assert downloaded["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in downloaded["Content-Security-Policy"]

    seller_html = seller_client(rm).get(rm.base("w") + f"resources/{resource.pk}/view/")
    assert seller_html.status_code == 200
    assert "data-beat-open" not in seller_html.content.decode()  # sellers are not timed

    internal = a_resource(rm, internal="1")
    link = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://example.com/pricing", title="Pricing"
    )
    document = services.resource_upload(
        actor=rm.rep,
        room_id=rm.room.pk,
        uploaded=SimpleUploadedFile("terms.docx", docx_bytes()),
    )
    for hidden in (internal, link, document):
        assert guest.get(rm.base("g") + f"resources/{hidden.pk}/view/").status_code == 404
    assert guest.get(rm.base("g") + "resources/999999/view/").status_code == 404
    elsewhere = services.resource_upload(  # another room's: not through this room's address
        actor=rm.rep, room_id=rm.second_room().pk, uploaded=pdf()
    )
    assert guest.get(rm.base("g") + f"resources/{elsewhere.pk}/view/").status_code == 404
