"""Scoped reads of the pipeline. Every query about deals starts at `visible_to(actor)`;
amounts are summed only for those who may see the amount field."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Member
from dealroom.core.bounds import query_int
from dealroom.core.errors import Invalid, NotFound
from dealroom.customers.visibility import field_rules, settings_for

from .models import (
    DealTeamMember,
    LossReason,
    Milestone,
    MilestoneDone,
    Opportunity,
    OpportunityContact,
    OpportunityType,
    Stage,
    StageChange,
    Status,
)
from .visibility import OBJECT_TYPE

CARDS_PER_COLUMN = 20


def type_list(*, actor: Actor, active_only: bool = True):
    qs = OpportunityType.objects.visible_to(actor)
    return qs.filter(is_active=True) if active_only else qs


def team_board_type_id(*, actor: Actor, type_ids: list[int]) -> int | None:
    """Of these types, the one with the most open deals owned by the member's team (their
    own deals when they are in none): the pipeline they work in."""
    if not isinstance(actor, Member) or not type_ids:
        return None
    team_id = actor.membership.team_id
    owners = Q(owner__team_id=team_id) if team_id else Q(owner_id=actor.membership.pk)
    row = (
        Opportunity.objects.visible_to(actor)
        .filter(owners, type_id__in=type_ids, status=Status.OPEN)
        .values("type_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "type_id")
        .first()
    )
    return row["type_id"] if row else None


def type_get(*, actor: Actor, type_id) -> OpportunityType:
    try:
        pk = int(type_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    opp_type = OpportunityType.objects.visible_to(actor).filter(pk=pk).first()
    if opp_type is None:
        raise NotFound()
    return opp_type


def stage_list(
    *, actor: Actor, opp_type: OpportunityType | None, with_archived: bool = False
) -> list[Stage]:
    """The stages of one type in order, or (`opp_type=None`) of every type, type by type."""
    qs = Stage.objects.visible_to(actor)
    if opp_type is not None:
        qs = qs.filter(type=opp_type)
    if not with_archived:
        qs = qs.filter(archived_at__isnull=True)
    return list(qs.order_by("type__position", "type_id", "position", "pk"))


def loss_reason_list(*, actor: Actor, active_only: bool = True):
    qs = LossReason.objects.visible_to(actor)
    return qs.filter(is_active=True) if active_only else qs


def opportunity_get(*, actor: Actor, opportunity_id) -> Opportunity:
    try:
        pk = int(opportunity_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    opp = (
        Opportunity.objects.visible_to(actor)
        .select_related("type", "stage", "account", "owner__user", "loss_reason", "referred_by")
        .filter(pk=pk)
        .first()
    )
    if opp is None:
        raise NotFound()
    return opp


def amounts_visible(actor: Actor) -> bool:
    return field_rules(actor, OBJECT_TYPE).can_see("amount")


# -- the board -------------------------------------------------------------------------------


@dataclass
class BoardFilter:
    owner: str = ""  # "", "me" or a membership id
    team: str = ""  # a team id: deals owned by its members (and sub-teams')
    close: str = ""  # "", "this_month", "this_quarter", "next_quarter", "overdue"

    @classmethod
    def parse(cls, params) -> BoardFilter:
        """Ids in ASCII digits within 64 bits (the database takes no other), else 400."""
        flt = cls(
            owner=(params.get("owner") or "").strip(),
            team=(params.get("team") or "").strip(),
            close=(params.get("close") or "").strip(),
        )
        if flt.owner not in ("", "me") and query_int(flt.owner, minimum=1) is None:
            raise Invalid(fields={"owner": _("Choose a member of this workspace.")})
        if flt.team and query_int(flt.team, minimum=1) is None:
            raise Invalid(fields={"team": _("Choose a team of this workspace.")})
        return flt


@dataclass(frozen=True)
class Total:
    currency: str
    amount: Decimal
    weighted: Decimal


@dataclass
class Column:
    """One stage of the board. `totals`: one per currency its deals' amounts are in (the
    workspace's currency first), never added together; none for a reader who may not see
    amounts, nor for a column without amounts."""

    stage: Stage
    count: int
    cards: list[Opportunity]
    totals: list[Total] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def board_queryset(*, actor: Actor, opp_type: OpportunityType, flt: BoardFilter):
    qs = Opportunity.objects.visible_to(actor).filter(
        type=opp_type, status=Status.OPEN, archived_at__isnull=True
    )
    if flt.owner == "me" and isinstance(actor, Member):
        qs = qs.filter(owner=actor.membership)
    elif flt.owner:
        qs = qs.filter(owner_id=int(flt.owner))  # digits only (BoardFilter.parse)
    if flt.team:
        from dealroom.workspaces.selectors import team_member_ids

        qs = qs.filter(owner_id__in=team_member_ids(actor=actor, team_id=int(flt.team)))
    today = timezone.localdate()
    if flt.close == "overdue":
        qs = qs.filter(close_date__lt=today)
    elif flt.close in ("this_month", "this_quarter", "next_quarter"):
        if flt.close == "this_month":
            start = today.replace(day=1)
            end = _add_months(start, 1)
        else:
            start = _quarter_start(today)
            if flt.close == "next_quarter":
                start = _add_months(start, 3)
            end = _add_months(start, 3)
        qs = qs.filter(close_date__gte=start, close_date__lt=end)
    return qs


CARD_RELATED = ("account", "owner__user")
# What a card shows, and no more: a board reads up to 20 cards per column, and building
# instances of every column of four tables cost more than the queries (benchmarks/pipeline.py).
CARD_FIELDS = (
    "workspace_id",
    "name",
    "amount",
    "currency",
    "close_date",
    "stage_id",
    "stage_entered_at",
    "status",
    "type_id",
    "account__name",
    "owner__user__full_name",
)


def _cards_query(qs):
    return qs.select_related(*CARD_RELATED).only(*CARD_FIELDS)


def _with_stages(cards: list[Opportunity], stages: list[Stage]) -> list[Opportunity]:
    """Give each card its stage from the board's stage list instead of a join per card."""
    by_id = {s.pk: s for s in stages}
    for card in cards:
        if card.stage_id in by_id:
            card.stage = by_id[card.stage_id]
    return cards


def board(*, actor: Actor, opp_type: OpportunityType, flt: BoardFilter) -> list[Column]:
    """Columns of open deals per stage: count, amount and weighted amount from one aggregate
    query, then the first cards of every column (closest close date first) in one query."""
    stages = stage_list(actor=actor, opp_type=opp_type)
    qs = board_queryset(actor=actor, opp_type=opp_type, flt=flt)
    show_amounts = amounts_visible(actor)
    money = DecimalField(max_digits=20, decimal_places=2)
    weight = Coalesce(F("probability"), F("stage__probability"))
    currency = settings_for(actor.workspace_id).currency
    rows = list(
        qs.values("stage_id", "currency").annotate(
            n=Count("pk"),
            # not named "amount": F("amount") below would then mean this sum, not the column
            total=Sum("amount"),
            weighted=Sum(
                ExpressionWrapper(
                    Coalesce(F("amount"), Value(Decimal(0))) * weight / Value(Decimal(100)),
                    output_field=money,
                )
            ),
        )
    )
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["stage_id"]] = counts.get(row["stage_id"], 0) + row["n"]
    cards: dict[int, list[Opportunity]] = {s.pk: [] for s in stages}
    wanted = [s.pk for s in stages if counts.get(s.pk)]
    if wanted:
        # The first cards of each column: ids ranked inside each stage by one window query
        # over narrow rows, then those cards with what they show in a second query; two
        # queries per board whatever the number of deals (benchmarks/pipeline.py).
        ids = list(
            qs.filter(stage_id__in=wanted)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("stage_id")],
                    order_by=[F("close_date").asc(nulls_last=True), F("pk").asc()],
                )
            )
            .filter(rank__lte=CARDS_PER_COLUMN)
            .values_list("pk", flat=True)
        )
        shown = _cards_query(Opportunity.objects.filter(pk__in=ids))
        ordered = shown.order_by(F("close_date").asc(nulls_last=True), "pk")
        for opp in _with_stages(list(ordered), stages):
            cards.setdefault(opp.stage_id or 0, []).append(opp)
    totals: dict[int, list[Total]] = {s.pk: [] for s in stages}
    if show_amounts:
        held = (r for r in rows if r["total"] is not None and r["stage_id"] in totals)
        for r in sorted(held, key=lambda r: (r["currency"] != currency, r["currency"])):
            totals[r["stage_id"]].append(
                Total(r["currency"], r["total"], r["weighted"] or Decimal(0))
            )
    return [
        Column(stage=s, count=counts.get(s.pk, 0), cards=cards[s.pk], totals=totals[s.pk])
        for s in stages
    ]


def column_cards(
    *, actor: Actor, opp_type: OpportunityType, stage: Stage, flt: BoardFilter, offset: int
) -> list[Opportunity]:
    """More cards of one column ("show more")."""
    qs = board_queryset(actor=actor, opp_type=opp_type, flt=flt).filter(stage=stage)
    qs = _cards_query(qs).order_by(F("close_date").asc(nulls_last=True), "pk")
    return _with_stages(list(qs[offset : offset + CARDS_PER_COLUMN]), [stage])


def days_in_stage(opp: Opportunity, now: datetime.datetime | None = None) -> int:
    if opp.stage_entered_at is None:
        return 0
    return max(0, ((now or timezone.now()) - opp.stage_entered_at).days)


def is_stuck(opp: Opportunity, now: datetime.datetime | None = None) -> bool:
    stage = opp.stage
    if not opp.is_open or stage is None or not stage.stuck_days:
        return False
    return days_in_stage(opp, now) >= stage.stuck_days


# -- detail ----------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    change: StageChange
    duration: datetime.timedelta  # time until the next change (or now, for the last)


def stage_history(*, actor: Actor, opportunity: Opportunity) -> list[HistoryRow]:
    """The deal's moves, oldest first, each with the time spent after it. The caller has
    checked the actor sees the deal."""
    changes = list(
        StageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "changed_by__user")
        .order_by("changed_at", "pk")
    )
    rows = []
    for k, change in enumerate(changes):
        end = changes[k + 1].changed_at if k + 1 < len(changes) else timezone.now()
        rows.append(HistoryRow(change, end - change.changed_at))
    return rows


def time_in_stages(history: list[HistoryRow]) -> dict[int, datetime.timedelta]:
    """Stage id → total time the deal spent in it (open time only)."""
    out: dict[int, datetime.timedelta] = {}
    for row in history:
        if row.change.to_stage_id and row.change.to_status == Status.OPEN:
            out[row.change.to_stage_id] = out.get(row.change.to_stage_id, datetime.timedelta())
            out[row.change.to_stage_id] += row.duration
    return out


def checklist(*, opportunity: Opportunity) -> list[tuple[Milestone, MilestoneDone | None]]:
    """The current stage's exit checklist with who ticked what and when."""
    if opportunity.stage_id is None:
        return []
    done = {
        d.milestone_id: d
        for d in MilestoneDone.objects.filter(opportunity=opportunity).select_related(
            "done_by__user"
        )
    }
    milestones = Milestone.objects.filter(stage_id=opportunity.stage_id, archived_at__isnull=True)
    return [(m, done.get(m.pk)) for m in milestones]


def deal_team(*, opportunity: Opportunity) -> list[DealTeamMember]:
    return list(
        DealTeamMember.objects.filter(opportunity=opportunity).select_related("member__user")
    )


def deal_contacts(*, actor: Actor, opportunity: Opportunity) -> list[OpportunityContact]:
    """Contacts on the deal that the actor may see."""
    from dealroom.customers.models import Contact

    return list(
        OpportunityContact.objects.filter(
            opportunity=opportunity, contact__in=Contact.objects.visible_to(actor)
        )
        .select_related("contact")
        .order_by("contact__full_name")
    )


@dataclass
class TypeGroup:
    opp_type: OpportunityType
    deals: list[Opportunity]
    open_amount: Decimal | None
    won_amount: Decimal | None


def account_opportunities(*, actor: Actor, account, limit: int = 50) -> list[TypeGroup]:
    """An account's deals the actor sees, grouped by type, with open and won totals."""
    qs = (
        Opportunity.objects.visible_to(actor)
        .filter(account=account, archived_at__isnull=True)
        .select_related("type", "stage", "owner__user")
        .order_by("type__position", "type_id", "status", "close_date", "pk")
    )
    deals = list(qs[:limit])
    show = amounts_visible(actor)
    totals = {
        row["type_id"]: row
        for row in qs.order_by()
        .values("type_id")
        .annotate(
            open=Sum("amount", filter=Q(status=Status.OPEN)),
            won=Sum("amount", filter=Q(status=Status.WON)),
        )
    }
    groups: dict[int, TypeGroup] = {}
    for deal in deals:
        if deal.type_id not in groups:
            row = totals.get(deal.type_id, {})
            groups[deal.type_id] = TypeGroup(
                deal.type,
                [],
                row.get("open") if show else None,
                row.get("won") if show else None,
            )
        groups[deal.type_id].deals.append(deal)
    return list(groups.values())


def account_referrals(*, actor: Actor, account, limit: int = 20) -> list[Opportunity]:
    """Deals (referral tags and others) this account referred, that the actor may see."""
    return list(
        Opportunity.objects.visible_to(actor)
        .filter(referred_by=account)
        .select_related("type", "account")
        .order_by("-created_at", "-pk")[:limit]
    )
