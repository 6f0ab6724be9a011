"""Shapes of the rooms API (api/). What a guest receives is typed by the guest shapes, which
hold no internal flags of other people, no e-mail addresses and no deal ids: a field that is
not in the schema never leaves the server, whatever the object carries."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from ninja import Field, Schema

from dealroom.activity.schemas import EventOut
from dealroom.core.bounds import Int64

# -- people ----------------------------------------------------------------------------------


class PersonOut(Schema):
    """Someone in the room as everyone in it sees them: guests see no more than this."""

    id: int
    name: str
    kind: str = Field(description="`member` (seller side) or `guest`")


class RoomMemberOut(PersonOut):
    """Someone in the room as the seller side sees them."""

    email: str
    membership_id: int | None
    contact_id: int | None
    added_at: datetime
    first_opened_at: datetime | None
    last_seen_at: datetime | None


class RoomInvitationOut(Schema):
    """A guest's link to the room. The link itself is only ever e-mailed to the guest."""

    id: int
    member: PersonOut
    email: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class MemberAddIn(Schema):
    member: Int64 = Field(description="The id of a membership of this workspace")


class GuestInviteIn(Schema):
    contact: Int64 | None = Field(None, description="A contact you can see")
    email: str = Field("", description="Where the link goes; a new contact when unknown")
    name: str = Field("", description="The name of a new contact")


class NotifyLevelIn(Schema):
    notify_level: str = Field(description="`all`, `mentions` or `none`")


class NotifyLevelOut(Schema):
    notify_level: str


# -- rooms -----------------------------------------------------------------------------------


class RoomItemOut(Schema):
    id: int
    deal_name: str
    account_name: str
    unread: bool
    last_activity_at: datetime | None


class SellerRoomItemOut(RoomItemOut):
    deal_id: int


class RoomPage(Schema):
    items: list[RoomItemOut]
    offset: int
    limit: int
    more: bool


class SellerRoomPage(RoomPage):
    items: list[SellerRoomItemOut]  # type: ignore[assignment]


class DealFieldOut(Schema):
    name: str
    label: str
    value: str | None
    currency: str | None = None
    shared: bool = Field(description="Whether the room's guests see this field")


class RoomOut(Schema):
    """A room as its reader may see it: the deal's name, its account's, and the deal fields
    the reader may read (guests: only those the owner shared)."""

    id: int
    deal_name: str
    account_name: str
    welcome: str
    fields: list[DealFieldOut]
    me: int | None = Field(description="The reader's member id in the room, once they joined")
    notify_level: str | None
    can_take_part: bool


class SellerRoomOut(RoomOut):
    deal_id: int
    shared_fields: list[str]
    can_manage: bool


class RoomSettingsIn(Schema):
    shared_fields: list[str] = Field(description="Among amount, close_date, stage, next_step")
    welcome: str = ""


# -- plan ------------------------------------------------------------------------------------


def _overdue(task) -> bool:
    return bool(task.due_at and task.status != "done" and task.due_at < timezone.now())


class TaskMayOut(Schema):
    """What the reader may do to the task; the services decide by the same rule
    (rooms/access.py: a guest changes what they added, and the status of tasks assigned to
    them)."""

    edit: bool = Field(description="Change its title, details, dates, assignees or place")
    delete: bool
    set_status: bool


class PlanTaskOut(Schema):
    """A task as a row of the plan: what a row shows (the selector reads only that); the
    task's own endpoint has the rest."""

    id: int
    milestone_id: int | None
    kind: str
    title: str
    due_at: datetime | None
    starts_at: datetime | None
    status: str
    blocked_reason: str
    internal: bool
    overdue: bool
    position: int
    assignees: list[PersonOut]
    comment_count: int
    may: TaskMayOut

    @staticmethod
    def resolve_assignees(obj) -> list:
        # plan_get hands each row its assignees as `people` (no query per row).
        people = getattr(obj, "people", None)
        return list(people if people is not None else obj.assignees.all())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return _overdue(obj)


class TaskOut(Schema):
    id: int
    milestone_id: int | None
    kind: str
    title: str
    description: str
    due_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    status: str
    blocked_reason: str
    internal: bool
    overdue: bool
    position: int
    assignees: list[PersonOut]
    created_by_id: int | None
    may: TaskMayOut
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None

    @staticmethod
    def resolve_assignees(obj) -> list:
        return list(obj.assignees.all())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return _overdue(obj)


class RoomMilestoneOut(Schema):
    id: int
    title: str
    internal: bool
    position: int


class PlanMilestoneOut(Schema):
    """A milestone with its tasks in order; `id` is null for the tasks under no milestone."""

    id: int | None
    title: str
    internal: bool
    position: int | None
    total: int
    done: int
    percent: int
    tasks: list[PlanTaskOut]


class PlanOut(Schema):
    total: int
    done: int
    percent: int
    milestones: list[PlanMilestoneOut]


class RoomMilestoneIn(Schema):
    title: str = ""
    internal: bool = False


class MilestonePatch(Schema):
    title: str | None = None
    internal: bool | None = None


class MilestoneOrderIn(Schema):
    ids: list[Int64] = Field(description="Every milestone you see, in the new order")


class TaskIn(Schema):
    """Only the fields sent are changed; on creation a title is needed."""

    title: str | None = None
    description: str | None = None
    kind: str | None = Field(None, description="`task` or `meeting`")
    due_at: str | None = Field(None, description="ISO date-time, or a date (17:00)")
    starts_at: str | None = None
    ends_at: str | None = None
    place: str | None = None
    milestone: Int64 | None = None
    internal: bool | None = None
    assignees: list[Int64] | None = Field(None, description="Member ids of people in the room")


class TaskStatusIn(Schema):
    status: str = Field(description="`open`, `done` or `blocked`")
    reason: str = Field("", description="What blocks the task (needed for `blocked`)")


class TaskOrderIn(Schema):
    milestone: Int64 | None = Field(None, description="The milestone the tasks go under")
    ids: list[Int64] = Field(description="The tasks you see under it, in the new order")


# -- files -----------------------------------------------------------------------------------


class FileOut(Schema):
    """A stored file. `download` is where to GET it: asked again who may have it on every
    request, sent as an attachment; `?inline=1` shows images, PDFs and videos in place."""

    id: int
    name: str
    content_type: str
    size: int = Field(description="Bytes")
    kind: str = Field(description="image, pdf, video, document, …")
    internal: bool
    uploaded_by: PersonOut | None
    created_at: datetime
    download: str


class ResourceOut(Schema):
    """An entry of the room's resources section: a stored file or a link."""

    id: int
    title: str
    kind: str = Field(description="proposal, contract, video, link or other")
    url: str = Field(description="A link's address; empty for a file")
    file: FileOut | None
    internal: bool
    position: int
    created_by: PersonOut | None
    created_at: datetime


class ResourceLinkIn(Schema):
    url: str = ""
    title: str = ""
    kind: str = "link"
    internal: bool = False


class ResourcePatch(Schema):
    """Only what is sent changes."""

    title: str | None = None
    kind: str | None = None
    internal: bool | None = None


class ResourceOrderIn(Schema):
    ids: list[Int64] = Field(description="The room's resources, in the new order")


class ResourceBeatIn(Schema):
    start: bool = Field(False, description="The view just opened (counts a view)")
    seconds: Int64 = Field(0, description="Seconds since the previous beat (at most 60 count)")
    end: bool = Field(False, description="The view is closing or out of sight: the last beat")


class LinkOut(Schema):
    url: str


class ResourceUseOut(Schema):
    resource_id: int
    title: str
    views: int
    downloads: int
    seconds: int
    first_seen_at: datetime
    last_seen_at: datetime


class GuestEngagementOut(Schema):
    """One guest of the room: opened it or never, last activity, use of each resource."""

    member: PersonOut
    first_opened_at: datetime | None
    last_activity_at: datetime | None
    views: int
    downloads: int
    seconds: int
    resources: list[ResourceUseOut]


# -- conversation ----------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    task_id: int | None
    author: PersonOut
    body: str = Field(description="As typed: Markdown subset, mentions as @[Name](member id)")
    html: str = Field(description="The body rendered safely (escaped, small formatting)")
    internal: bool
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    files: list[FileOut] = Field(description="Its attachments the reader may see")


class CommentPage(Schema):
    """Oldest first. `before` is what to send for the older comments (null: none left)."""

    items: list[CommentOut]
    before: int | None


class CommentIn(Schema):
    body: str = ""
    task: Int64 | None = Field(None, description="Post under this task instead of the room")
    internal: bool = False


class CommentPatch(Schema):
    body: str = ""


# -- activity --------------------------------------------------------------------------------


class ActivityPage(Schema):
    """Newest first. `before` is what to send for older events (null: none left)."""

    items: list[EventOut]
    before: int | None
