"""Pipeline data on top of the customers fixtures (tests/customers/conftest.py): the alpha
manager manages team East, which holds the alpha rep; `cx.other` is a rep outside any team.

`pp` adds, in workspace Alpha, a staged type "New business" with four stages

    Qualify (10 %) → Propose (40 %, needs amount and close date) → Negotiate (70 %, commit,
    needs next step; exit checklist of two milestones) → Contract (90 %, commit)

a simple type (renewals), a referral tag type, an active and a retired loss reason, and
helpers to create accounts and deals as someone. Actors memoise their scope and field rules
per membership, as one request does; `fresh()` gives a new one, as the next request would."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from dealroom.core.actors import Member
from dealroom.pipeline import services
from dealroom.pipeline.models import Opportunity
from dealroom.workspaces.models import Membership
from tests.customers.conftest import cx  # noqa: F401  (the fixture `pp` builds on)


def fresh(actor: Member) -> Member:
    """The same membership read anew: no memoised scope or field rules."""
    return Member(
        Membership.objects.select_related("user", "workspace").get(pk=actor.membership.pk)
    )


class Pipeline:
    def __init__(self, cx):  # noqa: F811
        self.cx = cx
        self.world = cx.world
        admin = self.admin
        self.staged = services.type_create(
            actor=admin, name="New business", name_zh="新业务", variant="staged"
        )
        self.qualify = services.stage_create(
            actor=admin, type_id=self.staged.pk, name="Qualify", name_zh="确认需求", probability=10
        )
        self.propose = services.stage_create(
            actor=admin,
            type_id=self.staged.pk,
            name="Propose",
            probability=40,
            forecast_category="best_case",
            required_fields=["amount", "close_date"],
        )
        self.negotiate = services.stage_create(
            actor=admin,
            type_id=self.staged.pk,
            name="Negotiate",
            probability=70,
            forecast_category="commit",
            required_fields=["next_step"],
            guidance="Agree terms with procurement.",
            suggested_tasks=["Send the contract draft"],
            stuck_days=14,
        )
        self.contract = services.stage_create(
            actor=admin, type_id=self.staged.pk, name="Contract", probability=90,
            forecast_category="commit",
        )  # fmt: skip
        self.stages = [self.qualify, self.propose, self.negotiate, self.contract]
        self.legal_ok = services.milestone_create(
            actor=admin, stage_id=self.negotiate.pk, title="Legal approved"
        )
        self.budget_ok = services.milestone_create(
            actor=admin, stage_id=self.negotiate.pk, title="Budget confirmed"
        )
        self.simple = services.type_create(actor=admin, name="Renewal", variant="simple")
        self.tag = services.type_create(actor=admin, name="Referral", variant="tag")
        self.price = services.loss_reason_create(actor=admin, name="Price")
        self.retired = services.loss_reason_create(actor=admin, name="Timing")
        services.loss_reason_set_active(actor=admin, reason_id=self.retired.pk, active=False)

    # -- actors ------------------------------------------------------------------------------

    def actor(self, role: str, slug: str = "alpha") -> Member:
        return self.world.actor(slug, role)

    @property
    def admin(self) -> Member:
        return self.world.actor("alpha", "admin")

    @property
    def manager(self) -> Member:
        return self.world.actor("alpha", "manager")

    @property
    def rep(self) -> Member:
        return self.world.actor("alpha", "rep")

    @property
    def other(self) -> Member:
        return self.cx.other

    # -- data --------------------------------------------------------------------------------

    def account(self, actor: Member | None = None, **data):
        return self.cx.account(actor or self.rep, **data)

    def deal(
        self,
        actor: Member | None = None,
        *,
        account=None,
        opp_type=None,
        stage=None,
        owner=None,
        **data,
    ) -> Opportunity:
        """A deal created through the service (the creator owns it unless `owner` is given)."""
        actor = actor or self.rep
        account = account or self.account(actor)
        data.setdefault("name", "Big deal 大单")
        data["account"] = account.pk
        return services.opportunity_create(
            actor=actor,
            type_id=(opp_type or self.staged).pk,
            data=data,
            stage_id=stage.pk if stage is not None else None,
            owner_id=owner.membership.pk if owner is not None else None,
        )

    def ready(self, **data) -> dict:
        """Values that pass every gate of the staged type."""
        return {
            "amount": "1000",
            "close_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "next_step": "Call the CFO",
            **data,
        }

    def reload(self, opp: Opportunity) -> Opportunity:
        return Opportunity.objects.select_related("stage", "type").get(pk=opp.pk)


@pytest.fixture
def pp(cx) -> Pipeline:  # noqa: F811
    return Pipeline(cx)


class Clock:
    """timezone.now() under the test's control (history timestamps, time in stage)."""

    def __init__(self, monkeypatch):
        self.now = timezone.now().replace(microsecond=0)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta) -> datetime.datetime:
        self.now += datetime.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)
