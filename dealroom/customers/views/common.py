"""Helpers the customer pages share: URLs, member and account choices, the record form,
cells as a reader may see them, one-button actions."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from dealroom.core.errors import DomainError
from dealroom.core.forms import flash_domain_error

from .. import selectors, visibility
from ..fields import value_of
from ..forms import (
    RecordForm,
)

PLURAL = {"account": "accounts", "contact": "contacts", "lead": "leads", "opportunity": "deals"}
EXPORT_LIMIT = 50_000


def _url(object_type: str, name: str, actor, *args) -> str:
    return reverse(f"{object_type}_{name}", args=[actor.workspace.slug, *args])


def _members(actor) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in selectors.member_names(actor=actor).items()]


def _account_options(actor, record=None, field: str = "") -> list[tuple[str, str]]:
    options = [(str(a.pk), a.name) for a in selectors.account_choices(actor=actor, limit=50)]
    current = getattr(record, field, None) if record is not None and field else None
    if current is not None and str(current.pk) not in dict(options):
        name = current.name if visibility.account_visible(actor, current.pk) else "—"
        options.insert(0, (str(current.pk), name))
    return options


def _record_form(request, actor, object_type: str, record=None):
    account_field = {"account": "parent", "lead": "referred_by", "opportunity": "account"}.get(
        object_type, ""
    )
    return RecordForm(
        request.POST if request.method == "POST" else None,
        actor=actor,
        object_type=object_type,
        record=record,
        members=_members(actor),
        accounts=_account_options(actor, record, account_field),
    )


# -- lists -----------------------------------------------------------------------------------


def _cell(actor, f, record, names):
    value = value_of(record, f, actor=actor)
    if f.kind == "user":
        value = names.get(value, "")
    return f.display(value) if f.kind != "datetime" else value


def _act(request, actor, object_type: str, record_id: int, do, done: str):
    """Run a service for a POST button; input problems become a message on the page."""
    try:
        do()
        if done:
            messages.success(request, done)
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect(_url(object_type, "detail", actor, record_id))
