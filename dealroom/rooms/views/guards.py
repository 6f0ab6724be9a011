"""Who is acting on a room URL. Seller side: `/w/<slug>/rooms/…`, a logged-in member of the
workspace. Guest side: `/g/<slug>/rooms/…`, a browser holding a verified guest session of the
workspace. Anything else, and any room the actor may not see: 404, the same as "no such
room". A guest's refused request is recorded (every refusal is in the activity record)."""

from __future__ import annotations

from functools import wraps

from django.http import Http404

from dealroom.activity.models import Audience
from dealroom.activity.services import record
from dealroom.core.actors import Guest, Member
from dealroom.workspaces.models import Workspace
from dealroom.workspaces.selectors import member_for_user

from .. import selectors
from ..models import Room

SESSION_KEY = "guest_sessions"  # {workspace id: guest session id}


def guest_session_id(request, workspace_id: int):
    return (request.session.get(SESSION_KEY) or {}).get(str(workspace_id))


def remember_guest_session(request, workspace_id: int, session_id: int) -> None:
    sessions = dict(request.session.get(SESSION_KEY) or {})
    sessions[str(workspace_id)] = session_id
    request.session[SESSION_KEY] = sessions
    request.session.cycle_key()  # a new session id once the browser gains a room


def resolve_actor(request, side: str, slug: str) -> Member | Guest | None:
    if side == "w":
        if not request.user.is_authenticated:
            return None
        return member_for_user(request.user, slug)
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        return None
    return selectors.guest_actor(
        workspace=workspace, session_id=guest_session_id(request, workspace.pk)
    )


def refused(actor: Guest, request, room_id) -> None:
    """A guest asked for a room (or an item) that is not theirs: keep a record of it."""
    refused_socket(actor, room_id, request.path)


def refused_socket(actor: Guest, room_id, path: str) -> None:
    """The record of a guest's refused request, page or socket alike."""
    room = Room.objects.filter(pk=room_id, workspace_id=actor.workspace_id).first()
    record(
        actor=actor,
        verb="room.access_refused",
        target=room,
        data={"path": path[:200], "contact_id": actor.contact_id},
        audience=Audience.MANAGERS,
    )


def room_view(view):
    """Resolve the actor from the URL side and the room they ask for; 404 unless they see it."""

    @wraps(view)
    def wrapper(request, side: str, slug: str, room_id: int, *args, **kwargs):
        actor = resolve_actor(request, side, slug)
        if actor is None:
            raise Http404()
        room = selectors.room_get(actor=actor, room_id=room_id)
        if room is None:
            if isinstance(actor, Guest):
                refused(actor, request, room_id)
            raise Http404()
        if isinstance(actor, Member):
            request.actor = actor  # the page shell: navigation, bell, live socket
        request.guest = actor if isinstance(actor, Guest) else None
        return view(request, actor, room, *args, **kwargs)

    return wrapper
