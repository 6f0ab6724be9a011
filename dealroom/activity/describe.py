"""Human sentences for events, translated at read time in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from .models import ActivityEvent


def _role(code: str) -> str:
    from dealroom.workspaces.models import Role

    try:
        return str(Role(code).label)
    except ValueError:
        return code


def _someone(data: dict) -> str:
    return data.get("actor_name") or _("Dealroom")


MESSAGES: dict[str, Callable[[dict], str]] = {
    "workspace.created": lambda d: (
        _("%(actor)s created the workspace %(name)s")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "member.invited": lambda d: (
        _("%(actor)s invited %(email)s as %(role)s")
        % {"actor": _someone(d), "email": d.get("email", ""), "role": _role(d.get("role", ""))}
    ),
    "invitation.revoked": lambda d: (
        _("%(actor)s revoked the invitation of %(email)s")
        % {"actor": _someone(d), "email": d.get("email", "")}
    ),
    "member.joined": lambda d: (
        _("%(name)s joined the workspace as %(role)s")
        % {"name": d.get("member_name", ""), "role": _role(d.get("role", ""))}
    ),
    "member.role_changed": lambda d: (
        _("%(actor)s changed the role of %(name)s from %(old)s to %(new)s")
        % {
            "actor": _someone(d),
            "name": d.get("member_name", ""),
            "old": _role(d.get("old_role", "")),
            "new": _role(d.get("new_role", "")),
        }
    ),
    "member.deactivated": lambda d: (
        _("%(actor)s deactivated %(name)s")
        % {"actor": _someone(d), "name": d.get("member_name", "")}
    ),
    "member.reactivated": lambda d: (
        _("%(actor)s reactivated %(name)s")
        % {"actor": _someone(d), "name": d.get("member_name", "")}
    ),
    "member.team_changed": lambda d: (
        _("%(actor)s moved %(name)s to the team %(team)s")
        % {"actor": _someone(d), "name": d.get("member_name", ""), "team": d.get("team") or "—"}
    ),
    "team.created": lambda d: (
        _("%(actor)s created the team %(name)s") % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "team.updated": lambda d: (
        _("%(actor)s updated the team %(name)s") % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "team.deleted": lambda d: (
        _("%(actor)s deleted the team %(name)s") % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "territory.created": lambda d: (
        _("%(actor)s created the territory %(name)s")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "territory.updated": lambda d: (
        _("%(actor)s updated the territory %(name)s")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "territory.deleted": lambda d: (
        _("%(actor)s deleted the territory %(name)s")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
}


def describe(event: ActivityEvent) -> str:
    render = MESSAGES.get(event.verb)
    if render is None:
        return event.verb
    return render(event.data or {})
