"""E-mail about rooms, sent by `dealroom worker` jobs (tasks.py), for sellers and guests alike
(guests have no bell: e-mail is how they hear of the room).

Room updates are batched: a person gets one e-mail per room covering what happened since the
last one — what they have not seen in the page already, by others, that their level asks for
(everything; or mentions and tasks assigned to them; or nothing) — and only once the room has
been quiet for a few minutes, so a lively discussion costs one e-mail, not one per comment.
Tasks due within a day and overdue tasks remind their assignees once each."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealroom.activity.describe import describe
from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Guest, Member
from dealroom.core.tokens import new_token, token_hash

from ..models import (
    MemberKind,
    NotifyLevel,
    RoomInvitation,
    RoomMember,
    Task,
    TaskStatus,
)
from ..selectors import room_settings

QUIET = timedelta(minutes=3)  # a room's activity settles before it is e-mailed
MAX_WAIT = timedelta(minutes=30)  # …but nobody waits longer than this
MAILED_VERBS = ("room_comment.posted", "room_task.", "room_milestone.created", "room_resource.")
MAILED_EXACT = {"room.member_added", "room_file.uploaded"}


def _mailable(verb: str) -> bool:
    return (
        verb in MAILED_EXACT
        or verb.startswith(MAILED_VERBS)
        and not verb.endswith((".reordered", ".opened", ".read"))
    )


def _concerns(member: RoomMember, event: ActivityEvent) -> bool:
    """Is this event for this person, by their level?"""
    data = event.data or {}
    if data.get("by_member") == member.pk:
        return False  # their own doing
    if member.notify_level == NotifyLevel.ALL:
        return True
    return member.pk in (data.get("mentions") or []) or member.pk in (data.get("assigned") or [])


def reader_for(member: RoomMember):
    """The actor a room member reads as, for everything sent to them outside the page (e-mail
    digests, reminders, meeting invitations): the same scoped reads as their socket. None
    when a seller's membership has ended."""
    if member.kind == MemberKind.GUEST:
        return Guest(
            workspace=member.room.workspace,
            contact_id=member.contact_id or 0,
            room_ids=frozenset([member.room_id]),
        )
    from dealroom.workspaces.models import Membership

    if member.membership_id is None:
        return None
    membership = (
        Membership.objects.select_related("user", "workspace")
        .filter(pk=member.membership_id, is_active=True)
        .first()
    )
    return Member(membership) if membership else None


def room_url_for(member: RoomMember) -> str:
    """Where the e-mail leads: sellers to the room; guests to a fresh personal link (their
    browser may hold no session), which opens only this room and expires like any link."""
    room = member.room
    slug = room.workspace.slug
    if member.kind != MemberKind.GUEST:
        return f"{settings.SITE_URL}/w/{slug}/rooms/{room.pk}/"
    token = new_token()
    RoomInvitation.objects.create(
        workspace_id=room.workspace_id,
        room=room,
        member=member,
        email=member.email,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=room_settings(room.workspace_id).invite_days),
    )
    return f"{settings.SITE_URL}/r/{token}/"


def _send(member: RoomMember, subject: str, lines: list[str], url: str) -> None:
    body = "\n".join([*(f"• {line}" for line in lines), "", url, ""])
    body += "\n" + _(
        "You get these e-mails for the deal room “%(room)s”. Change how often in the room."
    ) % {"room": member.room.opportunity.name}
    send_mail(subject[:200], body, None, [member.email])


def room_mail_digests(*, now=None) -> int:
    """One e-mail per person and room with the updates they have not seen; returns mails
    sent. Each person's cursor moves past what was considered, mailed or not."""
    now = now or timezone.now()
    latest = (
        ActivityEvent.objects.filter(target_type="rooms.room", target_id=OuterRef("room_id"))
        .order_by("-id")
        .values("id")[:1]
    )
    waiting = (
        RoomMember.objects.filter(removed_at__isnull=True)
        .exclude(notify_level=NotifyLevel.NONE)
        .exclude(email="")
        .annotate(latest=Subquery(latest), seen=Greatest(F("mailed_up_to"), F("read_up_to")))
        .filter(latest__gt=F("seen"))
        .select_related("room__workspace", "room__opportunity")
    )
    sent = 0
    for member in waiting.iterator(chunk_size=200):
        sent += _digest(member, now)
    return sent


def _digest(member: RoomMember, now) -> int:
    actor = reader_for(member)
    if actor is None:
        return 0
    after = max(member.mailed_up_to, member.read_up_to)
    events = list(
        ActivityEvent.objects.visible_to(actor)
        .filter(target_type="rooms.room", target_id=member.room_id, pk__gt=after)
        .order_by("id")[:200]
    )
    if not events:
        RoomMember.objects.filter(pk=member.pk).update(mailed_up_to=_latest(member))
        return 0
    newest = events[-1].created_at
    oldest = events[0].created_at
    if now - newest < QUIET and now - oldest < MAX_WAIT:
        return 0  # still lively: wait for it to settle
    relevant = [e for e in events if _mailable(e.verb) and _concerns(member, e)]
    with transaction.atomic():
        updated = RoomMember.objects.filter(pk=member.pk, mailed_up_to=member.mailed_up_to).update(
            mailed_up_to=events[-1].pk
        )
        if not updated or not relevant:
            return 0  # another worker took it, or nothing for this person
        language = _language(member)
        with translation.override(language):
            lines = [describe(e) for e in relevant]
            subject = _("[%(workspace)s] %(count)s updates in “%(room)s”") % {
                "workspace": member.room.workspace.name,
                "count": len(lines),
                "room": member.room.opportunity.name,
            }
            _send(member, subject, lines, room_url_for(member))
    return 1


def _latest(member: RoomMember) -> int:
    return (
        ActivityEvent.objects.filter(target_type="rooms.room", target_id=member.room_id).aggregate(
            m=Max("id")
        )["m"]
        or member.mailed_up_to
    )


def _language(member: RoomMember) -> str:
    if member.membership_id and member.membership and member.membership.user.language:
        return member.membership.user.language
    return member.language or settings.LANGUAGE_CODE


def room_task_reminders(*, now=None) -> int:
    """Remind assignees of open tasks due within a day, and of overdue ones: each task once
    for each, one e-mail per person and room. Returns mails sent."""
    now = now or timezone.now()
    due_soon = Task.objects.filter(
        due_at__gt=now, due_at__lte=now + timedelta(days=1), due_reminded_at__isnull=True
    )
    overdue = Task.objects.filter(due_at__lte=now, overdue_reminded_at__isnull=True)
    batches: dict[int, list[tuple[str, Task]]] = defaultdict(list)
    people: dict[int, RoomMember] = {}
    for kind, tasks in (("due", due_soon), ("overdue", overdue)):
        tasks = tasks.exclude(status=TaskStatus.DONE).prefetch_related("assignees")
        for task in tasks:
            for person in task.assignees.all():
                if person.removed_at or person.notify_level == NotifyLevel.NONE or not person.email:
                    continue
                people[person.pk] = person
                batches[person.pk].append((kind, task))
    sent = 0
    for person_id, items in batches.items():
        person = RoomMember.objects.select_related(
            "room__workspace", "room__opportunity", "membership__user"
        ).get(pk=person_id)
        actor = reader_for(person)
        if actor is None:
            continue
        visible = set(
            Task.objects.visible_to(actor)
            .filter(pk__in=[t.pk for _k, t in items])
            .values_list("pk", flat=True)
        )
        items = [(k, t) for k, t in items if t.pk in visible]
        if not items:
            continue
        with translation.override(_language(person)):
            lines = [
                (_("Overdue: %(title)s") if k == "overdue" else _("Due within a day: %(title)s"))
                % {"title": t.title}
                for k, t in items
            ]
            subject = _("[%(workspace)s] Tasks waiting for you in “%(room)s”") % {
                "workspace": person.room.workspace.name,
                "room": person.room.opportunity.name,
            }
            _send(person, subject, lines, room_url_for(person))
        sent += 1
    due_soon.update(due_reminded_at=now)
    overdue.update(overdue_reminded_at=now)
    return sent
