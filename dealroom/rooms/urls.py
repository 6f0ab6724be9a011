from django.urls import include, path, re_path

from .views import actions, files, guest_access, pages, settings

# Under /<w|g>/<slug>/rooms/<room id>/ (see config/urls.py): the same views for sellers (w)
# and guests (g); who sees what is the selectors' business.
room_urlpatterns = [
    path("", pages.room_page, name="room_page"),
    path("tasks/<int:task_id>/", pages.task_panel, name="room_task"),
    path("thread/", pages.thread_older, name="room_thread_older"),
    path("activity/", pages.room_activity, name="room_activity"),
    path("mentions/", pages.mention_search, name="room_mentions"),
    path("comments/", actions.comment_create, name="room_comment_create"),
    path("comments/<int:comment_id>/edit/", actions.comment_edit, name="room_comment_edit"),
    path("comments/<int:comment_id>/delete/", actions.comment_delete, name="room_comment_delete"),
    path("tasks/", actions.task_create, name="room_task_create"),
    path("tasks/order/", actions.task_reorder, name="room_task_reorder"),
    path("tasks/<int:task_id>/edit/", actions.task_edit, name="room_task_edit"),
    path("tasks/<int:task_id>/status/", actions.task_status, name="room_task_status"),
    path("tasks/<int:task_id>/delete/", actions.task_delete, name="room_task_delete"),
    path("milestones/", actions.milestone_create, name="room_milestone_create"),
    path("milestones/order/", actions.milestone_reorder, name="room_milestone_reorder"),
    path("milestones/<int:milestone_id>/edit/", actions.milestone_edit, name="room_milestone_edit"),
    path(
        "milestones/<int:milestone_id>/delete/",
        actions.milestone_delete,
        name="room_milestone_delete",
    ),
    path("people/add/", actions.member_add, name="room_member_add"),
    path("people/<int:member_id>/remove/", actions.member_remove, name="room_member_remove"),
    path("people/invite/", actions.guest_invite, name="room_guest_invite"),
    path(
        "people/<int:member_id>/links/revoke/",
        actions.guest_links_revoke,
        name="room_guest_links_revoke",
    ),
    path("settings/", actions.room_settings, name="room_settings"),
    path("notifications/", actions.notify_level, name="room_notify_level"),
    path("tasks/<int:task_id>/files/", files.task_file_upload, name="room_task_file_upload"),
    path("files/<int:file_id>/", files.file_download, name="room_file"),
    path("files/<int:file_id>/delete/", files.file_delete, name="room_file_delete"),
    path("resources/upload/", files.resource_upload, name="room_resource_upload"),
    path("resources/link/", files.resource_link, name="room_resource_link"),
    path("resources/order/", files.resource_reorder, name="room_resource_reorder"),
    path("resources/<int:resource_id>/edit/", files.resource_edit, name="room_resource_edit"),
    path(
        "resources/<int:resource_id>/internal/",
        files.resource_internal,
        name="room_resource_internal",
    ),
    path("resources/<int:resource_id>/delete/", files.resource_delete, name="room_resource_delete"),
    path("resources/<int:resource_id>/open/", files.resource_open, name="room_resource_open"),
    path("resources/<int:resource_id>/view/", files.resource_viewer, name="room_resource_view"),
    path("resources/<int:resource_id>/beat/", files.resource_beat, name="room_resource_beat"),
]

# Public: a guest's way in (no login).
guest_access_urlpatterns = [
    path("open/", guest_access.link_open, name="room_link_open"),
    path("code/", guest_access.code, name="room_code"),
    path("code/resend/", guest_access.code_resend, name="room_code_resend"),
    path("new-link/", guest_access.new_link, name="room_new_link"),
    path("<str:token>/", guest_access.link, name="room_link"),
]

urlpatterns = [
    re_path(
        r"^(?P<side>[wg])/(?P<slug>[-a-zA-Z0-9_]+)/rooms/(?P<room_id>[0-9]+)/",
        include(room_urlpatterns),
    ),
    path("w/<slug:slug>/rooms/", pages.my_rooms, name="my_rooms"),
    path(
        "w/<slug:slug>/rooms/settings/", settings.workspace_settings, name="room_workspace_settings"
    ),
    path(
        "w/<slug:slug>/rooms/settings/templates/new/",
        settings.template_create,
        name="room_template_create",
    ),
    path(
        "w/<slug:slug>/rooms/settings/templates/<int:template_id>/",
        settings.template_edit,
        name="room_template_edit",
    ),
    path(
        "w/<slug:slug>/rooms/settings/templates/<int:template_id>/delete/",
        settings.template_delete,
        name="room_template_delete",
    ),
    path("g/<slug:slug>/rooms/", guest_access.guest_rooms, name="guest_rooms"),
    path("r/", include(guest_access_urlpatterns)),
]
