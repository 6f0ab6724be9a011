"""Writes to accounts, contacts and leads that work the same for all three: create, update
(with a version check), archive, delete, owner, collaborators, notes, and contact roles on
accounts. Each service: check access → validate → write → activity.record → return."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.activity.models import ActivityEvent, Audience
from dealroom.activity.services import record as record_event
from dealroom.activity.targets import redact
from dealroom.core.actors import Actor, Member
from dealroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from dealroom.workspaces.models import Membership

from .. import search, visibility
from ..fields import all_fields
from ..models import (
    ROLES_BY_KIND,
    Account,
    AccountContact,
    AccountKind,
    Collaborator,
    CollaboratorLevel,
    Lead,
    ObjectType,
)
from .record_input import _changes, assign, clean_input, model_for

MAX_NOTE = 10_000


def record_get_for_write(*, actor: Actor, object_type: str, record_id) -> Any:
    """The record if the actor can see it (else 404, the same as "does not exist")."""
    record = model_for(object_type).objects.visible_to(actor).filter(pk=record_id).first()
    if record is None:
        raise NotFound()
    return record


def label_of(record) -> str:
    return str(record)


# -- who hears about changes -----------------------------------------------------------------


def _watchers(record, object_type: str) -> list[int]:
    """User ids of the owner and of members following the record."""
    member_ids = set(
        Collaborator.objects.filter(
            object_type=object_type, object_id=record.pk, level=CollaboratorLevel.FOLLOW
        ).values_list("member_id", flat=True)
    )
    if record.owner_id:
        member_ids.add(record.owner_id)
    return list(
        Membership.objects.filter(pk__in=member_ids, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _event(actor: Actor, object_type: str, verb: str, record, data: dict | None = None, **kw):
    return record_event(
        actor=actor,
        verb=f"{object_type}.{verb}",
        target=record,
        data={"name": label_of(record), **(data or {})},
        audience=kw.pop("audience", Audience.RECORD),
        notify=kw.pop("notify", _watchers(record, object_type)),
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


def _require_writer(actor: Actor) -> None:
    _require(not isinstance(actor, Member) or actor.can_write)


def _owner(actor: Actor, owner_id, field: str = "owner") -> Membership:
    try:
        member_id = int(owner_id)
    except (TypeError, ValueError):
        raise Invalid(fields={field: _("Choose a member of this workspace.")}) from None
    owner = (
        Membership.objects.select_related("user")
        .filter(pk=member_id, workspace_id=actor.workspace_id, is_active=True)
        .first()
    )
    if owner is None:
        raise Invalid(fields={field: _("Choose a member of this workspace.")})
    return owner


# -- create, update, archive, delete ---------------------------------------------------------


@transaction.atomic
def record_create(*, actor: Actor, object_type: str, data: dict, owner_id=None, extra=None):
    """Create an account, contact or lead. The creator owns it unless an owner is given
    (only admins and managers may give it to someone else; leads may go to the pool)."""
    _require_writer(actor)
    model = model_for(object_type)
    values = clean_input(actor=actor, object_type=object_type, data=data)
    record = model(workspace_id=actor.workspace_id)
    assign(record, values)
    for name, value in (extra or {}).items():
        setattr(record, name, value)
    record.owner = _initial_owner(actor, object_type, owner_id)
    if isinstance(record, Lead):
        record.last_touched_at = timezone.now()
    record.save()
    search.index(record)
    _event(actor, object_type, "created", record)
    return record


def _initial_owner(actor: Actor, object_type: str, owner_id) -> Membership | None:
    if owner_id == "" and object_type == ObjectType.LEAD:
        return None  # straight into the pool
    if owner_id not in (None, ""):
        owner = _owner(actor, owner_id)
        mine = isinstance(actor, Member) and owner.pk == actor.membership.pk
        _require(mine or not isinstance(actor, Member) or actor.is_manager)
        return owner
    if isinstance(actor, Member):
        return actor.membership
    if object_type == ObjectType.LEAD:
        return None
    raise Invalid(fields={"owner": _("Choose a member of this workspace.")})


@transaction.atomic
def record_update(*, actor: Actor, object_type: str, record_id, version, data: dict):
    """Change fields of a record the actor may edit. `version` is the version the editor
    started from; if someone saved in between, nothing is written and the conflict says
    what they changed."""
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require(visibility.can_edit(actor, record))
    version = _version(version)
    if version != record.version:
        raise _conflict(actor, object_type, record, version)
    values = clean_input(actor=actor, object_type=object_type, data=data, record=record)
    if not values:
        return record
    fields = {f.name: f for f in all_fields(actor.workspace_id, object_type, actor)}
    changes = _changes(record, values, fields)
    assign(record, values)
    _save_versioned(actor, object_type, record, version, [*values, "custom"])
    search.index(record)
    _event(actor, object_type, "updated", record, {"changes": changes, "version": record.version})
    return record


def _version(version) -> int:
    try:
        return int(version)
    except (TypeError, ValueError):
        raise Invalid(fields={"version": _("The version of the record is missing.")}) from None


def _save_versioned(actor: Actor, object_type: str, record, version: int, names) -> None:
    """Write only if nobody saved since `version` (one conditional UPDATE, race-free)."""
    columns = {}
    for name in names:
        name = name if not name.startswith("custom.") else "custom"
        field = record._meta.get_field(name)
        columns[field.attname] = getattr(record, field.attname)
    now = timezone.now()
    if isinstance(record, Lead):
        columns["last_touched_at"] = record.last_touched_at = now
    updated = (
        type(record)
        .objects.filter(pk=record.pk, version=version)
        .update(**columns, version=F("version") + 1, updated_at=now)
    )
    if not updated:
        # Read what the other editor changed before marking the transaction for rollback
        # (no query may run after that).
        error = _conflict(actor, object_type, record, version)
        transaction.set_rollback(True)
        raise error
    record.version = version + 1
    record.updated_at = now


def _conflict(actor: Actor, object_type: str, record, version: int) -> Conflict:
    """A conflict that says who changed what since `version`, in the reader's field rules."""
    events = list(
        ActivityEvent.objects.filter(
            target_type=record._meta.label_lower,
            target_id=record.pk,
            verb=f"{object_type}.updated",
            data__version__gt=version,
        ).order_by("id")
    )
    redact(actor, events)
    fields = {f.name: f for f in all_fields(actor.workspace_id, object_type, actor)}
    per_field: dict[str, str] = {}
    lines = []
    for event in events:
        who = event.data.get("actor_name") or _("Someone")
        for change in event.data.get("changes", []):
            field = fields.get(change["field"])
            label = change.get("label") or (field.label if field else change["field"])
            new = field.display(change["new"]) if field else str(change["new"])
            line = _("%(who)s changed %(field)s to “%(value)s”.") % {
                "who": who,
                "field": label,
                "value": new or "—",
            }
            per_field[change["field"]] = line
            lines.append(line)
    message = _("Someone else saved this record while you were editing it; nothing was saved.")
    if lines:
        message = f"{message} {' '.join(lines)}"
    return Conflict(message, fields=per_field)


@transaction.atomic
def record_archive(*, actor: Actor, object_type: str, record_id, archived: bool = True):
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require(visibility.can_edit(actor, record))
    if record.is_archived == archived:
        return record
    record.archived_at = timezone.now() if archived else None
    _save_versioned(actor, object_type, record, record.version, ["archived_at"])
    _event(actor, object_type, "archived" if archived else "restored", record)
    return record


@transaction.atomic
def record_delete(*, actor: Actor, object_type: str, record_id) -> None:
    """Delete for good (owner, managers above them, admins). Accounts with subsidiaries are
    refused; the timeline's audit rows stay for admins."""
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require(visibility.can_manage(actor, record))
    if isinstance(record, Account):
        _refuse_account_delete(record)
    name = label_of(record)
    search.unindex(record)
    Collaborator.objects.filter(object_type=object_type, object_id=record.pk).delete()
    record_event(
        actor=actor,
        verb=f"{object_type}.deleted",
        target=record,
        data={"name": name},
        audience=Audience.MANAGERS,
    )
    try:
        record.delete()
    except IntegrityError:
        raise Conflict(_("Other records still refer to this one.")) from None


def _refuse_account_delete(account: Account) -> None:
    children = account.children.count()
    if children:
        raise Conflict(
            _("%(name)s has %(n)d subsidiary accounts; move or delete them first.")
            % {"name": account.name, "n": children}
        )
    # `opportunities` is the pipeline app's relation: deals keep their account for good.
    deals = account.opportunities.all()  # type: ignore[attr-defined]
    open_deals = deals.filter(status="open").count()
    if open_deals:
        raise Conflict(
            _("%(name)s has %(n)d open deals; close them or archive the account instead.")
            % {"name": account.name, "n": open_deals}
        )
    if deals.exists():
        raise Conflict(
            _("%(name)s has closed deals in its history; archive the account instead.")
            % {"name": account.name}
        )


# -- owner, collaborators, notes -------------------------------------------------------------


@transaction.atomic
def record_owner_change(*, actor: Actor, object_type: str, record_id, owner_id):
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require(visibility.can_manage(actor, record))
    owner = _owner(actor, owner_id)
    if owner.pk == record.owner_id:
        return record
    old = record.owner
    old_user = old.user_id if old else None
    record.owner = owner
    _save_versioned(actor, object_type, record, record.version, ["owner"])
    if object_type == ObjectType.ACCOUNT:  # the links' copy, which contact visibility reads
        AccountContact.objects.filter(account_id=record.pk).update(account_owner=owner)
    _event(
        actor,
        object_type,
        "owner_changed",
        record,
        {
            "old_owner": old.user.full_name if old else "",
            "new_owner": owner.user.full_name,
            "version": record.version,
        },
        notify=[owner.user_id, old_user, *_watchers(record, object_type)],
    )
    return record


@transaction.atomic
def collaborator_set(*, actor: Actor, object_type: str, record_id, member_id, level: str):
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require(visibility.can_manage(actor, record))
    if level not in CollaboratorLevel.values:
        raise Invalid(fields={"level": _("Choose follow, view or edit.")})
    member = _owner(actor, member_id, field="member")
    if member.pk == record.owner_id:
        raise Invalid(fields={"member": _("The owner already has full access.")})
    Collaborator.objects.update_or_create(
        workspace_id=actor.workspace_id,
        object_type=object_type,
        object_id=record.pk,
        member=member,
        defaults={"level": level},
    )
    _event(
        actor,
        object_type,
        "collaborator_set",
        record,
        {"member_name": member.user.full_name, "level": level},
        notify=[member.user_id],
    )
    return record


@transaction.atomic
def collaborator_remove(*, actor: Actor, object_type: str, record_id, member_id) -> None:
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require(visibility.can_manage(actor, record))
    collaborator = (
        Collaborator.objects.select_related("member__user")
        .filter(object_type=object_type, object_id=record.pk, member_id=member_id)
        .first()
    )
    if collaborator is None:
        raise NotFound()
    collaborator.delete()
    _event(
        actor,
        object_type,
        "collaborator_removed",
        record,
        {"member_name": collaborator.member.user.full_name},
    )


@transaction.atomic
def note_add(*, actor: Actor, object_type: str, record_id, body: str):
    """A note on the record's timeline. Anyone who may see the record and write may add one."""
    record = record_get_for_write(actor=actor, object_type=object_type, record_id=record_id)
    _require_writer(actor)
    body = (body or "").strip()
    if not body:
        raise Invalid(fields={"body": _("Write something first.")})
    if len(body) > MAX_NOTE:
        raise Invalid(fields={"body": _("At most %(n)d characters.") % {"n": MAX_NOTE}})
    if isinstance(record, Lead):
        Lead.objects.filter(pk=record.pk).update(last_touched_at=timezone.now())
    return record_event(
        actor=actor,
        verb="note.added",
        target=record,
        data={"name": label_of(record), "body": body},
        audience=Audience.RECORD,
        notify=_watchers(record, object_type),
    )


# -- contacts on accounts --------------------------------------------------------------------


@transaction.atomic
def account_contact_link(*, actor: Actor, account_id, contact_id, role: str) -> AccountContact:
    """Put a contact on an account with a role (or change the role of an existing link)."""
    account = record_get_for_write(actor=actor, object_type="account", record_id=account_id)
    contact = record_get_for_write(actor=actor, object_type="contact", record_id=contact_id)
    _require(visibility.can_edit(actor, account))
    allowed = [str(r) for r in ROLES_BY_KIND[AccountKind(account.kind)]]
    if role not in allowed:
        raise Invalid(fields={"role": _("Choose a role this kind of account has.")})
    link, created = AccountContact.objects.update_or_create(
        account=account,
        contact=contact,
        defaults={
            "role": role,
            "workspace_id": actor.workspace_id,
            "account_owner_id": account.owner_id,
        },
    )
    _event(
        actor,
        "account",
        "contact_linked",
        account,
        {"contact_name": contact.full_name, "contact_id": contact.pk, "role": role},
    )
    return link


@transaction.atomic
def account_contact_unlink(*, actor: Actor, account_id, contact_id) -> None:
    account = record_get_for_write(actor=actor, object_type="account", record_id=account_id)
    _require(visibility.can_edit(actor, account))
    link = (
        AccountContact.objects.select_related("contact")
        .filter(account=account, contact_id=contact_id)
        .first()
    )
    if link is None:
        raise NotFound()
    link.delete()
    _event(
        actor,
        "account",
        "contact_unlinked",
        account,
        {"contact_name": link.contact.full_name, "contact_id": link.contact_id},
    )
