"""Files in a room: the resources section (stored files and links) and attachments of tasks and
comments (engagement with them: engagement.py).

Anyone in the room adds files (guests too); only sellers mark a resource internal. A file is
judged by uploads.check_upload before anything is written, stored through Django's storage
API under a generated name, and removed again if the database writes fail, so a refused or
failed upload leaves nothing behind."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Guest
from dealroom.core.errors import Forbidden, Invalid, NotFound

from .. import visibility
from ..models import Comment, Resource, ResourceKind, Room, RoomFile, RoomMember, Task
from ..selectors import own_member_id, room_settings
from ..uploads import CheckedFile, check_upload
from .common import (
    as_int,
    discard_files,
    me,
    require_manager,
    require_participant,
    room_event,
    room_for,
    withdraw_from_guests,
)
from .plan import _internal_flag, _merge_order, _shared_task, _title
from .threads import comment_is_shared, comment_post

MAX_FILES_PER_POST = 5


# -- storing ---------------------------------------------------------------------------------


def _max_bytes(room: Room) -> int:
    return room_settings(room.workspace_id).max_file_mb * 1024 * 1024


def _check(room: Room, uploaded) -> CheckedFile:
    if uploaded is None:
        raise Invalid(fields={"file": _("Choose a file to upload.")})
    try:
        return check_upload(uploaded, max_bytes=_max_bytes(room))
    except Invalid as refused:  # the reason goes with the field, not twice over the form
        raise Invalid(_("This file cannot be uploaded."), fields=refused.fields) from None


@contextlib.contextmanager
def _storing(room: Room, checked: list[CheckedFile]) -> Iterator[list[str]]:
    """Store the checked files, then run the caller's writes in one transaction. If anything
    fails — a write, the event, the commit — the stored files are deleted again. (Services
    that store bytes open their own transaction here instead of wrapping the whole function,
    so the commit happens inside this guard.)"""
    names: list[str] = []
    try:
        with transaction.atomic():
            prefix = f"rooms/{room.workspace_id}/{room.pk}"
            for item in checked:
                names.append(
                    default_storage.save(item.storage_name(prefix), ContentFile(item.content))
                )
            yield names
    except BaseException:
        for name in names:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        raise


def _file_row(room: Room, own: RoomMember, item: CheckedFile, name: str, **anchor) -> RoomFile:
    return RoomFile.objects.create(
        workspace_id=room.workspace_id,
        room=room,
        uploaded_by=own,
        storage_name=name,
        original_name=item.original_name,
        content_type=item.content_type,
        kind=item.kind,
        size=item.size,
        **anchor,
    )


def _kind(value, default: str) -> str:
    kind = value or default
    if kind not in ResourceKind.values:
        raise Invalid(fields={"kind": _("Choose proposal, contract, video, link or other.")})
    return kind


def _url(value) -> str:
    url = str(value or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Invalid(fields={"url": _("Enter a web address starting with https://.")}) from None
    if len(url) > 2000:
        raise Invalid(fields={"url": _("Keep the address under 2,000 characters.")})
    return url


def _next_position(room: Room) -> int:
    return (Resource.objects.filter(room=room).aggregate(m=Max("position"))["m"] or 0) + 1


def _resource_data(resource: Resource) -> dict:
    file = resource.file
    return {
        "resource": resource.pk,
        "title": resource.title,
        "kind": resource.kind,
        "file": file.pk if file else None,
        "name": file.original_name if file else resource.url,
    }


# -- the resources section -------------------------------------------------------------------


def resource_upload(
    *, actor: Actor, room_id, uploaded, title="", kind="", internal=False
) -> Resource:
    """A file for the resources section (a proposal, a contract draft, a video…)."""
    room = room_for(actor, room_id)
    require_participant(actor)
    is_internal = _internal_flag(actor, internal)
    item = _check(room, uploaded)
    clean_title = _title(title or item.original_name)
    clean_kind = _kind(kind, ResourceKind.VIDEO if item.kind == "video" else ResourceKind.OTHER)
    with _storing(room, [item]) as (name,):
        own = me(actor, room)
        file = _file_row(room, own, item, name, is_resource=True, internal=is_internal)
        resource = Resource.objects.create(
            workspace_id=room.workspace_id,
            room=room,
            title=clean_title,
            kind=clean_kind,
            file=file,
            internal=is_internal,
            position=_next_position(room),
            created_by=own,
        )
        room_event(
            actor,
            room,
            "room_resource.added",
            _resource_data(resource),
            shared=not is_internal,
            by=own,
        )
    return resource


@transaction.atomic
def resource_link_add(
    *, actor: Actor, room_id, url, title="", kind=ResourceKind.LINK, internal=False
) -> Resource:
    room = room_for(actor, room_id)
    require_participant(actor)
    clean_url = _url(url)
    resource = Resource(
        workspace_id=room.workspace_id,
        room=room,
        url=clean_url,
        title=_title(title or clean_url[:200]),
        kind=_kind(kind, ResourceKind.LINK),
        internal=_internal_flag(actor, internal),
        position=_next_position(room),
    )
    resource.created_by = me(actor, room)
    resource.save()
    room_event(
        actor,
        room,
        "room_resource.added",
        _resource_data(resource),
        shared=not resource.internal,
        by=resource.created_by,
    )
    return resource


def _resource_for(actor: Actor, resource_id) -> Resource:
    resource = (
        Resource.objects.visible_to(actor)
        .alive()
        .select_related("room", "room__opportunity", "room__opportunity__account", "file")
        .filter(pk=as_int(resource_id))
        .first()
    )
    if resource is None:
        raise NotFound()
    return resource


def _require_owner_or_manager(actor: Actor, room: Room, own: RoomMember, creator_id) -> None:
    if creator_id != own.pk and not visibility.can_manage(actor, room):
        raise Forbidden(_("Only the person who added it and those who run the room can."))


@transaction.atomic
def resource_update(*, actor: Actor, resource_id, title, kind=None) -> Resource:
    """Rename (and re-sort into a kind): the one who added it, or those who run the room."""
    resource = _resource_for(actor, resource_id)
    require_participant(actor)
    own = me(actor, resource.room)
    _require_owner_or_manager(actor, resource.room, own, resource.created_by_id)
    resource.title = _title(title)
    if kind not in (None, ""):
        resource.kind = _kind(kind, ResourceKind.OTHER)
    resource.save(update_fields=["title", "kind"])
    room_event(
        actor,
        resource.room,
        "room_resource.updated",
        _resource_data(resource),
        shared=not resource.internal,
        by=own,
    )
    return resource


@transaction.atomic
def resource_internal_set(*, actor: Actor, resource_id, internal) -> Resource:
    """Sellers mark a resource internal or shared; its file follows."""
    resource = _resource_for(actor, resource_id)
    if isinstance(actor, Guest):
        raise Forbidden()
    require_participant(actor)
    own = me(actor, resource.room)
    was_internal = resource.internal
    resource.internal = _internal_flag(actor, internal)
    resource.save(update_fields=["internal"])
    if resource.file_id:
        RoomFile.objects.filter(pk=resource.file_id).update(internal=resource.internal)
    room_event(
        actor,
        resource.room,
        "room_resource.updated",
        _resource_data(resource),
        shared=not resource.internal,
        by=own,
    )
    if resource.internal and not was_internal:
        withdraw_from_guests(actor, resource.room, by=own, resource_ids=[resource.pk])
    return resource


@transaction.atomic
def resource_reorder(*, actor: Actor, room_id, resource_ids: list) -> None:
    """Those who run the room order the section; entries the actor cannot see keep their
    place."""
    room = room_for(actor, room_id)
    require_manager(actor, room)
    own = me(actor, room)
    visible = {r.pk: r for r in Resource.objects.visible_to(actor).alive().filter(room=room)}
    ids = [as_int(i) for i in resource_ids]
    if sorted(ids) != sorted(visible):
        raise Invalid(_("The resources changed meanwhile; reload and try again."))
    full = list(Resource.objects.alive().filter(room=room).order_by("position", "pk"))
    ordered = _merge_order(full, [visible[i] for i in ids], set(visible))
    for position, resource in enumerate(ordered, start=1):
        Resource.objects.filter(pk=resource.pk).update(position=position)
    room_event(actor, room, "room_resource.reordered", {}, shared=True, by=own)


@transaction.atomic
def resource_delete(*, actor: Actor, resource_id) -> None:
    """Soft: the entry and its file leave every list and download; the rows stay on record."""
    resource = _resource_for(actor, resource_id)
    require_participant(actor)
    own = me(actor, resource.room)
    _require_owner_or_manager(actor, resource.room, own, resource.created_by_id)
    Resource.objects.filter(pk=resource.pk).update(deleted_at=timezone.now())
    if resource.file_id:
        discard_files(RoomFile.objects.filter(pk=resource.file_id))
    room_event(
        actor,
        resource.room,
        "room_resource.deleted",
        _resource_data(resource),
        shared=not resource.internal,
        by=own,
    )


# -- attachments -----------------------------------------------------------------------------


def _attachment_data(file: RoomFile, task: Task | None, comment: Comment | None) -> dict:
    return {
        "file": file.pk,
        "name": file.original_name,
        "task": task.pk if task else None,
        "task_title": task.title if task else "",
        "comment": comment.pk if comment else None,
    }


def _anchor(actor: Actor, room: Room, task_id, comment_id) -> tuple[Task | None, Comment | None]:
    """The task, or the actor's own comment, a file is attached to; 404 unless visible."""
    if comment_id not in (None, ""):
        comment = (
            Comment.objects.visible_to(actor)
            .select_related("task", "task__milestone")
            .filter(room=room, pk=as_int(comment_id), deleted_at__isnull=True)
            .first()
        )
        if comment is None:
            raise NotFound()
        if comment.author_id != own_member_id(actor=actor, room=room):
            raise Forbidden(_("You can only attach files to your own comments."))
        return None, comment
    task = (
        Task.objects.visible_to(actor)
        .select_related("milestone")
        .filter(room=room, pk=as_int(task_id))
        .first()
    )
    if task is None:
        raise NotFound()
    return task, None


def _attach(
    actor: Actor, room: Room, own: RoomMember, items, names, task=None, comment=None
) -> list[RoomFile]:
    """Rows and events for files already stored, attached to a task or a comment."""
    shared = _shared_task(task) if task else comment_is_shared(comment) if comment else False
    if comment is not None and not comment.has_files:
        Comment.objects.filter(pk=comment.pk).update(has_files=True)
        comment.has_files = True
    files = []
    for item, name in zip(items, names, strict=True):
        file = _file_row(room, own, item, name, task=task, comment=comment)
        room_event(
            actor,
            room,
            "room_file.uploaded",
            _attachment_data(file, task, comment),
            shared=shared,
            by=own,
        )
        files.append(file)
    return files


def attachment_upload(*, actor: Actor, room_id, uploaded, task_id=None, comment_id=None):
    """Attach a file to a task the actor sees, or to a comment they wrote."""
    room = room_for(actor, room_id)
    require_participant(actor)
    task, comment = _anchor(actor, room, task_id, comment_id)
    item = _check(room, uploaded)
    with _storing(room, [item]) as names:
        own = me(actor, room)
        (file,) = _attach(actor, room, own, [item], names, task=task, comment=comment)
    return file


def comment_post_with_files(
    *, actor: Actor, room_id, body, uploaded=(), task_id=None, internal=False
) -> Comment:
    """A comment and its files in one go: every file is checked before anything is written,
    and a comment refused (empty, too long, a task gone) stores no file. A comment of files
    only is titled with their names."""
    room = room_for(actor, room_id)
    require_participant(actor)
    files = [f for f in uploaded if f]
    if len(files) > MAX_FILES_PER_POST:
        raise Invalid(fields={"file": _("Attach at most 5 files to one comment.")})
    items = [_check(room, f) for f in files]
    text = str(body or "").strip() or ", ".join(i.original_name for i in items)
    post = partial(
        comment_post, actor=actor, room_id=room.pk, body=text, task_id=task_id, internal=internal
    )
    if not items:  # nothing to store, nothing to guard (most comments)
        return post()
    with _storing(room, items) as names:
        comment = post()
        _attach(actor, room, me(actor, room), items, names, comment=comment)
    return comment


@transaction.atomic
def attachment_delete(*, actor: Actor, file_id) -> None:
    file = (
        RoomFile.objects.visible_to(actor)
        .alive()
        .select_related(
            "room",
            "room__opportunity",
            "room__opportunity__account",
            "task__milestone",
            "comment__task__milestone",
        )
        .filter(pk=as_int(file_id), is_resource=False)
        .first()
    )
    if file is None:
        raise NotFound()
    require_participant(actor)
    own = me(actor, file.room)
    _require_owner_or_manager(actor, file.room, own, file.uploaded_by_id)
    discard_files(RoomFile.objects.filter(pk=file.pk))
    task, comment = file.task, file.comment
    shared = _shared_task(task) if task else comment_is_shared(comment) if comment else False
    room_event(
        actor,
        file.room,
        "room_file.deleted",
        _attachment_data(file, task, comment),
        shared=shared,
        by=own,
    )
