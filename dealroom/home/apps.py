from django.apps import AppConfig


class HomeConfig(AppConfig):
    """Where a member starts the day: `/w/<slug>/`. It reads what the other apps write and
    writes nothing; no other app imports it."""

    name = "dealroom.home"
    label = "home"
