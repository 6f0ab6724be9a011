"""The search box across accounts, contacts and leads."""

from __future__ import annotations

from django.shortcuts import render

from dealroom.core.htmx import is_htmx
from dealroom.workspaces.guards import member_view

from .. import search
from .common import (
    PLURAL,
)


@member_view
def global_search(request, actor):
    q = request.GET.get("q", "").strip()[:100]
    results = search.search(actor=actor, query=q, limit=8 if is_htmx(request) else 25)
    groups = [(t, PLURAL[t], results.get(t, [])) for t in ("account", "contact", "lead")]
    context = {"q": q, "groups": groups, "found": any(r for _t, _p, r in groups)}
    if is_htmx(request):
        return render(request, "customers/_search_results.html", context)
    return render(request, "customers/search.html", context)
