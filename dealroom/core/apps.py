from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dealroom.core"
    label = "core"
