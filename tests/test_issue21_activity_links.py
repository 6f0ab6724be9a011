"""Issue 21 (2): activity entries and notifications lead to their object (a room's task or
comment, a deal, a record, the members and teams pages) and name the room they happened in;
the live toast's "View" opens the object; an entry whose object is gone has no link."""

from __future__ import annotations

import re

import pytest

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.customers import services as customer_services
from dealroom.realtime.consumers import LiveConsumer
from dealroom.rooms import services
from dealroom.rooms.models import Room
from dealroom.workspaces import services as ws_services
from dealroom.workspaces.selectors import member_for_user
from tests.customers.conftest import cx  # noqa: F401
from tests.pipeline.conftest import pp  # noqa: F401
from tests.rooms.conftest import rm  # noqa: F401

DEAL = "数据平台 Data platform"
PLACE = f"in {DEAL}"


class Story:
    """In Alpha, the rep's deal 数据平台 with its room: the manager (above the rep) posts in
    the room and plans a task for the rep; the admin hands records around. The rep, who owns
    the deal and hears everything of its room, is notified of each."""

    def __init__(self, rm):  # noqa: F811
        pipeline = rm.pp
        self.pp = pipeline
        self.rep = pipeline.rep
        self.deal = pipeline.deal(name=DEAL, **pipeline.ready())
        self.room = Room.objects.get(opportunity=self.deal)
        manager = pipeline.manager
        rep_row = services.room_member_add(
            actor=self.rep, room_id=self.room.pk, membership_id=self.rep.membership.pk
        )
        self.task = services.task_create(
            actor=manager,
            room_id=self.room.pk,
            data={"title": "Sign the NDA", "assignees": [rep_row.pk]},
        )
        self.comment = services.comment_post(
            actor=manager, room_id=self.room.pk, body="Kick-off on Monday"
        )
        self.task_comment = services.comment_post(
            actor=manager, room_id=self.room.pk, body="Legal has it", task_id=self.task.pk
        )
        admin = pipeline.admin
        self.account = pipeline.cx.account(admin, name="孙八 Holdings")
        customer_services.collaborator_set(
            actor=admin,
            object_type="account",
            record_id=self.account.pk,
            member_id=self.rep.membership.pk,
            level="view",
        )
        self.contact = pipeline.cx.contact(admin, full_name="赵六")
        customer_services.collaborator_set(
            actor=admin,
            object_type="contact",
            record_id=self.contact.pk,
            member_id=self.rep.membership.pk,
            level="view",
        )
        self.lead = pipeline.cx.lead(admin, full_name="钱七")
        customer_services.collaborator_set(
            actor=admin,
            object_type="lead",
            record_id=self.lead.pk,
            member_id=self.rep.membership.pk,
            level="view",
        )
        self.team = ws_services.team_create(actor=admin, name="West")
        ws_services.member_role_change(
            actor=admin, membership_id=pipeline.world.member("alpha", "readonly").pk, role="rep"
        )

    def event(self, verb: str, **data) -> ActivityEvent:
        qs = ActivityEvent.objects.filter(workspace=self.pp.world.a, verb=verb)
        for key, value in data.items():
            qs = qs.filter(**{f"data__{key}": value})
        return qs.latest("id")

    def expected(self) -> dict[str, tuple[ActivityEvent, str]]:
        """Each kind of entry with the address it should lead to."""
        base = f"/w/alpha/rooms/{self.room.pk}/"
        task_url = f"{base}tasks/{self.task.pk}/"
        return {
            "task": (self.event("room_task.created", task=self.task.pk), task_url),
            "comment": (
                self.event("room_comment.posted", comment=self.comment.pk),
                f"{base}#comment-{self.comment.pk}",
            ),
            "task comment": (
                self.event("room_comment.posted", comment=self.task_comment.pk),
                f"{task_url}#comment-{self.task_comment.pk}",
            ),
            "deal": (self.event("opportunity.created"), f"/w/alpha/deals/{self.deal.pk}/"),
            "account": (
                self.event("account.collaborator_set"),
                f"/w/alpha/customers/accounts/{self.account.pk}/",
            ),
            "contact": (
                self.event("contact.collaborator_set"),
                f"/w/alpha/customers/contacts/{self.contact.pk}/",
            ),
            "lead": (
                self.event("lead.collaborator_set"),
                f"/w/alpha/customers/leads/{self.lead.pk}/",
            ),
            "team": (self.event("team.created"), "/w/alpha/teams/"),
            "member": (self.event("member.role_changed"), "/w/alpha/members/"),
        }


@pytest.fixture
def story(rm):  # noqa: F811
    return Story(rm)


def item(html: str, attribute: str, value: int) -> str:
    """The list item whose `attribute` is `value`."""
    found = re.search(rf'<li [^>]*{attribute}="{value}"[^>]*>.*?</li>', html, re.S)
    assert found, f"no item {attribute}={value}"
    return found.group(0)


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_activity_page_entries_link_to_their_object_and_name_the_room(story, login):
    admin = story.pp.world.user("alpha", "admin")
    html = login(admin).get("/w/alpha/activity/").content.decode()
    for kind, (event, url) in story.expected().items():
        entry = item(html, "data-event-id", event.pk)
        assert url in hrefs(entry), (kind, entry)
    for kind in ("task", "comment", "task comment"):
        assert PLACE in item(html, "data-event-id", story.expected()[kind][0].pk), kind
    # a deal's own events name it in their sentence already
    assert PLACE not in item(html, "data-event-id", story.expected()["account"][0].pk)


def test_notifications_link_to_their_object(story, login):
    rep = story.rep.user
    html = login(rep).get("/w/alpha/notifications/").content.decode()
    shown = 0
    for kind, (event, url) in story.expected().items():
        note = Notification.objects.filter(event=event, recipient=rep).first()
        if note is None:
            continue  # not everything is for the rep's bell
        entry = item(html, "data-notification-id", note.pk)
        assert url in hrefs(entry), (kind, entry)
        shown += 1
    assert shown >= 6  # task, comments, account, contact, lead at least
    task_note = Notification.objects.get(event=story.expected()["task"][0], recipient=rep)
    assert PLACE in item(html, "data-notification-id", task_note.pk)


def live_html(user, event: ActivityEvent, has=("#activity-feed",)) -> str:
    """What the workspace socket of `user` sends for the event (realtime/consumers.py)."""
    consumer = LiveConsumer()
    consumer.actor = member_for_user(user, "alpha")
    consumer.language = "en"
    consumer.targets = frozenset(has)
    html = consumer._render_event(event.pk)
    assert html
    return html


def toast_view(html: str) -> str:
    toast = re.search(r'data-testid="live-toast".*?</div>\s*</div>', html, re.S)
    assert toast, html
    view = re.search(r'<a [^>]*href="([^"]*)"[^>]*>View</a>', toast.group(0))
    assert view, toast.group(0)
    return view.group(1)


def test_the_live_toast_opens_the_object_and_the_live_entry_links_it(story):
    rep = story.rep.user
    for kind in ("task", "comment", "task comment", "contact", "lead"):
        event, url = story.expected()[kind]
        html = live_html(rep, event)
        assert toast_view(html) == url, kind
        assert url in hrefs(item(html, "data-event-id", event.pk)), kind  # the feed's entry
    html = live_html(rep, story.expected()["comment"][0])
    assert PLACE in html


def test_a_deleted_object_renders_without_a_link(story, login):
    admin = story.pp.admin
    created = story.expected()["task"][0]
    services.task_delete(actor=story.pp.manager, task_id=story.task.pk)
    customer_services.record_delete(actor=admin, object_type="contact", record_id=story.contact.pk)
    contact_created = story.event("contact.created", name="赵六")
    client = login(admin.user)
    html = client.get("/w/alpha/activity/").content.decode()
    task_entry = item(html, "data-event-id", created.pk)
    assert "/tasks/" not in task_entry and PLACE in task_entry
    assert "Sign the NDA" in task_entry
    contact_entry = item(html, "data-event-id", contact_created.pk)
    assert f"/contacts/{story.contact.pk}/" not in contact_entry
    # the rep's notification of the deleted task: no link, no error
    rep_html = login(story.rep.user).get("/w/alpha/notifications/").content.decode()
    note = Notification.objects.get(event=created, recipient=story.rep.user)
    assert "/tasks/" not in item(rep_html, "data-notification-id", note.pk)
    # and the live toast falls back to the notifications page
    assert toast_view(live_html(story.rep.user, created)) == "/w/alpha/notifications/"


def test_timeline_entries_link_too(story, login):
    """The deal's timeline (all activity) links a room entry to the room's task, the deal's
    own entry to the deal, and names the room."""
    client = login(story.pp.admin.user)
    html = client.get(
        f"/w/alpha/deals/{story.deal.pk}/timeline/?timeline=all", HTTP_HX_REQUEST="true"
    ).content.decode()
    for kind in ("task", "task comment", "deal"):
        event, url = story.expected()[kind]
        assert url in hrefs(item(html, "data-event-id", event.pk)), kind
    assert PLACE in item(html, "data-event-id", story.expected()["task"][0].pk)


def test_a_link_reveals_nothing_the_reader_may_not_see(story, login):
    """Another rep, who may not see the deal, sees none of its room's entries nor links."""
    other = story.pp.other.user
    html = login(other).get("/w/alpha/activity/").content.decode()
    assert f"/rooms/{story.room.pk}/" not in html
    assert f"/deals/{story.deal.pk}/" not in html
    assert DEAL not in html
