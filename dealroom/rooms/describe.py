"""Sentences for room events, in the reader's language (registered with activity.describe at
start-up). Guests have no user: their name travels in the event's data."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _who(d: dict) -> str:
    return d.get("actor_name") or _("Dealroom")


def _task(d: dict) -> dict:
    return {"actor": _who(d), "title": d.get("title", ""), "deal": d.get("deal", "")}


def _file(d: dict) -> dict:
    return {"actor": _who(d), "name": d.get("name", ""), "title": d.get("task_title", "")}


MESSAGES = {
    "room.created": lambda d: (
        _("The deal room of %(deal)s was opened") % {"deal": d.get("deal", "")}
    ),
    "room.member_added": lambda d: (
        _("%(actor)s added %(name)s to the room") % {"actor": _who(d), "name": d.get("name", "")}
    ),
    "room.member_removed": lambda d: (
        _("%(actor)s took %(name)s out of the room") % {"actor": _who(d), "name": d.get("name", "")}
    ),
    "room.guest_invited": lambda d: (
        _("%(actor)s invited %(name)s (%(email)s) to the room")
        % {"actor": _who(d), "name": d.get("name", ""), "email": d.get("email", "")}
    ),
    "room.invitation_revoked": lambda d: (
        _("%(actor)s revoked the room link of %(name)s")
        % {"actor": _who(d), "name": d.get("name", "")}
    ),
    "room.link_opened": lambda d: _("%(name)s used their room link") % {"name": d.get("name", "")},
    "room.guest_verified": lambda d: (
        _("%(name)s confirmed their e-mail with a code") % {"name": d.get("name", "")}
    ),
    "room.guest_opened": lambda d: (
        _("%(name)s opened the room for the first time") % {"name": d.get("name", "")}
    ),
    "room.code_refused": lambda d: (
        _("A wrong e-mail code was entered for %(name)s") % {"name": d.get("name", "")}
    ),
    "room.link_refused": lambda d: (
        _("The room link of %(name)s was refused (%(state)s)")
        % {"name": d.get("name", ""), "state": d.get("state", "")}
    ),
    "room.access_refused": lambda d: _("A guest was refused access to a room or item"),
    "room.new_link_requested": lambda d: (
        _("%(name)s asked for a new room link") % {"name": d.get("name", "")}
    ),
    "room.items_withdrawn": lambda d: _("%(actor)s made some items internal") % {"actor": _who(d)},
    "room.settings_changed": lambda d: (
        _("%(actor)s changed what the room shows its guests") % {"actor": _who(d)}
    ),
    "room_settings.changed": lambda d: (
        _("%(actor)s changed the rules for deal rooms") % {"actor": _who(d)}
    ),
    "room_milestone.created": lambda d: _("%(actor)s added the milestone “%(title)s”") % _task(d),
    "room_milestone.updated": lambda d: _("%(actor)s changed the milestone “%(title)s”") % _task(d),
    "room_milestone.deleted": lambda d: _("%(actor)s deleted the milestone “%(title)s”") % _task(d),
    "room_milestone.reordered": lambda d: _("%(actor)s reordered the plan") % _task(d),
    "room_task.created": lambda d: _("%(actor)s added the task “%(title)s”") % _task(d),
    "room_task.updated": lambda d: _("%(actor)s changed the task “%(title)s”") % _task(d),
    "room_task.completed": lambda d: _("%(actor)s completed “%(title)s”") % _task(d),
    "room_task.reopened": lambda d: _("%(actor)s reopened “%(title)s”") % _task(d),
    "room_task.blocked": lambda d: (
        _("%(actor)s marked “%(title)s” blocked: %(reason)s")
        % {**_task(d), "reason": d.get("reason", "")}
    ),
    "room_task.deleted": lambda d: _("%(actor)s deleted the task “%(title)s”") % _task(d),
    "room_task.reordered": lambda d: _("%(actor)s reordered the plan") % _task(d),
    "room_comment.posted": lambda d: (
        (
            _("%(actor)s commented on “%(title)s”: %(text)s")
            if d.get("task")
            else _("%(actor)s commented: %(text)s")
        )
        % {"actor": _who(d), "title": d.get("task_title", ""), "text": d.get("excerpt", "")}
    ),
    "room_comment.edited": lambda d: _("%(actor)s edited a comment") % {"actor": _who(d)},
    "room_comment.deleted": lambda d: _("%(actor)s deleted a comment") % {"actor": _who(d)},
    "room_resource.added": lambda d: _("%(actor)s added “%(title)s” to the resources") % _task(d),
    "room_resource.updated": lambda d: _("%(actor)s changed the resource “%(title)s”") % _task(d),
    "room_resource.reordered": lambda d: _("%(actor)s reordered the resources") % _task(d),
    "room_resource.deleted": lambda d: (
        _("%(actor)s removed “%(title)s” from the resources") % _task(d)
    ),
    "room_resource.opened": lambda d: (
        _("%(actor)s opened “%(title)s” for the first time") % _task(d)
    ),
    "room_resource.viewed": lambda d: _("%(actor)s viewed “%(title)s”") % _task(d),
    "room_resource.downloaded": lambda d: _("%(actor)s downloaded “%(title)s”") % _task(d),
    "room_resource.read": lambda d: (
        _("%(actor)s has spent %(time)s on “%(title)s”") % {**_task(d), "time": d.get("time", "")}
    ),
    "room_file.uploaded": lambda d: (
        (
            _("%(actor)s attached %(name)s to “%(title)s”")
            if d.get("task")
            else _("%(actor)s attached %(name)s to a comment")
        )
        % _file(d)
    ),
    "room_file.deleted": lambda d: _("%(actor)s removed the file %(name)s") % _file(d),
    "room_file.viewed": lambda d: _("%(actor)s viewed the file %(name)s") % _file(d),
    "room_file.downloaded": lambda d: _("%(actor)s downloaded the file %(name)s") % _file(d),
}

ICONS = {
    "room": ("ti-door", "blue"),
    "room_task": ("ti-list-check", "green"),
    "room_milestone": ("ti-flag", "purple"),
    "room_comment": ("ti-message", "azure"),
    "room_resource": ("ti-folder", "orange"),
    "room_file": ("ti-paperclip", "cyan"),
}
