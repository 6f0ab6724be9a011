from __future__ import annotations

from django.db.models import Count, Q

from dealroom.core.actors import Actor, Member
from dealroom.core.errors import NotFound

from . import config
from .models import ApiToken, Invitation, Membership, Team, Territory, User, Workspace


def member_for_user(user, slug: str) -> Member | None:
    """The actor for a logged-in user in the workspace named by `slug`, or None.
    A workspace you are not an active member of does not exist for you."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:  # one membership per user and workspace: get() needs no ORDER BY, unlike first()
        membership = Membership.objects.select_related("workspace", "user").get(
            workspace__slug=slug, user_id=user.pk, is_active=True
        )
    except Membership.DoesNotExist:
        return None
    actor = Member(membership)
    config.remember_version(actor)  # read with the membership: no query of its own
    return actor


def member_get_or_404(user, slug: str) -> Member:
    actor = member_for_user(user, slug)
    if actor is None:
        raise NotFound()
    return actor


def workspace_list_for_user(user: User) -> list[Workspace]:
    return list(
        Workspace.objects.filter(memberships__user=user, memberships__is_active=True).order_by(
            "name"
        )
    )


def membership_list(*, actor: Actor, include_inactive: bool = True):
    qs = Membership.objects.visible_to(actor).select_related("user", "team")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("-is_active", "user__full_name")


def membership_get(*, actor: Actor, membership_id: int) -> Membership:
    m = membership_list(actor=actor).filter(pk=membership_id).first()
    if m is None:
        raise NotFound()
    return m


def team_list(*, actor: Actor):
    return (
        Team.objects.visible_to(actor)
        .select_related("manager__user", "parent")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )


def team_get(*, actor: Actor, team_id: int) -> Team:
    team = Team.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


def team_tree(*, actor: Actor) -> list[tuple[Team, int]]:
    """Teams in tree order with their depth, for indented display (one query)."""
    teams = list(team_list(actor=actor))
    children: dict[int | None, list[Team]] = {}
    for t in teams:
        children.setdefault(t.parent_id, []).append(t)
    out: list[tuple[Team, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for t in children.get(parent_id, []):
            out.append((t, depth))
            walk(t.pk, depth + 1)

    walk(None, 0)
    return out


def subtree_team_ids(workspace_id: int, root_ids: set[int]) -> set[int]:
    """The given teams and every team below them."""
    parent_of = dict(Team.objects.filter(workspace_id=workspace_id).values_list("pk", "parent_id"))
    found = set(root_ids)
    changed = True
    while changed:
        changed = False
        for tid, pid in parent_of.items():
            if pid in found and tid not in found:
                found.add(tid)
                changed = True
    return found


def managed_member_ids(*, actor: Member) -> set[int]:
    """Membership ids a manager sees down the team tree (their own included).
    Later issues use this for record visibility ("a manager above the owner")."""
    roots = set(
        Team.objects.filter(workspace_id=actor.workspace_id, manager=actor.membership).values_list(
            "pk", flat=True
        )
    )
    team_ids = subtree_team_ids(actor.workspace_id, roots) if roots else set()
    ids = set(
        Membership.objects.filter(
            workspace_id=actor.workspace_id, team_id__in=team_ids
        ).values_list("pk", flat=True)
    )
    ids.add(actor.membership.pk)
    return ids


def team_member_ids(*, actor: Actor, team_id: int):
    """Membership ids (a subquery) of a team of the actor's workspace and its sub-teams."""
    team_ids = subtree_team_ids(actor.workspace_id, {team_id})
    return Membership.objects.filter(workspace_id=actor.workspace_id, team_id__in=team_ids).values(
        "pk"
    )


def territory_list(*, actor: Actor):
    return Territory.objects.visible_to(actor).prefetch_related("members__user")


def territory_get(*, actor: Actor, territory_id: int) -> Territory:
    t = Territory.objects.visible_to(actor).filter(pk=territory_id).first()
    if t is None:
        raise NotFound()
    return t


def invitation_list(*, actor: Actor, pending_only: bool = True):
    qs = Invitation.objects.visible_to(actor).select_related("invited_by", "team")
    if pending_only:
        qs = qs.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return qs


def invitation_get(*, actor: Actor, invitation_id: int) -> Invitation:
    inv = Invitation.objects.visible_to(actor).filter(pk=invitation_id).first()
    if inv is None:
        raise NotFound()
    return inv


def api_token_list(*, user: User):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)
