"""Who sees and who runs which room.

Members see a room when they may see its deal (pipeline/visibility.py: owner and managers
above, deal team, collaborators, the account's owner side, admins) or were added to the room.
Running a room — members, guests, settings — is for the deal owner and managers above them,
the deal team, and admins. Guests see the rooms they are an active guest of, and inside them
only what is shared (querysets.py). Anyone who sees a room takes part in it as a peer."""

from __future__ import annotations

from django.db.models import Q

from dealroom.core.actors import Actor, Guest, Member
from dealroom.customers import visibility as customer_visibility


def room_q(actor: Member) -> Q:
    from dealroom.pipeline.models import Opportunity

    from .models import RoomMember

    added = RoomMember.objects.filter(
        membership_id=actor.membership.pk, removed_at__isnull=True
    ).values("room_id")
    return Q(opportunity__in=Opportunity.objects.visible_to(actor).values("pk")) | Q(pk__in=added)


def visible_room_ids(actor: Actor):
    """For room events (activity/targets.py): None means every room of the workspace."""
    from .models import Room

    if isinstance(actor, Member) and actor.is_admin:
        return None
    return Room.objects.visible_to(actor).values("pk")


def can_manage(actor: Actor, room) -> bool:
    """Members, guests and room settings: the deal owner and managers above, the deal team,
    admins."""
    if not isinstance(actor, Member) or not actor.can_write:
        return False
    # Kept in the actor's memo (core/actors.py): a render asks once per partial, and the deal
    # team is a query each time.
    key = ("rooms.can_manage", room.pk)
    if key not in actor.memo:
        from dealroom.pipeline.visibility import on_deal_team

        opp = room.opportunity
        actor.memo[key] = customer_visibility.can_manage(actor, opp) or on_deal_team(actor, opp)
    return actor.memo[key]


def can_take_part(actor: Actor) -> bool:
    """Posting, tasks, files: every guest, every member who may write."""
    if isinstance(actor, Guest):
        return True
    return isinstance(actor, Member) and actor.can_write
