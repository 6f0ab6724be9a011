from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "dealroom.realtime"
    label = "realtime"
