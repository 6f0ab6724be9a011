"""The guest API agrees with the guest's page (issue 21, 7): a guest changes and deletes the
tasks and milestones they added, sets the status of tasks assigned to them, and is refused
the rest of the sellers' plan with a clear message; each task says what the reader may do."""

from __future__ import annotations

import pytest

from dealroom.rooms.models import Milestone, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(seller):
    return seller("rep")


def test_a_guest_cannot_rename_or_delete_a_sellers_task_through_the_api(rm, rep, guest):
    base = f"/{rm.room.pk}"
    task = rep.post(base + "/tasks", {"title": "Send the MSA"}).json()
    visitor = guest()
    renamed = visitor.patch(f"{base}/tasks/{task['id']}", {"title": "Renamed"})
    assert renamed.status_code == 403
    assert "You can change only the tasks you added" in renamed.json()["message"]
    moved = visitor.patch(f"{base}/tasks/{task['id']}", {"due_at": "2031-01-01"})
    assert moved.status_code == 403
    deleted = visitor.delete(f"{base}/tasks/{task['id']}")
    assert deleted.status_code == 403 and deleted.json()["message"]
    ticked = visitor.post(f"{base}/tasks/{task['id']}/status", {"status": "done"})
    assert ticked.status_code == 403
    after = Task.objects.get(pk=task["id"])
    assert (after.title, after.due_at, after.status) == ("Send the MSA", None, "open")
    read = visitor.get(f"{base}/tasks/{task['id']}").json()
    assert read["may"] == {"edit": False, "delete": False, "set_status": False}
    assert rep.get(f"{base}/tasks/{task['id']}").json()["may"] == {
        "edit": True,
        "delete": True,
        "set_status": True,
    }


def test_a_guest_ticks_an_assigned_task_and_edits_their_own_through_the_api(rm, rep, guest):
    base = f"/{rm.room.pk}"
    visitor = guest()
    me = visitor.get(base).json()["me"]
    assigned = rep.post(base + "/tasks", {"title": "Sign the NDA", "assignees": [me]}).json()
    done = visitor.post(f"{base}/tasks/{assigned['id']}/status", {"status": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["may"] == {"edit": False, "delete": False, "set_status": True}
    reopened = visitor.post(f"{base}/tasks/{assigned['id']}/status", {"status": "open"})
    assert reopened.json()["status"] == "open"
    assert visitor.patch(f"{base}/tasks/{assigned['id']}", {"title": "x"}).status_code == 403

    own = visitor.post(base + "/tasks", {"title": "Our IT"}).json()
    assert own["may"] == {"edit": True, "delete": True, "set_status": True}
    edited = visitor.patch(f"{base}/tasks/{own['id']}", {"title": "Our IT review"})
    assert edited.status_code == 200 and edited.json()["title"] == "Our IT review"
    assert visitor.delete(f"{base}/tasks/{own['id']}").status_code == 204
    assert not Task.objects.filter(pk=own["id"]).exists()


def test_a_guest_changes_only_their_own_milestones_through_the_api(rm, rep, guest):
    base = f"/{rm.room.pk}"
    legal = rep.post(base + "/milestones", {"title": "Legal"}).json()
    visitor = guest()
    ours = visitor.post(base + "/milestones", {"title": "Our IT"}).json()
    assert visitor.patch(f"{base}/milestones/{legal['id']}", {"title": "x"}).status_code == 403
    assert visitor.delete(f"{base}/milestones/{legal['id']}").status_code == 403
    order = {"ids": [ours["id"], legal["id"]]}
    assert visitor.post(base + "/milestones/order", order).status_code == 204
    assert Milestone.objects.get(pk=legal["id"]).title == "Legal"
    renamed = visitor.patch(f"{base}/milestones/{ours['id']}", {"title": "Our IT 信息"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Our IT 信息"
    assert visitor.delete(f"{base}/milestones/{ours['id']}").status_code == 204
