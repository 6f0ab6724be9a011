"""Comment rendering: escaping first, a small Markdown subset, mentions, and no way for a
guest's text to become markup."""

from __future__ import annotations

import time

import pytest
from django.utils.safestring import SafeString

from dealroom.rooms.formatting import MENTION, mentioned_ids, plain_text, render_comment

ATTRS = 'rel="noopener noreferrer nofollow" target="_blank"'


def link(href: str, text: str | None = None) -> str:
    return f'<a href="{href}" {ATTRS}>{text if text is not None else href}</a>'


def test_mention_pattern_reads_name_and_id():
    m = MENTION.search("hi @[王小明 (Sales)](42)!")
    assert m is not None
    assert (m["name"], m["id"]) == ("王小明 (Sales)", "42")
    assert MENTION.search("@[broken\nname](1)") is None
    assert MENTION.search("@[no id]()") is None


def test_mentioned_ids_in_order_unique():
    body = "@[Bob](3) and @[Ann](1), again @[Bob](3) and @[李雷](12)"
    assert mentioned_ids(body) == [3, 1, 12]
    assert mentioned_ids("") == []


def test_mention_inside_code_is_not_a_mention():
    assert mentioned_ids("`@[Bob](3)` @[Ann](1)") == [1]


def test_render_returns_safe_string_and_escapes_everything():
    html = render_comment("<b>hi</b> & <img src=x onerror=alert(1)>")
    assert isinstance(html, SafeString)
    assert html == "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;</p>"


def test_empty_body():
    assert render_comment("") == ""
    assert render_comment("  \n\n ") == ""


def test_bold_italic_code():
    html = render_comment("**bold** *it* _also_ `x < *y*`")
    assert html == (
        "<p><strong>bold</strong> <em>it</em> <em>also</em> <code>x &lt; *y*</code></p>"
    )


def test_underscores_inside_words_stay():
    assert render_comment("use snake_case_names and 2_000_000") == (
        "<p>use snake_case_names and 2_000_000</p>"
    )


def test_emphasis_nests_properly():
    assert render_comment("***both***") == "<p><em><strong>both</strong></em></p>"
    assert render_comment("*a **b** c*") == "<p><em>a <strong>b</strong> c</em></p>"
    # crossing markers are left as typed rather than producing misnested tags
    assert render_comment("**a *b** c*") == "<p>**a *b** c*</p>"


def test_lone_markers_and_spaced_stars_stay_text():
    assert render_comment("a * b * c and **open") == "<p>a * b * c and **open</p>"


def test_script_inside_bold_is_escaped():
    assert render_comment("**<script>alert(1)</script>**") == (
        "<p><strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong></p>"
    )


def test_paragraphs_and_line_breaks():
    assert render_comment("one\ntwo\n\n\nthree\r\nfour") == (
        "<p>one<br>\ntwo</p>\n<p>three<br>\nfour</p>"
    )


def test_bare_urls_are_linked_without_trailing_punctuation():
    html = render_comment("See https://example.com/a?b=1&c=2. Or (https://x.org/y).")
    assert html == (
        f"<p>See {link('https://example.com/a?b=1&amp;c=2')}. Or ({link('https://x.org/y')}).</p>"
    )


def test_url_followed_by_chinese_punctuation():
    html = render_comment("请看https://example.com/报价。然后https://x.cn，谢谢")
    assert html == (
        f"<p>请看{link('https://example.com/报价')}。然后{link('https://x.cn')}，谢谢</p>"
    )


def test_url_with_balanced_parentheses_kept():
    url = "https://en.wikipedia.org/wiki/Deal_(finance)"
    assert render_comment(url) == f"<p>{link(url)}</p>"


def test_markdown_links_only_for_safe_schemes():
    assert render_comment("[Quote](https://example.com/q)") == (
        f"<p>{link('https://example.com/q', 'Quote')}</p>"
    )
    assert render_comment("[Mail us](mailto:sales@example.com)") == (
        f"<p>{link('mailto:sales@example.com', 'Mail us')}</p>"
    )
    for body in ["[x](ftp://example.com/f)", "[x](data:text/html,hi)", "[x](//evil.com)"]:
        assert "<a" not in render_comment(body)
    assert "<a" not in render_comment("mailto:someone@example.com")


@pytest.mark.parametrize(
    "body",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert`1`)",
        "[x](javascript:alert%281%29)",
        "[x](vbscript:msgbox)",
        "javascript:alert(1)",
    ],
)
def test_javascript_links_stay_plain_text(body):
    html = render_comment(body)
    assert "<a" not in html
    assert "href" not in html


def test_attribute_breakout_is_escaped():
    html = render_comment('[a](https://x" onmouseover="y)')
    assert ' onmouseover="' not in html
    assert html.count("<a ") == 1
    html = render_comment('[a](https://x"onmouseover="y)')
    assert html == f"<p>{link('https://x&quot;onmouseover=&quot;y', 'a')}</p>"


def test_link_text_is_escaped_and_not_nested():
    html = render_comment("[<b>**x**</b> https://b.com](https://a.com)")
    assert html == f"<p>{link('https://a.com', '&lt;b&gt;**x**&lt;/b&gt; https://b.com')}</p>"


def test_stars_in_urls_do_not_open_tags():
    html = render_comment("**https://a.com/*x*/y go**")
    assert html == f"<p><strong>{link('https://a.com/*x*/y')} go</strong></p>"


def test_mentions_render_with_stored_or_current_name():
    body = "Hi @[Bob <b>](3) and @[王小明](4)"
    assert render_comment(body) == (
        '<p>Hi <span class="mention" data-member="3">@Bob &lt;b&gt;</span> and '
        '<span class="mention" data-member="4">@王小明</span></p>'
    )
    html = render_comment(body, members={3: "Robert <script>", 4: "Wang"})
    assert '<span class="mention" data-member="3">@Robert &lt;script&gt;</span>' in html
    assert '<span class="mention" data-member="4">@Wang</span>' in html


def test_mention_of_someone_not_in_members_is_plain_text():
    html = render_comment("thanks @[Gone <i>](9)!", members={3: "Bob"})
    assert html == "<p>thanks @Gone &lt;i&gt;!</p>"


def test_mention_inside_bold():
    assert render_comment("**@[Bob](3)**") == (
        '<p><strong><span class="mention" data-member="3">@Bob</span></strong></p>'
    )


def test_placeholder_characters_cannot_be_forged():
    html = render_comment("\x000\x00 @[Bob](3)")
    assert html.startswith("<p>\ufffd0\ufffd ")


@pytest.mark.parametrize(
    "body",
    [
        "[[" * 10_000,
        "@[" * 10_000,
        "@[a](1" * 4_000,
        "*" * 20_000,
        "*a " * 7_000,
        "_a" * 10_000,
        "**a" * 7_000,
        "`a" * 10_000,
        "https://" + "(" * 20_000,
        "https://x.com/" + ")" * 20_000,
        "a_" * 10_000,
        "*<" * 10_000,
    ],
)
def test_linear_time_on_hostile_input(body):
    started = time.perf_counter()
    render_comment(body)
    plain_text(body)
    mentioned_ids(body)
    assert time.perf_counter() - started < 0.5


def test_plain_text_keeps_markers_and_names():
    body = "Hi @[王小明](4), **look** at\n\n\n\nthis `code` [q](https://x.com)"
    assert plain_text(body) == "Hi @王小明, **look** at\n\nthis `code` [q](https://x.com)"


def test_plain_text_truncates_to_200_with_ellipsis():
    text = plain_text("word " * 100)
    assert len(text) == 200
    assert text.endswith("…")
    assert plain_text("short") == "short"
    assert plain_text("x" * 200) == "x" * 200
