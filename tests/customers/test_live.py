"""Customer events on live sockets: a record's timeline takes its events; a member who may not
see the record receives nothing; a field hidden from a role never leaves the server."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from dealroom.customers import services
from tests.test_event_path import announce, connect


@pytest.mark.django_db(transaction=True)
async def test_record_events_reach_only_those_who_see_the_record():
    from tests.conftest import World
    from tests.customers.conftest import Customers

    world = await sync_to_async(World)()
    cx = await sync_to_async(Customers)(world)
    rep = cx.actor("rep")
    account = await sync_to_async(cx.account)(rep, name="Live Corp", credit_terms="")
    admin = cx.actor("admin")
    await sync_to_async(services.field_permission_set)(
        actor=admin, object_type="account", field="credit_terms", role="manager", access="hidden"
    )
    timeline = f"#timeline-customers-account-{account.pk}"
    manager = await connect(world.user("alpha", "manager"), "alpha")
    other = await connect(cx.other_rep.user, "alpha")
    for comm in (manager, other):
        assert (await comm.connect())[0]
        await announce(comm, has=("#activity-feed", timeline))

    await sync_to_async(services.record_update)(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        version=account.version,
        data={"industry": "Energy 能源", "credit_terms": "net 90 SECRET"},
    )
    html = await manager.receive_from(timeout=3)
    assert f'hx-swap-oob="afterbegin:{timeline}"' in html
    assert "Energy 能源" in html
    assert "SECRET" not in html  # hidden from managers by the field permission
    assert await other.receive_nothing(timeout=0.3)  # not theirs, not their team's
    for comm in (manager, other):
        await comm.disconnect()
