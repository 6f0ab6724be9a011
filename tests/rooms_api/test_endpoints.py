"""The rooms API end to end: rooms and unread, the plan, threads with keyset paging, people,
guest links that are mailed and never returned, settings, notifications, activity; refused
input named field by field, changing nothing; the OpenAPI document."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from dealroom.activity.describe import describe
from dealroom.activity.models import ActivityEvent
from dealroom.rooms import services
from dealroom.rooms.models import Comment, Milestone, RoomInvitation, RoomMember, Task

from .conftest import RoomsApi

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(seller) -> RoomsApi:
    return seller("rep")


def test_my_rooms_are_paged_with_unread_markers(rm, rep, guest):
    second = rm.second_room()
    third = rm.second_room()
    page = rep.get("", {"limit": 2}).json()
    assert page["offset"] == 0 and page["limit"] == 2 and page["more"] is True
    assert [r["id"] for r in page["items"]] == [third.pk, second.pk]
    rest = rep.get("", {"limit": 2, "offset": 2}).json()
    assert [r["id"] for r in rest["items"]] == [rm.room.pk] and rest["more"] is False
    assert rest["items"][0]["deal_id"] == rm.deal.pk
    assert rest["items"][0]["account_name"] == "Acme 有限公司"

    assert rep.post(f"/{rm.room.pk}/read").status_code == 204
    unread = {r["id"]: r["unread"] for r in rep.get().json()["items"]}
    assert unread[rm.room.pk] is False
    visitor = guest()
    assert visitor.post(f"/{rm.room.pk}/read").status_code == 204  # the guest's first visit
    assert RoomMember.objects.get(room=rm.room, kind="guest").first_opened_at is not None
    visitor.post(f"/{rm.room.pk}/comments", {"body": "Question 问题"})
    unread = {r["id"]: r["unread"] for r in rep.get().json()["items"]}
    assert unread[rm.room.pk] is True
    guest_list = visitor.get().json()
    assert [(r["id"], r["unread"]) for r in guest_list["items"]] == [(rm.room.pk, False)]


def test_the_plan_through_the_api(rm, rep, guest):
    base = f"/{rm.room.pk}"
    first = rep.post(base + "/milestones", {"title": "Evaluation"})
    second = rep.post(base + "/milestones", {"title": "Legal 法务", "internal": True})
    assert first.status_code == second.status_code == 201
    assert second.json()["internal"] is True
    ms1, ms2 = first.json()["id"], second.json()["id"]
    renamed = rep.patch(f"{base}/milestones/{ms1}", {"title": "Technical evaluation"})
    assert renamed.json()["title"] == "Technical evaluation"
    shared = rep.patch(f"{base}/milestones/{ms2}", {"internal": False})
    assert shared.json() == {"id": ms2, "title": "Legal 法务", "internal": False, "position": 2}
    assert rep.post(base + "/milestones/order", {"ids": [ms2, ms1]}).status_code == 204

    visitor = guest()
    me = visitor.get(base).json()["me"]
    made = visitor.post(
        base + "/tasks",
        {
            "title": "Security review",
            "milestone": ms1,
            "due_at": "2020-01-02",
            "assignees": [me],
            "description": "Send the questionnaire",
        },
    )
    assert made.status_code == 201, made.content
    task = made.json()
    assert task["overdue"] is True and task["milestone_id"] == ms1
    assert task["assignees"] == [{"id": me, "name": "王芳", "kind": "guest"}]
    other = rep.post(base + "/tasks", {"title": "Kick-off", "milestone": ms1}).json()

    blocked = rep.post(f"{base}/tasks/{task['id']}/status", {"status": "blocked", "reason": "IT"})
    assert (blocked.json()["status"], blocked.json()["blocked_reason"]) == ("blocked", "IT")
    done = visitor.post(f"{base}/tasks/{task['id']}/status", {"status": "done"}).json()
    assert done["status"] == "done" and done["done_at"] and done["overdue"] is False
    edited = rep.patch(f"{base}/tasks/{task['id']}", {"place": "Online"})
    assert edited.json()["place"] == "Online" and edited.json()["title"] == "Security review"
    order = {"milestone": ms1, "ids": [other["id"], task["id"]]}
    assert visitor.post(base + "/tasks/order", order).status_code == 204

    plan = rep.get(base + "/plan").json()
    assert (plan["total"], plan["done"], plan["percent"]) == (2, 1, 50)
    assert [m["id"] for m in plan["milestones"]] == [ms2, ms1]
    evaluation = plan["milestones"][1]
    assert [t["title"] for t in evaluation["tasks"]] == ["Kick-off", "Security review"]
    assert evaluation["tasks"][1]["comment_count"] == 0
    assert rep.get(f"{base}/tasks/{task['id']}").json()["description"] == "Send the questionnaire"

    # The guest deletes a task of theirs, not the seller's (the service decides).
    assert visitor.delete(f"{base}/tasks/{other['id']}").status_code == 403
    assert visitor.delete(f"{base}/tasks/{task['id']}").status_code == 204
    assert rep.delete(f"{base}/milestones/{ms1}").status_code == 204
    assert not Milestone.objects.filter(pk=ms1).exists()
    assert Task.objects.get(pk=other["id"]).milestone_id is None  # tasks stay


def test_threads_page_back_by_id_and_authors_edit_their_own(rm, rep, guest):
    base = f"/{rm.room.pk}"
    ids = [rep.post(base + "/comments", {"body": f"c{i}"}).json()["id"] for i in range(5)]
    first = rep.get(base + "/comments", {"limit": 2}).json()
    assert [c["body"] for c in first["items"]] == ["c3", "c4"]
    assert first["before"] == ids[3]
    second = rep.get(base + "/comments", {"limit": 2, "before": first["before"]}).json()
    assert [c["body"] for c in second["items"]] == ["c1", "c2"]
    last = rep.get(base + "/comments", {"limit": 2, "before": second["before"]}).json()
    assert [c["body"] for c in last["items"]] == ["c0"] and last["before"] is None

    task = rep.post(base + "/tasks", {"title": "Pricing"}).json()
    visitor = guest()
    me = visitor.get(base).json()["me"]
    posted = visitor.post(
        base + "/comments", {"body": f"**Ok** @[王芳]({me}) <b>x</b>", "task": task["id"]}
    )
    assert posted.status_code == 201
    comment = posted.json()
    assert comment["task_id"] == task["id"]
    assert "<strong>Ok</strong>" in comment["html"] and "<b>" not in comment["html"]
    assert [c["id"] for c in rep.get(base + "/comments").json()["items"]] == ids
    thread = rep.get(base + "/comments", {"task": task["id"]}).json()["items"]
    assert [c["id"] for c in thread] == [comment["id"]]
    assert rep.get(base + "/plan").json()["milestones"][0]["tasks"][0]["comment_count"] == 1

    edited = visitor.patch(f"{base}/comments/{comment['id']}", {"body": "Better"})
    assert edited.json()["body"] == "Better" and edited.json()["edited_at"]
    assert rep.patch(f"{base}/comments/{comment['id']}", {"body": "no"}).status_code == 403
    assert visitor.delete(f"{base}/comments/{comment['id']}").status_code == 204
    gone = rep.get(base + "/comments", {"task": task["id"]}).json()["items"][0]
    assert gone["deleted"] is True and gone["body"] == "" and gone["html"] == ""
    assert Comment.objects.get(pk=comment["id"]).revisions.count() == 2  # history kept


def test_people_and_guest_links(rm, rep, seller):
    base = f"/{rm.room.pk}"
    other_rep = rm.pp.cx.other_rep
    added = rep.post(base + "/members", {"member": other_rep.pk})
    assert added.status_code == 201
    assert added.json()["membership_id"] == other_rep.pk
    assert seller(user=other_rep.user).get(base).status_code == 200  # in the room now

    mail.outbox = []
    with rm.on_commit(execute=True):  # the link is mailed after commit
        invited = rep.post(base + "/invitations", {"email": "li@customer.test", "name": "李雷"})
    assert invited.status_code == 201, invited.content
    body = invited.json()
    assert set(body) == {
        "id", "member", "email", "created_at", "expires_at", "revoked_at", "last_used_at",
    }  # fmt: skip
    assert body["member"]["name"] == "李雷" and body["email"] == "li@customer.test"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li@customer.test"]
    raw = mail.outbox[0].body.split("/r/")[1].split("/")[0]
    assert len(raw) > 40 and raw not in invited.content.decode()
    by_contact = rep.post(base + "/invitations", {"contact": rm.contact.pk})
    assert by_contact.status_code == 201 and by_contact.json()["email"] == "wang@customer.test"

    links = rep.get(base + "/invitations").json()
    assert [i["email"] for i in links] == ["wang@customer.test", "li@customer.test"]
    assert all(raw not in str(i) for i in links)
    revoked = rep.post(f"{base}/invitations/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert RoomInvitation.objects.get(pk=body["id"]).revoked_at is not None

    people = rep.get(base + "/members").json()
    assert {p["name"] for p in people} >= {"Other Rep", "李雷", "王芳", "rep alpha"}
    assert rep.delete(f"{base}/members/{added.json()['id']}").status_code == 204
    assert seller(user=other_rep.user).get(base).status_code == 404
    owner_row = next(p for p in people if p["membership_id"] == rm.rep.membership.pk)
    kept = rep.delete(f"{base}/members/{owner_row['id']}")
    assert kept.status_code == 400 and kept.json()["code"] == "invalid"

    # The manager above runs the room too; the deal's other people only read the links list.
    assert seller("manager").get(base + "/invitations").status_code == 200
    readonly = rm.world.member("alpha", "readonly")
    services.room_member_add(actor=rm.rep, room_id=rm.room.pk, membership_id=readonly.pk)
    assert seller("readonly").get(base + "/invitations").status_code == 403


def test_settings_notifications_and_activity(rm, rep, guest):
    base = f"/{rm.room.pk}"
    saved = rep.put(base + "/settings", {"shared_fields": ["close_date"], "welcome": "Hi"})
    assert saved.status_code == 200
    assert saved.json()["shared_fields"] == ["close_date"]
    level = rep.put(base + "/notifications", {"notify_level": "mentions"})
    assert level.json() == {"notify_level": "mentions"}
    assert rep.get(base).json()["notify_level"] == "mentions"
    visitor = guest()
    assert visitor.put(base + "/notifications", {"notify_level": "none"}).status_code == 200
    assert visitor.get(base).json()["notify_level"] == "none"
    visitor.post(base + "/comments", {"body": "Hello 你好"})

    events = rep.get(base + "/activity", {"limit": 2}).json()
    assert [e["verb"] for e in events["items"]] == ["room_comment.posted", "room.guest_verified"]
    assert events["items"][0]["text"] == "王芳 commented: Hello 你好"
    older = rep.get(base + "/activity", {"before": events["before"]}).json()["items"]
    assert "room.settings_changed" in [e["verb"] for e in older]
    assert all(e["id"] < events["before"] for e in older)
    # The sentences come in the reader's language.
    zh = rep.client.get(
        rep.url(base + "/activity"), {"limit": 1}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    with translation.override("zh-hans"):
        expected = describe(ActivityEvent.objects.get(pk=zh["items"][0]["id"]))
    assert zh["items"][0]["text"] == expected


def test_refused_input_is_named_field_by_field_and_changes_nothing(rm, rep, guest):
    base = f"/{rm.room.pk}"
    task = rep.post(base + "/tasks", {"title": "Sign"}).json()

    def refused(response, status: int, fields: set[str]):
        assert response.status_code == status, response.content
        body = response.json()
        assert body["code"] == "invalid" and body["message"]
        assert set(body["fields"]) == fields, body
        assert all(body["fields"].values())

    refused(rep.post(base + "/tasks", {}), 400, {"title"})
    refused(rep.post(base + "/tasks", {"title": "Call", "kind": "meeting"}), 400,
            {"starts_at", "ends_at"})  # fmt: skip
    refused(rep.post(base + "/tasks", {"title": " ", "due_at": "soon", "kind": "party"}), 400,
            {"title", "due_at", "kind"})  # fmt: skip
    refused(rep.post(base + "/tasks", {"title": "x", "assignees": [98765]}), 400, {"assignees"})
    refused(rep.post(base + "/tasks", {"title": "x", "milestone": 98765}), 400, {"milestone"})
    refused(rep.post(f"{base}/tasks/{task['id']}/status", {"status": "blocked"}), 400, {"reason"})
    refused(rep.post(f"{base}/tasks/{task['id']}/status", {"status": "maybe"}), 400, {"status"})
    refused(rep.post(base + "/comments", {"body": "   "}), 400, {"body"})
    refused(rep.post(base + "/comments", {"body": "x" * 10_001}), 400, {"body"})
    refused(rep.post(base + "/milestones", {"title": ""}), 400, {"title"})
    refused(rep.post(base + "/members", {"member": 98765}), 400, {"member"})
    refused(rep.post(base + "/members", {"member": "someone"}), 400, {"member"})
    # beyond a 64-bit integer: named like any other bad value, never reaching the database
    huge = 10**25
    refused(rep.post(base + "/tasks", {"title": "x", "assignees": [huge]}), 400, {"assignees.0"})
    refused(rep.patch(f"{base}/tasks/{task['id']}", {"assignees": [huge]}), 400, {"assignees.0"})
    refused(rep.post(base + "/tasks/order", {"ids": [huge]}), 400, {"ids.0"})
    refused(rep.post(base + "/members", {"member": huge}), 400, {"member"})
    refused(rep.post(base + "/invitations", {}), 400, {"email"})
    refused(rep.post(base + "/invitations", {"email": "not-an-address"}), 400, {"email"})
    refused(rep.put(base + "/settings", {"shared_fields": ["owner"]}), 400, {"shared_fields"})
    refused(rep.put(base + "/settings", {"shared_fields": [], "welcome": "w" * 2001}), 400,
            {"welcome"})  # fmt: skip
    refused(rep.put(base + "/notifications", {"notify_level": "loud"}), 400, {"notify_level"})
    refused(rep.patch(f"{base}/tasks/{task['id']}", {}), 400, set())
    refused(guest().post(base + "/comments", {"body": ""}), 400, {"body"})

    assert Task.objects.count() == 1 and Comment.objects.count() == 0
    assert Task.objects.get().status == "open"
    assert RoomInvitation.objects.filter(room=rm.room).count() == 1  # the guest's own link
    assert rm.room.__class__.objects.get(pk=rm.room.pk).shared_fields == []
    zh = rep.client.post(
        rep.url(base + "/comments"),
        data={"body": ""},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert zh.json()["fields"]["body"] == "请先填写内容。"


def test_openapi_lists_the_rooms_paths(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/w/{slug}/rooms",
        "/api/w/{slug}/rooms/{room_id}",
        "/api/w/{slug}/rooms/{room_id}/plan",
        "/api/w/{slug}/rooms/{room_id}/comments",
        "/api/w/{slug}/rooms/{room_id}/members",
        "/api/w/{slug}/rooms/{room_id}/invitations",
        "/api/w/{slug}/rooms/{room_id}/activity",
        "/api/g/{slug}/rooms",
        "/api/g/{slug}/rooms/{room_id}/plan",
        "/api/g/{slug}/rooms/{room_id}/comments/{comment_id}",
        "/api/g/{slug}/rooms/{room_id}/tasks/{task_id}/status",
        "/api/w/{slug}/rooms/{room_id}/resources",
        "/api/w/{slug}/rooms/{room_id}/files/{file_id}",
        "/api/w/{slug}/rooms/{room_id}/engagement",
        "/api/g/{slug}/rooms/{room_id}/resources/{resource_id}",
        "/api/g/{slug}/rooms/{room_id}/comments/{comment_id}/files",
    ):
        assert path in paths, path
    # An upload is a form with a file: documented as multipart.
    upload = paths["/api/w/{slug}/rooms/{room_id}/resources"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    seller_op = paths["/api/w/{slug}/rooms/{room_id}"]["get"]
    guest_op = paths["/api/g/{slug}/rooms/{room_id}"]["get"]
    assert seller_op["security"] and "security" not in guest_op
    assert seller_op["operationId"] == "room_get" and guest_op["operationId"] == "guest_room_get"
    # No guest route runs the room.
    assert not any(
        p.startswith("/api/g/") and ("invitations" in p or "engagement" in p) for p in paths
    )
    assert "/api/g/{slug}/rooms/{room_id}/resources/order" not in paths
    assert "post" not in paths["/api/g/{slug}/rooms/{room_id}/members"]
