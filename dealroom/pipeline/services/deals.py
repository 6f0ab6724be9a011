"""Writes to opportunities that are the pipeline's own: create (into a stage, through its
gate), move between stages, win, lose, reopen, probability, deal team, contacts on the deal and
the exit checklist. Field edits, owner, collaborators, notes, archive and delete are the record
services of the customers app (registered for opportunities in apps.py).
Each service: check access → validate → write → activity.record → return."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.activity.models import Audience
from dealroom.activity.services import record as record_event
from dealroom.core.actors import Actor, Member
from dealroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from dealroom.customers import services as customer_services
from dealroom.customers import visibility as customer_visibility
from dealroom.customers.fields import all_fields, value_of
from dealroom.customers.models import Contact, ContactRole
from dealroom.customers.services import record_input, records
from dealroom.customers.visibility import settings_for
from dealroom.workspaces.models import Membership

from .. import hooks, visibility
from ..models import (
    DealTeamMember,
    LossReason,
    Milestone,
    MilestoneDone,
    Opportunity,
    OpportunityContact,
    OpportunityType,
    Source,
    Stage,
    StageChange,
    Status,
    TeamRole,
)

OBJECT_TYPE = visibility.OBJECT_TYPE


def opportunity_get_for_write(*, actor: Actor, opportunity_id) -> Opportunity:
    """The deal if the actor may edit it: 404 when they cannot see it, 403 when they see it
    but may not change it."""
    try:
        pk = int(opportunity_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    opp = (
        Opportunity.objects.visible_to(actor)
        .select_related("type", "stage", "account")
        .filter(pk=pk)
        .first()
    )
    if opp is None:
        raise NotFound()
    if not customer_visibility.can_edit(actor, opp):
        raise Forbidden()
    return opp


def _event(actor: Actor, verb: str, opp: Opportunity, data: dict | None = None):
    """Deal events show on the deal's and on its account's timeline."""
    return record_event(
        actor=actor,
        verb=f"opportunity.{verb}",
        target=opp,
        data={"name": opp.name, **(data or {})},
        audience=Audience.RECORD,
        notify=records._watchers(opp, OBJECT_TYPE),
        also=[opp.account],
    )


def _history(actor: Actor, opp: Opportunity, *, from_stage, from_status: str, note: str = ""):
    StageChange.objects.create(
        workspace_id=opp.workspace_id,
        opportunity=opp,
        from_stage=from_stage,
        to_stage=opp.stage,
        from_status=from_status,
        to_status=opp.status,
        changed_by=actor.membership if isinstance(actor, Member) else None,
        changed_at=timezone.now(),
        note=note[:500],
    )


def _stage_of(opp_type: OpportunityType, stage_id, field: str = "stage") -> Stage:
    try:
        pk = int(stage_id)
    except (TypeError, ValueError):
        raise Invalid(fields={field: _("Choose a stage.")}) from None
    stage = Stage.objects.filter(pk=pk, workspace_id=opp_type.workspace_id).first()
    if stage is None or stage.archived_at is not None:
        raise Invalid(fields={field: _("There is no such stage.")})
    if stage.type_id != opp_type.pk:
        raise Invalid(
            fields={
                field: _("That stage belongs to another opportunity type (%(type)s).")
                % {"type": stage.type}
            }
        )
    return stage


def _type_of(actor: Actor, type_id) -> OpportunityType:
    try:
        pk = int(type_id)
    except (TypeError, ValueError):
        raise Invalid(fields={"type": _("Choose an opportunity type.")}) from None
    opp_type = OpportunityType.objects.visible_to(actor).filter(pk=pk, is_active=True).first()
    if opp_type is None:
        raise Invalid(fields={"type": _("Choose an opportunity type.")})
    return opp_type


# -- gates -----------------------------------------------------------------------------------


def missing_fields(actor: Actor, opp: Opportunity, stages: list[Stage]) -> dict[str, str]:
    """The fields the stages require that the deal leaves empty: name → label."""
    fields = {f.name: f for f in all_fields(opp.workspace_id, OBJECT_TYPE, actor)}
    missing: dict[str, str] = {}
    for stage in stages:
        for name in stage.required_fields:
            field = fields.get(name)
            if field is None:
                continue  # a custom field since switched off no longer gates
            if value_of(opp, field, actor=actor) in (None, "", []):
                missing.setdefault(name, str(field.label))
    return missing


def _missing_error(message: str, missing: dict[str, str], stage) -> Invalid:
    """A gate's refusal: one sentence naming the labels, for the message and for the stage
    field alike (pages and the board join the two, so a second wording would repeat it);
    the names for clients in `details`."""
    labels = list(missing.values())
    sentence = message % {"fields": ", ".join(f"“{m}”" for m in labels), "stage": stage}
    return Invalid(
        sentence, fields={"stage": sentence}, missing=labels, missing_fields=list(missing)
    )


def open_milestones(opp: Opportunity) -> list[Milestone]:
    if opp.stage_id is None:
        return []
    done = MilestoneDone.objects.filter(opportunity=opp).values("milestone_id")
    return list(
        Milestone.objects.filter(stage_id=opp.stage_id, archived_at__isnull=True).exclude(
            pk__in=done
        )
    )


def _check_gate(actor: Actor, opp: Opportunity, target: Stage) -> None:
    """Entering `target` needs its required fields (and those of stages skipped on the way
    forward); leaving forward needs the checklist when the type says so."""
    current = opp.stage
    entering = [target]
    if current is not None and target.position > current.position:
        entering = list(
            Stage.objects.filter(
                type_id=target.type_id,
                archived_at__isnull=True,
                position__gt=current.position,
                position__lte=target.position,
            )
        )
    missing = missing_fields(actor, opp, entering)
    if missing:
        raise _missing_error(_("Fill in %(fields)s before moving to “%(stage)s”."), missing, target)
    forward = current is not None and target.position > current.position
    if forward and opp.type.require_checklist:
        left = open_milestones(opp)
        if left:
            sentence = _("Complete the checklist of “%(stage)s” first: %(items)s.") % {
                "stage": current,
                "items": ", ".join(f"“{m.title}”" for m in left),
            }
            raise Invalid(sentence, fields={"stage": sentence}, missing=[m.title for m in left])


# -- create ----------------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
    *, actor: Actor, type_id, data: dict, stage_id=None, owner_id=None, lead=None
) -> Opportunity:
    """A new deal of a type: staged deals start in the first stage (or the one given, through
    its gate); the first history row records where it started."""
    if isinstance(actor, Member) and not actor.can_write:
        # Before validating: a read-only member learns nothing from field errors.
        raise Forbidden()
    opp_type = _type_of(actor, type_id)
    stage = None
    if opp_type.is_staged:
        if stage_id not in (None, ""):
            stage = _stage_of(opp_type, stage_id)
        else:
            stage = (
                Stage.objects.filter(type=opp_type, archived_at__isnull=True)
                .order_by("position", "pk")
                .first()
            )
            if stage is None:
                raise Invalid(fields={"type": _("This opportunity type has no stages yet.")})
    extra = {
        "type": opp_type,
        "stage": stage,
        "stage_entered_at": timezone.now(),
        "lead": lead,
    }
    data = dict(data)
    data.setdefault("currency", settings_for(actor.workspace_id).currency)
    if stage is not None:
        # The gate looks at the deal as it would be: check before anything is written.
        draft = Opportunity(workspace_id=actor.workspace_id, type=opp_type, stage=None)
        values = record_input.clean_input(actor=actor, object_type=OBJECT_TYPE, data=data)
        record_input.assign(draft, values)
        # Starting further along skips the stages before it: their gates apply too, as they
        # do to a deal moved forward past them.
        entering = Stage.objects.filter(
            type=opp_type, archived_at__isnull=True, position__lte=stage.position
        )
        missing = missing_fields(actor, draft, [*entering, stage])
        if missing:
            raise _missing_error(_("Fill in %(fields)s to start in “%(stage)s”."), missing, stage)
    opp = records.record_create(
        actor=actor, object_type=OBJECT_TYPE, data=data, owner_id=owner_id, extra=extra
    )
    _history(actor, opp, from_stage=None, from_status="")
    hooks.deal_created(actor=actor, opportunity=opp)
    return opp


# -- stage moves and status ------------------------------------------------------------------


def _conflict_move(opp: Opportunity) -> Conflict:
    current = Opportunity.objects.select_related("stage").get(pk=opp.pk)
    where = current.stage if current.is_open else current.get_status_display()
    return Conflict(
        _("Someone moved this deal in the meantime: it is now in “%(stage)s”.") % {"stage": where},
        stage_id=current.stage_id,
        status=current.status,
        version=current.version,
    )


def _save_move(opp: Opportunity, expected_stage_id, expected_status: str, **changes) -> None:
    """One conditional UPDATE: the move happens only if nobody moved the deal first."""
    updated = Opportunity.objects.filter(
        pk=opp.pk, stage_id=expected_stage_id, status=expected_status
    ).update(version=F("version") + 1, updated_at=timezone.now(), **changes)
    if not updated:
        raise _conflict_move(opp)
    for name, value in changes.items():
        setattr(opp, name, value)
    opp.version += 1


@transaction.atomic
def opportunity_move(*, actor: Actor, opportunity_id, stage_id, from_stage_id=None) -> Opportunity:
    """Move an open staged deal to another stage of its type, through the stage gate.
    `from_stage_id` is the stage the mover saw: if the deal has moved since, the move is
    refused with the current stage."""
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    if from_stage_id not in (None, "") and str(from_stage_id) != str(opp.stage_id):
        raise _conflict_move(opp)
    if not opp.type.is_staged:
        raise Invalid(fields={"stage": _("This kind of deal has no stages.")})
    if not opp.is_open:
        raise Invalid(
            _("Won and lost deals do not move; reopen the deal first."),
            fields={"stage": _("The deal is closed.")},
        )
    target = _stage_of(opp.type, stage_id)
    if target.pk == opp.stage_id:
        return opp
    _check_gate(actor, opp, target)
    previous = opp.stage
    # A probability set by hand belonged to the stage it was set in.
    _save_move(
        opp,
        opp.stage_id,
        Status.OPEN,
        stage=target,
        stage_entered_at=timezone.now(),
        probability=None,
        probability_reason="",
    )
    _history(actor, opp, from_stage=previous, from_status=Status.OPEN)
    _event(
        actor,
        "stage_changed",
        opp,
        {
            # Both names: the timeline names the stage in each reader's language.
            "from": previous.name if previous else "",
            "from_zh": previous.name_zh if previous else "",
            "to": target.name,
            "to_zh": target.name_zh,
            "from_id": previous.pk if previous else None,
            "to_id": target.pk,
        },
    )
    hooks.stage_entered(actor=actor, opportunity=opp, stage=target)
    return opp


@transaction.atomic
def opportunity_win(*, actor: Actor, opportunity_id) -> Opportunity:
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    if not opp.is_open:
        raise Invalid(_("Only open deals can be won."))
    _save_move(opp, opp.stage_id, Status.OPEN, status=Status.WON, closed_at=timezone.now())
    _history(actor, opp, from_stage=opp.stage, from_status=Status.OPEN)
    # As a field snapshot: the activity redactor drops it for roles the amount is hidden from.
    _event(actor, "won", opp, {"fields": {"amount": _amount(opp)}})
    return opp


@transaction.atomic
def opportunity_lose(*, actor: Actor, opportunity_id, reason_id, note: str = "") -> Opportunity:
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    if not opp.is_open:
        raise Invalid(_("Only open deals can be lost."))
    try:
        reason = LossReason.objects.filter(
            workspace_id=actor.workspace_id, is_active=True, pk=int(reason_id)
        ).first()
    except (TypeError, ValueError):
        reason = None
    if reason is None:
        raise Invalid(fields={"reason": _("Choose why the deal was lost.")})
    note = (note or "").strip()
    if len(note) > 500:
        raise Invalid(fields={"note": _("At most 500 characters.")})
    _save_move(
        opp,
        opp.stage_id,
        Status.OPEN,
        status=Status.LOST,
        closed_at=timezone.now(),
        loss_reason=reason,
        loss_note=note,
    )
    _history(actor, opp, from_stage=opp.stage, from_status=Status.OPEN, note=note)
    _event(actor, "lost", opp, {"reason": reason.name, "note": note})
    return opp


@transaction.atomic
def opportunity_reopen(*, actor: Actor, opportunity_id, note: str = "") -> Opportunity:
    """Managers may reopen a won or lost deal; it goes back to the stage it closed in."""
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    if not visibility.can_reopen(actor):
        raise Forbidden(_("Only managers can reopen a closed deal."))
    if opp.is_open:
        raise Invalid(_("The deal is open already."))
    was = opp.status
    _save_move(
        opp,
        opp.stage_id,
        was,
        status=Status.OPEN,
        closed_at=None,
        loss_reason=None,
        loss_note="",
        stage_entered_at=timezone.now(),
    )
    note = (note or "").strip()[:500]
    _history(actor, opp, from_stage=opp.stage, from_status=was, note=note)
    _event(actor, "reopened", opp, {"was": was, "note": note})
    return opp


def _amount(opp: Opportunity) -> str:
    return f"{opp.amount} {opp.currency}" if opp.amount is not None else ""


@transaction.atomic
def opportunity_probability_set(
    *, actor: Actor, opportunity_id, probability, reason: str = ""
) -> Opportunity:
    """Override the stage's default win probability (a reason is required), or go back to
    the default with an empty value."""
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    if not customer_visibility.field_rules(actor, OBJECT_TYPE).can_edit("probability"):
        raise Forbidden(_("You may not change this field."))
    reason = (reason or "").strip()
    if probability in (None, ""):
        value, reason = None, ""
    else:
        try:
            value = int(str(probability).strip().removesuffix("%"))
        except ValueError:
            value = -1
        if not 0 <= value <= 100:
            raise Invalid(fields={"probability": _("Enter a whole number from 0 to 100.")})
        if not reason:
            raise Invalid(fields={"reason": _("Say why this deal differs from the stage.")})
        if len(reason) > 200:
            raise Invalid(fields={"reason": _("At most 200 characters.")})
    old = opp.effective_probability
    opp.probability, opp.probability_reason = value, reason
    opp.save(update_fields=["probability", "probability_reason", "updated_at"])
    # As a change of the field: the activity redactor drops it for roles it is hidden from.
    change = {"field": "probability", "old": old, "new": opp.effective_probability}
    _event(actor, "probability_set", opp, {"changes": [{**change, "reason": reason}]})
    return opp


# -- deal team, contacts, checklist ----------------------------------------------------------


@transaction.atomic
def deal_team_set(*, actor: Actor, opportunity_id, members: list[dict]) -> list[DealTeamMember]:
    """Replace the deal team: [{member_id, role, split}]. Splits are whole percents summing
    to 100 (an empty team credits the owner alone)."""
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    if not customer_visibility.can_manage(actor, opp):
        raise Forbidden(_("Only the deal owner and their managers change the deal team."))
    errors: dict[str, str] = {}
    rows: list[DealTeamMember] = []
    seen: set[int] = set()
    active = dict(
        Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True).values_list(
            "pk", "user__full_name"
        )
    )
    for k, item in enumerate(members):
        try:
            member_id = int(item.get("member_id") or 0)
        except (TypeError, ValueError):
            member_id = 0
        if member_id not in active:
            errors[f"members.{k}.member_id"] = _("Choose a member of this workspace.")
            continue
        if member_id in seen:
            errors[f"members.{k}.member_id"] = _("This person is on the team already.")
            continue
        seen.add(member_id)
        role = str(item.get("role") or "")
        if role not in TeamRole.values:
            errors[f"members.{k}.role"] = _("Choose a role.")
        try:
            split = int(item.get("split") or 0)
        except (TypeError, ValueError):
            split = -1
        if not 0 <= split <= 100:
            errors[f"members.{k}.split"] = _("Enter a whole number from 0 to 100.")
        rows.append(DealTeamMember(opportunity=opp, member_id=member_id, role=role, split=split))
    total = sum(r.split for r in rows)
    if rows and not errors and total != 100:
        errors["split"] = _("Revenue splits add up to %(total)d%%; they must add up to 100%%.") % {
            "total": total
        }
    if errors:
        raise Invalid(_("Please correct the deal team."), fields=errors)
    DealTeamMember.objects.filter(opportunity=opp).delete()
    DealTeamMember.objects.bulk_create(rows)
    _event(
        actor,
        "team_changed",
        opp,
        {"team": [{"name": active[r.member_id], "role": r.role, "split": r.split} for r in rows]},
    )
    return rows


@transaction.atomic
def opportunity_contact_set(*, actor: Actor, opportunity_id, contact_id, role: str):
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    contact = Contact.objects.visible_to(actor).filter(pk=_int(contact_id)).first()
    if contact is None:
        raise Invalid(fields={"contact": _("Choose a contact you can see.")})
    if role not in ContactRole.values:
        raise Invalid(fields={"role": _("Choose a role.")})
    link, created = OpportunityContact.objects.update_or_create(
        opportunity=opp, contact=contact, defaults={"role": role}
    )
    _event(
        actor,
        "contact_added" if created else "contact_changed",
        opp,
        {"contact": contact.full_name, "role": role},
    )
    return link


@transaction.atomic
def opportunity_contact_remove(*, actor: Actor, opportunity_id, contact_id) -> None:
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    link = (
        OpportunityContact.objects.filter(opportunity=opp, contact_id=_int(contact_id))
        .select_related("contact")
        .first()
    )
    if link is None:
        raise NotFound()
    link.delete()
    _event(actor, "contact_removed", opp, {"contact": link.contact.full_name})


@transaction.atomic
def milestone_set(*, actor: Actor, opportunity_id, milestone_id, done: bool) -> bool:
    """Tick or untick a checklist item of the deal's type; who and when are kept."""
    opp = opportunity_get_for_write(actor=actor, opportunity_id=opportunity_id)
    milestone = (
        Milestone.objects.select_related("stage")
        .filter(pk=_int(milestone_id), stage__type_id=opp.type_id, archived_at__isnull=True)
        .first()
    )
    if milestone is None:
        raise NotFound()
    existing = MilestoneDone.objects.filter(opportunity=opp, milestone=milestone)
    if done == existing.exists():
        return done
    if done:
        MilestoneDone.objects.create(
            opportunity=opp,
            milestone=milestone,
            done_by=actor.membership if isinstance(actor, Member) else None,
            done_at=timezone.now(),
        )
    else:
        existing.delete()
    _event(
        actor,
        "milestone_done" if done else "milestone_undone",
        opp,
        {"milestone": milestone.title, "stage": str(milestone.stage)},
    )
    return done


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# -- a lead's first deal ---------------------------------------------------------------------

_DEAL_FORM_FIELDS = {"name": "deal_name", "amount": "deal_amount", "type": "deal_type"}


@transaction.atomic
def lead_convert_with_deal(
    *, actor: Actor, lead_id, type_id, deal: dict, account_id=None, contact_id=None
):
    """Convert a lead (customers) and open its first deal on the new or chosen account, with
    the lead's contact on it: one transaction, so a refused deal leaves the lead as it was."""
    lead, account, contact = customer_services.lead_convert(
        actor=actor, lead_id=lead_id, account_id=account_id, contact_id=contact_id
    )
    data = {k: v for k, v in deal.items() if v not in (None, "")}
    data.setdefault("name", lead.company_name or lead.full_name or account.name)
    data["account"] = account.pk
    data["source"] = Source.REFERRAL if lead.referred_by_id else Source.LEAD
    if lead.referred_by_id:
        data["referred_by"] = lead.referred_by_id
    try:
        opp = opportunity_create(actor=actor, type_id=type_id, data=data, lead=lead)
    except Invalid as e:
        fields = {_DEAL_FORM_FIELDS.get(k, k): v for k, v in e.fields.items()}
        raise Invalid(e.message, fields=fields, **e.details) from None
    if contact is not None:
        opportunity_contact_set(
            actor=actor,
            opportunity_id=opp.pk,
            contact_id=contact.pk,
            role=ContactRole.DECISION_MAKER,
        )
    return lead, account, contact
