"""Meeting tasks e-mail an .ics invitation to their assignees (both sides): a job after the
task's event (activity/jobs.py), never from the request. Each person gets it only while they
may see the task, by the same rule as the room's socket (`notify.reader_for` + the task's
`visible_to`): an internal meeting never reaches a guest, whatever its assignees."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from dealroom.activity.models import ActivityEvent

from ..ics import meeting_invitation
from ..models import RoomMember, Task
from .notify import reader_for


def mail_meeting(event_id: int) -> int:
    """Mail the invitation the event asks for (`data["invite"]`: room member ids) to those of
    them who may see the meeting; returns mails sent."""
    event = ActivityEvent.objects.filter(pk=event_id).first()
    data = (event.data or {}) if event else {}
    invite = [i for i in data.get("invite") or [] if isinstance(i, int)]
    task = (
        Task.objects.select_related("room__opportunity", "room__workspace", "created_by")
        .filter(pk=data.get("task") or 0, room_id=data.get("room_id") or 0)
        .first()
    )
    if not invite or task is None or task.starts_at is None or task.ends_at is None:
        return 0
    assignees = task.assignees.filter(removed_at__isnull=True).select_related(
        "room__workspace", "membership__user"
    )
    seeing = [a for a in assignees if a.email and _sees(a, task)]
    recipients = [a for a in seeing if a.pk in invite]
    if not recipients:
        return 0
    organizer = task.created_by
    organizer_pair = (
        (organizer.name, organizer.email)
        if organizer and organizer.email
        else ("Dealroom", settings.DEFAULT_FROM_EMAIL)
    )
    attendees = [(a.name, a.email) for a in seeing]
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
    for person in recipients:
        message = EmailMessage(subject[:200], body, None, [person.email])
        message.attach("invite.ics", ics, "text/calendar; method=REQUEST; charset=utf-8")
        message.send()
    return len(recipients)


def _sees(person: RoomMember, task: Task) -> bool:
    """May this person see the task now? The room socket's rule: guests the shared tasks of
    their room, members the tasks of rooms they see."""
    reader = reader_for(person)
    return reader is not None and Task.objects.visible_to(reader).filter(pk=task.pk).exists()
