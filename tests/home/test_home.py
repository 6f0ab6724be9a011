"""The home page per role (dealroom/home): a rep's tasks across rooms, deals needing a push,
customer news in rooms and waiting leads; a manager's team pipeline and deals at risk; an
admin's setup shortcuts. Each line links to its object; nobody sees what they may not."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.customers import services as customer_services
from dealroom.home import selectors
from dealroom.pipeline.models import Opportunity
from dealroom.rooms import services as room_services
from dealroom.rooms.models import RoomMember
from tests.rooms.conftest import Rooms

pytestmark = pytest.mark.django_db


def _noon() -> datetime.datetime:
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)


def _row(rooms: Rooms, actor) -> RoomMember:
    return RoomMember.objects.get(room=rooms.room, membership=actor.membership)


def _task(rooms: Rooms, title: str, due, assignee_rows, actor=None, **data):
    return room_services.task_create(
        actor=actor or rooms.rep,
        room_id=rooms.room.pk,
        data={"title": title, "due_at": due, "assignees": [r.pk for r in assignee_rows], **data},
    )


def _section(page: str, test_id: str) -> str:
    """One card of the home page (the activity feed repeats names of everything)."""
    start = page.index(f'data-testid="{test_id}"')
    end = page.find('class="card" data-testid="home-', start)
    return page[start : end if end > 0 else len(page)]


def _page(client, actor) -> str:
    client.force_login(actor.user)
    response = client.get("/w/alpha/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_overdue_today_and_this_week_only_mine(rm, client, monkeypatch):
    noon = _noon()
    monkeypatch.setattr(timezone, "now", lambda: noon)
    me = _row(rm, rm.rep)
    guest = RoomMember.objects.get(pk=rm.invite()[0].member_id)
    hour = datetime.timedelta(hours=1)
    late = _task(rm, "Late 逾期", noon - 2 * hour, [me])
    today = _task(rm, "Today 今天", noon + 2 * hour, [me])
    week = _task(rm, "This week 本周", noon + 72 * hour, [me])
    _task(rm, "Next month 下月", noon + 30 * 24 * hour, [me])
    _task(rm, "Theirs 客户的", noon - hour, [guest])
    _task(rm, "No due date", None, [me])
    done = _task(rm, "Done already", noon - hour, [me])
    room_services.task_status_set(actor=rm.rep, task_id=done.pk, status="done")

    tasks = selectors.my_tasks(actor=rm.rep, now=noon)
    assert [t.pk for t in tasks.overdue.rows] == [late.pk]
    assert [t.pk for t in tasks.today.rows] == [today.pk]
    assert [t.pk for t in tasks.upcoming.rows] == [week.pk]

    page = _section(_page(client, rm.rep), "home-tasks")
    for task in (late, today, week):
        assert f'href="/w/alpha/rooms/{rm.room.pk}/tasks/{task.pk}/"' in page
    for absent in ("Next month 下月", "Theirs 客户的", "No due date", "Done already"):
        assert absent not in page
    assert 'data-testid="overdue-count"' in page


def test_tasks_of_rooms_left_are_gone(rm, client):
    other = rm.pp.other
    row = room_services.room_member_add(
        actor=rm.rep, room_id=rm.room.pk, membership_id=other.membership.pk
    )
    _task(rm, "For the colleague 同事", timezone.now() - datetime.timedelta(hours=1), [row])
    assert "For the colleague 同事" in _section(_page(client, other), "home-tasks")
    room_services.room_member_remove(actor=rm.rep, room_id=rm.room.pk, member_id=row.pk)
    assert "For the colleague 同事" not in _section(_page(client, other), "home-tasks")


def test_deals_needing_attention_with_their_reasons(rm, client):
    pp = rm.pp
    today = timezone.localdate()
    passed = pp.deal(
        name="Close passed 过期", **pp.ready(close_date=str(today - datetime.timedelta(days=3)))
    )
    no_step = pp.deal(name="No next step 无下一步", **pp.ready(next_step=""))
    stuck = pp.deal(name="Stuck 停滞", stage=pp.negotiate, **pp.ready())
    Opportunity.objects.filter(pk=stuck.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=20)
    )
    pp.deal(name="Healthy 健康", **pp.ready())
    pp.deal(pp.other, name="Not mine 别人的", **pp.ready(next_step=""))

    found = selectors.deals_needing_attention(actor=rm.rep, owner_ids={rm.rep.membership.pk})
    reasons = {row.deal.name: row.reasons for row in found.rows}
    assert reasons == {
        "Close passed 过期": ["close_passed"],
        "No next step 无下一步": ["no_next_step"],
        "Stuck 停滞": ["stuck"],
    }
    whole = _page(client, rm.rep)
    page = _section(whole, "home-attention")
    for deal in (passed, no_step, stuck):
        assert f'href="/w/alpha/deals/{deal.pk}/"' in page
    assert "Healthy 健康" not in page and "Not mine 别人的" not in page
    assert 'data-testid="home-team-risk"' not in whole  # a rep has no team section

    # The manager above the rep sees them as the team's; the rep outside the team is not in it.
    team = _section(_page(client, pp.manager), "home-team-risk")
    assert "Stuck 停滞" in team and "Not mine 别人的" not in team


def test_team_pipeline_for_managers_with_amounts_per_currency(rm, client):
    pp = rm.pp
    pp.deal(name="Yuan deal", **pp.ready(amount="120000"))
    pp.deal(name="Euro deal", **pp.ready(amount="5000", currency="EUR"))
    assert 'data-testid="home-pipeline"' not in _page(client, rm.rep)
    page = _page(client, pp.manager)
    pipeline = _section(page, "home-pipeline")
    assert "New business" in pipeline
    assert "121,000 CNY" in pipeline  # the room's deal (1,000) and this one
    assert "5,000 EUR" in pipeline
    assert "0 CNY" not in pipeline.replace("121,000 CNY", "")

    # A manager whose role may not see amounts sees the counts only.
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="amount", role="manager", access="hidden"
    )
    page = _page(client, pp.manager)
    pipeline = _section(page, "home-pipeline")
    assert "CNY" not in pipeline and "EUR" not in pipeline


def test_rooms_with_news_from_customers(rm, client):
    guest = rm.guest()
    room_services.comment_post(actor=guest, room_id=rm.room.pk, body="Any news? 有进展吗")
    news = selectors.rooms_with_customer_news(actor=rm.rep)
    assert [(r.pk, r.news) for r in news.rows] == [(rm.room.pk, 1)]
    page = _page(client, rm.rep)
    assert f'href="/w/alpha/rooms/{rm.room.pk}/"' in _section(page, "home-rooms")
    # Someone not in the room is not told; once the rep read the room, it is no news.
    assert selectors.rooms_with_customer_news(actor=rm.pp.other).rows == []
    RoomMember.objects.filter(pk=_row(rm, rm.rep).pk).update(
        read_up_to=ActivityEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    )
    assert selectors.rooms_with_customer_news(actor=rm.rep).rows == []


def test_leads_waiting_and_the_pool(rm, client):
    cx = rm.pp.cx
    mine = cx.lead(rm.rep, full_name="新线索 New lead")
    cx.lead(rm.pp.other, full_name="Someone else's 别人的")
    pooled = cx.lead(rm.rep, full_name="To the pool")
    customer_services.lead_release(actor=rm.rep, lead_id=pooled.pk)
    queue = selectors.lead_queue(actor=rm.rep)
    assert [lead.pk for lead in queue.waiting.rows] == [mine.pk]
    assert queue.pool == 1
    page = _page(client, rm.rep)
    assert f'href="/w/alpha/customers/leads/{mine.pk}/"' in page
    assert "Someone else's 别人的" not in page
    assert 'data-testid="home-pool"' in page


def test_setup_shortcuts_for_admins_only(world, client):
    assert 'data-testid="home-setup"' in _page(client, world.actor("alpha", "admin"))
    for role in ("manager", "rep", "readonly"):
        assert 'data-testid="home-setup"' not in _page(client, world.actor("alpha", role))


def test_home_refuses_outsiders(world, client):
    response = client.get("/w/alpha/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.user("beta", "admin"))
    assert client.get("/w/alpha/").status_code == 404


def test_home_queries_do_not_grow_with_data(rm, client):
    pp = rm.pp
    me = _row(rm, rm.rep)

    def count() -> int:
        client.force_login(pp.manager.user)
        client.get("/w/alpha/")  # warm: per-process caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/w/alpha/").status_code == 200
        return len(queries)

    def add_some(n: int) -> None:
        for k in range(n):
            pp.deal(name=f"Deal {k}", **pp.ready(next_step=""))
            _task(rm, f"Task {k}", timezone.now() - datetime.timedelta(hours=k + 1), [me])
            pp.cx.lead(pp.manager, full_name=f"Lead {k}")

    # Past the lists' caps (each then also counts its rows): the same queries for 12 or 24.
    add_some(12)
    some = count()
    add_some(12)
    assert count() == some
