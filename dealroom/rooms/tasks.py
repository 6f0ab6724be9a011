"""Room jobs for `dealroom worker`: meeting invitations after a task's event; batched update
e-mails and task reminders, which repeat (core/periodic.py; registered in apps.py)."""

from django.tasks import task

from dealroom.core.periodic import schedule_next

from .services import meetings, notify


@task()
def mail_meeting_invitations(*, event_id: int) -> int:
    """After a meeting task's event: its .ics to the people the event names."""
    return meetings.mail_meeting(event_id)


@task()
def mail_room_updates() -> int:
    try:
        return notify.room_mail_digests()
    finally:
        schedule_next("dealroom.rooms.tasks.mail_room_updates")


@task()
def mail_task_reminders() -> int:
    try:
        return notify.room_task_reminders()
    finally:
        schedule_next("dealroom.rooms.tasks.mail_task_reminders")
