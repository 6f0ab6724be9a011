from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "dealroom.workspaces"
    label = "workspaces"
