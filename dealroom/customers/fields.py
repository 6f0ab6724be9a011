"""The field catalogue of accounts, contacts and leads: standard fields and the workspace's
custom fields, described once and used by forms, lists, filters, detail pages, the API,
export and the timeline. `fields_for(actor, ...)` leaves out what the actor may not see."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dealroom.core import formatting
from dealroom.core.actors import Actor
from dealroom.workspaces import config

from .models import (
    AccountKind,
    AccountSize,
    ContactRole,
    CustomField,
    FieldKind,
    LeadSource,
    LeadStatus,
    ObjectType,
)
from .visibility import account_visible, field_rules


@dataclass(frozen=True)
class Field:
    name: str  # attribute name, or "custom.<key>"
    label: Any  # a str or a lazy translation
    kind: str  # text | longtext | choice | tags | phones | emails | url | owner | account
    #            | reason | datetime | number | money | date | multi_choice | user | status
    choices: tuple[tuple[str, str], ...] = ()
    editable: bool = True  # offered in create/edit forms
    column: bool = False  # a default list column
    sortable: bool = False
    filterable: bool = True
    required: bool = False
    custom: CustomField | None = None

    @property
    def is_custom(self) -> bool:
        return self.custom is not None

    def display(self, value) -> str:
        """A value as people read it (choices by their label, lists joined)."""
        if value in (None, "", []):
            return ""
        if self.choices:
            labels = dict(self.choices)
            if isinstance(value, list):
                return ", ".join(str(labels.get(v, v)) for v in value)
            return str(labels.get(value, value))
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if self.kind == "money":
            return formatting.number(value, 2)
        if self.kind in ("date", "datetime"):
            value = _as_date(value)
            if isinstance(value, datetime.date):
                return formatting.when(value)
        return str(value)


def _as_date(value):
    """Custom date fields and change events keep a date as ISO text."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return value


def _choices(enum) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), str(label)) for v, label in enum.choices)


OWNER = Field("owner", _("owner"), "owner", editable=False, column=True, sortable=False)
CREATED = Field("created_at", _("created"), "datetime", editable=False, sortable=True)
UPDATED = Field("updated_at", _("updated"), "datetime", editable=False, column=True, sortable=True)


# Other apps' records (opportunities) describe their standard fields here at start-up.
REGISTERED: dict[str, Callable[[], list[Field]]] = {}


def standard_fields(object_type: str) -> list[Field]:
    if object_type in REGISTERED:
        return REGISTERED[object_type]()
    if object_type == ObjectType.ACCOUNT:
        return [
            Field(
                "name",
                pgettext_lazy("customer", "name"),
                "text",
                column=True,
                sortable=True,
                required=True,
            ),
            Field("kind", _("kind"), "choice", _choices(AccountKind), column=True),
            Field("legal_name", _("legal name"), "text"),
            Field("industry", _("industry"), "text", column=True, sortable=True),
            Field("region", _("region"), "text", column=True, sortable=True),
            Field("product", _("product line"), "text"),
            Field("size", _("size"), "choice", _choices(AccountSize)),
            Field("website", _("website"), "url"),
            Field("tags", _("tags"), "tags"),
            Field("credit_terms", _("credit terms"), "text"),
            Field("parent", _("parent account"), "account"),
            OWNER,
            CREATED,
            UPDATED,
        ]
    if object_type == ObjectType.CONTACT:
        return [
            Field("full_name", _("full name"), "text", column=True, sortable=True, required=True),
            Field("family_name", _("family name"), "text"),
            Field("given_name", _("given name"), "text"),
            Field("title", _("job title"), "text", column=True),
            Field("phones", _("phones"), "phones", column=True),
            Field("emails", _("e-mails"), "emails", column=True),
            Field("wechat_id", _("WeChat ID"), "text"),
            Field("qq", _("QQ"), "text"),
            Field("whatsapp", _("WhatsApp"), "text"),
            Field("linkedin", _("LinkedIn"), "text"),
            Field("notes", _("notes"), "longtext", filterable=False),
            OWNER,
            CREATED,
            UPDATED,
        ]
    return [
        Field("full_name", _("full name"), "text", column=True, sortable=True),
        Field("company_name", _("company"), "text", column=True, sortable=True),
        Field("title", _("job title"), "text"),
        Field("phone", _("phone"), "phone", column=True),
        Field("email", _("e-mail"), "email"),
        Field("wechat_id", _("WeChat ID"), "text"),
        Field("region", _("region"), "text", sortable=True),
        Field("industry", _("industry"), "text"),
        Field("product", _("product line"), "text"),
        Field("source", _("source"), "choice", _choices(LeadSource), column=True),
        Field("campaign", _("campaign"), "text"),
        Field("referred_by", _("referred by"), "account"),
        Field("status", _("status"), "choice", _choices(LeadStatus), editable=False, column=True),
        Field("disqualify_reason", _("disqualification reason"), "reason", editable=False),
        Field("notes", _("notes"), "longtext", filterable=False),
        Field("last_touched_at", _("last touched"), "datetime", editable=False, sortable=True),
        OWNER,
        CREATED,
        UPDATED,
    ]


CUSTOM_KINDS = {
    FieldKind.TEXT: "text",
    FieldKind.NUMBER: "number",
    FieldKind.MONEY: "money",
    FieldKind.DATE: "date",
    FieldKind.CHOICE: "choice",
    FieldKind.MULTI_CHOICE: "multi_choice",
    FieldKind.USER: "user",
}


def custom_field(cf: CustomField) -> Field:
    return Field(
        name=f"custom.{cf.key}",
        label=cf.label,
        kind=CUSTOM_KINDS[FieldKind(cf.kind)],
        choices=tuple((o, o) for o in cf.options),
        column=cf.in_list,
        sortable=cf.kind in (FieldKind.NUMBER, FieldKind.MONEY, FieldKind.DATE, FieldKind.TEXT),
        required=cf.required,
        custom=cf,
    )


def custom_fields(workspace_id: int, object_type: str, actor: Actor | None = None):
    """Active custom field definitions (one query per object type, memoised per actor and
    kept per configuration version: workspaces/config.py)."""
    cache = actor.memo.setdefault("custom fields", {}) if actor is not None else {}
    if object_type not in cache:

        def read() -> tuple[CustomField, ...]:
            return tuple(
                CustomField.objects.filter(
                    workspace_id=workspace_id, object_type=object_type, is_active=True
                )
            )

        if actor is not None and actor.workspace_id == workspace_id:
            cache[object_type] = config.shared(actor, ("custom fields", object_type), read)
        else:
            cache[object_type] = read()
    return cache[object_type]


def all_fields(workspace_id: int, object_type: str, actor: Actor | None = None) -> list[Field]:
    """Every field of the object, hidden ones included (for admins configuring permissions)."""
    return standard_fields(object_type) + [
        custom_field(cf) for cf in custom_fields(workspace_id, object_type, actor)
    ]


def fields_for(actor: Actor, object_type: str) -> tuple[Field, ...]:
    """The fields this actor may see, in display order. Kept in the actor's memo (a list's
    rows each ask: building the catalogue per row was a fifth of an API list of leads) while
    the rules and custom fields it was built from are the ones the actor holds."""
    rules = field_rules(actor, object_type)
    custom = custom_fields(actor.workspace_id, object_type, actor)
    key = (object_type, get_language())  # labels of choices are translated when built
    memo = actor.memo.setdefault("fields for", {})
    kept = memo.get(key)
    if kept is None or kept[0] is not rules or kept[1] is not custom:
        fields = all_fields(actor.workspace_id, object_type, actor)
        kept = memo[key] = (rules, custom, tuple(f for f in fields if rules.can_see(f.name)))
    return kept[2]


def field_map(actor: Actor, object_type: str) -> dict[str, Field]:
    return {f.name: f for f in fields_for(actor, object_type)}


def restrictable_fields(workspace_id: int, object_type: str) -> list[Field]:
    """Fields a permission can hide or lock (the owner is governed by ownership instead)."""
    return [f for f in all_fields(workspace_id, object_type) if f.name not in ("owner",)]


ROLE_CHOICES = _choices(ContactRole)


def value_of(record, field: Field, *, actor: Actor):
    """A field's value as `actor` may read it. A referenced account (parent, referred by)
    is named only to those who may see that account."""
    if field.is_custom:
        return record.custom.get(field.name.removeprefix("custom."))
    if field.kind == "owner":
        return record.owner.user.full_name if record.owner_id else ""
    if field.kind == "account":
        account_id = getattr(record, f"{field.name}_id")
        if account_id is None:
            return ""
        if not account_visible(actor, account_id):
            return gettext("(an account you cannot see)")
        return str(getattr(record, field.name))
    if field.kind == "reason":
        related = getattr(record, field.name)
        return str(related) if related is not None else ""
    return getattr(record, field.name)


def values_for(actor: Actor, object_type: str, record) -> list[tuple[Field, object]]:
    """(field, value) pairs of one record that the actor may see."""
    return [(f, value_of(record, f, actor=actor)) for f in fields_for(actor, object_type)]
