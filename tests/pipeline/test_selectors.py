"""Scoped reads of the pipeline: the board (counts, amounts and weighted amounts per stage
column, capped cards, "show more", filters), an account's deals grouped by type, and a
query-count guard: the board costs the same number of queries whatever the number of deals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealroom.customers import services as customer_services
from dealroom.pipeline import selectors, services
from dealroom.pipeline.selectors import CARDS_PER_COLUMN, BoardFilter, Total
from dealroom.workspaces.models import Team

from .conftest import fresh


def board(pp, actor, **flt):
    return selectors.board(actor=fresh(actor), opp_type=pp.staged, flt=BoardFilter(**flt))


def by_stage(columns):
    return {c.stage.name: c for c in columns}


def amounts(columns) -> dict[str, list[Decimal]]:
    return {c.stage.name: [t.amount for t in c.totals] for c in columns}


def close(pp, opp, stage):
    return services.opportunity_move(actor=pp.admin, opportunity_id=opp.pk, stage_id=stage.pk)


# -- columns ---------------------------------------------------------------------------------


def test_board_counts_amounts_and_weighted_per_stage(pp):
    account = pp.account(pp.rep)
    pp.deal(account=account, **pp.ready(amount="1000"))  # Qualify 10 %
    override = pp.deal(account=account, **pp.ready(amount="2000"))
    services.opportunity_probability_set(
        actor=pp.rep, opportunity_id=override.pk, probability=50, reason="Keen"
    )
    pp.deal(account=account)  # no amount: counted, adds nothing
    pp.deal(account=account, stage=pp.propose, **pp.ready(amount="400"))  # 40 %
    pp.deal(account=account, stage=pp.negotiate, **pp.ready(amount="1234.56"))  # 70 %
    # not on the board: won, lost, archived, another type
    won = pp.deal(account=account, stage=pp.propose, **pp.ready(amount="9000"))
    services.opportunity_win(actor=pp.rep, opportunity_id=won.pk)
    lost = pp.deal(account=account, **pp.ready(amount="9000"))
    services.opportunity_lose(actor=pp.rep, opportunity_id=lost.pk, reason_id=pp.price.pk)
    archived = pp.deal(account=account, **pp.ready(amount="9000"))
    customer_services.record_archive(actor=pp.rep, object_type="opportunity", record_id=archived.pk)
    pp.deal(account=account, opp_type=pp.simple, amount="9000")

    columns = board(pp, pp.rep)
    assert [c.stage.name for c in columns] == ["Qualify", "Propose", "Negotiate", "Contract"]
    cols = by_stage(columns)
    assert [c.count for c in columns] == [3, 1, 1, 0]
    # 1000 × 10 % + 2000 × 50 %
    assert cols["Qualify"].totals == [Total("CNY", Decimal("3000"), Decimal("1100"))]
    assert cols["Propose"].totals == [Total("CNY", Decimal("400"), Decimal("160"))]
    [negotiate] = cols["Negotiate"].totals
    assert negotiate.amount == Decimal("1234.56")
    assert abs(negotiate.weighted - Decimal("864.192")) < Decimal("0.01")
    assert (cols["Contract"].totals, cols["Contract"].cards) == ([], [])
    assert {c.pk for c in cols["Qualify"].cards} == {
        o.pk for o in cols["Qualify"].cards if o.status == "open"
    }
    assert not any(c.has_more for c in columns)


def test_board_shows_only_deals_the_actor_sees(pp):
    pp.deal(pp.rep, **pp.ready(amount="100"))
    pp.deal(pp.other, **pp.ready(amount="10"))
    assert [c.count for c in board(pp, pp.rep)] == [1, 0, 0, 0]
    assert amounts(board(pp, pp.rep))["Qualify"] == [Decimal("100")]
    assert [c.count for c in board(pp, pp.manager)] == [1, 0, 0, 0]
    assert [c.count for c in board(pp, pp.other)] == [1, 0, 0, 0]
    assert amounts(board(pp, pp.admin))["Qualify"] == [Decimal("110")]


def test_archived_stage_leaves_the_board(pp):
    pp.deal(stage=pp.contract, **pp.ready())
    services.stage_archive(actor=pp.admin, stage_id=pp.contract.pk)
    assert [c.stage.name for c in board(pp, pp.rep)] == ["Qualify", "Propose", "Negotiate"]


def test_cards_are_capped_per_column_and_the_rest_come_on_demand(pp):
    account = pp.account(pp.rep)
    today = timezone.localdate()
    n = CARDS_PER_COLUMN + 5
    for k in range(n):
        # closest close date first; the deals without one go last
        close_date = (today + datetime.timedelta(days=n - k)).isoformat() if k else ""
        pp.deal(account=account, name=f"Deal {k}", close_date=close_date)
    pp.deal(account=account, stage=pp.propose, **pp.ready())
    cols = by_stage(board(pp, pp.rep))
    qualify = cols["Qualify"]
    assert qualify.count == n
    assert len(qualify.cards) == CARDS_PER_COLUMN
    assert qualify.has_more
    assert qualify.cards[0].name == f"Deal {n - 1}"  # the soonest
    dates = [c.close_date for c in qualify.cards]
    assert dates == sorted(dates)
    assert len(cols["Propose"].cards) == 1 and not cols["Propose"].has_more

    more = selectors.column_cards(
        actor=fresh(pp.rep),
        opp_type=pp.staged,
        stage=pp.qualify,
        flt=BoardFilter(),
        offset=CARDS_PER_COLUMN,
    )
    assert len(more) == 5
    assert more[-1].name == "Deal 0"  # no close date: last
    assert {c.pk for c in more}.isdisjoint(c.pk for c in qualify.cards)


# -- filters ---------------------------------------------------------------------------------


def test_board_filter_parse():
    flt = BoardFilter.parse({"owner": " me ", "close": "overdue"})
    assert (flt.owner, flt.team, flt.close) == ("me", "", "overdue")


def test_filter_owner(pp):
    pp.deal(pp.rep, account=pp.account(pp.rep))
    pp.deal(pp.manager, account=pp.account(pp.manager), stage=pp.propose, **pp.ready())
    assert [c.count for c in board(pp, pp.manager)] == [1, 1, 0, 0]
    assert [c.count for c in board(pp, pp.manager, owner="me")] == [0, 1, 0, 0]
    assert [c.count for c in board(pp, pp.rep, owner="me")] == [1, 0, 0, 0]
    rep_id = str(pp.rep.membership.pk)
    assert [c.count for c in board(pp, pp.manager, owner=rep_id)] == [1, 0, 0, 0]
    # naming someone does not widen what the actor sees
    assert [c.count for c in board(pp, pp.other, owner=rep_id)] == [0, 0, 0, 0]


def test_filter_close_dates(pp):
    today = timezone.localdate()
    quarter = selectors._quarter_start(today)
    next_quarter = selectors._add_months(quarter, 3)
    pp.deal(name="overdue", close_date=(today - datetime.timedelta(days=1)).isoformat())
    pp.deal(name="today", close_date=today.isoformat())
    pp.deal(name="next quarter", close_date=next_quarter.isoformat())
    pp.deal(name="undated")

    def names(**flt):
        return sorted(c.name for c in by_stage(board(pp, pp.rep, **flt))["Qualify"].cards)

    assert names() == ["next quarter", "overdue", "today", "undated"]
    assert names(close="overdue") == ["overdue"]
    assert "today" in names(close="this_month")
    assert "today" in names(close="this_quarter")
    assert "next quarter" not in names(close="this_quarter")
    assert names(close="next_quarter") == ["next quarter"]
    assert names(close="nonsense") == names()


def test_filter_team(pp):
    east = Team.objects.get(workspace=pp.world.a, name="East")
    pp.deal(pp.rep, account=pp.account(pp.rep))  # the rep is in East
    pp.deal(pp.manager, account=pp.account(pp.manager))  # the manager leads it, not in it
    pp.deal(pp.other, account=pp.account(pp.other))
    assert [c.count for c in board(pp, pp.admin)] == [3, 0, 0, 0]
    assert [c.count for c in board(pp, pp.admin, team=str(east.pk))] == [1, 0, 0, 0]
    sub = Team.objects.create(workspace=pp.world.a, name="East-1", parent=east)
    other = pp.other.membership
    other.team = sub
    other.save()
    assert [c.count for c in board(pp, pp.admin, team=str(east.pk))] == [2, 0, 0, 0]
    beta_team = Team.objects.create(workspace=pp.world.b, name="Beta team")
    assert [c.count for c in board(pp, pp.admin, team=str(beta_team.pk))] == [0, 0, 0, 0]


# -- query counts ----------------------------------------------------------------------------


def _board_queries(pp, actor, flt: BoardFilter) -> int:
    actor = fresh(actor)
    with CaptureQueriesContext(connection) as ctx:
        columns = selectors.board(actor=actor, opp_type=pp.staged, flt=flt)
        for column in columns:  # what a card shows
            for card in column.cards:
                str(card.account), card.owner.user.full_name if card.owner else "", str(card.stage)
                selectors.is_stuck(card)
    assert sum(c.count for c in columns) > 0
    assert sum(len(c.cards) for c in columns) == sum(
        min(c.count, CARDS_PER_COLUMN) for c in columns
    )
    return len(ctx.captured_queries)


def _add_deals(pp, n: int, account) -> None:
    stages = [pp.qualify, pp.propose, pp.negotiate, pp.contract]
    for k in range(n):
        # the manager's deals all in Qualify (over CARDS_PER_COLUMN at 50), the rep's spread
        owner, stage = (pp.rep, stages[k % 4]) if k % 2 else (pp.manager, pp.qualify)
        pp.deal(pp.manager, account=account, owner=owner, stage=stage, **pp.ready())


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "team-filter"])
@pytest.mark.parametrize("role", ["rep", "manager", "admin"])
def test_board_queries_do_not_grow_with_the_deals(pp, role, filtered):
    east = Team.objects.get(workspace=pp.world.a, name="East")
    flt = BoardFilter(team=str(east.pk)) if filtered else BoardFilter()
    account = pp.account(pp.manager)
    _add_deals(pp, 5, account)
    few = _board_queries(pp, pp.actor(role), flt)
    _add_deals(pp, 45, account)
    many = _board_queries(pp, pp.actor(role), flt)
    assert many == few
    assert few <= 10  # stages, rules, scope, the aggregate, card ids, cards, settings


def test_column_cards_queries_do_not_grow_with_the_deals(pp):
    account = pp.account(pp.rep)
    for _ in range(CARDS_PER_COLUMN + 2):
        pp.deal(account=account)

    def count(offset):
        with CaptureQueriesContext(connection) as ctx:
            cards = selectors.column_cards(
                actor=fresh(pp.rep),
                opp_type=pp.staged,
                stage=pp.qualify,
                flt=BoardFilter(),
                offset=offset,
            )
            for card in cards:
                str(card.account), card.owner.user.full_name if card.owner else "", str(card.stage)
        return len(ctx.captured_queries), len(cards)

    first, n_first = count(0)
    rest, n_rest = count(CARDS_PER_COLUMN)
    assert (n_first, n_rest) == (CARDS_PER_COLUMN, 2)
    assert first == rest


# -- an account's deals ----------------------------------------------------------------------


def test_account_opportunities_grouped_by_type_with_totals(pp):
    account = pp.account(pp.rep)
    open_deal = pp.deal(account=account, **pp.ready(amount="1000"))
    won = pp.deal(account=account, **pp.ready(amount="500"))
    services.opportunity_win(actor=pp.rep, opportunity_id=won.pk)
    lost = pp.deal(account=account, **pp.ready(amount="200"))
    services.opportunity_lose(actor=pp.rep, opportunity_id=lost.pk, reason_id=pp.price.pk)
    archived = pp.deal(account=account, **pp.ready(amount="7000"))
    customer_services.record_archive(actor=pp.rep, object_type="opportunity", record_id=archived.pk)
    renewal = pp.deal(account=account, opp_type=pp.simple, amount="300")
    pp.deal(account=pp.account(pp.rep, name="Elsewhere"), **pp.ready(amount="4000"))

    groups = selectors.account_opportunities(actor=fresh(pp.rep), account=account)
    assert [g.opp_type.pk for g in groups] == [pp.staged.pk, pp.simple.pk]
    staged, simple = groups
    assert {d.pk for d in staged.deals} == {open_deal.pk, won.pk, lost.pk}
    assert (staged.open_amount, staged.won_amount) == (Decimal("1000"), Decimal("500"))
    assert [d.pk for d in simple.deals] == [renewal.pk]
    assert (simple.open_amount, simple.won_amount) == (Decimal("300"), None)


def test_account_opportunities_only_what_the_actor_sees(pp):
    account = pp.account(pp.admin)
    pp.deal(pp.admin, account=account, owner=pp.rep, **pp.ready(amount="100"))
    mine = pp.deal(pp.admin, account=account, owner=pp.other, **pp.ready(amount="10"))
    [group] = selectors.account_opportunities(actor=fresh(pp.other), account=account)
    assert [d.pk for d in group.deals] == [mine.pk]
    assert group.open_amount == Decimal("10")  # the totals count only visible deals
    [group] = selectors.account_opportunities(actor=fresh(pp.admin), account=account)
    assert group.open_amount == Decimal("110")


def test_stage_history_names_who_moved(pp):
    opp = pp.deal(**pp.ready())
    services.opportunity_move(actor=pp.manager, opportunity_id=opp.pk, stage_id=pp.propose.pk)
    history = selectors.stage_history(actor=pp.rep, opportunity=opp)
    assert [(h.change.from_stage_id, h.change.to_stage_id) for h in history] == [
        (None, pp.qualify.pk),
        (pp.qualify.pk, pp.propose.pk),
    ]
    assert [h.change.changed_by and h.change.changed_by.user.full_name for h in history] == [
        pp.rep.user.full_name,
        pp.manager.user.full_name,
    ]
    assert all(h.duration >= datetime.timedelta(0) for h in history)
