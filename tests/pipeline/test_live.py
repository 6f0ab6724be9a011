"""The live board: a deal's move tells every open board that may show the deal to reload,
and lands on the account's open timeline; a socket whose member may not see the deal
receives nothing."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from dealroom.pipeline import services
from tests.test_event_path import announce, connect


@pytest.mark.django_db(transaction=True)
async def test_a_move_signals_boards_that_may_show_the_deal():
    from tests.conftest import World
    from tests.customers.conftest import Customers
    from tests.pipeline.conftest import Pipeline

    world = await sync_to_async(World)()
    cx = await sync_to_async(Customers)(world)
    pp = await sync_to_async(Pipeline)(cx)
    opp = await sync_to_async(pp.deal)(**pp.ready())
    account_timeline = f"#timeline-customers-account-{opp.account_id}"
    manager = await connect(world.user("alpha", "manager"), "alpha")  # manages the rep
    other = await connect(cx.other_rep.user, "alpha")  # outside the rep's team
    for comm in (manager, other):
        assert (await comm.connect())[0]
        await announce(comm, has=("#live-board", account_timeline))

    await sync_to_async(services.opportunity_move)(
        actor=pp.rep, opportunity_id=opp.pk, stage_id=pp.propose.pk
    )
    html = await manager.receive_from(timeout=3)
    assert 'id="live-board-signal"' in html
    # the move also lands on the deal's account timeline, live
    assert f'hx-swap-oob="afterbegin:{account_timeline}"' in html
    assert await other.receive_nothing(timeout=0.3)
    for comm in (manager, other):
        await comm.disconnect()
