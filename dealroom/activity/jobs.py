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


# Jobs that have work only when the event's data says so: a task's event asks for meeting
# invitations (`invite`) only when there are some to send, and no job is queued otherwise.
JOB_NEEDS: dict[str, str] = {"dealroom.rooms.tasks.mail_meeting_invitations": "invite"}


def jobs_for(verb: str, data: dict) -> list[str]:
    """The jobs an event with this verb and data hands to the queue after commit."""
    return [p for p in EVENT_JOBS.get(verb, []) if p not in JOB_NEEDS or data.get(JOB_NEEDS[p])]


def enqueue_jobs(*, event_id: int, jobs: list[str]) -> None:
    for path in jobs:
        try:
            import_string(path).enqueue(event_id=event_id)
        except Exception:  # the change is committed; a broken queue must not fail the request
            log.exception("could not enqueue %s for event %s", path, event_id)
