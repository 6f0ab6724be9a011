"""Who sees and who edits which deal: roles × rules, the services' answers (404 for a deal
you cannot see, 403 for one you see but may not change), field permissions on deal fields,
deal events on the account's timeline, and workspace isolation.

The team tree (tests/customers/conftest.py): the alpha manager manages team East, which holds
the alpha rep; `other` is a rep outside any team. Every check uses a fresh actor, as each
request does (actors memoise their scope and field rules)."""

from __future__ import annotations

import pytest

from dealroom.activity.selectors import event_list, event_list_for_target
from dealroom.core.errors import Forbidden, NotFound
from dealroom.customers import services as customer_services
from dealroom.customers import visibility as customer_visibility
from dealroom.customers.models import Account
from dealroom.pipeline import selectors, services, visibility
from dealroom.pipeline.models import Opportunity
from dealroom.pipeline.selectors import BoardFilter
from dealroom.pipeline.services import deals

from .conftest import fresh

ROLES = ("admin", "manager", "rep", "readonly", "other", "beta_admin", "beta_rep")


def actors(pp) -> dict:
    out = {role: fresh(pp.actor(role)) for role in ("admin", "manager", "rep", "readonly")}
    out["other"] = fresh(pp.other)
    out["beta_admin"] = fresh(pp.actor("admin", "beta"))
    out["beta_rep"] = fresh(pp.actor("rep", "beta"))
    return out


def matrix(pp, opp) -> dict[str, str]:
    """role → "se" (sees, edits), "s-" (sees only) or "--" (neither). Every way of asking
    must agree: the queryset, the detail selector, the event scope and the write guard."""
    out = {}
    for role, actor in actors(pp).items():
        sees = Opportunity.objects.visible_to(actor).filter(pk=opp.pk).exists()
        try:
            selectors.opportunity_get(actor=actor, opportunity_id=opp.pk)
            got = True
        except NotFound:
            got = False
        assert got == sees, (role, "selector and queryset disagree")
        ids = visibility.visible_ids(actor)
        in_ids = (
            ids is None
            and actor.workspace_id == opp.workspace_id
            or (ids is not None and ids.filter(pk=opp.pk).exists())
        )
        assert in_ids == sees, (role, "event scope and queryset disagree")
        edits = customer_visibility.can_edit(actor, opp)
        try:
            deals.opportunity_get_for_write(actor=actor, opportunity_id=opp.pk)
            guard = "se"
        except Forbidden:
            guard = "s-"
        except NotFound:
            guard = "--"
        verdict = ("s" if sees else "-") + ("e" if sees and edits else "-")
        assert guard == verdict, (role, guard, verdict)
        out[role] = verdict
    return out


def expect(**roles: str) -> dict[str, str]:
    """Roles not named neither see nor edit; admins always see and edit their workspace."""
    return {role: roles.get(role, "se" if role == "admin" else "--") for role in ROLES}


def admin_account(pp, **data):
    return pp.account(pp.admin, name=data.pop("name", "Admin's customer"), **data)


def deal_of(pp, owner, account=None, **data):
    """A deal the admin creates for `owner` on an account of the admin's (so that the
    account-owner rule does not blur the owner rules)."""
    return pp.deal(pp.admin, account=account or admin_account(pp), owner=owner, **data)


def collaborate(pp, opp, member, level: str) -> None:
    customer_services.collaborator_set(
        actor=pp.admin,
        object_type="opportunity",
        record_id=opp.pk,
        member_id=member.membership.pk,
        level=level,
    )


def team(pp, opp, *members) -> None:
    split = 100 // len(members)
    services.deal_team_set(
        actor=pp.admin,
        opportunity_id=opp.pk,
        members=[
            {"member_id": m.membership.pk, "role": "co_seller", "split": split} for m in members
        ],
    )


# -- the matrix ------------------------------------------------------------------------------


def test_owner_and_managers_above_the_owner(pp):
    assert matrix(pp, deal_of(pp, pp.rep)) == expect(manager="se", rep="se")


def test_deal_outside_the_managers_tree(pp):
    assert matrix(pp, deal_of(pp, pp.other)) == expect(other="se")


def test_deal_owned_by_the_manager_is_not_seen_by_the_rep_below(pp):
    assert matrix(pp, deal_of(pp, pp.manager)) == expect(manager="se")


def test_deal_team_member_and_their_manager(pp):
    opp = deal_of(pp, pp.other)
    team(pp, opp, pp.rep, pp.other)
    assert matrix(pp, opp) == expect(manager="se", rep="se", other="se")


def test_readonly_on_the_deal_team_sees_but_does_not_edit(pp):
    opp = deal_of(pp, pp.other)
    team(pp, opp, pp.actor("readonly"))
    assert matrix(pp, opp) == expect(readonly="s-", other="se")


@pytest.mark.parametrize("level, verdict", [("follow", "s-"), ("view", "s-"), ("edit", "se")])
def test_collaborator_on_the_deal(pp, level, verdict):
    opp = deal_of(pp, pp.other)
    collaborate(pp, opp, pp.rep, level)
    # collaboration is personal: the rep's manager gains nothing
    assert matrix(pp, opp) == expect(rep=verdict, other="se")


def test_readonly_edit_collaborator_still_cannot_edit(pp):
    opp = deal_of(pp, pp.other)
    collaborate(pp, opp, pp.actor("readonly"), "edit")
    assert matrix(pp, opp) == expect(readonly="s-", other="se")


def test_account_owner_sees_every_deal_on_their_customer_but_does_not_edit(pp):
    account = pp.account(pp.rep, name="Rep's customer")
    opp = pp.deal(pp.admin, account=account, owner=pp.other)
    assert matrix(pp, opp) == expect(manager="s-", rep="s-", other="se")


def test_reps_see_all_customers_does_not_expose_deals(pp):
    opp = deal_of(pp, pp.other)
    customer_services.customer_settings_update(actor=pp.admin, reps_see_all=True)
    rep = fresh(pp.rep)
    assert Account.objects.visible_to(rep).filter(pk=opp.account_id).exists()
    assert matrix(pp, opp) == expect(other="se")
    assert selectors.account_opportunities(actor=rep, account=opp.account) == []


def test_beta_sees_nothing_of_alpha(pp):
    opp = deal_of(pp, pp.rep)
    beta = fresh(pp.actor("admin", "beta"))
    assert not Opportunity.objects.visible_to(beta).exists()
    assert selectors.board(actor=beta, opp_type=pp.staged, flt=BoardFilter()) == []
    assert matrix(pp, opp)["beta_admin"] == "--"


# -- the services' answers -------------------------------------------------------------------


def writes(pp, opp):
    """Every write on a deal, each as a function of the actor."""
    return {
        "move": lambda a: services.opportunity_move(
            actor=a, opportunity_id=opp.pk, stage_id=pp.qualify.pk
        ),
        "win": lambda a: services.opportunity_win(actor=a, opportunity_id=opp.pk),
        "lose": lambda a: services.opportunity_lose(
            actor=a, opportunity_id=opp.pk, reason_id=pp.price.pk
        ),
        "probability": lambda a: services.opportunity_probability_set(
            actor=a, opportunity_id=opp.pk, probability=50, reason="x"
        ),
        "team": lambda a: services.deal_team_set(actor=a, opportunity_id=opp.pk, members=[]),
        "milestone": lambda a: services.milestone_set(
            actor=a, opportunity_id=opp.pk, milestone_id=pp.legal_ok.pk, done=True
        ),
        "update": lambda a: customer_services.record_update(
            actor=a,
            object_type="opportunity",
            record_id=opp.pk,
            version=Opportunity.objects.get(pk=opp.pk).version,
            data={"next_step": "Hijack"},
        ),
        "archive": lambda a: customer_services.record_archive(
            actor=a, object_type="opportunity", record_id=opp.pk
        ),
        "delete": lambda a: customer_services.record_delete(
            actor=a, object_type="opportunity", record_id=opp.pk
        ),
        "owner": lambda a: customer_services.record_owner_change(
            actor=a, object_type="opportunity", record_id=opp.pk, owner_id=a.membership.pk
        ),
    }


WRITES = ["move", "win", "lose", "probability", "team", "milestone", "update", "archive",
          "delete", "owner"]  # fmt: skip


def snapshot(opp):
    row = Opportunity.objects.filter(pk=opp.pk).values().first()
    return row


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["other", "beta_admin", "beta_rep"])
def test_who_cannot_see_the_deal_gets_not_found(pp, who, write):
    opp = deal_of(pp, pp.rep, stage=pp.negotiate, **pp.ready())
    before = snapshot(opp)
    with pytest.raises(NotFound):
        writes(pp, opp)[write](actors(pp)[who])
    assert snapshot(opp) == before


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["account_owner", "viewer", "readonly_viewer"])
def test_who_sees_but_may_not_edit_gets_forbidden(pp, who, write):
    account = pp.account(pp.rep, name="Rep's customer")
    opp = pp.deal(pp.admin, account=account, owner=pp.other, stage=pp.negotiate, **pp.ready())
    actor = {"account_owner": pp.rep, "viewer": pp.manager, "readonly_viewer": None}[who]
    if who == "viewer":
        # the manager sees the deal through the rep's account; make it a plain viewer too
        collaborate(pp, opp, pp.manager, "view")
    if who == "readonly_viewer":
        actor = pp.actor("readonly")
        collaborate(pp, opp, actor, "view")
    before = snapshot(opp)
    with pytest.raises(Forbidden):
        writes(pp, opp)[write](fresh(actor))
    assert snapshot(opp) == before


def test_deal_team_member_edits_but_does_not_delete_or_give_away(pp):
    opp = deal_of(pp, pp.other, stage=pp.negotiate, **pp.ready())
    team(pp, opp, pp.rep)
    rep = fresh(pp.rep)
    writes(pp, opp)["update"](rep)
    writes(pp, opp)["milestone"](rep)
    writes(pp, opp)["move"](rep)
    for write in ("delete", "owner", "team"):
        with pytest.raises(Forbidden):
            writes(pp, opp)[write](rep)
    row = Opportunity.objects.get(pk=opp.pk)
    assert (row.next_step, row.stage_id, row.owner_id) == (
        "Hijack",
        pp.qualify.pk,
        pp.other.membership.pk,
    )


def test_collaborators_on_a_deal_are_chosen_by_its_owner_or_managers(pp):
    opp = deal_of(pp, pp.rep)
    customer_services.collaborator_set(
        actor=fresh(pp.rep),
        object_type="opportunity",
        record_id=opp.pk,
        member_id=pp.other.membership.pk,
        level="view",
    )
    assert matrix(pp, opp)["other"] == "s-"
    with pytest.raises(Forbidden):  # a viewer does not share further
        customer_services.collaborator_set(
            actor=fresh(pp.other),
            object_type="opportunity",
            record_id=opp.pk,
            member_id=pp.actor("readonly").membership.pk,
            level="view",
        )
    assert matrix(pp, opp)["readonly"] == "--"
    customer_services.collaborator_remove(
        actor=fresh(pp.manager),
        object_type="opportunity",
        record_id=opp.pk,
        member_id=pp.other.membership.pk,
    )
    assert matrix(pp, opp)["other"] == "--"


# -- field permissions -----------------------------------------------------------------------


def hide_amount(pp, access: str = "hidden") -> None:
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="amount", role="rep", access=access
    )


def test_hidden_amount_leaves_board_and_account_totals_empty(pp):
    account = pp.account(pp.rep)
    pp.deal(pp.rep, account=account, **pp.ready(amount="1000"))
    pp.deal(pp.rep, account=account, stage=pp.negotiate, **pp.ready(amount="500"))
    hide_amount(pp)
    rep, manager = fresh(pp.rep), fresh(pp.manager)

    columns = selectors.board(actor=rep, opp_type=pp.staged, flt=BoardFilter())
    assert [c.count for c in columns] == [1, 0, 1, 0]
    assert all(c.totals == [] for c in columns)
    assert not selectors.amounts_visible(rep)
    [group] = selectors.account_opportunities(actor=rep, account=account)
    assert (group.open_amount, group.won_amount) == (None, None)
    assert len(group.deals) == 2

    # the rule is the rep's only
    columns = selectors.board(actor=manager, opp_type=pp.staged, flt=BoardFilter())
    assert [[t.amount for t in c.totals] for c in columns] == [[1000], [], [500], []]
    [group] = selectors.account_opportunities(actor=manager, account=account)
    assert group.open_amount == 1500


@pytest.mark.parametrize("access", ["hidden", "readonly"])
def test_restricted_amount_cannot_be_written_by_the_rep(pp, access):
    opp = pp.deal(pp.rep, **pp.ready(amount="1000"))
    hide_amount(pp, access)
    rep = fresh(pp.rep)
    with pytest.raises(Forbidden) as e:
        customer_services.record_update(
            actor=rep,
            object_type="opportunity",
            record_id=opp.pk,
            version=Opportunity.objects.get(pk=opp.pk).version,
            data={"amount": "1"},
        )
    assert "amount" in e.value.fields
    with pytest.raises(Forbidden):
        pp.deal(rep, amount="5")
    assert Opportunity.objects.get(pk=opp.pk).amount == 1000
    assert Opportunity.objects.count() == 1


def test_hidden_amount_is_not_told_by_the_won_event(pp):
    opp = pp.deal(pp.rep, **pp.ready(amount="777"))
    services.opportunity_win(actor=pp.manager, opportunity_id=opp.pk)
    hide_amount(pp)
    for actor, shown in ((fresh(pp.rep), False), (fresh(pp.manager), True)):
        [won] = [
            e
            for e in event_list_for_target(
                actor=actor, target_type="pipeline.opportunity", target_id=opp.pk
            )
            if e.verb == "opportunity.won"
        ]
        assert ("777" in str(won.data)) is shown


def test_hidden_probability_is_not_told_by_its_event(pp):
    opp = pp.deal(pp.rep)
    services.opportunity_probability_set(
        actor=pp.manager, opportunity_id=opp.pk, probability=83, reason="Board said yes"
    )
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="probability", role="rep", access="hidden"
    )
    for actor, shown in ((fresh(pp.rep), False), (fresh(pp.manager), True)):
        [event] = [
            e
            for e in event_list_for_target(
                actor=actor, target_type="pipeline.opportunity", target_id=opp.pk
            )
            if e.verb == "opportunity.probability_set"
        ]
        assert ("83" in str(event.data)) is shown
        assert ("Board said yes" in str(event.data)) is shown


# -- deal events on the account's timeline ---------------------------------------------------


def account_timeline(actor, account) -> list[str]:
    return [
        e.verb
        for e in event_list_for_target(
            actor=actor, target_type="customers.account", target_id=account.pk
        )
    ]


def test_stage_move_shows_on_the_account_timeline_only_to_who_sees_the_deal(pp):
    account = pp.account(pp.rep)
    opp = pp.deal(pp.rep, account=account, **pp.ready())
    # `other` sees the account (a collaborator on it) but not the deal
    customer_services.collaborator_set(
        actor=pp.admin,
        object_type="account",
        record_id=account.pk,
        member_id=pp.other.membership.pk,
        level="view",
    )
    services.opportunity_move(actor=pp.rep, opportunity_id=opp.pk, stage_id=pp.propose.pk)

    for actor in (fresh(pp.rep), fresh(pp.manager), fresh(pp.admin)):
        assert "opportunity.stage_changed" in account_timeline(actor, account)
    other = fresh(pp.other)
    assert Account.objects.visible_to(other).filter(pk=account.pk).exists()
    timeline = account_timeline(other, account)
    assert "account.created" in timeline  # the account's own events are there
    assert "opportunity.stage_changed" not in timeline
    assert "opportunity.stage_changed" not in [e.verb for e in event_list(actor=other)]


def test_deal_events_on_the_account_timeline_with_reps_seeing_all_customers(pp):
    account = admin_account(pp)
    opp = deal_of(pp, pp.other, account=account, **pp.ready())
    services.opportunity_move(actor=pp.other, opportunity_id=opp.pk, stage_id=pp.propose.pk)
    services.opportunity_win(actor=pp.other, opportunity_id=opp.pk)
    customer_services.customer_settings_update(actor=pp.admin, reps_see_all=True)
    rep_timeline = account_timeline(fresh(pp.rep), account)
    assert "account.created" in rep_timeline
    assert not [v for v in rep_timeline if v.startswith("opportunity.")]
    other_timeline = account_timeline(fresh(pp.other), account)
    assert {"opportunity.stage_changed", "opportunity.won"} <= set(other_timeline)
