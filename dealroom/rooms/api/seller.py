"""The seller side: /api/w/<slug>/rooms…, a member of the workspace by bearer token or session
(`workspaces.api.actor_for`). Everything a room page offers sellers, running the room
included; the services decide who may run it (403) and the selectors what exists (404)."""

from __future__ import annotations

from ninja import File, Form, Router, Status, UploadedFile

from dealroom.core.bounds import Int64, Offset
from dealroom.core.errors import Forbidden
from dealroom.workspaces.api import actor_for

from .. import selectors, services, visibility
from ..schemas import (
    ActivityPage,
    CommentIn,
    CommentOut,
    CommentPage,
    CommentPatch,
    FileOut,
    GuestEngagementOut,
    GuestInviteIn,
    MemberAddIn,
    MilestoneOrderIn,
    MilestonePatch,
    NotifyLevelIn,
    NotifyLevelOut,
    PlanOut,
    ResourceLinkIn,
    ResourceOrderIn,
    ResourceOut,
    ResourcePatch,
    RoomInvitationOut,
    RoomMemberOut,
    RoomMilestoneIn,
    RoomMilestoneOut,
    RoomSettingsIn,
    SellerRoomOut,
    SellerRoomPage,
    TaskIn,
    TaskOrderIn,
    TaskOut,
    TaskStatusIn,
)
from ..views.files import file_response
from . import common

router = Router(tags=["rooms"])

BASE = "/w/{slug}/rooms"
ROOM = BASE + "/{int:room_id}"


def op(name: str, summary: str) -> dict:
    return {"operation_id": f"room_{name}", "summary": summary}


# -- rooms -----------------------------------------------------------------------------------


@router.get(BASE, response=SellerRoomPage, **op("list", "My rooms"))
def room_list(request, slug: str, offset: Offset = 0, limit: Int64 = 25):
    """The rooms you are in, most recently active first, each with `unread`."""
    return common.room_page(actor_for(request, slug), offset=offset, limit=limit)


@router.get(ROOM, response=SellerRoomOut, **op("get", "Get a room"))
def room_get(request, slug: str, room_id: Int64):
    return common.room_read(actor_for(request, slug), room_id)


@router.post(ROOM + "/read", response={204: None}, **op("read", "Mark a room read"))
def room_read(request, slug: str, room_id: Int64):
    common.room_visit(actor_for(request, slug), room_id)
    return Status(204, None)


@router.put(ROOM + "/settings", response=SellerRoomOut, **op("settings", "Change room settings"))
def room_settings(request, slug: str, room_id: Int64, payload: RoomSettingsIn):
    """The deal fields the guests see and the welcome message (who runs the room)."""
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    services.room_settings_update(
        actor=actor, room_id=room.pk, shared_fields=payload.shared_fields, welcome=payload.welcome
    )
    return common.room_read(actor, room.pk)


@router.put(
    ROOM + "/notifications", response=NotifyLevelOut, **op("notify", "Set my notifications")
)
def notify_level(request, slug: str, room_id: Int64, payload: NotifyLevelIn):
    return common.notify_level_set(actor_for(request, slug), room_id, payload.notify_level)


@router.get(ROOM + "/activity", response=ActivityPage, **op("activity", "Room activity"))
def room_activity(
    request, slug: str, room_id: Int64, before: Int64 | None = None, limit: Int64 = 30
):
    """The room's events you may see, newest first, each described in your language
    (`text`, by activity.describe)."""
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    limit = common.clamp(limit, 30)
    events = selectors.room_activity(actor=actor, room=room, before=before, limit=limit + 1)
    more = len(events) > limit
    events = events[:limit]
    return {"items": events, "before": events[-1].pk if more else None}


# -- people ----------------------------------------------------------------------------------


@router.get(ROOM + "/members", response=list[RoomMemberOut], **op("members", "People in a room"))
def member_list(request, slug: str, room_id: Int64):
    return common.member_list(actor_for(request, slug), room_id)


@router.post(ROOM + "/members", response={201: RoomMemberOut}, **op("member_add", "Add a member"))
def member_add(request, slug: str, room_id: Int64, payload: MemberAddIn):
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    row = services.room_member_add(actor=actor, room_id=room.pk, membership_id=payload.member)
    return Status(201, row)


@router.delete(
    ROOM + "/members/{int:member_id}",
    response={204: None},
    **op("member_remove", "Take someone out of a room"),
)
def member_remove(request, slug: str, room_id: Int64, member_id: Int64):
    """A seller or a guest; a guest's links stop working and their browsers are signed out."""
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    services.room_member_remove(actor=actor, room_id=room.pk, member_id=member_id)
    return Status(204, None)


@router.get(
    ROOM + "/invitations", response=list[RoomInvitationOut], **op("invitations", "Guest links")
)
def invitation_list(request, slug: str, room_id: Int64):
    """Links that still open the room (neither revoked nor expired), newest first (who runs
    the room)."""
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    if not visibility.can_manage(actor, room):
        raise Forbidden()
    return selectors.people_get(actor=actor, room=room)["invitations"]


@router.post(
    ROOM + "/invitations", response={201: RoomInvitationOut}, **op("invite", "Invite a guest")
)
def guest_invite(request, slug: str, room_id: Int64, payload: GuestInviteIn):
    """A contact (by id) or an e-mail address; the link is e-mailed to the guest, never
    returned."""
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    invitation, _token = services.room_guest_invite(
        actor=actor,
        room_id=room.pk,
        contact_id=payload.contact,
        email=payload.email,
        name=payload.name,
        language=getattr(request, "LANGUAGE_CODE", ""),
    )
    return Status(201, invitation)


@router.post(
    ROOM + "/invitations/{int:invitation_id}/revoke",
    response=RoomInvitationOut,
    **op("invitation_revoke", "Revoke a guest link"),
)
def invitation_revoke(request, slug: str, room_id: Int64, invitation_id: Int64):
    actor = actor_for(request, slug)
    room = common.room_or_404(actor, room_id)
    return services.room_invitation_revoke(
        actor=actor, room_id=room.pk, invitation_id=invitation_id
    )


# -- plan ------------------------------------------------------------------------------------


@router.get(ROOM + "/plan", response=PlanOut, **op("plan", "The mutual action plan"))
def plan_get(request, slug: str, room_id: Int64):
    return common.plan_read(actor_for(request, slug), room_id)


@router.post(
    ROOM + "/milestones",
    response={201: RoomMilestoneOut},
    **op("milestone_create", "Add a milestone"),
)
def milestone_create(request, slug: str, room_id: Int64, payload: RoomMilestoneIn):
    made = common.milestone_create(
        actor_for(request, slug), room_id, payload.title, payload.internal
    )
    return Status(201, made)


@router.patch(
    ROOM + "/milestones/{int:milestone_id}",
    response=RoomMilestoneOut,
    **op("milestone_update", "Change a milestone"),
)
def milestone_update(
    request, slug: str, room_id: Int64, milestone_id: Int64, payload: MilestonePatch
):
    data = payload.dict(exclude_unset=True)
    return common.milestone_update(actor_for(request, slug), room_id, milestone_id, data)


@router.delete(
    ROOM + "/milestones/{int:milestone_id}",
    response={204: None},
    **op("milestone_delete", "Delete a milestone (its tasks stay)"),
)
def milestone_delete(request, slug: str, room_id: Int64, milestone_id: Int64):
    common.milestone_delete(actor_for(request, slug), room_id, milestone_id)
    return Status(204, None)


@router.post(
    ROOM + "/milestones/order",
    response={204: None},
    **op("milestone_reorder", "Reorder milestones"),
)
def milestone_reorder(request, slug: str, room_id: Int64, payload: MilestoneOrderIn):
    common.milestone_reorder(actor_for(request, slug), room_id, payload.ids)
    return Status(204, None)


@router.post(ROOM + "/tasks", response={201: TaskOut}, **op("task_create", "Add a task"))
def task_create(request, slug: str, room_id: Int64, payload: TaskIn):
    task = common.task_create(actor_for(request, slug), room_id, payload.dict(exclude_unset=True))
    return Status(201, task)


@router.get(ROOM + "/tasks/{int:task_id}", response=TaskOut, **op("task_get", "Get a task"))
def task_get(request, slug: str, room_id: Int64, task_id: Int64):
    return common.task_read(actor_for(request, slug), room_id, task_id)


@router.patch(ROOM + "/tasks/{int:task_id}", response=TaskOut, **op("task_update", "Change a task"))
def task_update(request, slug: str, room_id: Int64, task_id: Int64, payload: TaskIn):
    data = payload.dict(exclude_unset=True)
    return common.task_update(actor_for(request, slug), room_id, task_id, data)


@router.post(
    ROOM + "/tasks/{int:task_id}/status",
    response=TaskOut,
    **op("task_status", "Set a task's status"),
)
def task_status(request, slug: str, room_id: Int64, task_id: Int64, payload: TaskStatusIn):
    actor = actor_for(request, slug)
    return common.task_status_set(actor, room_id, task_id, payload.status, payload.reason)


@router.delete(
    ROOM + "/tasks/{int:task_id}", response={204: None}, **op("task_delete", "Delete a task")
)
def task_delete(request, slug: str, room_id: Int64, task_id: Int64):
    common.task_delete(actor_for(request, slug), room_id, task_id)
    return Status(204, None)


@router.post(ROOM + "/tasks/order", response={204: None}, **op("task_reorder", "Reorder tasks"))
def task_reorder(request, slug: str, room_id: Int64, payload: TaskOrderIn):
    common.task_reorder(actor_for(request, slug), room_id, payload.milestone, payload.ids)
    return Status(204, None)


# -- conversation ----------------------------------------------------------------------------


@router.get(ROOM + "/comments", response=CommentPage, **op("comments", "A thread's comments"))
def comment_list(
    request,
    slug: str,
    room_id: Int64,
    task: Int64 | None = None,
    before: Int64 | None = None,
    limit: Int64 = 50,
):
    """The room's thread, or a task's with `task`: the newest `limit` comments before the id
    `before`, oldest first."""
    actor = actor_for(request, slug)
    return common.comment_page(actor, room_id, task=task, before=before, limit=limit, slug=slug)


@router.post(ROOM + "/comments", response={201: CommentOut}, **op("comment_post", "Post"))
def comment_post(request, slug: str, room_id: Int64, payload: CommentIn):
    actor = actor_for(request, slug)
    out = common.comment_post(
        actor, room_id, payload.body, payload.task, payload.internal, slug=slug
    )
    return Status(201, out)


@router.patch(
    ROOM + "/comments/{int:comment_id}",
    response=CommentOut,
    **op("comment_edit", "Edit your comment"),
)
def comment_edit(request, slug: str, room_id: Int64, comment_id: Int64, payload: CommentPatch):
    actor = actor_for(request, slug)
    return common.comment_edit(actor, room_id, comment_id, payload.body, slug=slug)


@router.delete(
    ROOM + "/comments/{int:comment_id}",
    response={204: None},
    **op("comment_delete", "Delete your comment"),
)
def comment_delete(request, slug: str, room_id: Int64, comment_id: Int64):
    common.comment_delete(actor_for(request, slug), room_id, comment_id)
    return Status(204, None)


# -- files -----------------------------------------------------------------------------------


@router.get(ROOM + "/resources", response=list[ResourceOut], **op("resources", "Resources"))
def resource_list(request, slug: str, room_id: Int64):
    """The room's resources section in order: files and links, internal ones marked."""
    return common.resource_list(actor_for(request, slug), room_id, slug=slug)


@router.post(ROOM + "/resources", response={201: ResourceOut}, **op("resource_upload", "Upload"))
def resource_upload(
    request,
    slug: str,
    room_id: Int64,
    file: File[UploadedFile | None] = None,
    title: Form[str] = "",
    kind: Form[str] = "",
    internal: Form[bool] = False,
):
    """A file for the resources section (multipart/form-data). The file's type is checked by
    its content, images are re-encoded, the workspace's size limit applies."""
    actor = actor_for(request, slug)
    out = common.resource_upload(
        actor, room_id, file, title=title, kind=kind, internal=internal, slug=slug
    )
    return Status(201, out)


@router.post(
    ROOM + "/resources/links", response={201: ResourceOut}, **op("resource_link", "Add a link")
)
def resource_link(request, slug: str, room_id: Int64, payload: ResourceLinkIn):
    out = common.resource_link_add(actor_for(request, slug), room_id, payload.dict(), slug=slug)
    return Status(201, out)


@router.patch(
    ROOM + "/resources/{int:resource_id}",
    response=ResourceOut,
    **op("resource_update", "Change a resource"),
)
def resource_update(request, slug: str, room_id: Int64, resource_id: Int64, payload: ResourcePatch):
    data = payload.dict(exclude_unset=True)
    return common.resource_update(actor_for(request, slug), room_id, resource_id, data, slug=slug)


@router.delete(
    ROOM + "/resources/{int:resource_id}",
    response={204: None},
    **op("resource_delete", "Delete a resource"),
)
def resource_delete(request, slug: str, room_id: Int64, resource_id: Int64):
    common.resource_delete(actor_for(request, slug), room_id, resource_id)
    return Status(204, None)


@router.post(
    ROOM + "/resources/order", response={204: None}, **op("resource_reorder", "Reorder resources")
)
def resource_reorder(request, slug: str, room_id: Int64, payload: ResourceOrderIn):
    common.resource_reorder(actor_for(request, slug), room_id, payload.ids)
    return Status(204, None)


@router.get(ROOM + "/files/{int:file_id}", **op("file", "Download a file"))
def file_download(request, slug: str, room_id: Int64, file_id: Int64):
    """The file itself, as an attachment (`?inline=1`: images, PDFs and videos in place)."""
    actor = actor_for(request, slug)
    file = common.file_or_404(actor, common.room_or_404(actor, room_id), file_id)
    return file_response(request, actor, file)


@router.delete(
    ROOM + "/files/{int:file_id}", response={204: None}, **op("file_delete", "Delete a file")
)
def file_delete(request, slug: str, room_id: Int64, file_id: Int64):
    """An attachment of a task or a comment (a resource's file goes with its resource)."""
    common.attachment_delete(actor_for(request, slug), room_id, file_id)
    return Status(204, None)


@router.get(
    ROOM + "/tasks/{int:task_id}/files",
    response=list[FileOut],
    **op("task_files", "A task's files"),
)
def task_files(request, slug: str, room_id: Int64, task_id: Int64):
    return common.task_files(actor_for(request, slug), room_id, task_id, slug=slug)


@router.post(
    ROOM + "/tasks/{int:task_id}/files",
    response={201: FileOut},
    **op("task_file_upload", "Attach a file to a task"),
)
def task_file_upload(
    request, slug: str, room_id: Int64, task_id: Int64, file: File[UploadedFile | None] = None
):
    actor = actor_for(request, slug)
    return Status(201, common.attachment_upload(actor, room_id, file, task=task_id, slug=slug))


@router.post(
    ROOM + "/comments/{int:comment_id}/files",
    response={201: FileOut},
    **op("comment_file_upload", "Attach a file to your comment"),
)
def comment_file_upload(
    request, slug: str, room_id: Int64, comment_id: Int64, file: File[UploadedFile | None] = None
):
    actor = actor_for(request, slug)
    out = common.attachment_upload(actor, room_id, file, comment=comment_id, slug=slug)
    return Status(201, out)


@router.get(
    ROOM + "/engagement",
    response=list[GuestEngagementOut],
    **op("engagement", "The guests' engagement"),
)
def engagement(request, slug: str, room_id: Int64):
    """Every guest of the room, most recently active first (those who never came last), with
    their use of each resource: views, downloads, seconds viewed."""
    actor = actor_for(request, slug)
    panel = selectors.engagement_panel(actor=actor, room=common.room_or_404(actor, room_id))
    return [
        {
            "member": guest.member,
            "first_opened_at": guest.member.first_opened_at,
            "last_activity_at": guest.last_activity,
            "views": guest.views,
            "downloads": guest.downloads,
            "seconds": sum(use.seconds for use in guest.uses),
            "resources": [
                {
                    "resource_id": use.resource_id,
                    "title": use.resource.title,
                    "views": use.views,
                    "downloads": use.downloads,
                    "seconds": use.seconds,
                    "first_seen_at": use.first_seen_at,
                    "last_seen_at": use.last_seen_at,
                }
                for use in guest.uses
            ],
        }
        for guest in panel or []
    ]
