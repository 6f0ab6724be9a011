"""Issue 21 (12) in a real browser: comments posted in the flagship deal's room read as one
line on the deal's timeline; "All activity" swaps in every comment, and the line leads to the
room."""

from __future__ import annotations

import re
import secrets

import pytest

from tests.browser.test_live import LIVE, log_in

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser
SELLER = "rep1@demo.local"  # owns the flagship deal and its room (tests/browser/test_rooms.py)
ROOM = "Group digital sales platform"


def test_room_comments_are_one_line_on_the_deal_timeline_until_all_is_asked(new_context):
    uid = secrets.token_hex(3)
    page = new_context(viewport={"width": 1400, "height": 900}).new_page()
    log_in(page, SELLER)
    page.goto("/w/demo/rooms/")
    page.get_by_test_id("my-room").filter(has_text=ROOM).click()
    expect(page.get_by_test_id("room")).to_have_attribute("data-live", "open", timeout=LIVE)
    room_url = page.url
    form = page.get_by_test_id("comment-form").first
    for i in range(2):
        text = f"Timeline {uid} #{i}"
        form.get_by_test_id("comment-body").fill(text)
        form.get_by_test_id("comment-send").click()
        expect(page.get_by_test_id("thread-room")).to_contain_text(text, timeout=LIVE)

    page.get_by_test_id("room-deal-link").click()
    timeline = page.get_by_test_id("timeline")
    today = timeline.get_by_test_id("room-day").first
    expect(today).to_contain_text(re.compile(r"\d+ updates in the room of"))
    assert today.get_by_role("link").get_attribute("href") in room_url
    expect(timeline).not_to_contain_text(uid)

    page.locator("label[for=timeline-all]").click()
    expect(timeline).to_contain_text(f"Timeline {uid} #1", timeout=LIVE)
    expect(timeline).to_contain_text(f"Timeline {uid} #0")
    expect(timeline.get_by_test_id("room-day")).to_have_count(0)

    page.locator("label[for=timeline-grouped]").click()
    expect(timeline.get_by_test_id("room-day").first).to_be_visible(timeout=LIVE)
    expect(timeline).not_to_contain_text(uid)
