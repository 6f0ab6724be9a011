"""Room jobs for `dealroom worker`: batched update e-mails and task reminders. Both repeat
(core/periodic.py; registered in apps.py)."""

from django.tasks import task

from dealroom.core.periodic import schedule_next

from .services import notify


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
