"""Scoped reads start here: `Room.objects.visible_to(actor)` and, for what is inside a room,
`Task/Milestone/Comment.objects.visible_to(actor)` (guests see shared items only)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dealroom.core.actors import Actor, Guest, Member, System


class RoomQuerySet(models.QuerySet):
    def visible_to(self, actor: Actor):
        from . import visibility

        if isinstance(actor, System):
            return self.filter(workspace_id=actor.workspace_id)
        if isinstance(actor, Guest):
            return self.filter(workspace_id=actor.workspace_id, pk__in=actor.room_ids)
        if isinstance(actor, Member):
            qs = self.filter(workspace_id=actor.workspace_id)
            return qs if actor.is_admin else qs.filter(visibility.room_q(actor))
        return self.none()


class RoomItemQuerySet(models.QuerySet):
    """Milestones, tasks and comments: in a room the actor sees; for guests, shared only."""

    def visible_to(self, actor: Actor):
        from .models import Room

        rooms = Room.objects.visible_to(actor)
        if isinstance(actor, Guest):
            return self.filter(room_id__in=actor.room_ids, workspace_id=actor.workspace_id).filter(
                self.shared_q()
            )
        if isinstance(actor, Member) and actor.is_admin:
            return self.filter(workspace_id=actor.workspace_id)
        return self.filter(workspace_id=actor.workspace_id, room__in=rooms)

    def shared_q(self) -> Q:
        """What guests may see of this kind of item."""
        name = self.model._meta.model_name
        if name == "milestone":
            return Q(internal=False)
        if name == "task":
            return Q(internal=False) & (Q(milestone__isnull=True) | Q(milestone__internal=False))
        # comments: shared, in the room thread or under a shared task
        return Q(internal=False) & (
            Q(task__isnull=True)
            | Q(task__internal=False)
            & (Q(task__milestone__isnull=True) | Q(task__milestone__internal=False))
        )
