"""The guest side: /api/g/<slug>/rooms…, for the browser of a guest who came in through their
link (the session's guest session, `views.guards.resolve_actor`). No login and no bearer
token: these operations run with `auth=None` and find the guest themselves; writes check the
CSRF token, as the session makes them a cookie-authenticated request.

Reading and taking part only — the room, its plan, tasks and threads, its resources and files,
the people in it by name. Running the room (members, invitations, settings, activity,
engagement, the order of resources) has no guest route. Every
refusal (404 or 403) is kept in the activity record, as on the guest's pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.utils import check_csrf

from dealroom.core.actors import Guest
from dealroom.core.bounds import Int64, Offset
from dealroom.core.errors import Forbidden, NotFound

from ..schemas import (
    CommentIn,
    CommentOut,
    CommentPage,
    CommentPatch,
    FileOut,
    LinkOut,
    MilestoneOrderIn,
    MilestonePatch,
    NotifyLevelIn,
    NotifyLevelOut,
    PersonOut,
    PlanOut,
    ResourceBeatIn,
    ResourceLinkIn,
    ResourceOut,
    ResourcePatch,
    RoomMilestoneIn,
    RoomMilestoneOut,
    RoomOut,
    RoomPage,
    TaskIn,
    TaskOrderIn,
    TaskOut,
    TaskStatusIn,
)
from ..views import guards
from ..views.files import file_response
from . import common

router = Router(tags=["rooms (guests)"], auth=None)

BASE = "/g/{slug}/rooms"
ROOM = BASE + "/{int:room_id}"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def op(name: str, summary: str) -> dict:
    return {"operation_id": f"guest_room_{name}", "summary": summary, "auth": None}


def guest_for(request, slug: str) -> Guest:
    """The guest of this browser in the workspace; 404 for anyone else, as for a room that
    does not exist."""
    actor = guards.resolve_actor(request, "g", slug)
    if not isinstance(actor, Guest):
        raise NotFound()
    if request.method not in SAFE_METHODS and check_csrf(request) is not None:
        raise Forbidden(_("The request lacks a valid CSRF token; reload the room and retry."))
    return actor


@contextmanager
def guest(request, slug: str, room_id: int) -> Iterator[Guest]:
    actor = guest_for(request, slug)
    try:
        yield actor
    except (NotFound, Forbidden):
        guards.refused(actor, request, room_id)
        raise


# -- rooms -----------------------------------------------------------------------------------


@router.get(BASE, response=RoomPage, **op("list", "My rooms (guest)"))
def room_list(request, slug: str, offset: Offset = 0, limit: Int64 = 25):
    return common.room_page(guest_for(request, slug), offset=offset, limit=limit)


@router.get(ROOM, response=RoomOut, **op("get", "Get a room (guest)"))
def room_get(request, slug: str, room_id: Int64):
    with guest(request, slug, room_id) as actor:
        return common.room_read(actor, room_id)


@router.post(ROOM + "/read", response={204: None}, **op("read", "Mark a room read (guest)"))
def room_read(request, slug: str, room_id: Int64):
    with guest(request, slug, room_id) as actor:
        common.room_visit(actor, room_id)
    return Status(204, None)


@router.put(
    ROOM + "/notifications", response=NotifyLevelOut, **op("notify", "Set my e-mails (guest)")
)
def notify_level(request, slug: str, room_id: Int64, payload: NotifyLevelIn):
    with guest(request, slug, room_id) as actor:
        return common.notify_level_set(actor, room_id, payload.notify_level)


@router.get(ROOM + "/members", response=list[PersonOut], **op("members", "People (guest)"))
def member_list(request, slug: str, room_id: Int64):
    """Names and kind (seller side or guest) only."""
    with guest(request, slug, room_id) as actor:
        return common.member_list(actor, room_id)


# -- plan ------------------------------------------------------------------------------------


@router.get(ROOM + "/plan", response=PlanOut, **op("plan", "The plan (guest)"))
def plan_get(request, slug: str, room_id: Int64):
    with guest(request, slug, room_id) as actor:
        return common.plan_read(actor, room_id)


@router.post(
    ROOM + "/milestones", response={201: RoomMilestoneOut}, **op("milestone_create", "Add (guest)")
)
def milestone_create(request, slug: str, room_id: Int64, payload: RoomMilestoneIn):
    with guest(request, slug, room_id) as actor:
        made = common.milestone_create(actor, room_id, payload.title, payload.internal)
    return Status(201, made)


@router.patch(
    ROOM + "/milestones/{int:milestone_id}",
    response=RoomMilestoneOut,
    **op("milestone_update", "Change a milestone (guest)"),
)
def milestone_update(
    request, slug: str, room_id: Int64, milestone_id: Int64, payload: MilestonePatch
):
    with guest(request, slug, room_id) as actor:
        data = payload.dict(exclude_unset=True)
        return common.milestone_update(actor, room_id, milestone_id, data)


@router.delete(
    ROOM + "/milestones/{int:milestone_id}",
    response={204: None},
    **op("milestone_delete", "Delete a milestone (guest)"),
)
def milestone_delete(request, slug: str, room_id: Int64, milestone_id: Int64):
    with guest(request, slug, room_id) as actor:
        common.milestone_delete(actor, room_id, milestone_id)
    return Status(204, None)


@router.post(
    ROOM + "/milestones/order",
    response={204: None},
    **op("milestone_reorder", "Reorder milestones (guest)"),
)
def milestone_reorder(request, slug: str, room_id: Int64, payload: MilestoneOrderIn):
    with guest(request, slug, room_id) as actor:
        common.milestone_reorder(actor, room_id, payload.ids)
    return Status(204, None)


@router.post(ROOM + "/tasks", response={201: TaskOut}, **op("task_create", "Add a task (guest)"))
def task_create(request, slug: str, room_id: Int64, payload: TaskIn):
    with guest(request, slug, room_id) as actor:
        task = common.task_create(actor, room_id, payload.dict(exclude_unset=True))
    return Status(201, task)


@router.get(ROOM + "/tasks/{int:task_id}", response=TaskOut, **op("task_get", "A task (guest)"))
def task_get(request, slug: str, room_id: Int64, task_id: Int64):
    with guest(request, slug, room_id) as actor:
        return common.task_read(actor, room_id, task_id)


@router.patch(
    ROOM + "/tasks/{int:task_id}", response=TaskOut, **op("task_update", "Change a task (guest)")
)
def task_update(request, slug: str, room_id: Int64, task_id: Int64, payload: TaskIn):
    with guest(request, slug, room_id) as actor:
        return common.task_update(actor, room_id, task_id, payload.dict(exclude_unset=True))


@router.post(
    ROOM + "/tasks/{int:task_id}/status",
    response=TaskOut,
    **op("task_status", "Set a task's status (guest)"),
)
def task_status(request, slug: str, room_id: Int64, task_id: Int64, payload: TaskStatusIn):
    with guest(request, slug, room_id) as actor:
        return common.task_status_set(actor, room_id, task_id, payload.status, payload.reason)


@router.delete(
    ROOM + "/tasks/{int:task_id}",
    response={204: None},
    **op("task_delete", "Delete a task you created (guest)"),
)
def task_delete(request, slug: str, room_id: Int64, task_id: Int64):
    with guest(request, slug, room_id) as actor:
        common.task_delete(actor, room_id, task_id)
    return Status(204, None)


@router.post(
    ROOM + "/tasks/order", response={204: None}, **op("task_reorder", "Reorder tasks (guest)")
)
def task_reorder(request, slug: str, room_id: Int64, payload: TaskOrderIn):
    with guest(request, slug, room_id) as actor:
        common.task_reorder(actor, room_id, payload.milestone, payload.ids)
    return Status(204, None)


# -- conversation ----------------------------------------------------------------------------


@router.get(ROOM + "/comments", response=CommentPage, **op("comments", "A thread (guest)"))
def comment_list(
    request,
    slug: str,
    room_id: Int64,
    task: Int64 | None = None,
    before: Int64 | None = None,
    limit: Int64 = 50,
):
    with guest(request, slug, room_id) as actor:
        return common.comment_page(actor, room_id, task=task, before=before, limit=limit, slug=slug)


@router.post(ROOM + "/comments", response={201: CommentOut}, **op("comment_post", "Post (guest)"))
def comment_post(request, slug: str, room_id: Int64, payload: CommentIn):
    with guest(request, slug, room_id) as actor:
        out = common.comment_post(
            actor, room_id, payload.body, payload.task, payload.internal, slug=slug
        )
    return Status(201, out)


@router.patch(
    ROOM + "/comments/{int:comment_id}",
    response=CommentOut,
    **op("comment_edit", "Edit your comment (guest)"),
)
def comment_edit(request, slug: str, room_id: Int64, comment_id: Int64, payload: CommentPatch):
    with guest(request, slug, room_id) as actor:
        return common.comment_edit(actor, room_id, comment_id, payload.body, slug=slug)


@router.delete(
    ROOM + "/comments/{int:comment_id}",
    response={204: None},
    **op("comment_delete", "Delete your comment (guest)"),
)
def comment_delete(request, slug: str, room_id: Int64, comment_id: Int64):
    with guest(request, slug, room_id) as actor:
        common.comment_delete(actor, room_id, comment_id)
    return Status(204, None)


# -- files -----------------------------------------------------------------------------------


@router.get(ROOM + "/resources", response=list[ResourceOut], **op("resources", "Resources (guest)"))
def resource_list(request, slug: str, room_id: Int64):
    with guest(request, slug, room_id) as actor:
        return common.resource_list(actor, room_id, slug=slug)


@router.post(
    ROOM + "/resources", response={201: ResourceOut}, **op("resource_upload", "Upload (guest)")
)
def resource_upload(
    request,
    slug: str,
    room_id: Int64,
    file: File[UploadedFile | None] = None,
    title: Form[str] = "",
    kind: Form[str] = "",
):
    with guest(request, slug, room_id) as actor:
        out = common.resource_upload(
            actor, room_id, file, title=title, kind=kind, internal=False, slug=slug
        )
    return Status(201, out)


@router.post(
    ROOM + "/resources/links",
    response={201: ResourceOut},
    **op("resource_link", "Add a link (guest)"),
)
def resource_link(request, slug: str, room_id: Int64, payload: ResourceLinkIn):
    with guest(request, slug, room_id) as actor:
        out = common.resource_link_add(actor, room_id, payload.dict(), slug=slug)
    return Status(201, out)


@router.patch(
    ROOM + "/resources/{int:resource_id}",
    response=ResourceOut,
    **op("resource_update", "Rename your resource (guest)"),
)
def resource_update(request, slug: str, room_id: Int64, resource_id: Int64, payload: ResourcePatch):
    with guest(request, slug, room_id) as actor:
        data = payload.dict(exclude_unset=True)
        return common.resource_update(actor, room_id, resource_id, data, slug=slug)


@router.delete(
    ROOM + "/resources/{int:resource_id}",
    response={204: None},
    **op("resource_delete", "Delete your resource (guest)"),
)
def resource_delete(request, slug: str, room_id: Int64, resource_id: Int64):
    with guest(request, slug, room_id) as actor:
        common.resource_delete(actor, room_id, resource_id)
    return Status(204, None)


@router.post(
    ROOM + "/resources/{int:resource_id}/open",
    response=LinkOut,
    **op("resource_open", "Open a link (guest)"),
)
def resource_open(request, slug: str, room_id: Int64, resource_id: Int64):
    """A link resource's address, the opening counted in the room's engagement."""
    with guest(request, slug, room_id) as actor:
        return {"url": common.resource_open(actor, room_id, resource_id)}


@router.post(
    ROOM + "/resources/{int:resource_id}/beat",
    response={204: None},
    **op("resource_beat", "Viewing a resource (guest)"),
)
def resource_beat(request, slug: str, room_id: Int64, resource_id: Int64, payload: ResourceBeatIn):
    """While a resource is shown: counts the guest's reading time, as the room page does."""
    with guest(request, slug, room_id) as actor:
        common.resource_beat(
            actor,
            room_id,
            resource_id,
            start=payload.start,
            seconds=payload.seconds,
            end=payload.end,
        )
    return Status(204, None)


@router.get(ROOM + "/files/{int:file_id}", **op("file", "Download a file (guest)"))
def file_download(request, slug: str, room_id: Int64, file_id: Int64):
    """Counted in the room's engagement, as the room page's downloads are."""
    with guest(request, slug, room_id) as actor:
        file = common.file_or_404(actor, common.room_or_404(actor, room_id), file_id)
        return file_response(request, actor, file)


@router.delete(
    ROOM + "/files/{int:file_id}",
    response={204: None},
    **op("file_delete", "Delete your file (guest)"),
)
def file_delete(request, slug: str, room_id: Int64, file_id: Int64):
    with guest(request, slug, room_id) as actor:
        common.attachment_delete(actor, room_id, file_id)
    return Status(204, None)


@router.get(
    ROOM + "/tasks/{int:task_id}/files",
    response=list[FileOut],
    **op("task_files", "A task's files (guest)"),
)
def task_files(request, slug: str, room_id: Int64, task_id: Int64):
    with guest(request, slug, room_id) as actor:
        return common.task_files(actor, room_id, task_id, slug=slug)


@router.post(
    ROOM + "/tasks/{int:task_id}/files",
    response={201: FileOut},
    **op("task_file_upload", "Attach a file to a task (guest)"),
)
def task_file_upload(
    request, slug: str, room_id: Int64, task_id: Int64, file: File[UploadedFile | None] = None
):
    with guest(request, slug, room_id) as actor:
        out = common.attachment_upload(actor, room_id, file, task=task_id, slug=slug)
    return Status(201, out)


@router.post(
    ROOM + "/comments/{int:comment_id}/files",
    response={201: FileOut},
    **op("comment_file_upload", "Attach a file to your comment (guest)"),
)
def comment_file_upload(
    request, slug: str, room_id: Int64, comment_id: Int64, file: File[UploadedFile | None] = None
):
    with guest(request, slug, room_id) as actor:
        out = common.attachment_upload(actor, room_id, file, comment=comment_id, slug=slug)
    return Status(201, out)
