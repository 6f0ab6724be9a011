"""The mutual action plan: milestones in order, each with tasks. Everyone in the room adds
items; who may change which is access.py's (a guest: what they added, and the status of tasks
assigned to them). Only sellers mark an item internal; guests never see internal items, nor
tasks under an internal milestone."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Guest
from dealroom.core.errors import Forbidden, Invalid, NotFound

from ..access import PlanRights
from ..models import (
    Milestone,
    NotifyLevel,
    Room,
    RoomFile,
    RoomMember,
    Task,
    TaskKind,
    TaskStatus,
)
from .common import (
    as_int,
    discard_files,
    me,
    require_participant,
    room_event,
    room_for,
    taking_part,
    withdraw_from_guests,
)


def _shared_task(task: Task) -> bool:
    return task.is_shared


def _may_change_milestone(actor: Actor, milestone: Milestone, own: RoomMember) -> None:
    if not PlanRights(actor, milestone.room).milestone(milestone).allows(own.pk):
        raise Forbidden(_("You can change only the milestones you added."))


def _keeps_order_of_others(movable, before: list, after: list) -> None:
    """A reorder moves only what the actor may move: everything else keeps its order among
    itself, and its milestone (arriving from another one is a move too)."""
    fixed_before = [item.pk for item in before if not movable(item)]
    fixed_after = [item.pk for item in after if not movable(item)]
    if fixed_before != fixed_after:
        raise Forbidden(_("You can move only the items you added."))


def _no_guests_on_internal(assignees, field: str) -> None:
    """Guests never hear of internal items, by any channel: they cannot be assigned to one
    (an assignment notifies, a meeting e-mails its invitation)."""
    guests = [a.name for a in assignees if a.is_guest]
    if guests:
        raise Invalid(
            fields={
                field: _(
                    "Guests cannot be assigned to an internal item (%(names)s): take them off "
                    "it first, or keep it shared."
                )
                % {"names": ", ".join(guests)}
            }
        )


def _internal_flag(actor: Actor, value) -> bool:
    wants = value in (True, "1", "true", "on", 1)
    if wants and isinstance(actor, Guest):
        raise Forbidden()
    return wants


def _title(value, field: str = "title") -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise Invalid(fields={field: _("Give it a title.")})
    if len(title) > 200:
        raise Invalid(fields={field: _("Keep the title under 200 characters.")})
    return title


def _when(value, field: str) -> datetime | None:
    """A date-time from a form ("2026-12-03T10:00", "2026-12-03") or an aware datetime;
    naive values are in the current time zone (the user's)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed: datetime | None = value
    else:
        text = str(value).strip()
        try:
            parsed = parse_datetime(text)
            if parsed is None:
                day = parse_date(text)
                parsed = datetime(day.year, day.month, day.day, 17, 0) if day else None
        except ValueError:
            parsed = None
    if parsed is None:
        raise Invalid(fields={field: _("Enter a date and time, e.g. 2026-12-03 10:00.")})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _milestone(room: Room, actor: Actor, milestone_id) -> Milestone | None:
    if milestone_id in (None, ""):
        return None
    try:
        pk = as_int(milestone_id)
    except NotFound:
        pk = 0
    milestone = Milestone.objects.visible_to(actor).filter(room=room, pk=pk).first()
    if milestone is None:
        raise Invalid(fields={"milestone": _("Choose a milestone of this room.")})
    return milestone


def _assignees(room: Room, ids) -> list[RoomMember]:
    try:
        wanted = {as_int(i) for i in ids or [] if str(i).strip()}
    except NotFound:
        wanted = {0}  # no such person: refused below
    found = list(RoomMember.objects.filter(room=room, pk__in=wanted, removed_at__isnull=True))
    if len(found) != len(wanted):
        raise Invalid(fields={"assignees": _("Assign people who are in this room.")})
    return found


def _task_for(actor: Actor, task_id) -> Task:
    task = (
        Task.objects.visible_to(actor)
        .select_related("room", "room__opportunity", "room__opportunity__account", "milestone")
        .filter(pk=as_int(task_id))
        .first()
    )
    if task is None:
        raise NotFound()
    return task


def _notify(members: list[RoomMember], own: RoomMember) -> list[int]:
    """Seller-side users among `members` who want to hear of it (guests get e-mail only)."""
    return [
        m.membership.user_id
        for m in members
        if m.membership is not None and m.pk != own.pk and m.notify_level != NotifyLevel.NONE
    ]


def _task_data(task: Task) -> dict:
    return {"task": task.pk, "title": task.title, "kind": task.kind, "status": task.status}


# -- milestones ------------------------------------------------------------------------------


@transaction.atomic
def milestone_create(*, actor: Actor, room_id, title, internal=False) -> Milestone:
    room, own = taking_part(actor, room_id)
    last = Milestone.objects.filter(room=room).aggregate(m=Max("position"))["m"]
    milestone = Milestone.objects.create(
        workspace_id=room.workspace_id,
        room=room,
        title=_title(title),
        internal=_internal_flag(actor, internal),
        position=(last or 0) + 1,
        created_by=own,
    )
    room_event(
        actor,
        room,
        "room_milestone.created",
        {"milestone": milestone.pk, "title": milestone.title},
        shared=not milestone.internal,
        by=own,
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: Actor, milestone_id, title, internal=None) -> Milestone:
    milestone = Milestone.objects.visible_to(actor).filter(pk=as_int(milestone_id)).first()
    if milestone is None:
        raise NotFound()
    require_participant(actor)
    room = room_for(actor, milestone.room_id)
    own = me(actor, room)
    _may_change_milestone(actor, milestone, own)
    was_internal = milestone.internal
    milestone.title = _title(title)
    if internal is not None:
        milestone.internal = _internal_flag(actor, internal)
    withdrawn = milestone.internal and not was_internal
    if withdrawn:
        on_tasks = RoomMember.objects.filter(tasks__milestone=milestone).distinct()
        _no_guests_on_internal(on_tasks, "internal")
    milestone.save(update_fields=["title", "internal"])
    room_event(
        actor,
        room,
        "room_milestone.updated",
        {"milestone": milestone.pk, "title": milestone.title},
        shared=not milestone.internal,
        by=own,
    )
    if withdrawn:
        withdraw_from_guests(actor, room, by=own, milestone_ids=[milestone.pk])
    return milestone


@transaction.atomic
def milestone_delete(*, actor: Actor, milestone_id) -> None:
    """The milestone goes; its tasks stay, without a milestone."""
    milestone = Milestone.objects.visible_to(actor).filter(pk=as_int(milestone_id)).first()
    if milestone is None:
        raise NotFound()
    require_participant(actor)
    room = room_for(actor, milestone.room_id)
    own = me(actor, room)
    _may_change_milestone(actor, milestone, own)
    if (
        isinstance(actor, Guest)
        and Task.objects.filter(milestone=milestone).exclude(internal=False).exists()
    ):
        raise Forbidden()  # it holds items the guest cannot see
    data = {"milestone": milestone.pk, "title": milestone.title}
    shared = not milestone.internal
    if milestone.internal:  # its tasks stay, and stay out of the guests' sight
        Task.objects.filter(milestone=milestone).update(internal=True)
    milestone.delete()
    room_event(actor, room, "room_milestone.deleted", data, shared=shared, by=own)


def _merge_order(full: list, given: list, visible: set[int]) -> list:
    """The new order of what the actor sees, with what they cannot see kept where it was."""
    result = list(given)
    for index, item in enumerate(full):
        if item.pk not in visible:
            result.insert(min(index, len(result)), item)
    return result


@transaction.atomic
def milestone_reorder(*, actor: Actor, room_id, milestone_ids: list) -> None:
    room, own = taking_part(actor, room_id)
    ordered = Milestone.objects.visible_to(actor).filter(room=room).order_by("position", "pk")
    visible = {m.pk: m for m in ordered}
    ids = [as_int(i) for i in milestone_ids]
    if sorted(ids) != sorted(visible):
        raise Invalid(_("The plan changed meanwhile; reload and try again."))
    given = [visible[i] for i in ids]
    rights = PlanRights(actor, room)
    _keeps_order_of_others(
        lambda m: rights.milestone(m).allows(own.pk), list(visible.values()), given
    )
    full = list(Milestone.objects.filter(room=room).order_by("position", "pk"))
    for position, milestone in enumerate(_merge_order(full, given, set(visible)), start=1):
        Milestone.objects.filter(pk=milestone.pk).update(position=position)
    room_event(actor, room, "room_milestone.reordered", {}, shared=True, by=own)


# -- tasks -----------------------------------------------------------------------------------


def _clean_task(actor: Actor, room: Room, data: dict, task: Task | None = None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}

    def take(field, fn):
        try:
            values[field] = fn()
        except Invalid as e:
            errors.update(e.fields)

    if task is None or "title" in data:
        take("title", lambda: _title(data.get("title")))
    if "description" in data:
        description = str(data.get("description") or "").strip()
        if len(description) > 10_000:
            errors["description"] = _("Keep the description under 10,000 characters.")
        values["description"] = description
    if task is None or "kind" in data:
        kind = data.get("kind") or TaskKind.TASK
        if kind not in TaskKind.values:
            errors["kind"] = _("Choose task or meeting.")
        values["kind"] = kind
    for name in ("due_at", "starts_at", "ends_at"):
        if name in data:
            take(name, lambda name=name: _when(data.get(name), name))
    if "place" in data:
        values["place"] = str(data.get("place") or "").strip()[:300]
    if "milestone" in data:
        take("milestone", lambda: _milestone(room, actor, data.get("milestone")))
    if "internal" in data:
        values["internal"] = _internal_flag(actor, data.get("internal"))
    if "assignees" in data:
        take("assignees", lambda: _assignees(room, data.get("assignees")))
    chosen = values.get("milestone")
    if (task is None or "milestone" in values) and chosen is not None and chosen.internal:
        values["internal"] = True  # what is put in an internal milestone is internal itself
    if not errors and values.get("internal", task.internal if task else False):
        try:
            if "assignees" in values:
                _no_guests_on_internal(values["assignees"], "assignees")
            elif task is not None and task.is_shared:  # about to leave the guests' sight
                into = getattr(values.get("milestone"), "internal", False)
                _no_guests_on_internal(task.assignees.all(), "milestone" if into else "internal")
        except Invalid as e:
            errors.update(e.fields)
    kind = values.get("kind", task.kind if task else TaskKind.TASK)
    if kind == TaskKind.MEETING and not errors:
        starts = values.get("starts_at", task.starts_at if task else None)
        ends = values.get("ends_at", task.ends_at if task else None)
        if starts is None:
            errors["starts_at"] = _("A meeting needs a start.")
        if ends is None:
            errors["ends_at"] = _("A meeting needs an end.")
        elif starts is not None and ends <= starts:
            errors["ends_at"] = _("The meeting must end after it starts.")
        if starts is not None and not values.get("due_at", task.due_at if task else None):
            values["due_at"] = starts
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    return values


@transaction.atomic
def task_create(*, actor: Actor, room_id, data: dict) -> Task:
    room, own = taking_part(actor, room_id)
    values = _clean_task(actor, room, data)
    assignees = values.pop("assignees", [])
    milestone = values.get("milestone")
    last = Task.objects.filter(room=room, milestone=milestone).aggregate(m=Max("position"))["m"]
    task = Task.objects.create(
        workspace_id=room.workspace_id,
        room=room,
        created_by=own,
        position=(last or 0) + 1,
        **values,
    )
    task.assignees.set(assignees)
    room_event(
        actor,
        room,
        "room_task.created",
        {
            **_task_data(task),
            "assignees": [a.name for a in assignees],
            "assigned": [a.pk for a in assignees],
            "invite": _invite(task, assignees),
        },
        shared=_shared_task(task),
        by=own,
        notify=_notify(assignees, own),
    )
    return task


@transaction.atomic
def task_update(*, actor: Actor, task_id, data: dict) -> Task:
    task = _task_for(actor, task_id)
    require_participant(actor)
    room = task.room
    own = me(actor, room)
    if not PlanRights(actor, room).task(task).edit.allows(own.pk):
        raise Forbidden(
            _(
                "You can change only the tasks you added. On a task assigned to you, you can "
                "mark it done or reopen it."
            )
        )
    was_shared = _shared_task(task)
    values = _clean_task(actor, room, data, task)
    assignees = values.pop("assignees", None)
    before = {a.pk for a in task.assignees.all()}
    for name, value in values.items():
        setattr(task, name, value)
    meeting_changed = task.kind == TaskKind.MEETING and any(
        k in values for k in ("starts_at", "ends_at", "place", "title", "description")
    )
    if meeting_changed:
        task.ics_sequence += 1
    task.save()
    added: list[RoomMember] = []
    if assignees is not None:
        task.assignees.set(assignees)
        added = [a for a in assignees if a.pk not in before]
    room_event(
        actor,
        room,
        "room_task.updated",
        {
            **_task_data(task),
            "changed": sorted(values),
            "assigned": [a.pk for a in added],
            "invite": _invite(task, list(task.assignees.all()) if meeting_changed else added),
        },
        shared=_shared_task(task),
        by=own,
        notify=_notify(added, own),
    )
    if was_shared and not _shared_task(task):
        withdraw_from_guests(actor, room, by=own, task_ids=[task.pk])
    return task


@transaction.atomic
def task_status_set(*, actor: Actor, task_id, status: str, reason: str = "") -> Task:
    task = _task_for(actor, task_id)
    require_participant(actor)
    own = me(actor, task.room)
    assignees = list(task.assignees.all())
    rights = PlanRights(actor, task.room).task(task, [a.pk for a in assignees])
    if not rights.set_status.allows(own.pk):
        raise Forbidden(
            _("You can set the status only of tasks you added or that are assigned to you.")
        )
    if status not in TaskStatus.values:
        raise Invalid(fields={"status": _("Choose open, done or blocked.")})
    reason = " ".join(str(reason or "").split())[:300]
    if status == TaskStatus.BLOCKED and not reason:
        raise Invalid(fields={"reason": _("Say what blocks the task.")})
    task.status = status
    task.blocked_reason = reason if status == TaskStatus.BLOCKED else ""
    task.done_at = timezone.now() if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "blocked_reason", "done_at", "updated_at"])
    watchers = [a for a in assignees if a.pk != own.pk]
    if task.created_by_id and task.created_by_id != own.pk and task.created_by:
        watchers.append(task.created_by)
    room_event(
        actor,
        task.room,
        "room_task." + {"done": "completed", "open": "reopened", "blocked": "blocked"}[status],
        {**_task_data(task), "reason": task.blocked_reason},
        shared=_shared_task(task),
        by=own,
        notify=_notify(watchers, own),
    )
    return task


@transaction.atomic
def task_delete(*, actor: Actor, task_id) -> None:
    """The task's author, and the sellers who run the room, delete tasks."""
    task = _task_for(actor, task_id)
    require_participant(actor)
    own = me(actor, task.room)
    if not PlanRights(actor, task.room).task(task).delete.allows(own.pk):
        raise Forbidden(_("Only who created the task, or who runs the room, deletes it."))
    data = _task_data(task)
    shared = _shared_task(task)
    room = task.room
    discard_files(RoomFile.objects.filter(Q(task=task) | Q(comment__task=task)))
    task.delete()
    room_event(actor, room, "room_task.deleted", data, shared=shared, by=own)


@transaction.atomic
def task_reorder(*, actor: Actor, room_id, milestone_id, task_ids: list) -> None:
    """Drag and drop: `task_ids` is the new order of the tasks the actor sees under a
    milestone (or none); tasks coming from elsewhere move under it."""
    room, own = taking_part(actor, room_id)
    milestone = _milestone(room, actor, milestone_id)
    ids = [as_int(i) for i in task_ids]
    moved = {
        t.pk: t
        for t in Task.objects.visible_to(actor)
        .select_related("milestone")
        .filter(room=room, pk__in=ids)
    }
    if len(moved) != len(set(ids)):
        raise Invalid(_("The plan changed meanwhile; reload and try again."))
    full = list(Task.objects.filter(room=room, milestone=milestone).order_by("position", "pk"))
    there = list(
        Task.objects.visible_to(actor)
        .filter(room=room, milestone=milestone)
        .order_by("position", "pk")
    )
    rights = PlanRights(actor, room)
    _keeps_order_of_others(
        lambda t: rights.task(t).edit.allows(own.pk),
        there,
        [moved[i] for i in ids],
    )
    visible = {t.pk for t in there} | set(ids)
    withdrawn = []
    if milestone is not None and milestone.internal:
        # Dragged into an internal milestone: internal from now on, as if made there.
        withdrawn = [t.pk for t in moved.values() if t.is_shared]
        assigned = RoomMember.objects.filter(tasks__in=withdrawn).distinct()
        _no_guests_on_internal(assigned, "milestone")
        Task.objects.filter(pk__in=withdrawn).update(internal=True)
    for position, task in enumerate(_merge_order(full, [moved[i] for i in ids], visible), start=1):
        Task.objects.filter(pk=task.pk).update(position=position, milestone=milestone)
    room_event(
        actor,
        room,
        "room_task.reordered",
        {"milestone": milestone.pk if milestone else None},
        shared=True,
        by=own,
    )
    if withdrawn:
        withdraw_from_guests(actor, room, by=own, task_ids=withdrawn)


def _invite(task: Task, people: list[RoomMember]) -> list[int]:
    """Who the task's event asks to be e-mailed an .ics invitation (a meeting with its times):
    the job after the event (meetings.py) sends it to those who may see the meeting."""
    if task.kind != TaskKind.MEETING or not task.starts_at or not task.ends_at:
        return []
    return [p.pk for p in people if p.email]
