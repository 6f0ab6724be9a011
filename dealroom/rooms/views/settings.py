"""The workspace's rules for rooms (admins): guest link lifetime, e-mail codes, file size."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dealroom.core.errors import Invalid
from dealroom.workspaces.guards import member_view

from .. import selectors, services


@member_view
def workspace_settings(request, actor):
    if not actor.is_admin:
        raise PermissionDenied
    current = selectors.room_settings(actor.workspace_id)
    error = None
    values = {
        "invite_days": current.invite_days,
        "max_file_mb": current.max_file_mb,
        "require_email_code": current.require_email_code,
    }
    if request.method == "POST":
        values = {
            "invite_days": request.POST.get("invite_days", ""),
            "max_file_mb": request.POST.get("max_file_mb", ""),
            "require_email_code": request.POST.get("require_email_code", ""),
        }
        try:
            services.room_workspace_settings_update(actor=actor, **values)
        except Invalid as e:
            error = e
        else:
            messages.success(request, _("Room settings saved."))
            return redirect("room_workspace_settings", slug=actor.workspace.slug)
    context = {"values": values, "error": error}
    return render(request, "rooms/settings.html", context, status=400 if error else 200)
