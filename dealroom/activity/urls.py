from django.urls import path

from . import views

urlpatterns = [
    path("activity/", views.feed, name="activity"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
