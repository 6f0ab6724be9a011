"""Where an entry leads: the page of what the event is about (a room's task, a deal, a record,
the members page) and the room it happened in. Apps register one linker per target type at
start-up, as they register visibility with targets.py; the activity selectors give every event
they read its link, so feeds, notifications, timelines and live toasts lead to the same place.
A linker reads which of its objects still exist (a query or two for a whole page): an entry
whose object is gone has no link rather than one to a missing page. Links carry only ids the
event already names, so a visible event's link reveals nothing more."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from dealroom.core.actors import Actor

if TYPE_CHECKING:
    from .models import ActivityEvent


@dataclass(frozen=True)
class Link:
    url: str = ""  # "" when the object is gone
    place: str = ""  # the room's deal, for events whose sentence does not name it
    place_url: str = ""


NO_LINK = Link()

# (workspace slug, the page's events of one target type) -> {event id: its link}
Linker = Callable[[str, list["ActivityEvent"]], dict[int, Link]]

_LINKERS: dict[str, Linker] = {}


def register(label: str, linker: Linker) -> None:
    _LINKERS[label] = linker


def attach(actor: Actor, events: list) -> list:
    """Set each event's `link`, one linker call per target type present; returns the list."""
    by_type: dict[str, list] = defaultdict(list)
    for event in events:
        event.link = NO_LINK
        if event.target_id is not None and event.target_type in _LINKERS:
            by_type[event.target_type].append(event)
    for label, some in by_type.items():
        found = _LINKERS[label](actor.workspace.slug, some)
        for event in some:
            event.link = found.get(event.pk, NO_LINK)
    return events


def _alive(model: Any, ids) -> set[int]:
    return set(model.objects.filter(pk__in=set(ids)).values_list("pk", flat=True))


def pages(model: Any, url_name: str, *, own_page: bool = True) -> Linker:
    """Objects with a page of their own (a record: `url_name` takes the slug and the id), or
    listed on one page of the workspace (members, teams: it takes the slug alone)."""

    def linker(slug: str, events: list) -> dict[int, Link]:
        alive = _alive(model, (e.target_id for e in events))
        return {
            e.pk: Link(url=reverse(url_name, args=[slug, e.target_id] if own_page else [slug]))
            for e in events
            if e.target_id in alive
        }

    return linker


def room_items(room_model: Any, task_model: Any) -> Linker:
    """Room events target the room and name their item in the data. A task has a page of its
    own (comments on it are there); comments, milestones and resources are anchors on the room
    page. The room is named by its deal's name as it is now (the event keeps the old one for
    a room since deleted)."""

    def linker(slug: str, events: list) -> dict[int, Link]:
        rooms = dict(
            room_model.objects.filter(pk__in={e.target_id for e in events}).values_list(
                "pk", "opportunity__name"
            )
        )
        named = [e.data["task"] for e in events if (e.data or {}).get("task")]
        tasks = _alive(task_model, named) if named else set()
        links = {}
        for e in events:
            data = e.data or {}
            if e.target_id not in rooms:
                links[e.pk] = Link(place=data.get("deal", ""))
                continue
            where = {"side": "w", "slug": slug, "room_id": e.target_id}
            room_url = reverse("room_page", kwargs=where)
            task = data.get("task")
            if not task:
                url = room_url + _anchor(data, ("comment", "milestone", "resource"))
            elif task in tasks:
                task_url = reverse("room_task", kwargs={**where, "task_id": task})
                url = task_url + _anchor(data, ("comment",))
            else:
                url = ""
            place = rooms[e.target_id] or data.get("deal", "")
            links[e.pk] = Link(url=url, place=place, place_url=room_url)
        return links

    return linker


def _anchor(data: dict, keys: tuple[str, ...]) -> str:
    """The element of the item on its page (rooms' templates: id="comment-<id>" etc.)."""
    return next((f"#{key}-{data[key]}" for key in keys if data.get(key)), "")
