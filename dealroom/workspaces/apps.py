from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "dealroom.workspaces"
    label = "workspaces"

    def ready(self):
        # Activity entries about people and teams lead to the pages that list them.
        from dealroom.activity import links

        from .models import Invitation, Membership, Team, Territory

        for model, page in [
            (Membership, "members"),
            (Invitation, "members"),
            (Team, "teams"),
            (Territory, "territories"),
        ]:
            links.register(model._meta.label_lower, links.pages(model, page, own_page=False))
