"""Pipelines for the demo workspace: a staged B2B project sale with gates and an exit
checklist, a consumer new purchase with milestones (trial attended, showroom visited), renewals
(simple deals) and referrals (tags), loss reasons, and deals across the demo's customers and
sellers: moved through stages, won, lost, stuck, with deal teams, splits and contacts.

Everything goes through the pipeline services, so the deals have real stage history and
timeline events. The story happened over the past nine months: each step runs with the demo's
clock set to its moment (core.demo), so history, time in stage, stuck deals, won and lost
deals by month, and the timeline agree.
Deterministic (a seeded random for the filler deals) and idempotent: nothing is created when
the workspace has opportunity types already."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from dealroom.core.actors import Member
from dealroom.core.demo import Clock, Story
from dealroom.customers.models import Account, AccountContact, Contact
from dealroom.workspaces.models import Membership, Workspace

from . import services
from .demo_data import (
    B2B_STAGES,
    CONFIGURED_DAYS_AGO,
    CONSUMER_STAGES,
    DEALS,
    FILLER,
    LOSS_REASONS,
    NEXT_STEPS,
    SEED,
    SIEMENS,
    SOURCES,
    TYPES,
    Plan,
    Step,
)
from .models import LossReason, Opportunity, OpportunityType, Stage


def filler(ws: Workspace, rng: random.Random) -> list[Plan]:
    """A few more deals per customer so that every board column has cards: open deals moved
    recently (not stuck), some won and lost over the past months, owned by sellers of the
    matching team who see the account."""
    plans: list[Plan] = []
    for kind, account_name, products, count, sellers in FILLER:
        stages = CONSUMER_STAGES if kind == "consumer" else B2B_STAGES
        gap = (2, 6) if kind == "consumer" else (6, 18)
        account = Account.objects.get(workspace=ws, name=account_name)
        owners = [e for e in sellers if _sees(ws, e, account)]
        links = list(
            AccountContact.objects.filter(account=account).select_related("contact").order_by("pk")
        )
        for name, low, high in rng.sample(products, count):
            owner = rng.choice(owners)
            target = len(plans) % len(stages)  # the deals spread over the columns
            outcome = rng.choices(["open", "won", "lost"], [6, 1, 1])[0]
            closing: list[Step] = []
            if outcome == "open":
                # moved in recently enough not to be stuck
                day = rng.randint(1, max(1, stages[target]["stuck_days"] - 2))
                close_in = rng.randint(10, 90)
            else:
                # closed any time since the pipelines were set up: a history of months
                close_day = rng.randint(2, 180)
                if outcome == "won":
                    target = len(stages) - 1
                    closing.append((close_day, "win", None))
                else:
                    closing.append((close_day, "lose", (rng.choice(list(LOSS_REASONS)), "")))
                day = close_day + rng.randint(1, 5)
                close_in = -close_day
            moves: list[Step] = []
            for stage in reversed(stages[1 : target + 1]):
                moves.insert(0, (day, "move", stage["key"]))
                day += rng.randint(*gap)
            steps: list[Step] = [(day, "create", None)]
            if links:
                link = rng.choice(links)
                steps.append((day, "contact", (link.contact.full_name, link.role)))
            if kind == "b2b" and rng.random() < 0.4:
                split = rng.choice([60, 70, 80])
                helper = rng.choice([e for e in sellers if e != owner])
                team = [(owner, "co_seller", split), (helper, "presales", 100 - split)]
                steps.append((day, "team", team))
            amount = round(rng.randint(low, high), -2 if kind == "consumer" else -4)
            data: dict[str, Any] = {
                "amount": str(amount),
                "next_step": rng.choice(NEXT_STEPS),
                "source": rng.choice(SOURCES),
            }
            if account_name == SIEMENS:
                data["currency"] = "EUR"
            plans.append(
                Plan(kind, name, account_name, owner, data, steps + moves + closing, close_in)
            )
    return plans


# -- running the story -----------------------------------------------------------------------


def _member(ws: Workspace, email: str) -> Member:
    """A new actor per step: nothing memoised from before (as one request would start)."""
    return Member(
        Membership.objects.select_related("user", "workspace").get(workspace=ws, user__email=email)
    )


def _sees(ws: Workspace, email: str, account: Account) -> bool:
    return Account.objects.visible_to(_member(ws, email)).filter(pk=account.pk).exists()


def _configure(
    admin: Member,
) -> tuple[dict[str, OpportunityType], dict[str, Stage], dict[str, LossReason]]:
    types: dict[str, OpportunityType] = {}
    stages: dict[str, Stage] = {}
    for spec in TYPES:
        opp_type = services.type_create(
            actor=admin,
            name=spec["name"],
            name_zh=spec["name_zh"],
            variant=spec["variant"],
            require_checklist=spec.get("require_checklist", False),
        )
        types[spec["key"]] = opp_type
        for stage_spec in spec.get("stages", []):
            values = {k: v for k, v in stage_spec.items() if k not in ("key", "milestones")}
            stage = services.stage_create(actor=admin, type_id=opp_type.pk, **values)
            stages[f"{spec['key']}.{stage_spec['key']}"] = stage
            for title in stage_spec.get("milestones", []):
                services.milestone_create(actor=admin, stage_id=stage.pk, title=title)
    reasons = {
        key: services.loss_reason_create(actor=admin, name=name)
        for key, name in LOSS_REASONS.items()
    }
    return types, stages, reasons


def story(ws: Workspace, admin: Member, clock: Clock) -> Story:
    """The admin configures the pipelines, then every deal's steps play at their moments (a
    story for core.demo.play). A deal's steps keep their order, minutes apart when they fall on
    one day; the steps of all deals run in time order."""
    if OpportunityType.objects.filter(workspace=ws).exists():
        return
    rng = random.Random(SEED)  # noqa: S311  (demo data, not secrets)
    yield clock.ago(CONFIGURED_DAYS_AGO, 10)
    deal_steps = _DealSteps(ws, clock, *_configure(admin))
    plans = [*DEALS, *filler(ws, rng)]
    timeline: list[tuple[datetime.datetime, int, int]] = []
    for k, plan in enumerate(plans):
        previous: datetime.datetime | None = None
        for n, step in enumerate(plan.steps):
            when = clock.ago(step[0], 9, rng.randrange(9 * 60))
            if previous is not None and when <= previous:
                when = min(previous + datetime.timedelta(minutes=rng.randint(3, 40)), clock.now)
            previous = when
            timeline.append((when, k, n))
    for when, k, n in sorted(timeline):
        yield when
        deal_steps.run(k, plans[k], plans[k].steps[n])


@dataclass
class _DealSteps:
    ws: Workspace
    clock: Clock  # expected close dates count from today
    types: dict[str, OpportunityType]
    stages: dict[str, Stage]
    reasons: dict[str, LossReason]
    deals: dict[int, int] = field(default_factory=dict)  # plan index → opportunity id
    accounts: dict[str, Account] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.accounts = {a.name: a for a in Account.objects.filter(workspace=self.ws)}

    def run(self, k: int, plan: Plan, step: Step) -> None:
        _days, action, arg = step
        actor = _member(self.ws, plan.owner)
        if action == "create":
            data = {"name": plan.name, "account": self.accounts[plan.account].pk, **plan.data}
            if "referred_by" in data:
                data["referred_by"] = self.accounts[data["referred_by"]].pk
            if plan.close_in is not None:
                close = self.clock.today + datetime.timedelta(days=plan.close_in)
                data["close_date"] = close.isoformat()
            opp = services.opportunity_create(
                actor=actor, type_id=self.types[plan.type].pk, data=data
            )
            self.deals[k] = opp.pk
            return
        deal_id = self.deals[k]
        if action == "move":
            target = self.stages[f"{plan.type}.{arg}"]
            opp = Opportunity.objects.select_related("stage", "type").get(pk=deal_id)
            forward = opp.stage is not None and target.position > opp.stage.position
            if forward and opp.type.require_checklist:
                for milestone in services.open_milestones(opp):
                    services.milestone_set(
                        actor=actor, opportunity_id=deal_id, milestone_id=milestone.pk, done=True
                    )
            services.opportunity_move(actor=actor, opportunity_id=deal_id, stage_id=target.pk)
        elif action == "tick":
            opp = Opportunity.objects.get(pk=deal_id)
            [milestone] = [m for m in services.open_milestones(opp) if m.title == arg]
            services.milestone_set(
                actor=actor, opportunity_id=deal_id, milestone_id=milestone.pk, done=True
            )
        elif action == "contact":
            name, role = arg
            contact = Contact.objects.get(workspace=self.ws, full_name=name)
            services.opportunity_contact_set(
                actor=actor, opportunity_id=deal_id, contact_id=contact.pk, role=role
            )
        elif action == "team":
            members = [
                {"member_id": _member(self.ws, email).membership.pk, "role": role, "split": split}
                for email, role, split in arg
            ]
            services.deal_team_set(actor=actor, opportunity_id=deal_id, members=members)
        elif action == "probability":
            value, reason, by = arg
            services.opportunity_probability_set(
                actor=_member(self.ws, by), opportunity_id=deal_id, probability=value, reason=reason
            )
        elif action == "win":
            services.opportunity_win(actor=actor, opportunity_id=deal_id)
        elif action == "lose":
            reason_key, note = arg
            services.opportunity_lose(
                actor=actor,
                opportunity_id=deal_id,
                reason_id=self.reasons[reason_key].pk,
                note=note,
            )
        else:
            raise ValueError(f"unknown demo step {action!r}")
