"""Pages for accounts, contacts and leads. One set of views serves all three objects (the
URL names the object type); views parse input, call services, render; nothing else."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealroom.core.errors import DomainError, Forbidden, Invalid
from dealroom.core.forms import add_domain_errors, flash_domain_error
from dealroom.core.htmx import is_htmx
from dealroom.workspaces.guards import member_view

from . import access, search, selectors, services, visibility
from .fields import fields_for, value_of
from .forms import (
    CollaboratorForm,
    ConvertForm,
    DisqualifyForm,
    LinkContactForm,
    NoteForm,
    OwnerForm,
    RecordForm,
    SavedViewForm,
)
from .models import ROLES_BY_KIND, AccountKind, LeadStatus, ObjectType

PLURAL = {"account": "accounts", "contact": "contacts", "lead": "leads"}
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
    account_field = {"account": "parent", "lead": "referred_by"}.get(object_type, "")
    return RecordForm(
        request.POST if request.method == "POST" else None,
        actor=actor,
        object_type=object_type,
        record=record,
        members=_members(actor),
        accounts=_account_options(actor, record, account_field),
    )


# -- lists -----------------------------------------------------------------------------------


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
    rows = [(r, [_cell(actor, f, r, names) for f in columns]) for r in page.rows]
    context = {
        "object_type": object_type,
        "plural": PLURAL[object_type],
        "query": query,
        "page": page,
        "rows": rows,
        "columns": columns,
        "filter_fields": [f for f in fields if f.filterable],
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


def _cell(actor, f, record, names):
    value = value_of(record, f, actor=actor)
    if f.kind == "user":
        value = names.get(value, "")
    return f.display(value) if f.kind != "datetime" else value


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

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff"  # Excel opens UTF-8 (Chinese) correctly only with a BOM
        yield writer.writerow(["id", *[str(f.label) for f in fields]])
        for record in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [record.pk, *[_export_cell(actor, f, record, names) for f in fields]]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{PLURAL[object_type]}.csv"'
    return response


def _export_cell(actor, f, record, names) -> str:
    value = value_of(record, f, actor=actor)
    if f.kind == "user":
        value = names.get(value, "")
    if f.kind == "datetime" and value:
        return value.isoformat()
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


def _act(request, actor, object_type: str, record_id: int, do, done: str):
    """Run a service for a POST button; input problems become a message on the page."""
    try:
        do()
        if done:
            messages.success(request, done)
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect(_url(object_type, "detail", actor, record_id))


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
def timeline_more(request, actor, object_type: str, record_id: int):
    record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
    try:
        before = int(request.GET.get("before", "0")) or None
    except ValueError:
        before = None
    events = selectors.timeline(actor=actor, record=record, before=before)
    return render(
        request,
        "customers/_timeline_page.html",
        {"events": events, "record": record, "object_type": object_type},
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
    if request.method == "POST":
        try:
            _lead, account, _contact = services.lead_convert(
                actor=actor,
                lead_id=lead.pk,
                account_id=request.POST.get("account") or None,
                contact_id=request.POST.get("contact") or None,
            )
            messages.success(request, _("Lead converted."))
            return redirect(_url("account", "detail", actor, account.pk))
        except Invalid as e:
            form.is_valid()
            add_domain_errors(form, e)
    return render(
        request,
        "customers/convert.html",
        {"lead": lead, "form": form, "object_type": "lead", "plural": "leads"},
        status=400 if request.method == "POST" else 200,
    )


# -- search ----------------------------------------------------------------------------------


@member_view
def global_search(request, actor):
    q = request.GET.get("q", "").strip()[:100]
    results = search.search(actor=actor, query=q, limit=8 if is_htmx(request) else 25)
    groups = [(t, PLURAL[t], results.get(t, [])) for t in ("account", "contact", "lead")]
    context = {"q": q, "groups": groups, "found": any(r for _t, _p, r in groups)}
    if is_htmx(request):
        return render(request, "customers/_search_results.html", context)
    return render(request, "customers/search.html", context)
