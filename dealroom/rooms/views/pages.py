"""Room pages: my rooms, the room itself (plan, discussion, people, activity), a task's panel,
older comments, the activity tab and mention suggestions. Same views for sellers
(/w/<slug>/rooms/…) and guests (/g/<slug>/rooms/…); what each sees comes from the selectors.

Every URL here that answers htmx with a fragment answers a browser opening it directly (a new
tab, a bookmark, a link in a mail or on the home page) with the page the fragment belongs to,
at that item: a bare fragment has no styles, scripts or navigation."""

from __future__ import annotations

import time

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.vary import vary_on_headers

from dealroom.core.actors import Guest, Member
from dealroom.core.bounds import query_int
from dealroom.core.htmx import is_htmx
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


def _room_page(request, actor, room, *, task_panel: str = ""):
    """The room page; with `task_panel`, that task's panel rendered open in it."""
    room, own = services.room_visit(actor=actor, room_id=room.pk, language=request.LANGUAGE_CODE)
    ctx = room_context(actor, room, own, request.resolver_match.kwargs["slug"])
    ctx["task_panel"] = task_panel
    return render(request, "rooms/room.html", ctx)


@never_cache
@room_view
def room_page(request, actor, room):
    return _room_page(request, actor, room)


def _task_or_404(actor, room, task_id):
    task = selectors.task_get(actor=actor, task_id=task_id, room=room)
    if task is None or task.room_id != room.pk:
        raise Http404()
    return task


# The same URL answers htmx with a fragment and a browser with a page: caches must tell them
# apart (Vary), or going back to a page could show the fragment alone.
@never_cache
@vary_on_headers("HX-Request")
@room_view
def task_panel(request, actor, room, task_id: int):
    """A task's panel: the fragment the plan's links fetch by htmx, or, opened directly (a new
    tab, the home page's link), the room page with the panel open."""
    task = _task_or_404(actor, room, task_id)
    slug = request.resolver_match.kwargs["slug"]
    ctx = live.task_context(actor, room, task, slug=slug)
    ctx["comments"] = selectors.comment_list(actor=actor, room=room, task=task)
    ctx["names"] = selectors.member_names(room=room)
    if is_htmx(request):
        return render(request, "rooms/_task_panel.html", ctx)
    return _room_page(
        request, actor, room, task_panel=render_to_string("rooms/_task_panel.html", ctx, request)
    )


def _url(request, name: str, *ids) -> str:
    """A room URL on the reader's side (w or g) of the workspace."""
    kwargs = request.resolver_match.kwargs
    return reverse(name, args=[kwargs["side"], kwargs["slug"], *ids])


@vary_on_headers("HX-Request")
@room_view
def thread_older(request, actor, room):
    """Older comments of a thread (keyset paging: `before` = the oldest id shown); opened
    directly, the thread's page: the task's or the room's."""
    task = None
    if request.GET.get("task"):
        task = _task_or_404(actor, room, request.GET["task"])
    if not is_htmx(request):
        if task is not None:
            return redirect(_url(request, "room_task", room.pk, task.pk))
        return redirect(_url(request, "room_page", room.pk) + "#room-discussion")
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


@vary_on_headers("HX-Request")
@room_view
def room_activity(request, actor, room):
    """Older entries of the room's activity; opened directly, the room page at its activity."""
    if not is_htmx(request):
        return redirect(_url(request, "room_page", room.pk) + "#room-activity-card")
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
