"""Deals in the global search box (customers/views/search.py asks every registered app)."""

from __future__ import annotations

from django.db.models import Case, Value, When

from dealroom.core.actors import Actor

from .models import Opportunity, Status


def opportunity_search(*, actor: Actor, query: str, limit: int = 8) -> list[Opportunity]:
    """Visible, unarchived deals whose name holds every word of the query; open deals first,
    then the nearest close date. Deal names are short and few per workspace next to
    customers, so a name filter is enough here; customers have their token index."""
    words = query.split()
    if not words:
        return []
    qs = Opportunity.objects.visible_to(actor).filter(archived_at__isnull=True)
    for word in words[:5]:
        qs = qs.filter(name__icontains=word)
    open_first = Case(When(status=Status.OPEN, then=Value(0)), default=Value(1))
    qs = qs.select_related("type", "stage").order_by(open_first, "close_date", "pk")
    return list(qs[:limit])
