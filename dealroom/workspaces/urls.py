from django.urls import path

from . import views

# Everything under /w/<slug>/ (see config/urls.py).
workspace_urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/team/", views.member_team, name="member_team"),
    path("members/<int:membership_id>/active/", views.member_active, name="member_active"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/delete/", views.team_delete, name="team_delete"),
    path("territories/", views.territories, name="territories"),
    path("territories/<int:territory_id>/", views.territory_edit, name="territory_edit"),
    path("territories/<int:territory_id>/delete/", views.territory_delete, name="territory_delete"),
]
