"""The one place that decides who sees which customer record and which of its fields.

A member sees a record when they are an admin, when the workspace lets everyone see all
customers, or when they own it, manage its owner (team tree), collaborate on it, or work a
territory it falls in. Contacts are also seen through any visible account they belong to;
unowned leads (the pool) are seen by every member. Field permissions hide fields or make
them read-only per role; pages, forms, API, search, export and the timeline all ask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL

from dealroom.core.actors import Actor, Member, System
from dealroom.workspaces import config

from .lookups import InArray
from .models import (
    Account,
    AccountContact,
    Collaborator,
    CollaboratorLevel,
    Contact,
    CustomerSettings,
    FieldAccess,
    FieldPermission,
    Lead,
    ObjectType,
)

MODELS: dict[str, Any] = {
    ObjectType.ACCOUNT: Account,
    ObjectType.CONTACT: Contact,
    ObjectType.LEAD: Lead,
}
TERRITORY_FIELDS = {ObjectType.ACCOUNT: True, ObjectType.LEAD: True, ObjectType.CONTACT: False}
# Apps whose records share the record services (the pipeline's opportunities) register the
# model and who else may edit it (a deal team) at start-up: explicit, not signals.
EXTRA_EDITORS: dict[str, Callable[[Member, Any], bool]] = {}
# What a list row or detail page reads along (select_related), and a list's first order; the
# selectors read these (kept here, with the other registries, so no cycle runs back).
RELATED: dict[str, list[str]] = {
    "account": ["owner__user", "parent"],
    "contact": ["owner__user"],
    "lead": ["owner__user", "referred_by", "disqualify_reason"],
}
DEFAULT_SORT: dict[str, str] = {"account": "name", "contact": "full_name", "lead": "-updated_at"}


def register(
    object_type: str,
    model,
    *,
    extra_editors: Callable[[Member, Any], bool],
    related: list[str],
    default_sort: str,
) -> None:
    """Let another app's record use the record services, pages, field catalogue and
    permissions. Its queryset's `visible_to` decides who sees it; `related` is what a list
    row or detail page reads along (select_related), `default_sort` a list's first order."""
    MODELS[object_type] = model
    EXTRA_EDITORS[object_type] = extra_editors
    RELATED[object_type] = related
    DEFAULT_SORT[object_type] = default_sort


_CACHE = "customers"


def _cache(actor: Member) -> dict:
    """What this actor's customer scope is, kept in the actor's memo (core/actors.py): an
    actor lives for one request, one socket message or one job."""
    return actor.memo.setdefault(_CACHE, {})


def settings_for(workspace_id: int) -> CustomerSettings:
    return CustomerSettings.objects.filter(workspace_id=workspace_id).first() or CustomerSettings(
        workspace_id=workspace_id
    )


@dataclass(frozen=True)
class Scope:
    sees_all: bool
    owner_ids: frozenset[int]  # memberships whose records the actor sees: self + managed
    territories: tuple[tuple[str, tuple[str, ...]], ...]  # (field, values)


def scope_for(actor: Member) -> Scope:
    cache = _cache(actor)
    if "scope" not in cache:
        # Settings, team tree and territories: kept per configuration version (config.py).
        key = ("customer scope", actor.membership.pk, actor.role)
        cache["scope"] = config.shared(actor, key, lambda: _scope(actor))
    return cache["scope"]


def _scope(actor: Member) -> Scope:
    from dealroom.workspaces.models import Territory

    sees_all = actor.is_admin or settings_for(actor.workspace_id).reps_see_all
    owner_ids: frozenset[int] = frozenset()
    territories: dict[str, set[str]] = {}
    if not sees_all:
        owner_ids = owner_ids_for(actor)
        for kind, values in Territory.objects.filter(
            workspace_id=actor.workspace_id, members=actor.membership
        ).values_list("kind", "values"):
            territories.setdefault(kind, set()).update(v for v in values if v)
    return Scope(
        sees_all=sees_all,
        owner_ids=owner_ids,
        territories=tuple((k, tuple(sorted(v))) for k, v in sorted(territories.items())),
    )


def collaborating(actor: Member, object_type: str, levels: Iterable[str] | None = None):
    """Ids (a subquery) of records the actor collaborates on."""
    qs = Collaborator.objects.filter(member_id=actor.membership.pk, object_type=object_type)
    if levels is not None:
        qs = qs.filter(level__in=list(levels))
    return qs.values("object_id")


def record_q(actor: Member, object_type: str, *, listing: bool = False) -> Q:
    """The filter for records of `object_type` the actor sees (when not seeing all).

    `listing` asks for the shape that suits many rows (a list page walking its sort index, a
    search's thousands of candidates) rather than a few given ones; it differs for contacts
    (see `_contact_listing_q`) and, on SQLite, for accounts."""
    scope = scope_for(actor)
    if listing and object_type == ObjectType.CONTACT:
        return _contact_listing_q(actor, scope)
    if listing and object_type == ObjectType.ACCOUNT and connection.vendor != "postgresql":
        # Without statistics SQLite answers the OR below by walking the sort index and
        # reading every account's row: a rep's capped count read 24k of 50k accounts to find
        # 1,000. As a set of index lookups it reads the rep's own few thousand.
        return Q(pk__in=_id_set(actor, "accounts", lambda: _visible_account_ids(actor, scope)))
    q = Q(owner_id__in=scope.owner_ids) | Q(pk__in=collaborating(actor, object_type))
    if TERRITORY_FIELDS[ObjectType(object_type)]:
        for field, values in scope.territories:
            q |= Q(**{f"{field}__in": values})
    if object_type == ObjectType.CONTACT:
        q |= Q(
            Exists(
                AccountContact.objects.filter(contact_id=OuterRef("pk")).filter(
                    _via_account(scope, actor)
                )
            )
        )
    if object_type == ObjectType.LEAD:
        q |= Q(owner__isnull=True)
    return q


def _contact_listing_q(actor: Member, scope: Scope) -> Q:
    """The contacts the actor sees as a UNION of small indexed sets: owned, collaborated on,
    linked to a visible account. A list page walks its sort index and probes this set, and
    its capped count stops after 1,000. The EXISTS form of `record_q` would test every row it
    walks against the links, ~10× slower for a rep's list; it stays the shape for a few given
    rows (a detail page, search hits), where building the whole set would be the waste.
    The two databases want the set written differently (benchmarks/customers.py)."""

    def shared_or_linked():
        shared = collaborating(actor, ObjectType.CONTACT)
        return shared.union(*_linked_contact_ids(actor, scope))

    if connection.vendor == "postgresql":
        # Owned contacts by their column, the rest as one set: the OR keeps PostgreSQL from
        # turning the set into a join it misjudges, so it walks the sort index and probes the
        # (hashed) set. SQLite is 1.6-2.6× slower this way.
        ids = _id_set(actor, "contacts", shared_or_linked)
        return Q(owner_id__in=scope.owner_ids) | Q(pk__in=ids)

    def all_ids():
        owned = Contact.objects.filter(
            workspace_id=actor.workspace_id, owner_id__in=scope.owner_ids
        )
        shared = collaborating(actor, ObjectType.CONTACT)
        return owned.values("pk").union(shared, *_linked_contact_ids(actor, scope))

    return Q(pk__in=_id_set(actor, "contacts", all_ids))


def _id_set(actor: Member, name: str, build: Callable[[], Any]) -> RawSQL:
    """A listing's set of ids (`build()`, a UNION of querysets) as SQL compiled once per
    configuration version (workspaces/config.py): its text and parameters depend only on the
    actor's scope, and building and compiling it through the ORM on every request cost
    more than running it. The same SQL as the querysets', so the same plans."""
    key = ("listing ids", name, actor.membership.pk, actor.role)
    sql, params = config.shared(actor, key, lambda: build().query.sql_with_params())
    return RawSQL(sql, params)  # noqa: S611  (Django's own compilation, values as parameters)


def _linked_contact_ids(actor: Member, scope: Scope) -> list:
    """Contacts on a visible account, as sets of ids: on accounts the actor's team owns (one
    index range over the links' copy of the account owner), and on accounts seen through a
    collaboration or territory. `InArray` has PostgreSQL read those few accounts' links from
    the index rather than hash all of them (a seq scan costs less than the probes in its
    model; 30 → 10 ms)."""
    owned = AccountContact.objects.filter(account_owner_id__in=scope.owner_ids)
    first, *rest = _accounts_beyond_owner(actor, scope)
    via = AccountContact.objects.filter(InArray(F("account_id"), first.union(*rest)))
    return [owned.values("contact_id"), via.values("contact_id")]


def _accounts_beyond_owner(actor: Member, scope: Scope) -> list:
    """Sets of ids of the accounts the actor sees other than by owner: collaborations, each
    territory rule."""
    accounts = Account.objects.filter(workspace_id=actor.workspace_id)
    parts = [collaborating(actor, ObjectType.ACCOUNT)]
    for field, values in scope.territories:
        parts.append(accounts.filter(**{f"{field}__in": values}).values("pk"))
    return parts


def _visible_account_ids(actor: Member, scope: Scope):
    """The accounts the actor sees, as a UNION of index lookups (owner, collaborations, each
    territory rule): a rep's few thousand accounts without reading the other 50k."""
    owned = Account.objects.filter(workspace_id=actor.workspace_id, owner_id__in=scope.owner_ids)
    return owned.values("pk").union(*_accounts_beyond_owner(actor, scope))


def _via_account(scope: Scope, actor: Member) -> Q:
    """The account rules above, seen from an AccountContact row. Written as a correlated
    EXISTS on the link rather than "id IN (visible accounts)": both databases then probe a
    few links per contact instead of hashing every link (benchmarks/customers.py). The
    owner is the link's copy, so most contacts are decided without reading the account."""
    via = Q(account_owner_id__in=scope.owner_ids) | Q(
        account_id__in=collaborating(actor, ObjectType.ACCOUNT)
    )
    for field, values in scope.territories:
        via |= Q(**{f"account__{field}__in": values})
    return via


def account_visible(actor: Actor, account_id: int) -> bool:
    """Whether the actor may see one account (memoised: a page names the same few)."""
    if isinstance(actor, System):
        return True
    if not isinstance(actor, Member):
        return False
    if scope_for(actor).sees_all:
        return True
    seen = _cache(actor).setdefault("accounts", {})
    if account_id not in seen:
        seen[account_id] = Account.objects.visible_to(actor).filter(pk=account_id).exists()
    return seen[account_id]


def accounts_visible(actor: Actor, account_ids) -> set[int]:
    """Which of these accounts the actor may see, in one query for those not asked before
    (a list or board names one account per row)."""
    ids = {i for i in account_ids if i is not None}
    if isinstance(actor, System) or (isinstance(actor, Member) and scope_for(actor).sees_all):
        return ids
    if not isinstance(actor, Member):
        return set()
    seen = _cache(actor).setdefault("accounts", {})
    unknown = ids - seen.keys()
    if unknown:
        found = set(
            Account.objects.visible_to(actor).filter(pk__in=unknown).values_list("pk", flat=True)
        )
        seen.update({i: i in found for i in unknown})
    return {i for i in ids if seen[i]}


def can_edit(actor: Actor, record) -> bool:
    """Edit a record: admins; the owner and managers above them; edit collaborators."""
    if isinstance(actor, System):
        return True
    if not isinstance(actor, Member) or not actor.can_write:
        return False
    if record.workspace_id != actor.workspace_id:
        return False
    if actor.is_admin:
        return True
    if record.owner_id is not None and record.owner_id in owner_ids_for(actor):
        return True
    object_type = object_type_of(record)
    extra = EXTRA_EDITORS.get(object_type)
    if extra is not None and extra(actor, record):
        return True
    return Collaborator.objects.filter(
        member_id=actor.membership.pk,
        object_type=object_type,
        object_id=record.pk,
        level=CollaboratorLevel.EDIT,
    ).exists()


def owner_ids_for(actor: Member) -> frozenset[int]:
    """The actor and every member below them in the team tree (memoised per actor)."""
    cache = _cache(actor)
    if "owner_ids" not in cache:
        from dealroom.workspaces.selectors import managed_member_ids

        cache["owner_ids"] = config.shared(
            actor,
            ("owner ids", actor.membership.pk),
            lambda: frozenset(managed_member_ids(actor=actor)),
        )
    return cache["owner_ids"]


def can_manage(actor: Actor, record) -> bool:
    """Change owner and collaborators: admins, the owner and managers above the owner."""
    if isinstance(actor, System):
        return True
    if not isinstance(actor, Member) or not actor.can_write:
        return False
    if record.workspace_id != actor.workspace_id:
        return False
    return actor.is_admin or (
        record.owner_id is not None and record.owner_id in owner_ids_for(actor)
    )


def object_type_of(record) -> str:
    for object_type, model in MODELS.items():
        if isinstance(record, model):
            return str(object_type)
    raise TypeError(record)


# -- field permissions -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRules:
    hidden: frozenset[str] = frozenset()
    readonly: frozenset[str] = frozenset()

    def can_see(self, field: str) -> bool:
        return field not in self.hidden

    def can_edit(self, field: str) -> bool:
        return field not in self.hidden and field not in self.readonly


NO_RULES = FieldRules()


def field_rules(actor: Actor, object_type: str) -> FieldRules:
    """What the actor's role may not see or change on `object_type` (one query per actor)."""
    if isinstance(actor, System):
        return NO_RULES
    if not isinstance(actor, Member):
        return FieldRules(hidden=frozenset({"*"}))
    if actor.is_admin:
        return NO_RULES
    cache = _cache(actor)
    if "fields" not in cache:
        key = ("field rules", actor.role)
        cache["fields"] = config.shared(actor, key, lambda: _role_rules(actor))
    return cache["fields"].get(object_type, NO_RULES)


def _role_rules(actor: Member) -> dict[str, FieldRules]:
    rules: dict[str, dict[str, set[str]]] = {}
    for obj, field, access in FieldPermission.objects.filter(
        workspace_id=actor.workspace_id, role=actor.role
    ).values_list("object_type", "field", "access"):
        kind = "hidden" if access == FieldAccess.HIDDEN else "readonly"
        rules.setdefault(obj, {"hidden": set(), "readonly": set()})[kind].add(field)
    return {
        obj: FieldRules(hidden=frozenset(r["hidden"]), readonly=frozenset(r["readonly"]))
        for obj, r in rules.items()
    }


def forget(actor: Actor) -> None:
    """Drop the memo (after the actor's own settings or permissions changed)."""
    if isinstance(actor, Member):
        actor.memo.pop(_CACHE, None)


# -- the activity app asks these about events on customer records ----------------------------


def _without_unseen_accounts(actor: Actor, change: dict) -> dict:
    """A changed account reference keeps its name only for those who may see the account."""
    if "old_id" not in change:
        return change
    change = dict(change)
    for side in ("old", "new"):
        account_id = change.get(f"{side}_id")
        if account_id and not account_visible(actor, account_id):
            change[side] = "—"
    return change


def visible_ids_for(object_type: str):
    model = MODELS[ObjectType(object_type)]

    def visible_ids(actor: Actor):
        if isinstance(actor, Member) and scope_for(actor).sees_all:
            return None  # every record of the workspace: no filter needed
        return model.objects.visible_to(actor).values("pk")

    return visible_ids


def redactor_for(object_type: str):
    def redact(actor: Actor, data: dict) -> dict:
        """Take hidden fields out of an event's data (changes and field snapshots)."""
        rules = field_rules(actor, object_type)
        changes = data.get("changes", [])
        refers = any("old_id" in c for c in changes)
        if not rules.hidden and not refers:
            return data
        data = dict(data)
        if changes:
            data["changes"] = [
                _without_unseen_accounts(actor, c)
                for c in changes
                if rules.can_see(c.get("field", ""))
            ]
        for field in list(data.get("fields", {})):
            if not rules.can_see(field):
                data["fields"] = {k: v for k, v in data["fields"].items() if k != field}
        return data

    return redact
