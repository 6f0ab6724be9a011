"""Rooms read names, amounts and dates through core/formatting.py like every other page
(issue 21, defects 8 and 9): one CJK character per avatar in the plan's stacked avatars and
the thread, amounts with their currency, one date format."""

from __future__ import annotations

import re

import pytest

from dealroom.rooms import services
from dealroom.rooms.models import RoomMember

pytestmark = pytest.mark.django_db


def test_task_avatars_and_dates_in_the_plan(rm, client):
    guest_row = RoomMember.objects.get(pk=rm.invite()[0].member_id)  # 王芳
    services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Sign 签字", "due_at": "2031-01-05T10:00", "assignees": [guest_row.pk]},
    )
    services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="Hello 你好")
    client.force_login(rm.rep.user)
    html = client.get(rm.base()).content.decode()
    avatars = re.findall(r'class="avatar avatar-xs[^"]*" title="王芳">([^<]*)<', html)
    assert avatars == ["王"], avatars  # was "王芳", too wide for the stacked circle
    assert "Jan. 5, 2031" in html  # the language's DATE_FORMAT, not 01/05/2031
    assert "1,000 CNY" in html  # the header's amount as everywhere else
