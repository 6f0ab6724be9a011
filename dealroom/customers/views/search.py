"""The global search box: accounts, contacts and leads, and what other apps register (deals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.shortcuts import render

from dealroom.core.htmx import is_htmx
from dealroom.workspaces.guards import member_view

from .. import search

# Other apps' searches, registered at start-up: (object_type, search(actor=, query=, limit=)).
SEARCH_EXTRAS: list[tuple[str, Callable[..., list[Any]]]] = []


@member_view
def global_search(request, actor):
    q = request.GET.get("q", "").strip()[:100]
    limit = 6 if is_htmx(request) else 25
    results = search.search(actor=actor, query=q, limit=limit)
    groups = [(t, results.get(t, [])) for t in ("account", "contact", "lead")]
    if q:
        groups += [(t, find(actor=actor, query=q, limit=limit)) for t, find in SEARCH_EXTRAS]
    context = {"q": q, "groups": groups, "found": any(r for _t, r in groups)}
    if is_htmx(request):
        return render(request, "customers/_search_results.html", context)
    return render(request, "customers/search.html", context)
