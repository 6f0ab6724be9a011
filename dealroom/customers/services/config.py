"""Workspace configuration of customer data (admins): custom fields, field permissions,
settings, disqualification reasons; and each member's saved list views."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dealroom.activity.models import Audience
from dealroom.activity.services import record as record_event
from dealroom.core.actors import Actor, Member, System
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.workspaces.config import config_changed
from dealroom.workspaces.models import Role

from .. import visibility
from ..fields import restrictable_fields
from ..models import (
    CustomerSettings,
    CustomField,
    DisqualifyReason,
    FieldAccess,
    FieldKind,
    FieldPermission,
    ObjectType,
    SavedView,
)


def _require_admin(actor: Actor) -> None:
    if not (isinstance(actor, System) or isinstance(actor, Member) and actor.is_admin):
        raise Forbidden()


def _object_type(object_type: str) -> str:
    if object_type not in ObjectType.values:
        raise Invalid(
            fields={"object_type": _("Choose accounts, contacts, leads or opportunities.")}
        )
    return object_type


def _options(kind: str, options) -> list[str]:
    if isinstance(options, str):
        options = re.split(r"[\n,，]", options)
    options = list(dict.fromkeys(str(o).strip() for o in options or [] if str(o).strip()))
    if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and not options:
        raise Invalid(fields={"options": _("List at least one option.")})
    if any(len(o) > 80 for o in options):
        raise Invalid(fields={"options": _("An option has at most 80 characters.")})
    return options if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) else []


@transaction.atomic
def custom_field_create(
    *,
    actor: Actor,
    object_type: str,
    label: str,
    kind: str,
    options=(),
    required: bool = False,
    in_list: bool = True,
    key: str = "",
) -> CustomField:
    _require_admin(actor)
    _object_type(object_type)
    label = (label or "").strip()
    if not label or len(label) > 80:
        raise Invalid(fields={"label": _("Enter a label of at most 80 characters.")})
    if kind not in FieldKind.values:
        raise Invalid(fields={"kind": _("Choose a field type.")})
    siblings = CustomField.objects.filter(workspace_id=actor.workspace_id, object_type=object_type)
    # Chinese labels slugify to nothing: such fields get a numbered key.
    key = slugify(key or label).replace("-", "_")[:40] or f"field_{siblings.count() + 1}"
    if CustomField.objects.filter(
        workspace_id=actor.workspace_id, object_type=object_type, key=key
    ).exists():
        raise Invalid(fields={"key": _("A field with this key already exists.")})
    position = siblings.count()
    cf = CustomField.objects.create(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        key=key,
        label=label,
        kind=kind,
        options=_options(kind, options),
        required=bool(required),
        in_list=bool(in_list),
        position=position,
    )
    config_changed(actor)
    record_event(
        actor=actor,
        verb="custom_field.created",
        target=cf,
        data={"label": label, "object_type": object_type},
        audience=Audience.ADMINS,
    )
    return cf


@transaction.atomic
def custom_field_update(
    *, actor: Actor, field_id, label: str, options=(), required=False, in_list=True, active=True
) -> CustomField:
    """Label, options, required, shown in lists, active. The type and key never change:
    stored values would stop meaning what they meant."""
    _require_admin(actor)
    cf = CustomField.objects.filter(workspace_id=actor.workspace_id, pk=field_id).first()
    if cf is None:
        raise NotFound()
    label = (label or "").strip()
    if not label or len(label) > 80:
        raise Invalid(fields={"label": _("Enter a label of at most 80 characters.")})
    cf.label = label
    cf.options = _options(cf.kind, options)
    cf.required = bool(required)
    cf.in_list = bool(in_list)
    cf.is_active = bool(active)
    cf.save()
    config_changed(actor)
    record_event(
        actor=actor,
        verb="custom_field.updated",
        target=cf,
        data={"label": label, "object_type": cf.object_type},
        audience=Audience.ADMINS,
    )
    return cf


RESTRICTABLE_ROLES = [Role.MANAGER, Role.REP, Role.READONLY]


@transaction.atomic
def field_permission_set(
    *, actor: Actor, object_type: str, field: str, role: str, access: str
) -> None:
    """Hide a field from a role, make it read-only for it, or ("") lift the restriction."""
    _require_admin(actor)
    _object_type(object_type)
    names = {f.name for f in restrictable_fields(actor.workspace_id, object_type)}
    if field not in names:
        raise Invalid(fields={"field": _("There is no such field.")})
    if role not in RESTRICTABLE_ROLES:
        raise Invalid(fields={"role": _("Admins always see every field.")})
    if access not in ("", *FieldAccess.values):
        raise Invalid(fields={"access": _("Choose visible, read-only or hidden.")})
    existing = FieldPermission.objects.filter(
        workspace_id=actor.workspace_id, object_type=object_type, field=field, role=role
    )
    if not access:
        existing.delete()
    elif not existing.update(access=access):
        FieldPermission.objects.create(
            workspace_id=actor.workspace_id,
            object_type=object_type,
            field=field,
            role=role,
            access=access,
        )
    config_changed(actor)
    visibility.forget(actor)
    record_event(
        actor=actor,
        verb="field_permission.changed",
        data={"object_type": object_type, "field": field, "role": role, "access": access},
        audience=Audience.ADMINS,
    )


@transaction.atomic
def customer_settings_update(*, actor: Actor, **values) -> CustomerSettings:
    _require_admin(actor)
    settings, _created = CustomerSettings.objects.get_or_create(workspace_id=actor.workspace_id)
    import phonenumbers

    region = str(values.get("phone_region", settings.phone_region)).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise Invalid(fields={"phone_region": _("Enter a two-letter country code, e.g. CN.")})
    errors = {}
    numbers = {}
    for name in ("lead_claim_limit", "lead_return_days"):
        try:
            numbers[name] = int(values.get(name, getattr(settings, name)))
            if numbers[name] < 0 or numbers[name] > 100_000:
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number between 0 and 100000.")
    if errors:
        raise Invalid(fields=errors)
    settings.phone_region = region
    settings.reps_see_all = bool(values.get("reps_see_all", settings.reps_see_all))
    settings.lead_claim_limit = numbers["lead_claim_limit"]
    settings.lead_return_days = numbers["lead_return_days"]
    settings.save()
    config_changed(actor)
    visibility.forget(actor)
    record_event(
        actor=actor,
        verb="customer_settings.changed",
        data={"reps_see_all": settings.reps_see_all},
        audience=Audience.ADMINS,
    )
    return settings


@transaction.atomic
def disqualify_reason_create(*, actor: Actor, name: str) -> DisqualifyReason:
    _require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid(fields={"name": _("Enter a reason of at most 120 characters.")})
    try:
        with transaction.atomic():
            reason = DisqualifyReason.objects.create(workspace_id=actor.workspace_id, name=name)
    except IntegrityError:
        raise Invalid(fields={"name": _("This reason already exists.")}) from None
    return reason


@transaction.atomic
def disqualify_reason_set_active(*, actor: Actor, reason_id, active: bool) -> DisqualifyReason:
    _require_admin(actor)
    reason = DisqualifyReason.objects.filter(workspace_id=actor.workspace_id, pk=reason_id).first()
    if reason is None:
        raise NotFound()
    reason.is_active = bool(active)
    reason.save(update_fields=["is_active"])
    return reason


@transaction.atomic
def saved_view_save(*, actor: Member, object_type: str, name: str, query: str) -> SavedView:
    """Save (or overwrite) the member's own named view of a list."""
    if not isinstance(actor, Member):
        raise Forbidden()
    _object_type(object_type)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid(fields={"name": _("Enter a name of at most 80 characters.")})
    query = (query or "").lstrip("?")[:2000]
    view, _created = SavedView.objects.update_or_create(
        workspace_id=actor.workspace_id,
        member=actor.membership,
        object_type=object_type,
        name=name,
        defaults={"query": query},
    )
    return view


@transaction.atomic
def saved_view_delete(*, actor: Member, view_id) -> None:
    if not isinstance(actor, Member):
        raise Forbidden()
    deleted, _n = SavedView.objects.filter(member=actor.membership, pk=view_id).delete()
    if not deleted:
        raise NotFound()
