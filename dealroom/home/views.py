"""The home page, `/w/<slug>/`: what a member should do today, by role.

A page of sections. Each section is a function of the actor that returns its template and
context, or None when it has nothing to say to this actor; the page lays them out in two
columns in the order of SECTIONS. Later work (the daily queue, forecast charts) adds a
function here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.shortcuts import render
from django.utils import timezone

from dealroom.activity import selectors as activity
from dealroom.pipeline.selectors import amounts_visible
from dealroom.workspaces.guards import member_view
from dealroom.workspaces.selectors import managed_member_ids

from . import selectors


@dataclass
class Section:
    template: str
    context: dict[str, Any]
    wide: bool = True  # the main column; else the side column


def _scope(actor) -> set[int] | None:
    """Whose deals a manager's sections cover: an admin's every owner, a manager's tree."""
    return None if actor.is_admin else managed_member_ids(actor=actor)


def tasks_section(actor, now) -> Section:
    return Section("home/_tasks.html", {"tasks": selectors.my_tasks(actor=actor, now=now)})


def my_deals_section(actor, now) -> Section:
    deals = selectors.deals_needing_attention(actor=actor, owner_ids={actor.membership.pk}, now=now)
    return Section("home/_attention.html", {"deals": deals, "team": False})


def team_pipeline_section(actor, now) -> Section | None:
    if not actor.is_manager:
        return None
    pipelines = selectors.pipeline_by_stage(actor=actor, owner_ids=_scope(actor))
    return Section(
        "home/_pipeline.html", {"pipelines": pipelines, "show_amounts": amounts_visible(actor)}
    )


def team_risk_section(actor, now) -> Section | None:
    if not actor.is_manager:
        return None
    deals = selectors.deals_needing_attention(actor=actor, owner_ids=_scope(actor), now=now)
    return Section("home/_attention.html", {"deals": deals, "team": True})


def rooms_section(actor, now) -> Section:
    rooms = selectors.rooms_with_customer_news(actor=actor)
    return Section("home/_rooms.html", {"rooms": rooms}, wide=False)


def leads_section(actor, now) -> Section:
    return Section("home/_leads.html", {"queue": selectors.lead_queue(actor=actor)}, wide=False)


def setup_section(actor, now) -> Section | None:
    if not actor.is_admin:
        return None
    return Section("home/_setup.html", {}, wide=False)


def feed_section(actor, now) -> Section:
    return Section("home/_feed.html", {"events": activity.event_list(actor=actor, limit=8)}, False)


SECTIONS: list[Callable[..., Section | None]] = [
    tasks_section,
    my_deals_section,
    team_pipeline_section,
    team_risk_section,
    rooms_section,
    leads_section,
    setup_section,
    feed_section,
]


@member_view
def home(request, actor):
    now = timezone.now()
    sections = [s for make in SECTIONS if (s := make(actor, now)) is not None]
    return render(
        request,
        "home/home.html",
        {
            "main": [s for s in sections if s.wide],
            "side": [s for s in sections if not s.wide],
            "now": now,
        },
    )
