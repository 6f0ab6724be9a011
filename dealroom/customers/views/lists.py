"""List pages of accounts, contacts and leads: filters, paging, CSV export, saved views."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealroom.core.errors import DomainError
from dealroom.core.forms import flash_domain_error
from dealroom.core.htmx import is_htmx
from dealroom.core.spreadsheet import csv_response
from dealroom.workspaces.guards import member_view

from .. import access, selectors, services, visibility
from ..fields import fields_for, value_of
from ..forms import (
    SavedViewForm,
)
from .common import (
    EXPORT_LIMIT,
    PLURAL,
    _cell,
    _members,
    _url,
)


def _lead_reasons(actor) -> dict[str, list[tuple[str, str]]]:
    reasons = selectors.disqualify_reason_list(actor=actor, active_only=False)
    return {"disqualify_reason": [(str(r.pk), r.name) for r in reasons]}


# A list's filters on related workspace lists ("reason" fields: a lead's disqualification
# reason, a deal's type or stage) offer their choices; other apps register theirs at start-up.
REASON_CHOICES: dict[str, Callable[[Any], dict[str, list[tuple[str, str]]]]] = {
    "lead": _lead_reasons
}


@member_view
def record_list(request, actor, object_type: str, pool: bool = False):
    params = request.GET.copy()
    if pool:
        params["owner"] = "pool"
    query = selectors.ListQuery.parse(actor, object_type, params)
    page = selectors.record_page(actor=actor, query=query)
    fields = fields_for(actor, object_type)
    columns = [f for f in fields if f.column]
    names = selectors.member_names(actor=actor) if any(f.kind == "user" for f in columns) else {}
    for f in columns:
        if f.kind == "account":  # one query for the page, not one per row
            visibility.accounts_visible(actor, [getattr(r, f"{f.name}_id") for r in page.rows])
    # Each cell says whether it is a moment (shown as <time>): asking the value in the
    # template (`cell.isoformat`) failed a lookup per text cell, a fifth of the table's time.
    rows = [
        (r, [(_cell(actor, f, r, names), f.kind == "datetime") for f in columns]) for r in page.rows
    ]
    context = {
        "object_type": object_type,
        "plural": PLURAL[object_type],
        "query": query,
        "page": page,
        "rows": rows,
        "columns": columns,
        "filter_fields": [f for f in fields if f.filterable],
        "reason_choices": REASON_CHOICES[object_type](actor)
        if object_type in REASON_CHOICES
        else {},
        "saved_views": selectors.saved_view_list(actor=actor, object_type=object_type),
        "saved_view_form": SavedViewForm(initial={"query": request.GET.urlencode()}),
        "members": _members(actor),
        "pool": pool,
        "can_create": access.can_create(actor),
        "querystring": _without(request.GET, "page"),
        "export_url": _url(object_type, "export", actor) + "?" + request.GET.urlencode(),
    }
    if pool:
        context["held"] = selectors.open_lead_count(actor=actor)
        context["limit"] = selectors.claim_limit(actor=actor)
    template = "customers/_list_table.html" if is_htmx(request) else "customers/list.html"
    return render(request, template, context)


def _without(params: QueryDict, *keys: str) -> str:
    params = params.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


@member_view
def record_export(request, actor, object_type: str):
    """The list as CSV with its filters, visible fields only (the same rules as the page)."""
    query = selectors.ListQuery.parse(actor, object_type, request.GET)
    rows = selectors.record_list(actor=actor, query=query)[:EXPORT_LIMIT]
    fields = fields_for(actor, object_type)
    names = selectors.member_names(actor=actor)

    def lines():
        yield ["id", *[str(f.label) for f in fields]]
        for record in rows.iterator(chunk_size=2000):
            yield [record.pk, *[_export_cell(actor, f, record, names) for f in fields]]

    return csv_response(f"{PLURAL[object_type]}.csv", lines())


def _export_cell(actor, f, record, names):
    value = value_of(record, f, actor=actor)
    if f.kind == "user":
        value = names.get(value, "")
    if f.kind in ("date", "datetime") and value:
        return value if isinstance(value, str) else value.isoformat()  # custom dates: ISO text
    if isinstance(value, int | float | Decimal) and not f.choices:
        return value  # a number cell, not "1,234.00" text: a negative stays a number
    return f.display(value)


@require_POST
@member_view
def saved_view_save(request, actor, object_type: str):
    form = SavedViewForm(request.POST)
    target = _url(object_type, "list", actor)
    if form.is_valid():
        try:
            view = services.saved_view_save(
                actor=actor,
                object_type=object_type,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
            return redirect(f"{target}?{view.query}")
        except DomainError as e:
            flash_domain_error(request, e)
    else:
        messages.error(request, _("Give the view a name."))
    return redirect(target)


@require_POST
@member_view
def saved_view_delete(request, actor, object_type: str, view_id: int):
    try:
        services.saved_view_delete(actor=actor, view_id=view_id)
        messages.success(request, _("View deleted."))
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect(_url(object_type, "list", actor))


# -- create, detail, edit --------------------------------------------------------------------
