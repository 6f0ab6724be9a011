"""Who sees and edits which opportunity.

A member sees a deal when they are an admin, own it or manage its owner (team tree), are on
its deal team or manage someone who is, collaborate on it, or own (or manage the owner of) its
account: an account's owner keeps sight of every deal on their customer. The workspace's
"reps see all customers" setting is about customers, not deals. Editing: the owner and managers
above them, edit collaborators (customers/visibility.can_edit) and the deal team (here).
Field permissions (amount, …) are the customers app's, per role and field."""

from __future__ import annotations

from django.db.models import Q

from dealroom.core.actors import Actor, Member
from dealroom.customers.visibility import collaborating, owner_ids_for

OBJECT_TYPE = "opportunity"


def opportunity_q(actor: Member) -> Q:
    from .models import DealTeamMember

    owners = owner_ids_for(actor)
    on_team = DealTeamMember.objects.filter(member_id__in=owners).values("opportunity_id")
    return (
        Q(owner_id__in=owners)
        | Q(pk__in=on_team)
        | Q(pk__in=collaborating(actor, OBJECT_TYPE))
        | Q(account__owner_id__in=owners)
    )


def on_deal_team(actor: Member, opportunity) -> bool:
    """The actor, or someone below them in the team tree, is on the deal team."""
    from .models import DealTeamMember

    return DealTeamMember.objects.filter(
        opportunity_id=opportunity.pk, member_id__in=owner_ids_for(actor)
    ).exists()


def can_reopen(actor: Actor) -> bool:
    """Reopening a won or lost deal is for managers (and admins) who may see it."""
    return isinstance(actor, Member) and actor.can_write and actor.is_manager


def visible_ids(actor: Actor):
    from .models import Opportunity

    if isinstance(actor, Member) and actor.is_admin:
        return None
    return Opportunity.objects.visible_to(actor).values("pk")
