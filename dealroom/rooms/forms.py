"""The room template page's form. A template's plan is edited as milestone blocks — a title,
shared or internal, and the milestone's tasks in a text box, one per line — plus a text box of
resources, one per line:

    task:      title | due in days | internal | description     (all but the title optional)
    resource:  title | https://address | internal               (the title may be left out)

The form only splits the lines; services/templates.py checks the plan and names each problem,
which the page shows at the block it belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import zip_longest

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

INTERNAL_WORDS = {"internal", "内部"}


def _is_internal(word: str) -> bool | None:
    word = word.strip().lower()
    if not word:
        return False
    if word in INTERNAL_WORDS or word == gettext("internal").lower():
        return True
    return None


def _days(text: str):
    text = text.strip().replace("\u2212", "-")
    if not text:
        return None
    return int(text) if re.fullmatch(r"[+-]?[0-9]{1,4}", text) else text


@dataclass
class MilestoneBlock:
    """One milestone as the page shows it, with the messages placed on it."""

    title: str = ""
    internal: bool = False
    tasks: str = ""
    errors: list[str] = field(default_factory=list)  # about its tasks
    title_errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Room for every task and one more, within reason."""
        return min(max(4, len(self.tasks.splitlines()) + 1), 15)

    @property
    def is_blank(self) -> bool:
        return not self.title.strip() and not self.tasks.strip()


def tasks_text(tasks: list[dict]) -> str:
    lines = []
    for task in tasks:
        parts = [
            task.get("title", ""),
            "" if task.get("due_in_days") is None else str(task["due_in_days"]),
            gettext("internal") if task.get("internal") else "",
            task.get("description", "").replace("\n", " "),
        ]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def resources_text(resources: list[dict]) -> str:
    lines = []
    for resource in resources:
        parts = [resource.get("title", ""), resource.get("url", "")]
        if resource.get("internal"):
            parts.append(gettext("internal"))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def blocks_from_plan(plan: dict) -> list[MilestoneBlock]:
    return [
        MilestoneBlock(
            title=m.get("title", ""),
            internal=bool(m.get("internal")),
            tasks=tasks_text(m.get("tasks") or []),
        )
        for m in plan.get("milestones") or []
    ]


def blocks_from_post(data) -> list[MilestoneBlock]:
    """The milestone blocks as submitted (the three inputs of every block come in order)."""
    return [
        MilestoneBlock(title=title or "", internal=internal == "1", tasks=tasks or "")
        for title, internal, tasks in zip_longest(
            data.getlist("milestone_title"),
            data.getlist("milestone_internal"),
            data.getlist("milestone_tasks"),
        )
    ]


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
    resources = forms.CharField(
        label=_("Resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One link per line: title | https://address | internal (optional)."),
    )


def resource_plan(text: str, old: list[dict] | None = None) -> tuple[list[dict], list[str]]:
    """The resources box as plan entries, and the lines it could not read. A link keeps the
    kind it had (matched by address)."""
    kinds = {r.get("url"): r.get("kind") for r in old or []}
    entries: list[dict] = []
    problems: list[str] = []
    for n, line in enumerate(str(text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) == 1:
            parts = ["", parts[0]]
        internal = _is_internal(parts[2]) if len(parts) > 2 else False
        if internal is None:
            problems.append(_column_problem(n))
        entry = {"title": parts[0], "url": parts[1], "internal": bool(internal)}
        if kinds.get(parts[1]):
            entry["kind"] = kinds[parts[1]]
        entries.append(entry)
    return entries, problems


def _column_problem(line: int) -> str:
    return gettext("Line %(n)d: write “internal” in the third column, or leave it empty.") % {
        "n": line
    }


def milestone_plan(block: MilestoneBlock, old: list[dict] | None = None) -> tuple[dict, list[str]]:
    """A block as a plan milestone, and the lines it could not read. Tasks keep the kind they
    had (matched by title) so an edit here loses nothing set through the API."""
    kinds = {}
    for milestone in old or []:
        if milestone.get("title") == block.title.strip():
            kinds = {t.get("title"): t.get("kind") for t in milestone.get("tasks") or []}
    tasks: list[dict] = []
    problems: list[str] = []
    for n, line in enumerate(block.tasks.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 3)] + ["", "", ""]
        internal = _is_internal(parts[2])
        if internal is None:
            problems.append(_column_problem(n))
        task = {
            "title": parts[0],
            "due_in_days": _days(parts[1]),
            "internal": bool(internal),
            "description": parts[3],
        }
        if kinds.get(parts[0]):
            task["kind"] = kinds[parts[0]]
        tasks.append(task)
    return {"title": block.title, "internal": block.internal, "tasks": tasks}, problems
