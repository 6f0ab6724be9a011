"""Lead pages: claim, release, status, disqualify, convert."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealroom.core.errors import DomainError, Forbidden, Invalid
from dealroom.core.forms import add_domain_errors
from dealroom.workspaces.guards import member_view

from .. import search, selectors, services, visibility
from ..forms import (
    ConvertForm,
)
from ..models import LeadStatus
from .common import (
    _account_options,
    _act,
    _url,
)


@dataclass(frozen=True)
class ConvertExtra:
    """What another app adds to converting a lead (the pipeline: a first deal), registered
    at start-up. `fields(actor)` are extra form fields; `convert(...)` does the whole
    conversion in one transaction when its fields are filled in, else returns None."""

    fields: Callable[[Any], dict[str, forms.Field]]
    convert: Callable[..., tuple | None]


CONVERT_EXTRAS: list[ConvertExtra] = []


@require_POST
@member_view
def lead_claim(request, actor, record_id: int):
    return _act(
        request,
        actor,
        "lead",
        record_id,
        lambda: services.lead_claim(actor=actor, lead_id=record_id),
        _("The lead is yours."),
    )


@require_POST
@member_view
def lead_release(request, actor, record_id: int):
    return _act(
        request,
        actor,
        "lead",
        record_id,
        lambda: services.lead_release(actor=actor, lead_id=record_id),
        _("The lead is back in the pool."),
    )


@require_POST
@member_view
def lead_status(request, actor, record_id: int):
    return _act(
        request,
        actor,
        "lead",
        record_id,
        lambda: services.lead_status_set(
            actor=actor,
            lead_id=record_id,
            status=request.POST.get("status", ""),
            version=request.POST.get("version"),
        ),
        _("Status changed."),
    )


@require_POST
@member_view
def lead_disqualify(request, actor, record_id: int):
    return _act(
        request,
        actor,
        "lead",
        record_id,
        lambda: services.lead_disqualify(
            actor=actor,
            lead_id=record_id,
            reason_id=request.POST.get("reason") or None,
            note=request.POST.get("note", ""),
        ),
        _("Lead disqualified."),
    )


@member_view
def lead_convert(request, actor, record_id: int):
    lead = selectors.record_get(actor=actor, object_type="lead", record_id=record_id)
    if not visibility.can_edit(actor, lead):
        raise Forbidden()
    if lead.status != LeadStatus.QUALIFIED:
        # Said before a form is filled in that cannot succeed (the service refuses the same).
        raise Invalid(fields={"status": _("Only a qualified lead can be converted.")})
    accounts = _account_options(actor)
    matches = (
        search.search(
            actor=actor,
            query=lead.company_name or lead.full_name,
            object_types=["account", "contact"],
            limit=10,
        )
        if (lead.company_name or lead.full_name)
        else {}
    )
    suggested_accounts = [(str(a.pk), a.name) for a in matches.get("account", [])]
    contacts = [(str(c.pk), c.full_name) for c in matches.get("contact", [])]
    form = ConvertForm(
        request.POST or None,
        accounts=suggested_accounts + [a for a in accounts if a not in suggested_accounts],
        contacts=contacts,
    )
    for extra in CONVERT_EXTRAS:
        form.fields.update(extra.fields(actor))
    if request.method == "POST":
        chosen = {
            "actor": actor,
            "lead_id": lead.pk,
            "account_id": request.POST.get("account") or None,
            "contact_id": request.POST.get("contact") or None,
        }
        try:
            done = next(
                (r for x in CONVERT_EXTRAS if (r := x.convert(**chosen, data=request.POST))),
                None,
            )
            _lead, account, _contact = done or services.lead_convert(**chosen)
            messages.success(request, _("Lead converted."))
            return redirect(_url("account", "detail", actor, account.pk))
        except DomainError as e:
            form.is_valid()
            add_domain_errors(form, e)
    return render(
        request,
        "customers/convert.html",
        {"lead": lead, "form": form, "object_type": "lead", "plural": "leads"},
        status=400 if request.method == "POST" else 200,
    )


# -- search ----------------------------------------------------------------------------------
