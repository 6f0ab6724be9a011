"""Every list of the rooms API reads a fixed number of queries, whether it holds 5 items or
50: rooms, the plan, threads, people, guest links and activity, on both sides."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealroom.rooms import services
from dealroom.rooms.models import Attempt
from tests.conftest import make_member
from tests.rooms.conftest import guest_browser, link_token

pytestmark = pytest.mark.django_db


def queries(call: Callable, count: Callable[[dict], int], expected: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content
    assert count(response.json()) == expected
    return len(ctx.captured_queries)


def constant(fill: Callable[[int], None], call: Callable, count: Callable[[dict], int]) -> None:
    fill(5)
    call()  # the first request reads the configuration (workspaces/config.py)
    small = queries(call, count, 5)
    fill(45)
    assert queries(call, count, 50) == small


def items(body) -> int:
    return len(body["items"])


def test_my_rooms(rm, seller):
    api = seller("rep")
    made = [rm.room]

    def fill(n: int) -> None:
        for _i in range(n - (1 if len(made) == 1 else 0)):
            made.append(rm.second_room())

    constant(fill, lambda: api.get("", {"limit": 100}), items)


def test_a_guests_rooms(rm, guest):
    api = guest()
    rooms = [rm.room]

    def fill(n: int) -> None:
        for _i in range(n - (1 if len(rooms) == 1 else 0)):
            rooms.append(rm.second_room())
            mail.outbox = []
            rm.invite(room=rooms[-1])  # the browser opens each room by its own link
            guest_browser(link_token(mail.outbox[0]), rm.on_commit, client=api.client)
            Attempt.objects.all().delete()  # 50 redemptions from one address: not a flood

    constant(fill, lambda: api.get("", {"limit": 100}), items)


@pytest.mark.parametrize("side", ["w", "g"])
def test_the_plan(rm, seller, guest, side):
    api = seller("rep") if side == "w" else guest()
    room = rm.room.pk
    me = services.comment_post(actor=rm.rep, room_id=room, body="hi").author_id
    milestones = [
        services.milestone_create(actor=rm.rep, room_id=room, title=f"M{i}") for i in "ab"
    ]

    def fill(n: int) -> None:
        for i in range(n):
            task = services.task_create(
                actor=rm.rep,
                room_id=room,
                data={"title": f"T{i}", "milestone": milestones[i % 2].pk, "assignees": [me]},
            )
            services.comment_post(actor=rm.rep, room_id=room, body="c", task_id=task.pk)

    def tasks(body) -> int:
        return sum(len(m["tasks"]) for m in body["milestones"])

    constant(fill, lambda: api.get(f"/{room}/plan"), tasks)


@pytest.mark.parametrize("side", ["w", "g"])
def test_a_thread(rm, seller, guest, side):
    api = seller("rep") if side == "w" else guest()
    room = rm.room.pk
    visitor = rm.guest()

    def fill(n: int) -> None:
        for i in range(n):
            author = visitor if i % 2 else rm.rep
            services.comment_post(actor=author, room_id=room, body=f"**c{i}** @[x](1)")

    constant(fill, lambda: api.get(f"/{room}/comments", {"limit": 100}), items)


@pytest.mark.parametrize("side", ["w", "g"])
def test_the_people(rm, seller, guest, side):
    api = seller("rep") if side == "w" else guest()
    room = rm.room.pk
    start = 2 if side == "g" else 1  # the owner, and the guest
    added = list(range(start))

    def fill(n: int) -> None:
        for _i in range(n - (start if len(added) == start else 0)):
            membership = make_member(rm.world.a, f"m{len(added)}@alpha.test", "rep")
            services.room_member_add(actor=rm.rep, room_id=room, membership_id=membership.pk)
            added.append(membership.pk)

    constant(fill, lambda: api.get(f"/{room}/members"), len)


def test_guest_links(rm, seller):
    api = seller("rep")
    sent = [0]

    def fill(n: int) -> None:
        for _i in range(n):
            rm.invite(email=f"g{sent[0]}@customer.test")
            sent[0] += 1

    constant(fill, lambda: api.get(f"/{rm.room.pk}/invitations"), len)


def test_room_activity(rm, seller):
    api = seller("rep")
    room = rm.room.pk
    base = len(api.get(f"/{room}/activity").json()["items"])  # the room's opening

    posted: list[int] = []

    def fill(n: int) -> None:
        for _i in range(n - (0 if posted else base)):
            posted.append(services.comment_post(actor=rm.rep, room_id=room, body="c").pk)

    constant(fill, lambda: api.get(f"/{room}/activity", {"limit": 100}), items)
