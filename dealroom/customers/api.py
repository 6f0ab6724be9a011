"""REST API for accounts, contacts and leads under /api/w/<slug>/.

Reads go through selectors (scoped to the actor), writes through services; a record leaves as
`record_out`, which holds only the fields the reader may see. The same endpoints are made for
each of the three objects (`_record_routes`; the writes in `record_write_routes`, which the
pipeline app uses for opportunities too); contacts on accounts, the lead pool, custom field
definitions and search follow."""

from collections.abc import Callable
from typing import Any, cast

from django.db.models import prefetch_related_objects
from ninja import Router, Status
from pydantic import BaseModel

from dealroom.core.actors import Actor
from dealroom.core.bounds import Int64
from dealroom.workspaces.api import actor_for

from . import schemas, search, selectors, services
from .fields import values_for
from .models import Account
from .schemas import (
    CollaboratorIn,
    CollaboratorOut,
    ContactLinkIn,
    ContactLinkOut,
    ConvertIn,
    ConvertOut,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldUpdate,
    DisqualifyIn,
    LeadStatusIn,
    OwnerIn,
    SearchOut,
)
from .visibility import field_rules

router = Router(tags=["customers"])

PLURAL = {"account": "accounts", "contact": "contacts", "lead": "leads"}
A_RECORD = {"account": "an account", "contact": "a contact", "lead": "a lead"}
REFS = ("owner", "account", "reason")  # field kinds that point at another row
LIST_PARAMS = [
    {"in": "query", "name": name, "required": False, "schema": schema, "description": text}
    for name, schema, text in [
        ("q", {"type": "string"}, "Search text (names, phones, e-mails, WeChat …)."),
        ("owner", {"type": "string"}, "`me`, `pool` (unowned leads) or a membership id."),
        ("archived", {"type": "string", "enum": ["1"]}, "`1` lists archived records instead."),
        ("sort", {"type": "string"}, "A sortable field name, `-` first for descending."),
        ("page", {"type": "integer", "minimum": 1, "maximum": selectors.MAX_PAGE}, "Page number."),
        ("per_page", {"type": "integer", "enum": list(selectors.PAGE_SIZES)}, "Page size."),
    ]
]
LIST_DOC = (
    "Filters and paging work as on the list pages: besides the parameters below, "
    "`f.<field>=value` filters on any field you can see (`f.custom.<key>` for custom fields), "
    "and `f.<field>__min` / `f.<field>__max` give a range for numbers and dates. Filters the "
    "list cannot apply are dropped and named in `errors`."
)


def record_out(actor: Actor, object_type: str, record) -> dict[str, Any]:
    """A record as the actor may see it: hidden fields are absent, not null. References
    (owner, parent account, …) come as {id, name}; custom values under `custom`."""
    out: dict[str, Any] = {
        "id": record.pk,
        "object_type": object_type,
        "version": record.version,
        "archived": record.is_archived,
        "custom": {},
    }
    for field, value in values_for(actor, object_type, record):
        if field.is_custom:
            out["custom"][field.name.removeprefix("custom.")] = value
        elif field.kind in REFS:
            related_id = getattr(record, f"{field.name}_id")
            out[field.name] = {"id": related_id, "name": value} if related_id else None
        else:
            out[field.name] = value
    return out


def _data(values: dict | None, *drop: str) -> dict[str, Any]:
    """A request body → {field name: value} for the services: `custom: {key: v}` becomes
    `custom.<key>`."""
    data = {k: v for k, v in (values or {}).items() if k not in drop}
    for key, value in (data.pop("custom", None) or {}).items():
        data[f"custom.{key}"] = value
    return data


def payload_data(payload: BaseModel, *drop: str) -> dict[str, Any]:
    """The fields a body sets (not those left out), in the form the record services take."""
    return _data(payload.model_dump(exclude_unset=True), *drop)


def _with_body(view, schema: type[BaseModel]):
    """Views made in a loop get their object type's body schema here: ninja reads the
    annotation of `payload` to parse and document the body."""
    view.__annotations__["payload"] = schema
    return view


def _operation(object_type: str, plural: str, a_record: str):
    one = {"tags": [plural], "exclude_unset": True}

    def op(verb: str, summary: str) -> dict[str, Any]:
        text = summary.format(one=a_record, many=plural)
        return {**one, "operation_id": f"{object_type}_{verb}", "summary": text}

    return op


def _record_routes(object_type: str) -> None:
    """List, create and get one of the customer objects; the rest is `record_write_routes`."""
    plural = PLURAL[object_type]
    base = f"/w/{{slug}}/{plural}"
    item = f"{base}/{{record_id}}"
    Out = schemas.RECORD_OUT[object_type]
    op = _operation(object_type, plural, A_RECORD[object_type])

    @router.get(
        base,
        response=schemas.RECORD_PAGE[object_type],
        description=LIST_DOC,
        openapi_extra={"parameters": LIST_PARAMS},
        **op("list", "List {many}"),
    )
    def record_list(request, slug: str):
        actor = actor_for(request, slug)
        query = selectors.ListQuery.parse(actor, object_type, request.GET)
        page = selectors.record_page(actor=actor, query=query)
        return {
            "items": [record_out(actor, object_type, r) for r in page.rows],
            "total": page.total,
            "total_exact": page.exact,
            "page": page.number,
            "per_page": page.per_page,
            "errors": query.errors,
        }

    def record_create(request, slug: str, payload: schemas.RecordCreateIn):
        actor = actor_for(request, slug)
        owner_id = None
        if "owner" in payload.model_fields_set:
            owner_id = "" if payload.owner is None else payload.owner
        record = services.record_create(
            actor=actor,
            object_type=object_type,
            data=payload_data(payload, "owner"),
            owner_id=owner_id,
        )
        return Status(201, record_out(actor, object_type, record))

    router.post(base, response={201: Out}, **op("create", "Create {one}"))(
        _with_body(record_create, schemas.RECORD_CREATE[object_type])
    )

    @router.get(item, response=Out, **op("get", "Get {one}"))
    def record_get(request, slug: str, record_id: Int64):
        actor = actor_for(request, slug)
        record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
        return record_out(actor, object_type, record)

    record_write_routes(
        router,
        object_type,
        plural=plural,
        a_record=A_RECORD[object_type],
        out_schema=Out,
        out=lambda actor, record: record_out(actor, object_type, record),
    )


def record_write_routes(
    router: Router,
    object_type: str,
    *,
    plural: str,
    a_record: str,
    out_schema: type[BaseModel],
    out: Callable[[Actor, Any], dict[str, Any]],
) -> None:
    """Change fields (with the version check), delete, archive and restore, owner and
    collaborators of one kind of record under /w/<slug>/<plural>/<id>: the same endpoints
    over the same record services for accounts, contacts, leads and, from the pipeline app,
    opportunities. `out(actor, record)` is the record as the actor may see it; `out_schema`
    documents it."""
    item = f"/w/{{slug}}/{plural}/{{record_id}}"
    Out = out_schema
    op = _operation(object_type, plural, a_record)

    def record_update(request, slug: str, record_id: Int64, payload: schemas.RecordPatchIn):
        actor = actor_for(request, slug)
        record = services.record_update(
            actor=actor,
            object_type=object_type,
            record_id=record_id,
            version=payload.version,
            data=payload_data(payload, "version"),
        )
        return out(actor, record)

    router.patch(item, response=Out, **op("update", "Change fields of {one}"))(
        _with_body(record_update, schemas.RECORD_PATCH[object_type])
    )

    @router.delete(item, response={204: None}, **op("delete", "Delete {one}"))
    def record_delete(request, slug: str, record_id: Int64):
        actor = actor_for(request, slug)
        services.record_delete(actor=actor, object_type=object_type, record_id=record_id)
        return Status(204, None)

    def archiver(archived: bool):
        def archive(request, slug: str, record_id: Int64):
            actor = actor_for(request, slug)
            record = services.record_archive(
                actor=actor, object_type=object_type, record_id=record_id, archived=archived
            )
            return out(actor, record)

        return archive

    router.post(f"{item}/archive", response=Out, **op("archive", "Archive {one}"))(archiver(True))
    router.post(f"{item}/restore", response=Out, **op("restore", "Restore {one} from the archive"))(
        archiver(False)
    )

    @router.put(f"{item}/owner", response=Out, **op("owner_change", "Give {one} to another owner"))
    def owner_change(request, slug: str, record_id: Int64, payload: OwnerIn):
        actor = actor_for(request, slug)
        record = services.record_owner_change(
            actor=actor, object_type=object_type, record_id=record_id, owner_id=payload.owner_id
        )
        return out(actor, record)

    def collaborators(actor: Actor, record_id: int):
        record = selectors.record_get(actor=actor, object_type=object_type, record_id=record_id)
        return selectors.collaborator_list(actor=actor, object_type=object_type, record=record)

    @router.get(
        f"{item}/collaborators",
        response=list[CollaboratorOut],
        **op("collaborator_list", "Members given access to {one}"),
    )
    def collaborator_list(request, slug: str, record_id: Int64):
        return collaborators(actor_for(request, slug), record_id)

    @router.put(
        f"{item}/collaborators/{{member_id}}",
        response=list[CollaboratorOut],
        **op("collaborator_set", "Give a member access to {one} (returns all collaborators)"),
    )
    def collaborator_set(
        request, slug: str, record_id: Int64, member_id: Int64, payload: CollaboratorIn
    ):
        actor = actor_for(request, slug)
        services.collaborator_set(
            actor=actor,
            object_type=object_type,
            record_id=record_id,
            member_id=member_id,
            level=payload.level.value,
        )
        return collaborators(actor, record_id)

    @router.delete(
        f"{item}/collaborators/{{member_id}}",
        response={204: None},
        **op("collaborator_remove", "Take a member's access to {one} away"),
    )
    def collaborator_remove(request, slug: str, record_id: Int64, member_id: Int64):
        services.collaborator_remove(
            actor=actor_for(request, slug),
            object_type=object_type,
            record_id=record_id,
            member_id=member_id,
        )
        return Status(204, None)


for _object_type in PLURAL:
    _record_routes(_object_type)


# -- contacts on accounts --------------------------------------------------------------------


def _link_out(actor: Actor, link) -> dict[str, Any]:
    return {"role": link.role, "contact": record_out(actor, "contact", link.contact)}


@router.get(
    "/w/{slug}/accounts/{record_id}/contacts", response=list[ContactLinkOut], tags=["accounts"]
)
def account_contact_list(request, slug: str, record_id: Int64):
    """The account's contacts that you can see, each with their role at the account."""
    actor = actor_for(request, slug)
    account = selectors.record_get(actor=actor, object_type="account", record_id=record_id)
    links = selectors.account_contacts(actor=actor, account=cast(Account, account))
    prefetch_related_objects([link.contact for link in links], *selectors.RELATED["contact"])
    return [_link_out(actor, link) for link in links]


@router.put(
    "/w/{slug}/accounts/{record_id}/contacts/{contact_id}",
    response=ContactLinkOut,
    tags=["accounts"],
)
def account_contact_link(
    request, slug: str, record_id: Int64, contact_id: Int64, payload: ContactLinkIn
):
    """Put a contact on the account with a role, or change their role there."""
    actor = actor_for(request, slug)
    link = services.account_contact_link(
        actor=actor, account_id=record_id, contact_id=contact_id, role=payload.role.value
    )
    return _link_out(actor, link)


@router.delete(
    "/w/{slug}/accounts/{record_id}/contacts/{contact_id}", response={204: None}, tags=["accounts"]
)
def account_contact_unlink(request, slug: str, record_id: Int64, contact_id: Int64):
    services.account_contact_unlink(
        actor=actor_for(request, slug), account_id=record_id, contact_id=contact_id
    )
    return Status(204, None)


# -- leads -----------------------------------------------------------------------------------

LEAD = "/w/{slug}/leads/{record_id}"
LEAD_OP: dict[str, Any] = {
    "response": schemas.RECORD_OUT["lead"],
    "tags": ["leads"],
    "exclude_unset": True,
}


@router.post(f"{LEAD}/claim", **LEAD_OP)
def lead_claim(request, slug: str, record_id: Int64):
    """Take an unowned lead from the pool (within the workspace's limit)."""
    actor = actor_for(request, slug)
    return record_out(actor, "lead", services.lead_claim(actor=actor, lead_id=record_id))


@router.post(f"{LEAD}/release", **LEAD_OP)
def lead_release(request, slug: str, record_id: Int64):
    """Give the lead back to the pool."""
    actor = actor_for(request, slug)
    return record_out(actor, "lead", services.lead_release(actor=actor, lead_id=record_id))


@router.post(f"{LEAD}/status", **LEAD_OP)
def lead_status(request, slug: str, record_id: Int64, payload: LeadStatusIn):
    """Move an open lead between new, working and qualified."""
    actor = actor_for(request, slug)
    lead = services.lead_status_set(
        actor=actor, lead_id=record_id, status=payload.status.value, version=payload.version
    )
    return record_out(actor, "lead", lead)


@router.post(f"{LEAD}/disqualify", **LEAD_OP)
def lead_disqualify(request, slug: str, record_id: Int64, payload: DisqualifyIn):
    actor = actor_for(request, slug)
    lead = services.lead_disqualify(
        actor=actor, lead_id=record_id, reason_id=payload.reason_id, note=payload.note
    )
    return record_out(actor, "lead", lead)


@router.post(f"{LEAD}/convert", response=ConvertOut, tags=["leads"], exclude_unset=True)
def lead_convert(request, slug: str, record_id: Int64, payload: ConvertIn):
    """Turn a qualified lead into an account and a contact, new (from the lead's fields, or
    the `account` and `contact` objects given) or existing (`account_id`, `contact_id`)."""
    actor = actor_for(request, slug)
    lead, account, contact = services.lead_convert(
        actor=actor,
        lead_id=record_id,
        account_id=payload.account_id,
        contact_id=payload.contact_id,
        account_data=_data(payload.account) or None,
        contact_data=_data(payload.contact) or None,
        role=payload.role.value if payload.role else "",
    )
    return {
        "lead": record_out(actor, "lead", lead),
        "account": record_out(actor, "account", account),
        "contact": record_out(actor, "contact", contact),
    }


# -- custom field definitions ----------------------------------------------------------------


@router.get("/w/{slug}/custom-fields", response=list[CustomFieldOut])
def custom_field_list(request, slug: str, object_type: str = ""):
    """Definitions of custom fields (of one object type if given), except those hidden from
    your role."""
    actor = actor_for(request, slug)
    fields = selectors.custom_field_list(actor=actor, object_type=object_type or None)
    return [cf for cf in fields if field_rules(actor, cf.object_type).can_see(f"custom.{cf.key}")]


@router.post("/w/{slug}/custom-fields", response={201: CustomFieldOut})
def custom_field_create(request, slug: str, payload: CustomFieldIn):
    """Admins only. The key is made from the label unless given; it never changes."""
    cf = services.custom_field_create(
        actor=actor_for(request, slug),
        object_type=payload.object_type.value,
        label=payload.label,
        kind=payload.kind.value,
        options=payload.options,
        required=payload.required,
        in_list=payload.in_list,
        key=payload.key,
    )
    return Status(201, cf)


@router.put("/w/{slug}/custom-fields/{field_id}", response=CustomFieldOut)
def custom_field_update(request, slug: str, field_id: Int64, payload: CustomFieldUpdate):
    """Admins only. The type and key of a field never change."""
    return services.custom_field_update(
        actor=actor_for(request, slug), field_id=field_id, **payload.dict()
    )


# -- search ----------------------------------------------------------------------------------


@router.get("/w/{slug}/search", response=SearchOut, exclude_unset=True)
def customer_search(request, slug: str, q: str = "", limit: Int64 = 8):
    """Accounts, contacts and leads matching `q` (at most `limit` of each, up to 25)."""
    actor = actor_for(request, slug)
    q = q.strip()[:100]
    found = search.search(actor=actor, query=q, limit=max(1, min(limit, 25)))
    out: dict[str, Any] = {"q": q}
    for object_type, plural in PLURAL.items():
        rows = found.get(object_type, [])
        prefetch_related_objects(rows, *selectors.RELATED[object_type])
        out[plural] = [record_out(actor, object_type, r) for r in rows]
    return out
