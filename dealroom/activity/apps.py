from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "dealroom.activity"
    label = "activity"
