"""REST API of the pipeline under /api/w/<slug>/: opportunity types with their stages and exit
checklists and the loss reasons (admins change them, members read them), and opportunities.

Opportunities are records of the customers app's machinery: the list, its filters and paging
are its `ListQuery` and `record_page`; field changes (with the version check), delete, archive,
owner and collaborators are its record endpoints (`record_write_routes`); and a deal leaves as
its `record_out`, which holds only the fields the reader may see, plus what only deals have.
Stage moves, win, lose, reopen, probability, deal team, contacts and checklist call the
pipeline's services. Reads go through selectors scoped to the actor, writes through services;
their DomainErrors become JSON in config/api.py."""

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Router, Status

from dealroom.core.actors import Actor
from dealroom.customers import selectors as customer_selectors
from dealroom.customers.api import (
    LIST_DOC,
    LIST_PARAMS,
    payload_data,
    record_out,
    record_write_routes,
)
from dealroom.customers.visibility import accounts_visible, field_rules
from dealroom.workspaces.api import actor_for

from . import selectors, services
from .models import Milestone, MilestoneDone, Opportunity, OpportunityType, Stage
from .schemas import (
    ChecklistItemOut,
    DealContactIn,
    DealContactOut,
    LoseIn,
    LossReasonIn,
    LossReasonOut,
    MilestoneDoneIn,
    MilestoneIn,
    MilestoneOut,
    MoveIn,
    OpportunityCreateIn,
    OpportunityDetail,
    OpportunityPage,
    ProbabilityIn,
    ReopenIn,
    StageChangeOut,
    StageIn,
    StageOrderIn,
    StageOut,
    StagePatch,
    TeamIn,
    TeamMemberOut,
    TypeIn,
    TypeOut,
    TypeUpdate,
)
from .visibility import OBJECT_TYPE

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
def type_get(request, slug: str, type_id: int, include_archived: bool = False):
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
def type_update(request, slug: str, type_id: int, payload: TypeUpdate):
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
def stage_create(request, slug: str, type_id: int, payload: StageIn):
    """Admins only. A new last stage of a staged type."""
    stage = services.stage_create(
        actor=actor_for(request, slug), type_id=type_id, **payload.model_dump(exclude_unset=True)
    )
    return Status(201, _stage_out(stage))


@router.put(f"{TYPES}/{{type_id}}/stage-order", response=list[StageOut])
def stage_reorder(request, slug: str, type_id: int, payload: StageOrderIn):
    """Admins only. Returns the stages in their new order."""
    stages = services.stage_reorder(
        actor=actor_for(request, slug), type_id=type_id, stage_ids=payload.stage_ids
    )
    prefetch_related_objects(stages, "milestones")
    return [_stage_out(s) for s in stages]


STAGE = "/w/{slug}/stages/{stage_id}"


@router.patch(STAGE, response=StageOut)
def stage_update(request, slug: str, stage_id: int, payload: StagePatch):
    """Admins only. Changes the settings sent; deals in the stage stay, a new gate applies to
    later moves."""
    stage = services.stage_update(
        actor=actor_for(request, slug),
        stage_id=stage_id,
        **payload.model_dump(exclude_unset=True),
    )
    return _stage_out(stage)


def _stage_archiver(archived: bool):
    def archive(request, slug: str, stage_id: int):
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


@router.post(f"{STAGE}/milestones", response={201: MilestoneOut})
def milestone_create(request, slug: str, stage_id: int, payload: MilestoneIn):
    """Admins only. A new last item of the stage's exit checklist."""
    milestone = services.milestone_create(
        actor=actor_for(request, slug), stage_id=stage_id, title=payload.title
    )
    return Status(201, _milestone_out(milestone))


MILESTONE = "/w/{slug}/milestones/{milestone_id}"


@router.put(MILESTONE, response=MilestoneOut)
def milestone_update(request, slug: str, milestone_id: int, payload: MilestoneIn):
    """Admins only."""
    milestone = services.milestone_update(
        actor=actor_for(request, slug), milestone_id=milestone_id, title=payload.title
    )
    return _milestone_out(milestone)


@router.post(f"{MILESTONE}/archive", response={204: None})
def milestone_archive(request, slug: str, milestone_id: int):
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
    def activate(request, slug: str, reason_id: int):
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


# -- opportunities: shapes -------------------------------------------------------------------


def opportunity_item(actor: Actor, opp: Opportunity) -> dict[str, Any]:
    """A deal as in a list: its record fields the actor may see, plus the probability and
    forecast category that follow from its stage. Each follows the field it is derived from:
    hidden with it."""
    out = record_out(actor, OBJECT_TYPE, opp)
    rules = field_rules(actor, OBJECT_TYPE)
    if rules.can_see("probability"):
        out["effective_probability"] = opp.effective_probability
        out["probability_reason"] = opp.probability_reason
    if rules.can_see("stage"):
        out["forecast_category"] = str(opp.forecast_category)
        out["stage_entered_at"] = opp.stage_entered_at
    return out


def _member_ref(membership) -> dict[str, Any] | None:
    return {"id": membership.pk, "name": membership.user.full_name} if membership else None


def _checklist(opp: Opportunity) -> list[dict[str, Any]]:
    def item(milestone: Milestone, done: MilestoneDone | None) -> dict[str, Any]:
        return {
            "milestone_id": milestone.pk,
            "title": milestone.title,
            "done": done is not None,
            "done_by": _member_ref(done.done_by) if done else None,
            "done_at": done.done_at if done else None,
        }

    return [item(m, done) for m, done in selectors.checklist(opportunity=opp)]


def _team(opp: Opportunity) -> list[dict[str, Any]]:
    return [
        {
            "member_id": t.member_id,
            "name": t.member.user.full_name,
            "role": t.role,
            "split": t.split,
        }
        for t in selectors.deal_team(opportunity=opp)
    ]


def _contacts(actor: Actor, opp: Opportunity) -> list[dict[str, Any]]:
    links = selectors.deal_contacts(actor=actor, opportunity=opp)
    prefetch_related_objects(
        [link.contact for link in links], *customer_selectors.RELATED["contact"]
    )
    return [
        {"role": link.role, "contact": record_out(actor, "contact", link.contact)} for link in links
    ]


def opportunity_detail(actor: Actor, opp: Opportunity) -> dict[str, Any]:
    """A single deal: as in a list, plus its team, the contacts on it the actor may see and
    the checklist of its current stage."""
    out = opportunity_item(actor, opp)
    out["team"] = _team(opp)
    out["contacts"] = _contacts(actor, opp)
    out["checklist"] = _checklist(opp)
    return out


def _know_accounts(actor: Actor, deals: list[Opportunity]) -> None:
    """Ask in one query whether the actor may see the account (and referring account) of
    each listed deal: `record_out` names an account only to those who may see it, and would
    otherwise ask once per row."""
    accounts_visible(actor, [pk for d in deals for pk in (d.account_id, d.referred_by_id)])


# -- opportunities: the record endpoints -----------------------------------------------------

BASE = "/w/{slug}/opportunities"
ITEM = f"{BASE}/{{record_id}}"


def deal_op(verb: str, summary: str) -> dict[str, Any]:
    return {
        "tags": ["opportunities"],
        "exclude_unset": True,
        "operation_id": f"opportunity_{verb}",
        "summary": summary,
    }


@router.get(
    BASE,
    response=OpportunityPage,
    description=LIST_DOC
    + " `q` finds deals whose name contains the text; `f.account=` filters on the account's "
    "name, `f.type=`, `f.stage=` on an id, `f.status=` on open, won or lost.",
    openapi_extra={"parameters": LIST_PARAMS},
    **deal_op("list", "List opportunities"),
)
def opportunity_list(request, slug: str):
    actor = actor_for(request, slug)
    query = customer_selectors.ListQuery.parse(actor, OBJECT_TYPE, request.GET)
    # Deals have no search tokens of their own (customers/search.py indexes accounts, contacts
    # and leads): the search text becomes a filter on the deal name, where the actor sees it.
    text, query.q = query.q, ""
    if text and not field_rules(actor, OBJECT_TYPE).can_see("name"):
        query.errors.append(_("You cannot filter on “%(field)s”.") % {"field": "q"})
    elif text:
        query.filters.setdefault("name", text)  # an explicit `f.name` wins
    page = customer_selectors.record_page(actor=actor, query=query)
    _know_accounts(actor, page.rows)
    return {
        "items": [opportunity_item(actor, opp) for opp in page.rows],
        "total": page.total,
        "total_exact": page.exact,
        "page": page.number,
        "per_page": page.per_page,
        "errors": query.errors,
    }


@router.post(BASE, response={201: OpportunityDetail}, **deal_op("create", "Create an opportunity"))
def opportunity_create(request, slug: str, payload: OpportunityCreateIn):
    """A new deal of a type, on an account you can see. Staged deals start in the first stage,
    or in `stage` if given, through the gates of the stages up to it (400 listing the missing
    fields in `details.missing`)."""
    actor = actor_for(request, slug)
    owner_id = None
    if "owner" in payload.model_fields_set:
        owner_id = "" if payload.owner is None else payload.owner
    opp = services.opportunity_create(
        actor=actor,
        type_id=payload.type,
        stage_id=payload.stage,
        owner_id=owner_id,
        data=payload_data(payload, "owner", "type", "stage"),
    )
    return Status(201, opportunity_detail(actor, opp))


@router.get(ITEM, response=OpportunityDetail, **deal_op("get", "Get an opportunity"))
def opportunity_get(request, slug: str, record_id: int):
    actor = actor_for(request, slug)
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    return opportunity_detail(actor, opp)


record_write_routes(
    router,
    OBJECT_TYPE,
    plural="opportunities",
    a_record="an opportunity",
    out_schema=OpportunityDetail,
    out=opportunity_detail,
)


# -- opportunities: stages and status --------------------------------------------------------


@router.post(f"{ITEM}/move", response=OpportunityDetail, **deal_op("move", "Move to a stage"))
def opportunity_move(request, slug: str, record_id: int, payload: MoveIn):
    """Move an open staged deal to another stage of its type. The stage's gate may refuse:
    400 with the missing fields in `details.missing` (or the open checklist items), nothing
    changed. With `from_stage_id`, a deal moved by someone else meanwhile gives 409 with its
    current `details.stage_id`, `status` and `version`. Errors about the target stage are
    under `fields.stage`."""
    actor = actor_for(request, slug)
    opp = services.opportunity_move(
        actor=actor,
        opportunity_id=record_id,
        stage_id=payload.stage_id,
        from_stage_id=payload.from_stage_id,
    )
    return opportunity_detail(actor, opp)


@router.post(f"{ITEM}/win", response=OpportunityDetail, **deal_op("win", "Mark as won"))
def opportunity_win(request, slug: str, record_id: int):
    actor = actor_for(request, slug)
    opp = services.opportunity_win(actor=actor, opportunity_id=record_id)
    return opportunity_detail(actor, opp)


@router.post(f"{ITEM}/lose", response=OpportunityDetail, **deal_op("lose", "Mark as lost"))
def opportunity_lose(request, slug: str, record_id: int, payload: LoseIn):
    """`reason_id` is an active loss reason (errors under `fields.reason`)."""
    actor = actor_for(request, slug)
    opp = services.opportunity_lose(
        actor=actor, opportunity_id=record_id, reason_id=payload.reason_id, note=payload.note
    )
    return opportunity_detail(actor, opp)


@router.post(
    f"{ITEM}/reopen", response=OpportunityDetail, **deal_op("reopen", "Reopen a closed deal")
)
def opportunity_reopen(request, slug: str, record_id: int, payload: ReopenIn):
    """Managers and admins only; the deal goes back to the stage it closed in."""
    actor = actor_for(request, slug)
    opp = services.opportunity_reopen(actor=actor, opportunity_id=record_id, note=payload.note)
    return opportunity_detail(actor, opp)


@router.put(
    f"{ITEM}/probability",
    response=OpportunityDetail,
    **deal_op("probability_set", "Override the win probability"),
)
def opportunity_probability(request, slug: str, record_id: int, payload: ProbabilityIn):
    """A probability differing from the stage's needs a `reason`; null goes back to the
    stage's default. Moving to another stage drops the override."""
    actor = actor_for(request, slug)
    opp = services.opportunity_probability_set(
        actor=actor,
        opportunity_id=record_id,
        probability=payload.probability,
        reason=payload.reason,
    )
    return opportunity_detail(actor, opp)


@router.get(
    f"{ITEM}/history",
    response=list[StageChangeOut],
    **deal_op("history", "Stage history (moves and status changes)"),
)
def opportunity_history(request, slug: str, record_id: int):
    """Oldest first: from and to stage and status, when, by whom, and how long the deal then
    stayed (until the next change, or until now). Stages and statuses are left out for roles
    the stage or status field is hidden from."""
    actor = actor_for(request, slug)
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    rules = field_rules(actor, OBJECT_TYPE)
    out = []
    for row in selectors.stage_history(actor=actor, opportunity=opp):
        change = row.change
        item: dict[str, Any] = {
            "changed_at": change.changed_at,
            "changed_by": _member_ref(change.changed_by),
            "duration_seconds": int(row.duration.total_seconds()),
            "note": change.note,
        }
        if rules.can_see("stage"):
            for side, stage in (("from_stage", change.from_stage), ("to_stage", change.to_stage)):
                item[side] = {"id": stage.pk, "name": str(stage)} if stage else None
        if rules.can_see("status"):
            item["from_status"] = change.from_status or None
            item["to_status"] = change.to_status
        out.append(item)
    return out


# -- opportunities: team, contacts, checklist ------------------------------------------------


@router.put(
    f"{ITEM}/team", response=list[TeamMemberOut], **deal_op("team_set", "Replace the deal team")
)
def deal_team_set(request, slug: str, record_id: int, payload: TeamIn):
    """The owner and their managers only. Splits are whole percents adding up to 100 (errors
    per member under `fields["members.<n>.<key>"]`, the sum under `fields.split`); an empty
    list credits the owner alone. Returns the new team."""
    actor = actor_for(request, slug)
    services.deal_team_set(
        actor=actor,
        opportunity_id=record_id,
        members=[m.model_dump() for m in payload.members],
    )
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    return _team(opp)


@router.get(
    f"{ITEM}/contacts",
    response=list[DealContactOut],
    **deal_op("contact_list", "Contacts on the deal"),
)
def opportunity_contact_list(request, slug: str, record_id: int):
    """The deal's contacts that you can see, each with their role in the deal."""
    actor = actor_for(request, slug)
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    return _contacts(actor, opp)


@router.put(
    f"{ITEM}/contacts/{{contact_id}}",
    response=DealContactOut,
    **deal_op("contact_set", "Put a contact on the deal, or change their role"),
)
def opportunity_contact_set(
    request, slug: str, record_id: int, contact_id: int, payload: DealContactIn
):
    actor = actor_for(request, slug)
    link = services.opportunity_contact_set(
        actor=actor, opportunity_id=record_id, contact_id=contact_id, role=payload.role.value
    )
    prefetch_related_objects([link.contact], *customer_selectors.RELATED["contact"])
    return {"role": link.role, "contact": record_out(actor, "contact", link.contact)}


@router.delete(
    f"{ITEM}/contacts/{{contact_id}}",
    response={204: None},
    **deal_op("contact_remove", "Take a contact off the deal"),
)
def opportunity_contact_remove(request, slug: str, record_id: int, contact_id: int):
    services.opportunity_contact_remove(
        actor=actor_for(request, slug), opportunity_id=record_id, contact_id=contact_id
    )
    return Status(204, None)


@router.put(
    f"{ITEM}/milestones/{{milestone_id}}",
    response=list[ChecklistItemOut],
    **deal_op("milestone_set", "Tick or untick a checklist item"),
)
def opportunity_milestone_set(
    request, slug: str, record_id: int, milestone_id: int, payload: MilestoneDoneIn
):
    """An item of any stage of the deal's type; returns the current stage's checklist."""
    actor = actor_for(request, slug)
    services.milestone_set(
        actor=actor, opportunity_id=record_id, milestone_id=milestone_id, done=payload.done
    )
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    return _checklist(opp)
