"""What every room service shares: finding the room as the actor, the actor's place in it,
recording room events (target: the room; shown on the deal's and account's timelines too),
discarding files, and counting attempts for rate limits."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.activity.models import ActivityEvent, Audience
from dealroom.activity.services import record as record_event
from dealroom.core.actors import Actor, Guest, Member
from dealroom.core.bounds import INT64_MAX, INT64_MIN, query_int
from dealroom.core.errors import Forbidden, NotFound, Throttled

from .. import visibility
from ..models import Attempt, MemberKind, NotifyLevel, Room, RoomFile, RoomMember

log = logging.getLogger(__name__)


def as_int(value) -> int:
    """An id from a form, a URL or JSON: anything that is no id the database can hold finds
    nothing."""
    number = value if isinstance(value, int) else query_int(str(value if value is not None else ""))
    if number is None or isinstance(number, bool) or not INT64_MIN <= number <= INT64_MAX:
        raise NotFound()
    return number


def discard_files(files) -> None:
    """Files nobody may open any more (deleted, or on a deleted comment or task): their rows
    are marked deleted and stay on record (name, size, who, when); their bytes leave storage
    once the change commits. Not before: a change rolled back leaves the files as they were."""
    rows = list(files.filter(deleted_at__isnull=True).values_list("pk", "storage_name"))
    if not rows:
        return
    RoomFile.objects.filter(pk__in=[pk for pk, _name in rows]).update(deleted_at=timezone.now())
    names = [name for _pk, name in rows]
    transaction.on_commit(lambda: _delete_stored(names))


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the row says deleted; a leftover file is a chore, not a leak
            log.warning("could not delete stored file %s", name, exc_info=True)


def room_for(actor: Actor, room_id) -> Room:
    """The room if the actor may see it; 404 otherwise (never 403: it does not exist for you)."""
    from ..selectors import room_get

    room = room_get(actor=actor, room_id=as_int(room_id))
    if room is None:
        raise NotFound()
    return room


def require_manager(actor: Actor, room: Room) -> None:
    if not visibility.can_manage(actor, room):
        raise Forbidden(_("Only the deal owner, the deal team and managers run this room."))


def require_participant(actor: Actor) -> None:
    if not visibility.can_take_part(actor):
        raise Forbidden()


def taking_part(actor: Actor, room_id) -> tuple[Room, RoomMember]:
    """The room and the actor's row in it, for actions anyone in the room may take (post,
    plan, share): 404 when they do not see it, 403 for read-only members."""
    room = room_for(actor, room_id)
    require_participant(actor)
    return room, me(actor, room)


def me(actor: Actor, room: Room) -> RoomMember:
    """The actor's row in the room. A member who may see the room joins it by taking part.
    Kept in the actor's memo (room_get may have read it already)."""
    from ..selectors.rooms import own_row_key

    key = own_row_key(room)
    if key not in actor.memo:
        actor.memo[key] = _own_row(actor, room)
    return actor.memo[key]


def forget_own_row(actor: Actor, room: Room) -> None:
    """After a change to who is in the room: the actor's row is read again when asked."""
    from ..selectors.rooms import own_row_key

    actor.memo.pop(own_row_key(room), None)


def _own_row(actor: Actor, room: Room) -> RoomMember:
    if isinstance(actor, Guest):
        own = RoomMember.objects.filter(
            room=room, contact_id=actor.contact_id, kind=MemberKind.GUEST, removed_at__isnull=True
        ).first()
        if own is None:
            raise NotFound()
        return own
    if not isinstance(actor, Member):
        raise Forbidden()
    own, created = RoomMember.objects.get_or_create(
        room=room,
        membership=actor.membership,
        defaults={
            "workspace_id": room.workspace_id,
            "kind": MemberKind.MEMBER,
            "name": actor.user.full_name or actor.user.email,
            "email": actor.user.email,
            "added_by": actor.user,
            "notify_level": NotifyLevel.MENTIONS,
        },
    )
    if own.removed_at is not None:
        own.removed_at = None
        own.save(update_fields=["removed_at"])
    return own


def room_event(
    actor: Actor,
    room: Room,
    verb: str,
    data: dict | None = None,
    *,
    shared: bool,
    by: RoomMember | None = None,
    notify=(),
) -> ActivityEvent:
    """Room events target the room. Shared ones reach the room's guests too; internal ones only
    members who may see the room. Guests have no user: their name travels in the data."""
    payload = {"room_id": room.pk, "deal": room.opportunity.name, **(data or {})}
    # The room's events get their ids in the order they commit: sockets read "events after
    # the last one I have", so an event numbered lower but committed later (two posts at
    # once on PostgreSQL) would be passed over for good. Holding the room's row from here to
    # the commit makes a second writer wait (SQLite writes one at a time anyway).
    Room.objects.select_for_update().filter(pk=room.pk).values_list("pk", flat=True).first()
    if by is not None:
        payload["by_member"] = by.pk
        if by.is_guest:
            payload["actor_name"] = by.name
            payload["guest"] = True
    event = record_event(
        actor=actor,
        verb=verb,
        target=room,
        data=payload,
        audience=Audience.SHARED if shared else Audience.RECORD,
        notify=notify,
        also=[room.opportunity, room.opportunity.account],
    )
    if by is not None and by.pk:
        # What you did yourself is not unread for you.
        RoomMember.objects.filter(pk=by.pk, read_up_to__lt=event.pk).update(read_up_to=event.pk)
    return event


def withdraw_from_guests(
    actor: Actor,
    room: Room,
    *,
    by: RoomMember,
    milestone_ids=(),
    task_ids=(),
    resource_ids=(),
) -> None:
    """Items just made internal: their earlier shared events, and those of what hangs on them
    (a milestone's tasks, a task's comments and files), stop reaching guests. Every channel a
    guest reads by (the activity tab, e-mail digests built later, the socket, the API) goes
    by the event's audience, so this one change covers them all, titles included. The guests'
    open pages then hear an event that names nothing, so they drop the items."""
    from ..models import Comment, Task

    tasks = set(task_ids) | set(
        Task.objects.filter(room=room, milestone_id__in=list(milestone_ids)).values_list(
            "pk", flat=True
        )
    )
    comments = list(
        Comment.objects.filter(room=room, task_id__in=tasks).values_list("pk", flat=True)
    )
    about = (
        Q(data__milestone__in=list(milestone_ids))
        | Q(data__task__in=list(tasks))
        | Q(data__comment__in=comments)
        | Q(data__resource__in=list(resource_ids))
    )
    ActivityEvent.objects.filter(
        target_type="rooms.room", target_id=room.pk, audience=Audience.SHARED
    ).filter(about).update(audience=Audience.RECORD)
    room_event(actor, room, "room.items_withdrawn", {"tasks": sorted(tasks)}, shared=True, by=by)


def latest_event_id(room: Room) -> int:
    return (
        ActivityEvent.objects.filter(target_type="rooms.room", target_id=room.pk).aggregate(
            m=Max("id")
        )["m"]
        or 0
    )


def throttle(key: str, *, limit: int, minutes: int) -> None:
    """Count an attempt under `key`; refuse once `limit` attempts fall in the window. The
    attempt is recorded even when refused, so hammering does not reopen the window."""
    now = timezone.now()
    since = now - timedelta(minutes=minutes)
    recent = Attempt.objects.filter(key=key, at__gte=since).count()
    Attempt.objects.create(key=key, at=now)
    if recent >= limit:
        raise Throttled()
