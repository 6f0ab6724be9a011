"""`visible_to(actor)` for opportunities. The rules themselves live in visibility.py."""

from __future__ import annotations

from django.db import models

from dealroom.core.actors import Actor, Member, System


class OpportunityQuerySet(models.QuerySet):
    object_type = "opportunity"

    def visible_to(self, actor: Actor, *, listing: bool = False):
        from . import visibility

        if isinstance(actor, System):
            return self.filter(workspace_id=actor.workspace_id)
        if not isinstance(actor, Member):
            return self.none()  # guests reach deals only through their rooms
        qs = self.filter(workspace_id=actor.workspace_id)
        if actor.is_admin:
            return qs
        return qs.filter(visibility.opportunity_q(actor))
