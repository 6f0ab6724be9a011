"""Scoped reads for rooms: every query starts from `visible_to(actor)` (querysets.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Actor, Guest, Member

from .models import (
    Comment,
    Engagement,
    GuestSession,
    MemberKind,
    Milestone,
    Resource,
    Room,
    RoomFile,
    RoomInvitation,
    RoomMember,
    RoomPresence,
    RoomSettings,
    Task,
    TaskStatus,
)

THREAD_PAGE = 50


def room_settings(workspace_id: int) -> RoomSettings:
    return RoomSettings.objects.filter(workspace_id=workspace_id).first() or RoomSettings(
        workspace_id=workspace_id
    )


def guest_actor(*, workspace, session_id) -> Guest | None:
    """The guest behind a browser's guest session in this workspace, with the rooms they are
    an active guest of; None when the session is unknown, unverified or revoked."""
    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        return None
    session = GuestSession.objects.filter(
        pk=pk,
        workspace=workspace,
        verified_at__isnull=False,
        revoked_at__isnull=True,
    ).first()
    if session is None:
        return None
    room_ids = frozenset(
        RoomMember.objects.filter(
            workspace=workspace,
            contact_id=session.contact_id,
            kind=MemberKind.GUEST,
            removed_at__isnull=True,
        ).values_list("room_id", flat=True)
    )
    if not room_ids:
        return None
    return Guest(workspace=workspace, contact_id=session.contact_id, room_ids=room_ids)


def room_get(*, actor: Actor, room_id) -> Room | None:
    """One room, if the actor sees it. For a member the rule (visibility.room_q) is asked of
    this room's deal alone: asking which of all rooms they see, to pick one, cost a scan of
    every deal they may see on every request and socket message."""
    try:
        pk = int(room_id)
    except (TypeError, ValueError):
        return None
    room = (
        Room.objects.filter(workspace_id=actor.workspace_id, pk=pk)
        .select_related(
            "opportunity",
            "opportunity__account",
            "opportunity__stage",
            "opportunity__type",
            "opportunity__owner__user",
        )
        .first()
    )
    if room is None:
        return None
    if isinstance(actor, Member) and not actor.is_admin:
        from dealroom.pipeline.models import Opportunity

        sees_deal = Opportunity.objects.visible_to(actor).filter(pk=room.opportunity_id).exists()
        added = RoomMember.objects.filter(
            room=room, membership_id=actor.membership.pk, removed_at__isnull=True
        ).exists()
        return room if sees_deal or added else None
    return room if Room.objects.visible_to(actor).filter(pk=pk).exists() else None


def own_member_id(*, actor: Actor, room: Room) -> int | None:
    """The reader's row in the room, if they have one."""
    if isinstance(actor, Guest):
        rows = RoomMember.objects.filter(room=room, contact_id=actor.contact_id, kind="guest")
    elif isinstance(actor, Member):
        rows = RoomMember.objects.filter(room=room, membership_id=actor.membership.pk)
    else:
        return None
    return rows.filter(removed_at__isnull=True).values_list("pk", flat=True).first()


def member_list(*, actor: Actor, room: Room) -> list[RoomMember]:
    """Active members of a room the caller has already found visible (sellers first)."""
    return list(
        RoomMember.objects.filter(room=room, removed_at__isnull=True).order_by("kind", "name", "pk")
    )


def member_names(*, room: Room) -> dict[int, str]:
    """Current names of the room's active members, for rendering mentions."""
    return dict(
        RoomMember.objects.filter(room=room, removed_at__isnull=True).values_list("pk", "name")
    )


@dataclass
class MilestoneView:
    milestone: Milestone | None  # None: tasks without a milestone
    tasks: list[Task] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks if t.status == TaskStatus.DONE)

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.tasks)) if self.tasks else 0


@dataclass
class Plan:
    milestones: list[MilestoneView]
    now: datetime

    @property
    def total(self) -> int:
        return sum(len(m.tasks) for m in self.milestones)

    @property
    def done(self) -> int:
        return sum(m.done for m in self.milestones)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


PLAN_ROW_FIELDS = (
    "room_id",
    "milestone_id",
    "kind",
    "title",
    "due_at",
    "starts_at",
    "status",
    "blocked_reason",
    "internal",
    "position",
)


def plan_get(*, actor: Actor, room: Room) -> Plan:
    """The mutual action plan as the actor may see it: milestones in order, each with its tasks
    in order, each task with `people` (its assignees by name) and `comment_count`. Three
    queries whatever the size: a busy plan has hundreds of tasks (benchmarks/rooms.py), so rows
    carry only what a row shows, and assignees come as id pairs matched to the room's few
    members instead of one model instance per assignment."""
    milestones = list(Milestone.objects.in_room(actor, room).order_by("position", "pk"))
    tasks = list(
        Task.objects.in_room(actor, room)
        .only(*PLAN_ROW_FIELDS)
        .annotate(
            comment_count=Count(
                "comments",
                filter=Q(comments__deleted_at__isnull=True)
                & (Q(comments__internal=False) if isinstance(actor, Guest) else Q()),
            )
        )
        .order_by("position", "pk")
    )
    members = {m.pk: m for m in RoomMember.objects.filter(room=room).only("name", "kind")}
    pairs = Task.assignees.through.objects.filter(task__room=room).values_list(
        "task_id", "roommember_id"
    )
    people: dict[int, list[RoomMember]] = {}
    for task_id, member_id in pairs:
        people.setdefault(task_id, []).append(members[member_id])
    views = {m.pk: MilestoneView(m) for m in milestones}
    loose = MilestoneView(None)
    for task in tasks:
        task.people = sorted(people.get(task.pk, []), key=lambda m: m.name)
        views.get(task.milestone_id, loose).tasks.append(task)
    ordered = list(views.values())
    if loose.tasks or not ordered:
        ordered.append(loose)
    return Plan(ordered, timezone.now())


def _items(model, actor: Actor, room: Room | None):
    """A room's items the reader sees: through a room already found visible when there is
    one (querysets.RoomItemQuerySet.in_room), else by the full rule."""
    return (
        model.objects.in_room(actor, room) if room is not None else model.objects.visible_to(actor)
    )


def task_get(*, actor: Actor, task_id, room: Room | None = None) -> Task | None:
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        return None
    return (
        _items(Task, actor, room)
        .select_related("milestone", "room", "created_by")
        .prefetch_related("assignees")
        .filter(pk=pk)
        .first()
    )


def comment_list(
    *,
    actor: Actor,
    room: Room,
    task: Task | None = None,
    before: int | None = None,
    limit: int = THREAD_PAGE,
) -> list[Comment]:
    """A thread, oldest first on the page: the newest `limit` comments (before an id to page
    back)."""
    qs = Comment.objects.in_room(actor, room).filter(task=task).select_related("author")
    if before:
        qs = qs.filter(pk__lt=before)
    return list(reversed(qs.order_by("-pk")[:limit]))


def comment_get(*, actor: Actor, comment_id, room: Room | None = None) -> Comment | None:
    try:
        pk = int(comment_id)
    except (TypeError, ValueError):
        return None
    return _items(Comment, actor, room).select_related("author", "task").filter(pk=pk).first()


def my_rooms(*, actor: Actor, limit: int = 100) -> list[Room]:
    """Rooms the actor is in (member: rows of theirs; guest: their rooms), most recently active
    first, each with `unread` (an event in it after what they read, by someone else)."""
    if isinstance(actor, Guest):
        rooms = Room.objects.visible_to(actor)
        mine = RoomMember.objects.filter(
            room=OuterRef("pk"), contact_id=actor.contact_id, kind=MemberKind.GUEST
        )
    elif isinstance(actor, Member):
        rooms = Room.objects.visible_to(actor).filter(
            members__membership=actor.membership, members__removed_at__isnull=True
        )
        mine = RoomMember.objects.filter(room=OuterRef("pk"), membership=actor.membership)
    else:
        return []
    newer = ActivityEvent.objects.filter(
        target_type="rooms.room", target_id=OuterRef("pk"), id__gt=OuterRef("read_up_to")
    )
    if isinstance(actor, Guest):
        newer = newer.filter(audience="shared")
    last = ActivityEvent.objects.filter(target_type="rooms.room", target_id=OuterRef("pk"))
    qs = (
        rooms.select_related("opportunity", "opportunity__account", "opportunity__stage")
        .annotate(read_up_to=Subquery(mine.values("read_up_to")[:1]))
        .annotate(
            unread=Exists(newer),
            last_event=Subquery(last.order_by("-id").values("created_at")[:1]),
        )
        .order_by("-last_event", "-pk")
    )
    return list(qs[:limit])


def room_activity(*, actor: Actor, room: Room, before: int | None = None, limit: int = 30):
    """The room's activity tab, newest first (keyset-paged by id): its events as the actor
    may see them (see `_room_events`)."""
    from dealroom.activity import targets

    qs = _room_events(actor, room)
    if before:
        qs = qs.filter(pk__lt=before)
    return targets.redact(actor, list(qs.select_related("actor_user").order_by("-id")[:limit]))


PRESENCE_SECONDS = 90


def presence(*, room: Room) -> list[RoomPresence]:
    """Who has the room open now (a socket that beat within the last 90 seconds), one row per
    person."""
    since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
    rows = RoomPresence.objects.filter(room=room, seen_at__gte=since).order_by("name", "pk")
    seen: dict[str, RoomPresence] = {}
    for row in rows:
        seen.setdefault(row.person, row)
    return list(seen.values())


def people_get(*, actor: Actor, room: Room) -> dict:
    """The room's people panel: members and guests, who is here now; for those who run the
    room also pending links, the account's contacts to invite and workspace members to add."""
    from dealroom.customers.models import AccountContact, Contact
    from dealroom.workspaces.models import Membership

    from . import visibility

    members = member_list(actor=actor, room=room)
    here = presence(room=room)
    ctx: dict = {"members": members, "present": here, "present_keys": {p.person for p in here}}
    if isinstance(actor, Member) and visibility.can_manage(actor, room):
        in_room = {m.membership_id for m in members if m.membership_id}
        guests = {m.contact_id for m in members if m.contact_id}
        ctx["invitations"] = list(
            RoomInvitation.objects.filter(room=room, revoked_at__isnull=True)
            .select_related("member")
            .order_by("-pk")[:50]
        )
        ctx["now"] = timezone.now()
        on_account = AccountContact.objects.filter(account_id=room.opportunity.account_id)
        ctx["invitable"] = list(
            Contact.objects.visible_to(actor)
            .filter(pk__in=on_account.values("contact_id"))
            .exclude(pk__in=guests)
            .order_by("full_name")[:100]
        )
        ctx["addable"] = list(
            Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True)
            .exclude(pk__in=in_room)
            .select_related("user")
            .order_by("user__full_name")[:200]
        )
    return ctx


def _room_events(actor: Actor, room: Room):
    """The events of a room the reader may see. `room` must come from `room_get(actor=...)`:
    the reader sees it, so of its events only the audience decides (guests: shared ones;
    members: those of the room and those their role reads). The same answer as
    `ActivityEvent.visible_to` (tested), without asking again, for every kind of record,
    whether the room is visible: this runs for every event of a busy room
    (benchmarks/fanout.py) and on every room page."""
    from dealroom.activity.models import Audience

    qs = ActivityEvent.objects.filter(
        workspace_id=room.workspace_id, target_type="rooms.room", target_id=room.pk
    )
    if isinstance(actor, Guest):
        return qs.filter(audience=Audience.SHARED)
    if isinstance(actor, Member) and not actor.is_admin:
        audiences = [Audience.WORKSPACE, Audience.RECORD, Audience.SHARED]
        if actor.is_manager:
            audiences.append(Audience.MANAGERS)
        return qs.filter(audience__in=audiences)
    return qs if isinstance(actor, Member) else qs.none()


def room_events_after(*, actor: Actor, room: Room, after: int, limit: int = 100):
    """The room's events the reader may see after an id, oldest first (what a page or a
    reconnecting socket missed)."""
    from dealroom.activity import targets

    qs = _room_events(actor, room).filter(pk__gt=after)
    return targets.redact(actor, list(qs.select_related("actor_user").order_by("id")[:limit]))


# -- files and engagement --------------------------------------------------------------------


def resource_list(*, actor: Actor, room: Room) -> list[Resource]:
    """The resources section as the reader may see it, in order (one query)."""
    return list(
        Resource.objects.in_room(actor, room)
        .alive()
        .select_related("file", "created_by")
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
    attachments), `task_files` (the context's task's). Each file and resource is marked with
    what the reader may do to it, so templates need no per-row queries."""

    def __init__(self, actor: Actor, room: Room, context: dict):
        self.actor = actor
        self.room = room
        self.context = context

    @cached_property
    def own_id(self) -> int | None:
        return own_member_id(actor=self.actor, room=self.room)

    def _may_change(self, creator_id) -> bool:
        if self.context.get("can_manage"):
            return True
        return bool(self.context.get("can_take_part") and creator_id and creator_id == self.own_id)

    @cached_property
    def resources(self) -> list[Resource]:
        found = resource_list(actor=self.actor, room=self.room)
        for r in found:
            r.may_change = self._may_change(r.created_by_id)  # type: ignore[attr-defined]
        return found

    @cached_property
    def engagement(self) -> list[GuestEngagement] | None:
        return engagement_panel(actor=self.actor, room=self.room)

    @cached_property
    def max_mb(self) -> int:
        return room_settings(self.room.workspace_id).max_file_mb

    @property
    def kinds(self) -> list[tuple[str, str]]:
        from .models import ResourceKind

        return [(value, str(label)) for value, label in ResourceKind.choices]

    @property
    def accept(self) -> str:
        """The file chooser's filter: the extensions uploads.py accepts."""
        from .uploads import _ALLOWED

        return ",".join(f".{ext}" for ext in _ALLOWED)

    def attach(self, comments) -> None:
        """Give each comment its `attachments` (one query for all of them)."""
        todo = [c for c in comments or [] if not hasattr(c, "attachments")]
        if not todo:
            return
        by_comment: dict[int, list[RoomFile]] = {}
        for f in attachments_of(actor=self.actor, room=self.room, comment_ids=[c.pk for c in todo]):
            f.may_change = self._may_change(f.uploaded_by_id)  # type: ignore[attr-defined]
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
        found = attachments_of(actor=self.actor, room=self.room, task_ids=[task.pk])
        for f in found:
            f.may_change = self._may_change(f.uploaded_by_id)  # type: ignore[attr-defined]
        return found


# Deal fields an owner may show the room's guests.
SHAREABLE_FIELDS = ("amount", "close_date", "stage", "next_step")


@dataclass
class DealField:
    name: str
    label: str
    value: object  # the stage object, a date, a Decimal, text or None
    shared: bool  # guests see it
    currency: str = ""

    @property
    def display(self) -> object:
        if self.name == "amount" and self.value is not None:
            return f"{self.currency} {self.value:,.2f}"
        return self.value


def deal_fields(*, actor: Actor, room: Room) -> list[DealField]:
    """The deal fields the reader sees in the room header: sellers the shareable fields their
    field permissions let them read (each marked shared or not), guests only those shared."""
    from dealroom.customers.fields import field_map, standard_fields

    opp = room.opportunity
    if isinstance(actor, Member):
        fields = field_map(actor, "opportunity")
        names: tuple[str, ...] = SHAREABLE_FIELDS
    else:
        fields = {f.name: f for f in standard_fields("opportunity")}
        names = tuple(room.shared_fields)
    return [
        DealField(
            name,
            str(fields[name].label),
            opp.stage if name == "stage" else getattr(opp, name),
            name in room.shared_fields,
            opp.currency,
        )
        for name in names
        if name in fields
    ]
