"""What both sides of the rooms API share: finding the room, a task, a milestone or a comment
as the actor (404 alike for "does not exist" and "not yours"), and the shapes of what goes
out. Reads go through rooms.selectors, writes through rooms.services; nothing here decides
who may do what (a task's `may` is rooms/access.py's answer, as the page's controls are)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Guest
from dealroom.core.errors import Invalid, NotFound

from .. import selectors, services, visibility
from ..access import PlanRights
from ..formatting import render_comment
from ..models import Comment, Milestone, Resource, Room, RoomFile, RoomMember, Task

MAX_PAGE = 100


def clamp(limit: int, default: int) -> int:
    return max(1, min(limit or default, MAX_PAGE))


# -- finding things as the actor -------------------------------------------------------------


def room_or_404(actor: Actor, room_id: int) -> Room:
    room = selectors.room_get(actor=actor, room_id=room_id)
    if room is None:
        raise NotFound()
    return room


def _of_room[T: (Task, Comment, RoomFile, Resource)](found: T | None, room: Room) -> T:
    """What the selector found, if it is this room's: an id of another room's item is not
    found through this room's path, even by someone who sees both rooms."""
    if found is None or found.room_id != room.pk:
        raise NotFound()
    return found


def task_or_404(actor: Actor, room: Room, task_id: int) -> Task:
    return _of_room(selectors.task_get(actor=actor, task_id=task_id), room)


def _with_may(actor: Actor, room: Room, tasks: list[Task], assignees) -> None:
    """Each task's `may` (schemas.TaskMayOut) for this reader, as the page offers it;
    `assignees(task)` gives its assignees' member ids."""
    rights = PlanRights(actor, room)
    own = selectors.own_member_id(actor=actor, room=room)
    for task in tasks:
        may = rights.task(task, assignees(task))
        task.may = {  # type: ignore[attr-defined]
            "edit": may.edit.allows(own),
            "delete": may.delete.allows(own),
            "set_status": may.set_status.allows(own),
        }


def task_out(actor: Actor, room: Room, task_id: int) -> Task:
    """A task read again as the actor, with what they may do to it."""
    task = task_or_404(actor, room, task_id)
    _with_may(actor, room, [task], lambda t: [a.pk for a in t.assignees.all()])
    return task


def milestone_or_404(actor: Actor, room: Room, milestone_id: int) -> Milestone:
    """No selector reads one milestone: the same scoped queryset the services use."""
    milestone = Milestone.objects.visible_to(actor).filter(room=room, pk=milestone_id).first()
    if milestone is None:
        raise NotFound()
    return milestone


def comment_or_404(actor: Actor, room: Room, comment_id: int) -> Comment:
    return _of_room(selectors.comment_get(actor=actor, comment_id=comment_id), room)


# -- rooms -----------------------------------------------------------------------------------


def room_page(actor: Actor, *, offset: int, limit: int) -> dict[str, Any]:
    """My rooms, most recently active first. `selectors.my_rooms` takes a limit only: ask for
    the rows up to this page and one more (to know whether another page follows)."""
    offset = max(0, offset)
    limit = clamp(limit, 25)
    rooms = selectors.my_rooms(actor=actor, limit=offset + limit + 1)[offset:]
    items = [
        {
            "id": room.pk,
            "deal_id": room.opportunity_id,
            "deal_name": room.opportunity.name,
            "account_name": room.opportunity.account.name,
            "unread": bool(getattr(room, "unread", False)),
            "last_activity_at": getattr(room, "last_event", None),
        }
        for room in rooms[:limit]
    ]
    return {"items": items, "offset": offset, "limit": limit, "more": len(rooms) > limit}


def _deal_fields(actor: Actor, room: Room) -> list[dict[str, Any]]:
    """The deal fields the reader sees in the room's header (selectors.deal_fields)."""
    out = []
    for f in selectors.deal_fields(actor=actor, room=room):
        value = f.value
        text = None if value in (None, "") else str(value)
        if hasattr(value, "isoformat"):
            text = value.isoformat()
        out.append(
            {
                "name": f.name,
                "label": f.label,
                "value": text,
                "currency": f.currency if f.name == "amount" else None,
                "shared": f.shared,
            }
        )
    return out


def _own(actor: Actor, room: Room) -> tuple[int | None, str | None]:
    own = selectors.own_member_id(actor=actor, room=room)
    if own is None:
        return None, None
    level = RoomMember.objects.filter(pk=own).values_list("notify_level", flat=True).first()
    return own, level


def room_out(actor: Actor, room: Room) -> dict[str, Any]:
    own, level = _own(actor, room)
    return {
        "id": room.pk,
        "deal_id": room.opportunity_id,
        "deal_name": room.opportunity.name,
        "account_name": room.opportunity.account.name,
        "welcome": room.welcome,
        "shared_fields": list(room.shared_fields),
        "fields": _deal_fields(actor, room),
        "me": own,
        "notify_level": level,
        "can_take_part": visibility.can_take_part(actor),
        "can_manage": visibility.can_manage(actor, room),
    }


def room_read(actor: Actor, room_id: int) -> dict[str, Any]:
    return room_out(actor, room_or_404(actor, room_id))


def room_visit(actor: Actor, room_id: int) -> None:
    """Mark the room read (a guest's first visit is recorded and tells the sellers)."""
    services.room_visit(actor=actor, room_id=room_or_404(actor, room_id).pk)


def notify_level_set(actor: Actor, room_id: int, level: str) -> dict[str, str]:
    room = room_or_404(actor, room_id)
    own = services.room_notify_level_set(actor=actor, room_id=room.pk, level=level)
    return {"notify_level": own.notify_level}


def member_list(actor: Actor, room_id: int) -> list[RoomMember]:
    """Everyone active in the room; the endpoint's schema decides how much of them goes out
    (guests: name and kind)."""
    return selectors.member_list(actor=actor, room=room_or_404(actor, room_id))


# -- plan ------------------------------------------------------------------------------------


def plan_read(actor: Actor, room_id: int) -> dict[str, Any]:
    room = room_or_404(actor, room_id)
    plan = selectors.plan_get(actor=actor, room=room)
    rows = [task for view in plan.milestones for task in view.tasks]
    _with_may(actor, room, rows, lambda t: [p.pk for p in t.people])
    return {
        "total": plan.total,
        "done": plan.done,
        "percent": plan.percent,
        "milestones": [
            {
                "id": view.milestone.pk if view.milestone else None,
                "title": view.milestone.title if view.milestone else "",
                "internal": view.milestone.internal if view.milestone else False,
                "position": view.milestone.position if view.milestone else None,
                "total": len(view.tasks),
                "done": view.done,
                "percent": view.percent,
                "tasks": view.tasks,
            }
            for view in plan.milestones
        ],
    }


def task_read(actor: Actor, room_id: int, task_id: int) -> Task:
    return task_out(actor, room_or_404(actor, room_id), task_id)


def milestone_create(actor: Actor, room_id: int, title: str, internal: bool) -> Milestone:
    room = room_or_404(actor, room_id)
    return services.milestone_create(actor=actor, room_id=room.pk, title=title, internal=internal)


def milestone_update(actor: Actor, room_id: int, milestone_id: int, data: dict) -> Milestone:
    if not data:
        raise Invalid(_("Send at least one of title, internal."))
    milestone = milestone_or_404(actor, room_or_404(actor, room_id), milestone_id)
    return services.milestone_update(
        actor=actor,
        milestone_id=milestone.pk,
        title=data.get("title", milestone.title),
        internal=data.get("internal"),
    )


def milestone_delete(actor: Actor, room_id: int, milestone_id: int) -> None:
    milestone = milestone_or_404(actor, room_or_404(actor, room_id), milestone_id)
    services.milestone_delete(actor=actor, milestone_id=milestone.pk)


def milestone_reorder(actor: Actor, room_id: int, ids: list[int]) -> None:
    room = room_or_404(actor, room_id)
    services.milestone_reorder(actor=actor, room_id=room.pk, milestone_ids=ids)


def task_create(actor: Actor, room_id: int, data: dict) -> Task:
    room = room_or_404(actor, room_id)
    task = services.task_create(actor=actor, room_id=room.pk, data=data)
    return task_out(actor, room, task.pk)


def task_update(actor: Actor, room_id: int, task_id: int, data: dict) -> Task:
    if not data:
        raise Invalid(_("Send at least one field to change."))
    room = room_or_404(actor, room_id)
    task = task_or_404(actor, room, task_id)
    services.task_update(actor=actor, task_id=task.pk, data=data)
    return task_out(actor, room, task.pk)


def task_status_set(actor: Actor, room_id: int, task_id: int, status: str, reason: str) -> Task:
    room = room_or_404(actor, room_id)
    task = task_or_404(actor, room, task_id)
    services.task_status_set(actor=actor, task_id=task.pk, status=status, reason=reason)
    return task_out(actor, room, task.pk)


def task_delete(actor: Actor, room_id: int, task_id: int) -> None:
    task = task_or_404(actor, room_or_404(actor, room_id), task_id)
    services.task_delete(actor=actor, task_id=task.pk)


def task_reorder(actor: Actor, room_id: int, milestone: int | None, ids: list[int]) -> None:
    room = room_or_404(actor, room_id)
    services.task_reorder(actor=actor, room_id=room.pk, milestone_id=milestone, task_ids=ids)


# -- conversation ----------------------------------------------------------------------------


def _comment_items(
    actor: Actor, room: Room, comments: list[Comment], *, slug: str
) -> list[dict[str, Any]]:
    """Comments with their attachments the reader may see (one query, none when no comment
    ever had a file)."""
    names = selectors.member_names(room=room)
    with_files = [c.pk for c in comments if c.has_files]
    files: dict[int | None, list[dict[str, Any]]] = {}
    for file in selectors.attachments_of(actor=actor, room=room, comment_ids=with_files):
        files.setdefault(file.comment_id, []).append(file_item(actor, file, slug=slug))
    return [
        {
            "id": c.pk,
            "task_id": c.task_id,
            "author": c.author,
            "body": c.body,
            "html": str(render_comment(c.body, members=names)) if c.deleted_at is None else "",
            "internal": c.internal,
            "created_at": c.created_at,
            "edited_at": c.edited_at,
            "deleted": c.deleted_at is not None,
            "files": files.get(c.pk, []),
        }
        for c in comments
    ]


def comment_page(
    actor: Actor, room_id: int, *, task: int | None, before: int | None, limit: int, slug: str
) -> dict[str, Any]:
    """A thread's newest comments before an id (keyset), oldest first. One row more than asked
    tells whether older ones remain."""
    room = room_or_404(actor, room_id)
    thread = task_or_404(actor, room, task) if task is not None else None
    limit = clamp(limit, selectors.THREAD_PAGE)
    found = selectors.comment_list(
        actor=actor, room=room, task=thread, before=before, limit=limit + 1
    )
    more = len(found) > limit
    comments = found[1:] if more else found
    items = _comment_items(actor, room, comments, slug=slug)
    return {"items": items, "before": comments[0].pk if more and comments else None}


def comment_out(actor: Actor, room: Room, comment_id: int, *, slug: str) -> dict[str, Any]:
    comment = comment_or_404(actor, room, comment_id)
    return _comment_items(actor, room, [comment], slug=slug)[0]


def comment_post(
    actor: Actor, room_id: int, body: str, task: int | None, internal: bool, *, slug: str
):
    room = room_or_404(actor, room_id)
    comment = services.comment_post(
        actor=actor, room_id=room.pk, body=body, task_id=task, internal=internal
    )
    return comment_out(actor, room, comment.pk, slug=slug)


def comment_edit(actor: Actor, room_id: int, comment_id: int, body: str, *, slug: str):
    room = room_or_404(actor, room_id)
    comment = comment_or_404(actor, room, comment_id)
    services.comment_edit(actor=actor, comment_id=comment.pk, body=body)
    return comment_out(actor, room, comment.pk, slug=slug)


def comment_delete(actor: Actor, room_id: int, comment_id: int) -> None:
    comment = comment_or_404(actor, room_or_404(actor, room_id), comment_id)
    services.comment_delete(actor=actor, comment_id=comment.pk)


# -- files -----------------------------------------------------------------------------------


def file_or_404(actor: Actor, room: Room, file_id: int) -> RoomFile:
    """A stored file of this room the actor may have now (asked again on every request)."""
    return _of_room(selectors.file_get(actor=actor, file_id=file_id), room)


def resource_or_404(actor: Actor, room: Room, resource_id: int) -> Resource:
    return _of_room(selectors.resource_get(actor=actor, resource_id=resource_id), room)


def file_item(actor: Actor, file: RoomFile, *, slug: str) -> dict[str, Any]:
    side = "g" if isinstance(actor, Guest) else "w"
    return {
        "id": file.pk,
        "name": file.original_name,
        "content_type": file.content_type,
        "size": file.size,
        "kind": file.kind,
        "internal": file.internal,
        "uploaded_by": file.uploaded_by,
        "created_at": file.created_at,
        "download": f"/api/{side}/{slug}/rooms/{file.room_id}/files/{file.pk}",
    }


def _resource_item(actor: Actor, resource: Resource, *, slug: str) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "title": resource.title,
        "kind": resource.kind,
        "url": resource.url,
        "file": file_item(actor, resource.file, slug=slug) if resource.file else None,
        "internal": resource.internal,
        "position": resource.position,
        "created_by": resource.created_by,
        "created_at": resource.created_at,
    }


def resource_list(actor: Actor, room_id: int, *, slug: str) -> list[dict[str, Any]]:
    room = room_or_404(actor, room_id)
    return [
        _resource_item(actor, r, slug=slug) for r in selectors.resource_list(actor=actor, room=room)
    ]


def _resource_out(actor: Actor, room: Room, resource_id: int, *, slug: str) -> dict[str, Any]:
    """A resource as the list shows it, read again as the actor after a change."""
    for resource in selectors.resource_list(actor=actor, room=room):
        if resource.pk == resource_id:
            return _resource_item(actor, resource, slug=slug)
    raise NotFound()


def resource_upload(
    actor: Actor, room_id: int, uploaded, *, title: str, kind: str, internal: bool, slug: str
) -> dict[str, Any]:
    room = room_or_404(actor, room_id)
    resource = services.resource_upload(
        actor=actor, room_id=room.pk, uploaded=uploaded, title=title, kind=kind, internal=internal
    )
    return _resource_out(actor, room, resource.pk, slug=slug)


def resource_link_add(actor: Actor, room_id: int, data: dict, *, slug: str) -> dict[str, Any]:
    room = room_or_404(actor, room_id)
    resource = services.resource_link_add(actor=actor, room_id=room.pk, **data)
    return _resource_out(actor, room, resource.pk, slug=slug)


def resource_update(
    actor: Actor, room_id: int, resource_id: int, data: dict, *, slug: str
) -> dict[str, Any]:
    """Title, kind and internal in one change: all of it or, refused, none of it."""
    if not data:
        raise Invalid(_("Send at least one of title, kind, internal."))
    room = room_or_404(actor, room_id)
    resource = resource_or_404(actor, room, resource_id)
    with transaction.atomic():
        if "title" in data or "kind" in data:
            services.resource_update(
                actor=actor,
                resource_id=resource.pk,
                title=data.get("title", resource.title),
                kind=data.get("kind"),
            )
        if "internal" in data:
            services.resource_internal_set(
                actor=actor, resource_id=resource.pk, internal=data["internal"]
            )
    return _resource_out(actor, room, resource.pk, slug=slug)


def resource_delete(actor: Actor, room_id: int, resource_id: int) -> None:
    resource = resource_or_404(actor, room_or_404(actor, room_id), resource_id)
    services.resource_delete(actor=actor, resource_id=resource.pk)


def resource_reorder(actor: Actor, room_id: int, ids: list[int]) -> None:
    room = room_or_404(actor, room_id)
    services.resource_reorder(actor=actor, room_id=room.pk, resource_ids=ids)


def resource_open(actor: Actor, room_id: int, resource_id: int) -> str:
    """A link resource's address; a guest's opening is counted (the sellers hear of the
    first)."""
    resource = resource_or_404(actor, room_or_404(actor, room_id), resource_id)
    if not resource.url:
        raise NotFound()
    services.engagement_record(actor=actor, resource_id=resource.pk, kind="view")
    return resource.url


def resource_beat(
    actor: Actor, room_id: int, resource_id: int, *, start: bool, seconds, end: bool = False
) -> None:
    """A guest's view of a resource is open: `start` when it opens, then the seconds since the
    previous beat (at most 60 are counted), `end` on the last, as the room page's heartbeat
    sends them."""
    resource = resource_or_404(actor, room_or_404(actor, room_id), resource_id)
    services.engagement_beat(
        actor=actor, resource_id=resource.pk, start=start, seconds=seconds, end=end
    )


def task_files(actor: Actor, room_id: int, task_id: int, *, slug: str) -> list[dict[str, Any]]:
    room = room_or_404(actor, room_id)
    task = task_or_404(actor, room, task_id)
    files = selectors.attachments_of(actor=actor, room=room, task_ids=[task.pk])
    return [file_item(actor, f, slug=slug) for f in files]


def attachment_upload(
    actor: Actor,
    room_id: int,
    uploaded,
    *,
    task: int | None = None,
    comment: int | None = None,
    slug: str,
) -> dict[str, Any]:
    """A file on a task the actor sees, or on a comment of their own."""
    room = room_or_404(actor, room_id)
    task_id = task_or_404(actor, room, task).pk if task is not None else None
    comment_id = comment_or_404(actor, room, comment).pk if comment is not None else None
    file = services.attachment_upload(
        actor=actor, room_id=room.pk, uploaded=uploaded, task_id=task_id, comment_id=comment_id
    )
    return file_item(actor, file_or_404(actor, room, file.pk), slug=slug)


def attachment_delete(actor: Actor, room_id: int, file_id: int) -> None:
    """An attachment goes; a resource's file goes with its resource (resource_delete)."""
    file = file_or_404(actor, room_or_404(actor, room_id), file_id)
    services.attachment_delete(actor=actor, file_id=file.pk)
