import html
from collections.abc import Mapping

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from dealroom.core import formatting

from ..access import NOBODY, TaskRights, Who
from ..formatting import render_comment

register = template.Library()


@register.filter
def comment_html(comment, names=None):
    """A comment's text, escaped, with the small formatting and mentions (formatting.py)."""
    return render_comment(comment.body, members=names if isinstance(names, Mapping) else None)


@register.filter
def overdue(task, now=None) -> bool:
    return bool(task.due_at and task.status != "done" and task.due_at < (now or timezone.now()))


@register.filter
def initials(name: str) -> str:
    """The one rule of core/formatting.py, under the name rooms templates load."""
    return formatting.initials(name)


@register.filter
def presence_key(member) -> str:
    """How presence rows name a person (consumers.py): "m<membership id>" or "g<contact id>"."""
    return f"m{member.membership_id}" if member.membership_id else f"g{member.contact_id}"


# -- the plan ---------------------------------------------------------------------------------


@register.filter
def milestone_may(rights, milestone):
    """Who among the readers may rename, delete and move the milestone (access.PlanRights);
    nobody for the tasks under no milestone."""
    return rights.milestone(milestone) if milestone is not None else NOBODY


@register.simple_tag(takes_context=True)
def task_rows(context, tasks) -> SafeString:
    """The plan's rows for `tasks`. A busy plan has hundreds: through a template each row cost
    ~0.4 ms, most of the room page with 300 tasks (benchmarks/rooms.py), so rows are put
    together here. Every value goes through `esc`, the stdlib escaping Django's own `escape`
    wraps (its lazy-string checks were most of format_html's cost at this scale)."""
    labels = {
        "drag": esc(gettext("Drag to reorder")),
        "done": esc(gettext("Mark as done")),
        "undone": esc(gettext("Mark as not done")),
        "blocked": esc(gettext("Blocked")),
        "internal": esc(gettext("Internal")),
        "overdue": esc(gettext("overdue")),
    }
    base, rights = esc(context["base"]), context["rights"]
    now = timezone.now()
    rows = "".join(
        _task_row(t, base, rights.task(t, [p.pk for p in t.people]), labels, now) for t in tasks
    )
    return mark_safe(rows)  # noqa: S308 - every value in it went through esc()


def esc(value) -> str:
    return html.escape(str(value))


def _owners(who: Who, attribute: str) -> str:
    """A control certain readers alone may use: marked with their member ids, for room.js
    (rendered `hidden` or `disabled` until it finds the reader among them)."""
    if who.everyone:
        return ""
    state = "hidden" if attribute == "data-owner" else "disabled"
    return f' {attribute}="{esc(who.owners)}" {state}'


def _task_row(task, base: str, may: TaskRights, labels: dict, now) -> str:
    done = task.is_done
    late = overdue(task, now)
    pk = int(task.pk)
    box = (
        '<i class="ti ti-square-check text-green" aria-hidden="true"></i>'
        if done
        else '<i class="ti ti-square" aria-hidden="true"></i>'
    )
    check = ""
    if may.edit.anyone:
        check = (
            f'<span class="drag-handle task-handle" title="{labels["drag"]}"'
            f"{_owners(may.edit, 'data-owner')}>"
            '<i class="ti ti-grip-vertical" aria-hidden="true"></i></span>\n  '
        )
    if may.set_status.anyone:
        # Not hidden from the others: the box still shows whether the task is done.
        check += (
            f'<button class="task-check" type="button" hx-post="{base}tasks/{pk}/status/"'
            f' hx-vals=\'{{"status": "{"open" if done else "done"}"}}\' hx-swap="none"'
            f' aria-label="{labels["undone"] if done else labels["done"]}"'
            f'{_owners(may.set_status, "data-may")} data-testid="task-check">{box}</button>'
        )
    else:
        check += box
    meeting = task.kind == "meeting"
    meta = ""
    if task.status == "blocked":
        meta += (
            f'<span class="badge bg-red-lt" title="{esc(task.blocked_reason)}">'
            f"{labels['blocked']}</span>"
        )
    if task.internal:
        meta += (
            '<span class="badge bg-yellow-lt"><i class="ti ti-lock me-1" aria-hidden="true">'
            f"</i>{labels['internal']}</span>"
        )
    if meeting and task.starts_at:
        when = esc(formatting.when(task.starts_at))
        meta += f'<span class="text-secondary">{when}</span>'
    elif task.due_at:
        note = f' <span class="visually-hidden">{labels["overdue"]}</span>' if late else ""
        meta += (
            '<span class="task-due"><i class="ti ti-clock" aria-hidden="true"></i>'
            f" {esc(formatting.day(task.due_at))}{note}</span>"
        )
    if task.comment_count:
        meta += (
            '<span class="text-secondary"><i class="ti ti-message" aria-hidden="true"></i>'
            f" {int(task.comment_count)}</span>"
        )
    people = "".join(
        f'<span class="avatar avatar-xs {"bg-orange-lt" if a.is_guest else "bg-blue-lt"}"'
        f' title="{esc(a.name)}">{esc(initials(a.name))}</span>'
        for a in task.people
    )
    classes = f"task-row status-{esc(task.status)}"
    classes += (" is-internal" if task.internal else "") + (" is-overdue" if late else "")
    icon = '<i class="ti ti-calendar-event me-1" aria-hidden="true"></i>' if meeting else ""
    return (
        f'<li class="{classes}" id="task-{pk}" data-task="{pk}" data-testid="task">\n  {check}\n'
        '  <div class="task-main min-w-0">\n'
        f'    <a class="task-title text-break" href="{base}tasks/{pk}/"'
        f' hx-get="{base}tasks/{pk}/" hx-target="#task-panel-host" data-bs-toggle="offcanvas"'
        f' data-bs-target="#task-offcanvas" data-testid="task-title">{icon}{esc(task.title)}</a>\n'
        f'    <div class="task-meta small">{meta}</div>\n  </div>\n'
        f'  <div class="avatar-list avatar-list-stacked ms-auto">{people}</div>\n</li>'
    )
