from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from dealroom.core.bounds import Int64, LimitOffset
from dealroom.core.errors import Forbidden, Invalid

from . import access, selectors, services
from .schemas import (
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberPatch,
    MeOut,
    TeamIn,
    TeamOut,
    TerritoryIn,
    TerritoryOut,
)

router = Router(tags=["workspaces"])


def actor_for(request, slug: str):
    """The API's only way to an actor: the authenticated user in the workspace of the path."""
    return selectors.member_get_or_404(request.user, slug)


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "workspaces": selectors.workspace_list_for_user(user),
    }


@router.get("/w/{slug}/members", response=list[MemberOut])
@paginate(LimitOffset)
def member_list(request, slug: str):
    return selectors.membership_list(actor=actor_for(request, slug))


@router.get("/w/{slug}/members/{member_id}", response=MemberOut)
def member_get(request, slug: str, member_id: Int64):
    return selectors.membership_get(actor=actor_for(request, slug), membership_id=member_id)


@router.patch("/w/{slug}/members/{member_id}", response=MemberOut)
def member_patch(request, slug: str, member_id: Int64, payload: MemberPatch):
    actor = actor_for(request, slug)
    data = payload.dict(exclude_unset=True)
    if not data:
        raise Invalid(_("Send at least one of role, team_id, is_active."))
    if "role" in data:
        services.member_role_change(actor=actor, membership_id=member_id, role=data["role"] or "")
    if "team_id" in data:
        services.member_team_set(actor=actor, membership_id=member_id, team_id=data["team_id"])
    if data.get("is_active") is True:
        services.member_reactivate(actor=actor, membership_id=member_id)
    elif data.get("is_active") is False:
        services.member_deactivate(actor=actor, membership_id=member_id)
    return selectors.membership_get(actor=actor, membership_id=member_id)


@router.get("/w/{slug}/invitations", response=list[InvitationOut])
@paginate(LimitOffset)
def invitation_list(request, slug: str):
    actor = actor_for(request, slug)
    if not access.can_view_invitations(actor):
        raise Forbidden()
    return selectors.invitation_list(actor=actor)


@router.post("/w/{slug}/invitations", response={201: InvitationOut})
def invitation_create(request, slug: str, payload: InvitationIn):
    inv, _token = services.member_invite(
        actor=actor_for(request, slug),
        email=payload.email,
        role=payload.role,
        team_id=payload.team_id,
        language=getattr(request, "LANGUAGE_CODE", ""),
    )
    return Status(201, inv)


@router.post("/w/{slug}/invitations/{invitation_id}/revoke", response=InvitationOut)
def invitation_revoke(request, slug: str, invitation_id: Int64):
    return services.invitation_revoke(actor=actor_for(request, slug), invitation_id=invitation_id)


@router.get("/w/{slug}/teams", response=list[TeamOut])
@paginate(LimitOffset)
def team_list(request, slug: str):
    return selectors.team_list(actor=actor_for(request, slug))


@router.post("/w/{slug}/teams", response={201: TeamOut})
def team_create(request, slug: str, payload: TeamIn):
    team = services.team_create(actor=actor_for(request, slug), **payload.dict())
    return Status(201, team)


@router.get("/w/{slug}/teams/{team_id}", response=TeamOut)
def team_get(request, slug: str, team_id: Int64):
    return selectors.team_get(actor=actor_for(request, slug), team_id=team_id)


@router.put("/w/{slug}/teams/{team_id}", response=TeamOut)
def team_update(request, slug: str, team_id: Int64, payload: TeamIn):
    return services.team_update(actor=actor_for(request, slug), team_id=team_id, **payload.dict())


@router.delete("/w/{slug}/teams/{team_id}", response={204: None})
def team_delete(request, slug: str, team_id: Int64):
    services.team_delete(actor=actor_for(request, slug), team_id=team_id)
    return Status(204, None)


@router.get("/w/{slug}/territories", response=list[TerritoryOut])
@paginate(LimitOffset)
def territory_list(request, slug: str):
    return selectors.territory_list(actor=actor_for(request, slug))


@router.post("/w/{slug}/territories", response={201: TerritoryOut})
def territory_create(request, slug: str, payload: TerritoryIn):
    territory = services.territory_create(actor=actor_for(request, slug), **payload.dict())
    return Status(201, territory)


@router.get("/w/{slug}/territories/{territory_id}", response=TerritoryOut)
def territory_get(request, slug: str, territory_id: Int64):
    return selectors.territory_get(actor=actor_for(request, slug), territory_id=territory_id)


@router.put("/w/{slug}/territories/{territory_id}", response=TerritoryOut)
def territory_update(request, slug: str, territory_id: Int64, payload: TerritoryIn):
    return services.territory_update(
        actor=actor_for(request, slug), territory_id=territory_id, **payload.dict()
    )


@router.delete("/w/{slug}/territories/{territory_id}", response={204: None})
def territory_delete(request, slug: str, territory_id: Int64):
    services.territory_delete(actor=actor_for(request, slug), territory_id=territory_id)
    return Status(204, None)
