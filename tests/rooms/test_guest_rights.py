"""What a guest may do to items of the plan (issue 21, 7): they edit and delete what they
added; on a task assigned to them they change the status and comment; nothing else of the
sellers' (no rename, delete, dates, assignees, move). The pages offer exactly that, and the
services refuse the rest, so a hand-made request changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from dealroom.core.errors import Forbidden
from dealroom.rooms import services
from dealroom.rooms.models import Milestone, RoomMember, Task

pytestmark = pytest.mark.django_db


def guest_row(rm) -> RoomMember:
    return RoomMember.objects.get(room=rm.room, contact=rm.contact)


def sellers_task(rm, **data) -> Task:
    return services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Send the MSA", **data}
    )


# -- services --------------------------------------------------------------------------------


def test_a_guest_cannot_change_or_delete_a_sellers_task(rm):
    guest = rm.guest()
    milestone = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Legal")
    task = sellers_task(rm, due_at="2030-01-02")
    for data in (
        {"title": "Renamed by the guest"},
        {"due_at": "2031-01-01"},
        {"assignees": [guest_row(rm).pk]},
        {"milestone": milestone.pk},
        {"description": "theirs now"},
    ):
        with pytest.raises(Forbidden):
            services.task_update(actor=guest, task_id=task.pk, data=data)
    with pytest.raises(Forbidden):
        services.task_delete(actor=guest, task_id=task.pk)
    with pytest.raises(Forbidden):  # not assigned to them: not theirs to tick either
        services.task_status_set(actor=guest, task_id=task.pk, status="done")
    after = Task.objects.get(pk=task.pk)
    assert (after.title, after.milestone_id, after.status) == ("Send the MSA", None, "open")
    assert after.due_at == task.due_at and not after.assignees.exists()


def test_a_guest_ticks_and_reopens_a_task_assigned_to_them(rm):
    guest = rm.guest()
    task = sellers_task(rm, assignees=[guest_row(rm).pk])
    services.task_status_set(actor=guest, task_id=task.pk, status="done")
    assert Task.objects.get(pk=task.pk).status == "done"
    services.task_status_set(actor=guest, task_id=task.pk, status="open")
    assert Task.objects.get(pk=task.pk).status == "open"
    services.comment_post(actor=guest, room_id=rm.room.pk, body="On it", task_id=task.pk)
    with pytest.raises(Forbidden):  # the status, not the task
        services.task_update(actor=guest, task_id=task.pk, data={"title": "Mine"})


def test_a_guest_edits_and_deletes_what_they_added(rm):
    guest = rm.guest()
    milestone = services.milestone_create(actor=guest, room_id=rm.room.pk, title="Pilot 试点")
    task = services.task_create(
        actor=guest, room_id=rm.room.pk, data={"title": "IT checklist", "milestone": milestone.pk}
    )
    services.task_update(
        actor=guest, task_id=task.pk, data={"title": "IT checklist v2", "due_at": "2030-05-01"}
    )
    services.task_status_set(actor=guest, task_id=task.pk, status="done")
    services.milestone_update(actor=guest, milestone_id=milestone.pk, title="Pilot phase")
    assert Task.objects.get(pk=task.pk).title == "IT checklist v2"
    services.task_delete(actor=guest, task_id=task.pk)
    services.milestone_delete(actor=guest, milestone_id=milestone.pk)
    assert not Task.objects.filter(pk=task.pk).exists()
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_a_guest_cannot_rename_delete_or_move_a_sellers_milestone(rm):
    guest = rm.guest()
    legal = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Legal")
    pilot = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Pilot")
    mine = services.milestone_create(actor=guest, room_id=rm.room.pk, title="Our IT")
    with pytest.raises(Forbidden):
        services.milestone_update(actor=guest, milestone_id=legal.pk, title="Renamed")
    with pytest.raises(Forbidden):
        services.milestone_delete(actor=guest, milestone_id=legal.pk)
    with pytest.raises(Forbidden):
        services.milestone_reorder(
            actor=guest, room_id=rm.room.pk, milestone_ids=[pilot.pk, legal.pk, mine.pk]
        )
    # Their own milestone goes where they like; the sellers' keep their order.
    services.milestone_reorder(
        actor=guest, room_id=rm.room.pk, milestone_ids=[mine.pk, legal.pk, pilot.pk]
    )
    order = list(Milestone.objects.filter(room=rm.room).values_list("title", flat=True))
    assert order == ["Our IT", "Legal", "Pilot"]
    assert Milestone.objects.get(pk=legal.pk).title == "Legal"


def test_a_guest_moves_their_own_tasks_only(rm):
    guest = rm.guest()
    legal = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Legal")
    a, b = sellers_task(rm, title="A"), sellers_task(rm, title="B")
    mine = services.task_create(actor=guest, room_id=rm.room.pk, data={"title": "Mine"})
    with pytest.raises(Forbidden):  # the sellers' order
        services.task_reorder(
            actor=guest, room_id=rm.room.pk, milestone_id=None, task_ids=[b.pk, a.pk, mine.pk]
        )
    with pytest.raises(Forbidden):  # a seller's task into another milestone
        services.task_reorder(
            actor=guest, room_id=rm.room.pk, milestone_id=legal.pk, task_ids=[a.pk]
        )
    services.task_reorder(
        actor=guest, room_id=rm.room.pk, milestone_id=None, task_ids=[mine.pk, a.pk, b.pk]
    )
    order = list(Task.objects.filter(room=rm.room).values_list("title", flat=True))
    assert order == ["Mine", "A", "B"]
    services.task_reorder(
        actor=guest, room_id=rm.room.pk, milestone_id=legal.pk, task_ids=[mine.pk]
    )
    assert Task.objects.get(pk=mine.pk).milestone_id == legal.pk
    assert Task.objects.get(pk=a.pk).milestone_id is None


# -- pages -----------------------------------------------------------------------------------


def test_the_guests_page_refuses_a_sellers_task_clearly_and_changes_nothing(rm, guest_client):
    task = sellers_task(rm)
    browser = guest_client()
    base = rm.base("g") + f"tasks/{task.pk}/"
    edit = browser.post(base + "edit/", {"title": "Renamed"}, HTTP_HX_REQUEST="true")
    assert edit.status_code == 403
    assert "You can change only the tasks you added" in edit.content.decode()
    delete = browser.post(base + "delete/", HTTP_HX_REQUEST="true")
    assert delete.status_code == 403
    assert Task.objects.get(pk=task.pk).title == "Send the MSA"


def test_the_task_panel_offers_a_guest_only_what_they_may_do(rm, guest_client):
    browser = guest_client()
    me = guest_row(rm).pk
    theirs = sellers_task(rm)
    assigned = sellers_task(rm, title="Sign the NDA", assignees=[me])
    guest = rm.guest()
    own = services.task_create(actor=guest, room_id=rm.room.pk, data={"title": "Our IT"})

    def panel(task) -> str:
        response = browser.get(rm.base("g") + f"tasks/{task.pk}/")
        assert response.status_code == 200
        return response.content.decode()

    sellers = panel(theirs)
    assert "Delete task" not in sellers and 'data-testid="task-edit-form"' not in sellers
    assert "/delete/" not in sellers and "/edit/" not in sellers
    assert 'data-testid="task-done"' not in sellers
    assert 'data-testid="comment-form-task"' in sellers  # they may still discuss it

    ticked = panel(assigned)
    assert 'data-testid="task-done"' in ticked
    assert "Delete task" not in ticked and 'data-testid="task-edit-form"' not in ticked

    mine = panel(own)
    assert "Delete task" in mine and 'data-testid="task-edit-form"' in mine
    assert f'data-owner="{me}"' in mine  # shown by room.js to its author alone


def test_plan_rows_and_milestone_menus_offer_a_guest_only_their_own(rm, guest_client):
    browser = guest_client()
    me = guest_row(rm).pk
    guest = rm.guest()
    legal = services.milestone_create(actor=rm.rep, room_id=rm.room.pk, title="Legal")
    ours = services.milestone_create(actor=guest, room_id=rm.room.pk, title="Our IT")
    theirs = sellers_task(rm, milestone=legal.pk)
    assigned = sellers_task(rm, title="Sign the NDA", assignees=[me])
    own = services.task_create(actor=guest, room_id=rm.room.pk, data={"title": "Mine"})
    page = browser.get(rm.base("g")).content.decode()

    def row(task) -> str:
        start = page.index(f'id="task-{task.pk}"')
        return page[start : page.index("</li>", start)]

    assert "task-handle" not in row(theirs) and "task-check" not in row(theirs)
    assert "task-handle" not in row(assigned) and 'data-testid="task-check"' in row(assigned)
    assert "task-handle" in row(own) and 'data-testid="task-check"' in row(own)
    assert f"milestones/{legal.pk}/edit/" not in page
    assert f"milestones/{legal.pk}/delete/" not in page
    assert f"milestones/{ours.pk}/edit/" in page and f"milestones/{ours.pk}/delete/" in page
    # The sellers' page offers all of it.
    seller = Client()
    seller.force_login(rm.rep.user)
    sellers = seller.get(rm.base("w")).content.decode()
    assert f"milestones/{legal.pk}/edit/" in sellers and f"milestones/{ours.pk}/edit/" in sellers
    start = sellers.index(f'id="task-{theirs.pk}"')
    assert "task-handle" in sellers[start : sellers.index("</li>", start)]
