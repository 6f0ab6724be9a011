"""Forms of the pipeline settings pages. They collect input and check its shape; the services in
services/config.py decide what is valid (names, ranges, known fields) and their messages are
placed on these forms by `core.forms.add_domain_errors`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealroom.core.actors import Actor
from dealroom.customers.fields import all_fields

from .models import OPEN_CATEGORIES, OpportunityType, Stage, Variant
from .visibility import OBJECT_TYPE


def _name_fields(form: forms.Form) -> None:
    form.fields["name"] = forms.CharField(label=_("Name (English)"), max_length=80)
    form.fields["name_zh"] = forms.CharField(
        label=_("Name (Chinese)"),
        max_length=80,
        required=False,
        help_text=_("Shown to people who use Dealroom in Chinese; the English name otherwise."),
    )


class TypeCreateForm(forms.Form):
    variant = forms.ChoiceField(
        label=_("Kind"),
        choices=Variant.choices,
        initial=Variant.STAGED,
        help_text=_("Cannot change later: deals of one kind cannot become another."),
    )
    require_checklist = forms.BooleanField(
        label=_("The exit checklist must be complete before a deal leaves a stage"),
        required=False,
        help_text=_("Staged deals only."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _name_fields(self)
        self.order_fields(["name", "name_zh", "variant", "require_checklist"])


class TypeEditForm(forms.Form):
    require_checklist = forms.BooleanField(
        label=_("The exit checklist must be complete before a deal leaves a stage"),
        required=False,
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Retired types take no new deals; their deals stay as they are."),
    )

    def __init__(self, *args, opp_type: OpportunityType, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": opp_type.name,
                "name_zh": opp_type.name_zh,
                "require_checklist": opp_type.require_checklist,
                "is_active": opp_type.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        _name_fields(self)
        if not opp_type.is_staged:
            del self.fields["require_checklist"]
        self.order_fields(["name", "name_zh", "require_checklist", "is_active"])


def required_field_choices(actor: Actor) -> list[tuple[str, str]]:
    """The opportunity's fields a stage can require: those a person fills in (standard and the
    workspace's custom fields), except the ones every deal has from the start."""
    return [
        (f.name, str(f.label))
        for f in all_fields(actor.workspace_id, OBJECT_TYPE, actor)
        if f.editable and not (f.required and not f.is_custom)
    ]


class StageForm(forms.Form):
    probability = forms.IntegerField(
        label=_("Default win probability (%)"),
        initial=10,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"),
        choices=[(c.value, c.label) for c in OPEN_CATEGORIES],
    )
    required_fields = forms.MultipleChoiceField(
        label=_("Fields required to enter this stage"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("A deal moves into this stage only when these fields are filled in."),
    )
    guidance = forms.CharField(
        label=_("Guidance"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What good work in this stage looks like; shown on the deal."),
    )
    suggested_tasks = forms.CharField(
        label=_("Suggested tasks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    stuck_days = forms.IntegerField(
        label=_("Stuck after days"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 3650, "inputmode": "numeric"}),
        help_text=_("A deal this long in the stage is marked stuck. Empty: never."),
    )

    def __init__(self, *args, actor: Actor, stage: Stage | None = None, **kwargs):
        if stage is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": stage.name,
                    "name_zh": stage.name_zh,
                    "probability": stage.probability,
                    "forecast_category": stage.forecast_category,
                    "required_fields": list(stage.required_fields),
                    "guidance": stage.guidance,
                    "suggested_tasks": "\n".join(stage.suggested_tasks),
                    "stuck_days": stage.stuck_days,
                },
            )
        super().__init__(*args, **kwargs)
        _name_fields(self)
        self.fields["required_fields"].choices = required_field_choices(actor)  # type: ignore[attr-defined]
        self.order_fields(["name", "name_zh"])


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=120)


class LossReasonForm(forms.Form):
    name = forms.CharField(label=_("New reason"), max_length=80)
