from ninja import Router

from dealroom.core.bounds import Int64
from dealroom.workspaces.api import actor_for

from . import selectors, services
from .schemas import EventOut, MarkReadIn, MarkReadOut, NotificationOut

router = Router(tags=["activity"])


@router.get("/w/{slug}/activity", response=list[EventOut])
def event_list(request, slug: str, before: Int64 | None = None, limit: Int64 = 30):
    """Newest first; pass the smallest id you have as `before` for the next page."""
    return selectors.event_list(
        actor=actor_for(request, slug), before=before, limit=max(1, min(limit, 100))
    )


@router.get("/w/{slug}/notifications", response=list[NotificationOut])
def notification_list(request, slug: str, before: Int64 | None = None):
    return selectors.notification_list(actor=actor_for(request, slug), before=before)


@router.post("/w/{slug}/notifications/read", response=MarkReadOut)
def notification_read(request, slug: str, payload: MarkReadIn):
    actor = actor_for(request, slug)
    marked = services.notification_mark_read(actor=actor, notification_ids=payload.ids)
    return {"marked": marked, "unread": selectors.notification_unread_count(actor=actor)}
