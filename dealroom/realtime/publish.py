"""Transport only: tell open sockets that an event happened. Called by activity.dispatch
after commit and by nothing else. Sockets re-read what they may see (consumers.py)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .groups import workspace_group

log = logging.getLogger(__name__)


def event_happened(*, workspace_id: int, event_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            workspace_group(workspace_id), {"type": "activity.event", "event_id": event_id}
        )
    except Exception:  # committed already; a down channel layer costs liveness, not data
        log.exception("live publish failed for event %s", event_id)


def close_user_sockets(*, workspace_id: int, user_id: int) -> None:
    """Ask every socket of a user in a workspace to re-check access (it closes if gone)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            workspace_group(workspace_id), {"type": "access.changed", "user_id": user_id}
        )
    except Exception:
        log.exception("live access-change publish failed")
