"""Real pages in chromium against the real server: the Chinese dashboard receiving a live
notification, the phone-width dashboard (and no CSP violation anywhere), and a live socket
that drops and, on reconnect, gets what it missed."""

from __future__ import annotations

import re
import secrets

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "admin@demo.local"
DEMO_PASSWORD = "dealroom-demo"
DASHBOARD = "/w/demo/"
LIVE = 5_000  # ms: how long a live update may take to show up
CJK = re.compile(r"[\u4e00-\u9fff]")
CSP_WORDS = ("Content Security Policy", "Refused to")


def log_in(page, email: str = ADMIN_EMAIL, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def wait_live(page, timeout: int = LIVE) -> None:
    """app.js marks <html data-live="open"> when the htmx ws extension's socket opens."""
    expect(page.locator("html")).to_have_attribute("data-live", "open", timeout=timeout)


def create_team(page, name: str) -> None:
    page.goto("/w/demo/teams/")
    form = page.locator("form:has(input[name=name])")
    form.locator("input[name=name]").fill(name)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("team-tree")).to_contain_text(name)


def zh(msgid: str) -> str:
    """What the compiled zh-Hans catalogue says for msgid (the server reads the same files)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def csp_violations(messages) -> list[str]:
    """CSP reports in the console, and uncaught script errors (a blocked script shows so)."""
    return [
        str(m)
        for m in messages
        if m.type == "pageerror" or any(word in m.text for word in CSP_WORDS)
    ]


def test_chinese_dashboard_gets_live_notification_when_invitee_joins(new_context, dealroom_server):
    uid = secrets.token_hex(4)
    invitee_email = f"newcomer-{uid}@example.com"
    invitee_name = f"新同事 Newcomer {uid}"
    base = dealroom_server.base_url

    # Tab 1: the admin's dashboard, switched to Chinese. It stays open and is never reloaded.
    admin = new_context()
    dash = admin.new_page()
    log_in(dash)
    dash.goto(DASHBOARD)
    dash.get_by_test_id("lang-zh-hans").click()
    expect(dash.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(dash.get_by_test_id("lang-zh-hans")).to_have_attribute("aria-current", "true")
    expect(dash).to_have_url(base + DASHBOARD)
    wait_live(dash)
    dash.evaluate("window.__marker = 1")
    bell = dash.get_by_test_id("bell-count")
    unread_before = int(bell.get_attribute("data-unread") or "0")

    # Tab 2, same admin: invite someone from the Members page.
    members = admin.new_page()
    members.goto("/w/demo/members/")
    invite = members.locator("form[action$='/members/invite/']")
    invite.locator("input[name=email]").fill(invitee_email)
    invite.locator("select[name=role]").select_option("rep")
    invite.locator("button[type=submit]").click()
    expect(members).to_have_url(base + "/w/demo/members/")
    expect(members.locator("#invitations")).to_contain_text(invitee_email)
    link = dealroom_server.invitation_link(invitee_email)
    assert link.startswith(base + "/invite/"), link

    # A different person, in a second browser context, follows the link and joins.
    invitee = new_context()
    join = invitee.new_page()
    join.goto(link)
    form = join.locator("form:has(input[name=full_name])")
    form.locator("input[name=full_name]").fill(invitee_name)
    form.locator("input[name=password]").fill("Harbor-lantern-8274")
    form.locator("button[type=submit]").click()

    # Tab 1 learns about it live. The toast first: it removes itself after 8 s, so do not
    # spend that time waiting for the invitee's own page to load.
    toast = dash.get_by_test_id("live-toast").filter(has_text=invitee_name)
    expect(toast).to_be_visible(timeout=LIVE)
    toast_text = toast.inner_text()
    expect(join).to_have_url(base + DASHBOARD)
    expect(bell).to_have_attribute("data-unread", str(unread_before + 1), timeout=LIVE)
    expect(bell).to_have_text(str(unread_before + 1))
    expect(bell).to_be_visible()
    feed = dash.get_by_test_id("activity-feed")
    joined = feed.locator("li.event[data-verb='member.joined']").filter(has_text=invitee_name)
    expect(joined).to_have_count(1, timeout=LIVE)
    expect(feed.locator("li.event").first).to_have_attribute("data-verb", "member.joined")
    assert dash.evaluate("window.__marker") == 1, "the dashboard tab was reloaded"
    assert dash.url == base + DASHBOARD
    expect(dash.locator("html")).to_have_attribute("lang", "zh-hans")

    # The words themselves: these need the compiled zh-Hans catalogue
    # (dealroom compilemessages --ignore=.venv --ignore=node_modules).
    home_label = zh("Home")
    assert CJK.search(home_label), (
        f"the zh-Hans catalogue has no Chinese for 'Home' (got {home_label!r}): "
        "is locale/zh_Hans/LC_MESSAGES/django.po translated and compiled?"
    )
    expect(dash.get_by_test_id("sidebar").get_by_test_id("nav-home")).to_have_text(home_label)
    expect(joined).to_contain_text("加入")
    assert "加入" in toast_text, toast_text


# Avatars and status dots on the page that are not round: squeezed by text beside them that
# wraps, or stretched by padding.
NOT_ROUND = """[...document.querySelectorAll('.avatar, .status-dot')]
  .filter((a) => a.offsetParent)
  .map((a) => [a.textContent.trim(), a.getBoundingClientRect()])
  .filter(([, r]) => Math.abs(r.width - r.height) > 0.5)
  .map(([text, r]) => `${text}: ${r.width}x${r.height}`)"""


def test_dashboard_usable_at_phone_width_and_no_csp_violations(new_context, console_messages):
    phone = new_context(viewport={"width": 375, "height": 740})
    page = phone.new_page()
    log_in(page)
    page.goto(DASHBOARD)
    page.wait_for_load_state("load")
    wait_live(page)

    more = page.get_by_test_id("tab-more")
    expect(more).to_be_visible()
    members_link = page.get_by_test_id("more-sheet").get_by_test_id("nav-members")
    expect(members_link).to_be_hidden()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375 + 1, f"horizontal scroll at 375px: scrollWidth={scroll_width}"
    assert page.evaluate(NOT_ROUND) == []  # the activity feed's, beside wrapping lines
    page.goto("/w/demo/notifications/")
    expect(page.locator(".list-group-item.unread .status-dot").first).to_be_visible()
    assert page.evaluate(NOT_ROUND) == []  # unread dots beside notifications that wrap
    page.goto(DASHBOARD)
    wait_live(page)

    # The "more" sheet opens and works.
    more.click()
    expect(members_link).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375 + 1, f"menu open: scrollWidth={scroll_width}"
    members_link.click()
    expect(page).to_have_url(re.compile(r"/w/demo/members/$"))

    # Every page any browser test of this run opened so far (test 1 included).
    violations = csp_violations(console_messages)
    assert not violations, "CSP violations:\n" + "\n".join(violations)


def test_reconnecting_socket_gets_the_events_it_missed(new_context, flaky_proxy, console_messages):
    uid = secrets.token_hex(4)
    missed_team = f"重连 Missed {uid}"
    live_team = f"重连 Live {uid}"
    seen_before = len(console_messages)

    # The watcher's page goes through a proxy that can drop the network under it.
    watcher = new_context(base_url=flaky_proxy.base_url)
    page = watcher.new_page()
    log_in(page)
    page.goto("/w/demo/activity/")
    wait_live(page)
    page.evaluate("window.__marker = 1")
    cursor_before = int(page.locator("#live-cursor").get_attribute("data-cursor") or "0")
    assert cursor_before > 0
    feed = page.get_by_test_id("activity-feed")
    missed = feed.locator("li.event[data-verb='team.created']").filter(has_text=missed_team)
    live = feed.locator("li.event[data-verb='team.created']").filter(has_text=live_team)

    # Network drop: the socket closes abnormally; the extension keeps trying, held offline.
    flaky_proxy.cut()
    expect(page.locator("html")).to_have_attribute("data-live", "closed", timeout=LIVE)

    # Meanwhile someone else (a separate context, straight to the server) creates a team.
    editor = new_context().new_page()
    log_in(editor)
    create_team(editor, missed_team)
    assert page.evaluate("document.documentElement.dataset.live") == "closed"
    expect(missed).to_have_count(0)

    # Back online: the extension reconnects by itself, app.js sends {"type": "resume",
    # "after": cursor} and the server sends the missed event.
    flaky_proxy.restore()
    wait_live(page, timeout=10_000)
    expect(missed).to_have_count(1, timeout=LIVE)
    missed_id = missed.get_attribute("data-event-id")
    assert missed_id is not None and int(missed_id) > cursor_before
    expect(page.locator("#live-cursor")).to_have_attribute("data-cursor", missed_id)

    # And the new socket is live again: the next event arrives on its own, nothing twice.
    create_team(editor, live_team)
    expect(live).to_have_count(1, timeout=LIVE)
    expect(missed).to_have_count(1)
    assert page.evaluate("window.__marker") == 1, "the activity page was reloaded"

    violations = csp_violations(console_messages[seen_before:])
    assert not violations, "CSP violations:\n" + "\n".join(violations)
