from django.urls import include, path

from dealroom.customers.urls import record_urls

from . import views

# Under /w/<slug>/deals/ (see config/urls.py). Field edits, owner, collaborators, notes,
# archive, delete, list, export and saved views are the customers app's record pages (the
# same views serve every record type); the board, the detail page, creation and the deal's own
# actions (move, win, lose, reopen, team, contacts, checklist) are this app's.
_OWN = {"opportunity_create", "opportunity_detail", "opportunity_pick"}

pipeline_urlpatterns = [
    *[p for p in record_urls("opportunity", "") if p.name not in _OWN],
    path("new/", views.opportunity_create, name="opportunity_create"),
    path("board/", views.board_home, name="pipeline_board_home"),
    path("board/<int:type_id>/", views.board, name="pipeline_board"),
    path(
        "board/<int:type_id>/stages/<int:stage_id>/",
        views.board_column,
        name="pipeline_board_column",
    ),
    path("<int:record_id>/", views.opportunity_detail, name="opportunity_detail"),
    path("<int:record_id>/move/", views.opportunity_move, name="opportunity_move"),
    path("<int:record_id>/win/", views.opportunity_win, name="opportunity_win"),
    path("<int:record_id>/lose/", views.opportunity_lose, name="opportunity_lose"),
    path("<int:record_id>/reopen/", views.opportunity_reopen, name="opportunity_reopen"),
    path(
        "<int:record_id>/probability/",
        views.opportunity_probability,
        name="opportunity_probability",
    ),
    path("<int:record_id>/team/", views.deal_team, name="opportunity_team"),
    path("<int:record_id>/contacts/", views.deal_contact_set, name="opportunity_contact_set"),
    path(
        "<int:record_id>/contacts/<int:contact_id>/remove/",
        views.deal_contact_remove,
        name="opportunity_contact_remove",
    ),
    path(
        "<int:record_id>/milestones/<int:milestone_id>/",
        views.milestone_toggle,
        name="opportunity_milestone",
    ),
    path("settings/", include("dealroom.pipeline.settings_urls")),
]
