from django.conf import settings

SIDEBAR_COOKIE = "sidebar"  # "folded" when the member folded the sidebar to icons (app.js)


def shell(request):
    """What the page shell (sidebar, top bar, bell, switcher) needs; set by views via
    request.actor. Pages outside a workspace (your settings) still get the switcher."""
    actor = getattr(request, "actor", None)
    ctx = {
        "actor": actor,
        "languages": settings.LANGUAGES,
        "sidebar_folded": request.COOKIES.get(SIDEBAR_COOKIE) == "folded",
    }
    user = getattr(request, "user", None)
    if actor is not None and hasattr(actor, "membership"):
        from dealroom.activity.selectors import live_cursor, notification_unread_count

        ctx["current_workspace"] = actor.workspace
        ctx["unread_count"] = notification_unread_count(actor=actor)
        ctx["live_cursor"] = live_cursor(actor=actor)
    if user is not None and user.is_authenticated:
        from dealroom.workspaces.selectors import workspace_list_for_user

        ctx["my_workspaces"] = workspace_list_for_user(user)
    return ctx
