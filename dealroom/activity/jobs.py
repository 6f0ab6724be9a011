"""Background jobs that follow events. The only place events are handed to the task queue."""

from __future__ import annotations

import logging

from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# verb -> tasks that take (event_id=...). Listed here, explicitly, instead of signals.
EVENT_JOBS: dict[str, list[str]] = {
    "member.joined": ["dealroom.activity.tasks.mail_notifications"],
    "member.role_changed": ["dealroom.activity.tasks.mail_notifications"],
    "room_task.created": ["dealroom.rooms.tasks.mail_meeting_invitations"],
    "room_task.updated": ["dealroom.rooms.tasks.mail_meeting_invitations"],
}


def enqueue_jobs(*, event_id: int, verb: str) -> None:
    for path in EVENT_JOBS.get(verb, []):
        try:
            import_string(path).enqueue(event_id=event_id)
        except Exception:  # the change is committed; a broken queue must not fail the request
            log.exception("could not enqueue %s for event %s", path, event_id)
