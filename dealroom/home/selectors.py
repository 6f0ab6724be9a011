"""What the home page shows, each read scoped by the actor through the owning app's
`visible_to`. Every function runs a fixed number of queries whatever the data size (a test
guards it); lists are capped and come with their full count."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Member
from dealroom.customers.models import Lead, LeadStatus
from dealroom.pipeline.models import Opportunity, Stage, Status
from dealroom.rooms.models import Room, RoomMember, Task, TaskStatus

LIMIT = 8


@dataclass
class Capped:
    """The first rows of a list and how many there are in all."""

    rows: list
    total: int


def _capped(qs, limit: int = LIMIT) -> Capped:
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return Capped(rows, len(rows))
    return Capped(rows[:limit], qs.count())


# -- tasks -----------------------------------------------------------------------------------


@dataclass
class MyTasks:
    overdue: Capped
    today: Capped
    upcoming: Capped  # the next seven days


def my_tasks(*, actor: Member, now: datetime.datetime | None = None) -> MyTasks:
    """Open room tasks assigned to the member, in rooms they still see: overdue, due today
    (in the server's time zone) and the week after."""
    now = now or timezone.now()
    today_end = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=0)
    base = (
        Task.objects.visible_to(actor)
        .filter(
            assignees__membership_id=actor.membership.pk,
            assignees__removed_at__isnull=True,
            due_at__isnull=False,
        )
        .exclude(status=TaskStatus.DONE)
        .select_related("room__opportunity")
        .order_by("due_at", "pk")
    )
    return MyTasks(
        overdue=_capped(base.filter(due_at__lt=now)),
        today=_capped(base.filter(due_at__gte=now, due_at__lte=today_end)),
        upcoming=_capped(
            base.filter(due_at__gt=today_end, due_at__lte=today_end + datetime.timedelta(days=7))
        ),
    )


# -- deals -----------------------------------------------------------------------------------

CLOSE_PASSED, STUCK, NO_NEXT_STEP = "close_passed", "stuck", "no_next_step"


def _open_deals(actor: Member, owner_ids: set[int] | None):
    qs = Opportunity.objects.visible_to(actor).filter(status=Status.OPEN, archived_at__isnull=True)
    return qs if owner_ids is None else qs.filter(owner_id__in=owner_ids)


@dataclass
class AttentionDeal:
    deal: Opportunity
    reasons: list[str]
    days_in_stage: int


def _stuck_q(stages: list[Stage], now: datetime.datetime) -> Q:
    """In a stage for longer than the stage allows (each stage has its own threshold)."""
    q = Q(pk__in=[])
    for stage in stages:
        if stage.stuck_days:
            since = now - datetime.timedelta(days=stage.stuck_days)
            q |= Q(stage_id=stage.pk, stage_entered_at__lte=since)
    return q


def deals_needing_attention(
    *, actor: Member, owner_ids: set[int] | None, now: datetime.datetime | None = None
) -> Capped:
    """Open deals of these owners that the actor sees and that need a push: the expected
    close date has passed, the deal sits in its stage past the stage's threshold, or nobody
    wrote down a next step. Closest to trouble first. `owner_ids` None: every owner."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stages = list(Stage.objects.filter(workspace_id=actor.workspace_id, stuck_days__gt=0))
    stuck = _stuck_q(stages, now)
    qs = _open_deals(actor, owner_ids).filter(Q(close_date__lt=today) | Q(next_step="") | stuck)
    qs = qs.select_related("stage", "account", "owner__user", "type").order_by(
        Coalesce("close_date", datetime.date.max), "pk"
    )
    capped = _capped(qs, limit=10)
    stuck_days = {s.pk: s.stuck_days or 0 for s in stages}
    rows = []
    for deal in capped.rows:
        days = (now - deal.stage_entered_at).days if deal.stage_entered_at else 0
        reasons = []
        if deal.close_date and deal.close_date < today:
            reasons.append(CLOSE_PASSED)
        if deal.stage_id in stuck_days and days >= stuck_days[deal.stage_id]:
            reasons.append(STUCK)
        if not deal.next_step:
            reasons.append(NO_NEXT_STEP)
        rows.append(AttentionDeal(deal, reasons, days))
    return Capped(rows, capped.total)


@dataclass
class StageLine:
    stage: Stage
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)  # per currency present


@dataclass
class TypePipeline:
    type_name: str
    type_id: int
    stages: list[StageLine]
    count: int


def pipeline_by_stage(*, actor: Member, owner_ids: set[int] | None) -> list[TypePipeline]:
    """Open deals of these owners the actor sees, per deal type and stage: how many and
    their amounts per currency. Two queries: the stages, the grouped deals."""
    stages = list(
        Stage.objects.filter(workspace_id=actor.workspace_id, archived_at__isnull=True)
        .select_related("type")
        .order_by("type__position", "type_id", "position", "pk")
    )
    grouped = (
        _open_deals(actor, owner_ids)
        .values("stage_id", "currency")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by()
    )
    lines = {s.pk: StageLine(s) for s in stages}
    for row in grouped:
        line = lines.get(row["stage_id"])
        if line is None:
            continue
        line.count += row["n"]
        if row["total"]:
            line.totals[row["currency"]] = line.totals.get(row["currency"], 0) + row["total"]
    per_type: dict[int, list[StageLine]] = defaultdict(list)
    names = {}
    for stage in stages:
        per_type[stage.type_id].append(lines[stage.pk])
        names[stage.type_id] = str(stage.type)
    out = []
    for type_id, type_lines in per_type.items():
        count = sum(line.count for line in type_lines)
        if count:
            out.append(TypePipeline(names[type_id], type_id, type_lines, count))
    return out


# -- rooms -----------------------------------------------------------------------------------


def rooms_with_customer_news(*, actor: Member) -> Capped:
    """Rooms the member is in where someone on the customer's side did something the member
    has not read yet, latest first; each with `news` (how many such events) and `news_at`."""
    mine = RoomMember.objects.filter(
        room=OuterRef("pk"), membership_id=actor.membership.pk, removed_at__isnull=True
    )
    guest_news = ActivityEvent.objects.filter(
        target_type="rooms.room",
        target_id=OuterRef("pk"),
        actor_kind="guest",
        id__gt=OuterRef("read_up_to"),
    )
    qs = (
        Room.objects.visible_to(actor)
        .filter(Exists(mine))
        .annotate(read_up_to=Coalesce(Subquery(mine.values("read_up_to")[:1]), 0))
        .annotate(
            news=Subquery(
                guest_news.order_by().values("target_id").annotate(n=Count("pk")).values("n")[:1]
            ),
            news_at=Subquery(guest_news.order_by("-id").values("created_at")[:1]),
        )
        .filter(news__gt=0)
        .select_related("opportunity", "opportunity__account")
        .order_by("-news_at", "-pk")
    )
    return _capped(qs, limit=6)


# -- leads -----------------------------------------------------------------------------------


@dataclass
class LeadQueue:
    waiting: Capped  # the member's new leads, oldest first
    pool: int  # unowned leads anyone may claim


def lead_queue(*, actor: Member) -> LeadQueue:
    visible = Lead.objects.visible_to(actor).filter(archived_at__isnull=True)
    waiting = visible.filter(owner_id=actor.membership.pk, status=LeadStatus.NEW).order_by(
        "created_at", "pk"
    )
    pool = visible.filter(owner__isnull=True, status__in=[LeadStatus.NEW, LeadStatus.WORKING])
    return LeadQueue(waiting=_capped(waiting, limit=6), pool=pool.count())
