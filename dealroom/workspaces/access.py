"""Permission predicates for workspace administration. Pure functions of the actor."""

from __future__ import annotations

from dealroom.core.actors import Actor, Member, System


def can_manage_members(actor: Actor) -> bool:
    return isinstance(actor, System) or (isinstance(actor, Member) and actor.is_admin)


def can_manage_teams(actor: Actor) -> bool:
    return can_manage_members(actor)


def can_manage_territories(actor: Actor) -> bool:
    return can_manage_members(actor)


def can_view_invitations(actor: Actor) -> bool:
    return can_manage_members(actor)
