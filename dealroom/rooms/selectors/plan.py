"""The mutual action plan and the threads: milestones, tasks, comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from dealroom.core.actors import Actor, Guest

from ..models import (
    Comment,
    Milestone,
    Room,
    RoomMember,
    Task,
    TaskStatus,
)

THREAD_PAGE = 50


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
    "created_by_id",  # who may change it (access.py)
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


def comments_by_id(*, actor: Actor, room: Room, ids) -> dict[int, Comment]:
    """Comments of a room the reader sees, by id, in one query: a render of several events
    (a socket that fell behind, a poster whose page missed others' posts) reads them at once."""
    wanted = {pk for pk in ids if isinstance(pk, int)}
    if not wanted:
        return {}
    found = _items(Comment, actor, room).select_related("author", "task").filter(pk__in=wanted)
    return {c.pk: c for c in found}


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
