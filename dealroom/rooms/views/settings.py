"""The workspace's rules for rooms (admins): guest link lifetime, e-mail codes, file size, and
the room templates (milestones, tasks and resources a room starts with, per type and stage)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dealroom.core.errors import DomainError, Invalid
from dealroom.pipeline import selectors as pipeline_selectors
from dealroom.pipeline.models import OpportunityType, Variant
from dealroom.workspaces.guards import member_view

from .. import selectors, services
from ..forms import (
    MilestoneBlock,
    TemplateForm,
    blocks_from_plan,
    blocks_from_post,
    milestone_plan,
    resource_plan,
    resources_text,
)
from ..models import RoomTemplate


def _require_admin(actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied


@member_view
def workspace_settings(request, actor):
    _require_admin(actor)
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
    """The type select and the stage select (stages grouped by type, for templates.js to show
    those of the chosen type)."""
    types = _types(actor)
    chosen_type = str(form["opportunity_type"].value() or "")
    chosen_stage = str(form["stage"].value() or "")
    stages = pipeline_selectors.stage_list(actor=actor, opp_type=None)
    if template is not None and template.stage is not None and template.stage not in stages:
        stages.append(template.stage)  # archived since: it may stay
    type_options = [Option(str(t.pk), str(t), str(t.pk) == chosen_type) for t in types]
    groups = []
    for t in types:
        options = [
            Option(
                str(s.pk),
                _("When the deal enters “%(stage)s”") % {"stage": s},
                str(s.pk) == chosen_stage,
            )
            for s in stages
            if s.type_id == t.pk
        ]
        if options:
            groups.append((t, options))
    return type_options, groups


def _page(request, actor, form, blocks, template=None, status=200):
    type_options, stage_groups = _choices(actor, form, template)
    context = {
        "form": form,
        "template": template,
        "blocks": blocks,
        "blank": MilestoneBlock(),
        "type_options": type_options,
        "stage_groups": stage_groups,
        "cancel_url": _settings_url(actor),
    }
    return render(request, "rooms/template_form.html", context, status=status)


_PATH = re.compile(r"^milestones\.(\d+)(?:\.|$)")


def _place(error: DomainError, form: TemplateForm, kept: list[MilestoneBlock]) -> None:
    """The service's messages where they belong: a field, a milestone's block, the resources
    box, or the top of the form."""
    if error.status in (403, 404):
        raise error
    for key, message in error.fields.items():
        found = _PATH.match(key)
        if found and int(found.group(1)) < len(kept):
            block = kept[int(found.group(1))]
            (block.errors if ".tasks" in key else block.title_errors).append(message)
        elif key.startswith("resources"):
            form.add_error("resources", message)
        elif key in ("name", "opportunity_type", "stage"):
            form.add_error(key, message)
        else:
            form.add_error(None, message)
    if not error.fields:
        form.add_error(None, str(error.message))


def _save(request, actor, template: RoomTemplate | None):
    form = TemplateForm(request.POST)
    blocks = blocks_from_post(request.POST)
    if "add_milestone" in request.POST:  # without JavaScript: one more empty block
        return _page(request, actor, TemplateForm(initial=request.POST.dict()), [
            *blocks,
            MilestoneBlock(),
        ], template)  # fmt: skip
    form.is_valid()  # lenient: only gathers the values
    data = form.cleaned_data
    old = (template.plan or {}) if template is not None else {}
    kept = [b for b in blocks if not b.is_blank]
    milestones = []
    for block in kept:
        milestone, problems = milestone_plan(block, old.get("milestones"))
        block.errors.extend(problems)
        milestones.append(milestone)
    resources, problems = resource_plan(data.get("resources", ""), old.get("resources"))
    for problem in problems:
        form.add_error("resources", problem)
    values = {
        "name": data.get("name", ""),
        "opportunity_type_id": data.get("opportunity_type", ""),
        "stage_id": data.get("stage", ""),
        "plan": {"milestones": milestones, "resources": resources},
    }
    read_all = not problems and not any(b.errors for b in kept)
    try:
        if not read_all:
            # Lines the page could not read: nothing is saved; say what else is wrong too.
            services.room_template_check(
                actor=actor, template_id=template.pk if template else None, **values
            )
        elif template is None:
            template = services.room_template_create(
                actor=actor, is_active=data.get("is_active", False), **values
            )
        else:
            template = services.room_template_update(
                actor=actor, template_id=template.pk, is_active=data.get("is_active", False),
                **values,
            )  # fmt: skip
    except DomainError as e:
        _place(e, form, kept)
    else:
        if read_all:
            messages.success(request, _("Room template saved."))
            return redirect(_settings_url(actor))
    if not form.non_field_errors():
        form.add_error(None, _("Please correct the highlighted fields."))
    return _page(request, actor, form, kept or [MilestoneBlock()], template, status=400)


@member_view
def template_create(request, actor):
    _require_admin(actor)
    if request.method == "POST":
        return _save(request, actor, None)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    initial = {
        "opportunity_type": request.GET.get("type", ""),
        "stage": request.GET.get("stage", ""),
        "is_active": True,
    }
    return _page(request, actor, TemplateForm(initial=initial), [MilestoneBlock()])


@member_view
def template_edit(request, actor, template_id: int):
    _require_admin(actor)
    template = services.room_template_get(actor=actor, template_id=template_id)
    if request.method == "POST":
        return _save(request, actor, template)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    plan = template.plan or {}
    initial = {
        "name": template.name,
        "opportunity_type": str(template.opportunity_type_id),
        "stage": str(template.stage_id or ""),
        "is_active": template.is_active,
        "resources": resources_text(plan.get("resources") or []),
    }
    blocks = blocks_from_plan(plan) or [MilestoneBlock()]
    return _page(request, actor, TemplateForm(initial=initial), blocks, template)


@member_view
def template_delete(request, actor, template_id: int):
    _require_admin(actor)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    template = services.room_template_get(actor=actor, template_id=template_id)
    services.room_template_delete(actor=actor, template_id=template.pk)
    messages.success(
        request,
        _("Room template “%(name)s” deleted. Rooms it was applied to keep what they got.")
        % {"name": template.name},
    )
    return redirect(_settings_url(actor))
