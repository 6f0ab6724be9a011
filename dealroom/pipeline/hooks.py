"""What other apps do when a deal is created or enters a stage, inside the same transaction.

Explicit registration at start-up (an app's `ready()` appends a callable), not signals: the
rooms app creates a deal's room and applies room templates here. Each hook is called as
`hook(actor=..., opportunity=...)` (and `stage=` for STAGE_ENTERED); an error rolls the whole
change back."""

from __future__ import annotations

from collections.abc import Callable

DEAL_CREATED: list[Callable[..., None]] = []
STAGE_ENTERED: list[Callable[..., None]] = []


def deal_created(*, actor, opportunity) -> None:
    for hook in DEAL_CREATED:
        hook(actor=actor, opportunity=opportunity)


def stage_entered(*, actor, opportunity, stage) -> None:
    for hook in STAGE_ENTERED:
        hook(actor=actor, opportunity=opportunity, stage=stage)
