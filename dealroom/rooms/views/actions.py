"""What people do in a room. Each view calls one service and answers with what changed in the
room since the page's cursor, as the same operations the room socket sends (live.py); a page
without JavaScript is sent back to the room. Errors are DomainErrors: the middleware renders
them (a fragment for htmx) with their status.

The answer is rendered once the service has committed, never inside its transaction: the
service holds the room's row from its event to the commit (services.common.room_event), and
every other change to the room waits for it meanwhile.

A page whose socket is open says so (X-Room-Live): its answer is then only the reader's member
id, and the change reaches the page through its socket, in the render the sockets at its point
share. The poster's own render was one no socket took at 50 posts/s (they are rarely at the
poster's point): a third of a comment POST's CPU (~13.2 → ~8.8 ms on PostgreSQL)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.http import require_POST

from dealroom.core.htmx import is_htmx

from .. import live, selectors, services
from .guards import room_view


def _cursor(request) -> int:
    raw = request.headers.get("X-Room-Cursor") or request.POST.get("cursor") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def _changed(request, actor, room) -> HttpResponse:
    """The answer to an action, after its service has committed."""
    slug = request.resolver_match.kwargs["slug"]
    side = request.resolver_match.kwargs["side"]
    if not is_htmx(request):
        return redirect("room_page", side, slug, room.pk)
    if request.headers.get("X-Room-Live") == "1":  # the page's socket brings the change
        return HttpResponse(_me(actor, room))
    language = translation.get_language()
    html, _last = live.render_after(actor, room, _cursor(request), slug=slug, language=language)
    return HttpResponse(html + _me(actor, room))


def _me(actor, room) -> str:
    """The reader's member id, once they have one (a seller's first post makes them a member):
    the page marks its own comments by it. Never in a render shared by readers alike."""
    own = selectors.own_member_id(actor=actor, room=room)
    return live.me_op(own) if own else ""


def room_action(view):
    """A POST on a room: who acts and whether they see the room (room_view), then the view."""
    return require_POST(room_view(view))


def _post(request, name: str) -> str:
    return request.POST.get(name, "")


def _task_data(request) -> dict:
    """Only the fields the form sent: an edit changes what it names and nothing else."""
    data = {
        name: request.POST[name]
        for name in (
            "title",
            "description",
            "kind",
            "due_at",
            "starts_at",
            "ends_at",
            "place",
            "milestone",
        )
        if name in request.POST
    }
    if "internal" in request.POST or "internal_sent" in request.POST:
        data["internal"] = request.POST.get("internal", "")
    if "assignees_sent" in request.POST:
        data["assignees"] = request.POST.getlist("assignees")
    return data


# -- conversation ----------------------------------------------------------------------------


@room_action
def comment_create(request, actor, room):
    """The comment form: a comment and any files chosen with it (services.files: every file
    is checked before anything is written, stored bytes are removed if the comment fails)."""
    services.comment_post_with_files(
        actor=actor,
        room_id=room.pk,
        body=_post(request, "body"),
        uploaded=request.FILES.getlist("file"),
        task_id=_post(request, "task") or None,
        internal=_post(request, "internal"),
    )
    return _changed(request, actor, room)


@room_action
def comment_edit(request, actor, room, comment_id: int):
    services.comment_edit(actor=actor, comment_id=comment_id, body=_post(request, "body"))
    return _changed(request, actor, room)


@room_action
def comment_delete(request, actor, room, comment_id: int):
    services.comment_delete(actor=actor, comment_id=comment_id)
    return _changed(request, actor, room)


# -- plan ------------------------------------------------------------------------------------


@room_action
def task_create(request, actor, room):
    services.task_create(actor=actor, room_id=room.pk, data=_task_data(request))
    return _changed(request, actor, room)


@room_action
def task_edit(request, actor, room, task_id: int):
    services.task_update(actor=actor, task_id=task_id, data=_task_data(request))
    return _changed(request, actor, room)


@room_action
def task_status(request, actor, room, task_id: int):
    services.task_status_set(
        actor=actor,
        task_id=task_id,
        status=_post(request, "status"),
        reason=_post(request, "reason"),
    )
    return _changed(request, actor, room)


@room_action
def task_delete(request, actor, room, task_id: int):
    services.task_delete(actor=actor, task_id=task_id)
    return _changed(request, actor, room)


@room_action
def task_reorder(request, actor, room):
    services.task_reorder(
        actor=actor,
        room_id=room.pk,
        milestone_id=_post(request, "milestone") or None,
        task_ids=request.POST.getlist("task"),
    )
    return _changed(request, actor, room)


@room_action
def milestone_create(request, actor, room):
    services.milestone_create(
        actor=actor,
        room_id=room.pk,
        title=_post(request, "title"),
        internal=_post(request, "internal"),
    )
    return _changed(request, actor, room)


@room_action
def milestone_edit(request, actor, room, milestone_id: int):
    internal = _post(request, "internal") if "internal_sent" in request.POST else None
    services.milestone_update(
        actor=actor, milestone_id=milestone_id, title=_post(request, "title"), internal=internal
    )
    return _changed(request, actor, room)


@room_action
def milestone_delete(request, actor, room, milestone_id: int):
    services.milestone_delete(actor=actor, milestone_id=milestone_id)
    return _changed(request, actor, room)


@room_action
def milestone_reorder(request, actor, room):
    services.milestone_reorder(
        actor=actor, room_id=room.pk, milestone_ids=request.POST.getlist("milestone")
    )
    return _changed(request, actor, room)


# -- people and settings ---------------------------------------------------------------------


@room_action
def member_add(request, actor, room):
    services.room_member_add(actor=actor, room_id=room.pk, membership_id=_post(request, "member"))
    return _changed(request, actor, room)


@room_action
def member_remove(request, actor, room, member_id: int):
    services.room_member_remove(actor=actor, room_id=room.pk, member_id=member_id)
    return _changed(request, actor, room)


@room_action
def guest_invite(request, actor, room):
    services.room_guest_invite(
        actor=actor,
        room_id=room.pk,
        contact_id=_post(request, "contact") or None,
        email=_post(request, "email"),
        name=_post(request, "name"),
        language=request.LANGUAGE_CODE,
    )
    return _changed(request, actor, room)


@room_action
def guest_links_revoke(request, actor, room, member_id: int):
    services.room_guest_links_revoke(actor=actor, room_id=room.pk, member_id=member_id)
    return _changed(request, actor, room)


@room_action
def room_settings(request, actor, room):
    services.room_settings_update(
        actor=actor,
        room_id=room.pk,
        shared_fields=request.POST.getlist("shared_fields"),
        welcome=_post(request, "welcome"),
    )
    return _changed(request, actor, room)


@room_action
def notify_level(request, actor, room):
    services.room_notify_level_set(actor=actor, room_id=room.pk, level=_post(request, "level"))
    return _changed(request, actor, room)
