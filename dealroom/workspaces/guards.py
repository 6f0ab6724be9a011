"""Resolve the acting member of the workspace named in the URL. Non-members get 404; members
whose role may not use an admin page get 403 saying which role it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.utils.functional import Promise

from dealroom.core.errors import Forbidden

from . import services
from .selectors import member_get_or_404


def member_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, slug: str, *args, **kwargs):
        actor = member_get_or_404(request.user, slug)
        request.actor = actor
        services.user_last_workspace_set(actor=actor)
        return view(request, actor, *args, **kwargs)

    return wrapper


def admin_view(refusal: str | Promise, *methods: str) -> Callable:
    """A workspace page for admins only. `refusal` is the sentence naming the role it needs
    ("Only admins can change customer settings."): every other member gets it as a 403 page,
    whatever the method, so a POST-only URL does not tell a rep more (405) than a page does.
    Outside the workspace it is 404, as every page (member_view runs first)."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @member_view
        @wraps(view)
        def wrapper(request, actor, *args, **kwargs):
            if not actor.is_admin:
                raise Forbidden(refusal)
            if request.method not in allowed:
                return HttpResponseNotAllowed(sorted(allowed))
            return view(request, actor, *args, **kwargs)

        return wrapper

    return decorate
