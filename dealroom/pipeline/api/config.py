"""Opportunity types, their stages and exit checklists, and loss reasons: admins change them,
members read them."""

from typing import Any

from django.db.models import prefetch_related_objects
from ninja import Router, Status

from dealroom.core.bounds import Int64
from dealroom.workspaces.api import actor_for

from .. import selectors, services
from ..models import Milestone, OpportunityType, Stage
from ..schemas import (
    LossReasonIn,
    LossReasonOut,
    StageIn,
    StageMilestoneIn,
    StageMilestoneOut,
    StageOrderIn,
    StageOut,
    StagePatch,
    TypeIn,
    TypeOut,
    TypeUpdate,
)

router = Router(tags=["pipeline"])


# -- opportunity types, stages, checklists ---------------------------------------------------


def _milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.pk,
        "stage_id": milestone.stage_id,
        "title": milestone.title,
        "position": milestone.position,
        "archived": milestone.archived_at is not None,
    }


def _stage_out(stage: Stage, *, archived: bool = False) -> dict[str, Any]:
    """A stage with its checklist (archived items too when `archived`)."""
    milestones = [m for m in stage.milestones.all() if archived or m.archived_at is None]
    return {
        "id": stage.pk,
        "type_id": stage.type_id,
        "name": stage.name,
        "name_zh": stage.name_zh,
        "position": stage.position,
        "probability": stage.probability,
        "forecast_category": stage.forecast_category,
        "required_fields": stage.required_fields,
        "guidance": stage.guidance,
        "suggested_tasks": stage.suggested_tasks,
        "stuck_days": stage.stuck_days,
        "archived": stage.archived_at is not None,
        "milestones": [_milestone_out(m) for m in milestones],
    }


def _type_out(opp_type: OpportunityType, *, archived: bool = False) -> dict[str, Any]:
    stages = [s for s in opp_type.stages.all() if archived or s.archived_at is None]
    return {
        "id": opp_type.pk,
        "name": opp_type.name,
        "name_zh": opp_type.name_zh,
        "variant": opp_type.variant,
        "require_checklist": opp_type.require_checklist,
        "is_active": opp_type.is_active,
        "position": opp_type.position,
        "stages": [_stage_out(s, archived=archived) for s in stages],
    }


TYPES = "/w/{slug}/opportunity-types"


@router.get(TYPES, response=list[TypeOut])
def type_list(request, slug: str, include_archived: bool = False):
    """The workspace's opportunity types with their stages and exit checklists, in order.
    `include_archived` adds retired types, archived stages and archived checklist items."""
    actor = actor_for(request, slug)
    types = selectors.type_list(actor=actor, active_only=not include_archived)
    types = types.prefetch_related("stages__milestones")
    return [_type_out(t, archived=include_archived) for t in types]


@router.get(f"{TYPES}/{{type_id}}", response=TypeOut)
def type_get(request, slug: str, type_id: Int64, include_archived: bool = False):
    actor = actor_for(request, slug)
    opp_type = selectors.type_get(actor=actor, type_id=type_id)
    prefetch_related_objects([opp_type], "stages__milestones")
    return _type_out(opp_type, archived=include_archived)


@router.post(TYPES, response={201: TypeOut})
def type_create(request, slug: str, payload: TypeIn):
    """Admins only. The variant never changes: staged (stages with gates), simple (amount,
    date, status) or tag (a referral mark)."""
    opp_type = services.type_create(
        actor=actor_for(request, slug),
        name=payload.name,
        name_zh=payload.name_zh,
        variant=payload.variant.value,
        require_checklist=payload.require_checklist,
    )
    return Status(201, _type_out(opp_type))


@router.put(f"{TYPES}/{{type_id}}", response=TypeOut)
def type_update(request, slug: str, type_id: Int64, payload: TypeUpdate):
    """Admins only. Rename, switch the checklist rule, or retire the type (`is_active`)."""
    opp_type = services.type_update(
        actor=actor_for(request, slug),
        type_id=type_id,
        name=payload.name,
        name_zh=payload.name_zh,
        require_checklist=payload.require_checklist,
        is_active=payload.is_active,
    )
    return _type_out(opp_type)


@router.post(f"{TYPES}/{{type_id}}/stages", response={201: StageOut})
def stage_create(request, slug: str, type_id: Int64, payload: StageIn):
    """Admins only. A new last stage of a staged type."""
    stage = services.stage_create(
        actor=actor_for(request, slug), type_id=type_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(201, _stage_out(stage))


@router.put(f"{TYPES}/{{type_id}}/stage-order", response=list[StageOut])
def stage_reorder(request, slug: str, type_id: Int64, payload: StageOrderIn):
    """Admins only. Returns the stages in their new order."""
    stages = services.stage_reorder(
        actor=actor_for(request, slug), type_id=type_id, stage_ids=payload.stage_ids
    )
    prefetch_related_objects(stages, "milestones")
    return [_stage_out(s) for s in stages]


STAGE = "/w/{slug}/stages/{stage_id}"


@router.patch(STAGE, response=StageOut)
def stage_update(request, slug: str, stage_id: Int64, payload: StagePatch):
    """Admins only. Changes the settings sent; deals in the stage stay, a new gate applies to
    later moves."""
    stage = services.stage_update(
        actor=actor_for(request, slug),
        stage_id=stage_id,
        **payload.model_dump(exclude_unset=True),
    )
    return _stage_out(stage)


def _stage_archiver(archived: bool):
    def archive(request, slug: str, stage_id: Int64):
        stage = services.stage_archive(
            actor=actor_for(request, slug), stage_id=stage_id, archived=archived
        )
        return _stage_out(stage)

    return archive


router.post(
    f"{STAGE}/archive",
    response=StageOut,
    operation_id="stage_archive",
    summary="Archive a stage (admins): its deals stay, no deal can move in",
)(_stage_archiver(True))
router.post(
    f"{STAGE}/restore",
    response=StageOut,
    operation_id="stage_restore",
    summary="Restore an archived stage (admins)",
)(_stage_archiver(False))


@router.post(f"{STAGE}/milestones", response={201: StageMilestoneOut})
def milestone_create(request, slug: str, stage_id: Int64, payload: StageMilestoneIn):
    """Admins only. A new last item of the stage's exit checklist."""
    milestone = services.milestone_create(
        actor=actor_for(request, slug), stage_id=stage_id, title=payload.title
    )
    return Status(201, _milestone_out(milestone))


MILESTONE = "/w/{slug}/milestones/{milestone_id}"


@router.put(MILESTONE, response=StageMilestoneOut)
def milestone_update(request, slug: str, milestone_id: Int64, payload: StageMilestoneIn):
    """Admins only."""
    milestone = services.milestone_update(
        actor=actor_for(request, slug), milestone_id=milestone_id, title=payload.title
    )
    return _milestone_out(milestone)


@router.post(f"{MILESTONE}/archive", response={204: None})
def milestone_archive(request, slug: str, milestone_id: Int64):
    """Admins only. Takes the item off the checklist; deals that ticked it keep the record."""
    services.milestone_archive(actor=actor_for(request, slug), milestone_id=milestone_id)
    return Status(204, None)


# -- loss reasons ----------------------------------------------------------------------------

REASONS = "/w/{slug}/loss-reasons"


@router.get(REASONS, response=list[LossReasonOut])
def loss_reason_list(request, slug: str, include_inactive: bool = False):
    actor = actor_for(request, slug)
    return selectors.loss_reason_list(actor=actor, active_only=not include_inactive)


@router.post(REASONS, response={201: LossReasonOut})
def loss_reason_create(request, slug: str, payload: LossReasonIn):
    """Admins only."""
    reason = services.loss_reason_create(actor=actor_for(request, slug), name=payload.name)
    return Status(201, reason)


def _reason_activator(active: bool):
    def activate(request, slug: str, reason_id: Int64):
        return services.loss_reason_set_active(
            actor=actor_for(request, slug), reason_id=reason_id, active=active
        )

    return activate


router.post(
    f"{REASONS}/{{reason_id}}/activate",
    response=LossReasonOut,
    operation_id="loss_reason_activate",
    summary="Offer a loss reason again (admins)",
)(_reason_activator(True))
router.post(
    f"{REASONS}/{{reason_id}}/deactivate",
    response=LossReasonOut,
    operation_id="loss_reason_deactivate",
    summary="Stop offering a loss reason (admins); lost deals keep it",
)(_reason_activator(False))
