from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealroom.core.actors import Actor, Guest, Member, System


class Audience(models.TextChoices):
    WORKSPACE = "workspace", _("Everyone in the workspace")
    MANAGERS = "managers", _("Admins and managers")
    ADMINS = "admins", _("Admins")
    RECORD = "record", _("Everyone who may see the record")
    # A room event guests may see too: members see it as a record event of the room.
    SHARED = "shared", _("Everyone in the room, guests included")


class ActivityEventQuerySet(models.QuerySet["ActivityEvent"]):
    def visible_to(self, actor: Actor) -> ActivityEventQuerySet:
        if isinstance(actor, System):
            return self.filter(workspace_id=actor.workspace_id)
        if isinstance(actor, Member):
            from . import targets

            qs = self.filter(workspace_id=actor.workspace_id)
            if actor.is_admin:
                return qs
            audiences = [Audience.WORKSPACE]
            if actor.is_manager:
                audiences.append(Audience.MANAGERS)
            return qs.filter(
                Q(audience__in=audiences)
                | Q(audience__in=[Audience.RECORD, Audience.SHARED]) & targets.visible_q(actor)
            )
        if isinstance(actor, Guest):
            # A guest sees the shared events of their rooms, nothing else of the workspace.
            return self.filter(
                workspace_id=actor.workspace_id,
                audience=Audience.SHARED,
                target_type="rooms.room",
                target_id__in=actor.room_ids,
            )
        return self.none()


class ActivityEvent(models.Model):
    """One thing that happened: the timeline entry and the audit record in one row.
    Written only by activity.services.record(), in the transaction of the change."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="events"
    )
    actor_kind = models.CharField(max_length=10)  # member | guest | system
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=60)  # noun.past_tense, e.g. member.invited
    target_type = models.CharField(max_length=60, blank=True)  # app_label.model
    target_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.WORKSPACE)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ActivityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["workspace", "-id"], name="event_ws_recent"),
            models.Index(fields=["target_type", "target_id", "-id"], name="event_target_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} #{self.pk}"


class EventAlso(models.Model):
    """A further record an event belongs on the timeline of: a deal's stage move is also on
    its account's timeline. Who may read the event is still decided by its own target."""

    event = models.ForeignKey(ActivityEvent, on_delete=models.CASCADE, related_name="also")
    target_type = models.CharField(max_length=60)
    target_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id", "event"], name="event_also")]


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, actor: Actor) -> NotificationQuerySet:
        if isinstance(actor, Member):
            return self.filter(workspace_id=actor.workspace_id, recipient_id=actor.user_id)
        return self.none()


class Notification(models.Model):
    """An event someone should look at (the bell). Written by record() with the event."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(ActivityEvent, on_delete=models.CASCADE, related_name="notifications")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "workspace", "read_at"], name="notif_unread")]
