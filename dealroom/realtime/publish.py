"""Transport only: tell open sockets that something happened. Called after commit by
activity.dispatch (events) and by services that change who may see what (access); sockets
re-read what they may see (consumers).

Every socket listens through the per-process hub (hub.py): workspace pages (bell, feed, boards)
on their workspace's group and their user's, room pages on their room's and their user's. One
Redis PUBLISH per change reaches every process, and each process hands it to its own sockets;
the publishing thread never waits for an event loop."""

from __future__ import annotations

import logging
import time

from . import hub
from .groups import target_group, user_group, workspace_group

log = logging.getLogger(__name__)

# Targets whose pages keep a socket on the record itself (a room page on its room).
WATCHED_TARGETS = {"rooms.room"}


def _hub(groups: list[str], message: dict) -> None:
    try:
        hub.publish(groups, message)
    except Exception:  # committed already; a down Redis costs liveness, not data
        log.exception("live publish to %s failed", ", ".join(groups))


def event_happened(
    *, workspace_id: int, event_id: int, target_type: str = "", target_id=None
) -> None:
    groups = [workspace_group(workspace_id)]
    if target_type in WATCHED_TARGETS and target_id is not None:
        groups.append(target_group(target_type, target_id))
    _hub(groups, {"type": "activity.event", "event_id": event_id})


def close_user_sockets(*, workspace_id: int, user_id: int) -> None:
    """Ask every socket of a user in a workspace to re-check access (it closes if gone)."""
    _hub([user_group(workspace_id, user_id)], {"type": "access.changed", "user_id": user_id})


def room_access_changed(*, workspace_id: int, room_id: int, contact_id=None) -> None:
    """Someone may have lost a room (a guest removed, a link revoked, a member taken out):
    the room's sockets re-check and close if they lost it."""
    message = {"type": "access.changed", "contact_id": contact_id}
    _hub([target_group("rooms.room", room_id)], message)


def presence_changed(room_id: int) -> None:
    """Someone came into or left a room page: its sockets re-read who is there (`n` lets the
    sockets of one process share one reading)."""
    message = {"type": "presence.changed", "n": time.time_ns()}
    _hub([target_group("rooms.room", room_id)], message)
