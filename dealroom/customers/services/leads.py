"""The lead pool and a lead's way to an account: claim, release, status, disqualify,
return untouched leads to the pool (a background job), convert."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Member, System
from dealroom.core.errors import Conflict, Invalid, NotFound

from .. import visibility
from ..models import (
    OPEN_LEAD_STATUSES,
    AccountKind,
    ContactRole,
    DisqualifyReason,
    Lead,
    LeadStatus,
)
from .records import (
    _event,
    _require,
    _save_versioned,
    _version,
    account_contact_link,
    record_create,
    record_get_for_write,
)


def _lead(actor: Actor, lead_id) -> Lead:
    return record_get_for_write(actor=actor, object_type="lead", record_id=lead_id)


@transaction.atomic
def lead_claim(*, actor: Member, lead_id) -> Lead:
    """A member takes an unowned lead from the pool, within the workspace's limit."""
    _require(isinstance(actor, Member) and actor.can_write)
    lead = Lead.objects.visible_to(actor).filter(pk=lead_id).first()
    if lead is None:
        # Also when someone outside the actor's view claimed it since their pool page was
        # drawn: "already claimed" there would tell anyone trying ids which leads exist.
        raise NotFound()
    if lead.owner_id is not None or not lead.is_open:
        raise Conflict(_("Someone else has already claimed this lead."))
    limit = visibility.settings_for(actor.workspace_id).lead_claim_limit
    held = Lead.objects.filter(
        workspace_id=actor.workspace_id,
        owner=actor.membership,
        status__in=OPEN_LEAD_STATUSES,
    ).count()
    if held >= limit:
        raise Invalid(
            _(
                "You already hold %(held)d open leads, the most this workspace allows "
                "(%(limit)d). Convert, disqualify or release some first."
            )
            % {"held": held, "limit": limit}
        )
    now = timezone.now()
    # Conditional update: of two people claiming at once, exactly one wins.
    won = Lead.objects.filter(pk=lead.pk, owner__isnull=True).update(
        owner=actor.membership, last_touched_at=now, updated_at=now, version=F("version") + 1
    )
    if not won:
        raise Conflict(_("Someone else has already claimed this lead."))
    lead.refresh_from_db()
    _event(actor, "lead", "claimed", lead, notify=[])
    return lead


@transaction.atomic
def lead_release(*, actor: Actor, lead_id) -> Lead:
    """Give a lead back to the pool (its owner, a manager above them, or an admin)."""
    lead = _lead(actor, lead_id)
    _require(lead.owner_id is not None and visibility.can_manage(actor, lead))
    if not lead.is_open:
        raise Invalid(fields={"status": _("This lead is closed.")})
    old = lead.owner
    lead.owner = None
    _save_versioned(actor, "lead", lead, lead.version, ["owner"])
    _event(actor, "lead", "released", lead, {"old_owner": old.user.full_name if old else ""})
    return lead


def lead_return_stale(*, workspace) -> int:
    """Return open leads nobody touched for the workspace's number of days to the pool.
    Runs as a background job; each return is its own transaction and event."""
    days = visibility.settings_for(workspace.pk).lead_return_days
    if not days:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    actor = System(workspace=workspace, reason="lead pool")
    stale = Lead.objects.filter(
        workspace=workspace,
        owner__isnull=False,
        status__in=[LeadStatus.NEW, LeadStatus.WORKING],
        last_touched_at__lt=cutoff,
    ).values_list("pk", flat=True)
    returned = 0
    for lead_id in list(stale):
        returned += _return_one(actor, lead_id, cutoff, days)
    return returned


@transaction.atomic
def _return_one(actor: System, lead_id: int, cutoff, days: int) -> int:
    lead = Lead.objects.select_related("owner__user").filter(pk=lead_id).first()
    if lead is None or lead.owner is None or lead.last_touched_at >= cutoff:
        return 0  # claimed, touched or deleted since the sweep started
    old = lead.owner
    won = Lead.objects.filter(pk=lead.pk, version=lead.version).update(
        owner=None, version=lead.version + 1, updated_at=timezone.now()
    )
    if not won:
        return 0
    lead.owner = None
    _event(
        actor,
        "lead",
        "returned_to_pool",
        lead,
        {"old_owner": old.user.full_name, "days": days},
        notify=[old.user_id],
    )
    return 1


@transaction.atomic
def lead_status_set(*, actor: Actor, lead_id, status: str, version) -> Lead:
    """Move an open lead between new, working and qualified."""
    lead = _lead(actor, lead_id)
    _require(visibility.can_edit(actor, lead))
    if status not in (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED):
        raise Invalid(fields={"status": _("Choose new, working or qualified.")})
    if not lead.is_open:
        raise Invalid(fields={"status": _("This lead is closed.")})
    if lead.status == status:
        return lead
    old = lead.status
    lead.status = status
    _save_versioned(actor, "lead", lead, _version(version), ["status"])
    _event(
        actor,
        "lead",
        "updated",
        lead,
        {"changes": [{"field": "status", "old": old, "new": status}], "version": lead.version},
    )
    return lead


@transaction.atomic
def lead_disqualify(*, actor: Actor, lead_id, reason_id, note: str = "") -> Lead:
    lead = _lead(actor, lead_id)
    _require(visibility.can_edit(actor, lead))
    if not lead.is_open:
        raise Invalid(fields={"status": _("This lead is closed.")})
    reason = DisqualifyReason.objects.filter(
        workspace_id=actor.workspace_id, pk=reason_id or 0, is_active=True
    ).first()
    if reason is None:
        raise Invalid(fields={"reason": _("Choose a reason.")})
    lead.status = LeadStatus.DISQUALIFIED
    lead.disqualify_reason = reason
    _save_versioned(actor, "lead", lead, lead.version, ["status", "disqualify_reason"])
    _event(actor, "lead", "disqualified", lead, {"reason": reason.name, "note": note[:500]})
    return lead


@transaction.atomic
def lead_convert(
    *,
    actor: Actor,
    lead_id,
    account_id=None,
    contact_id=None,
    account_data: dict | None = None,
    contact_data: dict | None = None,
    role: str = "",
):
    """A qualified lead becomes an account and a contact (new, or existing ones chosen),
    linked to each other and to the lead, in one transaction: any error leaves nothing."""
    lead = _lead(actor, lead_id)
    _require(visibility.can_edit(actor, lead))
    if lead.status != LeadStatus.QUALIFIED:
        raise Invalid(fields={"status": _("Only a qualified lead can be converted.")})
    if account_id:
        account = record_get_for_write(actor=actor, object_type="account", record_id=account_id)
    else:
        data = account_data or {
            "name": lead.company_name or lead.full_name,
            "kind": AccountKind.COMPANY if lead.company_name else AccountKind.HOUSEHOLD,
            "industry": lead.industry,
            "region": lead.region,
            "product": lead.product,
        }
        try:
            account = record_create(actor=actor, object_type="account", data=data)
        except Invalid as e:
            raise _prefixed(e, "account") from None
    if contact_id:
        contact = record_get_for_write(actor=actor, object_type="contact", record_id=contact_id)
    else:
        data = contact_data or {
            "full_name": lead.full_name or lead.company_name,
            "title": lead.title,
            "phones": [lead.phone] if lead.phone else [],
            "emails": [lead.email] if lead.email else [],
            "wechat_id": lead.wechat_id,
        }
        try:
            contact = record_create(actor=actor, object_type="contact", data=data)
        except Invalid as e:
            raise _prefixed(e, "contact") from None
    if not role:
        role = ContactRole.OTHER if account.kind == AccountKind.COMPANY else ContactRole.REGISTRANT
    if not account.links.filter(contact=contact).exists():
        account_contact_link(
            actor=actor, account_id=account.pk, contact_id=contact.pk, role=str(role)
        )
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_account = account
    lead.converted_contact = contact
    _save_versioned(
        actor,
        "lead",
        lead,
        lead.version,
        ["status", "converted_at", "converted_account", "converted_contact"],
    )
    _event(
        actor,
        "lead",
        "converted",
        lead,
        {"account_name": account.name, "contact_name": contact.full_name},
    )
    return lead, account, contact


def _prefixed(error: Invalid, prefix: str) -> Invalid:
    """Field errors of the new account or contact, named so the form can place them."""
    return Invalid(error.message, fields={f"{prefix}.{k}": v for k, v in error.fields.items()})
