"""Forms built from the field catalogue: a field the actor may not see is not in the form, a
read-only one is shown disabled. Forms only collect input; services validate and write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dealroom.core.actors import Actor

from .fields import Field, fields_for, value_of
from .models import CollaboratorLevel, ContactRole
from .visibility import field_rules

DATE = forms.DateInput(attrs={"type": "date"})


def _form_field(f: Field, members, accounts) -> forms.Field:
    common = {"label": f.label, "required": False}
    kind = f.kind
    if kind == "longtext":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind in ("choice",):
        return forms.ChoiceField(choices=[("", "—"), *f.choices], **common)
    if kind == "multi_choice":
        return forms.MultipleChoiceField(
            choices=list(f.choices), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == "user":
        return forms.ChoiceField(choices=[("", "—"), *members], **common)
    if kind == "account":
        # Any visible account may be picked (the options are refilled by a search box), so
        # the service, not the form, checks the choice.
        return forms.CharField(widget=forms.Select(choices=[("", "—"), *accounts]), **common)
    if kind == "date":
        return forms.CharField(widget=DATE, **common)
    if kind in ("number", "money"):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind in ("phones", "emails", "tags"):
        help_text = _("Several? Separate them with commas.")
        return forms.CharField(help_text=help_text, **common)
    return forms.CharField(**common)


def _initial(f: Field, record, actor: Actor):
    if f.kind == "account":
        return getattr(record, f.name + "_id")
    value = value_of(record, f, actor=actor)
    if isinstance(value, list) and f.kind != "multi_choice":
        return ", ".join(str(v) for v in value)
    return value


class RecordForm(forms.Form):
    """Create or edit an account, contact or lead."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args, actor: Actor, object_type: str, record=None, members=(), accounts=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.object_type = object_type
        rules = field_rules(actor, object_type)
        self.catalogue: dict[str, Field] = {}
        for f in fields_for(actor, object_type):
            if not f.editable:
                continue
            field = _form_field(f, members, accounts)
            if f.required:
                field.label = f"{f.label} *"
            if not rules.can_edit(f.name):
                field.disabled = True
                field.help_text = _("You cannot change this field.")
            if record is not None:
                field.initial = _initial(f, record, actor)
            self.fields[f.name] = field
            self.catalogue[f.name] = f
        if record is not None:
            self.fields["version"].initial = record.version

    def changes(self) -> dict:
        """What the user may have changed (disabled fields are never sent on)."""
        return {
            name: self.cleaned_data.get(name)
            for name, field in self.fields.items()
            if name != "version" and not field.disabled
        }

    def field_groups(self):
        """(standard fields, custom fields) as bound fields, for the template."""
        standard = [self[n] for n, f in self.catalogue.items() if not f.is_custom]
        custom = [self[n] for n, f in self.catalogue.items() if f.is_custom]
        return standard, custom


class ChoicesForm(forms.Form):
    def _choices(self, name: str, choices) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices


class OwnerForm(ChoicesForm):
    owner = forms.ChoiceField(label=_("Owner"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("owner", list(members))


class CollaboratorForm(ChoicesForm):
    member = forms.ChoiceField(label=_("Member"))
    level = forms.ChoiceField(label=_("Access"), choices=CollaboratorLevel.choices)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("member", list(members))


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )


class LinkContactForm(ChoicesForm):
    contact = forms.ChoiceField(label=_("Contact"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, contacts=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("contact", list(contacts))
        self._choices("role", [(str(r), ContactRole(r).label) for r in roles])


class DisqualifyForm(ChoicesForm):
    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("reason", [("", "—"), *[(r.pk, r.name) for r in reasons]])


class ConvertForm(ChoicesForm):
    account = forms.ChoiceField(
        label=_("Account"),
        required=False,
        help_text=_("Leave empty to create a new account from the lead."),
    )
    contact = forms.ChoiceField(
        label=_("Contact"),
        required=False,
        help_text=_("Leave empty to create a new contact from the lead."),
    )

    def __init__(self, *args, accounts=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("account", [("", _("New account")), *accounts])
        self._choices("contact", [("", _("New contact")), *contacts])


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
