"""Issue 21 (3): a room URL that answers htmx with a fragment answers a browser opening it
directly (a new tab, a link from the home page, a bookmark) with the whole page it belongs
to: a task's URL is the room page with that task's panel open; older comments and older
activity lead to the room page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from dealroom.rooms import services
from dealroom.rooms.models import RoomMember

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _seller(rm) -> Client:
    browser = Client()
    browser.force_login(rm.rep.user)
    return browser


def _open_panel(html: str) -> str:
    """The task offcanvas as rendered, when it is rendered open."""
    found = re.search(
        r'<div class="offcanvas [^"]*\bshow\b[^"]*"[^>]*id="task-offcanvas".*?'
        r'<div class="offcanvas-body" id="task-panel-host">(.*?)\n  </div>\n</div>',
        html,
        re.S,
    )
    assert found, "the task panel is not rendered open"
    return found.group(1)


def test_a_task_url_opened_directly_is_the_room_page_with_the_task_open(rm):
    task = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Send the security form 安全表"}
    )
    url = rm.base("w") + f"tasks/{task.pk}/"
    page = _seller(rm).get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" in html and 'data-testid="sidebar"' in html  # the shell, not a fragment
    assert 'data-testid="room-plan"' in html
    panel = _open_panel(html)
    assert f'data-task-panel="{task.pk}"' in panel
    assert "Send the security form 安全表" in panel
    assert 'data-testid="thread-task"' in panel
    assert "HX-Request" in page["Vary"]
    # The plan's own link still fetches the panel by htmx, and gets the fragment as before.
    fragment = _seller(rm).get(url, headers=HTMX)
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in body and body.startswith('<div class="task-panel"')
    assert "Send the security form 安全表" in body
    assert "HX-Request" in fragment["Vary"]


def test_htmx_restoring_history_gets_the_whole_page(rm):
    """The back button after a pushed URL, when htmx has no copy of the page: it asks with
    HX-Request too, and puts the answer in place of the whole page."""
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Call back"})
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = _seller(rm).get(rm.base("w") + f"tasks/{task.pk}/", headers=restore).content.decode()
    assert "<html" in html and "Call back" in _open_panel(html)


def test_the_room_page_itself_has_no_task_open(rm):
    services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Call"})
    html = _seller(rm).get(rm.base("w")).content.decode()
    assert 'class="offcanvas offcanvas-end task-offcanvas"' in html
    assert '<div class="offcanvas-body" id="task-panel-host"></div>' in html


def test_the_home_pages_task_link_opens_the_task_in_its_room(rm):
    me = RoomMember.objects.get(room=rm.room, membership=rm.rep.membership)
    soon = timezone.now() + datetime.timedelta(hours=1)
    services.task_create(
        actor=rm.rep,
        room_id=rm.room.pk,
        data={"title": "Book the demo 演示", "due_at": soon, "assignees": [me.pk]},
    )
    seller = _seller(rm)
    home = seller.get("/w/alpha/").content.decode()
    link = re.search(r'href="([^"]+)" data-testid="home-task"', home)
    assert link, "no task on the home page"
    html = seller.get(link.group(1)).content.decode()
    assert "<html" in html and "Book the demo 演示" in _open_panel(html)


def test_a_guest_opens_a_shared_task_of_their_room_and_never_an_internal_one(rm, guest_client):
    shared = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Sign the NDA 保密协议"}
    )
    internal = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Approve discount", "internal": "1"}
    )
    browser = guest_client()
    page = browser.get(rm.base("g") + f"tasks/{shared.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" in html and "guest-bar" in html
    assert 'data-testid="sidebar"' not in html and "/w/alpha/" not in html
    assert "Sign the NDA 保密协议" in _open_panel(html)
    assert "Approve discount" not in html
    for headers in ({}, HTMX):
        refused = browser.get(rm.base("g") + f"tasks/{internal.pk}/", headers=headers)
        assert refused.status_code == 404
        assert "Approve discount" not in refused.content.decode()


def test_older_comments_and_activity_opened_directly_lead_to_the_room(rm):
    task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Call"})
    comment = services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="Hello")
    seller = _seller(rm)
    base = rm.base("w")

    older = seller.get(base + f"thread/?before={comment.pk + 1}")
    assert older.status_code == 302 and older["Location"] == base + "#room-discussion"
    older_task = seller.get(base + f"thread/?task={task.pk}&before={comment.pk + 1}")
    assert older_task.status_code == 302 and older_task["Location"] == base + f"tasks/{task.pk}/"
    activity = seller.get(base + "activity/?before=999999")
    assert activity.status_code == 302 and activity["Location"] == base + "#room-activity-card"

    # htmx still gets the fragments.
    fragment = seller.get(base + f"thread/?before={comment.pk + 1}", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "Hello" in fragment.content.decode()
    items = seller.get(base + "activity/?before=999999", headers=HTMX)
    assert items.status_code == 200 and "<html" not in items.content.decode()


def test_older_comments_of_a_task_a_guest_may_not_see_stay_not_found(rm, guest_client):
    internal = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Approve discount", "internal": "1"}
    )
    browser = guest_client()
    for headers in ({}, HTMX):
        response = browser.get(
            rm.base("g") + f"thread/?task={internal.pk}&before=1", headers=headers
        )
        assert response.status_code == 404
