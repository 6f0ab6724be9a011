"""Resources, attachments and engagement."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db.models import Count, Q

from dealroom.core.actors import Actor, Member

from ..models import (
    Engagement,
    MemberKind,
    Resource,
    Room,
    RoomFile,
    RoomMember,
)

# -- files and engagement --------------------------------------------------------------------
from .rooms import room_settings


def resource_list(*, actor: Actor, room: Room) -> list[Resource]:
    """The resources section as the reader may see it, in order (one query)."""
    return list(
        Resource.objects.in_room(actor, room)
        .alive()
        .select_related("file", "file__uploaded_by", "created_by")
        .order_by("position", "pk")
    )


def resource_get(*, actor: Actor, resource_id) -> Resource | None:
    try:
        pk = int(resource_id)
    except (TypeError, ValueError):
        return None
    return Resource.objects.visible_to(actor).alive().select_related("file").filter(pk=pk).first()


def file_get(*, actor: Actor, file_id) -> RoomFile | None:
    """A stored file the reader may have right now (asked again on every download)."""
    try:
        pk = int(file_id)
    except (TypeError, ValueError):
        return None
    return RoomFile.objects.visible_to(actor).alive().filter(pk=pk).first()


def attachments_of(*, actor: Actor, room: Room, comment_ids=(), task_ids=()) -> list[RoomFile]:
    """Files on these comments and tasks the reader may see, oldest first (one query)."""
    if not comment_ids and not task_ids:
        return []
    return list(
        RoomFile.objects.in_room(actor, room)
        .alive()
        .filter(is_resource=False)
        .filter(Q(comment_id__in=list(comment_ids)) | Q(task_id__in=list(task_ids)))
        .select_related("uploaded_by")
        .order_by("pk")
    )


def duration(seconds: int) -> str:
    """12:05 or 1:02:05 — the same in every language."""
    hours, rest = divmod(max(0, int(seconds or 0)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class GuestEngagement:
    member: RoomMember
    uses: list[Engagement]

    @property
    def last_activity(self) -> datetime | None:
        seen = [self.member.last_seen_at, *(u.last_seen_at for u in self.uses)]
        return max((s for s in seen if s), default=None)

    @property
    def views(self) -> int:
        return sum(u.views for u in self.uses)

    @property
    def downloads(self) -> int:
        return sum(u.downloads for u in self.uses)

    @property
    def time(self) -> str:
        return duration(sum(u.seconds for u in self.uses))


def engagement_panel(*, actor: Actor, room: Room) -> list[GuestEngagement] | None:
    """The sellers' engagement panel: every guest of the room — opened it or never, last
    activity — with their use of each resource. None for guests (two queries)."""
    if not isinstance(actor, Member):
        return None
    guests = RoomMember.objects.filter(room=room, kind=MemberKind.GUEST, removed_at__isnull=True)
    uses: dict[int, list[Engagement]] = {}
    rows = (
        Engagement.objects.visible_to(actor)
        .filter(room=room, resource__deleted_at__isnull=True, member__in=guests)
        .select_related("resource")
        .order_by("resource__position", "resource_id")
    )
    for row in rows:
        row.time = duration(row.seconds)  # type: ignore[attr-defined]
        uses.setdefault(row.member_id, []).append(row)
    panel = [GuestEngagement(g, uses.get(g.pk, [])) for g in guests.order_by("name", "pk")]
    # Most recently active first; those who never came last.
    panel.sort(key=lambda g: (g.last_activity is not None, g.last_activity or 0), reverse=True)
    return panel


@dataclass
class EngagementSummary:
    room: Room
    invited: int
    opened: int
    last_activity: datetime | None
    views: int
    downloads: int
    seconds: int
    resources_opened: int

    @property
    def time(self) -> str:
        return duration(self.seconds)


def engagement_summary(actor: Actor, opportunity) -> EngagementSummary | None:
    """The deal page's engagement line: guests invited and who opened the room, the last
    guest activity, resource views, downloads and time. None unless a seller sees the room
    (three queries)."""
    from django.db.models import Max, Sum

    if not isinstance(actor, Member):
        return None
    room = Room.objects.visible_to(actor).filter(opportunity_id=opportunity.pk).first()
    if room is None:
        return None
    guests = RoomMember.objects.filter(
        room=room, kind=MemberKind.GUEST, removed_at__isnull=True
    ).aggregate(
        invited=Count("pk"),
        opened=Count("pk", filter=Q(first_opened_at__isnull=False)),
        last=Max("last_seen_at"),
    )
    use = (
        Engagement.objects.visible_to(actor)
        .filter(room=room, resource__deleted_at__isnull=True)
        .aggregate(
            views=Sum("views"),
            downloads=Sum("downloads"),
            seconds=Sum("seconds"),
            resources=Count("resource", distinct=True),
            last=Max("last_seen_at"),
        )
    )
    last = max((t for t in (guests["last"], use["last"]) if t), default=None)
    return EngagementSummary(
        room=room,
        invited=guests["invited"],
        opened=guests["opened"],
        last_activity=last,
        views=use["views"] or 0,
        downloads=use["downloads"] or 0,
        seconds=use["seconds"] or 0,
        resources_opened=use["resources"],
    )


class RoomFiles:
    """What room partials show of files, read for one reader the first time a template asks
    (live.context puts one in every partial's context; nothing is queried unless used):
    `resources`, `engagement` (sellers only), `thread` (the context's comments with their
    attachments), `task_files` (the context's task's). What is rendered depends only on the
    kind of reader, never on who they are (sockets of one kind share a render): controls
    only a file's uploader may use are marked with `data-owner` and shown by room.js to that
    member alone; the services check again."""

    def __init__(self, actor: Actor, room: Room, context: dict):
        self.actor = actor
        self.room = room
        # The context holds this object: a weak reference back, or every partial's context
        # (its plan, comments, members) would be a cycle left to the garbage collector.
        self._context = weakref.ref(context)

    @property
    def context(self) -> dict:
        return self._context() or {}

    @cached_property
    def resources(self) -> list[Resource]:
        return resource_list(actor=self.actor, room=self.room)

    @cached_property
    def engagement(self) -> list[GuestEngagement] | None:
        return engagement_panel(actor=self.actor, room=self.room)

    @cached_property
    def max_mb(self) -> int:
        return room_settings(self.room.workspace_id).max_file_mb

    @property
    def kinds(self) -> list[tuple[str, str]]:
        from ..models import ResourceKind

        return [(value, str(label)) for value, label in ResourceKind.choices]

    @property
    def accept(self) -> str:
        """The file chooser's filter: the extensions uploads.py accepts."""
        from ..uploads import _ALLOWED

        return ",".join(f".{ext}" for ext in _ALLOWED)

    def attach(self, comments) -> None:
        """Give each comment its `attachments` (one query for all of them; none for comments
        that never had a file)."""
        todo = []
        for c in comments or []:
            if hasattr(c, "attachments"):
                continue
            if c.has_files:
                todo.append(c)
            else:
                c.attachments = []
        if not todo:
            return
        by_comment: dict[int, list[RoomFile]] = {}
        for f in attachments_of(actor=self.actor, room=self.room, comment_ids=[c.pk for c in todo]):
            by_comment.setdefault(f.comment_id or 0, []).append(f)
        for c in todo:
            c.attachments = by_comment.get(c.pk, [])

    @cached_property
    def thread(self) -> list:
        comments = self.context.get("comments") or []
        self.attach(comments)
        return comments

    @cached_property
    def task_files(self) -> list[RoomFile]:
        task = self.context.get("task")
        if task is None:
            return []
        return attachments_of(actor=self.actor, room=self.room, task_ids=[task.pk])


# Deal fields an owner may show the room's guests.
