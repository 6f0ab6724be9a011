"""Human sentences for events, translated at read time in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def _kind(noun: str) -> str:
    return {
        "account": _("account"),
        "contact": _("contact"),
        "lead": _("lead"),
        "opportunity": _("deal"),
    }.get(noun, noun)


def _local(d: dict, key: str) -> str:
    """A name kept in both languages (a stage's), in the reader's."""
    from django.utils.translation import get_language

    if (get_language() or "").startswith("zh") and d.get(f"{key}_zh"):
        return d[f"{key}_zh"]
    return d.get(key) or "—"


def _status(code: str) -> str:
    return {"open": _("open"), "won": _("won"), "lost": _("lost")}.get(code, code)


def _level(code: str) -> str:
    return {"follow": _("follow"), "view": _("view"), "edit": _("edit")}.get(code, code)


# Customer records: one sentence per action, the kind of record named in the reader's language.
RECORD_MESSAGES: dict[str, Callable[[dict, str], str]] = {
    "created": lambda d, k: (
        _("%(actor)s created the %(kind)s %(name)s")
        % {"actor": _someone(d), "kind": k, "name": d.get("name", "")}
    ),
    "updated": lambda d, k: (
        _("%(actor)s updated the %(kind)s %(name)s")
        % {"actor": _someone(d), "kind": k, "name": d.get("name", "")}
    ),
    "archived": lambda d, k: (
        _("%(actor)s archived the %(kind)s %(name)s")
        % {"actor": _someone(d), "kind": k, "name": d.get("name", "")}
    ),
    "restored": lambda d, k: (
        _("%(actor)s restored the %(kind)s %(name)s")
        % {"actor": _someone(d), "kind": k, "name": d.get("name", "")}
    ),
    "deleted": lambda d, k: (
        _("%(actor)s deleted the %(kind)s %(name)s")
        % {"actor": _someone(d), "kind": k, "name": d.get("name", "")}
    ),
    "owner_changed": lambda d, k: (
        _("%(actor)s gave the %(kind)s %(name)s to %(new)s (was %(old)s)")
        % {
            "actor": _someone(d),
            "kind": k,
            "name": d.get("name", ""),
            "new": d.get("new_owner", ""),
            "old": d.get("old_owner") or "—",
        }
    ),
    "collaborator_set": lambda d, k: (
        _("%(actor)s gave %(member)s “%(level)s” access to %(name)s")
        % {
            "actor": _someone(d),
            "member": d.get("member_name", ""),
            "level": _level(d.get("level", "")),
            "name": d.get("name", ""),
        }
    ),
    "collaborator_removed": lambda d, k: (
        _("%(actor)s removed %(member)s's access to %(name)s")
        % {"actor": _someone(d), "member": d.get("member_name", ""), "name": d.get("name", "")}
    ),
    "contact_linked": lambda d, k: (
        _("%(actor)s added %(contact)s to %(name)s")
        % {"actor": _someone(d), "contact": d.get("contact_name", ""), "name": d.get("name", "")}
    ),
    "contact_unlinked": lambda d, k: (
        _("%(actor)s removed %(contact)s from %(name)s")
        % {"actor": _someone(d), "contact": d.get("contact_name", ""), "name": d.get("name", "")}
    ),
    "claimed": lambda d, k: (
        _("%(actor)s claimed the lead %(name)s from the pool")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "released": lambda d, k: (
        _("%(actor)s returned the lead %(name)s to the pool")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "returned_to_pool": lambda d, k: (
        _("The lead %(name)s went back to the pool: %(owner)s had not touched it for %(days)s days")
        % {"name": d.get("name", ""), "owner": d.get("old_owner", ""), "days": d.get("days", "")}
    ),
    "disqualified": lambda d, k: (
        _("%(actor)s disqualified the lead %(name)s: %(reason)s")
        % {"actor": _someone(d), "name": d.get("name", ""), "reason": d.get("reason", "")}
    ),
    # deals (pipeline app)
    "stage_changed": lambda d, k: (
        _("%(actor)s moved %(name)s from %(old)s to %(new)s")
        % {
            "actor": _someone(d),
            "name": d.get("name", ""),
            "old": _local(d, "from"),
            "new": _local(d, "to"),
        }
    ),
    "won": lambda d, k: (
        _("%(actor)s won the deal %(name)s") % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "lost": lambda d, k: (
        _("%(actor)s lost the deal %(name)s: %(reason)s")
        % {"actor": _someone(d), "name": d.get("name", ""), "reason": d.get("reason", "")}
    ),
    "reopened": lambda d, k: (
        _("%(actor)s reopened the deal %(name)s (was %(was)s)")
        % {"actor": _someone(d), "name": d.get("name", ""), "was": _status(d.get("was", ""))}
    ),
    "probability_set": lambda d, k: (
        _("%(actor)s changed the win probability of %(name)s")
        % {"actor": _someone(d), "name": d.get("name", "")}
    ),
    "team_changed": lambda d, k: (
        _("%(actor)s changed the deal team of %(name)s: %(team)s")
        % {
            "actor": _someone(d),
            "name": d.get("name", ""),
            "team": ", ".join(f"{m.get('name', '')} {m.get('split', '')}%" for m in d["team"])
            if d.get("team")
            else "—",
        }
    ),
    "contact_added": lambda d, k: (
        _("%(actor)s added %(contact)s to %(name)s")
        % {"actor": _someone(d), "contact": d.get("contact", ""), "name": d.get("name", "")}
    ),
    "contact_changed": lambda d, k: (
        _("%(actor)s changed the role of %(contact)s on %(name)s")
        % {"actor": _someone(d), "contact": d.get("contact", ""), "name": d.get("name", "")}
    ),
    "contact_removed": lambda d, k: (
        _("%(actor)s removed %(contact)s from %(name)s")
        % {"actor": _someone(d), "contact": d.get("contact", ""), "name": d.get("name", "")}
    ),
    "milestone_done": lambda d, k: (
        _("%(actor)s ticked “%(milestone)s” on %(name)s")
        % {"actor": _someone(d), "milestone": d.get("milestone", ""), "name": d.get("name", "")}
    ),
    "milestone_undone": lambda d, k: (
        _("%(actor)s unticked “%(milestone)s” on %(name)s")
        % {"actor": _someone(d), "milestone": d.get("milestone", ""), "name": d.get("name", "")}
    ),
    "converted": lambda d, k: (
        _("%(actor)s converted the lead %(name)s into %(account)s")
        % {"actor": _someone(d), "name": d.get("name", ""), "account": d.get("account_name", "")}
    ),
}

MESSAGES.update(
    {
        "note.added": lambda d: (
            _("%(actor)s added a note to %(name)s")
            % {"actor": _someone(d), "name": d.get("name", "")}
        ),
        "custom_field.created": lambda d: (
            _("%(actor)s added the field %(label)s")
            % {"actor": _someone(d), "label": d.get("label", "")}
        ),
        "custom_field.updated": lambda d: (
            _("%(actor)s changed the field %(label)s")
            % {"actor": _someone(d), "label": d.get("label", "")}
        ),
        "field_permission.changed": lambda d: (
            _("%(actor)s changed who may see the field %(field)s")
            % {"actor": _someone(d), "field": d.get("field", "")}
        ),
        "customer_settings.changed": lambda d: (
            _("%(actor)s changed the customer settings") % {"actor": _someone(d)}
        ),
        "opportunity_type.created": lambda d: (
            _("%(actor)s added the opportunity type %(name)s")
            % {"actor": _someone(d), "name": d.get("name", "")}
        ),
        "opportunity_type.updated": lambda d: (
            _("%(actor)s changed the opportunity type %(name)s")
            % {"actor": _someone(d), "name": d.get("name", "")}
        ),
        "stage.created": lambda d: (
            _("%(actor)s added the stage %(name)s to %(type)s")
            % {"actor": _someone(d), "name": d.get("name", ""), "type": d.get("type", "")}
        ),
        "stage.updated": lambda d: (
            _("%(actor)s changed the stage %(name)s of %(type)s")
            % {"actor": _someone(d), "name": d.get("name", ""), "type": d.get("type", "")}
        ),
        "stage.reordered": lambda d: (
            _("%(actor)s reordered the stages of %(type)s")
            % {"actor": _someone(d), "type": d.get("type", "")}
        ),
        "stage.archived": lambda d: (
            _("%(actor)s archived the stage %(name)s of %(type)s")
            % {"actor": _someone(d), "name": d.get("name", ""), "type": d.get("type", "")}
        ),
        "stage.restored": lambda d: (
            _("%(actor)s restored the stage %(name)s of %(type)s")
            % {"actor": _someone(d), "name": d.get("name", ""), "type": d.get("type", "")}
        ),
        "milestone.created": lambda d: (
            _("%(actor)s added “%(title)s” to the checklist of %(stage)s")
            % {"actor": _someone(d), "title": d.get("title", ""), "stage": d.get("stage", "")}
        ),
        "milestone.archived": lambda d: (
            _("%(actor)s removed “%(title)s” from a checklist")
            % {"actor": _someone(d), "title": d.get("title", "")}
        ),
        "loss_reason.created": lambda d: (
            _("%(actor)s added the loss reason %(name)s")
            % {"actor": _someone(d), "name": d.get("name", "")}
        ),
    }
)


def describe(event: ActivityEvent) -> str:
    render = MESSAGES.get(event.verb)
    if render is not None:
        return render(event.data or {})
    noun, _dot, action = event.verb.partition(".")
    record_render = RECORD_MESSAGES.get(action)
    if noun in ("account", "contact", "lead", "opportunity") and record_render is not None:
        return record_render(event.data or {}, _kind(noun))
    return event.verb


def describe_room_day(group) -> str:
    """A room's events of a day on a record's timeline (selectors.RoomDay), in one sentence."""
    deal = group.last.link.place or group.last.data.get("deal", "")
    return ngettext(
        "%(n)s update in the room of %(deal)s", "%(n)s updates in the room of %(deal)s", group.count
    ) % {"n": group.count, "deal": deal}


def room_day_kinds(group) -> str:
    """What a RoomDay was mostly made of; other kinds count only in its total."""
    kinds = [
        (group.comments, ngettext("%(n)s comment", "%(n)s comments", group.comments)),
        (group.done, ngettext("%(n)s task done", "%(n)s tasks done", group.done)),
        (group.files, ngettext("%(n)s file", "%(n)s files", group.files)),
    ]
    return " · ".join(text % {"n": n} for n, text in kinds if n)
