"""A record's own pages: create, detail, edit, and the buttons on the detail page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealroom.core.bounds import query_int
from dealroom.core.errors import DomainError, Forbidden
from dealroom.core.forms import add_domain_errors, flash_domain_error
from dealroom.core.htmx import fragment_view, with_query
from dealroom.workspaces.guards import member_view

from .. import access, search, selectors, services, visibility
from ..fields import fields_for, value_of
from ..forms import (
    CollaboratorForm,
    DisqualifyForm,
    LinkContactForm,
    NoteForm,
    OwnerForm,
)
from ..models import ROLES_BY_KIND, AccountKind, LeadStatus, ObjectType
from .common import (
    PLURAL,
    _act,
    _cell,
    _members,
    _record_form,
    _url,
)

# Panels other apps add to an account's page (the pipeline's deals), registered at start-up
# as records and timelines are: each takes (actor, account), returns (template, context).
ACCOUNT_PANELS: list[Callable[[Any, Any], tuple[str, dict]]] = []


@member_view
def record_create(request, actor, object_type: str):
    if not access.can_create(actor):
        raise Forbidden()
    form = _record_form(request, actor, object_type)
    owner_choices = _owner_choices(actor, object_type)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create(
                actor=actor,
                object_type=object_type,
                data=form.changes(),
                owner_id=request.POST.get("owner") if owner_choices else None,
            )
            messages.success(request, _("Saved."))
            return redirect(_url(object_type, "detail", actor, record.pk))
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request,
        "customers/form.html",
        {
            "object_type": object_type,
            "plural": PLURAL[object_type],
            "form": form,
            "owner_choices": owner_choices,
            "selected_owner": request.POST.get("owner", str(actor.membership.pk)),
        },
        status=400 if form.errors else 200,
    )


def _owner_choices(actor, object_type: str):
    """Managers and admins may create records for someone else; leads may go to the pool."""
    if not actor.is_manager:
        return []
    choices = _members(actor)
    if object_type == ObjectType.LEAD:
        choices = [("", _("Lead pool (no owner)")), *choices]
    return choices


@member_view
def record_detail(request, actor, object_type: str, record_id: int):
    record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
    return render(request, "customers/detail.html", _detail_context(actor, object_type, record))


def _detail_context(actor, object_type: str, record, **forms) -> dict:
    fields = fields_for(actor, object_type)
    names = selectors.member_names(actor=actor)
    can_manage = visibility.can_manage(actor, record)
    context = {
        "object_type": object_type,
        "plural": PLURAL[object_type],
        "record": record,
        "values": [
            (f, _cell(actor, f, record, names))
            for f in fields
            if f.name not in ("owner",) and f.kind != "longtext"
        ],
        "long_values": [
            (f, value_of(record, f, actor=actor)) for f in fields if f.kind == "longtext"
        ],
        "owner_visible": any(f.name == "owner" for f in fields),
        "can_edit": visibility.can_edit(actor, record),
        "can_manage": can_manage,
        "can_note": actor.can_write,
        "collaborators": selectors.collaborator_list(
            actor=actor, object_type=object_type, record=record
        ),
        "events": selectors.timeline(actor=actor, record=record),
        "note_form": forms.get("note_form") or NoteForm(),
        "members": _members(actor),
    }
    if can_manage:
        context["owner_form"] = OwnerForm(
            initial={"owner": record.owner_id}, members=_members(actor)
        )
        context["collaborator_form"] = forms.get("collaborator_form") or CollaboratorForm(
            members=_members(actor)
        )
    if object_type == ObjectType.ACCOUNT:
        context["links"] = selectors.account_contacts(actor=actor, account=record)
        context["children"] = selectors.account_children(actor=actor, account=record)
        context["parent_visible"] = bool(record.parent_id) and visibility.account_visible(
            actor, record.parent_id
        )
        context["leads"] = selectors.account_leads(actor=actor, account=record)
        context["panels"] = [panel(actor, record) for panel in ACCOUNT_PANELS]
        if context["can_edit"]:
            context["link_form"] = forms.get("link_form") or LinkContactForm(
                contacts=[],
                roles=ROLES_BY_KIND[AccountKind(record.kind)],
            )
    if object_type == ObjectType.CONTACT:
        context["links"] = selectors.contact_accounts(actor=actor, contact=record)
    if object_type == ObjectType.LEAD:
        context["is_pool"] = record.owner_id is None
        context["statuses"] = [
            (s, label)
            for s, label in LeadStatus.choices
            if s in (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)
        ]
        if context["can_edit"] and record.is_open:
            context["disqualify_form"] = forms.get("disqualify_form") or DisqualifyForm(
                reasons=selectors.disqualify_reason_list(actor=actor)
            )
    return context


@member_view
def record_edit(request, actor, object_type: str, record_id: int):
    record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
    if not visibility.can_edit(actor, record):
        raise Forbidden()
    form = _record_form(request, actor, object_type, record)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(
                actor=actor,
                object_type=object_type,
                record_id=record.pk,
                version=form.cleaned_data.get("version"),
                data=form.changes(),
            )
            messages.success(request, _("Saved."))
            return redirect(_url(object_type, "detail", actor, record.pk))
        except DomainError as e:
            add_domain_errors(form, e)
            status = 409 if e.status == 409 else 400
    elif form.errors:
        status = 400
    return render(
        request,
        "customers/form.html",
        {"object_type": object_type, "plural": PLURAL[object_type], "form": form, "record": record},
        status=status,
    )


# -- one-button actions ----------------------------------------------------------------------


@require_POST
@member_view
def record_archive(request, actor, object_type: str, record_id: int):
    archived = request.POST.get("archived", "1") == "1"
    return _act(
        request,
        actor,
        object_type,
        record_id,
        lambda: services.record_archive(
            actor=actor, object_type=object_type, record_id=record_id, archived=archived
        ),
        _("Archived.") if archived else _("Restored."),
    )


@require_POST
@member_view
def record_delete(request, actor, object_type: str, record_id: int):
    try:
        services.record_delete(actor=actor, object_type=object_type, record_id=record_id)
    except DomainError as e:
        flash_domain_error(request, e)
        return redirect(_url(object_type, "detail", actor, record_id))
    messages.success(request, _("Deleted."))
    return redirect(_url(object_type, "list", actor))


@require_POST
@member_view
def record_owner(request, actor, object_type: str, record_id: int):
    return _act(
        request,
        actor,
        object_type,
        record_id,
        lambda: services.record_owner_change(
            actor=actor,
            object_type=object_type,
            record_id=record_id,
            owner_id=request.POST.get("owner"),
        ),
        _("Owner changed."),
    )


@require_POST
@member_view
def collaborator_set(request, actor, object_type: str, record_id: int):
    return _act(
        request,
        actor,
        object_type,
        record_id,
        lambda: services.collaborator_set(
            actor=actor,
            object_type=object_type,
            record_id=record_id,
            member_id=request.POST.get("member"),
            level=request.POST.get("level", ""),
        ),
        _("Access granted."),
    )


@require_POST
@member_view
def collaborator_remove(request, actor, object_type: str, record_id: int, member_id: int):
    return _act(
        request,
        actor,
        object_type,
        record_id,
        lambda: services.collaborator_remove(
            actor=actor, object_type=object_type, record_id=record_id, member_id=member_id
        ),
        _("Access removed."),
    )


@require_POST
@member_view
def note_add(request, actor, object_type: str, record_id: int):
    record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(
                actor=actor,
                object_type=object_type,
                record_id=record.pk,
                body=form.cleaned_data["body"],
            )
            return redirect(_url(object_type, "detail", actor, record.pk) + "#timeline")
        except DomainError as e:
            add_domain_errors(form, e)
    context = _detail_context(actor, object_type, record, note_form=form)
    return render(request, "customers/detail.html", context, status=400)


@member_view
@fragment_view(
    lambda request, actor, object_type, record_id: (
        reverse(f"{object_type}_detail", args=[actor.workspace.slug, record_id]) + "#timeline"
    )
)
def timeline_more(request, actor, object_type: str, record_id: int):
    """A page of the timeline: older entries, or the first page again in the other view
    (`timeline=all`: room events one by one)."""
    record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
    before = query_int(request.GET.get("before", "")) or None
    everything = request.GET.get("timeline") == "all"
    events = selectors.timeline(actor=actor, record=record, before=before, everything=everything)
    return render(
        request,
        "customers/_timeline_page.html",
        {
            "events": events,
            "record": record,
            "object_type": object_type,
            "timeline_all": everything,
        },
    )


# -- accounts and their contacts -------------------------------------------------------------


@require_POST
@member_view
def account_contact_link(request, actor, record_id: int):
    return _act(
        request,
        actor,
        "account",
        record_id,
        lambda: services.account_contact_link(
            actor=actor,
            account_id=record_id,
            contact_id=request.POST.get("contact"),
            role=request.POST.get("role", ""),
        ),
        _("Contact added to the account."),
    )


@require_POST
@member_view
def account_contact_unlink(request, actor, record_id: int, contact_id: int):
    return _act(
        request,
        actor,
        "account",
        record_id,
        lambda: services.account_contact_unlink(
            actor=actor, account_id=record_id, contact_id=contact_id
        ),
        _("Contact removed from the account."),
    )


@member_view
@fragment_view(
    lambda request, actor, object_type: with_query(
        reverse(f"{object_type}_list", args=[actor.workspace.slug]),
        q=request.GET.get("q") or request.GET.get("pick_q") or "",
    )
)
def pick(request, actor, object_type: str):
    """Options for a record picker (htmx): visible records matching what was typed."""
    q = request.GET.get("q") or request.GET.get("pick_q") or ""
    if object_type == ObjectType.ACCOUNT:
        records = selectors.account_choices(actor=actor, query=q)
    else:
        found = search.search(actor=actor, query=q, object_types=[object_type], limit=20)
        records = found.get(object_type, [])
    return render(request, "customers/_options.html", {"records": records, "q": q})


# -- leads -----------------------------------------------------------------------------------
