"""Room templates: the milestones, tasks and resources a room starts with, per opportunity type,
applied when the room is created (no stage) or when the deal enters a stage (pipeline hooks).

Admins write templates; the person whose action triggers one applies it — the deal's creator
when the room is made, the person who moved the deal when it enters a stage. Applying goes
through the plan and files services as that person, so the room gets the same events, the same
checks and the same live updates as if they had typed it in. Internal flags of the template are
kept (the appliers are sellers, who may mark items internal). Each template applies once per
room (`RoomTemplateUse`), however often the deal comes back to its stage.

Choices:
- A template task is due `due_in_days` from the day it is applied, at 17:00 local time (none
  when the template gives no days).
- A template task of kind "meeting" is created as an ordinary task: a template knows no start,
  end or place, and a meeting with made-up times would send made-up calendar invitations. The
  room's people turn it into a meeting when they set a time.
- The deal's first stage is entered when the deal is created: the room created with it gets the
  templates "when the room is created" and then those of the stage the deal starts in.
- If the person who triggers a template cannot take part in the room (a manager creating a deal
  for someone outside their teams, a system job), the deal's owner applies it: a deal is never
  refused because of a template.

Reads for the admin pages (`room_template_list`, `room_template_get`) sit here beside the writes
they serve: templates are workspace configuration, seen by admins only."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.activity.models import Audience
from dealroom.activity.services import record
from dealroom.core.actors import Actor, Member
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.pipeline.models import Opportunity, OpportunityType, Stage, Variant
from dealroom.workspaces.models import Membership

from .. import visibility
from ..models import ResourceKind, Room, RoomTemplate, RoomTemplateUse, TaskKind
from .common import room_event
from .files import resource_link_add
from .plan import milestone_create, task_create

MAX_MILESTONES = 50
MAX_TASKS = 500
MAX_RESOURCES = 50
MAX_DAYS = 365
DUE_HOUR = 17


# -- checking a template -------------------------------------------------------------------


def _require_admin(actor: Actor) -> Member:
    if not isinstance(actor, Member) or not actor.is_admin:
        raise Forbidden(_("Only admins manage room templates."))
    return actor


def _as_pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _flag(value) -> bool | None:
    """A yes/no in a plan: JSON booleans (and what a form sends); None when it is neither."""
    if value in (None, "", False, 0, "0", "false", "off"):
        return False
    if value in (True, 1, "1", "true", "on"):
        return True
    return None


def _text(value) -> str:
    return " ".join(str(value or "").split()) if isinstance(value, str | int | float) else ""


def _days(value) -> int | None | bool:
    """Whole days from −365 to 365, or None for "no due date"; False when it is neither."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        value = value.strip().replace("\u2212", "-")  # a typographic minus sign too
        if not re.fullmatch(r"[+-]?[0-9]{1,4}", value):
            return False
        value = int(value)
    if not isinstance(value, int) or not -MAX_DAYS <= value <= MAX_DAYS:
        return False
    return value


@dataclass
class _Checker:
    """Walks a submitted plan, collecting one message per wrong field (its path is the key:
    `milestones.0.tasks.2.due_in_days`), and builds the clean plan."""

    errors: dict[str, str]

    def title(self, path: str, value, where: str) -> str:
        title = _text(value)
        if not 1 <= len(title) <= 200:
            self.errors[path] = _("%(where)s: give it a title of 1 to 200 characters.") % {
                "where": where
            }
        return title

    def flag(self, path: str, value, where: str) -> bool:
        flag = _flag(value)
        if flag is None:
            self.errors[path] = _("%(where)s: “internal” is yes or no.") % {"where": where}
        return bool(flag)

    def task(self, path: str, raw, where: str) -> dict:
        if not isinstance(raw, dict):
            self.errors[path] = _("%(where)s: not a task.") % {"where": where}
            return {}
        named = where
        if _text(raw.get("title")):
            named = f"{where} (“{_text(raw.get('title'))[:60]}”)"
        description = str(raw.get("description") or "").strip()
        if len(description) > 10_000:
            self.errors[f"{path}.description"] = _(
                "%(where)s: keep the description under 10,000 characters."
            ) % {"where": named}
        kind = raw.get("kind") or TaskKind.TASK
        if kind not in TaskKind.values:
            self.errors[f"{path}.kind"] = _("%(where)s: the kind is task or meeting.") % {
                "where": named
            }
        days = _days(raw.get("due_in_days"))
        if days is False:
            self.errors[f"{path}.due_in_days"] = _(
                "%(where)s: the days until it is due are a whole number from -365 to 365."
            ) % {"where": named}
        return {
            "title": self.title(f"{path}.title", raw.get("title"), where),
            "description": description,
            "kind": kind,
            "due_in_days": days if days is not False else None,
            "internal": self.flag(f"{path}.internal", raw.get("internal"), named),
        }

    def milestone(self, path: str, raw, n: int) -> dict:
        where = _("Milestone %(n)d") % {"n": n}
        if not isinstance(raw, dict):
            self.errors[path] = _("%(where)s: not a milestone.") % {"where": where}
            return {}
        tasks = raw.get("tasks") or []
        if not isinstance(tasks, list):
            self.errors[f"{path}.tasks"] = _("%(where)s: the tasks are a list.") % {"where": where}
            tasks = []
        return {
            "title": self.title(f"{path}.title", raw.get("title"), where),
            "internal": self.flag(f"{path}.internal", raw.get("internal"), where),
            "tasks": [
                self.task(
                    f"{path}.tasks.{k}",
                    task,
                    _("Milestone %(n)d, task %(t)d") % {"n": n, "t": k + 1},
                )
                for k, task in enumerate(tasks)
            ],
        }

    def resource(self, path: str, raw, n: int) -> dict:
        where = _("Resource %(n)d") % {"n": n}
        if not isinstance(raw, dict):
            self.errors[path] = _("%(where)s: not a resource.") % {"where": where}
            return {}
        url = str(raw.get("url") or "").strip()
        try:
            URLValidator(schemes=["http", "https"])(url)
            if len(url) > 2000:
                raise ValidationError("too long")
        except ValidationError:
            self.errors[f"{path}.url"] = _(
                "%(where)s: enter a web address starting with http:// or https:// "
                "(at most 2,000 characters)."
            ) % {"where": where}
        title = _text(raw.get("title")) or url[:200]
        if len(title) > 200:
            self.errors[f"{path}.title"] = _("%(where)s: keep the title under 200 characters.") % {
                "where": where
            }
        kind = raw.get("kind") or ResourceKind.LINK
        if kind not in ResourceKind.values:
            self.errors[f"{path}.kind"] = _(
                "%(where)s: the kind is proposal, contract, video, link or other."
            ) % {"where": where}
        return {
            "title": title,
            "url": url,
            "kind": kind,
            "internal": self.flag(f"{path}.internal", raw.get("internal"), where),
        }


def clean_plan(plan) -> tuple[dict, dict[str, str]]:
    """The plan in its stored shape, and the problems found (empty when it is fine)."""
    checker = _Checker(errors={})
    if not isinstance(plan, dict):
        return {}, {"plan": _("The plan is not in the expected shape.")}
    milestones = plan.get("milestones") or []
    resources = plan.get("resources") or []
    if not isinstance(milestones, list) or not isinstance(resources, list):
        return {}, {"plan": _("The plan is not in the expected shape.")}
    clean = {
        "milestones": [
            checker.milestone(f"milestones.{i}", m, i + 1) for i, m in enumerate(milestones)
        ],
        "resources": [
            checker.resource(f"resources.{i}", r, i + 1) for i, r in enumerate(resources)
        ],
    }
    tasks = sum(len(m.get("tasks", [])) for m in clean["milestones"])
    if len(milestones) > MAX_MILESTONES:
        checker.errors["milestones"] = _("A template holds at most %(n)d milestones.") % {
            "n": MAX_MILESTONES
        }
    if tasks > MAX_TASKS:
        checker.errors["tasks"] = _("A template holds at most %(n)d tasks.") % {"n": MAX_TASKS}
    if len(resources) > MAX_RESOURCES:
        checker.errors["resources"] = _("A template holds at most %(n)d resources.") % {
            "n": MAX_RESOURCES
        }
    if not milestones and not resources:
        checker.errors["plan"] = _("Add at least one milestone or resource.")
    return clean, checker.errors


def _type_of(actor: Member, type_id, errors: dict[str, str]) -> OpportunityType | None:
    pk = _as_pk(type_id)
    opp_type = (
        OpportunityType.objects.filter(workspace_id=actor.workspace_id, pk=pk)
        .exclude(variant=Variant.TAG)
        .first()
        if pk is not None
        else None
    )
    if opp_type is None:
        errors["opportunity_type"] = _("Choose a staged or simple opportunity type.")
    return opp_type


def _stage_of(
    opp_type: OpportunityType | None, stage_id, errors: dict[str, str], keep: int | None
) -> Stage | None:
    if stage_id in (None, ""):
        return None
    if opp_type is None:
        return None  # the type's own error says it
    pk = _as_pk(stage_id)
    stage = Stage.objects.filter(type=opp_type, pk=pk).first() if pk is not None else None
    # An archived stage takes no new templates; one a template already has may stay.
    if stage is None or (stage.archived_at is not None and stage.pk != keep):
        errors["stage"] = _(
            "Choose a stage of this opportunity type, or “when the room is created”."
        )
        return None
    return stage


def _checked(
    actor: Member, *, name, opportunity_type_id, stage_id, plan, keep_stage: int | None = None
) -> tuple[str, OpportunityType, Stage | None, dict]:
    errors: dict[str, str] = {}
    clean_name = _text(name)
    if not 1 <= len(clean_name) <= 120:
        errors["name"] = _("Give the template a name of 1 to 120 characters.")
    opp_type = _type_of(actor, opportunity_type_id, errors)
    stage = _stage_of(opp_type, stage_id, errors, keep_stage)
    clean, plan_errors = clean_plan(plan)
    errors.update(plan_errors)
    if errors or opp_type is None:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    return clean_name, opp_type, stage, clean


def _event(actor: Member, verb: str, template: RoomTemplate) -> None:
    record(
        actor=actor,
        verb=verb,
        data={"template": template.pk, "name": template.name},
        audience=Audience.ADMINS,
    )


# -- writing templates ---------------------------------------------------------------------


@transaction.atomic
def room_template_create(
    *, actor: Actor, name, opportunity_type_id, stage_id=None, plan, is_active=True
) -> RoomTemplate:
    admin = _require_admin(actor)
    clean_name, opp_type, stage, clean = _checked(
        admin, name=name, opportunity_type_id=opportunity_type_id, stage_id=stage_id, plan=plan
    )
    template = RoomTemplate.objects.create(
        workspace_id=admin.workspace_id,
        name=clean_name,
        opportunity_type=opp_type,
        stage=stage,
        plan=clean,
        is_active=bool(_flag(is_active)),
    )
    _event(admin, "room_template.created", template)
    return template


@transaction.atomic
def room_template_update(
    *, actor: Actor, template_id, name, opportunity_type_id, stage_id=None, plan, is_active=True
) -> RoomTemplate:
    """Rooms it was applied to keep what they got; the change counts for rooms to come."""
    admin = _require_admin(actor)
    template = room_template_get(actor=admin, template_id=template_id, for_update=True)
    clean_name, opp_type, stage, clean = _checked(
        admin,
        name=name,
        opportunity_type_id=opportunity_type_id,
        stage_id=stage_id,
        plan=plan,
        keep_stage=template.stage_id,
    )
    template.name = clean_name
    template.opportunity_type = opp_type
    template.stage = stage
    template.plan = clean
    template.is_active = bool(_flag(is_active))
    template.save()
    _event(admin, "room_template.updated", template)
    return template


@transaction.atomic
def room_template_delete(*, actor: Actor, template_id) -> None:
    """The template goes; rooms it was applied to keep their milestones, tasks and resources."""
    admin = _require_admin(actor)
    template = room_template_get(actor=admin, template_id=template_id, for_update=True)
    _event(admin, "room_template.deleted", template)
    template.delete()


# -- reads for the admin pages -------------------------------------------------------------


def room_template_get(*, actor: Actor, template_id, for_update: bool = False) -> RoomTemplate:
    admin = _require_admin(actor)
    pk = _as_pk(template_id)
    if pk is None:
        raise NotFound()
    qs = RoomTemplate.objects.filter(workspace_id=admin.workspace_id, pk=pk)
    template = (qs.select_for_update() if for_update else qs).first()
    if template is None:
        raise NotFound()
    return template


def room_template_list(*, actor: Actor) -> list[RoomTemplate]:
    """The workspace's templates, type by type, "when the room is created" first, then stage by
    stage in pipeline order."""
    admin = _require_admin(actor)
    return list(
        RoomTemplate.objects.filter(workspace_id=admin.workspace_id)
        .select_related("opportunity_type", "stage")
        .order_by(
            "opportunity_type__position",
            "opportunity_type_id",
            "stage__position",
            "stage_id",
            "pk",
        )
    )


def plan_counts(plan: dict) -> tuple[int, int, int]:
    """Milestones, tasks and resources of a plan."""
    milestones = plan.get("milestones") or []
    tasks = sum(len(m.get("tasks") or []) for m in milestones)
    return len(milestones), tasks, len(plan.get("resources") or [])


# -- applying ------------------------------------------------------------------------------


def _due(days: int | None) -> datetime.datetime | None:
    if days is None:
        return None
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(DUE_HOUR)))


@transaction.atomic
def room_template_apply(*, actor: Actor, room: Room, template: RoomTemplate) -> bool:
    """Put the template's milestones, tasks and resources in the room, as `actor`, through the
    plan and files services. Once per room: False (and nothing done) if it was applied before."""
    if template.workspace_id != room.workspace_id or (
        template.opportunity_type_id != room.opportunity.type_id
    ):
        raise NotFound()
    _use, created = RoomTemplateUse.objects.get_or_create(room=room, template=template)
    if not created:
        return False
    plan, errors = clean_plan(template.plan)
    if errors:  # checked when saved: only a plan written around the services gets here
        raise Invalid(
            _("The room template “%(name)s” cannot be applied.") % {"name": template.name},
            fields=errors,
        )
    for milestone in plan["milestones"]:
        created_milestone = milestone_create(
            actor=actor, room_id=room.pk, title=milestone["title"], internal=milestone["internal"]
        )
        for task in milestone["tasks"]:
            task_create(
                actor=actor,
                room_id=room.pk,
                data={
                    "title": task["title"],
                    "description": task["description"],
                    "kind": TaskKind.TASK,  # see the module's docstring
                    "due_at": _due(task["due_in_days"]),
                    "internal": task["internal"],
                    "milestone": created_milestone.pk,
                },
            )
    for resource in plan["resources"]:
        resource_link_add(
            actor=actor,
            room_id=room.pk,
            url=resource["url"],
            title=resource["title"],
            kind=resource["kind"],
            internal=resource["internal"],
        )
    room_event(
        actor,
        room,
        "room_template.applied",
        {"template": template.pk, "name": template.name},
        shared=False,
    )
    return True


def _applier(actor: Actor, room: Room) -> Member | None:
    """Who puts a template in the room: the actor when they may take part in it, else the
    deal's owner (who is always in their room)."""
    if (
        isinstance(actor, Member)
        and visibility.can_take_part(actor)
        and Room.objects.visible_to(actor).filter(pk=room.pk).exists()
    ):
        return actor
    if room.opportunity.owner_id is None:
        return None
    owner = (
        Membership.objects.select_related("user", "workspace")
        .filter(pk=room.opportunity.owner_id, is_active=True)
        .first()
    )
    if owner is not None and Member(owner).can_write:
        return Member(owner)
    return None


def apply_templates_for(*, actor: Actor, opportunity: Opportunity, stage: Stage | None = None):
    """Pipeline hook (STAGE_ENTERED) and room creation: apply the active templates of the deal's
    type for `stage` — or, without a stage, those for when the room is created — that the
    deal's room has not had yet."""
    room = Room.objects.select_related("opportunity").filter(opportunity=opportunity).first()
    if room is None:
        return
    used = RoomTemplateUse.objects.filter(room=room).values("template_id")
    templates = list(
        RoomTemplate.objects.filter(
            workspace_id=opportunity.workspace_id,
            opportunity_type_id=opportunity.type_id,
            is_active=True,
        )
        .filter(**({"stage": stage} if stage is not None else {"stage__isnull": True}))
        .exclude(pk__in=used)
        .order_by("pk")
    )
    if not templates:
        return
    applier = _applier(actor, room)
    if applier is None:
        return
    for template in templates:
        room_template_apply(actor=applier, room=room, template=template)


def apply_templates_on_create(*, actor: Actor, opportunity: Opportunity) -> None:
    """A new room: the templates for when the room is created, then those of the stage the deal
    starts in (it has just entered it)."""
    apply_templates_for(actor=actor, opportunity=opportunity)
    if opportunity.stage_id is not None:
        apply_templates_for(actor=actor, opportunity=opportunity, stage=opportunity.stage)


# Sentences for the template events (registered with activity.describe in apps.py).
EVENT_MESSAGES = {
    "room_template.created": lambda d: (
        _("%(actor)s created the room template “%(name)s”")
        % {"actor": d.get("actor_name", ""), "name": d.get("name", "")}
    ),
    "room_template.updated": lambda d: (
        _("%(actor)s changed the room template “%(name)s”")
        % {"actor": d.get("actor_name", ""), "name": d.get("name", "")}
    ),
    "room_template.deleted": lambda d: (
        _("%(actor)s deleted the room template “%(name)s”")
        % {"actor": d.get("actor_name", ""), "name": d.get("name", "")}
    ),
    "room_template.applied": lambda d: (
        _("%(actor)s applied the room template “%(name)s”")
        % {"actor": d.get("actor_name", ""), "name": d.get("name", "")}
    ),
}
