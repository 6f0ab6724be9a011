"""The one event path. Every service that changes something calls record() inside its
transaction; after commit the event goes to realtime.publish and to background jobs."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import models, transaction
from django.utils import timezone

from dealroom.core.actors import Actor, Guest, Member, System

from .jobs import enqueue_jobs, jobs_for
from .models import ActivityEvent, Audience, EventAlso, Notification


def _actor_fields(actor: Actor) -> dict:
    if isinstance(actor, Member):
        return {"actor_kind": "member", "actor_user": actor.user}
    if isinstance(actor, Guest):
        return {"actor_kind": "guest", "actor_user": None}
    if isinstance(actor, System):
        return {"actor_kind": "system", "actor_user": None}
    raise TypeError(f"not an actor: {actor!r}")


def actor_name(actor: Actor) -> str:
    if isinstance(actor, Member):
        return actor.user.full_name or actor.user.email
    return ""


def record(
    *,
    actor: Actor,
    verb: str,
    target: models.Model | None = None,
    data: dict | None = None,
    audience: str = Audience.WORKSPACE,
    notify: Iterable[int] = (),
    also: Iterable[models.Model] = (),
) -> ActivityEvent:
    """Write the event and its notifications in the caller's transaction; publish after commit.

    `notify` holds user ids; the acting user is never notified of their own action. `also`
    names further records whose timelines show the event (a deal's account).
    """
    payload = {"actor_name": actor_name(actor), **(data or {})}
    event = ActivityEvent.objects.create(
        workspace_id=actor.workspace_id,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        data=payload,
        audience=audience,
        **_actor_fields(actor),
    )
    EventAlso.objects.bulk_create(
        EventAlso(event=event, target_type=other._meta.label_lower, target_id=other.pk)
        for other in also
    )
    own_id = actor.user_id if isinstance(actor, Member) else None
    recipients = sorted({uid for uid in notify if uid and uid != own_id})
    Notification.objects.bulk_create(
        Notification(workspace_id=actor.workspace_id, recipient_id=uid, event=event)
        for uid in recipients
    )
    jobs = jobs_for(verb, payload)
    transaction.on_commit(
        partial(dispatch, event.pk, actor.workspace_id, jobs, event.target_type, event.target_id)
    )
    return event


def dispatch(
    event_id: int, workspace_id: int, jobs: list[str], target_type: str = "", target_id=None
) -> None:
    """Runs after commit only: a rolled-back service never reaches here."""
    from dealroom.realtime import publish

    publish.event_happened(
        workspace_id=workspace_id, event_id=event_id, target_type=target_type, target_id=target_id
    )
    enqueue_jobs(event_id=event_id, jobs=jobs)


@transaction.atomic
def notification_mark_read(*, actor: Member, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when no ids are given)."""
    qs = Notification.objects.visible_to(actor).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
