"""Django admin for staff: look-ups and repairs. Day-to-day changes go through the app's
pages (services, events); the admin is for operators."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .config import config_changed
from .models import ApiToken, Invitation, Membership, Team, Territory, User, Workspace


class ChangesConfig(admin.ModelAdmin):
    """Rows requests keep per configuration version (workspaces/config.py): an operator's
    change here names a new version, as the services' changes do. The admin saves in a
    transaction, so the new version commits with the change."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after the row and its m2m
        config_changed(workspace_id=self._workspace_id(form.instance))

    def delete_model(self, request, obj):
        workspace_id = self._workspace_id(obj)
        super().delete_model(request, obj)
        config_changed(workspace_id=workspace_id)

    def delete_queryset(self, request, queryset):
        ids = {self._workspace_id(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        for workspace_id in ids:
            config_changed(workspace_id=workspace_id)

    @staticmethod
    def _workspace_id(obj) -> int:
        return obj.pk if isinstance(obj, Workspace) else obj.workspace_id


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "password1", "password2")}),)


@admin.register(Workspace)
class WorkspaceAdmin(ChangesConfig):  # its save writes back the version it read: name a new one
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(ChangesConfig):
    list_display = ["user", "workspace", "role", "team", "is_active"]
    list_filter = ["role", "is_active", "workspace"]
    search_fields = ["user__email", "user__full_name"]


@admin.register(Team)
class TeamAdmin(ChangesConfig):
    list_display = ["name", "workspace", "parent", "manager"]
    list_filter = ["workspace"]


@admin.register(Territory)
class TerritoryAdmin(ChangesConfig):
    list_display = ["name", "kind", "workspace"]
    list_filter = ["kind", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by", "revoked_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
