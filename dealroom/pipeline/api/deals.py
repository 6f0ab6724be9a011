"""Opportunities: the record endpoints the customers app shares, and what only deals have
(stage moves, win, lose, reopen, probability, deal team, contacts, checklist, history)."""

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Router, Status

from dealroom.core.actors import Actor
from dealroom.core.bounds import Int64
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

from .. import selectors, services
from ..models import Milestone, MilestoneDone, Opportunity
from ..schemas import (
    ChecklistItemOut,
    DealContactIn,
    DealContactOut,
    DealTeamIn,
    LoseIn,
    MilestoneDoneIn,
    MoveIn,
    OpportunityCreateIn,
    OpportunityDetail,
    OpportunityPage,
    ProbabilityIn,
    ReopenIn,
    StageChangeOut,
    TeamMemberOut,
)
from ..visibility import OBJECT_TYPE

router = Router(tags=["pipeline"])
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
def opportunity_get(request, slug: str, record_id: Int64):
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
def opportunity_move(request, slug: str, record_id: Int64, payload: MoveIn):
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
def opportunity_win(request, slug: str, record_id: Int64):
    actor = actor_for(request, slug)
    opp = services.opportunity_win(actor=actor, opportunity_id=record_id)
    return opportunity_detail(actor, opp)


@router.post(f"{ITEM}/lose", response=OpportunityDetail, **deal_op("lose", "Mark as lost"))
def opportunity_lose(request, slug: str, record_id: Int64, payload: LoseIn):
    """`reason_id` is an active loss reason (errors under `fields.reason`)."""
    actor = actor_for(request, slug)
    opp = services.opportunity_lose(
        actor=actor, opportunity_id=record_id, reason_id=payload.reason_id, note=payload.note
    )
    return opportunity_detail(actor, opp)


@router.post(
    f"{ITEM}/reopen", response=OpportunityDetail, **deal_op("reopen", "Reopen a closed deal")
)
def opportunity_reopen(request, slug: str, record_id: Int64, payload: ReopenIn):
    """Managers and admins only; the deal goes back to the stage it closed in."""
    actor = actor_for(request, slug)
    opp = services.opportunity_reopen(actor=actor, opportunity_id=record_id, note=payload.note)
    return opportunity_detail(actor, opp)


@router.put(
    f"{ITEM}/probability",
    response=OpportunityDetail,
    **deal_op("probability_set", "Override the win probability"),
)
def opportunity_probability(request, slug: str, record_id: Int64, payload: ProbabilityIn):
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
def opportunity_history(request, slug: str, record_id: Int64):
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
def deal_team_set(request, slug: str, record_id: Int64, payload: DealTeamIn):
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
def opportunity_contact_list(request, slug: str, record_id: Int64):
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
    request, slug: str, record_id: Int64, contact_id: Int64, payload: DealContactIn
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
def opportunity_contact_remove(request, slug: str, record_id: Int64, contact_id: Int64):
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
    request, slug: str, record_id: Int64, milestone_id: Int64, payload: MilestoneDoneIn
):
    """An item of any stage of the deal's type; returns the current stage's checklist."""
    actor = actor_for(request, slug)
    services.milestone_set(
        actor=actor, opportunity_id=record_id, milestone_id=milestone_id, done=payload.done
    )
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    return _checklist(opp)
