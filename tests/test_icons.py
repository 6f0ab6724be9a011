"""Every icon the pages name is in the installed tabler-icons font: a class the font does not
have renders as nothing (a ticked task's box was 0×0 px, so it could not be unticked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FONT_CSS = ROOT / "static" / "vendor" / "tabler-icons" / "tabler-icons.min.css"
ICON = re.compile(r"(?<![\w-])ti-[a-z0-9]+(?:-[a-z0-9]+)*")
SOURCES = ("templates", "dealroom", "static/dealroom")


def _used() -> dict[str, str]:
    used: dict[str, str] = {}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".html", ".py", ".js") or "migrations" in path.parts:
                continue
            for name in ICON.findall(path.read_text(encoding="utf-8")):
                used.setdefault(name, str(path.relative_to(ROOT)))
    return used


def test_every_icon_used_is_in_the_installed_font():
    if not FONT_CSS.exists():
        pytest.fail(f"{FONT_CSS} is missing: run `make vendor`")
    known = set(re.findall(r"\.(ti-[a-z0-9-]+):before", FONT_CSS.read_text(encoding="utf-8")))
    used = _used()
    assert len(used) > 20  # the scan found the pages' icons
    missing = {name: where for name, where in used.items() if name not in known}
    assert not missing, f"icons the font does not have: {missing}"
