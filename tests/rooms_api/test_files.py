"""Files through the rooms API: the resources section (upload, link, change, reorder, delete),
attachments on tasks and comments, downloads authorised again on every request and counted for
guests, the sellers' engagement; refused uploads store nothing; a guest changing ids reaches
nothing of another room, nothing internal, and is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.rooms import services
from dealroom.rooms.models import Engagement, Resource, RoomFile
from tests.rooms.conftest import stored
from tests.rooms.test_files import PDF, pdf
from tests.rooms_units.test_uploads import pe_executable

from .test_access import NOT_FOUND

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_seller_fills_the_resources_section_and_a_guest_uses_it(rm, seller, guest, media):
    rep = seller("rep", "token")  # an integration, by bearer token
    room = f"/{rm.room.pk}"
    made = rep.upload(room + "/resources", {"file": pdf(), "title": "Proposal 报价"})
    assert made.status_code == 201, made.content
    proposal = made.json()
    assert proposal["title"] == "Proposal 报价" and proposal["url"] == ""
    assert proposal["file"]["name"] == "Proposal 报价.pdf"
    assert proposal["file"]["content_type"] == "application/pdf"
    assert proposal["file"]["size"] == len(PDF)
    assert proposal["created_by"]["kind"] == "member"
    link = rep.post(room + "/resources/links", {"url": "https://example.com/demo", "title": "Demo"})
    assert link.status_code == 201 and link.json()["kind"] == "link"
    internal = rep.post(
        room + "/resources/links",
        {"url": "https://example.com/pricing", "title": "Pricing sheet", "internal": True},
    )
    assert internal.json()["internal"] is True
    assert [r["title"] for r in rep.get(room + "/resources").json()] == [
        "Proposal 报价",
        "Demo",
        "Pricing sheet",
    ]

    # The seller's download: the bytes, as an attachment, not sniffed, not cached.
    download = rep.client.get(proposal["file"]["download"], **rep.headers)
    assert download.status_code == 200 and body(download) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"

    # The guest: shared entries only, downloads on their own side's path, counted.
    api = guest()
    listed = api.get(room + "/resources").json()
    assert [r["title"] for r in listed] == ["Proposal 报价", "Demo"]
    guest_file = listed[0]["file"]
    assert guest_file["download"] == f"/api/g/alpha/rooms/{rm.room.pk}/files/{guest_file['id']}"
    assert body(api.client.get(guest_file["download"])) == PDF
    panel = rep.get(room + "/engagement").json()
    assert [(g["member"]["name"], g["downloads"]) for g in panel] == [("王芳", 1)]
    assert panel[0]["resources"][0]["title"] == "Proposal 报价"
    assert panel[0]["first_opened_at"] is None  # the API's download is not a visit

    # Change, reorder, delete.
    renamed = rep.patch(
        f"{room}/resources/{proposal['id']}", {"title": "Proposal v2", "kind": "proposal"}
    )
    assert renamed.json()["title"] == "Proposal v2" and renamed.json()["kind"] == "proposal"
    nothing = rep.patch(f"{room}/resources/{proposal['id']}", {})
    assert nothing.status_code == 400 and "title, kind, internal" in nothing.json()["message"]
    shared = rep.patch(f"{room}/resources/{internal.json()['id']}", {"internal": False})
    assert shared.json()["internal"] is False
    order = [internal.json()["id"], link.json()["id"], proposal["id"]]
    assert rep.post(room + "/resources/order", {"ids": order}).status_code == 204
    assert [r["id"] for r in api.get(room + "/resources").json()] == order
    with rm.on_commit(execute=True):
        assert rep.delete(f"{room}/resources/{proposal['id']}").status_code == 204
    assert api.client.get(guest_file["download"]).status_code == 404
    assert stored(media) == []  # its bytes left storage with the commit


def test_guests_take_part_with_files_but_do_not_run_the_section(rm, seller, guest):
    api = guest()
    room = f"/{rm.room.pk}"
    added = api.upload(room + "/resources", {"file": pdf("Our requirements.pdf")})
    assert added.status_code == 201, added.content
    mine = added.json()
    assert mine["created_by"]["kind"] == "guest" and mine["title"] == "Our requirements.pdf"
    # Their own entry they rename; internal they cannot make it, and then nothing changes.
    assert api.patch(f"{room}/resources/{mine['id']}", {"title": "Requirements"}).status_code == 200
    refused = api.patch(f"{room}/resources/{mine['id']}", {"title": "Secret", "internal": True})
    assert refused.status_code == 403
    assert Resource.objects.get(pk=mine["id"]).title == "Requirements"
    # A seller's entry is not theirs to change; the order is the sellers' to set.
    theirs = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://example.com/a", title="Agenda"
    )
    assert api.patch(f"{room}/resources/{theirs.pk}", {"title": "x"}).status_code == 403
    assert api.delete(f"{room}/resources/{theirs.pk}").status_code == 403
    order = api.post(room + "/resources/order", {"ids": [theirs.pk, mine["id"]]})
    assert order.status_code in (404, 405)
    assert api.get(room + "/engagement").status_code in (404, 405)
    assert api.delete(f"{room}/resources/{mine['id']}").status_code == 204


def test_a_read_only_member_of_the_room_reads_files_but_adds_none(rm, seller, media):
    """Added to the room, a read-only member lists and downloads; uploading, linking and
    attaching are refused (403) and store nothing."""
    readonly = rm.world.member("alpha", "readonly")
    services.room_member_add(actor=rm.rep, room_id=rm.room.pk, membership_id=readonly.pk)
    shared = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "T"})
    api = seller("readonly")
    room = f"/{rm.room.pk}"
    assert [r["id"] for r in api.get(room + "/resources").json()] == [shared.pk]
    assert shared.file is not None
    assert body(api.client.get(api.url(f"{room}/files/{shared.file.pk}"))) == PDF
    before = stored(media)
    refused = [
        api.upload(room + "/resources", {"file": pdf("Mine.pdf")}),
        api.post(room + "/resources/links", {"url": "https://example.com/r"}),
        api.upload(f"{room}/tasks/{task.pk}/files", {"file": pdf("Mine.pdf")}),
        api.patch(f"{room}/resources/{shared.pk}", {"title": "Renamed"}),
        api.delete(f"{room}/resources/{shared.pk}"),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert stored(media) == before
    assert list(Resource.objects.values_list("title", flat=True)) == [shared.title]


def test_attachments_on_tasks_and_comments(rm, seller, guest):
    rep = seller("rep")
    api = guest()
    room = f"/{rm.room.pk}"
    task = rep.post(room + "/tasks", {"title": "Security review"}).json()
    on_task = rep.upload(f"{room}/tasks/{task['id']}/files", {"file": pdf("Questionnaire.pdf")})
    assert on_task.status_code == 201 and on_task.json()["name"] == "Questionnaire.pdf"
    assert [f["name"] for f in api.get(f"{room}/tasks/{task['id']}/files").json()] == [
        "Questionnaire.pdf"
    ]
    comment = api.post(room + "/comments", {"body": "Answers attached"}).json()
    assert comment["files"] == []
    answer = api.upload(f"{room}/comments/{comment['id']}/files", {"file": pdf("Answers.pdf")})
    assert answer.status_code == 201, answer.content
    for side in (api, rep):
        thread = side.get(room + "/comments").json()["items"]
        assert [f["name"] for f in thread[-1]["files"]] == ["Answers.pdf"]
    # Not their comment: a guest attaches nothing to the seller's words.
    sellers = rep.post(room + "/comments", {"body": "Thanks"}).json()
    other = api.upload(f"{room}/comments/{sellers['id']}/files", {"file": pdf()})
    assert other.status_code == 403
    # The uploader removes theirs; a guest cannot remove the seller's file.
    assert api.delete(f"{room}/files/{on_task.json()['id']}").status_code == 403
    assert api.delete(f"{room}/files/{answer.json()['id']}").status_code == 204
    assert api.client.get(answer.json()["download"]).status_code == 404
    assert RoomFile.objects.filter(comment_id=comment["id"], deleted_at__isnull=True).count() == 0


def test_refused_uploads_name_the_problem_and_store_nothing(rm, seller, guest, media):
    rep = seller("rep")
    room = f"/{rm.room.pk}"
    empty = rep.upload(room + "/resources", {"title": "Nothing"})
    assert empty.status_code == 400
    assert empty.json()["fields"] == {"file": "Choose a file to upload."}
    exe = SimpleUploadedFile("setup.exe", pe_executable(), content_type="application/octet-stream")
    blocked = rep.upload(room + "/resources", {"file": exe})
    assert blocked.status_code == 400 and "file" in blocked.json()["fields"]
    zh = seller("rep")
    zh.headers["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    refused = zh.upload(room + "/resources", {"title": "Nothing"})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"file": "请选择要上传的文件。"}
    gone = rep.upload(f"{room}/tasks/987654/files", {"file": pdf()})
    assert gone.status_code == 404
    assert stored(media) == [] and not Resource.objects.exists() and not RoomFile.objects.exists()


def test_a_guest_changing_file_ids_finds_nothing_and_is_recorded(rm, guest, seller):
    other_room = rm.second_room()
    secret = services.resource_upload(
        actor=rm.rep, room_id=rm.room.pk, uploaded=pdf("Margins.pdf"), internal=True
    )
    elsewhere = services.resource_upload(
        actor=rm.rep, room_id=other_room.pk, uploaded=pdf("Other deal.pdf")
    )
    shared = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    internal_task = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Approve discount", "internal": True}
    )
    api = guest()
    own, other = f"/{rm.room.pk}", f"/{other_room.pk}"
    refusals = ActivityEvent.objects.filter(verb="room.access_refused").count()
    assert secret.file is not None and elsewhere.file is not None and shared.file is not None
    attempts = [
        api.client.get(api.url(f"{own}/files/{secret.file.pk}")),
        api.client.get(api.url(f"{own}/files/{elsewhere.file.pk}")),
        api.client.get(api.url(f"{other}/files/{elsewhere.file.pk}")),
        api.client.get(api.url(f"{other}/files/{shared.file.pk}")),
        api.get(other + "/resources"),
        api.patch(f"{own}/resources/{secret.pk}", {"title": "x"}),
        api.delete(f"{own}/resources/{elsewhere.pk}"),
        api.delete(f"{own}/files/{secret.file.pk}"),
        api.get(f"{own}/tasks/{internal_task.pk}/files"),
        api.upload(f"{own}/tasks/{internal_task.pk}/files", {"file": pdf()}),
    ]
    for response in attempts:
        assert response.status_code == 404, (response.request["PATH_INFO"], response.content)
        assert response.json() == NOT_FOUND
    assert ActivityEvent.objects.filter(verb="room.access_refused").count() == refusals + 10
    assert Resource.objects.get(pk=secret.pk).title == "Margins.pdf"
    # A seller outside the deal finds no file either.
    other_rep = seller(user=rm.pp.other.user)
    response = other_rep.client.get(other_rep.url(f"{own}/files/{shared.file.pk}"))
    assert response.status_code == 404


def test_resources_and_a_thread_with_files_cost_the_same_few_queries(rm, seller):
    rep = seller("rep")
    room = f"/{rm.room.pk}"

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert rep.get(path).status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf(f"{i}.pdf"))
            services.comment_post_with_files(
                actor=rm.rep, room_id=rm.room.pk, body=f"c{i}", uploaded=[pdf(f"c{i}.pdf")]
            )

    add(2)
    small = (count(room + "/resources"), count(room + "/comments"))
    add(8)
    assert (count(room + "/resources"), count(room + "/comments")) == small


def test_a_guests_opening_and_reading_time_are_counted(rm, seller, guest):
    link = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://example.com/demo", title="Demo"
    )
    file = services.resource_upload(actor=rm.rep, room_id=rm.room.pk, uploaded=pdf())
    secret = services.resource_link_add(
        actor=rm.rep, room_id=rm.room.pk, url="https://example.com/x", title="X", internal=True
    )
    api = guest()
    room = f"/{rm.room.pk}"
    opened = api.post(f"{room}/resources/{link.pk}/open")
    assert opened.status_code == 200 and opened.json() == {"url": "https://example.com/demo"}
    assert api.post(f"{room}/resources/{file.pk}/beat", {"start": True}).status_code == 204
    for claimed in (30, 600):  # a beat adds at most a minute, and no more than has passed
        Engagement.objects.update(last_seen_at=timezone.now() - timedelta(seconds=claimed))
        assert api.post(f"{room}/resources/{file.pk}/beat", {"seconds": claimed}).status_code == 204
    uses = {u["title"]: u for u in seller("rep").get(room + "/engagement").json()[0]["resources"]}
    assert uses["Demo"]["views"] == 1
    assert uses[file.title]["views"] == 1 and uses[file.title]["seconds"] == 30 + 60
    # The sellers heard of each first opening once.
    assert ActivityEvent.objects.filter(verb="room_resource.opened").count() == 2
    # A file has no address to open; an internal link is not there for the guest.
    assert api.post(f"{room}/resources/{file.pk}/open").status_code == 404
    assert api.post(f"{room}/resources/{secret.pk}/open").json() == NOT_FOUND
    assert api.post(f"{room}/resources/{secret.pk}/beat", {"start": True}).status_code == 404
