from django import template
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..formatting import render_comment

register = template.Library()


@register.filter
def comment_html(comment, names=None):
    """A comment's text, escaped, with the small formatting and mentions (formatting.py)."""
    return render_comment(comment.body, members=names or None)


@register.filter
def overdue(task) -> bool:
    return bool(task.due_at and task.status != "done" and task.due_at < timezone.now())


@register.filter
def initials(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return "?"
    parts = name.split()
    if len(parts) > 1 and parts[0][:1].isascii():
        return (parts[0][:1] + parts[-1][:1]).upper()
    return name[:1].upper() if name[:1].isascii() else name[-2:] if len(name) > 2 else name


@register.filter
def presence_key(member) -> str:
    """How presence rows name a person (consumers.py): "m<membership id>" or "g<contact id>"."""
    return f"m{member.membership_id}" if member.membership_id else f"g{member.contact_id}"


# -- the plan's task rows ----------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def task_rows(context, tasks) -> SafeString:
    """The plan's rows for `tasks`. A busy plan has hundreds: through a template each row cost
    ~0.4 ms, most of the room page with 300 tasks (benchmarks/rooms.py), so rows are put
    together here, every value escaped by format_html as the template would."""
    labels = {
        "drag": gettext("Drag to reorder"),
        "done": gettext("Mark as done"),
        "undone": gettext("Mark as not done"),
        "blocked": gettext("Blocked"),
        "internal": gettext("Internal"),
        "overdue": gettext("overdue"),
    }
    base, take_part = context["base"], bool(context.get("can_take_part"))
    return mark_safe("".join(_task_row(t, base, take_part, labels) for t in tasks))  # noqa: S308


def _task_row(task, base: str, take_part: bool, labels: dict) -> str:
    late, done = overdue(task), task.is_done
    classes = f"task-row status-{task.status}"
    classes += (" is-internal" if task.internal else "") + (" is-overdue" if late else "")
    box = format_html(
        '<i class="ti {}" aria-hidden="true"></i>',
        "ti-square-check-filled text-green" if done else "ti-square",
    )
    if take_part:
        check = format_html(
            '<span class="drag-handle task-handle" title="{}"><i class="ti ti-grip-vertical"'
            ' aria-hidden="true"></i></span>\n  <button class="task-check" type="button"'
            ' hx-post="{}tasks/{}/status/" hx-vals=\'{{"status": "{}"}}\' hx-swap="none"'
            ' aria-label="{}" data-testid="task-check">{}</button>',
            labels["drag"],
            base,
            task.pk,
            "open" if done else "done",
            labels["undone"] if done else labels["done"],
            box,
        )
    else:
        check = box
    meeting = task.kind == "meeting"
    icon = (
        mark_safe('<i class="ti ti-calendar-event me-1" aria-hidden="true"></i>') if meeting else ""
    )
    meta = []
    if task.status == "blocked":
        meta.append(
            format_html(
                '<span class="badge bg-red-lt" title="{}">{}</span>',
                task.blocked_reason,
                labels["blocked"],
            )
        )
    if task.internal:
        meta.append(
            format_html(
                '<span class="badge bg-yellow-lt"><i class="ti ti-lock me-1"'
                ' aria-hidden="true"></i>{}</span>',
                labels["internal"],
            )
        )
    if meeting and task.starts_at:
        meta.append(
            format_html('<span class="text-secondary">{}</span>', _when(task.starts_at, True))
        )
    elif task.due_at:
        late_note = (
            format_html(' <span class="visually-hidden">{}</span>', labels["overdue"])
            if late
            else ""
        )
        meta.append(
            format_html(
                '<span class="task-due"><i class="ti ti-clock" aria-hidden="true"></i> {}{}</span>',
                _when(task.due_at, False),
                late_note,
            )
        )
    if task.comment_count:
        meta.append(
            format_html(
                '<span class="text-secondary"><i class="ti ti-message" aria-hidden="true"></i>'
                " {}</span>",
                task.comment_count,
            )
        )
    people = format_html_join(
        "",
        '<span class="avatar avatar-xs {}" title="{}">{}</span>',
        (
            ("bg-orange-lt" if a.is_guest else "bg-blue-lt", a.name, initials(a.name))
            for a in task.people
        ),
    )
    return format_html(
        '<li class="{}" id="task-{}" data-task="{}" data-testid="task">\n  {}\n'
        '  <div class="task-main min-w-0">\n'
        '    <a class="task-title text-break" href="{}tasks/{}/" hx-get="{}tasks/{}/"'
        ' hx-target="#task-panel-host" data-bs-toggle="offcanvas"'
        ' data-bs-target="#task-offcanvas" data-testid="task-title">{}{}</a>\n'
        '    <div class="task-meta small">{}</div>\n  </div>\n'
        '  <div class="avatar-list avatar-list-stacked ms-auto">{}</div>\n</li>',
        classes,
        task.pk,
        task.pk,
        check,
        base,
        task.pk,
        base,
        task.pk,
        icon,
        task.title,
        mark_safe("".join(meta)),  # noqa: S308 - each part made by format_html above
        people,
    )


def _when(value, with_time: bool) -> str:
    """As the template's date filter shows a moment: in the reader's time zone, short form."""
    local = timezone.localtime(value)
    return formats.date_format(local, "SHORT_DATETIME_FORMAT" if with_time else "SHORT_DATE_FORMAT")
