"""How names, amounts and dates read on pages, in the reader's language: the one place pages,
partials and Python-built rows (the board's cards) take them from. Template filters of the
same names are in `templatetags/ui.py`."""

from __future__ import annotations

import datetime
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, numberformat, timezone
from django.utils.translation import get_language

# Django's zh_Hans formats group digits by ten thousand with no separator, so 119000 reads as
# one run of digits; amounts in Chinese business writing are grouped by thousands with commas.
_GROUPING = {"zh-hans": (3, ",")}


def initials(name: str | None, email: str | None = "") -> str:
    """What an avatar shows: one wide character (a Chinese name's family name; a compound
    surname keeps its first character, as two do not fit the circle) or up to two Latin
    initials, first and last name; the e-mail's first letter when there is no name."""
    firsts = [c for c in (_first_alnum(word) for word in (name or "").split()) if c]
    if not firsts:
        return (_first_alnum(email or "") or "?").upper()
    first = firsts[0]
    if _wide(first):
        return first
    last = firsts[-1] if len(firsts) > 1 and not _wide(firsts[-1]) else ""
    return (first + last).upper()


def _first_alnum(text: str) -> str:
    return next((c for c in text if c.isalnum()), "")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def number(value, decimals: int = 0) -> str:
    """A number grouped by thousands in the reader's language, rounded half up."""
    if value is None or value == "":
        return ""
    if not isinstance(value, int | float | Decimal):
        return str(value)
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    language = (get_language() or "").lower()
    grouping, separator = _GROUPING.get(language) or (
        formats.get_format("NUMBER_GROUPING", language),
        formats.get_format("THOUSAND_SEPARATOR", language),
    )
    return numberformat.format(
        exact,
        formats.get_format("DECIMAL_SEPARATOR", language),
        decimals,
        grouping,
        separator,
        force_grouping=True,
    )


def money(value, currency: str = "") -> str:
    """An amount in whole units with its currency: "119,000 CNY". Amounts of different
    currencies are never added together, so every total names its own."""
    shown = number(value)
    return f"{shown} {currency}" if shown and currency else shown


def day(value: datetime.date | None) -> str:
    """The day of a date or a moment (in the reader's time zone)."""
    if value is None or value == "":
        return ""
    return formats.date_format(_local(value), "DATE_FORMAT")


def when(value: datetime.date | None) -> str:
    """A moment as day and time in the reader's time zone; a date alone has no time to show."""
    if not isinstance(value, datetime.datetime):
        return day(value)
    return formats.date_format(_local(value), "DATETIME_FORMAT")


def _local(value: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value
