"""Digital sales rooms: one shared space per deal where the seller's people and the customer's
people (guests) plan and discuss the deal. Who may see what is decided in visibility.py."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealroom.workspaces.models import Membership, User, Workspace

from .querysets import (
    EngagementQuerySet,
    ResourceQuerySet,
    RoomFileQuerySet,
    RoomItemQuerySet,
    RoomQuerySet,
)


class RoomSettings(models.Model):
    """Per-workspace rules for rooms; a workspace without a row uses the defaults."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="room_settings"
    )
    invite_days = models.PositiveIntegerField(_("guest links expire after (days)"), default=14)
    require_email_code = models.BooleanField(
        _("guests confirm their e-mail with a code on a new browser"), default=True
    )
    max_file_mb = models.PositiveIntegerField(_("largest file (MB)"), default=25)

    def __str__(self) -> str:
        return f"room settings of {self.workspace_id}"


class Room(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    opportunity = models.OneToOneField(
        "pipeline.Opportunity", on_delete=models.CASCADE, related_name="room"
    )
    # Deal fields the owner chose to show guests (e.g. ["amount", "close_date"]).
    shared_fields = models.JSONField(default=list, blank=True)
    welcome = models.TextField(_("welcome message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoomQuerySet.as_manager()

    def __str__(self) -> str:
        return f"room of deal {self.opportunity_id}"


class MemberKind(models.TextChoices):
    MEMBER = "member", _("Seller side")
    GUEST = "guest", _("Guest")


class NotifyLevel(models.TextChoices):
    ALL = "all", _("Everything")
    MENTIONS = "mentions", _("Mentions and my tasks only")
    NONE = "none", _("Nothing")


class RoomMember(models.Model):
    """Someone in a room: a workspace member (membership) or a guest (a customer contact).
    Also their per-room state: notification level, what they have read, when they came."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=10, choices=MemberKind.choices)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    notify_level = models.CharField(
        _("notifications"), max_length=10, choices=NotifyLevel.choices, default=NotifyLevel.ALL
    )
    read_up_to = models.BigIntegerField(default=0)  # last ActivityEvent id seen in the room
    mailed_up_to = models.BigIntegerField(default=0)  # last ActivityEvent id e-mailed about
    language = models.CharField(max_length=10, blank=True)  # for e-mails (guests have no user)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "membership"], name="room_member_once"),
            models.UniqueConstraint(fields=["room", "contact"], name="room_guest_once"),
        ]
        indexes = [models.Index(fields=["membership", "room"], name="room_member_of")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_guest(self) -> bool:
        return self.kind == MemberKind.GUEST

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class RoomInvitation(models.Model):
    """A guest's link to one room: the token is stored only as its SHA-256 hash."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(RoomMember, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)


class GuestSession(models.Model):
    """One browser of a guest: made when a link is redeemed; verified once the e-mail code is
    right (or at once where the workspace does not ask for codes). Revoking it ends it. It
    opens only the rooms it was granted (GuestGrant): a guest of several rooms enters each by
    its own link, and revoking one room's links leaves the others open."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(
        RoomInvitation, on_delete=models.CASCADE, related_name="sessions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)


class GuestGrant(models.Model):
    """A room a guest's browser may open: given when a link to that room is redeemed by a
    verified browser (or its e-mail code is right). It lasts while the link that gave it is
    neither revoked nor its guest removed (selectors.guest_actor), so revoking a room's links
    ends that room's access for every browser at once."""

    session = models.ForeignKey(GuestSession, on_delete=models.CASCADE, related_name="grants")
    invitation = models.ForeignKey(RoomInvitation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "invitation"], name="guest_grant_once")
        ]


class Attempt(models.Model):
    """Redeeming links and sending invitations, counted per key for rate limits."""

    key = models.CharField(max_length=120, db_index=True)
    at = models.DateTimeField(db_index=True)


class RoomPresence(models.Model):
    """An open room page (one socket): who is in the room now. The socket's heartbeat keeps
    `seen_at` fresh; rows of vanished processes age out of the presence query."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    person = models.CharField(max_length=40)  # "m<membership id>" or "g<contact id>"
    name = models.CharField(max_length=200)
    is_guest = models.BooleanField(default=False)
    seen_at = models.DateTimeField(db_index=True)


class Milestone(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    internal = models.BooleanField(_("internal"), default=False)
    # Guests change only what they added (access.py).
    created_by = models.ForeignKey(
        RoomMember, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RoomItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    MEETING = "meeting", _("Meeting")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")


class Task(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="tasks")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices, default="task")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place or link"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    blocked_reason = models.CharField(_("why blocked"), max_length=300, blank=True)
    internal = models.BooleanField(_("internal"), default=False)
    position = models.PositiveIntegerField(default=0)
    assignees = models.ManyToManyField(RoomMember, blank=True, related_name="tasks")
    created_by = models.ForeignKey(
        RoomMember, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)
    ics_sequence = models.PositiveIntegerField(default=0)
    # Reminder e-mails go once: the day before it is due, and once it is overdue.
    due_reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = RoomItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["room", "position"], name="task_room_order")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        """Guests see it: not internal, and under no internal milestone."""
        return not self.internal and not (self.milestone and self.milestone.internal)

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE


class Comment(models.Model):
    """A post in the room's thread or under a task. Edits keep the earlier text (revisions);
    deleting blanks the text and keeps the row so replies and history stay readable."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="comments")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(RoomMember, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set when a file is attached (services.files._attach, the one writer), never cleared: a
    # comment that never had a file is rendered without asking for its attachments (most
    # comments, and every live render of one).
    has_files = models.BooleanField(default=False)

    objects = RoomItemQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["room", "task", "-id"], name="comment_thread")]


class CommentRevision(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)


class RoomFile(models.Model):
    """Bytes someone put in the room, checked by uploads.py and kept through Django's storage
    API under a generated name (`storage_name`); the user's name is only a label. A file is a
    resource of the room (`is_resource`, with its Resource row), or an attachment of one task
    or one comment. Deleting is soft: the row stays for the record, lists and downloads drop
    it. An attachment whose task was deleted loses its anchor and is shown to nobody."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="files")
    uploaded_by = models.ForeignKey(
        RoomMember, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    storage_name = models.CharField(max_length=255, unique=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=120)
    kind = models.CharField(max_length=20)  # uploads.CheckedFile.kind: image, pdf, video, …
    size = models.PositiveBigIntegerField()
    internal = models.BooleanField(_("internal"), default=False)
    is_resource = models.BooleanField(default=False)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = RoomFileQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["room", "comment"], name="room_file_comment"),
            models.Index(fields=["room", "task"], name="room_file_task"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def inline(self) -> bool:
        """Shown in the page (img, pdf viewer, video player) when asked; everything else is
        only ever sent as an attachment."""
        return self.kind in {"image", "pdf", "video"}

    @property
    def icon(self) -> str:
        return FILE_ICONS.get(self.kind, "ti-file")


FILE_ICONS = {
    "image": "ti-photo",
    "pdf": "ti-file-type-pdf",
    "video": "ti-movie",
    "audio": "ti-music",
    "document": "ti-file-text",
    "archive": "ti-file-zip",
    "text": "ti-file-text",
}


class ResourceKind(models.TextChoices):
    PROPOSAL = "proposal", _("Proposal")
    CONTRACT = "contract", _("Contract")
    VIDEO = "video", _("Video")
    LINK = "link", _("Link")
    OTHER = "other", _("Other")


class Resource(models.Model):
    """An entry of the room's resources section: a stored file (`file`) or a link (`url`).

    One model for both, not two: the section is one ordered list with one set of actions
    (rename, reorder, internal or shared, delete) and engagement is counted per entry, whatever
    it points at. The bytes, and everything about checking and serving them, stay in RoomFile,
    which task and comment attachments share; a resource's file mirrors its `internal`."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ResourceKind.choices, default=ResourceKind.OTHER
    )
    url = models.URLField(_("link"), max_length=2000, blank=True)
    file = models.OneToOneField(
        RoomFile, null=True, blank=True, on_delete=models.CASCADE, related_name="resource"
    )
    internal = models.BooleanField(_("internal"), default=False)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        RoomMember, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["room", "position"], name="resource_room_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(file__isnull=False, url="") | Q(file__isnull=True) & ~Q(url=""),
                name="resource_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_link(self) -> bool:
        return self.file_id is None

    @property
    def icon(self) -> str:
        if self.kind in RESOURCE_ICONS:
            return RESOURCE_ICONS[self.kind]
        return self.file.icon if self.file else "ti-link"


RESOURCE_ICONS = {
    "proposal": "ti-file-invoice",
    "contract": "ti-file-certificate",
    "video": "ti-movie",
    "link": "ti-link",
}


class Engagement(models.Model):
    """How one guest used one resource: opened in the page or a new tab (views), downloaded,
    seconds watched or read (heartbeats while a preview is open), first and last time. Sellers'
    own use is not counted. Counters are bumped with F() so parallel tabs add up."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(RoomMember, on_delete=models.CASCADE, related_name="engagements")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="engagements")
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    seconds = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # When the sellers' open pages were last told the reading time (services/engagement.py).
    told_at = models.DateTimeField(null=True, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "resource"], name="engagement_once"),
        ]
        indexes = [models.Index(fields=["room", "member"], name="engagement_room")]


class RoomTemplate(models.Model):
    """Milestones, tasks and resources a room starts with: for an opportunity type, applied
    when the room is created (no stage) or when its deal enters the stage. Each applies once
    per room (RoomTemplateUse), however often the deal comes back to the stage.

    `plan` is {"milestones": [{"title", "internal", "tasks": [{"title", "description",
    "kind", "due_in_days", "internal"}]}], "resources": [{"title", "url", "kind"}]}: a
    template is edited and applied as a whole, never queried by its parts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    opportunity_type = models.ForeignKey(
        "pipeline.OpportunityType",
        verbose_name=_("opportunity type"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    stage = models.ForeignKey(
        "pipeline.Stage",
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    plan = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["opportunity_type_id", "stage_id", "pk"]

    def __str__(self) -> str:
        return self.name


class RoomTemplateUse(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(RoomTemplate, on_delete=models.CASCADE, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "template"], name="room_template_once")
        ]
