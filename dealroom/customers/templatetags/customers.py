from django import template
from django.http import QueryDict
from django.utils.translation import gettext as _

from ..fields import standard_fields

register = template.Library()


@register.filter
def plural_label(object_type: str) -> str:
    return {
        "account": _("Accounts"),
        "contact": _("Contacts"),
        "lead": _("Leads"),
        "opportunity": _("Deals"),
    }.get(object_type, object_type)


@register.filter
def singular_label(object_type: str) -> str:
    return {
        "account": _("Account"),
        "contact": _("Contact"),
        "lead": _("Lead"),
        "opportunity": _("Deal"),
    }.get(object_type, object_type)


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key, "")


@register.filter
def get_min(mapping, key):
    return (mapping or {}).get(f"{key}__min", "")


@register.filter
def get_max(mapping, key):
    return (mapping or {}).get(f"{key}__max", "")


@register.filter
def with_sort(querystring: str, _field: str) -> str:
    """The list's query string without its sort and page (a header link adds its own)."""
    params = QueryDict(querystring, mutable=True)
    params.pop("sort", None)
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag
def changes(event):
    """An update event's changes as (label, old, new) in the reader's language."""
    object_type = event.target_type.split(".")[-1]
    # Custom field changes carry their own label; standard fields need no query.
    fields = {f.name: f for f in standard_fields(object_type)}
    out = []
    for change in event.data.get("changes", []):
        field = fields.get(change.get("field", ""))
        label = change.get("label") or (field.label if field else change.get("field", ""))
        show = field.display if field else _plain
        out.append((label, show(change.get("old")) or "—", show(change.get("new")) or "—"))
    return out


def _plain(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
