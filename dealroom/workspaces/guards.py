"""Resolve the acting member of the workspace named in the URL. Non-members get 404."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required

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
