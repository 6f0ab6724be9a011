from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dealroom.core.bounds import query_int
from dealroom.core.htmx import is_htmx
from dealroom.workspaces.guards import member_view

from . import selectors, services


def _before(request) -> int | None:
    return query_int(request.GET.get("before", "")) or None


@member_view
def feed(request, actor):
    events = selectors.event_list(actor=actor, before=_before(request))
    context = {"events": events, "more": len(events) == selectors.PAGE_SIZE}
    if is_htmx(request) and request.GET.get("before"):
        return render(request, "activity/_feed_page.html", context)
    return render(request, "activity/feed.html", context)


@member_view
def notifications(request, actor):
    notes = selectors.notification_list(actor=actor, before=_before(request))
    context = {"notifications": notes, "more": len(notes) == selectors.PAGE_SIZE}
    if is_htmx(request) and request.GET.get("before"):
        return render(request, "activity/_notifications_page.html", context)
    return render(request, "activity/notifications.html", context)


@require_POST
@member_view
def notifications_read(request, actor):
    ids = request.POST.getlist("id")
    services.notification_mark_read(
        actor=actor, notification_ids=[int(i) for i in ids if i.isdigit()] if ids else None
    )
    if is_htmx(request):
        return render(
            request,
            "activity/_bell_count.html",
            {"unread_count": selectors.notification_unread_count(actor=actor), "oob": False},
        )
    return redirect("notifications", slug=actor.workspace.slug)
