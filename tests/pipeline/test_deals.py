"""Deal services: create into a stage through its gate, moves (gates, checklist, conflicts),
win / lose / reopen, probability, deal team and splits, contacts, the checklist, time in
stage from history, and the customers' record services applied to deals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from dealroom.activity.models import ActivityEvent, EventAlso
from dealroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from dealroom.customers import services as customer_services
from dealroom.customers.models import Account, CustomerSettings
from dealroom.pipeline import selectors, services
from dealroom.pipeline.models import (
    DealTeamMember,
    MilestoneDone,
    Opportunity,
    OpportunityContact,
    StageChange,
)
from dealroom.pipeline.services import deals

from .conftest import fresh


def state(opp: Opportunity) -> dict:
    """Everything a refused write must leave as it was."""
    row = Opportunity.objects.get(pk=opp.pk)
    return {
        "version": row.version,
        "stage": row.stage_id,
        "status": row.status,
        "entered": row.stage_entered_at,
        "probability": row.probability,
        "history": StageChange.objects.filter(opportunity=opp).count(),
        "events": ActivityEvent.objects.filter(
            target_type="pipeline.opportunity", target_id=opp.pk
        ).count(),
    }


def events(opp: Opportunity, verb: str):
    return list(
        ActivityEvent.objects.filter(
            target_type="pipeline.opportunity", target_id=opp.pk, verb=f"opportunity.{verb}"
        )
    )


def move(pp, opp, stage, actor=None, **kw):
    return services.opportunity_move(
        actor=actor or pp.rep, opportunity_id=opp.pk, stage_id=stage.pk, **kw
    )


# -- create ----------------------------------------------------------------------------------


def test_create_starts_in_the_first_stage_with_a_history_row(pp):
    account = pp.account()
    opp = pp.deal(account=account, name="Cloud migration 云迁移")
    opp = pp.reload(opp)
    assert opp.stage_id == pp.qualify.pk
    assert opp.status == "open"
    assert opp.owner_id == pp.rep.membership.pk
    assert opp.stage_entered_at is not None
    assert opp.account_id == account.pk
    assert opp.effective_probability == 10
    assert opp.forecast_category == "pipeline"
    [row] = StageChange.objects.filter(opportunity=opp)
    assert (row.from_stage_id, row.to_stage_id) == (None, pp.qualify.pk)
    assert (row.from_status, row.to_status) == ("", "open")
    assert row.changed_by_id == pp.rep.membership.pk
    assert len(events(opp, "created")) == 1


def test_create_skips_archived_stages_to_find_the_first(pp):
    services.stage_archive(actor=pp.admin, stage_id=pp.qualify.pk)
    # the first active stage is now Propose, whose gate applies to a new deal too
    with pytest.raises(Invalid) as e:
        pp.deal()
    assert e.value.details["missing"] == ["amount", "expected close date"]
    opp = pp.deal(**pp.ready())
    assert opp.stage_id == pp.propose.pk


def test_create_into_a_gated_stage_needs_its_fields_and_writes_nothing(pp):
    account = pp.account()
    before = (
        Opportunity.objects.count(),
        StageChange.objects.count(),
        ActivityEvent.objects.count(),
    )
    with pytest.raises(Invalid) as e:
        pp.deal(account=account, stage=pp.propose, amount="500")
    assert e.value.details["missing"] == ["expected close date"]
    assert "expected close date" in str(e.value.message)
    after = (
        Opportunity.objects.count(),
        StageChange.objects.count(),
        ActivityEvent.objects.count(),
    )
    assert after == before
    opp = pp.deal(account=account, stage=pp.propose, **pp.ready())
    assert opp.stage_id == pp.propose.pk
    assert StageChange.objects.get(opportunity=opp).to_stage_id == pp.propose.pk


def test_create_further_along_needs_the_fields_of_the_stages_before(pp):
    # Negotiate asks only for a next step, but a deal starting there skipped Propose.
    with pytest.raises(Invalid) as e:
        pp.deal(stage=pp.negotiate, next_step="Call")
    assert e.value.details["missing"] == ["amount", "expected close date"]
    assert pp.deal(stage=pp.negotiate, **pp.ready()).stage_id == pp.negotiate.pk


def test_create_currency_defaults_to_the_workspace_currency(pp):
    assert pp.deal().currency == "CNY"
    CustomerSettings.objects.update_or_create(workspace=pp.world.a, defaults={"currency": "USD"})
    assert pp.deal().currency == "USD"
    assert pp.deal(currency="EUR").currency == "EUR"
    with pytest.raises(Invalid) as e:
        pp.deal(currency="XXX")
    assert "currency" in e.value.fields


def test_create_simple_and_tag_deals_have_no_stage(pp):
    renewal = pp.deal(opp_type=pp.simple, amount="300", close_date="2031-01-31")
    assert renewal.stage_id is None
    assert renewal.amount == Decimal("300.00")
    assert renewal.close_date == datetime.date(2031, 1, 31)
    [row] = StageChange.objects.filter(opportunity=renewal)
    assert (row.to_stage_id, row.to_status) == (None, "open")
    referrer = pp.account(name="Referrer Ltd")
    tag = pp.deal(opp_type=pp.tag, referred_by=referrer.pk, source="referral")
    assert (tag.stage_id, tag.referred_by_id) == (None, referrer.pk)
    # a stage given for a stageless type is ignored rather than stored
    assert pp.deal(opp_type=pp.simple, stage=pp.qualify).stage_id is None


def test_create_refuses_a_stage_of_another_type(pp):
    other_type = services.type_create(actor=pp.admin, name="Upsell", variant="staged")
    other_stage = services.stage_create(actor=pp.admin, type_id=other_type.pk, name="Scope")
    with pytest.raises(Invalid) as e:
        pp.deal(stage=other_stage)
    assert "Upsell" in e.value.fields["stage"]


@pytest.mark.parametrize("case", ["retired", "other_workspace", "garbage", "no_stages"])
def test_create_needs_an_active_type_of_the_workspace(pp, case):
    if case == "retired":
        services.type_update(actor=pp.admin, type_id=pp.simple.pk, name="R", is_active=False)
        type_id = pp.simple.pk
    elif case == "other_workspace":
        type_id = services.type_create(
            actor=pp.actor("admin", "beta"), name="Beta deals", variant="simple"
        ).pk
    elif case == "no_stages":
        type_id = services.type_create(actor=pp.admin, name="Empty", variant="staged").pk
    else:
        type_id = "abc"
    account = pp.account()
    with pytest.raises(Invalid) as e:
        services.opportunity_create(
            actor=pp.rep, type_id=type_id, data={"name": "X", "account": account.pk}
        )
    assert "type" in e.value.fields
    assert not Opportunity.objects.exists()


def test_create_needs_a_name_and_a_visible_account(pp):
    with pytest.raises(Invalid) as e:
        services.opportunity_create(actor=pp.rep, type_id=pp.staged.pk, data={})
    assert {"name", "account"} <= set(e.value.fields)
    hidden = pp.account(pp.other, name="Not yours")
    with pytest.raises(Invalid) as e:
        pp.deal(account=hidden)
    assert "account" in e.value.fields
    assert not Opportunity.objects.exists()


def test_create_refuses_status_and_stage_as_fields(pp):
    with pytest.raises(Invalid) as e:
        pp.deal(status="won")
    assert "status" in e.value.fields
    assert not Opportunity.objects.exists()


def test_readonly_cannot_create_and_reps_cannot_give_deals_away(pp):
    account = pp.account(pp.admin)
    customer_services.collaborator_set(
        actor=pp.admin,
        object_type="account",
        record_id=account.pk,
        member_id=pp.actor("readonly").membership.pk,
        level="edit",
    )
    with pytest.raises(Forbidden):
        pp.deal(pp.actor("readonly"), account=account)
    with pytest.raises(Forbidden):
        pp.deal(pp.rep, owner=pp.other)
    assert not Opportunity.objects.exists()
    # a manager may create a deal for their rep
    opp = pp.deal(pp.manager, account=pp.account(pp.manager), owner=pp.rep)
    assert opp.owner_id == pp.rep.membership.pk


# -- moves: gates ----------------------------------------------------------------------------


def test_move_forward_through_a_gate(pp, clock):
    opp = pp.deal(**pp.ready())
    clock.advance(hours=5)
    moved = move(pp, opp, pp.propose)
    row = pp.reload(opp)
    assert row.stage_id == pp.propose.pk == moved.stage_id
    assert row.version == opp.version + 1 == moved.version
    assert row.stage_entered_at == clock.now
    last = StageChange.objects.filter(opportunity=opp).latest("pk")
    assert (last.from_stage_id, last.to_stage_id) == (pp.qualify.pk, pp.propose.pk)
    assert (last.from_status, last.to_status) == ("open", "open")
    assert last.changed_by_id == pp.rep.membership.pk
    [event] = events(opp, "stage_changed")
    assert event.data["from_id"] == pp.qualify.pk and event.data["to_id"] == pp.propose.pk
    assert (event.data["from"], event.data["to"]) == ("Qualify", "Propose")
    assert EventAlso.objects.filter(
        event=event, target_type="customers.account", target_id=opp.account_id
    ).exists()


def test_gate_refuses_with_the_missing_labels_and_nothing_changes(pp):
    opp = pp.deal(amount="100")
    before = state(opp)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.propose)
    # labels for people, field names for API clients
    assert e.value.details == {"missing": ["expected close date"], "missing_fields": ["close_date"]}
    assert "stage" in e.value.fields
    assert "expected close date" in e.value.fields["stage"]
    assert e.value.as_dict()["details"]["missing"] == ["expected close date"]
    assert state(opp) == before
    assert events(opp, "stage_changed") == []


def test_gate_counts_the_stages_skipped_on_the_way(pp):
    opp = pp.deal(next_step="Demo")  # Negotiate's own field is there, Propose's are not
    before = state(opp)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.negotiate)
    assert e.value.details["missing"] == ["amount", "expected close date"]
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.contract)
    assert e.value.details["missing"] == ["amount", "expected close date"]
    assert state(opp) == before

    opp2 = pp.deal(amount="1", close_date="2030-01-01")
    with pytest.raises(Invalid) as e:
        move(pp, opp2, pp.contract)
    assert e.value.details["missing"] == ["next step"]
    move(pp, opp2, pp.propose)  # Propose alone is fine
    assert pp.reload(opp2).stage_id == pp.propose.pk


def test_archived_skipped_stage_no_longer_gates(pp):
    services.stage_archive(actor=pp.admin, stage_id=pp.propose.pk)
    opp = pp.deal(next_step="Demo")
    move(pp, opp, pp.negotiate)
    assert pp.reload(opp).stage_id == pp.negotiate.pk


def test_gate_added_later_applies_to_later_moves(pp):
    opp = pp.deal(**pp.ready())
    services.stage_update(actor=pp.admin, stage_id=pp.propose.pk, required_fields=["source"])
    services.stage_update(actor=pp.admin, stage_id=pp.propose.pk, required_fields=["referred_by"])
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.propose)
    assert e.value.details["missing"] == ["referred by"]


def test_gate_on_a_custom_field(pp):
    cf = customer_services.custom_field_create(
        actor=pp.admin, object_type="opportunity", label="PO number", kind="text"
    )
    key = f"custom.{cf.key}"
    # a new request: the admin's memo of custom fields predates the field
    services.stage_update(actor=fresh(pp.admin), stage_id=pp.contract.pk, required_fields=[key])
    rep = fresh(pp.rep)
    opp = pp.deal(rep, stage=pp.negotiate, **pp.ready())
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.contract, actor=rep)
    assert e.value.details["missing"] == ["PO number"]
    opp = customer_services.record_update(
        actor=rep,
        object_type="opportunity",
        record_id=opp.pk,
        version=pp.reload(opp).version,
        data={key: "PO-1"},
    )
    move(pp, opp, pp.contract, actor=rep)
    assert pp.reload(opp).stage_id == pp.contract.pk


def test_backwards_move_is_allowed_and_recorded(pp):
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    move(pp, opp, pp.qualify)
    assert pp.reload(opp).stage_id == pp.qualify.pk
    last = StageChange.objects.filter(opportunity=opp).latest("pk")
    assert (last.from_stage_id, last.to_stage_id) == (pp.negotiate.pk, pp.qualify.pk)


def test_backwards_move_still_needs_the_target_stages_fields(pp):
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    # (emptied behind the services' back: see test_field_edits_go_through_the_record_services)
    Opportunity.objects.filter(pk=opp.pk).update(amount=None)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.propose)
    assert e.value.details["missing"] == ["amount"]
    move(pp, opp, pp.qualify)  # Qualify asks for nothing


def test_move_to_the_same_stage_changes_nothing(pp):
    opp = pp.deal()
    before = state(opp)
    move(pp, opp, pp.qualify)
    assert state(opp) == before


# -- moves: checklist ------------------------------------------------------------------------


def test_checklist_gate_when_the_type_requires_it(pp):
    services.type_update(
        actor=pp.admin, type_id=pp.staged.pk, name="New business", require_checklist=True
    )
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    before = state(opp)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.contract)
    assert e.value.details["missing"] == ["Legal approved", "Budget confirmed"]
    assert state(opp) == before

    services.milestone_set(
        actor=pp.rep, opportunity_id=opp.pk, milestone_id=pp.legal_ok.pk, done=True
    )
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.contract)
    assert e.value.details["missing"] == ["Budget confirmed"]

    # an item taken off the checklist no longer holds deals back
    services.milestone_archive(actor=pp.admin, milestone_id=pp.budget_ok.pk)
    move(pp, opp, pp.contract)
    assert pp.reload(opp).stage_id == pp.contract.pk


def test_checklist_does_not_hold_back_moves_backwards_or_when_not_required(pp):
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    move(pp, opp, pp.contract)  # the type does not require the checklist
    services.type_update(
        actor=pp.admin, type_id=pp.staged.pk, name="New business", require_checklist=True
    )
    opp2 = pp.deal(stage=pp.negotiate, **pp.ready())
    move(pp, opp2, pp.propose)  # backwards
    assert pp.reload(opp2).stage_id == pp.propose.pk


def test_milestone_set_ticks_once_and_unticks(pp):
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    tick = dict(actor=pp.rep, opportunity_id=opp.pk, milestone_id=pp.legal_ok.pk)
    assert services.milestone_set(**tick, done=True) is True
    assert services.milestone_set(**tick, done=True) is True  # again: nothing new
    done = MilestoneDone.objects.get(opportunity=opp)
    assert done.done_by_id == pp.rep.membership.pk
    assert len(events(opp, "milestone_done")) == 1
    checklist = selectors.checklist(opportunity=opp)
    assert [(m.title, d is not None) for m, d in checklist] == [
        ("Legal approved", True),
        ("Budget confirmed", False),
    ]
    services.milestone_set(**tick, done=False)
    assert not MilestoneDone.objects.filter(opportunity=opp).exists()
    assert len(events(opp, "milestone_undone")) == 1


def test_milestone_of_another_type_or_workspace_is_not_found(pp):
    other_type = services.type_create(actor=pp.admin, name="Upsell", variant="staged")
    other_stage = services.stage_create(actor=pp.admin, type_id=other_type.pk, name="Scope")
    foreign = services.milestone_create(actor=pp.admin, stage_id=other_stage.pk, title="X")
    opp = pp.deal()
    for milestone_id in (foreign.pk, "nope", 999_999):
        with pytest.raises(NotFound):
            services.milestone_set(
                actor=pp.rep, opportunity_id=opp.pk, milestone_id=milestone_id, done=True
            )
    assert not MilestoneDone.objects.exists()


# -- moves: refused targets and closed deals -------------------------------------------------


def test_move_to_a_stage_of_another_type_is_a_field_error(pp):
    other_type = services.type_create(actor=pp.admin, name="Upsell", variant="staged")
    other_stage = services.stage_create(actor=pp.admin, type_id=other_type.pk, name="Scope")
    opp = pp.deal()
    before = state(opp)
    with pytest.raises(Invalid) as e:
        move(pp, opp, other_stage)
    assert "Upsell" in e.value.fields["stage"]
    assert state(opp) == before


def test_move_to_a_stage_of_another_workspace_or_nonsense(pp):
    beta_admin = pp.actor("admin", "beta")
    beta_type = services.type_create(actor=beta_admin, name="B", variant="staged")
    beta_stage = services.stage_create(actor=beta_admin, type_id=beta_type.pk, name="B1")
    opp = pp.deal()
    before = state(opp)
    for stage_id in (beta_stage.pk, 999_999, "x", None):
        with pytest.raises(Invalid) as e:
            services.opportunity_move(actor=pp.rep, opportunity_id=opp.pk, stage_id=stage_id)
        assert "stage" in e.value.fields
    assert state(opp) == before


def test_no_deal_moves_into_an_archived_stage_but_can_move_out(pp):
    opp = pp.deal(stage=pp.propose, **pp.ready())
    services.stage_archive(actor=pp.admin, stage_id=pp.contract.pk)
    before = state(opp)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.contract)
    assert "stage" in e.value.fields
    assert state(opp) == before
    services.stage_archive(actor=pp.admin, stage_id=pp.propose.pk)  # the deal's own stage
    move(pp, opp, pp.negotiate)
    assert pp.reload(opp).stage_id == pp.negotiate.pk


@pytest.mark.parametrize("close", ["win", "lose"])
def test_closed_deal_cannot_move(pp, close):
    opp = pp.deal(**pp.ready())
    if close == "win":
        services.opportunity_win(actor=pp.rep, opportunity_id=opp.pk)
    else:
        services.opportunity_lose(actor=pp.rep, opportunity_id=opp.pk, reason_id=pp.price.pk)
    before = state(opp)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.propose)
    assert "stage" in e.value.fields
    assert state(opp) == before


def test_stageless_deal_cannot_move(pp):
    opp = pp.deal(opp_type=pp.simple)
    with pytest.raises(Invalid) as e:
        move(pp, opp, pp.qualify)
    assert "stage" in e.value.fields
    assert pp.reload(opp).stage_id is None


# -- moves: conflicts ------------------------------------------------------------------------


def test_move_from_a_stale_stage_conflicts_naming_the_current_one(pp):
    opp = pp.deal(**pp.ready())
    move(pp, opp, pp.propose, actor=pp.manager)  # someone else moved it first
    before = state(opp)
    with pytest.raises(Conflict) as e:
        move(pp, opp, pp.negotiate, from_stage_id=pp.qualify.pk)
    assert e.value.status == 409
    assert e.value.details["stage_id"] == pp.propose.pk
    assert e.value.details["status"] == "open"
    assert e.value.details["version"] == before["version"]
    assert "Propose" in str(e.value.message)
    assert state(opp) == before
    # seen right, it goes through
    move(pp, opp, pp.negotiate, from_stage_id=str(pp.propose.pk))
    assert pp.reload(opp).stage_id == pp.negotiate.pk


def test_move_of_a_deal_closed_meanwhile_conflicts(pp):
    opp = pp.deal(**pp.ready())
    services.opportunity_win(actor=pp.manager, opportunity_id=opp.pk)
    services.opportunity_reopen(actor=pp.manager, opportunity_id=opp.pk)
    move(pp, opp, pp.propose, actor=pp.manager)
    with pytest.raises(Conflict) as e:
        move(pp, opp, pp.negotiate, from_stage_id=pp.qualify.pk)
    assert e.value.details["stage_id"] == pp.propose.pk


def test_concurrent_move_loses_at_the_conditional_update(pp, monkeypatch):
    """Two movers read the deal in Qualify; the first moves it. The second's UPDATE finds the
    deal no longer in the stage it read and writes nothing."""
    opp = pp.deal(**pp.ready())
    stale = deals.opportunity_get_for_write(actor=pp.rep, opportunity_id=opp.pk)
    move(pp, opp, pp.negotiate, actor=pp.manager)
    before = state(opp)
    monkeypatch.setattr(deals, "opportunity_get_for_write", lambda **kw: stale)
    with pytest.raises(Conflict) as e:
        move(pp, opp, pp.propose)
    assert e.value.details["stage_id"] == pp.negotiate.pk
    assert state(opp) == before


def test_edit_started_before_a_move_conflicts(pp):
    opp = pp.deal(**pp.ready())
    seen_version = pp.reload(opp).version
    move(pp, opp, pp.propose, actor=pp.manager)
    with pytest.raises(Conflict):
        customer_services.record_update(
            actor=pp.rep,
            object_type="opportunity",
            record_id=opp.pk,
            version=seen_version,
            data={"next_step": "Lunch"},
        )
    assert pp.reload(opp).next_step == "Call the CFO"


# -- probability -----------------------------------------------------------------------------


def test_probability_override_needs_a_reason_and_is_cleared_on_move(pp):
    opp = pp.deal(**pp.ready())
    set_p = dict(actor=pp.rep, opportunity_id=opp.pk)
    with pytest.raises(Invalid) as e:
        services.opportunity_probability_set(**set_p, probability=55)
    assert "reason" in e.value.fields
    for bad in (101, -5, "much"):
        with pytest.raises(Invalid) as e:
            services.opportunity_probability_set(**set_p, probability=bad, reason="x")
        assert "probability" in e.value.fields
    assert pp.reload(opp).probability is None

    services.opportunity_probability_set(**set_p, probability="55%", reason="CFO is keen")
    row = pp.reload(opp)
    assert (row.probability, row.probability_reason, row.effective_probability) == (
        55,
        "CFO is keen",
        55,
    )
    [event] = events(opp, "probability_set")
    assert event.data["changes"] == [
        {"field": "probability", "old": 10, "new": 55, "reason": "CFO is keen"}
    ]

    move(pp, opp, pp.propose)
    row = pp.reload(opp)
    assert (row.probability, row.probability_reason) == (None, "")
    assert row.effective_probability == 40


def test_probability_back_to_the_stage_default(pp):
    opp = pp.deal()
    services.opportunity_probability_set(
        actor=pp.rep, opportunity_id=opp.pk, probability=80, reason="Signed LOI"
    )
    services.opportunity_probability_set(actor=pp.rep, opportunity_id=opp.pk, probability="")
    row = pp.reload(opp)
    assert (row.probability, row.probability_reason, row.effective_probability) == (None, "", 10)


def test_probability_readonly_for_a_role_is_refused(pp):
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="probability", role="rep",
        access="readonly",
    )  # fmt: skip
    opp = pp.deal()
    with pytest.raises(Forbidden):
        services.opportunity_probability_set(
            actor=fresh(pp.rep), opportunity_id=opp.pk, probability=50, reason="why not"
        )
    assert pp.reload(opp).probability is None


# -- win, lose, reopen -----------------------------------------------------------------------


def test_win_closes_the_deal(pp):
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    services.opportunity_win(actor=pp.rep, opportunity_id=opp.pk)
    row = pp.reload(opp)
    assert row.status == "won" and row.closed_at is not None
    assert row.stage_id == pp.negotiate.pk  # it closed in its stage
    assert (row.effective_probability, row.forecast_category) == (100, "closed_won")
    assert row.version == opp.version + 1
    last = StageChange.objects.filter(opportunity=opp).latest("pk")
    assert (last.from_status, last.to_status, last.to_stage_id) == (
        "open",
        "won",
        pp.negotiate.pk,
    )
    [won] = events(opp, "won")
    assert won.data["fields"] == {"amount": "1000.00 CNY"}
    with pytest.raises(Invalid):
        services.opportunity_win(actor=pp.rep, opportunity_id=opp.pk)
    with pytest.raises(Invalid):
        services.opportunity_lose(actor=pp.rep, opportunity_id=opp.pk, reason_id=pp.price.pk)
    assert StageChange.objects.filter(opportunity=opp).count() == 2


@pytest.mark.parametrize("reason", ["none", "retired", "other_workspace", "garbage"])
def test_lose_needs_an_active_reason_of_the_workspace(pp, reason):
    reason_id = {
        "none": None,
        "retired": pp.retired.pk,
        "garbage": "because",
        "other_workspace": services.loss_reason_create(
            actor=pp.actor("admin", "beta"), name="Beta reason"
        ).pk,
    }[reason]
    opp = pp.deal()
    before = state(opp)
    with pytest.raises(Invalid) as e:
        services.opportunity_lose(actor=pp.rep, opportunity_id=opp.pk, reason_id=reason_id)
    assert "reason" in e.value.fields
    assert state(opp) == before


def test_lose_records_reason_and_note(pp):
    opp = pp.deal()
    with pytest.raises(Invalid) as e:
        services.opportunity_lose(
            actor=pp.rep, opportunity_id=opp.pk, reason_id=pp.price.pk, note="x" * 501
        )
    assert "note" in e.value.fields
    services.opportunity_lose(
        actor=pp.rep, opportunity_id=opp.pk, reason_id=pp.price.pk, note=" Too expensive "
    )
    row = pp.reload(opp)
    assert (row.status, row.loss_reason_id, row.loss_note) == ("lost", pp.price.pk, "Too expensive")
    assert (row.effective_probability, row.forecast_category) == (0, "closed_lost")
    last = StageChange.objects.filter(opportunity=opp).latest("pk")
    assert (last.to_status, last.note) == ("lost", "Too expensive")
    [event] = events(opp, "lost")
    assert event.data["reason"] == "Price"


def test_reopen_is_for_managers(pp):
    opp = pp.deal(stage=pp.propose, **pp.ready())
    services.opportunity_lose(actor=pp.rep, opportunity_id=opp.pk, reason_id=pp.price.pk, note="n")
    before = state(opp)
    with pytest.raises(Forbidden):
        services.opportunity_reopen(actor=pp.rep, opportunity_id=opp.pk)  # the owner
    with pytest.raises(NotFound):
        services.opportunity_reopen(actor=pp.other, opportunity_id=opp.pk)
    assert state(opp) == before

    services.opportunity_reopen(actor=pp.manager, opportunity_id=opp.pk, note="They came back")
    row = pp.reload(opp)
    assert (row.status, row.closed_at, row.loss_reason_id, row.loss_note) == (
        "open",
        None,
        None,
        "",
    )
    assert row.stage_id == pp.propose.pk
    last = StageChange.objects.filter(opportunity=opp).latest("pk")
    assert (last.from_status, last.to_status) == ("lost", "open")
    assert (last.from_stage_id, last.to_stage_id) == (pp.propose.pk, pp.propose.pk)
    assert last.changed_by_id == pp.manager.membership.pk
    assert last.note == "They came back"
    assert len(events(opp, "reopened")) == 1
    with pytest.raises(Invalid):
        services.opportunity_reopen(actor=pp.manager, opportunity_id=opp.pk)  # open already


def test_admin_reopens_a_won_deal_of_anyone(pp):
    opp = pp.deal(pp.other, **pp.ready())
    services.opportunity_win(actor=pp.other, opportunity_id=opp.pk)
    with pytest.raises(NotFound):  # the manager does not manage `other`
        services.opportunity_reopen(actor=pp.manager, opportunity_id=opp.pk)
    services.opportunity_reopen(actor=pp.admin, opportunity_id=opp.pk)
    assert pp.reload(opp).status == "open"
    # and the deal moves again
    move(pp, opp, pp.propose, actor=pp.other)
    assert pp.reload(opp).stage_id == pp.propose.pk


# -- time in stage ---------------------------------------------------------------------------


def test_time_in_stages_comes_from_history(pp, clock):
    opp = pp.deal(**pp.ready())  # Qualify at t0
    clock.advance(days=2)
    move(pp, opp, pp.negotiate)  # 2 days in Qualify
    clock.advance(days=3)
    move(pp, opp, pp.qualify)  # 3 days in Negotiate
    clock.advance(days=1)
    services.opportunity_win(actor=pp.rep, opportunity_id=opp.pk)  # 1 more day in Qualify
    clock.advance(days=10)  # closed time does not count

    history = selectors.stage_history(actor=pp.rep, opportunity=opp)
    assert [(h.change.to_stage_id, h.change.to_status) for h in history] == [
        (pp.qualify.pk, "open"),
        (pp.negotiate.pk, "open"),
        (pp.qualify.pk, "open"),
        (pp.qualify.pk, "won"),
    ]
    assert [h.duration.days for h in history] == [2, 3, 1, 10]
    times = selectors.time_in_stages(history)
    assert times == {
        pp.qualify.pk: datetime.timedelta(days=3),
        pp.negotiate.pk: datetime.timedelta(days=3),
    }


def test_days_in_stage_and_stuck(pp, clock):
    opp = pp.deal(stage=pp.negotiate, **pp.ready())  # stuck after 14 days
    opp = selectors.opportunity_get(actor=pp.rep, opportunity_id=opp.pk)
    clock.advance(days=13, hours=23)
    assert selectors.days_in_stage(opp) == 13
    assert not selectors.is_stuck(opp)
    clock.advance(hours=1)
    assert selectors.days_in_stage(opp) == 14
    assert selectors.is_stuck(opp)
    qualify_deal = selectors.opportunity_get(actor=pp.rep, opportunity_id=pp.deal().pk)
    assert not selectors.is_stuck(qualify_deal)  # Qualify has no limit


# -- deal team and splits --------------------------------------------------------------------


def team_of(opp):
    return sorted(
        DealTeamMember.objects.filter(opportunity=opp).values_list("member_id", "role", "split")
    )


def test_deal_team_with_splits(pp):
    opp = pp.deal()
    rep_id, other_id = pp.rep.membership.pk, pp.other.membership.pk
    rows = services.deal_team_set(
        actor=pp.rep,
        opportunity_id=opp.pk,
        members=[
            {"member_id": rep_id, "role": "co_seller", "split": 60},
            {"member_id": str(other_id), "role": "presales", "split": "40"},
        ],
    )
    assert len(rows) == 2
    assert team_of(opp) == sorted([(rep_id, "co_seller", 60), (other_id, "presales", 40)])
    [event] = events(opp, "team_changed")
    assert {m["split"] for m in event.data["team"]} == {60, 40}
    assert [m.member_id for m in selectors.deal_team(opportunity=opp)] == [rep_id, other_id]
    # replaced as a whole
    services.deal_team_set(
        actor=pp.rep,
        opportunity_id=opp.pk,
        members=[{"member_id": other_id, "role": "co_seller", "split": 100}],
    )
    assert team_of(opp) == [(other_id, "co_seller", 100)]


def test_empty_team_is_allowed(pp):
    opp = pp.deal()
    services.deal_team_set(
        actor=pp.rep,
        opportunity_id=opp.pk,
        members=[{"member_id": pp.other.membership.pk, "role": "presales", "split": 100}],
    )
    services.deal_team_set(actor=pp.rep, opportunity_id=opp.pk, members=[])
    assert team_of(opp) == []


@pytest.mark.parametrize(
    "members, key",
    [
        (lambda pp: [("rep", "co_seller", 50), ("other", "presales", 40)], "split"),
        (lambda pp: [("rep", "co_seller", 50), ("rep", "presales", 50)], "members.1.member_id"),
        (lambda pp: [("rep", "co_seller", 50), ("beta", "presales", 50)], "members.1.member_id"),
        (lambda pp: [("rep", "co_seller", 50), ("nobody", "presales", 50)], "members.1.member_id"),
        (lambda pp: [("rep", "boss", 100)], "members.0.role"),
        (lambda pp: [("rep", "co_seller", 101)], "members.0.split"),
        (lambda pp: [("rep", "co_seller", "half")], "members.0.split"),
    ],
    ids=["not-100", "duplicate", "other-workspace", "no-member", "bad-role", "over-100", "nan"],
)
def test_bad_team_is_refused_and_the_old_one_stays(pp, members, key):
    ids = {
        "rep": pp.rep.membership.pk,
        "other": pp.other.membership.pk,
        "beta": pp.world.member("beta", "rep").pk,
        "nobody": None,
    }
    opp = pp.deal()
    services.deal_team_set(
        actor=pp.rep,
        opportunity_id=opp.pk,
        members=[{"member_id": ids["other"], "role": "support", "split": 100}],
    )
    before = team_of(opp)
    with pytest.raises(Invalid) as e:
        services.deal_team_set(
            actor=pp.rep,
            opportunity_id=opp.pk,
            members=[{"member_id": ids[m], "role": r, "split": s} for m, r, s in members(pp)],
        )
    assert key in e.value.fields
    assert team_of(opp) == before
    assert len(events(opp, "team_changed")) == 1


def test_only_the_owner_and_managers_set_the_team(pp):
    opp = pp.deal()
    team = [{"member_id": pp.other.membership.pk, "role": "presales", "split": 100}]
    services.deal_team_set(actor=pp.rep, opportunity_id=opp.pk, members=team)
    # `other` is on the team now: edits the deal, but does not choose the team
    move(pp, opp, pp.qualify, actor=pp.other)
    with pytest.raises(Forbidden):
        services.deal_team_set(actor=pp.other, opportunity_id=opp.pk, members=[])
    with pytest.raises(NotFound):
        services.deal_team_set(actor=pp.actor("admin", "beta"), opportunity_id=opp.pk, members=[])
    assert team_of(opp) == [(pp.other.membership.pk, "presales", 100)]
    services.deal_team_set(actor=pp.manager, opportunity_id=opp.pk, members=[])
    services.deal_team_set(actor=pp.admin, opportunity_id=opp.pk, members=team)
    assert len(team_of(opp)) == 1


# -- contacts on the deal --------------------------------------------------------------------


def test_contacts_on_the_deal(pp):
    opp = pp.deal()
    contact = pp.cx.contact(pp.rep, full_name="王五")
    services.opportunity_contact_set(
        actor=pp.rep, opportunity_id=opp.pk, contact_id=contact.pk, role="decision_maker"
    )
    services.opportunity_contact_set(
        actor=pp.rep, opportunity_id=opp.pk, contact_id=contact.pk, role="payer"
    )
    assert list(
        OpportunityContact.objects.filter(opportunity=opp).values_list("role", flat=True)
    ) == ["payer"]
    assert len(events(opp, "contact_added")) == 1 and len(events(opp, "contact_changed")) == 1
    assert [c.contact_id for c in selectors.deal_contacts(actor=pp.rep, opportunity=opp)] == [
        contact.pk
    ]
    with pytest.raises(Invalid) as e:
        services.opportunity_contact_set(
            actor=pp.rep, opportunity_id=opp.pk, contact_id=contact.pk, role="boss"
        )
    assert "role" in e.value.fields
    services.opportunity_contact_remove(actor=pp.rep, opportunity_id=opp.pk, contact_id=contact.pk)
    assert not OpportunityContact.objects.filter(opportunity=opp).exists()
    with pytest.raises(NotFound):
        services.opportunity_contact_remove(
            actor=pp.rep, opportunity_id=opp.pk, contact_id=contact.pk
        )


def test_only_visible_contacts_go_on_a_deal_and_are_listed(pp):
    opp = pp.deal()
    hidden = pp.cx.contact(pp.other, full_name="赵六")
    with pytest.raises(Invalid) as e:
        services.opportunity_contact_set(
            actor=pp.rep, opportunity_id=opp.pk, contact_id=hidden.pk, role="user"
        )
    assert "contact" in e.value.fields
    # the admin adds it; the rep still does not see it listed
    services.opportunity_contact_set(
        actor=pp.admin, opportunity_id=opp.pk, contact_id=hidden.pk, role="user"
    )
    assert selectors.deal_contacts(actor=pp.rep, opportunity=opp) == []
    assert len(selectors.deal_contacts(actor=pp.admin, opportunity=opp)) == 1


# -- record services of the customers app on deals -------------------------------------------


def test_field_edits_go_through_the_record_services(pp):
    opp = pp.deal()
    version = pp.reload(opp).version
    updated = customer_services.record_update(
        actor=pp.rep,
        object_type="opportunity",
        record_id=opp.pk,
        version=version,
        data={"next_step": "Demo", "source": "partner"},
    )
    row = pp.reload(opp)
    assert (row.next_step, row.source) == ("Demo", "partner")
    assert row.version == updated.version == version + 1
    [event] = events(opp, "updated")
    assert {c["field"] for c in event.data["changes"]} == {"next_step", "source"}
    # the pipeline's own fields change only through the pipeline's services
    for field in ("stage", "status", "probability", "loss_reason", "type"):
        with pytest.raises(Invalid) as e:
            customer_services.record_update(
                actor=pp.rep,
                object_type="opportunity",
                record_id=opp.pk,
                version=row.version,
                data={field: "x"},
            )
        assert field in e.value.fields
    assert pp.reload(opp).version == row.version


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"amount": "1234.5"}, {"amount": Decimal("1234.50")}),
        ({"close_date": "2030-06-30"}, {"close_date": datetime.date(2030, 6, 30)}),
    ],
    ids=["amount", "close_date"],
)
def test_amount_and_close_date_edits(pp, data, expected):
    opp = pp.deal()
    customer_services.record_update(
        actor=pp.rep,
        object_type="opportunity",
        record_id=opp.pk,
        version=pp.reload(opp).version,
        data=data,
    )
    row = pp.reload(opp)
    assert {name: getattr(row, name) for name in expected} == expected
    [event] = events(opp, "updated")
    assert [c["field"] for c in event.data["changes"]] == list(expected)


def test_owner_change_archive_and_delete_of_a_deal(pp):
    opp = pp.deal()
    customer_services.record_owner_change(
        actor=pp.manager,
        object_type="opportunity",
        record_id=opp.pk,
        owner_id=pp.other.membership.pk,
    )
    assert pp.reload(opp).owner_id == pp.other.membership.pk
    customer_services.record_archive(actor=pp.admin, object_type="opportunity", record_id=opp.pk)
    assert pp.reload(opp).archived_at is not None
    opp2 = pp.deal()
    services.deal_team_set(
        actor=pp.rep,
        opportunity_id=opp2.pk,
        members=[{"member_id": pp.rep.membership.pk, "role": "co_seller", "split": 100}],
    )
    customer_services.record_delete(actor=pp.rep, object_type="opportunity", record_id=opp2.pk)
    assert not Opportunity.objects.filter(pk=opp2.pk).exists()
    assert not StageChange.objects.filter(opportunity_id=opp2.pk).exists()
    assert not DealTeamMember.objects.filter(opportunity_id=opp2.pk).exists()


# -- accounts with deals ---------------------------------------------------------------------


def test_account_with_an_open_deal_cannot_be_deleted(pp):
    account = pp.account()
    pp.deal(account=account)
    with pytest.raises(Conflict) as e:
        customer_services.record_delete(actor=pp.rep, object_type="account", record_id=account.pk)
    assert "open deal" in str(e.value.message)
    assert Account.objects.filter(pk=account.pk).exists()


def test_account_with_only_closed_deals_cannot_be_deleted(pp):
    account = pp.account()
    opp = pp.deal(account=account)
    services.opportunity_lose(actor=pp.rep, opportunity_id=opp.pk, reason_id=pp.price.pk)
    with pytest.raises(Conflict) as e:
        customer_services.record_delete(actor=pp.admin, object_type="account", record_id=account.pk)
    assert "closed deals" in str(e.value.message)
    assert Account.objects.filter(pk=account.pk).exists()
    # once the deal itself is gone, so may the account go
    customer_services.record_delete(actor=pp.rep, object_type="opportunity", record_id=opp.pk)
    customer_services.record_delete(actor=pp.rep, object_type="account", record_id=account.pk)
    assert not Account.objects.filter(pk=account.pk).exists()


def test_account_that_referred_a_deal_cannot_be_deleted(pp):
    referrer = pp.account(name="Referrer")
    pp.deal(opp_type=pp.tag, referred_by=referrer.pk)
    with pytest.raises(Conflict):
        customer_services.record_delete(actor=pp.rep, object_type="account", record_id=referrer.pk)
    assert Account.objects.filter(pk=referrer.pk).exists()
