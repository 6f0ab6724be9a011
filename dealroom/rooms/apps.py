from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "dealroom.rooms"
    label = "rooms"

    def ready(self):
        # A deal gets its room when it is created (explicit hook, no signals); room events are
        # record events whose target is the room: members see them when they may see the room.
        from dealroom.activity import describe as activity_describe
        from dealroom.activity import links, targets
        from dealroom.activity.templatetags import activity as activity_tags
        from dealroom.core import periodic
        from dealroom.pipeline import hooks
        from dealroom.pipeline.views import DEAL_PANELS

        from . import describe, panels, services, visibility
        from .models import Room, Task

        hooks.DEAL_CREATED.append(services.room_create_for_deal)
        hooks.STAGE_ENTERED.append(services.apply_templates_for)  # room templates per stage
        DEAL_PANELS.append(panels.deal_panel)
        targets.register(
            Room._meta.label_lower,
            visible_ids=visibility.visible_room_ids,
            redact=lambda actor, data: data,
        )
        links.register(Room._meta.label_lower, links.room_items(Room, Task))
        activity_describe.MESSAGES.update(describe.MESSAGES)
        activity_describe.MESSAGES.update(services.templates.EVENT_MESSAGES)
        activity_tags.ICONS["room_template"] = ("ti-template", "purple")
        # Batched room e-mail every few minutes; task reminders hourly (core/periodic.py).
        periodic.PERIODIC["dealroom.rooms.tasks.mail_room_updates"] = 120
        periodic.PERIODIC["dealroom.rooms.tasks.mail_task_reminders"] = 3600
        activity_tags.ICONS.update(describe.ICONS)
