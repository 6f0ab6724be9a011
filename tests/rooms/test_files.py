"""Files in a room: uploading to the resources section, to tasks and with comments; downloads
re-authorised every time (404 for what the reader may not see, like what does not exist); the
headers files go out with; refused files leaving nothing stored; images cleaned; who may
change what; live operations; bounded page queries."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from dealroom.activity.models import ActivityEvent
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.rooms import live, selectors, services
from dealroom.rooms.models import Resource, RoomFile, RoomSettings
from tests.rooms_units.test_uploads import docx_bytes, gps_exif, image_bytes, pe_executable

from .conftest import guest_browser, link_token, stored

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def page(response) -> str:
    """A page without what differs by request: its CSRF token and its own path."""
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return html.replace(response.wsgi_request.path, "<path>")


def pdf(name: str = "Proposal 报价.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def seller_client(rm, user=None) -> Client:
    browser = Client()
    browser.force_login(user or rm.rep.user)
    return browser


def htmx(browser: Client, url: str, data: dict):
    return browser.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_ROOM_CURSOR="0")


def download(browser: Client, url: str):
    response = browser.get(url)
    body = response.getvalue() if response.status_code == 200 else b""
    return response, body


# -- upload and download ---------------------------------------------------------------------


def test_a_seller_uploads_a_resource_and_both_sides_download_it(rm, guest_client, media):
    seller = seller_client(rm)
    response = htmx(seller, rm.base("w") + "resources/upload/", {"file": pdf(), "kind": "proposal"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="resource-list"' in body and "Proposal 报价.pdf" in body
    assert 'id="room-engagement"' in body  # the sellers' panel follows along
    file = RoomFile.objects.get()
    assert file.is_resource and file.kind == "pdf" and file.size == len(PDF)
    assert file.storage_name.startswith(f"rooms/{rm.room.workspace_id}/{rm.room.pk}/")
    assert "报价" not in file.storage_name  # the user's name never reaches the disk
    assert [p.read_bytes() for p in stored(media)] == [PDF]
    assert ActivityEvent.objects.filter(verb="room_resource.added", audience="shared").exists()

    url = f"files/{file.pk}/"
    response, content = download(seller, rm.base("w") + url)
    assert response.status_code == 200 and content == PDF
    guest = guest_client()
    response, content = download(guest, rm.base("g") + url)
    assert response.status_code == 200 and content == PDF
    assert "Proposal 报价.pdf" in guest.get(rm.base("g")).content.decode()


def test_downloads_carry_their_type_and_go_out_as_attachments(rm, guest_client):
    resource = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    doc = services.resource_upload(
        actor=rm.rep,
        room_id=rm.room.pk,
        uploaded=SimpleUploadedFile("terms.docx", docx_bytes()),
    )
    guest = guest_client()
    base = rm.base("g") + "files/"
    response, _ = download(guest, f"{base}{resource.file_id}/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Proposal%20%E6%8A%A5%E4%BB%B7.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == str(len(PDF))
    inline, _ = download(guest, f"{base}{resource.file_id}/?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    not_inline, _ = download(guest, f"{base}{doc.file_id}/?inline=1")  # only images, PDF, video
    assert not_inline["Content-Disposition"].startswith("attachment;")
    assert not_inline["Content-Type"].startswith("application/vnd.openxmlformats")


def test_guests_get_404_for_internal_deleted_and_other_rooms_files(rm, guest_client):
    internal = services.resource_upload(
        actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("pricing.pdf"), internal="1"
    )
    deleted = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("old.pdf"))
    services.resource_delete(actor=rm.rep, resource_id=deleted.pk)
    other_room = rm.second_room()
    elsewhere = services.resource_upload(
        actor=rm.rep, room_id=other_room.pk, uploaded=pdf("other.pdf")
    )
    secret_task = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Margin", "internal": "1"}
    )
    on_secret_task = services.attachment_upload(
        actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("margin.pdf"), task_id=secret_task.pk
    )
    secret_comment = services.comment_post_with_files(
        actor=rm.rep, room_id=rm.room.pk, body="ours", uploaded=[pdf("notes.pdf")], internal="1"
    )
    on_secret_comment = RoomFile.objects.get(comment=secret_comment)
    guest = guest_client()
    missing = guest.get(rm.base("g") + "files/999999/")
    assert missing.status_code == 404
    for file_id in (
        internal.file_id,
        deleted.file_id,
        elsewhere.file_id,
        on_secret_task.pk,
        on_secret_comment.pk,
    ):
        response = guest.get(rm.base("g") + f"files/{file_id}/")
        assert response.status_code == 404
        assert page(response) == page(missing)  # "not allowed" looks like "not there"
    assert guest.get(rm.base("g", other_room) + f"files/{elsewhere.file_id}/").status_code == 404
    assert ActivityEvent.objects.filter(verb="room.access_refused").count() >= 6
    html = guest.get(rm.base("g")).content.decode()
    for name in ("pricing.pdf", "margin.pdf", "notes.pdf"):
        assert name not in html
    assert f"files/{deleted.file_id}/" not in html  # its removal is on record, the file is gone
    seller = seller_client(rm)
    assert seller.get(rm.base("w") + f"files/{internal.file_id}/").status_code == 200
    assert seller.get(rm.base("w") + f"files/{deleted.file_id}/").status_code == 404
    outsider = seller_client(rm, rm.pp.other.user)  # a rep who does not see the deal
    assert outsider.get(rm.base("w") + f"files/{internal.file_id}/").status_code == 404


def test_making_a_resource_or_task_internal_takes_its_file_from_guests_at_once(rm, guest_client):
    resource = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Sign"})
    attached = services.attachment_upload(
        actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("nda.pdf"), task_id=task.pk
    )
    guest = guest_client()
    assert guest.get(rm.base("g") + f"files/{resource.file_id}/").status_code == 200
    assert guest.get(rm.base("g") + f"files/{attached.pk}/").status_code == 200
    services.resource_internal_set(actor=rm.rep, resource_id=resource.pk, internal="1")
    services.task_update(actor=rm.rep, task_id=task.pk, data={"internal": "1"})
    assert guest.get(rm.base("g") + f"files/{resource.file_id}/").status_code == 404
    assert guest.get(rm.base("g") + f"files/{attached.pk}/").status_code == 404


# -- refused files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", pe_executable(), "Programs, scripts and web pages (.exe)"),
        ("invoice.pdf", pe_executable(), "contains a program"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "contains a program"),
    ],
)
def test_blocked_files_are_refused_with_a_clear_message_and_nothing_stored(
    rm, media, name, content, message
):
    seller = seller_client(rm)
    events = ActivityEvent.objects.count()
    response = htmx(
        seller, rm.base("w") + "resources/upload/", {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored(media) == []
    assert not RoomFile.objects.exists() and not Resource.objects.exists()
    assert ActivityEvent.objects.count() == events


def test_a_file_over_the_workspace_limit_is_refused_and_nothing_stored(rm, media, guest_client):
    RoomSettings.objects.update_or_create(workspace=rm.world.a, defaults={"max_file_mb": 1})
    big = SimpleUploadedFile("notes.txt", b"a" * (1024 * 1024 + 1))
    guest = guest_client()
    response = htmx(guest, rm.base("g") + "resources/upload/", {"file": big})
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.content.decode()
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "T"})
    big.seek(0)
    on_task = htmx(guest, rm.base("g") + f"tasks/{task.pk}/files/", {"file": big})
    assert on_task.status_code == 400
    big.seek(0)
    with_comment = htmx(guest, rm.base("g") + "comments/", {"body": "see attached", "file": big})
    assert with_comment.status_code == 400
    assert stored(media) == [] and not RoomFile.objects.exists()
    assert not ActivityEvent.objects.filter(verb="room_comment.posted").exists()


def test_a_failed_write_removes_the_stored_file(rm, media, monkeypatch):
    from dealroom.rooms.services import files

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(files, "room_event", broken)
    with pytest.raises(RuntimeError):
        services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    assert stored(media) == []
    assert not RoomFile.objects.exists()


def test_a_refused_comment_stores_none_of_its_files(rm, media):
    with pytest.raises(Invalid):
        services.comment_post_with_files(
            actor=rm.rep, room_id=rm.room.pk, body="x" * 10_001, uploaded=[pdf()]
        )
    assert stored(media) == [] and not RoomFile.objects.exists()


def test_images_are_re_encoded_without_their_location(rm, guest_client, media):
    photo = image_bytes("JPEG", size=(60, 40), exif=gps_exif())
    assert b"SpyCam" in photo
    guest = guest_client()
    htmx(guest, rm.base("g") + "resources/upload/", {"file": SimpleUploadedFile("site.jpg", photo)})
    file = RoomFile.objects.get()
    assert file.kind == "image" and file.content_type == "image/jpeg"
    response, content = download(guest, rm.base("g") + f"files/{file.pk}/?inline=1")
    assert response["Content-Disposition"].startswith("inline;")
    assert b"SpyCam" not in content
    with Image.open(io.BytesIO(content)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825)  # no GPS
        assert image.size == (40, 60)  # turned upright, then the orientation dropped


# -- attachments -----------------------------------------------------------------------------


def test_a_comment_with_files_shows_them_to_both_sides(rm, guest_client):
    seller = seller_client(rm)
    response = htmx(
        seller,
        rm.base("w") + "comments/",
        {"body": "The deck", "file": [pdf("deck.pdf"), SimpleUploadedFile("a.txt", b"hi")]},
    )
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="attachment"') >= 2
    comment = RoomFile.objects.filter(comment__isnull=False).select_related("comment")[0].comment
    assert comment is not None and comment.body == "The deck"
    guest = guest_client()
    html = guest.get(rm.base("g")).content.decode()
    assert "deck.pdf" in html and "a.txt" in html
    only_files = services.comment_post_with_files(
        actor=rm.rep, room_id=rm.room.pk, body="", uploaded=[pdf("only.pdf")]
    )
    assert only_files.body == "only.pdf"


def test_files_are_attached_to_visible_tasks_and_own_comments_only(rm):
    guest = rm.guest()
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Sign"})
    secret = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Margin", "internal": "1"}
    )
    theirs = services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="mine")
    own = services.comment_post(actor=guest, room_id=rm.room.pk, body="from the customer")
    file = services.attachment_upload(
        actor=guest, room_id=rm.room.pk, uploaded=pdf(), task_id=task.pk
    )
    assert file.task_id == task.pk and not file.internal
    services.attachment_upload(actor=guest, room_id=rm.room.pk, uploaded=pdf(), comment_id=own.pk)
    with pytest.raises(NotFound):
        services.attachment_upload(
            actor=guest, room_id=rm.room.pk, uploaded=pdf(), task_id=secret.pk
        )
    with pytest.raises(Forbidden):
        services.attachment_upload(
            actor=guest, room_id=rm.room.pk, uploaded=pdf(), comment_id=theirs.pk
        )
    panel = seller_client(rm).get(rm.base("w") + f"tasks/{task.pk}/").content.decode()
    assert 'id="task-files-' in panel and "Proposal 报价.pdf" in panel


def test_only_the_uploader_and_those_who_run_the_room_change_a_file(rm):
    guest = rm.guest()
    services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=rm.pp.other.membership.pk
    )
    colleague = rm.pp.other  # in the room, but does not run it
    by_guest = services.resource_upload(actor=guest, room_id=rm.room.pk, uploaded=pdf())
    by_rep = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    with pytest.raises(Forbidden):
        services.resource_delete(actor=guest, resource_id=by_rep.pk)
    with pytest.raises(Forbidden):
        services.resource_update(actor=colleague, resource_id=by_guest.pk, title="Renamed")
    with pytest.raises(Forbidden):
        services.resource_internal_set(actor=guest, resource_id=by_guest.pk, internal="1")
    with pytest.raises(Forbidden):
        services.resource_upload(actor=guest, room_id=rm.room.pk, uploaded=pdf(), internal="1")
    with pytest.raises(Forbidden):
        services.resource_reorder(actor=guest, room_id=rm.room.pk, resource_ids=[by_rep.pk])
    readonly = rm.world.actor("alpha", "readonly")
    services.room_member_add(actor=rm.rep, room_id=rm.room.pk, membership_id=readonly.membership.pk)
    with pytest.raises(Forbidden):
        services.resource_upload(actor=readonly, room_id=rm.room.pk, uploaded=pdf())
    services.resource_update(actor=guest, resource_id=by_guest.pk, title="Our questions")
    services.resource_internal_set(actor=colleague, resource_id=by_guest.pk, internal="")
    services.resource_delete(actor=rm.pp.manager, resource_id=by_guest.pk)
    assert selectors.resource_list(actor=guest, room=rm.room) == [by_rep]


def test_deleting_takes_the_bytes_from_storage_and_keeps_the_rows(
    rm, media, django_capture_on_commit_callbacks
):
    """A deleted resource or attachment, and the files of a deleted comment or task: the rows
    stay on record (marked deleted), the bytes leave storage once the change commits."""
    room = rm.room.pk
    with django_capture_on_commit_callbacks(execute=True):
        resource = services.resource_upload(actor=rm.rep, room_id=room, uploaded=pdf("r.pdf"))
        task = services.task_create(actor=rm.rep, room_id=room, data={"title": "Sign"})
        on_task = services.attachment_upload(
            actor=rm.rep, room_id=room, uploaded=pdf("t.pdf"), task_id=task.pk
        )
        comment = services.comment_post(actor=rm.rep, room_id=room, body="Notes", task_id=task.pk)
        on_comment = services.attachment_upload(
            actor=rm.rep, room_id=room, uploaded=pdf("c.pdf"), comment_id=comment.pk
        )
        talk = services.comment_post(actor=rm.rep, room_id=room, body="Draft")
        on_talk = services.attachment_upload(
            actor=rm.rep, room_id=room, uploaded=pdf("d.pdf"), comment_id=talk.pk
        )
        kept = services.attachment_upload(
            actor=rm.rep, room_id=room, uploaded=pdf("k.pdf"), task_id=task.pk
        )
    assert len(stored(media)) == 5

    def on_disk(file: RoomFile) -> bool:
        return (media / file.storage_name).exists()

    # A delete that fails after the rows changed leaves the bytes where they were.
    from dealroom.rooms.services import files

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    with pytest.MonkeyPatch.context() as mp, django_capture_on_commit_callbacks(execute=True):
        mp.setattr(files, "room_event", broken)
        with pytest.raises(RuntimeError):
            services.attachment_delete(actor=rm.rep, file_id=kept.pk)
    kept.refresh_from_db()
    assert on_disk(kept) and kept.deleted_at is None

    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=rm.rep, file_id=on_talk.pk)
    assert not on_disk(on_talk) and on_disk(kept)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_delete(actor=rm.rep, resource_id=resource.pk)
    assert resource.file is not None
    assert not on_disk(RoomFile.objects.get(pk=resource.file.pk)) and on_disk(kept)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_delete(actor=rm.rep, comment_id=comment.pk)
    assert not on_disk(on_comment) and on_disk(on_task) and on_disk(kept)
    with django_capture_on_commit_callbacks(execute=True):
        services.task_delete(actor=rm.rep, task_id=task.pk)
    assert stored(media) == []
    assert RoomFile.objects.count() == 5
    assert not RoomFile.objects.filter(deleted_at__isnull=True).exists()


def test_a_render_is_the_same_for_every_guest_and_marks_what_only_the_uploader_may_do(rm):
    """Sockets of one kind of reader share a render, so what a guest's render holds must not
    depend on which guest it is: the uploader's own controls (remove a file, change a
    resource) carry `data-owner` and stay hidden until room.js finds the page's member id
    there. The services refuse the others anyway."""
    from dealroom.rooms.models import RoomMember

    first = rm.guest()
    rm.invite(email="li@customer.test", name="李华")
    second_row = RoomMember.objects.get(room=rm.room, kind="guest", name="李华")
    second = rm.guest(contact=second_row.contact)
    services.resource_upload(actor=first, room_id=rm.room.pk, uploaded=pdf("ours.pdf"))
    services.comment_post_with_files(
        actor=first, room_id=rm.room.pk, body="Our files", uploaded=[pdf("a.pdf")]
    )

    def render(actor) -> str:
        events = selectors.room_events_after(actor=actor, room=rm.room, after=0)
        html = str(live.event_ops(actor, rm.room, events, slug="alpha"))
        html += live.resources_ops(actor, rm.room, slug="alpha")
        return re.sub(r'data-stamp="\d+"', "", html)  # when it was read

    html = render(first)
    assert html == render(second)
    uploader = RoomMember.objects.get(room=rm.room, contact_id=first.contact_id).pk
    owned = f'data-owner="{uploader}" hidden>'
    assert owned + '<form class="d-inline" hx-post' in html  # the file's remove
    assert '<div class="dropdown" ' + owned in html  # the resource's menu
    assert 'data-testid="attachment-delete"' in html and 'data-testid="resource-delete"' in html
    seller_html = render(rm.rep)  # who runs the room changes every file: nothing to hide
    assert "data-owner" not in seller_html
    assert 'data-testid="attachment-delete"' in seller_html


def test_links_are_web_addresses_and_resources_keep_their_order(rm, guest_client):
    with pytest.raises(Invalid) as refused:
        services.resource_link_add(actor=rm.rep, room_id=rm.room.pk, url="javascript:alert(1)")
    assert "url" in refused.value.fields
    link = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://example.com/demo", kind="video"
    )
    secret = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://intranet.example/x", internal="1"
    )
    file = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    guest = rm.guest()
    # The guest sees two; the internal one keeps its place when the owner reorders.
    services.resource_reorder(
        actor=rm.rep, room_id=rm.room.pk, resource_ids=[file.pk, secret.pk, link.pk]
    )
    assert selectors.resource_list(actor=guest, room=rm.room) == [file, link]
    browser = guest_client()
    opened = browser.get(rm.base("g") + f"resources/{link.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "https://example.com/demo"
    assert browser.get(rm.base("g") + f"resources/{secret.pk}/open/").status_code == 404


# -- live and pages --------------------------------------------------------------------------


def test_guests_get_file_changes_live_but_never_internal_files_or_the_engagement_panel(rm):
    guest = rm.guest()
    services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("shared.pdf"))
    services.resource_upload(
        actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("secret.pdf"), internal="1"
    )
    events = selectors.room_events_after(actor=guest, room=rm.room, after=0)
    assert [e.verb for e in events if e.verb.startswith("room_resource.")] == [
        "room_resource.added"
    ]
    ops = str(live.event_ops(guest, rm.room, events, slug="alpha"))
    assert 'id="resource-list"' in ops and "shared.pdf" in ops
    assert "secret.pdf" not in ops and "room-engagement" not in ops
    seller_events = selectors.room_events_after(actor=rm.rep, room=rm.room, after=0)
    seller_ops = str(live.event_ops(rm.rep, rm.room, seller_events, slug="alpha"))
    assert "secret.pdf" in seller_ops and 'id="room-engagement"' in seller_ops


def _fill_files(rm, guest, n: int) -> None:
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Files"})
    for i in range(n):
        services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf(f"r{i}.pdf"))
        services.resource_link_add(actor=guest, room_id=rm.room.pk, url=f"https://example.com/{i}")
        services.comment_post_with_files(
            actor=guest if i % 2 else rm.rep,
            room_id=rm.room.pk,
            body=f"c{i}",
            uploaded=[pdf(f"c{i}.pdf")],
        )
        services.attachment_upload(
            actor=rm.rep, room_id=rm.room.pk, uploaded=pdf(f"t{i}.pdf"), task_id=task.pk
        )
        resource = Resource.objects.filter(room=rm.room).order_by("-pk")[0]
        services.engagement_record(actor=guest, resource_id=resource.pk, kind="view")


@pytest.mark.parametrize("side", ["w", "g"])
def test_room_page_queries_do_not_grow_with_files(rm, side):
    guest = rm.guest()
    if side == "w":
        browser = seller_client(rm)
    else:
        mail.outbox = []
        rm.invite()
        browser = guest_browser(link_token(mail.outbox[-1]), rm.on_commit)
    browser.get(rm.base(side))  # a first visit writes more

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser.get(rm.base(side)).status_code == 200
        return len(ctx.captured_queries)

    _fill_files(rm, guest, 2)
    small = count()
    _fill_files(rm, guest, 8)
    html = browser.get(rm.base(side)).content.decode()
    assert html.count('data-testid="resource"') == 20
    assert html.count('data-testid="attachment"') == 10  # the comments' files
    assert count() == small


def test_comments_that_never_had_a_file_are_rendered_without_asking_for_files(rm):
    """`Comment.has_files` is set by every way a file reaches a comment; a render of a comment
    without it asks nothing about files, one with it shows them."""
    import importlib

    from django.apps import apps

    from dealroom.rooms.services.common import latest_event_id

    room = selectors.room_get(actor=rm.rep, room_id=rm.room.pk)
    assert room is not None
    plain = services.comment_post(actor=rm.rep, room_id=room.pk, body="No files here")
    posted = services.comment_post_with_files(
        actor=rm.rep, room_id=room.pk, body="The deck", uploaded=[pdf("deck.pdf")]
    )
    later = services.comment_post(actor=rm.rep, room_id=room.pk, body="One more thing")
    services.attachment_upload(
        actor=rm.rep, room_id=room.pk, uploaded=pdf("terms.pdf"), comment_id=later.pk
    )
    for comment in (plain, posted, later):
        comment.refresh_from_db()
    assert (plain.has_files, posted.has_files, later.has_files) == (False, True, True)

    for comment, has_files in ((plain, False), (posted, True), (later, True)):
        before = latest_event_id(room)
        services.comment_edit(actor=rm.rep, comment_id=comment.pk, body=comment.body + "!")
        events = selectors.room_events_after(actor=rm.rep, room=room, after=before)
        with CaptureQueriesContext(connection) as queries:
            html = live.event_ops(rm.rep, room, events, slug="alpha")
        asked = any('FROM "rooms_roomfile"' in q["sql"] for q in queries.captured_queries)
        assert asked is has_files
        assert ('data-testid="attachment"' in html) is has_files

    # Comments with files from before the hint get it from the migration.
    migration = importlib.import_module("dealroom.rooms.migrations.0005_comment_has_files")
    type(posted).objects.update(has_files=False)
    migration.mark_comments_with_files(apps, None)
    flagged = set(type(posted).objects.filter(has_files=True).values_list("pk", flat=True))
    assert flagged == {posted.pk, later.pk}
