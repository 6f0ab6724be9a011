"""Comment text in a sales room: mentions, a small Markdown subset, and safe HTML out.

Guests are outside the company, so comment bodies are untrusted. The rule that keeps this
safe: everything the user typed is HTML-escaped, and markup is only ever *added around*
escaped text by this module. Pieces that must not be touched by emphasis (code, links,
mentions) are cut out first by one left-to-right scan and replaced by placeholders, so
`**` inside a URL or a name can never open a tag, and every tag we add is closed.

Every pattern here is bounded (length limits, character classes that stop at their own
delimiter), so rendering stays linear in the input; no nested quantifiers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# `@[Display Name](123)` — written by the mention picker; 123 is the room member's id.
MENTION = re.compile(r"@\[(?P<name>[^\]\n]{1,200}+)\]\((?P<id>\d{1,18}+)\)")

# One scan finds the pieces emphasis must not reach into; at each position the first
# alternative wins, so a mention beats a link and a `[text](url)` beats a bare URL in it.
_TOKEN = re.compile(
    r"`(?P<code>[^`\n]{1,1000}+)`"
    rf"|{MENTION.pattern}"
    r"|\[(?P<text>[^\[\]\n]{1,500}+)\]\((?P<href>[^\s()]{1,2000}+)\)"
    r"|(?<![A-Za-z0-9+.\-/@])(?P<url>(?i:https?)://[^\s<>\"'`\u3000-\u303f\uff00-\uffef]{1,2000})"
)
# Characters that end a sentence rather than a URL: "see https://x.com/a." keeps the dot out.
_TRAILING = set(".,:;!?'\"*_~")
_SCHEMES = {"http", "https", "mailto"}
PLAIN_TEXT_LIMIT = 200

_SLOT = "\x00"  # placeholder delimiter; stripped from input so users cannot forge one
_SLOT_RE = re.compile(r"\x00(\d+)\x00")

# Emphasis runs on escaped text (no `<` of the user's left). Inner parts exclude `<` except
# a whole <strong>…</strong> made by the previous step, so tags always nest properly.
_BOLD = re.compile(r"\*\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*\*")
_NESTED = r"(?:[^{d}<]|<strong>[^<]*</strong>)+?"
_STAR_EM = re.compile(rf"(?<!\*)\*(?=[^\s*])({_NESTED.format(d=r'*')})(?<=[^\s*])\*(?!\*)")
# `_` only at word edges: snake_case_names and 中文_中文 stay as typed.
_UNDER_EM = re.compile(rf"(?<!\w)_(?=[^\s_])({_NESTED.format(d='_')})(?<=[^\s_])_(?!\w)")


def mentioned_ids(body: str) -> list[int]:
    """Member ids mentioned, first appearance first, each once (who to notify). A mention
    inside `code` is shown as code, so it does not count."""
    ids = (int(m["id"]) for m in _TOKEN.finditer(body or "") if m["id"])
    return list(dict.fromkeys(ids))


def plain_text(body: str) -> str:
    """The body for e-mails and notifications: mentions as `@Name`, other markers as typed,
    blank-line runs collapsed, at most PLAIN_TEXT_LIMIT characters (ending in "…" when cut)."""
    text = _TOKEN.sub(lambda m: f"@{m['name'].strip()}" if m["id"] else m[0], body or "")
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(text) > PLAIN_TEXT_LIMIT:
        text = text[: PLAIN_TEXT_LIMIT - 1].rstrip() + "…"
    return text


def render_comment(body: str, *, members: Mapping[int, str] | None = None) -> SafeString:
    """HTML for a comment. `members` maps member id → current display name; when given, a
    mention of someone not in it (left the room) is shown as plain `@Name`."""
    text = (body or "").replace(_SLOT, "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        line = line.rstrip()
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    html = [f"<p>{_render_inline(chr(10).join(p), members)}</p>" for p in paragraphs if p]
    # Safe by construction: user text reaches `html` only through escape().
    return mark_safe("\n".join(html))  # noqa: S308


def _render_inline(text: str, members: Mapping[int, str] | None) -> str:
    slots: list[str] = []
    out: list[str] = []

    def slot(html: str) -> str:
        slots.append(html)
        return f"{_SLOT}{len(slots) - 1}{_SLOT}"

    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(escape(text[pos : m.start()]))
        pos = m.end()
        if m["code"] is not None:
            out.append(slot(f"<code>{escape(m['code'])}</code>"))
        elif m["id"] is not None:
            out.append(slot(_mention(int(m["id"]), m["name"].strip(), members)))
        elif m["href"] is not None:
            href = m["href"]
            out.append(slot(_link(href, m["text"])) if _allowed(href) else escape(m[0]))
        else:
            url, tail = _split_trailing(m["url"])
            out.append(slot(_link(url, url)) if _allowed(url) else escape(url))
            out.append(escape(tail))
    out.append(escape(text[pos:]))

    html = "".join(out)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _STAR_EM.sub(r"<em>\1</em>", html)
    html = _UNDER_EM.sub(r"<em>\1</em>", html)
    html = html.replace("\n", "<br>\n")
    return _SLOT_RE.sub(lambda s: slots[int(s[1])], html)


def _mention(member_id: int, stored_name: str, members: Mapping[int, str] | None) -> str:
    if members is None:
        name = stored_name
    elif member_id in members:
        name = members[member_id]
    else:
        return escape(f"@{stored_name}")
    return f'<span class="mention" data-member="{member_id}">@{escape(name)}</span>'


def _allowed(url: str) -> bool:
    """Only web and mail links; `javascript:`, `data:` and friends stay plain text."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        return False
    return bool(parts.path) if scheme == "mailto" else bool(parts.hostname)


def _link(url: str, text: str) -> str:
    return (
        f'<a href="{escape(url)}" rel="noopener noreferrer nofollow" target="_blank">'
        f"{escape(text)}</a>"
    )


def _split_trailing(url: str) -> tuple[str, str]:
    """Give sentence punctuation back to the text; keep `)` only while it closes a `(` in
    the URL (Wikipedia-style links). Counts are kept, not recounted, to stay linear."""
    opens, closes = url.count("("), url.count(")")
    end = len(url)
    while end:
        ch = url[end - 1]
        if ch == ")" and closes > opens:
            closes -= 1
        elif ch not in _TRAILING:
            break
        end -= 1
    return url[:end], url[end:]
