"""What a room page receives when something changes: small "operations" carrying HTML the
page applies by element id (static/dealroom/room.js). The same operations answer the page's
own requests and the room socket, so the poster and every other open view end up with the same
markup. Everything is rendered through the selectors as the reader: a guest's operations
never hold internal content.

    <template data-op="upsert" data-into="#thread-room"> <article id="comment-7">…</template>
    <template data-op="replace"> <section id="room-plan">…</template>   (only if on the page)
    <template data-op="remove" data-id="task-panel-9"></template>
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dealroom.core.actors import Actor, Guest, Member

from . import selectors, visibility
from .access import PlanRights
from .models import Room, TaskKind

PLAN_VERBS = ("room_task.", "room_milestone.")
PEOPLE_VERBS = ("room.member_", "room.guest_", "room.invitation_")
FILE_VERBS = ("room_resource.", "room_file.")
# A guest opening, downloading or reading something changes no list, only the sellers' panel.
TRACKING_VERBS = frozenset(
    {
        "room_resource.opened",
        "room_resource.viewed",
        "room_resource.downloaded",
        "room_resource.read",
        "room_file.viewed",
        "room_file.downloaded",
    }
)
# What changes the sellers' engagement panel: guests coming and going, opening the room, files.
ENGAGEMENT_VERBS = ("room_resource.", "room.member_", "room.guest_")


def _op(kind: str, html: str = "", *, into: str = "", element_id: str = "", mode: str = "") -> str:
    attrs = format_html(' data-op="{}"', kind)
    if into:
        attrs += format_html(' data-into="{}"', into)
    if element_id:
        attrs += format_html(' data-id="{}"', element_id)
    if mode:
        attrs += format_html(' data-mode="{}"', mode)
    return f"<template{attrs}>{html}</template>"


class PartialContext(dict):
    """A partial's context: a dict that can be referred to weakly (selectors.RoomFiles)."""


def context(actor: Actor, room: Room, **extra) -> dict:
    """What every room partial needs to know about the reader (URLs are built from `side`
    and `slug`: /w/<slug>/rooms/… for sellers, /g/<slug>/rooms/… for guests)."""
    ctx = PartialContext(
        {
            "room": room,
            "is_guest": isinstance(actor, Guest),
            "can_manage": visibility.can_manage(actor, room),
            "can_take_part": visibility.can_take_part(actor),
            # What the plan offers whom (access.py): the reader's kind decides, as it does the
            # render.
            "rights": PlanRights(actor, room),
            "side": "g" if isinstance(actor, Guest) else "w",
            **extra,
        }
    )
    if "slug" in extra:
        # The room's own URL; rows and comments append to it ("tasks/7/", "comments/9/edit/")
        # rather than reversing a URL each (hundreds per page).
        ctx["base"] = reverse("room_page", args=[ctx["side"], extra["slug"], room.pk])
    # Resources, engagement and attachments, read lazily for this reader (selectors.RoomFiles);
    # a thread being rendered gets its comments' attachments now, in one query.
    ctx["files"] = selectors.RoomFiles(actor, room, ctx)
    if extra.get("comments"):
        ctx["files"].attach(extra["comments"])
    return ctx


def comment_ops(actor: Actor, room: Room, comment, *, slug: str, names: Mapping[int, str]) -> str:
    into = f"#thread-task-{comment.task_id}" if comment.task_id else "#thread-room"
    html = render_to_string(
        "rooms/_comment.html", context(actor, room, slug=slug, c=comment, names=names)
    )
    return _op("upsert", html, into=into)


def plan_ops(actor: Actor, room: Room, *, slug: str) -> str:
    stamp = time.time_ns()  # read now: an older rendering arriving later does not replace it
    plan = selectors.plan_get(actor=actor, room=room)
    ctx = context(actor, room, slug=slug, plan=plan, stamp=stamp)
    html = render_to_string("rooms/_plan.html", ctx)
    header = render_to_string("rooms/_progress.html", ctx)
    return _op("replace", html) + _op("replace", header)


def task_context(actor: Actor, room: Room, task, *, slug: str) -> dict:
    """What a task's panel shows: the task, its edit form's choices, its thread."""
    plan = selectors.plan_get(actor=actor, room=room)
    assigned = {a.pk for a in task.assignees.all()}
    ctx = context(
        actor,
        room,
        slug=slug,
        task=task,
        members=selectors.member_list(actor=actor, room=room),
        milestones=[m.milestone for m in plan.milestones if m.milestone],
        assigned=assigned,
        kinds=TaskKind.choices,
    )
    ctx["may"] = ctx["rights"].task(task, assigned)
    return ctx


def task_panel_ops(actor: Actor, room: Room, task_id: int, *, slug: str) -> str:
    task = selectors.task_get(actor=actor, task_id=task_id, room=room)
    if task is None or task.room_id != room.pk:
        return _op("remove", element_id=f"task-panel-{task_id}")
    html = render_to_string("rooms/_task_summary.html", task_context(actor, room, task, slug=slug))
    return _op("replace", html)


def me_op(member_id) -> str:
    """The reader's own member id (a seller becomes a member of the room by taking part)."""
    return _op("me", element_id=str(member_id or ""))


def people_ops(actor: Actor, room: Room, *, slug: str) -> str:
    html = render_to_string(
        "rooms/_people.html",
        context(
            actor,
            room,
            slug=slug,
            stamp=time.time_ns(),  # read now (see plan_ops)
            **selectors.people_get(actor=actor, room=room),
        ),
    )
    return _op("replace", html)


def activity_ops(actor: Actor, room: Room, events, *, slug: str) -> str:
    html = render_to_string(
        "rooms/_activity_items.html", context(actor, room, slug=slug, events=events)
    )
    return _op("upsert-many", html, into="#room-activity", mode="prepend")


def activity_list_ops(actor: Actor, room: Room, *, slug: str) -> str:
    """The activity list read again, as the page renders it: after items were made internal,
    entries the reader saw may no longer be theirs to see."""
    events = selectors.room_activity(actor=actor, room=room, limit=20)
    html = render_to_string(
        "rooms/_activity_list.html", context(actor, room, slug=slug, events=events)
    )
    return _op("replace", html)


def reader_kind(actor: Actor, room: Room) -> tuple:
    """What a render of the room can differ by, besides the language: a guest of the room; or a
    member of a role, running the room or not, allowed to post or not. Readers of one kind
    share renders (realtime/renders.py): nothing rendered may depend on who they are."""
    if isinstance(actor, Guest):
        return ("guest",)
    return (
        "member",
        actor.role if isinstance(actor, Member) else "",
        visibility.can_manage(actor, room),
        visibility.can_take_part(actor),
    )


def render_key(room_id: int, after: int, moment: int, reader: tuple, language: str) -> tuple:
    """What makes two renders of a room's events equal (realtime/renders.py): the room, the
    position in it (after one event), the moment (rooms.consumers: a gap of the wall clock),
    the kind of reader and the language."""
    return ("events", room_id, after, moment, reader, language)


def render_after(actor: Actor, room: Room, after: int, *, slug: str, language: str) -> list:
    """[operations for the events after `after` the reader may see, the last event's id]: what
    a socket sends (a JSON value: shared via Redis) and what a page without one is answered."""
    events = selectors.room_events_after(actor=actor, room=room, after=after)
    if not events:
        return ["", after]
    with translation.override(language):
        html = str(event_ops(actor, room, events, slug=slug))
    return [html, events[-1].pk]


def cursor_op(event_id: int) -> str:
    return _op("cursor", element_id=str(event_id))


def event_ops(actor: Actor, room: Room, events, *, slug: str) -> SafeString:
    """Operations for events the reader may see (already read through the activity
    selectors as the reader), oldest first."""
    parts: list[str] = []
    names = selectors.member_names(room=room)
    comments = _comments_of(actor, room, events, slug=slug)
    plan_done = people_done = files_done = False
    for event in events:
        verb = event.verb
        data = event.data or {}
        if verb.startswith("room_comment."):
            comment = comments.get(data.get("comment"))
            if comment is not None:
                parts.append(comment_ops(actor, room, comment, slug=slug, names=names))
        elif verb.startswith(FILE_VERBS) and verb not in TRACKING_VERBS:
            if not files_done:
                parts.append(resources_ops(actor, room, slug=slug))
                files_done = True
            parts.append(attachment_ops(actor, room, data, comments, slug=slug, names=names))
        elif verb.startswith(PLAN_VERBS):
            if not plan_done:
                parts.append(plan_ops(actor, room, slug=slug))
                plan_done = True
            if data.get("task"):
                parts.append(task_panel_ops(actor, room, data["task"], slug=slug))
        elif verb.startswith(PEOPLE_VERBS) and not people_done:
            parts.append(people_ops(actor, room, slug=slug))
            people_done = True
        elif verb == "room.items_withdrawn":
            # Items made internal leave the plan, the resources and any open task panel.
            if not plan_done:
                parts.append(plan_ops(actor, room, slug=slug))
                plan_done = True
            if not files_done:
                parts.append(resources_ops(actor, room, slug=slug))
                files_done = True
            for task_id in data.get("tasks") or []:
                parts.append(task_panel_ops(actor, room, task_id, slug=slug))
        elif verb == "room.settings_changed":
            room.refresh_from_db(fields=["shared_fields", "welcome"])
            fields = selectors.deal_fields(actor=actor, room=room)
            html = render_to_string(
                "rooms/_header.html", context(actor, room, slug=slug, shared_values=fields)
            )
            parts.append(_op("replace", html))
    if any(e.verb.startswith(ENGAGEMENT_VERBS) for e in events):
        parts.append(engagement_ops(actor, room, slug=slug))
    if any(e.verb == "room.items_withdrawn" for e in events):
        parts.append(activity_list_ops(actor, room, slug=slug))  # older entries may have gone
    elif events:
        parts.append(activity_ops(actor, room, list(reversed(events)), slug=slug))
    if events:
        parts.append(cursor_op(events[-1].pk))
    return mark_safe("".join(parts))  # noqa: S308 - every part is rendered by templates


# -- files and engagement --------------------------------------------------------------------


def _comments_of(actor: Actor, room: Room, events, *, slug: str) -> dict:
    """The comments these events are about, as the reader sees them, with their attachments:
    one query for the comments, one for the files of those that have any."""
    ids = [
        (e.data or {}).get("comment")
        for e in events
        if e.verb.startswith(("room_comment.", *FILE_VERBS)) and e.verb not in TRACKING_VERBS
    ]
    comments = selectors.comments_by_id(actor=actor, room=room, ids=ids)
    if comments:
        context(actor, room, slug=slug)["files"].attach(list(comments.values()))
    return comments


def resources_ops(actor: Actor, room: Room, *, slug: str) -> str:
    """The section's list only: its forms keep what someone is typing or choosing."""
    html = render_to_string("rooms/_resources.html#resource-list", context(actor, room, slug=slug))
    return _op("replace", html)


def engagement_ops(actor: Actor, room: Room, *, slug: str) -> str:
    """The engagement panel is the sellers' alone: a guest reader never gets it rendered."""
    if isinstance(actor, Guest):
        return ""
    html = render_to_string("rooms/_engagement.html", context(actor, room, slug=slug))
    return _op("replace", html)


def attachment_ops(
    actor: Actor, room: Room, data: dict, comments: dict, *, slug: str, names
) -> str:
    """A file came or went on a comment (the comment again, with its files: `comments`, read
    by _comments_of) or on a task (the task's file list, if that panel is open)."""
    if data.get("comment"):
        comment = comments.get(data["comment"])
        if comment is None:
            return ""
        return comment_ops(actor, room, comment, slug=slug, names=names)
    if data.get("task"):
        task = selectors.task_get(actor=actor, task_id=data["task"], room=room)
        if task is None or task.room_id != room.pk:
            return ""
        ctx = context(actor, room, slug=slug, task=task, holder="task")
        ctx["items"] = ctx["files"].task_files
        return _op("replace", render_to_string("rooms/_attachments.html", ctx))
    return ""
