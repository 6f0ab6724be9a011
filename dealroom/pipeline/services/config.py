"""Workspace configuration of pipelines (admins): opportunity types, their stages with gates,
exit checklists and guidance, and the list of loss reasons. Stages change while deals are open:
deals keep the stage they are in and history is never rewritten, so stages are archived, not
deleted."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.activity.models import Audience
from dealroom.activity.services import record as record_event
from dealroom.core.actors import Actor, Member, System
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.customers.fields import all_fields

from ..models import (
    OPEN_CATEGORIES,
    LossReason,
    Milestone,
    OpportunityType,
    Stage,
    Variant,
)
from ..visibility import OBJECT_TYPE


def _require_admin(actor: Actor) -> None:
    if not (isinstance(actor, System) or isinstance(actor, Member) and actor.is_admin):
        raise Forbidden()


def _event(actor: Actor, verb: str, target, **data) -> None:
    record_event(actor=actor, verb=verb, target=target, data=data, audience=Audience.ADMINS)


def _names(name: str, name_zh: str) -> tuple[str, str]:
    name, name_zh = (name or "").strip(), (name_zh or "").strip()
    errors = {}
    if not name or len(name) > 80:
        errors["name"] = _("Enter a name of at most 80 characters.")
    if len(name_zh) > 80:
        errors["name_zh"] = _("At most 80 characters.")
    if errors:
        raise Invalid(fields=errors)
    return name, name_zh


def _type(actor: Actor, type_id) -> OpportunityType:
    try:
        pk = int(type_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    opp_type = OpportunityType.objects.visible_to(actor).filter(pk=pk).first()
    if opp_type is None:
        raise NotFound()
    return opp_type


def _stage(actor: Actor, stage_id) -> Stage:
    try:
        pk = int(stage_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    stage = Stage.objects.visible_to(actor).select_related("type").filter(pk=pk).first()
    if stage is None:
        raise NotFound()
    return stage


# -- types -----------------------------------------------------------------------------------


@transaction.atomic
def type_create(
    *, actor: Actor, name: str, variant: str, name_zh: str = "", require_checklist=False
) -> OpportunityType:
    _require_admin(actor)
    name, name_zh = _names(name, name_zh)
    if variant not in Variant.values:
        raise Invalid(fields={"variant": _("Choose staged, simple or referral tag.")})
    position = (
        OpportunityType.objects.filter(workspace_id=actor.workspace_id).aggregate(
            m=Max("position")
        )["m"]
        or 0
    ) + 1
    opp_type = OpportunityType.objects.create(
        workspace_id=actor.workspace_id,
        name=name,
        name_zh=name_zh,
        variant=variant,
        require_checklist=bool(require_checklist) and variant == Variant.STAGED,
        position=position,
    )
    _event(actor, "opportunity_type.created", opp_type, name=name, variant=variant)
    return opp_type


@transaction.atomic
def type_update(
    *, actor: Actor, type_id, name: str, name_zh: str = "", require_checklist=False, is_active=True
) -> OpportunityType:
    """Rename, switch the checklist rule, or retire a type (its deals stay as they are).
    The variant is fixed: deals of one kind cannot become another."""
    _require_admin(actor)
    opp_type = _type(actor, type_id)
    opp_type.name, opp_type.name_zh = _names(name, name_zh)
    opp_type.require_checklist = bool(require_checklist) and opp_type.is_staged
    opp_type.is_active = bool(is_active)
    opp_type.save()
    _event(actor, "opportunity_type.updated", opp_type, name=opp_type.name)
    return opp_type


# -- stages ----------------------------------------------------------------------------------


def _stage_values(actor: Actor, data: dict) -> dict:
    """Checked stage settings from a form or API body (only the keys given)."""
    errors: dict[str, str] = {}
    out: dict = {}
    if "name" in data or "name_zh" in data:
        try:
            out["name"], out["name_zh"] = _names(data.get("name", ""), data.get("name_zh", ""))
        except Invalid as e:
            errors.update(e.fields)
    if "probability" in data:
        try:
            out["probability"] = int(data["probability"])
            if not 0 <= out["probability"] <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors["probability"] = _("Enter a whole number from 0 to 100.")
    if "forecast_category" in data:
        out["forecast_category"] = data["forecast_category"]
        if out["forecast_category"] not in [c.value for c in OPEN_CATEGORIES]:
            errors["forecast_category"] = _(
                "A stage holds open deals: pipeline, best case or commit. Won and lost deals "
                "count as closed by themselves."
            )
    if "required_fields" in data:
        names = [str(n).strip() for n in data["required_fields"] or [] if str(n).strip()]
        known = {f.name: f for f in all_fields(actor.workspace_id, OBJECT_TYPE, actor)}
        unknown = [n for n in names if n not in known or not known[n].editable]
        if unknown:
            errors["required_fields"] = _("These are not fields a deal can fill in: %(names)s") % {
                "names": ", ".join(unknown)
            }
        out["required_fields"] = list(dict.fromkeys(names))
    if "guidance" in data:
        out["guidance"] = str(data["guidance"] or "").strip()
        if len(out["guidance"]) > 5000:
            errors["guidance"] = _("At most 5,000 characters.")
    if "suggested_tasks" in data:
        tasks = data["suggested_tasks"] or []
        if isinstance(tasks, str):
            tasks = tasks.splitlines()
        out["suggested_tasks"] = [str(t).strip() for t in tasks if str(t).strip()]
        if any(len(t) > 200 for t in out["suggested_tasks"]) or len(out["suggested_tasks"]) > 30:
            errors["suggested_tasks"] = _("At most 30 tasks of at most 200 characters each.")
    if "stuck_days" in data:
        raw = data["stuck_days"]
        if raw in (None, ""):
            out["stuck_days"] = None
        else:
            try:
                out["stuck_days"] = int(raw)
                if not 1 <= out["stuck_days"] <= 3650:
                    raise ValueError
            except (TypeError, ValueError):
                errors["stuck_days"] = _("Enter a number of days from 1 to 3650, or nothing.")
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    return out


@transaction.atomic
def stage_create(*, actor: Actor, type_id, **data) -> Stage:
    _require_admin(actor)
    opp_type = _type(actor, type_id)
    if not opp_type.is_staged:
        raise Invalid(_("Only staged opportunity types have stages."))
    values = _stage_values(actor, {"name": "", **data})
    position = (Stage.objects.filter(type=opp_type).aggregate(m=Max("position"))["m"] or 0) + 1
    stage = Stage.objects.create(
        workspace_id=actor.workspace_id, type=opp_type, position=position, **values
    )
    _event(actor, "stage.created", stage, name=stage.name, type=opp_type.name)
    return stage


@transaction.atomic
def stage_update(*, actor: Actor, stage_id, **data) -> Stage:
    """Change a stage's settings. Deals in it stay; a new gate applies to later moves."""
    _require_admin(actor)
    stage = _stage(actor, stage_id)
    if "name" in data or "name_zh" in data:
        # The two names are checked together: one sent alone keeps the other as it is.
        data = {"name": stage.name, "name_zh": stage.name_zh, **data}
    for name, value in _stage_values(actor, data).items():
        setattr(stage, name, value)
    stage.save()
    _event(actor, "stage.updated", stage, name=stage.name, type=stage.type.name)
    return stage


@transaction.atomic
def stage_reorder(*, actor: Actor, type_id, stage_ids: list) -> list[Stage]:
    """Put the type's active stages in the order given (all of them, each once)."""
    _require_admin(actor)
    opp_type = _type(actor, type_id)
    stages = {s.pk: s for s in Stage.objects.filter(type=opp_type, archived_at__isnull=True)}
    try:
        order = [int(pk) for pk in stage_ids]
    except (TypeError, ValueError):
        order = []
    if sorted(order) != sorted(stages):
        raise Invalid(fields={"stage_ids": _("List every active stage of this type once.")})
    for position, pk in enumerate(order, start=1):
        stages[pk].position = position
    Stage.objects.bulk_update(stages.values(), ["position"])
    _event(actor, "stage.reordered", opp_type, type=opp_type.name)
    return [stages[pk] for pk in order]


@transaction.atomic
def stage_archive(*, actor: Actor, stage_id, archived: bool = True) -> Stage:
    """Retire a stage: deals in it keep it (and can move out), no deal can move in."""
    _require_admin(actor)
    stage = _stage(actor, stage_id)
    if archived and stage.archived_at is None:
        others = Stage.objects.filter(type_id=stage.type_id, archived_at__isnull=True)
        if not others.exclude(pk=stage.pk).exists():
            raise Invalid(_("A staged opportunity type keeps at least one stage."))
        stage.archived_at = timezone.now()
    elif not archived:
        stage.archived_at = None
    stage.save(update_fields=["archived_at"])
    verb = "stage.archived" if archived else "stage.restored"
    _event(actor, verb, stage, name=stage.name, type=stage.type.name)
    return stage


# -- exit checklists -------------------------------------------------------------------------


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise Invalid(fields={"title": _("Enter a milestone of at most 120 characters.")})
    return title


@transaction.atomic
def milestone_create(*, actor: Actor, stage_id, title: str) -> Milestone:
    _require_admin(actor)
    stage = _stage(actor, stage_id)
    position = (stage.milestones.aggregate(m=Max("position"))["m"] or 0) + 1
    milestone = Milestone.objects.create(stage=stage, title=_title(title), position=position)
    _event(actor, "milestone.created", stage, title=milestone.title, stage=stage.name)
    return milestone


def _milestone(actor: Actor, milestone_id) -> Milestone:
    try:
        pk = int(milestone_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    milestone = (
        Milestone.objects.select_related("stage")
        .filter(pk=pk, stage__workspace_id=actor.workspace_id)
        .first()
    )
    if milestone is None:
        raise NotFound()
    return milestone


@transaction.atomic
def milestone_update(*, actor: Actor, milestone_id, title: str) -> Milestone:
    _require_admin(actor)
    milestone = _milestone(actor, milestone_id)
    milestone.title = _title(title)
    milestone.save(update_fields=["title"])
    return milestone


@transaction.atomic
def milestone_archive(*, actor: Actor, milestone_id) -> None:
    """Take an item off the checklist; deals that ticked it keep the record."""
    _require_admin(actor)
    milestone = _milestone(actor, milestone_id)
    milestone.archived_at = timezone.now()
    milestone.save(update_fields=["archived_at"])
    _event(actor, "milestone.archived", milestone.stage, title=milestone.title)


# -- loss reasons ----------------------------------------------------------------------------


@transaction.atomic
def loss_reason_create(*, actor: Actor, name: str) -> LossReason:
    _require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid(fields={"name": _("Enter a reason of at most 80 characters.")})
    try:
        with transaction.atomic():
            reason = LossReason.objects.create(workspace_id=actor.workspace_id, name=name)
    except IntegrityError:
        raise Invalid(fields={"name": _("This reason exists already.")}) from None
    _event(actor, "loss_reason.created", reason, name=name)
    return reason


@transaction.atomic
def loss_reason_set_active(*, actor: Actor, reason_id, active: bool) -> LossReason:
    _require_admin(actor)
    reason = LossReason.objects.visible_to(actor).filter(pk=reason_id).first()
    if reason is None:
        raise NotFound()
    reason.is_active = bool(active)
    reason.save(update_fields=["is_active"])
    return reason
