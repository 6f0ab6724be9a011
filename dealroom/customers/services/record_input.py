"""Input to customer records: submitted values checked and converted against the field
catalogue and the actor's field permissions, set on a record, and described as timeline
changes. records.py (and the pipeline's deals) write with these."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from dealroom.core.actors import Actor
from dealroom.core.errors import Forbidden, Invalid, NotFound

from .. import clean, visibility
from ..fields import Field, all_fields
from ..models import ROLES_BY_KIND, Account, AccountKind, ObjectType


def model_for(object_type: str):
    try:
        return visibility.MODELS[ObjectType(object_type)]
    except ValueError:
        raise NotFound() from None


# Kinds that hold a list: the API sends a JSON list of texts, a form one text (commas, lines).
LIST_KINDS = ("tags", "phones", "emails", "multi_choice")


def _check_json_type(kind: str, raw) -> None:
    """A JSON body may hold any type where a form holds text: a list field takes a list of
    texts or a text, any other field one value (not a list, object or true/false)."""
    if raw is None or isinstance(raw, str):
        return
    if kind in LIST_KINDS:
        if not (isinstance(raw, list) and all(isinstance(item, str) for item in raw)):
            raise ValueError(_("Send a list of texts."))
    elif isinstance(raw, bool | list | dict):
        raise ValueError(_("Send a single value, not a list, object or true/false."))


def _convert(actor: Actor, object_type: str, field: Field, raw, record):
    """One submitted value → the stored value, or ValueError with the reason."""
    region = visibility.settings_for(actor.workspace_id).phone_region
    kind = field.kind
    _check_json_type(kind, raw)
    if field.is_custom:
        return clean.custom_value(raw, field, actor)
    if kind in ("text", "longtext"):
        max_length = 10_000 if kind == "longtext" else _max_length(object_type, field.name)
        return clean.text(raw, field, max_length=max_length)
    if kind == "choice":
        return clean.choice(raw, field)
    if kind == "url":
        return clean.url(raw)
    if kind == "tags":
        tags = list(dict.fromkeys(clean.as_list(raw)))
        if any(len(t) > 40 for t in tags):
            raise ValueError(_("A tag has at most 40 characters."))
        return tags
    if kind == "phones":
        return clean.phones(raw, region)
    if kind == "phone":
        return clean.phone(raw, region) if str(raw or "").strip() else ""
    if kind == "emails":
        return clean.emails(raw)
    if kind == "email":
        return clean.email(raw)
    if kind == "account":
        return _account_ref(actor, raw, record, field)
    # Standard columns (an opportunity's amount, close date, probability) keep typed values.
    if kind == "money":
        amount = clean.number(raw, field)
        return None if amount is None else Decimal(str(amount)).quantize(Decimal("0.01"))
    if kind == "date":
        day = clean.date(raw, field)
        return None if day is None else datetime.date.fromisoformat(day)
    if kind == "percent":
        return clean.percent(raw, field)
    raise ValueError(_("This field cannot be set here."))


def _max_length(object_type: str, name: str) -> int:
    return model_for(object_type)._meta.get_field(name).max_length or 200


def _account_ref(actor: Actor, raw, record, field: Field):
    if raw in (None, ""):
        return None
    try:
        account_id = int(raw.pk if isinstance(raw, Account) else raw)
    except (TypeError, ValueError):
        raise ValueError(_("Choose an account.")) from None
    account = Account.objects.visible_to(actor).filter(pk=account_id).first()
    if account is None:
        raise ValueError(_("Choose an account you can see."))
    if field.name == "parent" and isinstance(record, Account) and record.pk:
        node: Account | None = account
        seen = set()
        while node is not None and node.pk not in seen:
            if node.pk == record.pk:
                raise ValueError(
                    _("An account cannot be its own parent or a parent of its parent.")
                )
            seen.add(node.pk)
            node = node.parent
    return account


def _current(record, field: Field):
    if field.is_custom:
        return record.custom.get(field.name.removeprefix("custom."))
    if field.kind == "account":
        return getattr(record, field.name)
    return getattr(record, field.name)


def clean_input(*, actor: Actor, object_type: str, data: dict, record=None) -> dict:
    """Submitted values → {field name: stored value} for the fields that change.
    Raises Invalid naming each bad field, or Forbidden when a field may not be changed."""
    fields = {f.name: f for f in all_fields(actor.workspace_id, object_type, actor)}
    rules = visibility.field_rules(actor, object_type)
    errors: dict[str, str] = {}
    refused: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, raw in data.items():
        field = fields.get(name)
        if field is None or not rules.can_see(name):
            # Unknown and hidden fields get the same answer, so that trying names does not
            # reveal which hidden (custom) fields exist; and a hidden field is refused whatever
            # the value, so that trying values does not reveal what it holds.
            refused[name] = _("You may not change this field.")
            continue
        if not field.editable:
            errors[name] = _("This field cannot be set here.")
            continue
        try:
            value = _convert(actor, object_type, field, raw, record)
        except ValueError as e:
            errors[name] = str(e)
            continue
        current = _current(record, field) if record is not None else None
        if record is not None and _same(current, value):
            continue
        if record is None and value in (None, "", []):
            continue
        if not rules.can_edit(name):
            refused[name] = _("You may not change this field.")
            continue
        values[name] = value
    if record is None:
        for field in fields.values():
            missing = field.required and field.editable and field.name not in values
            if missing and rules.can_edit(field.name):
                errors.setdefault(field.name, _("This field is required."))
    if object_type == ObjectType.ACCOUNT:
        _check_kind_change(record, values, errors)
    if refused:
        raise Forbidden(_("You may not change some of these fields."), fields=refused)
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    return values


def _same(current, value) -> bool:
    if hasattr(current, "pk") or hasattr(value, "pk"):
        return getattr(current, "pk", None) == getattr(value, "pk", None)
    return (current in (None, "", [])) and (value in (None, "", [])) or current == value


def _check_kind_change(record, values: dict, errors: dict) -> None:
    kind = values.get("kind")
    if record is None or kind is None:
        return
    allowed = {str(r) for r in ROLES_BY_KIND[AccountKind(kind)]}
    if record.links.exclude(role__in=allowed).exists():
        errors["kind"] = _(
            "Some contacts have roles that a %(kind)s account does not have; change them first."
        ) % {"kind": AccountKind(kind).label}


def assign(record, values: dict) -> None:
    custom = dict(record.custom)
    for name, value in values.items():
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            if value in (None, "", []):
                custom.pop(key, None)
            else:
                custom[key] = value
        else:
            setattr(record, name, value)
    record.custom = custom


def _stored(value):
    """A value as the timeline keeps it in JSON: related records by name, money as its decimal
    text, dates in ISO form."""
    if hasattr(value, "pk") or isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _changes(record, values: dict, fields: dict[str, Field]) -> list[dict]:
    out = []
    for name, new in values.items():
        field = fields[name]
        old = _current(record, field)
        change = {"field": name, "old": _stored(old), "new": _stored(new)}
        if field.kind == "account":  # the timeline names an account only to who may see it
            change["old_id"] = getattr(old, "pk", None)
            change["new_id"] = getattr(new, "pk", None)
        if field.is_custom:
            change["label"] = field.label
        out.append(change)
    return out
