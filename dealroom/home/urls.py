from django.urls import path

from . import views

# Under /w/<slug>/ (see config/urls.py).
urlpatterns = [
    path("", views.home, name="dashboard"),
]
