"""Customer data on top of the two-workspace world: a team tree in Alpha (the manager manages
the rep's team), a second rep outside it, and helpers to create records as someone."""

from __future__ import annotations

import pytest

from dealroom.core.actors import Member
from dealroom.customers import services
from dealroom.workspaces.models import Role, Team
from tests.conftest import make_member


class Customers:
    def __init__(self, world):
        self.world = world
        a = world.a
        team = Team.objects.create(
            workspace=a, name="East", manager=world.member("alpha", "manager")
        )
        rep = world.member("alpha", "rep")
        rep.team = team
        rep.save()
        self.other_rep = make_member(a, "rep2@alpha.test", Role.REP, "Other Rep")

    def actor(self, role: str, slug: str = "alpha") -> Member:
        return self.world.actor(slug, role)

    @property
    def other(self) -> Member:
        return Member(self.other_rep)

    def account(self, actor: Member, **data):
        data.setdefault("name", "Acme 有限公司")
        return services.record_create(actor=actor, object_type="account", data=data)

    def contact(self, actor: Member, **data):
        data.setdefault("full_name", "张三")
        return services.record_create(actor=actor, object_type="contact", data=data)

    def lead(self, actor: Member, owner_id=None, **data):
        data.setdefault("full_name", "李四")
        return services.record_create(actor=actor, object_type="lead", data=data, owner_id=owner_id)


@pytest.fixture
def cx(world) -> Customers:
    return Customers(world)
