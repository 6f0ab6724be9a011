"""The workspace's rules for rooms (admins): guest link lifetime, e-mail codes, file size, and
the room templates (milestones, tasks and resources a room starts with, per type and stage)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealroom.core.errors import DomainError, Invalid
from dealroom.pipeline import selectors as pipeline_selectors
from dealroom.pipeline.models import OpportunityType, Variant
from dealroom.workspaces.guards import admin_view

from .. import selectors, services
from ..forms import MilestoneBlock, ResourceRow, TaskRow, TemplateForm, TemplateRows
from ..models import ResourceKind, RoomTemplate

ADMINS_ONLY = gettext_lazy("Only admins can change room settings.")


@admin_view(ADMINS_ONLY, "GET", "POST")
def workspace_settings(request, actor):
    current = selectors.room_settings(actor.workspace_id)
    error = None
    values = {
        "invite_days": current.invite_days,
        "max_file_mb": current.max_file_mb,
        "require_email_code": current.require_email_code,
    }
    if request.method == "POST":
        values = {
            "invite_days": request.POST.get("invite_days", ""),
            "max_file_mb": request.POST.get("max_file_mb", ""),
            "require_email_code": request.POST.get("require_email_code", ""),
        }
        try:
            services.room_workspace_settings_update(actor=actor, **values)
        except Invalid as e:
            error = e
        else:
            messages.success(request, _("Room settings saved."))
            return redirect("room_workspace_settings", slug=actor.workspace.slug)
    context = {"values": values, "error": error, "template_groups": _template_groups(actor)}
    return render(request, "rooms/settings.html", context, status=400 if error else 200)


# -- room templates --------------------------------------------------------------------------


@dataclass
class TemplateRow:
    template: RoomTemplate
    when: str
    milestones: int
    tasks: int
    resources: int


def _when(template: RoomTemplate) -> str:
    if template.stage is None:
        return _("When the room is created")
    return _("When the deal enters “%(stage)s”") % {"stage": template.stage}


def _types(actor) -> list[OpportunityType]:
    """Types whose deals have rooms (staged and simple), retired ones too."""
    return [
        t
        for t in pipeline_selectors.type_list(actor=actor, active_only=False)
        if t.variant != Variant.TAG
    ]


def _template_groups(actor) -> list[tuple[OpportunityType, list[TemplateRow]]]:
    """Every type with rooms, and its templates in the order they apply."""
    rows: dict[int, list[TemplateRow]] = {}
    for template in services.room_template_list(actor=actor):
        counts = services.templates.plan_counts(template.plan or {})
        rows.setdefault(template.opportunity_type_id, []).append(
            TemplateRow(template, _when(template), *counts)
        )
    return [(t, rows.get(t.pk, [])) for t in _types(actor) if t.is_active or t.pk in rows]


def _settings_url(actor) -> str:
    return reverse("room_workspace_settings", args=[actor.workspace.slug]) + "#room-templates"


@dataclass
class Option:
    value: str
    label: str
    selected: bool


def _choices(actor, form: TemplateForm, template: RoomTemplate | None):
    """The type select's options, and the stage options of each type: the chosen type's go in
    the stage select, every type's into the page for templates.js to swap in when the type
    changes."""
    types = _types(actor)
    chosen_type = str(form["opportunity_type"].value() or "")
    if types and chosen_type not in {str(t.pk) for t in types}:
        chosen_type = str(types[0].pk)  # what the select shows when nothing is chosen
    chosen_stage = str(form["stage"].value() or "")
    stages = pipeline_selectors.stage_list(actor=actor, opp_type=None)
    if template is not None and template.stage is not None and template.stage not in stages:
        stages.append(template.stage)  # archived since: it may stay
    type_options = [Option(str(t.pk), str(t), str(t.pk) == chosen_type) for t in types]
    stages_by_type = {
        str(t.pk): [
            Option(
                str(s.pk),
                _("When the deal enters “%(stage)s”") % {"stage": s},
                str(s.pk) == chosen_stage,
            )
            for s in stages
            if s.type_id == t.pk
        ]
        for t in types
    }
    return type_options, stages_by_type.get(chosen_type, []), stages_by_type


def _page(request, actor, form, rows: TemplateRows, template=None, status=200):
    type_options, stage_options, stages_by_type = _choices(actor, form, template)
    context = {
        "form": form,
        "template": template,
        "rows": rows,
        "next_key": rows.number(),
        # What templates.js copies for a new row: "__key__" and "__task__" become fresh keys,
        # "__milestone__" the key of the milestone a task is added to.
        "blank_milestone": MilestoneBlock(key="__key__", tasks=[TaskRow(key="__task__")]),
        "blank_task": TaskRow(key="__key__"),
        "blank_resource": ResourceRow(key="__key__"),
        "resource_kinds": ResourceKind.choices,
        "type_options": type_options,
        "stage_options": stage_options,
        "stages_by_type": stages_by_type,
        "cancel_url": _settings_url(actor),
    }
    return render(request, "rooms/template_form.html", context, status=status)


def _save(request, actor, template: RoomTemplate | None):
    form = TemplateForm(request.POST)
    form.is_valid()  # lenient: only gathers the values
    rows = TemplateRows.from_post(request.POST)
    if request.POST.get("add"):  # without JavaScript: one more empty row, nothing saved
        rows.add(request.POST["add"])
        return _page(request, actor, form, rows, template)
    data = form.cleaned_data
    kept = rows.without_blanks()
    values = {
        "name": data.get("name", ""),
        "opportunity_type_id": data.get("opportunity_type", ""),
        "stage_id": data.get("stage", ""),
        "plan": kept.plan(),
        "is_active": data.get("is_active", False),
    }
    try:
        if template is None:
            services.room_template_create(actor=actor, **values)
        else:
            services.room_template_update(actor=actor, template_id=template.pk, **values)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        for path, message in e.fields.items():
            if kept.place(path, message):
                continue
            form.add_error(path if path in ("name", "opportunity_type", "stage") else None, message)
        if not form.non_field_errors():
            form.add_error(None, e.message)
        if not kept.milestones:
            kept.add("milestone")
        return _page(request, actor, form, kept, template, status=400)
    messages.success(request, _("Room template saved."))
    return redirect(_settings_url(actor))


@admin_view(ADMINS_ONLY, "GET", "POST")
def template_create(request, actor):
    if request.method == "POST":
        return _save(request, actor, None)
    initial = {
        "opportunity_type": request.GET.get("type", ""),
        "stage": request.GET.get("stage", ""),
        "is_active": True,
    }
    return _page(request, actor, TemplateForm(initial=initial), TemplateRows.start())


@admin_view(ADMINS_ONLY, "GET", "POST")
def template_edit(request, actor, template_id: int):
    template = services.room_template_get(actor=actor, template_id=template_id)
    if request.method == "POST":
        return _save(request, actor, template)
    initial = {
        "name": template.name,
        "opportunity_type": str(template.opportunity_type_id),
        "stage": str(template.stage_id or ""),
        "is_active": template.is_active,
    }
    rows = TemplateRows.from_plan(template.plan or {})
    return _page(request, actor, TemplateForm(initial=initial), rows, template)


@admin_view(ADMINS_ONLY, "POST")
def template_delete(request, actor, template_id: int):
    template = services.room_template_get(actor=actor, template_id=template_id)
    services.room_template_delete(actor=actor, template_id=template.pk)
    messages.success(
        request,
        _("Room template “%(name)s” deleted. Rooms it was applied to keep what they got.")
        % {"name": template.name},
    )
    return redirect(_settings_url(actor))
