from __future__ import annotations

from django.db.models import Max

from dealroom.core.actors import Actor, Member

from . import targets
from .models import ActivityEvent, EventAlso, Notification

PAGE_SIZE = 30


def event_list(*, actor: Actor, before: int | None = None, limit: int = PAGE_SIZE):
    """Newest first, keyset-paged by id (`before` = the last id already shown)."""
    qs = ActivityEvent.objects.visible_to(actor).select_related("actor_user")
    if before:
        qs = qs.filter(pk__lt=before)
    return targets.redact(actor, list(qs.order_by("-id")[:limit]))


def event_list_for_target(
    *, actor: Actor, target_type: str, target_id: int, before: int | None = None, limit=PAGE_SIZE
):
    """A record's timeline, newest first: events about it and events that name it as `also`
    (each still shown only to who may see its own target). The caller has checked the actor
    sees the record."""
    own = ActivityEvent.objects.filter(target_type=target_type, target_id=target_id)
    also = EventAlso.objects.filter(target_type=target_type, target_id=target_id)
    # One record's events are few: collect their ids through both indexes, then read them.
    ids = own.values("pk").union(also.values("event_id"))
    qs = ActivityEvent.objects.visible_to(actor).filter(pk__in=ids)
    if before:
        qs = qs.filter(pk__lt=before)
    return targets.redact(actor, list(qs.select_related("actor_user").order_by("-id")[:limit]))


def event_list_after(*, actor: Actor, after: int, limit: int = 100):
    """Events a reconnecting client missed, oldest first."""
    qs = ActivityEvent.objects.visible_to(actor).filter(pk__gt=after).order_by("id")
    events = qs.select_related("actor_user").prefetch_related("also")[:limit]
    return targets.redact(actor, list(events))


def event_get(*, actor: Actor, event_id: int) -> ActivityEvent | None:
    event = (
        ActivityEvent.objects.visible_to(actor)
        .select_related("actor_user")
        .prefetch_related("also")
        .filter(pk=event_id)
        .first()
    )
    return targets.redact(actor, [event])[0] if event else None


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
    targets.redact(actor, [n.event for n in notifications])
    return notifications


def notified_event_ids(*, actor: Actor, event_ids: list[int]) -> set[int]:
    """Which of these events the actor was notified of (one query)."""
    if not isinstance(actor, Member) or not event_ids:
        return set()
    qs = Notification.objects.visible_to(actor).filter(event_id__in=event_ids)
    return set(qs.values_list("event_id", flat=True))
