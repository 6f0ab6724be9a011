from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealroom.core.actors import Actor, Guest, Member, System


class UserManager(BaseUserManager["User"]):
    """E-mails are kept in lower case (`normalized`), so `Admin@Demo.Local` logs in as
    admin@demo.local through the unique index, and one address is one account whatever its
    case."""

    use_in_migrations = True

    @staticmethod
    def normalized(email: str) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> User:  # what login looks up
        return self.get(email=self.normalized(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        email = self.normalized(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with e-mail and password; may belong to several workspaces."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, blank=True)
    last_workspace = models.ForeignKey(
        "Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        """Model forms (the admin's) store the e-mail as create_user does; the uniqueness
        check that follows then compares lower case."""
        super().clean()
        self.email = UserManager.normalized(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name


def new_config_version() -> int:
    return secrets.randbits(62)


class Workspace(models.Model):
    """A tenant. Every domain row belongs to exactly one workspace."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True, max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    # Names the state of the configuration every request reads (field permissions, custom
    # fields, settings, teams, territories): a new random value on each change, so processes
    # keep what they read per value (workspaces/config.py). Only `config_changed` writes it.
    config_version = models.BigIntegerField(default=new_config_version, editable=False)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    REP = "rep", _("Rep")
    READONLY = "readonly", _("Read-only")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, actor: Actor) -> MembershipQuerySet:
        # Everyone in a workspace may see who else is in it; guests see no member list.
        if isinstance(actor, Member | System):
            return self.filter(workspace_id=actor.workspace_id)
        if isinstance(actor, Guest):
            return self.none()
        return self.none()


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        "Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace}"


class ScopedQuerySet(models.QuerySet):
    """Workspace data any member may read (teams, territories)."""

    def visible_to(self, actor: Actor):
        if isinstance(actor, Member | System):
            return self.filter(workspace_id=actor.workspace_id)
        return self.none()


class Team(models.Model):
    """Teams nest; a team's manager sees down the subtree (selectors.managed_member_ids)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        Membership,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TerritoryKind(models.TextChoices):
    REGION = "region", _("Region")
    INDUSTRY = "industry", _("Industry")
    PRODUCT = "product", _("Product")


class Territory(models.Model):
    """A slice of the market (by region, industry or product) and the members who work it.
    Records whose field matches one of `values` fall in the territory (customers issue)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="territories")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=TerritoryKind.choices)
    values = models.JSONField(_("matching values"), default=list)
    members = models.ManyToManyField(
        Membership, verbose_name=_("members"), blank=True, related_name="territories"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="territory_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def visible_to(self, actor: Actor) -> InvitationQuerySet:
        if isinstance(actor, Member) and actor.is_admin or isinstance(actor, System):
            return self.filter(workspace_id=actor.workspace_id)
        return self.none()


class Invitation(models.Model):
    """A single-use link inviting an e-mail address into a workspace with a role."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(models.Model):
    """A personal API token; only its hash is stored. It acts as its user in any workspace
    the user belongs to (the workspace is part of every API path)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class LoginFailure(models.Model):
    """One failed login; counted in a sliding window per e-mail and per IP (login throttling)."""

    email = models.CharField(max_length=254, db_index=True)
    ip = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
