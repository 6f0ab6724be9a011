"""Engagement: how each guest uses each resource of a room — views, downloads, seconds
viewed (heartbeats while a preview is open), first and last time. Only guests are counted;
the sellers hear of a guest's first open of a resource exactly once. The events are internal:
guests never see tracking, their own or anyone else's.

Reading time reaches the sellers' open engagement panel the way the view count does, by an
event (`room_resource.read`) on the one path, but not at every beat: each open view beats
every 15 s, and an event is a row on the room's, the deal's and the account's timelines and a
render on every seller's socket. It is told at most once a minute per guest and resource
while they read (`TELL_EVERY`) and once more when they stop (the view's last beat, `end`),
unless told in the last few seconds: an hour's reading is ~60 events instead of 240, the
panel is never more than a minute behind and right once the guest stops, and a client
sending beats as fast as it can still makes at most one event every `TELL_AT_END_AFTER`."""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Guest
from dealroom.core.errors import Invalid, NotFound

from ..models import Engagement, Resource, RoomFile, RoomMember
from ..selectors.files import duration
from .common import as_int, me, room_event
from .files import _resource_data, _resource_for
from .rooms import _seller_user_ids

BEAT_CAP = 60  # seconds one heartbeat may add
ENGAGEMENT_KINDS = ("view", "download", "seconds")
TELL_EVERY = timedelta(seconds=60)
TELL_AT_END_AFTER = timedelta(seconds=10)


def _credited(row: Engagement, claimed, now) -> int:
    """Seconds a heartbeat may add: what it claims, at most a minute, and never more than the
    time since this guest's last sign of life on the resource (two open tabs do not count
    double, a forged beat cannot add hours)."""
    try:
        seconds = max(0, int(claimed))
    except (TypeError, ValueError):
        raise Invalid(fields={"seconds": _("Send a number of seconds.")}) from None
    since = math.ceil((now - row.last_seen_at).total_seconds()) + 2
    return min(seconds, BEAT_CAP, max(0, since))


def _time_to_tell(row: Engagement, now, *, end: bool) -> bool:
    """Claims the telling of this row's reading time: one conditional UPDATE, so of two tabs
    (or processes) beating at once only one tells."""
    wait = TELL_AT_END_AFTER if end else TELL_EVERY
    due = Q(told_at__isnull=True) | Q(told_at__lte=now - wait)
    if not Engagement.objects.filter(due, pk=row.pk).update(told_at=now):
        return False
    row.told_at = now
    return True


@transaction.atomic
def engagement_record(
    *, actor: Actor, resource_id, kind: str = "view", seconds=0, end: bool = False
) -> Engagement | None:
    """Count a guest's view, download or viewing time of a resource. Sellers' own use is not
    counted (None). The first time a guest opens a resource, the sellers are told — once: the
    unique row per guest and resource decides who was first. Viewing time is told now and then
    (see above; `end`: the view is closing)."""
    if kind not in ENGAGEMENT_KINDS:
        raise Invalid(fields={"kind": _("Unknown kind of engagement.")})
    resource = _resource_for(actor, resource_id)
    if not isinstance(actor, Guest):
        return None
    room = resource.room
    own = me(actor, room)
    now = timezone.now()
    row, created = Engagement.objects.get_or_create(
        member=own,
        resource=resource,
        defaults={
            "workspace_id": room.workspace_id,
            "room": room,
            "first_seen_at": now,
            "last_seen_at": now,
        },
    )
    if kind == "seconds" and not created:
        added = _credited(row, seconds, now)
        Engagement.objects.filter(pk=row.pk).update(seconds=F("seconds") + added, last_seen_at=now)
        row.refresh_from_db()
        if added and _time_to_tell(row, now, end=end):
            data = {**_resource_data(resource), "seconds": row.seconds}
            data["time"] = duration(row.seconds)
            room_event(actor, room, "room_resource.read", data, shared=False, by=own)
        return row
    counter = "downloads" if kind == "download" else "views"
    Engagement.objects.filter(pk=row.pk).update(**{counter: F(counter) + 1}, last_seen_at=now)
    RoomMember.objects.filter(pk=own.pk).update(last_seen_at=now)
    if created:
        verb = "room_resource.opened"
    else:
        verb = "room_resource.downloaded" if kind == "download" else "room_resource.viewed"
    room_event(
        actor,
        room,
        verb,
        _resource_data(resource),
        shared=False,
        by=own,
        notify=_seller_user_ids(room) if created else (),
    )
    row.refresh_from_db()
    return row


@transaction.atomic
def engagement_beat(
    *, actor: Actor, resource_id, start: bool, seconds=0, end: bool = False
) -> Engagement | None:
    """A view of a resource is open (the page's heartbeat, or an API client's): `start` when
    it opens counts a view, each later beat the seconds since the one before; `end` when the
    view closes or goes out of sight."""
    return engagement_record(
        actor=actor,
        resource_id=resource_id,
        kind="view" if start else "seconds",
        seconds=seconds,
        end=end,
    )


@transaction.atomic
def file_opened(*, actor: Actor, file_id, inline: bool = False) -> None:
    """A file was sent to a guest: a resource's counts in its engagement; an attachment's is
    kept as an (internal) event, since every guest action is on record."""
    if not isinstance(actor, Guest):
        return
    file = (
        RoomFile.objects.visible_to(actor)
        .alive()
        .select_related("room", "room__opportunity", "room__opportunity__account")
        .filter(pk=as_int(file_id))
        .first()
    )
    if file is None:
        raise NotFound()
    if file.is_resource:
        resource = Resource.objects.filter(file=file).values_list("pk", flat=True).first()
        if resource is None:
            raise NotFound()
        engagement_record(actor=actor, resource_id=resource, kind="view" if inline else "download")
        return
    own = me(actor, file.room)
    RoomMember.objects.filter(pk=own.pk).update(last_seen_at=timezone.now())
    room_event(
        actor,
        file.room,
        "room_file.viewed" if inline else "room_file.downloaded",
        {"file": file.pk, "name": file.original_name, "task": file.task_id},
        shared=False,
        by=own,
    )
