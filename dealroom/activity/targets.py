"""Events about records that not everyone may see (audience "record"). Apps that own such
records register, at start-up, how to tell which targets an actor sees and how to take
hidden fields out of an event's data. Explicit registration instead of signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from dealroom.core.actors import Actor


@dataclass(frozen=True)
class Target:
    visible_ids: Callable[[Actor], object]  # a values("pk") queryset, or None for "all"
    redact: Callable[[Actor, dict], dict]


_TARGETS: dict[str, Target] = {}


def register(label: str, *, visible_ids, redact) -> None:
    _TARGETS[label] = Target(visible_ids=visible_ids, redact=redact)


def visible_q(actor: Actor) -> Q:
    """Record events whose target the actor may see."""
    q = Q(pk__in=[])
    for label, target in _TARGETS.items():
        ids = target.visible_ids(actor)
        q |= Q(target_type=label) if ids is None else Q(target_type=label, target_id__in=ids)
    return q


def redact(actor: Actor, events) -> list:
    """Apply each target's field rules to the events' data, in place; returns the list."""
    for event in events:
        target = _TARGETS.get(event.target_type)
        if target is not None:
            event.data = target.redact(actor, event.data)
    return events
