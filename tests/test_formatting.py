"""How names, amounts and dates read on pages (core/formatting.py and its `ui` filters)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from dealroom.core import formatting


@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        ("李华", "", "李"),  # the family name: one character fills the circle
        ("欧阳娜娜", "", "欧"),  # a compound surname keeps its first character
        ("Sarah Müller", "", "SM"),
        ("sarah", "", "S"),
        ("Jean-Luc de la Tour", "", "JT"),  # first and last name
        ("Tom 李华", "", "T"),  # never a Latin letter beside a wide character
        ("T李华", "", "T"),
        ("李华 Tom", "", "李"),
        ("  ", "sarah@example.com", "S"),
        ("", "", "?"),
        (None, None, "?"),
    ],
)
def test_initials(name, email, expected):
    assert formatting.initials(name, email) == expected


def test_initials_filter_takes_the_email_when_there_is_no_name():
    template = Template("{% load ui %}{{ name|initials:email }}|{{ other|initials }}")
    context = Context({"name": "", "email": "wang@example.com", "other": "王小明"})
    assert template.render(context) == "W|王"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amounts_group_thousands_with_commas_in_both_languages(language):
    with translation.override(language):
        assert formatting.money(Decimal("119000"), "CNY") == "119,000 CNY"
        assert formatting.money(Decimal("1234567.50"), "") == "1,234,568"  # whole units
        assert formatting.number(Decimal("864.192")) == "864"
        assert formatting.number(Decimal("1234.5"), 2) == "1,234.50"
        assert formatting.money(None, "CNY") == ""
        rendered = Template("{% load ui %}{{ a|money:'EUR' }} · {{ b|money }}").render(
            Context({"a": Decimal("11900"), "b": 500})
        )
        assert rendered == "11,900 EUR · 500"


def test_dates_read_one_way_per_language():
    day = datetime.date(2026, 1, 5)
    moment = datetime.datetime(2026, 1, 5, 7, 30, tzinfo=datetime.UTC)  # 15:30 in Shanghai
    with timezone.override(ZoneInfo("Asia/Shanghai")):
        with translation.override("en"):
            assert formatting.day(day) == "Jan. 5, 2026"
            assert formatting.day(moment) == "Jan. 5, 2026"
            assert formatting.when(moment) == "Jan. 5, 2026, 3:30 p.m."
            assert formatting.when(day) == "Jan. 5, 2026"  # a date has no time to show
        with translation.override("zh-hans"):
            assert formatting.day(day) == "2026年1月5日"
            assert formatting.when(moment) == "2026年1月5日 15:30"
            rendered = Template("{% load ui %}{{ d|day }} {{ m|when }}").render(
                Context({"d": day, "m": moment})
            )
            assert rendered == "2026年1月5日 2026年1月5日 15:30"
    assert formatting.day(None) == formatting.when(None) == ""
