"""Admin pages configuring pipelines: opportunity types, their stages (gates, guidance, order,
archive), each stage's exit checklist, and the loss reasons. Only admins reach them (403 for
everyone else, before anything is read); the services in services/config.py check again.
Bad input re-renders the page with the field's message, status 400, and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealroom.core.actors import Member
from dealroom.core.errors import DomainError, NotFound
from dealroom.core.forms import add_domain_errors
from dealroom.customers.fields import all_fields
from dealroom.workspaces.guards import admin_view

from . import selectors, services
from .models import Milestone, Opportunity, OpportunityType, Stage, Status
from .settings_forms import LossReasonForm, MilestoneForm, StageForm, TypeCreateForm, TypeEditForm
from .visibility import OBJECT_TYPE

ADMINS_ONLY = gettext_lazy("Only admins can change deal settings.")


def _index_url(actor: Member, anchor: str = "") -> str:
    url = reverse("pipeline_settings", args=[actor.workspace.slug])
    return f"{url}#{anchor}" if anchor else url


def _type_url(actor: Member, type_id: int, anchor: str = "") -> str:
    url = reverse("pipeline_type_settings", args=[actor.workspace.slug, type_id])
    return f"{url}#{anchor}" if anchor else url


def _refuse_input(error: DomainError) -> None:
    """Not found and not allowed are no input problems: they go to the error page (403/404)."""
    if error.status in (403, 404):
        raise error


# -- index: types and loss reasons -----------------------------------------------------------


def _index(request, actor: Member, *, type_form=None, reason_form=None, status=200):
    types = selectors.type_list(actor=actor, active_only=False).annotate(
        stage_count=Count("stages", filter=Q(stages__archived_at__isnull=True))
    )
    return render(
        request,
        "pipeline/settings/index.html",
        {
            "types": types,
            "type_form": type_form or TypeCreateForm(),
            "reasons": selectors.loss_reason_list(actor=actor, active_only=False),
            "reason_form": reason_form or LossReasonForm(),
        },
        status=status,
    )


@admin_view(ADMINS_ONLY, "GET")
def pipeline_settings(request, actor):
    return _index(request, actor)


@admin_view(ADMINS_ONLY, "POST")
def type_create(request, actor):
    form = TypeCreateForm(request.POST)
    if form.is_valid():
        try:
            opp_type = services.type_create(actor=actor, **form.cleaned_data)
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Opportunity type created."))
            return redirect(_type_url(actor, opp_type.pk))
    return _index(request, actor, type_form=form, status=400)


@admin_view(ADMINS_ONLY, "POST")
def loss_reason_create(request, actor):
    form = LossReasonForm(request.POST)
    if form.is_valid():
        try:
            services.loss_reason_create(actor=actor, name=form.cleaned_data["name"])
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Loss reason added."))
            return redirect(_index_url(actor, "loss-reasons"))
    return _index(request, actor, reason_form=form, status=400)


@admin_view(ADMINS_ONLY, "POST")
def loss_reason_set_active(request, actor, reason_id: int):
    active = request.POST.get("active") == "1"
    services.loss_reason_set_active(actor=actor, reason_id=reason_id, active=active)
    messages.success(
        request, _("Loss reason in use again.") if active else _("Loss reason retired.")
    )
    return redirect(_index_url(actor, "loss-reasons"))


# -- one type: its settings, stages and checklists -------------------------------------------


@dataclass
class MilestoneRow:
    milestone: Milestone
    form: MilestoneForm


@dataclass
class StageRow:
    stage: Stage
    open_deals: int
    required: list[str]  # labels of the fields required to enter
    milestones: list[MilestoneRow] = field(default_factory=list)
    add_form: MilestoneForm | None = None
    first: bool = False
    last: bool = False


@dataclass
class BadMilestone:
    """A milestone form that was refused, shown again where it was typed."""

    stage_id: int
    milestone_id: int | None
    form: MilestoneForm


def _milestone_form(auto_id: str, data=None, **kwargs) -> MilestoneForm:
    return MilestoneForm(data, auto_id=f"id_{auto_id}_%s", **kwargs)


def _stage_rows(actor: Member, opp_type: OpportunityType, bad: BadMilestone | None):
    """Active stages in order (with their checklists) and archived ones: three queries
    whatever the number of stages and milestones."""
    stages = selectors.stage_list(actor=actor, opp_type=opp_type, with_archived=True)
    prefetch_related_objects(
        stages,
        Prefetch("milestones", queryset=Milestone.objects.filter(archived_at__isnull=True)),
    )
    counts = dict(
        Opportunity.objects.visible_to(actor)
        .filter(stage__in=stages, status=Status.OPEN, archived_at__isnull=True)
        .order_by()
        .values_list("stage_id")
        .annotate(n=Count("pk"))
    )
    labels = {f.name: str(f.label) for f in all_fields(actor.workspace_id, OBJECT_TYPE, actor)}
    active: list[StageRow] = []
    archived: list[StageRow] = []
    for stage in stages:
        row = StageRow(
            stage=stage,
            open_deals=counts.get(stage.pk, 0),
            required=[labels.get(name, name) for name in stage.required_fields],
        )
        for m in stage.milestones.all():
            form = _milestone_form(f"m{m.pk}", initial={"title": m.title})
            if bad and bad.milestone_id == m.pk:
                form = bad.form
            row.milestones.append(MilestoneRow(m, form))
        if bad and bad.stage_id == stage.pk and bad.milestone_id is None:
            row.add_form = bad.form
        else:
            row.add_form = _milestone_form(f"s{stage.pk}")
        (archived if stage.archived_at else active).append(row)
    if active:
        active[0].first = active[-1].last = True
    return active, archived


def _type_page(
    request,
    actor: Member,
    opp_type: OpportunityType,
    *,
    form=None,
    bad: BadMilestone | None = None,
    error: str = "",
    status: int = 200,
):
    active, archived = _stage_rows(actor, opp_type, bad) if opp_type.is_staged else ([], [])
    return render(
        request,
        "pipeline/settings/type.html",
        {
            "opp_type": opp_type,
            "form": form or TypeEditForm(opp_type=opp_type),
            "stages": active,
            "archived_stages": archived,
            "error": error,
        },
        status=status,
    )


@admin_view(ADMINS_ONLY, "GET", "POST")
def type_settings(request, actor, type_id: int):
    opp_type = selectors.type_get(actor=actor, type_id=type_id)
    if request.method != "POST":
        return _type_page(request, actor, opp_type)
    form = TypeEditForm(request.POST, opp_type=opp_type)
    if form.is_valid():
        try:
            services.type_update(
                actor=actor,
                type_id=opp_type.pk,
                name=form.cleaned_data["name"],
                name_zh=form.cleaned_data["name_zh"],
                require_checklist=form.cleaned_data.get("require_checklist", False),
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Opportunity type saved."))
            return redirect(_type_url(actor, opp_type.pk))
    return _type_page(request, actor, opp_type, form=form, status=400)


# -- stages ----------------------------------------------------------------------------------


def _staged_type(actor: Member, type_id) -> OpportunityType:
    opp_type = selectors.type_get(actor=actor, type_id=type_id)
    if not opp_type.is_staged:
        raise NotFound()  # only staged types have stages
    return opp_type


def _stage_of(actor: Member, opp_type: OpportunityType, stage_id) -> Stage:
    for stage in selectors.stage_list(actor=actor, opp_type=opp_type, with_archived=True):
        if stage.pk == stage_id:
            return stage
    raise NotFound()


def _stage_page(request, opp_type, form, stage=None, status=200):
    return render(
        request,
        "pipeline/settings/stage.html",
        {"opp_type": opp_type, "stage": stage, "form": form},
        status=status,
    )


@admin_view(ADMINS_ONLY, "GET", "POST")
def stage_create(request, actor, type_id: int):
    opp_type = _staged_type(actor, type_id)
    form = StageForm(request.POST or None, actor=actor)
    if request.method == "POST":
        if form.is_valid():
            try:
                stage = services.stage_create(actor=actor, type_id=opp_type.pk, **form.cleaned_data)
            except DomainError as e:
                add_domain_errors(form, e)
            else:
                messages.success(request, _("Stage added."))
                return redirect(_type_url(actor, opp_type.pk, f"stage-{stage.pk}"))
        return _stage_page(request, opp_type, form, status=400)
    return _stage_page(request, opp_type, form)


@admin_view(ADMINS_ONLY, "GET", "POST")
def stage_edit(request, actor, type_id: int, stage_id: int):
    opp_type = _staged_type(actor, type_id)
    stage = _stage_of(actor, opp_type, stage_id)
    form = StageForm(request.POST or None, actor=actor, stage=stage)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.stage_update(actor=actor, stage_id=stage.pk, **form.cleaned_data)
            except DomainError as e:
                add_domain_errors(form, e)
            else:
                messages.success(request, _("Stage saved."))
                return redirect(_type_url(actor, opp_type.pk, f"stage-{stage.pk}"))
        return _stage_page(request, opp_type, form, stage, status=400)
    return _stage_page(request, opp_type, form, stage)


@admin_view(ADMINS_ONLY, "POST")
def stage_reorder(request, actor, type_id: int):
    """Move one stage up or down (`stage`, `direction`), or put them all in the order given
    (`order`, repeated: what a drag-and-drop list would send)."""
    opp_type = _staged_type(actor, type_id)
    order = request.POST.getlist("order")
    anchor = "stages"
    if not order:
        ids = [s.pk for s in selectors.stage_list(actor=actor, opp_type=opp_type)]
        try:
            k = ids.index(int(request.POST.get("stage", "")))
        except ValueError:
            raise NotFound() from None
        anchor = f"stage-{ids[k]}"
        step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""), 0)
        if step and 0 <= k + step < len(ids):
            ids[k], ids[k + step] = ids[k + step], ids[k]
        order = [str(pk) for pk in ids]
    try:
        services.stage_reorder(actor=actor, type_id=opp_type.pk, stage_ids=order)
    except DomainError as e:
        _refuse_input(e)
        message = e.fields.get("stage_ids") or str(e.message)
        return _type_page(request, actor, opp_type, error=message, status=400)
    return redirect(_type_url(actor, opp_type.pk, anchor))


@admin_view(ADMINS_ONLY, "POST")
def stage_archive(request, actor, type_id: int, stage_id: int):
    opp_type = _staged_type(actor, type_id)
    stage = _stage_of(actor, opp_type, stage_id)
    archived = request.POST.get("archived", "1") != "0"
    try:
        services.stage_archive(actor=actor, stage_id=stage.pk, archived=archived)
    except DomainError as e:
        _refuse_input(e)
        return _type_page(request, actor, opp_type, error=str(e.message), status=400)
    messages.success(request, _("Stage archived.") if archived else _("Stage restored."))
    return redirect(_type_url(actor, opp_type.pk, f"stage-{stage.pk}"))


# -- exit checklists -------------------------------------------------------------------------


def _milestone_of(stage: Stage, milestone_id: int) -> Milestone:
    milestone = stage.milestones.filter(pk=milestone_id, archived_at__isnull=True).first()
    if milestone is None:
        raise NotFound()
    return milestone


@admin_view(ADMINS_ONLY, "POST")
def milestone_create(request, actor, type_id: int, stage_id: int):
    opp_type = _staged_type(actor, type_id)
    stage = _stage_of(actor, opp_type, stage_id)
    form = _milestone_form(f"s{stage.pk}", request.POST)
    if form.is_valid():
        try:
            services.milestone_create(
                actor=actor, stage_id=stage.pk, title=form.cleaned_data["title"]
            )
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Checklist item added."))
            return redirect(_type_url(actor, opp_type.pk, f"stage-{stage.pk}"))
    bad = BadMilestone(stage.pk, None, form)
    return _type_page(request, actor, opp_type, bad=bad, status=400)


@admin_view(ADMINS_ONLY, "POST")
def milestone_update(request, actor, type_id: int, stage_id: int, milestone_id: int):
    opp_type = _staged_type(actor, type_id)
    stage = _stage_of(actor, opp_type, stage_id)
    milestone = _milestone_of(stage, milestone_id)
    form = _milestone_form(f"m{milestone.pk}", request.POST)
    if form.is_valid():
        try:
            services.milestone_update(
                actor=actor, milestone_id=milestone.pk, title=form.cleaned_data["title"]
            )
        except DomainError as e:
            add_domain_errors(form, e)
        else:
            messages.success(request, _("Checklist item renamed."))
            return redirect(_type_url(actor, opp_type.pk, f"stage-{stage.pk}"))
    bad = BadMilestone(stage.pk, milestone.pk, form)
    return _type_page(request, actor, opp_type, bad=bad, status=400)


@admin_view(ADMINS_ONLY, "POST")
def milestone_archive(request, actor, type_id: int, stage_id: int, milestone_id: int):
    opp_type = _staged_type(actor, type_id)
    stage = _stage_of(actor, opp_type, stage_id)
    milestone = _milestone_of(stage, milestone_id)
    services.milestone_archive(actor=actor, milestone_id=milestone.pk)
    messages.success(request, _("Checklist item removed."))
    return redirect(_type_url(actor, opp_type.pk, f"stage-{stage.pk}"))
