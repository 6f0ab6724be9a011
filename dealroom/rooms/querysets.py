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

    def in_room(self, actor: Actor, room):
        """The items of a room the caller already found visible to the actor
        (`selectors.room_get`): the room's items, for guests only the shared ones. The same
        answer as `visible_to(actor).filter(room=room)` without asking again which rooms the
        actor sees (a subquery over every visible deal), which busy rooms ask many times."""
        qs = self.filter(room=room)
        if isinstance(actor, Guest):
            return qs.filter(self.shared_q()) if room.pk in actor.room_ids else qs.none()
        return qs if isinstance(actor, Member | System) else qs.none()

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


def _shared_task_q(prefix: str) -> Q:
    """A task (reached through `prefix`) guests may see: shared, under no internal milestone."""
    return Q(**{f"{prefix}internal": False}) & (
        Q(**{f"{prefix}milestone__isnull": True}) | Q(**{f"{prefix}milestone__internal": False})
    )


class ResourceQuerySet(RoomItemQuerySet):
    """The resources section: guests see shared entries; deleted ones are nobody's."""

    def shared_q(self) -> Q:
        return Q(internal=False)

    def alive(self):
        return self.filter(deleted_at__isnull=True)


class RoomFileQuerySet(RoomItemQuerySet):
    """Stored files. A resource's file is shared when the resource is (its `internal` is kept
    equal to the resource's); an attachment only when its own flag and the task or comment it
    hangs on are shared, so making a task internal hides its files at once."""

    def shared_q(self) -> Q:
        comment_task = Q(comment__task__isnull=True) | _shared_task_q("comment__task__")
        return Q(internal=False) & (
            Q(is_resource=True)
            | Q(task__isnull=False) & _shared_task_q("task__")
            | Q(comment__isnull=False, comment__internal=False) & comment_task
        )

    def alive(self):
        """Not deleted, and still anchored: a resource, a task's, or a live comment's file."""
        return self.filter(deleted_at__isnull=True).filter(
            Q(is_resource=True)
            | Q(task__isnull=False)
            | Q(comment__isnull=False, comment__deleted_at__isnull=True)
        )


class EngagementQuerySet(models.QuerySet):
    """Who opened what: for the seller side only. Guests never read tracking, not even their
    own, so one guest can never learn what another did."""

    def visible_to(self, actor: Actor):
        from .models import Room

        if isinstance(actor, Member):
            if actor.is_admin:
                return self.filter(workspace_id=actor.workspace_id)
            return self.filter(
                workspace_id=actor.workspace_id, room__in=Room.objects.visible_to(actor)
            )
        if isinstance(actor, System):
            return self.filter(workspace_id=actor.workspace_id)
        return self.none()
