"""Scoped reads of customer data. Every query starts at `visible_to(actor)`; filters and
sorting only ever touch fields the actor may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from dealroom.activity.selectors import event_list_for_target, timeline_grouped
from dealroom.core.actors import Actor, Member
from dealroom.core.bounds import MAX_OFFSET, query_int
from dealroom.core.errors import Invalid, NotFound
from dealroom.workspaces.models import Membership

from . import search
from .fields import Field, fields_for
from .models import (
    OPEN_LEAD_STATUSES,
    Account,
    AccountContact,
    Collaborator,
    Contact,
    CustomField,
    DisqualifyReason,
    FieldPermission,
    Lead,
    ObjectType,
    SavedView,
)
from .visibility import DEFAULT_SORT, MODELS, RELATED, settings_for

PAGE_SIZES = (25, 50, 100)
MAX_PAGE = MAX_OFFSET // PAGE_SIZES[-1]  # the rows before a page stay a 64-bit number


def record_get(*, actor: Actor, object_type: str, record_id) -> Any:
    model = MODELS.get(object_type)  # type: ignore[call-overload]
    if model is None:
        raise NotFound()
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    record = (
        model.objects.visible_to(actor)
        .select_related(*RELATED[object_type])
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound()
    return record


# -- lists -----------------------------------------------------------------------------------


@dataclass
class ListQuery:
    """A list page's filters, sort and page, parsed from the query string against the
    fields the actor may see. Filters on anything else are dropped, and said so."""

    object_type: str
    q: str = ""
    owner: str = ""  # "", "me", "pool", or a membership id
    archived: bool = False
    filters: dict[str, str] = field(default_factory=dict)  # field name -> value
    sort: str = ""
    page: int = 1
    per_page: int = 25
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, actor: Actor, object_type: str, params) -> ListQuery:
        fields = {f.name: f for f in fields_for(actor, object_type)}
        query = cls(object_type=object_type)
        query.q = (params.get("q") or "").strip()[:100]
        query.owner = _owner((params.get("owner") or "").strip())
        query.archived = params.get("archived") == "1"
        for key, value in params.items():
            value = (value or "").strip() if isinstance(value, str) else value
            if not key.startswith("f.") or value in ("", None):
                continue
            name = key.removeprefix("f.")
            base = name.removesuffix("__min").removesuffix("__max")
            if base not in fields or not fields[base].filterable:
                query.errors.append(_("You cannot filter on “%(field)s”.") % {"field": base})
                continue
            query.filters[name] = str(value)[:200]
        sort = params.get("sort") or DEFAULT_SORT[object_type]
        if sort.lstrip("-") in fields and fields[sort.lstrip("-")].sortable:
            query.sort = sort
        else:
            query.sort = DEFAULT_SORT[object_type]
        page = query_int(params.get("page") or "1", minimum=1, maximum=MAX_PAGE)
        if page is None:
            message = _("Enter a whole number from %(min)d to %(max)d.")
            raise Invalid(fields={"page": message % {"min": 1, "max": MAX_PAGE}})
        query.page = page
        per_page = query_int(params.get("per_page") or "25")
        query.per_page = per_page if per_page in PAGE_SIZES else 25
        return query


def _owner(owner: str) -> str:
    """The owner filter: "", "me", "pool" or a membership id in ASCII digits (the database
    takes no other digits, nor a number beyond 64 bits)."""
    if owner in ("", "me", "pool") or query_int(owner, minimum=1) is not None:
        return owner
    raise Invalid(fields={"owner": _("Choose a member of this workspace.")})


def _is_text_column(model, f: Field) -> bool:
    if f.is_custom:
        return False
    try:
        column = model._meta.get_field(f.name)
    except FieldDoesNotExist:
        return False
    return isinstance(column, models.CharField | models.TextField)


def _filter_q(f: Field, name: str, value: str, *, text_column: bool = False) -> Q | None:
    """One filter → a Q, or None when the value does not fit the field."""
    path = name.removesuffix("__min").removesuffix("__max")
    column = path.replace("custom.", "custom__", 1)
    bound = "gte" if name.endswith("__min") else "lte" if name.endswith("__max") else ""
    if f.kind in ("number", "money"):
        try:
            number = float(value)
        except ValueError:
            return None
        return Q(**{f"{column}__{bound or 'exact'}": number})
    if f.kind in ("date", "datetime"):
        return Q(
            **{f"{column}__{'date__' if f.kind == 'datetime' else ''}{bound or 'exact'}": value}
        )
    if f.kind in ("choice", "user", "reason", "owner"):
        return Q(**{column: value})
    if f.kind == "account":
        return Q(**{f"{column}__name__icontains": value})
    # text, lists (phones, e-mails, tags, multiple choice): a substring of the stored text;
    # a text column's own statistics then estimate the filter (lookups.TextIContains)
    return Q(**{f"{column}__{'text_icontains' if text_column else 'icontains'}": value})


def record_list(*, actor: Actor, query: ListQuery):
    """The filtered, sorted queryset (not yet paged)."""
    object_type = query.object_type
    model = MODELS[ObjectType(object_type)]
    qs = model.objects.visible_to(actor, listing=True).select_related(*RELATED[object_type])
    qs = qs.filter(archived_at__isnull=not query.archived)
    fields = {f.name: f for f in fields_for(actor, object_type)}
    if query.q:
        terms = search.query_terms(query.q)
        if terms:
            ids = search.matching_ids(actor=actor, object_type=object_type, terms=terms)
            qs = qs.filter(pk__in=ids)
    if query.owner == "me" and isinstance(actor, Member):
        qs = qs.filter(owner=actor.membership)
    elif query.owner == "pool":
        qs = qs.filter(owner__isnull=True)
    elif query.owner:
        qs = qs.filter(owner_id=int(query.owner))  # digits only (ListQuery.parse)
    for name, value in query.filters.items():
        f = fields[name.removesuffix("__min").removesuffix("__max")]
        q = _filter_q(f, name, value, text_column=_is_text_column(model, f))
        if q is None:
            query.errors.append(
                _("“%(value)s” does not fit “%(field)s”.") % {"value": value, "field": f.label}
            )
            continue
        qs = qs.filter(q)
    sort = query.sort.replace("custom.", "custom__", 1)
    return qs.order_by(sort, "-pk" if sort.startswith("-") else "pk")


@dataclass
class Page:
    """One page of a list. Totals are counted up to COUNT_CAP only: an exact count of a large
    filtered, visibility-scoped set costs more than the page itself (benchmarks/customers.py),
    and "more than 1,000" is what a person needs to know."""

    rows: list
    total: int
    exact: bool
    number: int
    per_page: int
    has_next: bool

    @property
    def pages(self) -> int | None:
        return max(1, -(-self.total // self.per_page)) if self.exact else None

    @property
    def has_previous(self) -> bool:
        return self.number > 1


COUNT_CAP = 1000


def record_page(*, actor: Actor, query: ListQuery) -> Page:
    qs = record_list(actor=actor, query=query)
    number = query.page
    start = (number - 1) * query.per_page
    rows = list(qs[start : start + query.per_page + 1])  # one more: is there a next page?
    if len(rows) <= query.per_page and (rows or start == 0):
        counted = start + len(rows)  # the last page: the rows tell the total, no count
    else:
        counted = qs.order_by()[: COUNT_CAP + 1].count()
        if counted <= COUNT_CAP and not rows:  # past the end: the last page instead
            number = max(1, -(-counted // query.per_page))
            start = (number - 1) * query.per_page
            rows = list(qs[start : start + query.per_page + 1])
    exact = counted <= COUNT_CAP
    has_next = len(rows) > query.per_page
    return Page(
        rows[: query.per_page],
        min(counted, COUNT_CAP),
        exact,
        number,
        query.per_page,
        has_next,
    )


def member_names(*, actor: Actor) -> dict[int, str]:
    """Membership id → name (member pickers, "member" custom fields). One query per actor:
    a page asks for it from several places."""
    if "member names" not in actor.memo:
        actor.memo["member names"] = dict(
            Membership.objects.visible_to(actor).values_list("pk", "user__full_name")
        )
    return actor.memo["member names"]


def saved_view_list(*, actor: Actor, object_type: str):
    if not isinstance(actor, Member):
        return SavedView.objects.none()
    return SavedView.objects.filter(member=actor.membership, object_type=object_type)


# -- detail ----------------------------------------------------------------------------------


def account_contacts(*, actor: Actor, account: Account):
    """The account's contacts with their role there (only contacts the actor sees)."""
    return list(
        AccountContact.objects.filter(
            account=account, contact__in=Contact.objects.visible_to(actor)
        )
        .select_related("contact")
        .order_by("contact__full_name")
    )


def contact_accounts(*, actor: Actor, contact: Contact):
    return list(
        AccountContact.objects.filter(
            contact=contact, account__in=Account.objects.visible_to(actor)
        )
        .select_related("account")
        .order_by("account__name")
    )


def account_children(*, actor: Actor, account: Account, limit: int = 50):
    return list(Account.objects.visible_to(actor).filter(parent=account).order_by("name")[:limit])


def account_leads(*, actor: Actor, account: Account, limit: int = 20):
    """Leads converted into or referred by the account."""
    return list(
        Lead.objects.visible_to(actor)
        .filter(Q(converted_account=account) | Q(referred_by=account))
        .order_by("-pk")[:limit]
    )


def collaborator_list(*, actor: Actor, object_type: str, record) -> list[Collaborator]:
    return list(
        Collaborator.objects.filter(
            workspace_id=actor.workspace_id, object_type=object_type, object_id=record.pk
        ).select_related("member__user")
    )


def timeline(*, actor: Actor, record, before: int | None = None, everything: bool = False):
    """The record's timeline; its deal rooms' events as a line per room and day unless
    `everything` is asked for."""
    read = event_list_for_target if everything else timeline_grouped
    return read(
        actor=actor, target_type=record._meta.label_lower, target_id=record.pk, before=before
    )


# -- the lead pool ---------------------------------------------------------------------------


def open_lead_count(*, actor: Member) -> int:
    return Lead.objects.filter(
        workspace_id=actor.workspace_id, owner=actor.membership, status__in=OPEN_LEAD_STATUSES
    ).count()


def claim_limit(*, actor: Actor) -> int:
    return settings_for(actor.workspace_id).lead_claim_limit


# -- configuration ---------------------------------------------------------------------------


def custom_field_list(*, actor: Actor, object_type: str | None = None, active_only=False):
    qs = CustomField.objects.visible_to(actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def custom_field_get(*, actor: Actor, field_id) -> CustomField:
    cf = CustomField.objects.visible_to(actor).filter(pk=field_id).first()
    if cf is None:
        raise NotFound()
    return cf


def field_permission_map(*, actor: Actor) -> dict[tuple[str, str, str], str]:
    """(object type, field, role) → access, for the admin's permission grid."""
    return {
        (p.object_type, p.field, p.role): p.access
        for p in FieldPermission.objects.visible_to(actor)
    }


def disqualify_reason_list(*, actor: Actor, active_only: bool = True):
    qs = DisqualifyReason.objects.visible_to(actor)
    return qs.filter(is_active=True) if active_only else qs


def account_choices(*, actor: Actor, query: str = "", limit: int = 20):
    """Accounts to pick from (parent, referral, conversion): visible, not archived."""
    qs = Account.objects.visible_to(actor).filter(archived_at__isnull=True)
    terms = search.query_terms(query) if query else []
    if terms:
        ids = search.matching_ids(actor=actor, object_type="account", terms=terms)
        qs = qs.filter(pk__in=ids)
    elif query:
        return []  # nothing searchable was typed (one Latin letter, punctuation)
    return list(qs.order_by("name")[:limit])
