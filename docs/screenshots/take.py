"""Screenshots of the main screens at 1280 and 375 px, in English and 简体中文, from a running
demo (`make demo`, or `dealroom demo` then `dealroom serve`). Playwright drives Debian's
chromium; the PNGs land beside this script.

    .venv/bin/python docs/screenshots/take.py                      # http://127.0.0.1:8000
    .venv/bin/python docs/screenshots/take.py --base http://127.0.0.1:8123

Chinese text needs a CJK font on the machine (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "dealroom-demo"
LANGUAGES = {"en": "en-US", "zh": "zh-CN"}
WIDTHS = {"desktop": (1280, 800), "phone": (375, 760)}


def screens(page) -> list[tuple[str, str, str]]:
    """(file stem, who, path): the room and the account are found by following links."""
    return [
        ("home-rep", "rep2", "/w/demo/"),
        ("home-manager", "manager", "/w/demo/"),
        ("board", "rep1", "/w/demo/deals/board/"),
        ("accounts", "rep1", "/w/demo/customers/accounts/"),
        ("account", "rep1", "first:/w/demo/customers/accounts/"),
        ("room", "rep1", "first:/w/demo/rooms/"),
    ]


def log_in(page, base: str, who: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", f"{who}@demo.local")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(re.compile(r"/w/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for lang, locale in LANGUAGES.items():
            for form, (width, height) in WIDTHS.items():
                logged_in = {}
                for stem, who, path in screens(None):
                    if who not in logged_in:
                        context = browser.new_context(
                            locale=locale, viewport={"width": width, "height": height}
                        )
                        logged_in[who] = context.new_page()
                        log_in(logged_in[who], args.base, who)
                    page = logged_in[who]
                    if path.startswith("first:"):
                        page.goto(args.base + path.removeprefix("first:"))
                        page.locator(
                            "[data-testid=row] a, [data-testid=room-card] a, .list-group a"
                        ).first.click()
                    else:
                        page.goto(args.base + path)
                    page.wait_for_load_state("networkidle")
                    out = HERE / f"{stem}-{form}-{lang}.png"
                    page.screenshot(path=str(out))
                    print(out.relative_to(HERE.parent.parent))
                for page in logged_in.values():
                    page.context.close()
        browser.close()


if __name__ == "__main__":
    main()
