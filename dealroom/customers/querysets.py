"""`visible_to(actor)` for customer records. The rules themselves live in visibility.py."""

from __future__ import annotations

from django.db import models

from dealroom.core.actors import Actor, Member, System


class WorkspaceQuerySet(models.QuerySet):
    """Workspace configuration any member may read (custom fields, reasons, permissions)."""

    def visible_to(self, actor: Actor):
        if isinstance(actor, Member | System):
            return self.filter(workspace_id=actor.workspace_id)
        return self.none()


class RecordQuerySet(models.QuerySet):
    object_type = ""

    def visible_to(self, actor: Actor, *, listing: bool = False):
        """Records the actor sees. `listing=True` for list pages and searches, which test many
        rows (same records, built as sets of ids once: see `visibility.record_q`)."""
        from . import visibility

        if isinstance(actor, System):
            return self.filter(workspace_id=actor.workspace_id)
        if not isinstance(actor, Member):
            return self.none()  # guests reach customer data only through their rooms
        qs = self.filter(workspace_id=actor.workspace_id)
        scope = visibility.scope_for(actor)
        if scope.sees_all:
            return qs
        return qs.filter(visibility.record_q(actor, self.object_type, listing=listing))


class AccountQuerySet(RecordQuerySet):
    object_type = "account"


class ContactQuerySet(RecordQuerySet):
    object_type = "contact"


class LeadQuerySet(RecordQuerySet):
    object_type = "lead"
