"""The room template page's form. A template's plan is edited as rows of fields: milestones (a
title and an "internal" box) holding their tasks (title, days until due, "internal" box,
description), and resources (title, web address, kind, "internal" box).

Each row has a key the page gives it, and its fields are named after it (`m3-title`,
`t7-due_in_days`, `r9-url`); the order of the keys (`milestone`, `m3-task`, `resource`) is the
order of the rows on the page, so moving or removing a row renumbers nothing. The form only
gathers the rows; services/templates.py checks the plan and names each problem, which the page
shows at the row and field it belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

_KEY = re.compile(r"^[0-9]{1,9}$")
# A problem's place in the plan as the service names it: `milestones.0.tasks.2.due_in_days`.
_PATH = re.compile(r"^(milestones|resources)\.(\d+)(?:\.tasks\.(\d+))?(?:\.([a-z_]+))?$")


@dataclass
class TaskRow:
    key: str = ""
    title: str = ""
    due_in_days: str = ""
    internal: bool = False
    description: str = ""
    # Not offered on the page (a template's task is applied as an ordinary task, see
    # services/templates.py), only carried along so a save loses nothing set through the API.
    kind: str = ""
    # The service's messages about the row, by field ("row": about the row as a whole).
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_blank(self) -> bool:
        return not (self.title.strip() or self.due_in_days.strip() or self.description.strip())

    def plan(self) -> dict:
        return {
            "title": self.title,
            "due_in_days": self.due_in_days,
            "internal": self.internal,
            "description": self.description,
            "kind": self.kind,
        }


@dataclass
class MilestoneBlock:
    key: str = ""
    title: str = ""
    internal: bool = False
    tasks: list[TaskRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_blank(self) -> bool:
        return not self.title.strip() and all(t.is_blank for t in self.tasks)

    def plan(self) -> dict:
        return {
            "title": self.title,
            "internal": self.internal,
            "tasks": [t.plan() for t in self.tasks],
        }


@dataclass
class ResourceRow:
    key: str = ""
    title: str = ""
    url: str = ""
    kind: str = "link"
    internal: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_blank(self) -> bool:
        return not self.title.strip() and not self.url.strip()

    def plan(self) -> dict:
        return {
            "title": self.title,
            "url": self.url,
            "kind": self.kind,
            "internal": self.internal,
        }


def _keys(data, name: str) -> list[str]:
    return [key for key in data.getlist(name) if _KEY.match(key)]


@dataclass
class TemplateRows:
    """A template's milestones, tasks and resources as the page shows them."""

    milestones: list[MilestoneBlock] = field(default_factory=list)
    resources: list[ResourceRow] = field(default_factory=list)

    @classmethod
    def start(cls) -> TemplateRows:
        """A new template: one milestone with one task to fill in."""
        rows = cls()
        rows.add("milestone")
        return rows

    @classmethod
    def from_plan(cls, plan: dict) -> TemplateRows:
        def days(value) -> str:
            return "" if value is None else str(value)

        milestones = [
            MilestoneBlock(
                title=m.get("title", ""),
                internal=bool(m.get("internal")),
                tasks=[
                    TaskRow(
                        title=t.get("title", ""),
                        due_in_days=days(t.get("due_in_days")),
                        internal=bool(t.get("internal")),
                        description=t.get("description", ""),
                        kind=t.get("kind", ""),
                    )
                    for t in m.get("tasks") or []
                ],
            )
            for m in plan.get("milestones") or []
        ]
        resources = [
            ResourceRow(
                title=r.get("title", ""),
                url=r.get("url", ""),
                kind=r.get("kind") or "link",
                internal=bool(r.get("internal")),
            )
            for r in plan.get("resources") or []
        ]
        rows = cls(milestones, resources)
        if not milestones:
            rows.add("milestone")
        return rows

    @classmethod
    def from_post(cls, data) -> TemplateRows:
        def text(name: str) -> str:
            return data.get(name, "")

        milestones = [
            MilestoneBlock(
                key=m,
                title=text(f"m{m}-title"),
                internal=text(f"m{m}-internal") == "1",
                tasks=[
                    TaskRow(
                        key=t,
                        title=text(f"t{t}-title"),
                        due_in_days=text(f"t{t}-due_in_days"),
                        internal=text(f"t{t}-internal") == "1",
                        description=text(f"t{t}-description"),
                        kind=text(f"t{t}-kind"),
                    )
                    for t in _keys(data, f"m{m}-task")
                ],
            )
            for m in _keys(data, "milestone")
        ]
        resources = [
            ResourceRow(
                key=r,
                title=text(f"r{r}-title"),
                url=text(f"r{r}-url"),
                kind=text(f"r{r}-kind") or "link",
                internal=text(f"r{r}-internal") == "1",
            )
            for r in _keys(data, "resource")
        ]
        return cls(milestones, resources)

    def add(self, what: str) -> None:
        """One more empty row (the page's "add" buttons without JavaScript): "milestone",
        "resource" or "task-<the milestone's key>"."""
        if what == "milestone":
            self.milestones.append(MilestoneBlock(tasks=[TaskRow()]))
        elif what == "resource":
            self.resources.append(ResourceRow())
        for block in self.milestones:
            if what == f"task-{block.key}":
                block.tasks.append(TaskRow())

    def without_blanks(self) -> TemplateRows:
        """What is saved: rows left empty are dropped."""
        milestones = [
            MilestoneBlock(
                key=m.key,
                title=m.title,
                internal=m.internal,
                tasks=[t for t in m.tasks if not t.is_blank],
            )
            for m in self.milestones
            if not m.is_blank
        ]
        return TemplateRows(milestones, [r for r in self.resources if not r.is_blank])

    def plan(self) -> dict:
        return {
            "milestones": [m.plan() for m in self.milestones],
            "resources": [r.plan() for r in self.resources],
        }

    def place(self, path: str, message: str) -> bool:
        """Put the service's message about `path` on its row; False when it is about no row."""
        found = _PATH.match(path)
        if not found:
            return False
        group, index, task_index, name = found.groups()
        rows: list = self.milestones if group == "milestones" else self.resources
        if int(index) >= len(rows):
            return False
        row = rows[int(index)]
        if task_index is not None:
            if int(task_index) >= len(row.tasks):
                return False
            row = row.tasks[int(task_index)]
        row.errors[name or "row"] = message
        return True

    def number(self) -> int:
        """Give every row its key for the page; returns the next free key (for templates.js)."""
        key = 0
        for block in self.milestones:
            block.key, key = str(key), key + 1
            for task in block.tasks:
                task.key, key = str(key), key + 1
        for resource in self.resources:
            resource.key, key = str(key), key + 1
        return key


class TemplateForm(forms.Form):
    """Holds what was typed and the messages for it. Lenient on purpose: the service checks
    every value and its messages are placed here, so nothing is said twice."""

    name = forms.CharField(
        label=_("Name"), required=False, widget=forms.TextInput(attrs={"maxlength": 120})
    )
    opportunity_type = forms.CharField(label=_("Opportunity type"), required=False)
    stage = forms.CharField(
        label=_("When it applies"),
        required=False,
        help_text=_(
            "When a deal of the type gets its room, or when it enters a stage (its first stage "
            "counts when the deal starts there). Each template goes into a room once."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
