"""Issue 21 (12): on an account's and a deal's timeline, the deal room's events read as one
line per room and day (how many, of which kinds, a link to the room); "All activity" shows
every event; paging loses and repeats nothing; the queries do not grow with the comments."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.activity.selectors import event_list_for_target
from dealroom.customers import services as customer_services
from dealroom.realtime.consumers import LiveConsumer
from dealroom.rooms import services
from dealroom.rooms.models import Room
from dealroom.workspaces.selectors import member_for_user
from tests.customers.conftest import cx  # noqa: F401
from tests.pipeline.conftest import pp  # noqa: F401
from tests.rooms.conftest import rm  # noqa: F401

DEAL = "数据平台 Data platform"


class Chatty:
    """The rep's deal 数据平台 and its room, where the rep posts comments."""

    def __init__(self, pp):  # noqa: F811
        self.pp = pp
        self.rep = pp.rep
        self.deal = pp.deal(name=DEAL, **pp.ready())
        self.account_id = self.deal.account_id
        self.room = Room.objects.get(opportunity=self.deal)

    def comments(self, n: int, day: datetime.date | None = None) -> None:
        """`n` comments, all at noon of `day` (today by default) in the reader's time zone."""
        start = ActivityEvent.objects.order_by("-id").values_list("id", flat=True).first()
        for i in range(n):
            services.comment_post(actor=self.rep, room_id=self.room.pk, body=f"Update {i}")
        self.move(start, day or timezone.localdate())

    def notes(self, n: int, day: datetime.date | None = None, page: str = "account") -> None:
        """`n` notes on the account (or the deal)."""
        start = ActivityEvent.objects.order_by("-id").values_list("id", flat=True).first()
        object_type, record_id = (
            ("account", self.account_id) if page == "account" else ("opportunity", self.deal.pk)
        )
        for i in range(n):
            customer_services.note_add(
                actor=self.rep, object_type=object_type, record_id=record_id, body=f"N{i}"
            )
        self.move(start, day or timezone.localdate())

    @staticmethod
    def move(after_id, day: datetime.date) -> None:
        noon = datetime.datetime.combine(day, datetime.time(12), timezone.get_current_timezone())
        ActivityEvent.objects.filter(pk__gt=after_id or 0).update(created_at=noon)

    def room_events(self, day: datetime.date | None = None) -> int:
        day = day or timezone.localdate()
        return sum(
            1
            for at in ActivityEvent.objects.filter(
                target_type="rooms.room", target_id=self.room.pk
            ).values_list("created_at", flat=True)
            if timezone.localtime(at).date() == day
        )

    def url(self, page: str) -> str:
        if page == "account":
            return f"/w/alpha/customers/accounts/{self.account_id}/"
        return f"/w/alpha/deals/{self.deal.pk}/"


@pytest.fixture
def chatty(rm):  # noqa: F811
    story = Chatty(rm.pp)
    story.move(0, timezone.localdate())  # everything so far: today, at noon
    return story


def timeline_url(chatty: Chatty, page: str) -> str:
    if page == "account":
        return f"/w/alpha/customers/accounts/{chatty.account_id}/timeline/"
    return f"/w/alpha/deals/{chatty.deal.pk}/timeline/"


def lines(html: str) -> list[str]:
    """The timeline's entries (events and room lines), in order."""
    return re.findall(r'<li class="list-group-item event[^"]*"[^>]*>.*?</li>', html, re.S)


def room_lines(html: str) -> list[str]:
    return [line for line in lines(html) if 'data-testid="room-day"' in line]


@pytest.mark.parametrize("page", ["account", "deal"])
def test_a_days_room_comments_are_one_line_with_the_count(chatty, login, page):
    chatty.comments(15)
    chatty.notes(2, page=page)
    client = login(chatty.rep.user)
    html = client.get(chatty.url(page)).content.decode()
    grouped = room_lines(html)
    assert len(grouped) == 1, grouped
    line = grouped[0]
    total = chatty.room_events()
    assert total >= 16  # the 15 comments and the room's opening
    assert f"{total} updates in the room of {DEAL}" in line
    assert "15 comments" in line
    assert f'href="/w/alpha/rooms/{chatty.room.pk}/"' in line
    assert html.count('data-verb="room_comment.posted"') == 0  # no comment on its own
    # the record's own events stay one by one
    assert html.count('data-verb="note.added"') == 2
    assert f'data-verb="{"account" if page == "account" else "opportunity"}.created"' in html
    # the filter offers every event
    assert 'data-testid="timeline-all"' in html


@pytest.mark.parametrize("page", ["account", "deal"])
def test_all_activity_shows_every_room_event(chatty, login, page):
    chatty.comments(15)
    client = login(chatty.rep.user)
    html = client.get(
        timeline_url(chatty, page) + "?timeline=all", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert html.count('data-verb="room_comment.posted"') == 15
    assert not room_lines(html)


def attribute(html: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, name
    return found.group(1)


def walk(client, url: str) -> list[str]:
    """Every entry of a timeline, page after page through its "Older" button."""
    seen: list[str] = []
    before = None
    for _page in range(50):
        html = client.get(
            url + (f"?before={before}" if before else ""), HTTP_HX_REQUEST="true"
        ).content.decode()
        page = lines(html)
        seen += page
        more = re.search(r"\?before=(\d+)", html)
        if not more:
            return seen
        before = int(more.group(1))
    raise AssertionError("the timeline does not end")


def test_paging_loses_and_repeats_nothing(chatty, login):
    """Six days of room chatter between the account's notes: more entries than a page. Every
    event is on exactly one line of one page; a room's day is never split or repeated."""
    today = timezone.localdate()
    for back in range(6, 0, -1):
        day = today - datetime.timedelta(days=back)
        chatty.comments(4, day)
        chatty.notes(7, day)
        chatty.comments(3, day)  # the same day's group again, after the notes
    client = login(chatty.rep.user)
    entries = walk(client, timeline_url(chatty, "account"))
    keys = [int(attribute(e, "data-event-id")) for e in entries]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    groups = [e for e in entries if 'data-testid="room-day"' in e]
    days = [attribute(g, "data-room-day") for g in groups]
    assert len(days) == len(set(days)) == 6  # today the room only opened: an entry
    counted = sum(int(attribute(g, "data-count")) for g in groups)
    singles = len(entries) - len(groups)
    every = event_list_for_target(
        actor=chatty.rep, target_type="customers.account", target_id=chatty.account_id, limit=10**4
    )
    assert counted + singles == len(every)
    assert len(entries) > 30  # it did take more than one page


def test_a_rooms_single_event_of_a_day_stays_an_entry(chatty, login):
    client = login(chatty.rep.user)
    html = client.get(chatty.url("account")).content.decode()
    assert not room_lines(html)  # only the room's opening today
    assert 'data-verb="room.created"' in html


@pytest.mark.parametrize("page", ["account", "deal"])
def test_queries_do_not_grow_with_the_comments(chatty, login, page):
    client = login(chatty.rep.user)
    chatty.comments(15)
    chatty.comments(5, timezone.localdate() - datetime.timedelta(days=1))
    client.get(chatty.url(page))
    with CaptureQueriesContext(connection) as few:
        client.get(chatty.url(page))
    chatty.comments(30)
    chatty.comments(10, timezone.localdate() - datetime.timedelta(days=1))
    with CaptureQueriesContext(connection) as many:
        html = client.get(chatty.url(page)).content.decode()
    assert len(room_lines(html)) == 2
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_new_room_comment_appears_live_on_an_open_timeline(chatty):
    """Live, a room's new comment is put at the top of the open account timeline as its own
    entry (linked to the comment, naming the room); a reload folds it into the day's line."""
    chatty.comments(3)
    timeline = f"#timeline-customers-account-{chatty.account_id}"
    comment = services.comment_post(actor=chatty.pp.manager, room_id=chatty.room.pk, body="Live")
    event = ActivityEvent.objects.get(verb="room_comment.posted", data__comment=comment.pk)
    consumer = LiveConsumer()
    consumer.actor = member_for_user(chatty.rep.user, "alpha")
    consumer.language = "en"
    consumer.targets = frozenset({timeline})
    html = consumer._render_event(event.pk) or ""
    assert f'hx-swap-oob="afterbegin:{timeline}"' in html
    assert f'data-event-id="{event.pk}"' in html
    assert f'href="/w/alpha/rooms/{chatty.room.pk}/#comment-{comment.pk}"' in html
    assert f"in {DEAL}" in html
