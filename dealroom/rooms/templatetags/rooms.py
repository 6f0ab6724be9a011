from django import template
from django.utils import timezone

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
