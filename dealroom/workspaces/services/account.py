"""Writes a user makes to their own account (profile, password, language, API tokens) and the
login throttle. No workspace actor: these belong to the person, not to a workspace."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Member
from dealroom.core.errors import Invalid, NotFound, Throttled
from dealroom.core.tokens import new_token, token_hash

from ..models import ApiToken, LoginFailure, User

# -- the user's own account ------------------------------------------------------------------


@transaction.atomic
def user_last_workspace_set(*, actor: Member) -> None:
    if actor.user.last_workspace_id != actor.workspace_id:
        User.objects.filter(pk=actor.user_id).update(last_workspace_id=actor.workspace_id)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise Invalid(fields={"language": _("Choose a supported language.")})
    User.objects.filter(pk=user.pk).update(language=language)


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the secret, which is shown once and never stored."""
    name = (name or "").strip() or _("API token")
    secret = "drt_" + new_token()
    token = ApiToken.objects.create(
        user=user, name=name[:80], prefix=secret[4:12], key_hash=token_hash(secret)
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    if not ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        raise NotFound()


# A token's last use is kept to the minute. Written on every request, it made every API read
# a write (on SQLite each one took the database's write lock); now one request a minute per
# token writes it, and the others only read.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def api_token_authenticate(secret: str) -> User | None:
    try:  # key_hash is unique: get() needs no ORDER BY, unlike first()
        token = ApiToken.objects.select_related("user").get(
            key_hash=token_hash(secret or ""), revoked_at__isnull=True
        )
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    stale = now - TOKEN_USE_PRECISION
    if token.last_used_at is None or token.last_used_at <= stale:
        # Conditional: of the requests (and processes) that read the old value at once, the
        # first to commit writes; the others change nothing.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
        ).update(last_used_at=now)
    return token.user


# -- login throttling ------------------------------------------------------------------------


def _recent_failures(field: str, value: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return LoginFailure.objects.filter(**{field: value, "at__gte": since}).count()


def login_throttle_check(*, email: str, ip: str) -> None:
    """Raise Throttled when the e-mail or the IP failed too often in the window."""
    limit = settings.LOGIN_FAILURE_LIMIT
    email = (email or "").strip().lower()
    if (email and _recent_failures("email", email) >= limit) or (
        ip and _recent_failures("ip", ip) >= limit
    ):
        raise Throttled()


@transaction.atomic
def login_failure_record(*, email: str, ip: str) -> None:
    LoginFailure.objects.create(email=(email or "").strip().lower()[:254], ip=ip or "")
    # Keep the table small: rows older than the window no longer count.
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS * 6)
    LoginFailure.objects.filter(at__lt=cutoff).delete()


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The signed-in user's new password, after their current one and the password rules.
    Other sessions of the user end (their session hash no longer matches); the view keeps
    the one that asked."""
    if not user.check_password(old_password or ""):
        raise Invalid(fields={"old_password": _("Your current password is not correct.")})
    try:
        validate_password(new_password, user)
    except ValidationError as e:
        raise Invalid(fields={"new_password": " ".join(e.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def user_profile_update(*, user: User, full_name: str) -> User:
    full_name = (full_name or "").strip()
    if not full_name:
        raise Invalid(fields={"full_name": _("Enter your name.")})
    User.objects.filter(pk=user.pk).update(full_name=full_name[:150])
    user.full_name = full_name[:150]
    return user
