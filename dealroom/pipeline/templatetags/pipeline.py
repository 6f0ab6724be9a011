from django import template
from django.http import QueryDict
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag
def more_query(querystring: str, offset: int) -> str:
    """The board's filters plus where the next page of a column starts."""
    params = QueryDict(querystring, mutable=True)
    params["offset"] = str(offset)
    return params.urlencode()


@register.filter
def timedelta_short(value) -> str:
    """A stay in a stage as people say it: "3 d", "5 h", "12 min"."""
    seconds = int(value.total_seconds()) if value else 0
    if seconds >= 86400:
        return ngettext("%(n)d day", "%(n)d days", seconds // 86400) % {"n": seconds // 86400}
    if seconds >= 3600:
        return ngettext("%(n)d hour", "%(n)d hours", seconds // 3600) % {"n": seconds // 3600}
    minutes = max(1, seconds // 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
