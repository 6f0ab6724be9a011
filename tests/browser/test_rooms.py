"""A deal room in two browsers: the seller invites a guest; the guest opens the e-mailed
link, presses the button, proves the e-mail with the code, comments and ticks a task; the
seller sees both live; the seller's internal comment never reaches the guest's page. The
guest's browser is a phone (375 px). And a video being watched plays on while its list changes
live."""

from __future__ import annotations

import re
import secrets
import time

import pytest

from tests.browser.test_live import LIVE, NOT_ROUND, csp_violations, log_in

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser
SELLER = "rep1@demo.local"  # Tom Becker owns the flagship deal and its room
ROOM = "Group digital sales platform"


def _set_codes(page, on: bool) -> None:
    page.goto("/w/demo/rooms/settings/")
    box = page.get_by_test_id("require-code")
    box.set_checked(on)
    page.get_by_test_id("save").click()
    expect(page.locator(".alert-success")).to_be_visible()


def _mail(server, address: str, pattern: str, timeout: float = 10) -> str:
    """The first match of `pattern` in the latest mail to `address` (subject or body)."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for msg in server.sent_mails():
            if address.lower() not in str(msg["To"]).lower():
                continue
            body = msg.get_body(preferencelist=("plain",))
            text = str(msg["Subject"]) + "\n" + (body.get_content() if body is not None else "")
            found += re.findall(pattern, text)
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} matching {pattern}:\n{server.log_tail()}")
        time.sleep(0.1)


def _wait_room_live(page) -> None:
    expect(page.get_by_test_id("room")).to_have_attribute("data-live", "open", timeout=LIVE)


def _seller_in_room(new_context, **options):
    """The flagship deal's owner, logged in, on its room's page with the socket open."""
    page = new_context(**options).new_page()
    log_in(page, SELLER)
    page.goto("/w/demo/rooms/")
    markers = page.get_by_test_id("unread")  # the demo's other rooms have news for the seller
    expect(markers.first).to_be_visible()
    for i in range(markers.count()):
        box = markers.nth(i).bounding_box()
        assert box and box["width"] == box["height"] <= 12, f"unread marker not a dot: {box}"
    page.get_by_test_id("my-room").filter(has_text=ROOM).click()
    _wait_room_live(page)
    return page


def test_seller_and_guest_work_in_one_room_live(new_context, dealroom_server, console_messages):
    uid = secrets.token_hex(3)
    guest_email = f"guest-{uid}@customer.example"
    admin = new_context().new_page()
    log_in(admin, "admin@demo.local")
    _set_codes(admin, True)
    try:
        seller = _seller_in_room(new_context, viewport={"width": 1400, "height": 1000})
        room_url = seller.url

        # The seller invites a new person of the customer by e-mail.
        form = seller.get_by_test_id("invite-form")
        form.locator("input[name=email]").fill(guest_email)
        form.locator("input[name=name]").fill(f"客户 Guest {uid}")
        form.get_by_test_id("invite-send").click()
        expect(form.locator("[data-form-error]")).to_be_empty()
        expect(seller.get_by_test_id("room-people")).to_contain_text(f"客户 Guest {uid}")
        link = _mail(
            dealroom_server, guest_email, re.escape(dealroom_server.base_url) + r"/r/[\w-]+/"
        )

        # A task for the guest, added by the seller and assigned to the guest (a guest ticks
        # the sellers' tasks that are theirs, no others).
        task_title = f"Upload the org chart {uid}"
        seller.get_by_test_id("task-quick-add").first.fill(task_title)
        seller.get_by_test_id("task-quick-add").first.press("Enter")
        expect(seller.get_by_test_id("room-plan")).to_contain_text(task_title)
        new_row = seller.get_by_test_id("task").filter(has_text=task_title)
        new_row.get_by_test_id("task-title").click()
        assign = seller.get_by_test_id("task-edit-form")
        seller.locator("#task-panel-host details").filter(has=assign).locator("summary").click()
        assign.get_by_label(re.compile(f"Guest {uid}")).check()
        assign.get_by_role("button", name="Save task").click()
        expect(new_row.locator(".avatar")).to_have_count(1, timeout=LIVE)
        seller.locator("#task-offcanvas .btn-close").click()

        # The guest, on a phone: link → landing page → button → code → the room.
        guest = new_context(viewport={"width": 375, "height": 812}, is_mobile=True).new_page()
        guest.goto(link)
        expect(guest).to_have_url(re.compile(r"/r/open/$"))  # the token left the address bar
        guest.get_by_test_id("open-room").click()
        expect(guest).to_have_url(re.compile(r"/r/code/$"))
        code = _mail(dealroom_server, guest_email, r"\b\d{6}\b")
        guest.get_by_test_id("code").fill(code)
        guest.get_by_test_id("code-submit").click()
        expect(guest.get_by_test_id("room-title")).to_contain_text(ROOM)
        _wait_room_live(guest)
        assert guest.evaluate("document.documentElement.scrollWidth") <= 380
        expect(guest.locator("nav#main-nav, [data-testid=nav-deals]")).to_have_count(0)
        expect(guest.get_by_test_id("room-plan")).not_to_contain_text("Internal: discount")

        # The guest comments; the seller sees it without reloading.
        seller.evaluate("window.__marker = 1")
        question = f"什么时候可以签约？When can we sign? {uid}"
        guest.get_by_test_id("comment-body").first.fill(question)
        guest.get_by_test_id("comment-send").first.click()
        expect(guest.get_by_test_id("thread-room")).to_contain_text(question)
        expect(seller.get_by_test_id("thread-room")).to_contain_text(question, timeout=LIVE)
        # Avatars stay round beside comments that wrap, on the phone and on the desktop.
        assert guest.evaluate(NOT_ROUND) == []
        assert seller.evaluate(NOT_ROUND) == []

        # The guest ticks the task; the seller sees it done.
        guest_row = guest.get_by_test_id("task").filter(has_text=task_title)
        guest_row.get_by_test_id("task-check").click()
        seller_row = seller.get_by_test_id("task").filter(has_text=task_title)
        expect(seller_row).to_have_class(re.compile(r"status-done"), timeout=LIVE)
        assert seller.evaluate("window.__marker") == 1  # no reload happened

        # The guest shares a file: its menu (rename, remove) is the guest's own, and shows.
        upload = guest.get_by_test_id("resource-upload")
        guest.locator("#room-resources details").filter(has=upload).locator("summary").click()
        upload.get_by_test_id("resource-file").set_input_files(
            {"name": f"org-{uid}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
        )
        upload.get_by_test_id("resource-upload-send").click()
        own_file = guest.get_by_test_id("resource").filter(has_text=f"org-{uid}")
        expect(own_file.locator(".dropdown")).to_be_visible()
        expect(seller.get_by_test_id("resource").filter(has_text=f"org-{uid}")).to_be_visible(
            timeout=LIVE
        )

        # The seller's internal comment: on the seller's page, never on the guest's.
        secret = f"内部：底价 80 万 Floor price {uid}"
        seller_form = seller.get_by_test_id("comment-form").first
        seller_form.get_by_test_id("comment-body").fill(secret)
        seller_form.get_by_test_id("comment-internal").check()
        seller_form.get_by_test_id("comment-send").click()
        expect(seller.get_by_test_id("thread-room")).to_contain_text(secret)
        reply = f"A shared reply after the internal one {uid}"
        seller_form.get_by_test_id("comment-body").fill(reply)
        seller_form.get_by_test_id("comment-send").click()
        expect(guest.get_by_test_id("thread-room")).to_contain_text(reply, timeout=LIVE)
        assert secret not in guest.content()
        guest.reload()
        expect(guest.get_by_test_id("thread-room")).to_contain_text(reply)
        assert secret not in guest.content()
        # The seller makes the guest's task internal: it leaves the guest's page live, and
        # neither the page nor the activity tab names it afterwards.
        seller_row.get_by_test_id("task-title").click()
        edit = seller.get_by_test_id("task-edit-form")
        seller.locator("#task-panel-host details").filter(has=edit).locator("summary").click()
        edit.get_by_label(re.compile(f"Guest {uid}")).uncheck()  # no guest on an internal task
        edit.locator("input[name=internal]").check()
        edit.get_by_role("button", name="Save task").click()
        expect(seller_row.locator(".badge.bg-yellow-lt")).to_be_visible(timeout=LIVE)
        expect(guest.get_by_test_id("room-plan")).not_to_contain_text(task_title, timeout=LIVE)
        expect(guest.get_by_test_id("room-activity")).not_to_contain_text(task_title)
        assert task_title not in guest.content()
        guest.goto(guest.url.split("#")[0] + "activity/")
        assert task_title not in guest.content()

        assert seller.url == room_url
        assert not csp_violations(console_messages)
    finally:
        _set_codes(admin, False)


def test_a_page_applies_its_own_comment_once(new_context):
    """With its socket open, the poster's page says so and is answered only who the reader is
    in the room: its comment comes through the socket, once. Another seller's comment still
    arrives live, and after it the poster's comment is the same element it was (a copy applied
    again would swap the element under the reader's pointer)."""
    uid = secrets.token_hex(3)
    poster = _seller_in_room(new_context)
    other = _seller_in_room(new_context)
    poster.evaluate(
        """() => {
          window.__inserted = {};
          new MutationObserver((changes) => changes.forEach((change) =>
            change.addedNodes.forEach((node) => {
              if (node.id && node.id.startsWith("comment-"))
                window.__inserted[node.id] = (window.__inserted[node.id] || 0) + 1;
            }))).observe(document.getElementById("room"), { childList: true, subtree: true });
        }"""
    )
    mine = f"Mine, once {uid}"
    form = poster.get_by_test_id("comment-form").first
    form.get_by_test_id("comment-body").fill(mine)
    with poster.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_test_id("comment-send").click()
    assert posted.value.request.headers.get("x-room-live") == "1"
    assert 'data-op="me"' in posted.value.text() and "comment-" not in posted.value.text()
    expect(poster.get_by_test_id("thread-room")).to_contain_text(mine)
    expect(form.get_by_test_id("comment-body")).to_have_value("")  # the answer was applied
    theirs = f"Theirs, live {uid}"
    other_form = other.get_by_test_id("comment-form").first
    other_form.get_by_test_id("comment-body").fill(theirs)
    other_form.get_by_test_id("comment-send").click()
    # The socket sends in order: once theirs is in, the copy of mine has come and gone.
    expect(poster.get_by_test_id("thread-room")).to_contain_text(theirs, timeout=LIVE)
    mine_id = poster.get_by_test_id("comment").filter(has_text=mine).get_attribute("id")
    assert poster.evaluate("(id) => window.__inserted[id]", mine_id) == 1


def test_text_typed_while_a_comment_is_on_its_way_stays(new_context):
    """On a slow network one types the next comment while the last is on its way: its answer
    empties only what was sent, and the new text stays, to be sent next."""
    uid = secrets.token_hex(3)
    seller = _seller_in_room(new_context)
    seller.evaluate(
        """() => {  // a slow network: every request leaves 800 ms late
          const send = XMLHttpRequest.prototype.send;
          XMLHttpRequest.prototype.send = function (body) {
            setTimeout(() => send.call(this, body), 800);
          };
          window.__answered = new Promise((done) => document.addEventListener(
            "htmx:afterRequest", () => setTimeout(done, 0), { once: true }));
        }"""
    )
    form = seller.get_by_test_id("comment-form").first
    body = form.get_by_test_id("comment-body")
    body.fill(f"First {uid}")
    form.get_by_test_id("comment-send").click()
    body.fill(f"Second {uid}")
    seller.evaluate("() => window.__answered")  # the first's answer has been applied
    expect(seller.get_by_test_id("thread-room")).to_contain_text(f"First {uid}")
    assert body.input_value() == f"Second {uid}"
    form.get_by_test_id("comment-send").click()
    expect(seller.get_by_test_id("thread-room")).to_contain_text(f"Second {uid}", timeout=LIVE)
    expect(body).to_have_value("")


def test_enter_sends_on_a_desktop_and_makes_a_new_line_on_a_phone(new_context):
    """A desktop keyboard sends with Enter (Shift+Enter for a new line); a phone's keyboard has
    no Shift, so there Enter makes a new line and the Send button sends."""
    uid = secrets.token_hex(3)
    desk = _seller_in_room(new_context)
    body = desk.get_by_test_id("comment-form").first.get_by_test_id("comment-body")
    body.fill(f"Sent by Enter {uid}")
    body.press("Enter")
    expect(desk.get_by_test_id("thread-room")).to_contain_text(f"Sent by Enter {uid}")
    expect(body).to_have_value("")
    # Enter that picks an input method's characters (Safari: keyCode 229) sends nothing.
    body.fill(f"拼音 {uid}")
    picked = body.evaluate(
        """(el) => el.dispatchEvent(new KeyboardEvent("keydown",
             { key: "Enter", keyCode: 229, bubbles: true, cancelable: true }))"""
    )
    assert picked, "the page took the input method's Enter for itself"

    phone = _seller_in_room(
        new_context, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    form = phone.get_by_test_id("comment-form").first
    body = form.get_by_test_id("comment-body")
    body.click()
    body.type(f"Line one {uid}")
    body.press("Enter")
    body.type("line two")
    assert body.input_value() == f"Line one {uid}\nline two"
    form.get_by_test_id("comment-send").click()
    comment = phone.get_by_test_id("comment").filter(has_text=f"Line one {uid}")
    expect(comment).to_be_visible()
    assert f"Line one {uid}\nline two" in comment.inner_text()


def test_mentions_name_guests_and_offer_to_invite_an_address_in_chinese(new_context):
    """The @ menu lists the room's people, a guest marked as one, in the page's language; an
    address of someone not in the room is offered as an invitation, which fills the people
    panel's form (nobody is mentioned or notified)."""
    seller = _seller_in_room(new_context, locale="zh-CN")
    area = seller.get_by_test_id("comment-body").first
    area.click()
    area.type("请 @李")
    menu = seller.locator(".mention-menu")
    expect(menu).to_be_visible()
    expect(menu.locator(".dropdown-item", has_text="李华").locator(".badge")).to_have_text("访客")
    area.fill("")
    address = f"new-{secrets.token_hex(3)}@customer.example"
    area.type(f"请 @{address}")
    offer = menu.locator("a.dropdown-item")
    expect(offer).to_have_text(f"邀请进入房间： {address}")
    offer.dispatch_event("mousedown")
    expect(seller.get_by_test_id("invite-email")).to_have_value(address)


def test_file_pickers_speak_the_pages_language_and_list_the_chosen_files(new_context):
    """The composer's file button reads in the page's language (the browser's own reads in
    the browser's), fits a phone, lists the files chosen and is cleared once they are sent."""
    from tests.browser.test_live import zh

    uid = secrets.token_hex(3)
    seller = _seller_in_room(
        new_context, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True
    )
    form = seller.get_by_test_id("comment-form").first
    pick = form.locator(".file-pick")
    expect(pick).to_have_text(zh("Attach files"))
    box = pick.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    names = form.locator("[data-file-names]")
    expect(names).to_be_hidden()
    files = [
        {"name": f"报价-{uid}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
        {"name": f"scope-{uid}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
    ]
    form.get_by_test_id("comment-file").set_input_files(files)
    expect(names).to_have_text(f"报价-{uid}.pdf, scope-{uid}.pdf")
    form.get_by_test_id("comment-body").fill(f"两份文件 {uid}")
    form.get_by_test_id("comment-send").click()
    comment = seller.get_by_test_id("comment").filter(has_text=f"两份文件 {uid}")
    expect(comment).to_contain_text(f"scope-{uid}.pdf")
    expect(names).to_be_hidden()
    expect(names).to_have_text("")


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# A few seconds of WebM video, recorded in the page from a canvas (no video file or encoder
# in the repository).
RECORD_WEBM = """async (seconds) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const paint = canvas.getContext("2d");
  const stream = canvas.captureStream(25);
  const recorder = new MediaRecorder(stream, { mimeType: "video/webm;codecs=vp8" });
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  let frame = 0;
  const timer = setInterval(() => {
    paint.fillStyle = `hsl(${(frame++ * 15) % 360}, 80%, 50%)`;
    paint.fillRect(0, 0, 64, 48);
  }, 40);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  recorder.stop();
  clearInterval(timer);
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


def test_a_video_plays_on_while_the_resource_list_changes_live(
    new_context, dealroom_server, console_messages
):
    """Someone adds a resource while the seller watches a video of the room: the list is
    replaced live, and the video the seller watches is the same element, still playing. The
    video and a PDF open in the room's viewer page (the PDF framed from our own origin)."""
    import base64

    uid = secrets.token_hex(3)
    watcher = _seller_in_room(new_context, viewport={"width": 1200, "height": 900})
    video = base64.b64decode(watcher.evaluate(RECORD_WEBM, 6))

    upload = watcher.get_by_test_id("resource-upload")
    watcher.locator("#room-resources summary").first.click()
    upload.get_by_test_id("resource-file").set_input_files(
        {"name": f"demo-{uid}.webm", "mimeType": "video/webm", "buffer": video}
    )
    upload.locator("input[name=title]").fill(f"Demo video {uid}")
    upload.get_by_test_id("resource-upload-send").click()
    row = watcher.get_by_test_id("resource").filter(has_text=f"Demo video {uid}")
    expect(row).to_be_visible()
    row.locator("summary").click()
    player = row.get_by_test_id("resource-video")
    player.evaluate(
        """v => {
            v.muted = v.loop = true;
            window.__watched = v;
            window.__paused = 0;
            v.addEventListener("pause", () => { window.__paused += 1; });
            return v.play();
        }"""
    )
    watcher.wait_for_function("() => window.__watched.currentTime > 0.5", timeout=10_000)

    other = _seller_in_room(new_context)
    form = other.get_by_test_id("resource-link-form")
    other.locator("#room-resources details").filter(has=form).locator("summary").click()
    form.locator("input[name=url]").fill(f"https://example.com/{uid}")
    form.locator("input[name=title]").fill(f"Pricing page {uid}")
    form.locator("button[type=submit]").click()

    expect(watcher.get_by_test_id("resource-list")).to_contain_text(
        f"Pricing page {uid}", timeout=LIVE
    )
    kept = row.get_by_test_id("resource-video")
    assert kept.evaluate("v => v === window.__watched"), "the video element was replaced"
    assert kept.evaluate("v => !v.paused && window.__paused === 0"), "the video was paused"
    expect(row.locator("details.resource-preview")).to_have_attribute("open", "")

    # The viewer pages, opened from the list in a new tab.
    with watcher.context.expect_page() as opened:
        row.get_by_test_id("resource-open").click()
    viewer = opened.value
    expect(viewer.get_by_test_id("viewer-video")).to_be_visible()
    other.locator("#room-resources details").filter(
        has=other.get_by_test_id("resource-upload")
    ).locator("summary").click()
    other.get_by_test_id("resource-file").set_input_files(
        {"name": f"offer-{uid}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    other.get_by_test_id("resource-upload").locator("input[name=title]").fill(f"Offer {uid}")
    other.get_by_test_id("resource-upload-send").click()
    pdf_row = other.get_by_test_id("resource").filter(has_text=f"Offer {uid}")
    with other.context.expect_page() as opened:
        pdf_row.get_by_test_id("resource-open").click()
    pdf_viewer = opened.value
    frame = pdf_viewer.get_by_test_id("viewer-pdf")
    expect(frame).to_be_visible()
    assert frame.get_attribute("src").endswith("?inline=1&preview=1")
    pdf_viewer.get_by_test_id("viewer-back").click()
    expect(pdf_viewer.get_by_test_id("room-title")).to_contain_text(ROOM)
    assert csp_violations(console_messages) == []


def test_a_task_link_opened_in_a_new_tab_shows_the_room_with_the_task_open(
    new_context, console_messages
):
    """The address of a task (the plan's link, the home page's) is the room page with that
    task's panel open, not the bare panel; the panel closes like one opened in the page."""
    seller = _seller_in_room(new_context, viewport={"width": 1400, "height": 1000})
    link = seller.get_by_test_id("task-title").first
    title = link.inner_text().strip()
    tab = seller.context.new_page()
    tab.goto(link.get_attribute("href"))
    panel = tab.locator("#task-offcanvas")
    expect(panel).to_be_visible()
    expect(panel.get_by_test_id("task-panel")).to_contain_text(title)
    expect(tab.get_by_test_id("sidebar")).to_be_visible()  # the whole page, styled
    expect(tab.get_by_test_id("room-plan")).to_be_visible()
    tab.locator("#task-offcanvas .btn-close").click()
    expect(panel).to_be_hidden()
    assert csp_violations(console_messages) == []


def test_an_admin_builds_a_room_template_row_by_row(new_context, console_messages):
    """The template editor: the stage select holds the chosen type's stages only; tasks are
    rows added, moved and removed in the page, "internal" a box."""
    uid = secrets.token_hex(3)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "admin@demo.local")
    page.goto("/w/demo/rooms/settings/templates/new/")

    type_select = page.locator("#tpl-type")
    stages_of = {}
    for value in type_select.locator("option").evaluate_all("os => os.map(o => o.value)"):
        type_select.select_option(value)
        own = page.locator(f'template[data-stages-for="{value}"]').evaluate(
            "t => Array.from(t.content.children).map(o => o.value)"
        )
        offered = page.get_by_test_id("template-stage").locator("option")
        assert offered.evaluate_all("os => os.map(o => o.value)") == ["", *own]
        stages_of[value] = own
    staged = next(value for value, own in stages_of.items() if own)
    type_select.select_option(staged)
    page.get_by_test_id("template-stage").select_option(stages_of[staged][0])

    page.locator("#tpl-name").fill(f"Browser kit {uid}")
    page.get_by_test_id("template-active").uncheck()  # applies to none of the other tests' deals
    first = page.get_by_test_id("template-milestone").first
    first.get_by_test_id("template-milestone-title").fill("Evaluation 评估")
    first.get_by_test_id("template-task-title").fill("Book the demo")
    first.get_by_test_id("template-task-days").fill("3")
    first.get_by_test_id("template-add-task").click()
    added = first.get_by_test_id("template-task").nth(1)
    expect(added.get_by_test_id("template-task-title")).to_be_focused()
    added.get_by_test_id("template-task-title").fill("Approve the discount")
    added.get_by_test_id("template-task-internal").check()
    added.locator("[data-row-move=up]").click()
    page.get_by_test_id("template-add-milestone").click()
    extra = page.get_by_test_id("template-milestone").nth(1)
    expect(extra.get_by_test_id("template-milestone-title")).to_be_focused()
    extra.get_by_test_id("template-milestone-title").fill("Dropped again")
    extra.get_by_test_id("template-row-remove").first.click()
    expect(page.get_by_test_id("template-milestone")).to_have_count(1)
    page.get_by_test_id("template-save").click()
    expect(page.locator(".alert-success")).to_be_visible()

    page.get_by_role("link", name=f"Browser kit {uid}").first.click()
    tasks = page.get_by_test_id("template-task")
    expect(tasks).to_have_count(2)
    expect(tasks.nth(0).get_by_test_id("template-task-title")).to_have_value("Approve the discount")
    expect(tasks.nth(0).get_by_test_id("template-task-internal")).to_be_checked()
    expect(tasks.nth(1).get_by_test_id("template-task-days")).to_have_value("3")
    expect(tasks.nth(1).get_by_test_id("template-task-internal")).not_to_be_checked()
    page.get_by_test_id("template-delete-page").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert csp_violations(console_messages) == []
