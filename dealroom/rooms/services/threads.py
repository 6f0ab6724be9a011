"""Conversation: the room's thread and a thread under every task. Anyone in the room posts;
authors edit and delete their own (earlier text is kept as revisions). Mentions are tokens
`@[Name](member id)` in the text (formatting.py); only people in the room are notified."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor
from dealroom.core.errors import Forbidden, Invalid, NotFound

from ..formatting import mentioned_ids, plain_text
from ..models import Comment, CommentRevision, NotifyLevel, RoomFile, RoomMember, Task
from .common import as_int, discard_files, me, require_participant, room_event, taking_part
from .plan import _internal_flag, _shared_task

MAX_LENGTH = 10_000


def _body(value) -> str:
    body = str(value or "").strip()
    if not body:
        raise Invalid(fields={"body": _("Write something first.")})
    if len(body) > MAX_LENGTH:
        raise Invalid(fields={"body": _("Keep a comment under 10,000 characters.")})
    return body


def comment_is_shared(comment: Comment) -> bool:
    return not comment.internal and (comment.task is None or _shared_task(comment.task))


def _recipients(people: list[RoomMember], own: RoomMember, mentioned: list[int]) -> list[int]:
    """Seller-side users to notify, of the room's active members: those mentioned (unless
    they chose nothing) and those who want everything. Guests get no in-app notification."""
    users: list[int] = []
    for person in people:
        if person.pk == own.pk or person.membership is None:
            continue
        if person.notify_level == NotifyLevel.NONE:
            continue
        if person.pk in mentioned or person.notify_level == NotifyLevel.ALL:
            users.append(person.membership.user_id)
    return users


def _data(comment: Comment, mentioned: list[int]) -> dict:
    return {
        "comment": comment.pk,
        "task": comment.task_id,
        "task_title": comment.task.title if comment.task else "",
        "excerpt": plain_text(comment.body),
        "mentions": mentioned,
    }


@transaction.atomic
def comment_post(*, actor: Actor, room_id, body, task_id=None, internal=False) -> Comment:
    room, own = taking_part(actor, room_id)
    task = None
    if task_id not in (None, ""):
        task = Task.objects.visible_to(actor).filter(room=room, pk=as_int(task_id)).first()
        if task is None:
            raise NotFound()
    comment = Comment.objects.create(
        workspace_id=room.workspace_id,
        room=room,
        task=task,
        author=own,
        body=_body(body),
        internal=_internal_flag(actor, internal),
    )
    people = list(
        RoomMember.objects.filter(room=room, removed_at__isnull=True).select_related("membership")
    )
    members = {person.pk for person in people}
    mentioned = [m for m in mentioned_ids(comment.body) if m in members]
    room_event(
        actor,
        room,
        "room_comment.posted",
        _data(comment, mentioned),
        shared=comment_is_shared(comment),
        by=own,
        notify=_recipients(people, own, mentioned),
    )
    return comment


def _own_comment(actor: Actor, comment_id) -> tuple[Comment, RoomMember]:
    comment = (
        Comment.objects.visible_to(actor)
        .select_related(
            "room", "room__opportunity", "room__opportunity__account", "task", "task__milestone"
        )
        .filter(pk=as_int(comment_id), deleted_at__isnull=True)
        .first()
    )
    if comment is None:
        raise NotFound()
    require_participant(actor)
    own = me(actor, comment.room)
    if comment.author_id != own.pk:
        raise Forbidden(_("You can only change your own comments."))
    return comment, own


@transaction.atomic
def comment_edit(*, actor: Actor, comment_id, body) -> Comment:
    comment, own = _own_comment(actor, comment_id)
    new = _body(body)
    if new == comment.body:
        return comment
    CommentRevision.objects.create(comment=comment, body=comment.body)
    before = set(mentioned_ids(comment.body))
    comment.body = new
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    members = set(
        RoomMember.objects.filter(room=comment.room, removed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    # Only people newly mentioned hear of an edit.
    added = [m for m in mentioned_ids(new) if m in members and m not in before]
    users = list(
        RoomMember.objects.filter(pk__in=added, membership__isnull=False)
        .exclude(notify_level=NotifyLevel.NONE)
        .values_list("membership__user_id", flat=True)
    )
    room_event(
        actor,
        comment.room,
        "room_comment.edited",
        _data(comment, added),
        shared=comment_is_shared(comment),
        by=own,
        notify=users,
    )
    return comment


@transaction.atomic
def comment_delete(*, actor: Actor, comment_id) -> Comment:
    comment, own = _own_comment(actor, comment_id)
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.body = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "deleted_at"])
    discard_files(RoomFile.objects.filter(comment=comment))
    room_event(
        actor,
        comment.room,
        "room_comment.deleted",
        {"comment": comment.pk, "task": comment.task_id},
        shared=comment_is_shared(comment),
        by=own,
    )
    return comment
