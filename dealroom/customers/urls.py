from django.urls import path

from . import settings_views, views

# Under /w/<slug>/customers/ (see config/urls.py). The same views serve accounts, contacts and
# leads; the object type comes from the URL.


def record_urls(object_type: str, plural: str) -> list:
    """The record pages of one object type under `<plural>/` ("" mounts them at the root of
    an include, as the pipeline app does for deals)."""
    t = {"object_type": object_type}
    base = f"{plural}/" if plural else ""
    return [
        path(f"{base}", views.record_list, t, name=f"{object_type}_list"),
        path(f"{base}export/", views.record_export, t, name=f"{object_type}_export"),
        path(f"{base}new/", views.record_create, t, name=f"{object_type}_create"),
        path(f"{base}pick/", views.pick, t, name=f"{object_type}_pick"),
        path(f"{base}views/", views.saved_view_save, t, name=f"{object_type}_view_save"),
        path(
            f"{base}views/<int:view_id>/delete/",
            views.saved_view_delete,
            t,
            name=f"{object_type}_view_delete",
        ),
        path(f"{base}<int:record_id>/", views.record_detail, t, name=f"{object_type}_detail"),
        path(f"{base}<int:record_id>/edit/", views.record_edit, t, name=f"{object_type}_edit"),
        path(
            f"{base}<int:record_id>/archive/",
            views.record_archive,
            t,
            name=f"{object_type}_archive",
        ),
        path(
            f"{base}<int:record_id>/delete/",
            views.record_delete,
            t,
            name=f"{object_type}_delete",
        ),
        path(f"{base}<int:record_id>/owner/", views.record_owner, t, name=f"{object_type}_owner"),
        path(
            f"{base}<int:record_id>/collaborators/",
            views.collaborator_set,
            t,
            name=f"{object_type}_collaborator_set",
        ),
        path(
            f"{base}<int:record_id>/collaborators/<int:member_id>/remove/",
            views.collaborator_remove,
            t,
            name=f"{object_type}_collaborator_remove",
        ),
        path(f"{base}<int:record_id>/notes/", views.note_add, t, name=f"{object_type}_note"),
        path(
            f"{base}<int:record_id>/timeline/",
            views.timeline_more,
            t,
            name=f"{object_type}_timeline",
        ),
    ]


customer_urlpatterns = [
    *record_urls("account", "accounts"),
    *record_urls("contact", "contacts"),
    *record_urls("lead", "leads"),
    path(
        "leads/pool/",
        views.record_list,
        {"object_type": "lead", "pool": True},
        name="lead_pool",
    ),
    path(
        "accounts/<int:record_id>/contacts/",
        views.account_contact_link,
        name="account_contact_link",
    ),
    path(
        "accounts/<int:record_id>/contacts/<int:contact_id>/unlink/",
        views.account_contact_unlink,
        name="account_contact_unlink",
    ),
    path("leads/<int:record_id>/claim/", views.lead_claim, name="lead_claim"),
    path("leads/<int:record_id>/release/", views.lead_release, name="lead_release"),
    path("leads/<int:record_id>/status/", views.lead_status, name="lead_status"),
    path("leads/<int:record_id>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:record_id>/convert/", views.lead_convert, name="lead_convert"),
    path("search/", views.global_search, name="customer_search"),
    path("settings/", settings_views.customer_settings, name="customer_settings"),
    path("settings/fields/new/", settings_views.custom_field_new, name="custom_field_new"),
    path(
        "settings/fields/<int:field_id>/",
        settings_views.custom_field_edit,
        name="custom_field_edit",
    ),
    path(
        "settings/permissions/",
        settings_views.field_permissions,
        name="field_permissions",
    ),
    path("settings/reasons/", settings_views.reason_add, name="disqualify_reason_add"),
    path(
        "settings/reasons/<int:reason_id>/",
        settings_views.reason_toggle,
        name="disqualify_reason_toggle",
    ),
]
