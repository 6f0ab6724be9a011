from django.conf import settings


def shell(request):
    """What the page shell (navigation, bell, switcher) needs; set by views via request.actor."""
    actor = getattr(request, "actor", None)
    ctx = {"actor": actor, "languages": settings.LANGUAGES}
    if actor is not None and hasattr(actor, "membership"):
        from dealroom.activity.selectors import live_cursor, notification_unread_count
        from dealroom.workspaces.selectors import workspace_list_for_user

        ctx["current_workspace"] = actor.workspace
        ctx["my_workspaces"] = workspace_list_for_user(actor.user)
        ctx["unread_count"] = notification_unread_count(actor=actor)
        ctx["live_cursor"] = live_cursor(actor=actor)
    return ctx
