"""Room pages: my rooms, the room itself (plan, discussion, people, activity), a task's panel,
older comments, the activity tab and mention suggestions. Same views for sellers
(/w/<slug>/rooms/…) and guests (/g/<slug>/rooms/…); what each sees comes from the selectors."""

from __future__ import annotations

import time

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from dealroom.core.actors import Guest, Member
from dealroom.core.bounds import query_int
from dealroom.workspaces.guards import member_view

from .. import live, selectors, services
from ..models import MemberKind, NotifyLevel, TaskKind, TaskStatus
from .guards import room_view


@member_view
def my_rooms(request, actor):
    rooms = selectors.my_rooms(actor=actor)
    context = {"rooms": rooms, "side": "w", "slug": actor.workspace.slug, "guest": None}
    return render(request, "rooms/my_rooms.html", context)


def room_context(actor, room, own, slug: str) -> dict:
    plan = selectors.plan_get(actor=actor, room=room)
    return live.context(
        actor,
        room,
        slug=slug,
        plan=plan,
        own=own,
        comments=selectors.comment_list(actor=actor, room=room),
        names=selectors.member_names(room=room),
        shared_values=selectors.deal_fields(actor=actor, room=room),
        events=selectors.room_activity(actor=actor, room=room, limit=20),
        cursor=own.read_up_to,  # the visit read the room up to its newest event
        task_kinds=TaskKind.choices,
        statuses=TaskStatus.choices,
        notify_levels=NotifyLevel.choices,
        guest_rooms=selectors.my_rooms(actor=actor) if isinstance(actor, Guest) else [],
        workspace=actor.workspace,
        stamp=time.time_ns(),
        **selectors.people_get(actor=actor, room=room),
    )


@never_cache
@room_view
def room_page(request, actor, room):
    room, own = services.room_visit(actor=actor, room_id=room.pk, language=request.LANGUAGE_CODE)
    ctx = room_context(actor, room, own, request.resolver_match.kwargs["slug"])
    return render(request, "rooms/room.html", ctx)


@room_view
def task_panel(request, actor, room, task_id: int):
    task = selectors.task_get(actor=actor, task_id=task_id, room=room)
    if task is None or task.room_id != room.pk:
        raise Http404()
    slug = request.resolver_match.kwargs["slug"]
    ctx = live.task_context(actor, room, task, slug=slug)
    ctx["comments"] = selectors.comment_list(actor=actor, room=room, task=task)
    ctx["names"] = selectors.member_names(room=room)
    return render(request, "rooms/_task_panel.html", ctx)


@room_view
def thread_older(request, actor, room):
    """Older comments of a thread (keyset paging: `before` = the oldest id shown)."""
    task = None
    if request.GET.get("task"):
        task = selectors.task_get(actor=actor, task_id=request.GET["task"], room=room)
        if task is None or task.room_id != room.pk:
            raise Http404()
    before = query_int(request.GET.get("before", ""))
    if before is None:
        raise Http404()
    comments = selectors.comment_list(actor=actor, room=room, task=task, before=before)
    ctx = live.context(
        actor,
        room,
        slug=request.resolver_match.kwargs["slug"],
        comments=comments,
        names=selectors.member_names(room=room),
        task=task,
    )
    return render(request, "rooms/_comments_older.html", ctx)


@room_view
def room_activity(request, actor, room):
    before = query_int(request.GET.get("before", "")) or None
    events = selectors.room_activity(actor=actor, room=room, before=before, limit=30)
    ctx = live.context(
        actor, room, slug=request.resolver_match.kwargs["slug"], events=events, more=True
    )
    return render(request, "rooms/_activity_items.html", ctx)


@room_view
def mention_search(request, actor, room):
    """People in this room matching what follows "@" (never anyone outside it). When nobody
    matches and the sellers may invite, an address typed in full is offered as an invitation."""
    q = (request.GET.get("q") or "").strip().lower()[:50]
    people = [
        m
        for m in selectors.member_list(actor=actor, room=room)
        if not q or q in m.name.lower() or (isinstance(actor, Member) and q in m.email.lower())
    ][:8]
    found = [{"id": m.pk, "name": m.name, "guest": m.kind == MemberKind.GUEST} for m in people]
    offer = ""
    if not found and "@" in q and "." in q and live.visibility.can_manage(actor, room):
        offer = q
    return JsonResponse({"people": found, "invite": offer})
