"""What a guest receives through the API is what is shared with them, and nothing else: no
internal comment, internal task, task under an internal milestone, comment on a hidden task,
unshared deal field, nor anybody's e-mail address — while the sellers see all of it."""

from __future__ import annotations

import json

import pytest

from dealroom.rooms import services

pytestmark = pytest.mark.django_db

SECRETS = (
    "Their budget is tight",
    "Approve discount",
    "Deal desk",
    "Margin check",
    "About the discount",
    "1000.00",
    "Call the CFO",
    "@customer.test",
    "@alpha.test",
)


@pytest.fixture
def room_with_secrets(rm):
    room = rm.room.pk
    services.comment_post(actor=rm.rep, room_id=room, body="Welcome 欢迎 everyone")
    services.comment_post(actor=rm.rep, room_id=room, body="Their budget is tight", internal=True)
    services.task_create(actor=rm.rep, room_id=room, data={"title": "Send pricing sheet"})
    hidden_task = services.task_create(
        actor=rm.rep, room_id=room, data={"title": "Approve discount", "internal": True}
    )
    services.comment_post(
        actor=rm.rep, room_id=room, body="About the discount", task_id=hidden_task.pk
    )
    hidden_ms = services.milestone_create(
        actor=rm.rep, room_id=room, title="Deal desk", internal=True
    )
    services.task_create(
        actor=rm.rep, room_id=room, data={"title": "Margin check", "milestone": hidden_ms.pk}
    )
    services.milestone_create(actor=rm.rep, room_id=room, title="Evaluation 评估")
    # A second guest: the first must not learn their address.
    rm.invite(email="li@customer.test", name="李雷")
    return hidden_task


def internal_flags(value) -> list[bool]:
    """Every `internal` in a JSON document."""
    if isinstance(value, dict):
        own = [value["internal"]] if "internal" in value else []
        return own + [f for v in value.values() for f in internal_flags(v)]
    if isinstance(value, list):
        return [f for v in value for f in internal_flags(v)]
    return []


def guest_reads(api, room_id: int) -> dict[str, str]:
    base = f"/{room_id}"
    pages = {
        "list": api.get(),
        "room": api.get(base),
        "plan": api.get(base + "/plan"),
        "comments": api.get(base + "/comments"),
        "members": api.get(base + "/members"),
    }
    plan = pages["plan"].json()
    for milestone in plan["milestones"]:
        for task in milestone["tasks"]:
            pages[f"task {task['id']}"] = api.get(f"{base}/tasks/{task['id']}")
            pages[f"thread {task['id']}"] = api.get(base + "/comments", {"task": task["id"]})
    for name, response in pages.items():
        assert response.status_code == 200, (name, response.content)
    return {name: response.content.decode() for name, response in pages.items()}


def test_guests_receive_shared_content_only(rm, guest, room_with_secrets):
    api = guest()
    bodies = guest_reads(api, rm.room.pk)
    everything = json.dumps([json.loads(b) for b in bodies.values()], ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in everything, secret
    flags = [f for body in bodies.values() for f in internal_flags(json.loads(body))]
    assert flags and not any(flags)
    comments = json.loads(bodies["comments"])["items"]
    assert [c["body"] for c in comments] == ["Welcome 欢迎 everyone"]
    plan = json.loads(bodies["plan"])
    titles = [t["title"] for m in plan["milestones"] for t in m["tasks"]]
    assert titles == ["Send pricing sheet"]
    assert [m["title"] for m in plan["milestones"] if m["id"]] == ["Evaluation 评估"]
    room = json.loads(bodies["room"])
    assert room["fields"] == []  # nothing shared yet
    assert set(room) == {
        "id",
        "deal_name",
        "account_name",
        "welcome",
        "fields",
        "me",
        "notify_level",
        "can_take_part",
    }  # fmt: skip  (no deal id, no shared-field settings, no "can manage")
    people = json.loads(bodies["members"])
    assert all(set(p) == {"id", "name", "kind"} for p in people)
    assert sorted(p["name"] for p in people if p["kind"] == "guest") == ["李雷", "王芳"]
    assert json.loads(bodies["list"])["items"][0].keys() == {
        "id", "deal_name", "account_name", "unread", "last_activity_at",
    }  # fmt: skip


def test_sharing_a_field_shows_it_to_guests_and_only_it(rm, guest, seller, room_with_secrets):
    api = guest()
    shared = seller("rep").put(
        f"/{rm.room.pk}/settings", {"shared_fields": ["amount"], "welcome": "Hi 你好"}
    )
    assert shared.status_code == 200
    room = api.get(f"/{rm.room.pk}").json()
    assert room["welcome"] == "Hi 你好"
    assert room["fields"] == [
        {"name": "amount", "label": "amount", "value": "1000.00", "currency": "CNY",
         "shared": True},
    ]  # fmt: skip
    assert "Call the CFO" not in json.dumps(room)


def test_sellers_see_everything_the_guest_does_not(rm, seller, room_with_secrets):
    api = seller("rep")
    base = f"/{rm.room.pk}"
    plan = api.get(base + "/plan").json()
    titles = {t["title"] for m in plan["milestones"] for t in m["tasks"]}
    assert titles == {"Send pricing sheet", "Approve discount", "Margin check"}
    comments = api.get(base + "/comments").json()["items"]
    assert [(c["body"], c["internal"]) for c in comments] == [
        ("Welcome 欢迎 everyone", False),
        ("Their budget is tight", True),
    ]
    thread = api.get(base + "/comments", {"task": room_with_secrets.pk}).json()["items"]
    assert [c["body"] for c in thread] == ["About the discount"]
    people = api.get(base + "/members").json()
    assert [p["email"] for p in people if p["kind"] == "guest"] == ["li@customer.test"]
    fields = {f["name"]: f for f in api.get(base).json()["fields"]}
    assert fields["amount"]["value"] == "1000.00" and fields["amount"]["shared"] is False
    assert fields["next_step"]["value"] == "Call the CFO"
