"""What rooms add to other apps' pages (registered in apps.py): the deal page's room panel."""

from __future__ import annotations

from . import selectors
from .models import Room


def deal_panel(actor, opportunity) -> tuple[str, dict] | None:
    """The deal's room: a way in and who on the customer's side is active there."""
    room = Room.objects.visible_to(actor).filter(opportunity_id=opportunity.pk).first()
    if room is None:
        return None
    return "rooms/_deal_panel.html", {
        "room": room,
        "engagement": selectors.engagement_summary(actor, opportunity),
    }
