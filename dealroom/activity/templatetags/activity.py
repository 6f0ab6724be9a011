from django import template

from dealroom.activity import describe as sentences

register = template.Library()

ICONS = {
    "workspace": ("ti-building", "blue"),
    "member": ("ti-user", "green"),
    "invitation": ("ti-mail", "azure"),
    "team": ("ti-sitemap", "purple"),
    "territory": ("ti-map-2", "orange"),
    "account": ("ti-building", "indigo"),
    "contact": ("ti-address-book", "teal"),
    "lead": ("ti-target-arrow", "yellow"),
    "opportunity": ("ti-currency-dollar", "green"),
    "opportunity_type": ("ti-layout-kanban", "secondary"),
    "stage": ("ti-layout-kanban", "secondary"),
    "milestone": ("ti-checklist", "secondary"),
    "loss_reason": ("ti-mood-sad", "secondary"),
    "note": ("ti-notes", "lime"),
    "custom_field": ("ti-forms", "secondary"),
    "field_permission": ("ti-lock", "red"),
    "customer_settings": ("ti-adjustments", "secondary"),
}


@register.filter
def describe(event) -> str:
    return sentences.describe(event)


@register.filter
def describe_room_day(group) -> str:
    return sentences.describe_room_day(group)


@register.filter
def room_day_kinds(group) -> str:
    return sentences.room_day_kinds(group)


@register.filter
def verb_icon(verb: str) -> str:
    return ICONS.get(verb.split(".")[0], ("ti-point", "secondary"))[0]


@register.filter
def verb_color(verb: str) -> str:
    return ICONS.get(verb.split(".")[0], ("ti-point", "secondary"))[1]


@register.filter
def timeline_target(event) -> str:
    """The id of the timeline on the page of the event's target (see realtime.consumers)."""
    if not event.target_type or event.target_id is None:
        return ""
    return f"#timeline-{event.target_type.replace('.', '-')}-{event.target_id}"


@register.filter
def timeline_targets(event) -> list[str]:
    """The timelines an event shows on live: its target's, and those it is `also` on (a deal
    move on its account's page). Sockets' events come with `also` prefetched."""
    own = timeline_target(event)
    more = [f"#timeline-{a.target_type.replace('.', '-')}-{a.target_id}" for a in event.also.all()]
    return [t for t in [own, *more] if t]


@register.filter
def timeline_id(record) -> str:
    """The id of a record's timeline element, as `timeline_target` names it for live swaps."""
    return f"timeline-{record._meta.label_lower.replace('.', '-')}-{record.pk}"
