"""The app shell in a real browser: at six widths and in both languages nothing overflows
sideways, the bell and the user menu are on screen, the sidebar (wide) or the tab bar
(narrow) leads everywhere, labels never break inside a word, and no page trips the CSP.
The global search opens from anywhere with "/" or Ctrl-K and is driven by the keyboard."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_live import LIVE, log_in

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser
WIDTHS = [375, 768, 1024, 1280, 1440, 1920]
SIDEBAR_FROM = 992  # templates/core/_shell.html: the sidebar from Bootstrap's lg breakpoint
PAGES = [
    "/w/demo/",
    "/w/demo/deals/board/",
    "/w/demo/customers/accounts/",
    "/w/demo/rooms/",
    "/w/demo/activity/",
]

# Every label of the shell renders on one line (a Chinese label broken as 工作/台 would take
# two); the script returns the labels that take more than one line box.
BROKEN_LABELS = """() => Array.from(document.querySelectorAll(
    '.app-sidebar .nav-link-title, .app-tab span, .app-topbar [data-testid=workspace-name]'))
  .filter(el => el.offsetParent !== null && el.getClientRects().length > 0)
  .filter(el => {
    const lh = parseFloat(getComputedStyle(el).lineHeight) || 20;
    return el.getBoundingClientRect().height > lh * 1.5;
  }).map(el => el.textContent.trim())"""


def _on_screen(page, test_id: str, width: int) -> None:
    box = page.get_by_test_id(test_id).bounding_box()
    assert box is not None, f"{test_id} not rendered at {width}px"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
        f"{test_id} off screen at {width}px: {box}"
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_shell_fits_six_widths(new_context, console_messages, locale):
    context = new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    page = context.new_page()
    log_in(page, "admin@demo.local")
    seen_before = len(console_messages)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for path in PAGES:
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} at {width}px ({locale}) scrolls sideways by {overflow}"
            expect(page.get_by_test_id("bell")).to_be_visible()
            expect(page.get_by_test_id("user-menu")).to_be_visible()
            _on_screen(page, "bell", width)
            _on_screen(page, "user-menu", width)
            wide = width >= SIDEBAR_FROM
            expect(page.get_by_test_id("sidebar")).to_be_visible(visible=wide)
            expect(page.get_by_test_id("tabbar")).to_be_visible(visible=not wide)
            assert page.evaluate(BROKEN_LABELS) == [], f"{path} at {width}px ({locale})"
        if width == 1920:
            # The board uses the whole screen: the demo's six stages side by side, none cut.
            page.goto("/w/demo/deals/board/")
            edges = page.evaluate(
                "[...document.querySelectorAll('.board-column')]"
                ".map(c => c.getBoundingClientRect().right)"
            )
            assert len(edges) >= 6 and max(edges) <= width, edges
    if locale == "zh-CN":
        expect(page.get_by_test_id("tab-deals")).to_have_text("商机")
    csp = [
        str(m)
        for m in console_messages[seen_before:]
        if "Content Security Policy" in m.text or m.type == "pageerror"
    ]
    assert csp == []


def test_user_menu_and_places(new_context):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(page, "manager@demo.local")
    page.goto("/w/demo/")
    page.get_by_test_id("user-menu").click()
    menu = page.get_by_test_id("user-menu-items")
    for item in ("menu-profile", "menu-password", "menu-tokens", "logout"):
        expect(menu.get_by_test_id(item)).to_be_visible()
    menu.get_by_test_id("menu-password").click()
    expect(page.get_by_test_id("password-form")).to_be_visible()

    # The sidebar leads to the deal board; folded to icons it stays folded on the next page.
    page.goto("/w/demo/")
    page.get_by_test_id("sidebar").get_by_test_id("nav-deals").click()
    expect(page).to_have_url(re.compile(r"/deals/"))
    page.get_by_test_id("sidebar").hover()
    page.get_by_test_id("sidebar-fold").click()
    expect(page.locator("html")).to_have_attribute("data-bs-sidebar", "folded-hover")
    page.goto("/w/demo/")
    expect(page.locator("html")).to_have_attribute("data-bs-sidebar", "folded-hover")
    page.mouse.move(900, 400)
    width = page.get_by_test_id("sidebar").bounding_box()["width"]
    assert width < 100, f"a folded sidebar is a rail of icons, not {width}px"
    page.get_by_test_id("sidebar").hover()
    page.get_by_test_id("sidebar-fold").click()
    expect(page.locator("html")).not_to_have_attribute("data-bs-sidebar", "folded-hover")

    # On a phone the "more" sheet holds the places the tab bar has no room for.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/w/demo/")
    page.get_by_test_id("tab-more").click()
    sheet = page.get_by_test_id("more-sheet")
    expect(sheet.get_by_test_id("nav-members")).to_be_visible()
    sheet.get_by_test_id("nav-teams").click()
    expect(page).to_have_url(re.compile(r"/teams/$"))


def test_search_from_anywhere_by_keyboard(new_context):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(page, "rep2@demo.local")
    page.goto("/w/demo/customers/accounts/")
    page.keyboard.press("/")
    palette = page.get_by_test_id("search-palette")
    expect(palette).to_be_visible()
    page.keyboard.type("zs")
    expect(palette.get_by_test_id("hit-contact").filter(has_text="张三")).to_be_visible(
        timeout=LIVE
    )
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()

    # Ctrl-K from a page with no search box of its own; deals are found too, grouped.
    page.goto("/w/demo/")
    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    page.keyboard.type("kiosk")
    deal = palette.get_by_test_id("hit-opportunity").first
    expect(deal).to_be_visible(timeout=LIVE)
    hits = palette.locator("a.list-group-item")
    expect(hits.first).to_have_class(re.compile(r"\bactive\b"))
    target = deal.get_attribute("href")
    while "active" not in (deal.get_attribute("class") or ""):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(target + "$"))
