"""Permission predicates for customer data that do not depend on one record. Record-level
rules (see, edit, manage) live in visibility.py."""

from __future__ import annotations

from dealroom.core.actors import Actor, Member, System


def can_create(actor: Actor) -> bool:
    return isinstance(actor, System) or isinstance(actor, Member) and actor.can_write


def can_configure(actor: Actor) -> bool:
    """Custom fields, field permissions, pool settings, reasons."""
    return isinstance(actor, System) or isinstance(actor, Member) and actor.is_admin
