"""Customers in a real browser: a rep finds 张三 by initials from the header search, opens the
account, a note shows up live in a second tab; and the list and detail pages fit a phone."""

from __future__ import annotations

import secrets

import pytest

from tests.browser.test_live import LIVE, log_in, wait_live

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser
REP = "rep2@demo.local"  # owns the 张家 household and its contact 张三 in the demo


def test_search_by_initials_and_live_timeline(new_context):
    first = new_context(viewport={"width": 1500, "height": 900})
    page = first.new_page()
    log_in(page, REP)
    page.goto("/w/demo/")
    page.get_by_test_id("search-open").click()
    page.get_by_test_id("global-search").fill("zs")
    hit = page.get_by_test_id("hit-contact").filter(has_text="张三")
    expect(hit).to_be_visible(timeout=LIVE)
    hit.click()
    expect(page.get_by_test_id("record-title")).to_have_text("张三")
    page.get_by_test_id("contact-accounts").get_by_role("link").first.click()
    expect(page.get_by_test_id("record-title")).to_contain_text("张家")
    wait_live(page)

    # The same account open in a second tab receives the note live, without a reload.
    second = first.new_page()
    second.goto(page.url)
    wait_live(second)
    second.evaluate("window.__marker = 1")
    note = f"回访 follow-up {secrets.token_hex(3)}"
    page.get_by_test_id("note-form").locator("textarea").fill(note)
    page.get_by_test_id("note-form").get_by_role("button").click()
    expect(second.get_by_test_id("timeline")).to_contain_text(note, timeout=LIVE)
    assert second.evaluate("window.__marker") == 1  # no reload happened


def test_customer_pages_fit_a_phone(new_context):
    phone = new_context(viewport={"width": 375, "height": 740})
    page = phone.new_page()
    log_in(page, REP)
    for path in ("/w/demo/customers/accounts/", "/w/demo/customers/leads/pool/"):
        page.goto(path)
        expect(page.get_by_test_id("record-table")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 376, f"{path}: horizontal scroll at 375px ({width})"
    page.goto("/w/demo/customers/accounts/")
    page.get_by_test_id("row").first.get_by_role("link").click()
    expect(page.get_by_test_id("fields")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, f"account page: horizontal scroll at 375px ({width})"
