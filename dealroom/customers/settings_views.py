"""Admin pages configuring customer data: pool settings, custom fields, field permissions,
disqualification reasons. Only admins reach them (403 for other members, before anything is
read); the services check again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealroom.core.errors import DomainError
from dealroom.core.forms import add_domain_errors, flash_domain_error
from dealroom.workspaces.guards import admin_view
from dealroom.workspaces.models import Role

from . import selectors, services, visibility
from .fields import restrictable_fields
from .models import FieldAccess, FieldKind, ObjectType
from .services.config import RESTRICTABLE_ROLES

ADMINS_ONLY = gettext_lazy("Only admins can change customer settings.")


class SettingsForm(forms.Form):
    phone_region = forms.CharField(
        label=gettext_lazy("Default phone region"),
        max_length=2,
        help_text=gettext_lazy("Two letters, e.g. CN: numbers typed without +country use it."),
    )
    reps_see_all = forms.BooleanField(
        label=gettext_lazy("Everyone sees all customers"),
        required=False,
        help_text=gettext_lazy(
            "Off: people see their own, their team's, shared and territory records."
        ),
    )
    lead_claim_limit = forms.IntegerField(
        label=gettext_lazy("Open leads a rep may hold"), min_value=0
    )
    lead_return_days = forms.IntegerField(
        label=gettext_lazy("Days before an untouched lead returns to the pool"),
        min_value=0,
        help_text=gettext_lazy("0 = never."),
    )


class CustomFieldForm(forms.Form):
    object_type = forms.ChoiceField(label=gettext_lazy("Object"), choices=ObjectType.choices)
    label = forms.CharField(label=gettext_lazy("Label"), max_length=80)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=FieldKind.choices)
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For choice fields: one option per line."),
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    in_list = forms.BooleanField(label=gettext_lazy("Show in lists"), required=False, initial=True)


class CustomFieldEditForm(CustomFieldForm):
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("object_type", "kind"):
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Cannot change once values are stored.")


class ReasonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("New reason"), max_length=120)


@admin_view(ADMINS_ONLY, "GET", "POST")
def customer_settings(request, actor):
    current = visibility.settings_for(actor.workspace_id)
    form = SettingsForm(
        request.POST or None,
        initial={
            "phone_region": current.phone_region,
            "reps_see_all": current.reps_see_all,
            "lead_claim_limit": current.lead_claim_limit,
            "lead_return_days": current.lead_return_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_settings_update(actor=actor, **form.cleaned_data)
            messages.success(request, _("Settings saved."))
            return redirect("customer_settings", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    fields_by_type = [
        (t, label, list(selectors.custom_field_list(actor=actor, object_type=t)))
        for t, label in ObjectType.choices
    ]
    return render(
        request,
        "customers/settings.html",
        {
            "form": form,
            "fields_by_type": fields_by_type,
            "reasons": selectors.disqualify_reason_list(actor=actor, active_only=False),
            "reason_form": ReasonForm(),
        },
        status=400 if form.errors else 200,
    )


@admin_view(ADMINS_ONLY, "GET", "POST")
def custom_field_new(request, actor):
    form = CustomFieldForm(
        request.POST or None, initial={"object_type": request.GET.get("object_type", "account")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_create(actor=actor, **form.cleaned_data)
            messages.success(request, _("Field added."))
            return redirect("customer_settings", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request,
        "customers/custom_field.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@admin_view(ADMINS_ONLY, "GET", "POST")
def custom_field_edit(request, actor, field_id: int):
    cf = selectors.custom_field_get(actor=actor, field_id=field_id)
    initial = {
        "object_type": cf.object_type,
        "label": cf.label,
        "kind": cf.kind,
        "options": "\n".join(cf.options),
        "required": cf.required,
        "in_list": cf.in_list,
        "active": cf.is_active,
    }
    form = CustomFieldEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.custom_field_update(
                actor=actor,
                field_id=cf.pk,
                label=data["label"],
                options=data["options"],
                required=data["required"],
                in_list=data["in_list"],
                active=data["active"],
            )
            messages.success(request, _("Field saved."))
            return redirect("customer_settings", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request,
        "customers/custom_field.html",
        {"form": form, "field": cf},
        status=400 if form.errors else 200,
    )


@admin_view(ADMINS_ONLY, "GET", "POST")
def field_permissions(request, actor):
    """A grid per object: fields × roles, each visible / read-only / hidden."""
    current = selectors.field_permission_map(actor=actor)
    roles = [(r, Role(r).label) for r in RESTRICTABLE_ROLES]
    if request.method == "POST":
        changed = 0
        try:
            for object_type in ObjectType.values:
                for f in restrictable_fields(actor.workspace_id, object_type):
                    for role, _label in roles:
                        key = f"{object_type}:{f.name}:{role}"
                        wanted = request.POST.get(key, "")
                        if wanted != current.get((object_type, f.name, role), ""):
                            services.field_permission_set(
                                actor=actor,
                                object_type=object_type,
                                field=f.name,
                                role=role,
                                access=wanted,
                            )
                            changed += 1
            messages.success(request, _("Field permissions saved."))
        except DomainError as e:
            flash_domain_error(request, e)
        return redirect("field_permissions", slug=actor.workspace.slug)
    grid = [
        (
            object_type,
            label,
            [
                (f, [(role, current.get((object_type, f.name, role), "")) for role, _l in roles])
                for f in restrictable_fields(actor.workspace_id, object_type)
            ],
        )
        for object_type, label in ObjectType.choices
    ]
    return render(
        request,
        "customers/field_permissions.html",
        {"grid": grid, "roles": roles, "accesses": FieldAccess.choices},
    )


@admin_view(ADMINS_ONLY, "POST")
def reason_add(request, actor):
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.disqualify_reason_create(actor=actor, name=form.cleaned_data["name"])
            messages.success(request, _("Reason added."))
        except DomainError as e:
            flash_domain_error(request, e)
    else:
        messages.error(request, _("Enter a reason."))
    return redirect("customer_settings", slug=actor.workspace.slug)


@admin_view(ADMINS_ONLY, "POST")
def reason_toggle(request, actor, reason_id: int):
    try:
        services.disqualify_reason_set_active(
            actor=actor, reason_id=reason_id, active=request.POST.get("active") == "1"
        )
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect("customer_settings", slug=actor.workspace.slug)
