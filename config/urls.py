from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dealroom.customers.urls import customer_urlpatterns
from dealroom.pipeline.urls import pipeline_urlpatterns
from dealroom.workspaces import views as ws_views
from dealroom.workspaces.urls import workspace_urlpatterns

from .api import api

workspace_scoped = workspace_urlpatterns + [
    path("", include("dealroom.home.urls")),
    path("", include("dealroom.activity.urls")),
    path("customers/", include(customer_urlpatterns)),
    path("deals/", include(pipeline_urlpatterns)),
]

urlpatterns = [
    path("", ws_views.home, name="home"),
    path("healthz", ws_views.healthz, name="healthz"),
    path("robots.txt", ws_views.robots),
    path("accounts/login/", ws_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="workspaces/password_reset.html",
            email_template_name="workspaces/email/password_reset.txt",
            subject_template_name="workspaces/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="workspaces/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="workspaces/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="workspaces/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("settings/", ws_views.user_settings, name="user_settings"),
    path("lang/", ws_views.set_language, name="set_language"),
    path("invite/<str:token>/", ws_views.invite_accept, name="invite_accept"),
    path("", include("dealroom.rooms.urls")),
    path("w/<slug:slug>/", include(workspace_scoped)),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

# Under /api/ errors are JSON even where no operation answered (config/api.py).
handler400 = "config.api.bad_request_view"
handler403 = "config.api.permission_denied_view"
handler404 = "config.api.not_found_view"
handler500 = "config.api.server_error_view"
