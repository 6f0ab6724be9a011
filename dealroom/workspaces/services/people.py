"""Writes to workspaces, invitations, members, teams and territories. Each service: check access →
validate → write → activity.record → return."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dealroom.activity.models import Audience
from dealroom.activity.services import record
from dealroom.core.actors import Actor, Member
from dealroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from dealroom.core.tokens import new_token, token_hash
from dealroom.realtime.publish import close_user_sockets

from .. import access
from ..config import config_changed
from ..models import (
    Invitation,
    Membership,
    Role,
    Team,
    Territory,
    TerritoryKind,
    User,
    Workspace,
)


def ensure_unique(fn):
    """Turn a race on a unique constraint into a conflict instead of a server error."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except IntegrityError:
            raise Conflict() from None

    return wrapper


# -- workspaces ------------------------------------------------------------------------------


@ensure_unique
@transaction.atomic
def workspace_create(*, owner: User, name: str, slug: str = "") -> Workspace:
    """A user creates a workspace and becomes its first admin."""
    name = (name or "").strip()
    if not name:
        raise Invalid(fields={"name": _("Enter a name.")})
    slug = slugify(slug or name) or f"ws-{timezone.now():%Y%m%d%H%M%S}"
    if Workspace.objects.filter(slug=slug).exists():
        raise Invalid(fields={"slug": _("This address is already taken.")})
    ws = Workspace.objects.create(name=name, slug=slug)
    membership = Membership.objects.create(workspace=ws, user=owner, role=Role.ADMIN)
    record(actor=Member(membership), verb="workspace.created", target=ws, data={"name": name})
    return ws


def _require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise Invalid(fields={"email": _("Enter a valid e-mail address.")}) from None
    return email


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise Invalid(fields={"role": _("Choose one of the roles.")})
    return role


# -- invitations -----------------------------------------------------------------------------


@transaction.atomic
def member_invite(
    *,
    actor: Actor,
    email: str,
    role: str,
    team_id: int | None = None,
    language: str = "",
    send_email: bool = True,
) -> tuple[Invitation, str]:
    """Invite an e-mail address into the actor's workspace. The link (valid 7 days, single
    use) is e-mailed after commit; only the token's hash is stored. Returns the invitation and
    the raw token (for the e-mail and the demo seed; never persisted)."""
    _require(access.can_manage_members(actor))
    email = _clean_email(email)
    role = _clean_role(role)
    team = None
    if team_id:
        team = Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).first()
        if team is None:
            raise Invalid(fields={"team": _("Choose a team of this workspace.")})
    if Membership.objects.filter(
        workspace_id=actor.workspace_id, user__email=email, is_active=True
    ).exists():
        raise Invalid(fields={"email": _("This person is already a member.")})
    # A new invitation replaces any earlier pending one for the same address.
    Invitation.objects.filter(
        workspace_id=actor.workspace_id,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    token = new_token()
    invitation = Invitation.objects.create(
        workspace_id=actor.workspace_id,
        email=email,
        role=role,
        team=team,
        token_hash=token_hash(token),
        invited_by=actor.user if isinstance(actor, Member) else None,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    record(
        actor=actor,
        verb="member.invited",
        target=invitation,
        data={"email": email, "role": role},
        audience=Audience.MANAGERS,
    )
    workspace = Workspace.objects.get(pk=actor.workspace_id)
    inviter = actor.user.full_name if isinstance(actor, Member) else ""
    if send_email:
        transaction.on_commit(
            lambda: _mail_invitation(invitation, token, workspace, inviter, language)
        )
    return invitation, token


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}/invite/{token}/"


def _mail_invitation(invitation: Invitation, token: str, workspace, inviter: str, language: str):
    # Sent in the request, after commit: the raw token must never be stored (not even in the
    # job table), so this mail cannot go through the background queue.
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "workspace": workspace,
            "inviter": inviter,
            "url": invitation_url(token),
            "days": settings.INVITATION_VALID_DAYS,
            "role": Role(invitation.role).label,
        }
        subject = _("You are invited to %(workspace)s on Dealroom") % {"workspace": workspace.name}
        body = render_to_string("workspaces/email/invitation.txt", context)
        send_mail(subject, body, None, [invitation.email])


class InvitationState:
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def invitation_by_token(token: str) -> tuple[str, Invitation | None]:
    """Look an invitation link up (public, no actor): its state and the invitation."""
    invitation = (
        Invitation.objects.select_related("workspace")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if invitation is None:
        return InvitationState.UNKNOWN, None
    if invitation.accepted_at:
        return InvitationState.USED, invitation
    if invitation.revoked_at:
        return InvitationState.REVOKED, invitation
    if invitation.expires_at <= timezone.now():
        return InvitationState.EXPIRED, invitation
    return InvitationState.VALID, invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> Membership:
    """Redeem an invitation. A logged-in `user` joins with their account (their e-mail must
    match); otherwise a new account is created from `full_name` and `password`."""
    # Lock the row so two simultaneous redemptions cannot both succeed.
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=token_hash(token or "")).first()
    )
    state, _inv = invitation_by_token(token)
    if invitation is None or state != InvitationState.VALID:
        raise Invalid(_("This invitation link is not valid any more."), fields={"token": state})
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email:
            raise Forbidden(
                _("This invitation is for %(email)s. Log out and open the link again.")
                % {"email": invitation.email}
            )
    else:
        if User.objects.filter(email=invitation.email).exists():
            raise Invalid(
                _("An account with this e-mail exists. Log in first, then open the link again."),
                fields={"email": invitation.email},
            )
        full_name = (full_name or "").strip()
        errors = {}
        if not full_name:
            errors["full_name"] = _("Enter your name.")
        try:
            validate_password(password, User(email=invitation.email, full_name=full_name))
        except DjangoValidationError as e:
            errors["password"] = " ".join(e.messages)
        if errors:
            raise Invalid(_("Please correct the highlighted fields."), fields=errors)
        user = User.objects.create_user(invitation.email, password, full_name=full_name)
    assert user is not None
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace,
        user=user,
        defaults={"role": invitation.role, "team": invitation.team},
    )
    if not created:
        membership.role, membership.team, membership.is_active = (
            invitation.role,
            invitation.team,
            True,
        )
        membership.save(update_fields=["role", "team", "is_active"])
    config_changed(workspace_id=invitation.workspace_id)  # a manager above sees more
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    user.last_workspace = invitation.workspace
    user.save(update_fields=["last_workspace"])
    admin_ids = Membership.objects.filter(
        workspace=invitation.workspace, role=Role.ADMIN, is_active=True
    ).values_list("user_id", flat=True)
    record(
        actor=Member(membership),
        verb="member.joined",
        target=membership,
        data={"member_name": user.full_name, "role": membership.role},
        notify=[*admin_ids, invitation.invited_by_id or 0],
    )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation_id: int) -> Invitation:
    _require(access.can_manage_members(actor))
    invitation = (
        Invitation.objects.visible_to(actor).select_for_update().filter(pk=invitation_id).first()
    )
    if invitation is None:
        raise NotFound()
    if not invitation.is_pending:
        raise Invalid(_("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        actor=actor,
        verb="invitation.revoked",
        target=invitation,
        data={"email": invitation.email},
        audience=Audience.MANAGERS,
    )
    return invitation


# -- members ---------------------------------------------------------------------------------


def _membership_for_update(actor: Actor, membership_id: int) -> Membership:
    m = (
        Membership.objects.visible_to(actor)
        .select_for_update()
        .select_related("user")
        .filter(pk=membership_id)
        .first()
    )
    if m is None:
        raise NotFound()
    return m


def _keep_an_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        workspace_id=membership.workspace_id, role=Role.ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if membership.role == Role.ADMIN and not others.exists():
        raise Invalid(_("A workspace needs at least one active admin."), fields={"role": ""})


@transaction.atomic
def member_role_change(*, actor: Actor, membership_id: int, role: str) -> Membership:
    _require(access.can_manage_members(actor))
    role = _clean_role(role)
    m = _membership_for_update(actor, membership_id)
    if m.role == role:
        return m
    if role != Role.ADMIN:
        _keep_an_admin(m)
    old = m.role
    m.role = role
    m.save(update_fields=["role"])
    config_changed(actor)
    record(
        actor=actor,
        verb="member.role_changed",
        target=m,
        data={"member_name": m.user.full_name, "old_role": old, "new_role": role},
        notify=[m.user_id],
    )
    return m


@transaction.atomic
def member_deactivate(*, actor: Actor, membership_id: int) -> Membership:
    """The person loses access to this workspace at once (open pages and sockets too);
    everything they did stays."""
    _require(access.can_manage_members(actor))
    m = _membership_for_update(actor, membership_id)
    if not m.is_active:
        return m
    _keep_an_admin(m)
    m.is_active = False
    m.save(update_fields=["is_active"])
    config_changed(actor)
    record(
        actor=actor,
        verb="member.deactivated",
        target=m,
        data={"member_name": m.user.full_name},
        audience=Audience.MANAGERS,
    )
    ws_id, user_id = m.workspace_id, m.user_id
    transaction.on_commit(lambda: close_user_sockets(workspace_id=ws_id, user_id=user_id))
    return m


@transaction.atomic
def member_reactivate(*, actor: Actor, membership_id: int) -> Membership:
    _require(access.can_manage_members(actor))
    m = _membership_for_update(actor, membership_id)
    if m.is_active:
        return m
    m.is_active = True
    m.save(update_fields=["is_active"])
    config_changed(actor)
    record(
        actor=actor,
        verb="member.reactivated",
        target=m,
        data={"member_name": m.user.full_name},
        audience=Audience.MANAGERS,
    )
    return m


@transaction.atomic
def member_team_set(*, actor: Actor, membership_id: int, team_id: int | None) -> Membership:
    _require(access.can_manage_teams(actor))
    m = _membership_for_update(actor, membership_id)
    team = None
    if team_id:
        team = Team.objects.visible_to(actor).filter(pk=team_id).first()
        if team is None:
            raise Invalid(fields={"team": _("Choose a team of this workspace.")})
    if m.team_id == (team.pk if team else None):
        return m
    m.team = team
    m.save(update_fields=["team"])
    config_changed(actor)
    record(
        actor=actor,
        verb="member.team_changed",
        target=m,
        data={"member_name": m.user.full_name, "team": team.name if team else ""},
    )
    return m


# -- teams -----------------------------------------------------------------------------------


def _team_fields(actor: Actor, team: Team | None, name: str, parent_id, manager_id) -> dict:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter a name.")
    elif (
        Team.objects.filter(workspace_id=actor.workspace_id, name=name)
        .exclude(pk=team.pk if team else 0)
        .exists()
    ):
        errors["name"] = _("A team with this name already exists.")
    parent = None
    if parent_id:
        parent = Team.objects.visible_to(actor).filter(pk=parent_id).first()
        if parent is None:
            errors["parent"] = _("Choose a team of this workspace.")
        elif team is not None:
            from ..selectors import subtree_team_ids

            if parent.pk in subtree_team_ids(actor.workspace_id, {team.pk}):
                errors["parent"] = _("A team cannot be placed under itself or its own sub-team.")
    manager = None
    if manager_id:
        manager = Membership.objects.visible_to(actor).filter(pk=manager_id, is_active=True).first()
        if manager is None:
            errors["manager"] = _("Choose an active member of this workspace.")
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    return {"name": name, "parent": parent, "manager": manager}


@ensure_unique
@transaction.atomic
def team_create(
    *, actor: Actor, name: str, parent_id: int | None = None, manager_id: int | None = None
) -> Team:
    _require(access.can_manage_teams(actor))
    fields = _team_fields(actor, None, name, parent_id, manager_id)
    team = Team.objects.create(workspace_id=actor.workspace_id, **fields)
    config_changed(actor)
    record(actor=actor, verb="team.created", target=team, data={"name": team.name})
    return team


@transaction.atomic
def team_update(
    *, actor: Actor, team_id: int, name: str, parent_id: int | None, manager_id: int | None
) -> Team:
    _require(access.can_manage_teams(actor))
    team = Team.objects.visible_to(actor).select_for_update().filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    for key, value in _team_fields(actor, team, name, parent_id, manager_id).items():
        setattr(team, key, value)
    team.save()
    config_changed(actor)
    record(actor=actor, verb="team.updated", target=team, data={"name": team.name})
    return team


@transaction.atomic
def team_delete(*, actor: Actor, team_id: int) -> None:
    _require(access.can_manage_teams(actor))
    team = Team.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    if team.children.exists():
        raise Invalid(_("Move or delete the sub-teams first."))
    name = team.name
    record(actor=actor, verb="team.deleted", target=team, data={"name": name})
    team.delete()
    config_changed(actor)


# -- territories -----------------------------------------------------------------------------


def _territory_fields(actor, territory, name, kind, values, member_ids) -> dict:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter a name.")
    elif (
        Territory.objects.filter(workspace_id=actor.workspace_id, name=name)
        .exclude(pk=territory.pk if territory else 0)
        .exists()
    ):
        errors["name"] = _("A territory with this name already exists.")
    if kind not in TerritoryKind.values:
        errors["kind"] = _("Choose region, industry or product.")
    clean_values = sorted({v.strip() for v in values or [] if v and v.strip()})
    if not clean_values:
        errors["values"] = _("Enter at least one value this territory covers.")
    members = list(Membership.objects.visible_to(actor).filter(pk__in=member_ids or []))
    if len(members) != len(set(member_ids or [])):
        errors["members"] = _("Choose members of this workspace.")
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    return {"name": name, "kind": kind, "values": clean_values, "members": members}


@ensure_unique
@transaction.atomic
def territory_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    values: list[str],
    member_ids: list[int] = (),  # type: ignore[assignment]
) -> Territory:
    _require(access.can_manage_territories(actor))
    fields = _territory_fields(actor, None, name, kind, values, list(member_ids))
    members = fields.pop("members")
    territory = Territory.objects.create(workspace_id=actor.workspace_id, **fields)
    territory.members.set(members)
    config_changed(actor)
    record(actor=actor, verb="territory.created", target=territory, data={"name": territory.name})
    return territory


@transaction.atomic
def territory_update(
    *,
    actor: Actor,
    territory_id: int,
    name: str,
    kind: str,
    values: list[str],
    member_ids: list[int],
) -> Territory:
    _require(access.can_manage_territories(actor))
    territory = (
        Territory.objects.visible_to(actor).select_for_update().filter(pk=territory_id).first()
    )
    if territory is None:
        raise NotFound()
    fields = _territory_fields(actor, territory, name, kind, values, member_ids)
    members = fields.pop("members")
    for key, value in fields.items():
        setattr(territory, key, value)
    territory.save()
    territory.members.set(members)
    config_changed(actor)
    record(actor=actor, verb="territory.updated", target=territory, data={"name": territory.name})
    return territory


@transaction.atomic
def territory_delete(*, actor: Actor, territory_id: int) -> None:
    _require(access.can_manage_territories(actor))
    territory = Territory.objects.visible_to(actor).filter(pk=territory_id).first()
    if territory is None:
        raise NotFound()
    record(actor=actor, verb="territory.deleted", target=territory, data={"name": territory.name})
    territory.delete()
    config_changed(actor)
