from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from dealroom.core.actors import Actor, Member

from . import links, targets
from .models import ActivityEvent, EventAlso, Notification

PAGE_SIZE = 30


def _readable(actor: Actor, events: list) -> list:
    """What every read gives its reader: hidden fields taken out, each entry's link put in."""
    return links.attach(actor, targets.redact(actor, events))


def event_list(*, actor: Actor, before: int | None = None, limit: int = PAGE_SIZE):
    """Newest first, keyset-paged by id (`before` = the last id already shown)."""
    qs = ActivityEvent.objects.visible_to(actor).select_related("actor_user")
    if before:
        qs = qs.filter(pk__lt=before)
    return _readable(actor, list(qs.order_by("-id")[:limit]))


def _on_timeline(actor: Actor, target_type: str, target_id: int):
    """The events of a record's timeline the actor may see: events about it and events that
    name it as `also` (each still shown only to who may see its own target)."""
    own = ActivityEvent.objects.filter(target_type=target_type, target_id=target_id)
    also = EventAlso.objects.filter(target_type=target_type, target_id=target_id)
    # One record's events are few: collect their ids through both indexes, then read them.
    ids = own.values("pk").union(also.values("event_id"))
    return ActivityEvent.objects.visible_to(actor).filter(pk__in=ids)


def event_list_for_target(
    *, actor: Actor, target_type: str, target_id: int, before: int | None = None, limit=PAGE_SIZE
):
    """A record's timeline, every event, newest first. The caller has checked the actor sees
    the record."""
    qs = _on_timeline(actor, target_type, target_id)
    if before:
        qs = qs.filter(pk__lt=before)
    return _readable(actor, list(qs.select_related("actor_user").order_by("-id")[:limit]))


# A deal room's events are on its deal's and account's timelines (`also`); every comment, tick
# and file of a busy room would bury the record's own history there, so those timelines tell
# them as one line per room and day unless the reader asks for everything.
ROOM = "rooms.room"
ROOM_KINDS = {
    "comments": ["room_comment.posted"],
    "done": ["room_task.completed"],
    "files": ["room_file.uploaded", "room_resource.added"],
}


@dataclass
class RoomDay:
    """A room's events of one day (in the reader's time zone) on a record's timeline."""

    room_id: int
    day: datetime.date
    count: int
    comments: int
    done: int
    files: int
    last: ActivityEvent  # the newest: the line's place among the entries, its room and link

    is_room_day = True

    @property
    def pk(self) -> int:
        return self.last.pk


def timeline_grouped(
    *, actor: Actor, target_type: str, target_id: int, before: int | None = None, limit=PAGE_SIZE
) -> list[ActivityEvent | RoomDay]:
    """A record's timeline, newest first, with its rooms' events as RoomDay lines (a room's
    only event of a day stays an entry). Keyset-paged like event_list_for_target: a line's key
    is its newest event's id, and a line holds every event of its room and day whatever their
    ids, so no line is split across pages or shown twice (SQL groups the room's events first,
    `HAVING MAX(id) < before`). Queries: the record's own events, the lines, their newest
    events, and the links, however many events the rooms had."""
    on_timeline = _on_timeline(actor, target_type, target_id)
    own = on_timeline.exclude(target_type=ROOM)
    days = (
        on_timeline.filter(target_type=ROOM)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("target_id", "day")
        .annotate(
            last=Max("id"),
            count=Count("id"),
            **{kind: Count("id", filter=Q(verb__in=verbs)) for kind, verbs in ROOM_KINDS.items()},
        )
        .order_by("-last")
    )
    if before:
        own = own.filter(pk__lt=before)
        days = days.filter(last__lt=before)
    events = list(own.select_related("actor_user").order_by("-id")[:limit])
    rows = list(days[:limit])
    keys = sorted([e.pk for e in events] + [row["last"] for row in rows], reverse=True)[:limit]
    shown = set(keys)
    rows = [row for row in rows if row["last"] in shown]
    newest = {
        e.pk: e
        for e in ActivityEvent.objects.select_related("actor_user").filter(
            pk__in=[row["last"] for row in rows]
        )
    }
    _readable(actor, [e for e in events if e.pk in shown] + list(newest.values()))
    items: dict[int, ActivityEvent | RoomDay] = {e.pk: e for e in events}
    for row in rows:
        last = newest[row["last"]]
        if row["count"] == 1:
            items[last.pk] = last
        else:
            items[last.pk] = RoomDay(
                room_id=row["target_id"],
                day=row["day"],
                count=row["count"],
                comments=row["comments"],
                done=row["done"],
                files=row["files"],
                last=last,
            )
    return [items[key] for key in keys]


def event_list_after(*, actor: Actor, after: int, limit: int = 100):
    """Events a reconnecting client missed, oldest first."""
    qs = ActivityEvent.objects.visible_to(actor).filter(pk__gt=after).order_by("id")
    events = qs.select_related("actor_user").prefetch_related("also")[:limit]
    return _readable(actor, list(events))


def event_get(*, actor: Actor, event_id: int) -> ActivityEvent | None:
    event = (
        ActivityEvent.objects.visible_to(actor)
        .select_related("actor_user")
        .prefetch_related("also")
        .filter(pk=event_id)
        .first()
    )
    return _readable(actor, [event])[0] if event else None


def live_cursor(*, actor: Actor) -> int:
    """The id a freshly rendered page has seen up to; a reconnecting socket resumes after it."""
    return (
        ActivityEvent.objects.filter(workspace_id=actor.workspace_id).aggregate(m=Max("id"))["m"]
        or 0
    )


def notification_unread_count(*, actor: Actor) -> int:
    if not isinstance(actor, Member):
        return 0
    return Notification.objects.visible_to(actor).filter(read_at__isnull=True).count()


def notification_list(*, actor: Actor, limit: int = PAGE_SIZE, before: int | None = None):
    qs = Notification.objects.visible_to(actor).select_related("event", "event__actor_user")
    # A notification about a record the reader no longer sees is not shown.
    qs = qs.filter(event__in=ActivityEvent.objects.visible_to(actor))
    if before:
        qs = qs.filter(pk__lt=before)
    notifications = list(qs.order_by("-id")[:limit])
    _readable(actor, [n.event for n in notifications])
    return notifications


def notified_event_ids(*, actor: Actor, event_ids: list[int]) -> set[int]:
    """Which of these events the actor was notified of (one query)."""
    if not isinstance(actor, Member) or not event_ids:
        return set()
    qs = Notification.objects.visible_to(actor).filter(event_id__in=event_ids)
    return set(qs.values_list("event_id", flat=True))
