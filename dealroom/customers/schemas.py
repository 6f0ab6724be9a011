"""API shapes of customer data.

Record bodies and records are built from the field catalogue (fields.py), one model per object
type, so the docs list every standard field. They are plain pydantic models that let unknown
names through: the services validate values and name each bad field, and a record's JSON holds
only the fields its reader may see (hidden fields are absent, not null). Custom field values
travel under `custom`, keyed by the field's key."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, create_model

from dealroom.core.bounds import INT64_MAX, INT64_MIN, Int64

from .fields import standard_fields
from .models import CollaboratorLevel, ContactRole, FieldKind, LeadStatus, ObjectType

STRING_LIST = {"type": "array", "items": {"type": "string"}}
ID_OR_NULL = {"type": ["integer", "null"], "minimum": INT64_MIN, "maximum": INT64_MAX}
REF = {
    "anyOf": [
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        {"type": "null"},
    ]
}


def _json_type(kind: str, choices, *, writing: bool) -> dict:
    """The documented JSON of a field. Read, any field may be empty: null, or "" for a text
    or a choice nobody made."""
    schema = _value_type(kind, choices, writing=writing)
    if writing or kind in ("account", "reason"):
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _value_type(kind: str, choices, *, writing: bool) -> dict:
    if kind in ("tags", "phones", "emails"):
        return STRING_LIST
    if kind in ("account", "reason"):
        # an id; the services look it up, so one beyond 64 bits is "choose one you can see"
        return ID_OR_NULL if writing else REF
    if kind == "datetime":
        return {"type": "string", "format": "date-time"}
    if choices:
        return {"type": "string", "enum": ["", *(value for value, _label in choices)]}
    return {"type": "string"}


class Ref(BaseModel):
    id: int
    name: str


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    custom: dict[str, Any] = Field(default_factory=dict, description="Custom fields by key.")


class RecordCreateIn(RecordIn):
    owner: Int64 | None = Field(
        None,
        description="Membership id of the owner (managers and admins); for a lead, null "
        "puts it in the pool. Leave out to own it yourself.",
    )


class RecordPatchIn(RecordIn):
    version: Int64 = Field(description="The version you started from (409 if it moved on).")


class RecordOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    object_type: str
    version: int
    archived: bool
    owner: Ref | None = Field(None, description="Absent when the field is hidden from you.")
    custom: dict[str, Any] = Field(default_factory=dict)


def _record_model(object_type: str, base: type[BaseModel], suffix: str) -> type[BaseModel]:
    """`base` plus every standard field of the object (optional, values checked by services)."""
    writing = base is not RecordOut
    fields: dict[str, Any] = {
        f.name: (
            Any,
            Field(None, json_schema_extra=_json_type(f.kind, f.choices, writing=writing)),
        )
        for f in standard_fields(object_type)
        if (f.editable or not writing) and f.name != "owner"
    }
    name = f"{object_type.title()}{suffix}"
    return create_model(name, __base__=base, __module__=__name__, **fields)


RECORD_CREATE = {t: _record_model(t, RecordCreateIn, "In") for t in ObjectType.values}
RECORD_PATCH = {t: _record_model(t, RecordPatchIn, "Patch") for t in ObjectType.values}
RECORD_OUT = {t: _record_model(t, RecordOut, "Out") for t in ObjectType.values}


class RecordPage(BaseModel):
    items: list[RecordOut]
    total: int = Field(description="Matching records, counted up to 1000.")
    total_exact: bool = Field(description="False when there are more than `total`.")
    page: int
    per_page: int
    errors: list[str] = Field(
        default_factory=list, description="Filters that were dropped, and why."
    )


RECORD_PAGE = {
    t: create_model(
        f"{t.title()}Page",
        __base__=RecordPage,
        __module__=__name__,
        items=(list[out], ...),  # type: ignore[valid-type]
    )
    for t, out in RECORD_OUT.items()
}


class SearchOut(BaseModel):
    q: str
    accounts: list[RecordOut]
    contacts: list[RecordOut]
    leads: list[RecordOut]


class OwnerIn(Schema):
    owner_id: Int64


class CollaboratorIn(Schema):
    level: CollaboratorLevel


class CollaboratorOut(Schema):
    member_id: int
    name: str = Field(alias="member.user.full_name")
    level: str
    created_at: datetime


class ContactLinkIn(Schema):
    role: ContactRole


class ContactLinkOut(BaseModel):
    role: str
    contact: RecordOut


class LeadStatusIn(Schema):
    status: LeadStatus
    version: Int64


class DisqualifyIn(Schema):
    reason_id: Int64
    note: str = ""


class ConvertIn(Schema):
    account_id: Int64 | None = Field(None, description="Convert into this account.")
    contact_id: Int64 | None = Field(None, description="Convert into this contact.")
    account: dict[str, Any] | None = Field(
        None, description="Fields of the new account (default: taken from the lead)."
    )
    contact: dict[str, Any] | None = Field(
        None, description="Fields of the new contact (default: taken from the lead)."
    )
    role: ContactRole | None = None


class ConvertOut(BaseModel):
    lead: RecordOut
    account: RecordOut
    contact: RecordOut


class CustomFieldIn(Schema):
    object_type: ObjectType
    label: str
    kind: FieldKind
    options: list[str] = []
    required: bool = False
    in_list: bool = True
    key: str = ""


class CustomFieldUpdate(Schema):
    label: str
    options: list[str] = []
    required: bool = False
    in_list: bool = True
    active: bool = True


class CustomFieldOut(Schema):
    id: int
    object_type: str
    key: str
    label: str
    kind: str
    options: list[str]
    required: bool
    in_list: bool
    position: int
    is_active: bool
