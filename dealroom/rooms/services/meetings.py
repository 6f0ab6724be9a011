"""Meeting tasks e-mail an .ics invitation to their assignees (both sides)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from ..ics import meeting_invitation
from ..models import Task


def mail_meeting(task_id: int, emails: list[str]) -> None:
    task = (
        Task.objects.select_related("room__opportunity", "created_by")
        .prefetch_related("assignees")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not emails or task.starts_at is None or task.ends_at is None:
        return
    organizer = task.created_by
    organizer_pair = (
        (organizer.name, organizer.email)
        if organizer and organizer.email
        else ("Dealroom", settings.DEFAULT_FROM_EMAIL)
    )
    attendees = [(a.name, a.email) for a in task.assignees.all() if a.email in emails]
    ics = meeting_invitation(
        uid=f"task-{task.pk}@dealroom",
        title=task.title,
        description=task.description,
        starts_at=task.starts_at,
        ends_at=task.ends_at,
        place=task.place,
        organizer=organizer_pair,
        attendees=attendees,
        sequence=task.ics_sequence,
    )
    subject = f"{task.title} · {task.room.opportunity.name}"
    body = "\n".join(line for line in (task.title, task.place, task.description) if line)
    message = EmailMessage(subject[:200], body, None, emails)
    message.attach("invite.ics", ics, "text/calendar; method=REQUEST; charset=utf-8")
    message.send()
