"""The pipeline demo (run by `dealroom demo`): four opportunity types with their stages, gates
and checklists, loss reasons, and deals with real history: moved, won, lost, stuck, with deal
teams and contacts. The demo is seeded once for the module (it goes through every service and
takes seconds) inside a transaction rolled back at the end."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Member
from dealroom.pipeline import selectors
from dealroom.pipeline.models import (
    DealTeamMember,
    LossReason,
    MilestoneDone,
    Opportunity,
    OpportunityContact,
    OpportunityType,
    Stage,
    StageChange,
)
from dealroom.workspaces import demo
from dealroom.workspaces.models import Membership, Workspace

REAL_NOW = timezone.now


@pytest.fixture(scope="module")
def ws(django_db_setup, django_db_blocker):
    fast_hasher = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        yield demo.seed()
        transaction.set_rollback(True)


def member(ws: Workspace, email: str) -> Member:
    return Member(
        Membership.objects.select_related("user", "workspace").get(workspace=ws, user__email=email)
    )


def deals(ws: Workspace, **filters):
    return Opportunity.objects.filter(workspace=ws, **filters).select_related("stage", "type")


def test_four_types_with_their_stages_gates_and_checklists(ws, db):
    types = {t.name: t for t in OpportunityType.objects.filter(workspace=ws)}
    assert {(t.name, t.name_zh, t.variant) for t in types.values()} == {
        ("B2B project sale", "B2B项目销售", "staged"),
        ("Consumer new purchase", "个人新购", "staged"),
        ("Renewal", "续约", "simple"),
        ("Referral", "转介绍", "tag"),
    }
    b2b = list(Stage.objects.filter(type=types["B2B project sale"]).order_by("position"))
    consumer = list(Stage.objects.filter(type=types["Consumer new purchase"]).order_by("position"))
    assert len(b2b) == 6 and len(consumer) == 4
    assert not Stage.objects.filter(type__variant__in=["simple", "tag"]).exists()
    for stages in (b2b, consumer):
        assert all(s.name and s.name_zh and s.guidance and s.suggested_tasks for s in stages)
        assert all(s.stuck_days for s in stages)
        probabilities = [s.probability for s in stages]
        assert probabilities == sorted(probabilities) and len(set(probabilities)) == len(stages)
    assert [s.forecast_category for s in b2b] == [
        "pipeline", "pipeline", "best_case", "best_case", "commit", "commit",
    ]  # fmt: skip
    proposal, negotiation = b2b[3], b2b[4]
    assert (proposal.name, proposal.name_zh) == ("Proposal", "商务报价")
    assert proposal.required_fields == ["amount", "close_date"]
    assert negotiation.required_fields == ["next_step"]
    assert negotiation.milestones.count() == 2
    assert types["B2B project sale"].require_checklist
    milestones = {m.title for s in consumer for m in s.milestones.all()}
    assert {"已参加试用 Trial attended", "已到店参观 Showroom visited"} <= milestones
    reasons = set(LossReason.objects.filter(workspace=ws).values_list("name", flat=True))
    assert {"价格太高 Price too high", "选择竞品 Chose a competitor", "无预算 No budget"} <= reasons
    assert len(reasons) >= 5


def test_deals_spread_over_stages_customers_and_sellers(ws, db):
    all_deals = deals(ws)
    assert all_deals.count() >= 30
    assert all_deals.values("account").distinct().count() >= 7
    owners = set(all_deals.values_list("owner__user__email", flat=True))
    assert {"rep1@demo.local", "rep2@demo.local", "manager@demo.local"} <= owners
    assert len(owners) >= 6
    manager = member(ws, "manager@demo.local")
    for name in ("B2B project sale", "Consumer new purchase"):
        opp_type = OpportunityType.objects.get(workspace=ws, name=name)
        columns = selectors.board(actor=manager, opp_type=opp_type, flt=selectors.BoardFilter())
        assert all(c.count for c in columns), [(str(c.stage), c.count) for c in columns]
    # a rep's board shows their own part only
    rep2 = member(ws, "rep2@demo.local")
    b2b = OpportunityType.objects.get(workspace=ws, name="B2B project sale")
    assert not any(
        c.count for c in selectors.board(actor=rep2, opp_type=b2b, flt=selectors.BoardFilter())
    )
    renewals = deals(ws, type__variant="simple")
    assert renewals.count() >= 3 and not renewals.filter(stage__isnull=False).exists()
    assert set(renewals.values_list("status", flat=True)) == {"open", "won", "lost"}
    referrals = list(deals(ws, type__variant="tag").select_related("account", "referred_by"))
    assert len(referrals) >= 2
    assert all(r.referred_by_id and r.referred_by_id != r.account_id for r in referrals)
    assert all(r.source == "referral" for r in referrals)


def test_won_and_lost_deals_have_their_history(ws, db):
    won = list(deals(ws, status="won", type__variant="staged"))
    lost = list(deals(ws, status="lost", type__variant="staged"))
    assert len(won) >= 3 and len(lost) >= 3
    for opp in won + lost:
        history = list(StageChange.objects.filter(opportunity=opp).order_by("changed_at", "pk"))
        assert history[0].from_stage_id is None and history[0].to_status == "open"
        assert history[-1].to_status == opp.status and history[-1].from_status == "open"
        assert opp.closed_at == history[-1].changed_at
        assert [h.changed_at for h in history] == sorted(h.changed_at for h in history)
        verb = f"opportunity.{opp.status}"
        assert ActivityEvent.objects.filter(target_id=opp.pk, verb=verb).exists()
    # won staged deals went through every stage to the last one
    assert all(len(StageChange.objects.filter(opportunity=o)) >= 5 for o in won)
    assert all(o.loss_reason_id for o in lost) and not any(o.loss_reason_id for o in won)
    assert any(o.loss_note for o in lost)
    # a deal that moved back and forth keeps every move
    portal = Opportunity.objects.get(workspace=ws, name__contains="Dealer portal upgrade")
    moves = StageChange.objects.filter(opportunity=portal).values_list("to_stage__name", flat=True)
    assert list(moves) == [
        "Qualify", "Discovery", "Solution / demo", "Proposal", "Solution / demo", "Proposal",
    ]  # fmt: skip


def test_history_spans_months_and_two_deals_are_stuck(ws, db):
    now = timezone.now()
    assert timezone.now is REAL_NOW  # the demo's clock is put back
    oldest = StageChange.objects.filter(workspace=ws).order_by("changed_at").first()
    assert oldest is not None and oldest.changed_at < now - datetime.timedelta(days=90)
    assert not StageChange.objects.filter(workspace=ws, changed_at__gt=now).exists()
    events = ActivityEvent.objects.filter(workspace=ws, verb="opportunity.stage_changed")
    assert events.count() >= 40
    assert events.filter(created_at__lt=now - datetime.timedelta(days=30)).exists()
    open_deals = list(deals(ws, status="open", type__variant="staged"))
    stuck = {o.name for o in open_deals if selectors.is_stuck(o)}
    assert stuck == {
        "集团数字化销售平台 Group digital sales platform",
        "Remote monitoring add-on",
    }
    platform = next(o for o in open_deals if o.name.startswith("集团数字化销售平台"))
    assert selectors.days_in_stage(platform) >= 29
    # a manager's probability override with its reason, and half of the exit checklist
    assert platform.probability == 70 and "5%" in platform.probability_reason
    assert MilestoneDone.objects.filter(opportunity=platform).count() == 1


def test_deal_teams_and_contacts(ws, db):
    teams: Counter[int] = Counter()
    for row in DealTeamMember.objects.filter(opportunity__workspace=ws):
        teams[row.opportunity_id] += row.split
    assert len(teams) >= 4 and set(teams.values()) == {100}
    assert DealTeamMember.objects.filter(opportunity__workspace=ws, role="presales").exists()
    links = OpportunityContact.objects.filter(opportunity__workspace=ws)
    assert links.count() >= 10
    roles = set(links.values_list("role", flat=True))
    assert {"decision_maker", "procurement", "payer", "registrant"} <= roles
    assert ActivityEvent.objects.filter(workspace=ws, verb="opportunity.contact_added").exists()


def test_seeding_again_changes_nothing(ws, db):
    def counts():
        return (
            OpportunityType.objects.count(),
            Stage.objects.count(),
            LossReason.objects.count(),
            Opportunity.objects.count(),
            StageChange.objects.count(),
            ActivityEvent.objects.count(),
        )

    before = counts()
    demo.seed()
    assert counts() == before
