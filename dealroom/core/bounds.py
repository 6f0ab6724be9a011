"""Integers and texts from requests stay inside what the database holds.

A 64-bit integer column, and SQLite's LIMIT and OFFSET, hold -2**63 .. 2**63-1, while Python's
and pydantic's integers have no bound: a larger id, version or limit reached the database and
failed there, a 500. So every integer the API takes is `Int64` (or `Offset`), which ninja
refuses out of range as invalid input naming the field (config/api.py), and numbers read by
hand from a query string go through `query_int`."""

from __future__ import annotations

import re
from typing import Annotated

from ninja import Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination
from pydantic import Field

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Offsets and page numbers: beyond any list, yet an offset plus a page, or a page number times
# a page size, still fits in 64 bits.
MAX_OFFSET = 10**15

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]

_ASCII_INTEGER = re.compile(r"-?[0-9]+")


def query_int(text: str, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int | None:
    """A whole number written in ASCII digits within the bounds, else None. int() alone also
    takes other scripts' digits and any size."""
    text = text.strip()
    if not _ASCII_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


class LimitOffset(LimitOffsetPagination):
    """ninja's limit/offset paging, with both numbers bounded (its own take any size)."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=INT64_MAX)
        offset: Offset = 0


def nul_field(data, path: str = "") -> str | None:
    """The first field of a request's data (a QueryDict, or parsed JSON) whose text holds a
    NUL character, named as the API names fields ("a.b.0"); None when there is none.
    PostgreSQL's text columns cannot store NUL: such a value failed at the database, a 500.
    Django's form fields refuse it already; views and the API that read data directly did
    not."""
    if isinstance(data, str):
        return path or "request" if "\x00" in data else None
    if hasattr(data, "lists"):  # a QueryDict: every value of every key
        for key, values in data.lists():
            for value in values:
                if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                    return key.replace("\x00", "")
        return None
    if isinstance(data, dict):
        items: list = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return None
    for key, value in items:
        name = f"{path}.{key}" if path else str(key)
        if "\x00" in name:
            return path or "request"
        found = nul_field(value, name)
        if found is not None:
            return found
    return None
