"""Guests: customer contacts invited into a room by a link.

The link's token is 256-bit random and stored only as a hash, bound to one room and one
e-mail. Opening the link never redeems it (mail scanners open links); a button press does.
On a new browser the guest proves the e-mail with a 6-digit code (workspace setting), which
expires in 10 minutes and works once; 5 misses lock the guest's code step for that room for
15 minutes, whatever the browser. A browser opens only the rooms whose links it redeemed
(GuestGrant). Revoking a link or removing a guest ends that room's access for every browser
that came in by it and closes their sockets; the browser's other rooms stay open."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealroom.activity.models import Audience
from dealroom.activity.services import record as record_event
from dealroom.core.actors import Actor, Guest, Member, System
from dealroom.core.errors import DomainError, Invalid, NotFound, Throttled
from dealroom.core.tokens import new_token, token_hash
from dealroom.customers import clean
from dealroom.customers import visibility as customer_visibility
from dealroom.customers.models import AccountContact, Contact
from dealroom.customers.services import records as customer_records
from dealroom.workspaces.models import Workspace

from ..models import (
    Attempt,
    GuestGrant,
    GuestSession,
    MemberKind,
    NotifyLevel,
    Room,
    RoomInvitation,
    RoomMember,
)
from ..selectors import room_settings
from .common import as_int, require_manager, room_event, room_for, throttle

CODE_MINUTES = 10
CODE_TRIES = 5  # wrong codes per guest and room …
LOCK_MINUTES = 15  # … lock its code step this long, whatever the browser
CODE_SENDS = 5  # codes e-mailed per guest within LOCK_MINUTES


class LinkInvalid(DomainError):
    """An expired, revoked or unknown link. Carries the state and, when the link was real, the
    invitation (so the page can offer to ask the seller for a new one)."""

    status = 410
    code = "link_invalid"

    def __init__(self, state: str, invitation: RoomInvitation | None = None):
        super().__init__(_("This link no longer opens the room."), state=state)
        self.state = state
        self.invitation = invitation


# -- inviting --------------------------------------------------------------------------------


def _guest_contact(actor: Actor, room: Room, contact_id, email: str, name: str):
    """The contact to invite and the address to send to: a chosen contact (its first e-mail
    unless one is typed) or a typed address (an existing contact of the account with it, or a
    new contact, put on the account when the actor may edit it)."""
    try:
        email = clean.email(email) if email else ""
    except ValueError as e:
        raise Invalid(fields={"email": str(e)}) from None
    account = room.opportunity.account
    if contact_id not in (None, ""):
        contact = Contact.objects.visible_to(actor).filter(pk=as_int(contact_id)).first()
        if contact is None:
            raise Invalid(fields={"contact": _("Choose a contact you can see.")})
        email = email or (contact.emails[0] if contact.emails else "")
        if not email:
            raise Invalid(fields={"email": _("This contact has no e-mail address; type one.")})
        return contact, email
    if not email:
        raise Invalid(fields={"email": _("Choose a contact or type an e-mail address.")})
    on_account = AccountContact.objects.filter(account=account).values("contact_id")
    contact = (
        Contact.objects.visible_to(actor).filter(pk__in=on_account, emails__icontains=email).first()
    )
    if contact is not None and email in contact.emails:
        return contact, email
    full_name = (name or "").strip() or email.split("@")[0]
    contact = customer_records.record_create(
        actor=actor, object_type="contact", data={"full_name": full_name, "emails": email}
    )
    if customer_visibility.can_edit(actor, account):
        customer_records.account_contact_link(
            actor=actor, account_id=account.pk, contact_id=contact.pk, role="other"
        )
    return contact, email


@transaction.atomic
def room_guest_invite(
    *,
    actor: Actor,
    room_id,
    contact_id=None,
    email: str = "",
    name: str = "",
    language="",
    send_email: bool = True,
) -> tuple[RoomInvitation, str]:
    """Invite a customer contact; returns the invitation and the raw token (e-mailed after
    commit, never stored; the demo seed prints it instead)."""
    room = room_for(actor, room_id)
    require_manager(actor, room)
    assert isinstance(actor, Member)
    throttle(f"invite:{actor.membership.pk}", limit=60, minutes=60)
    contact, email = _guest_contact(actor, room, contact_id, email, name)
    guest, _created = RoomMember.objects.get_or_create(
        room=room,
        contact=contact,
        defaults={
            "workspace_id": room.workspace_id,
            "kind": MemberKind.GUEST,
            "name": contact.full_name,
            "email": email,
            "added_by": actor.user,
            "notify_level": NotifyLevel.ALL,
        },
    )
    guest.removed_at = None
    guest.email = email
    guest.language = guest.language or language  # their own visits set it later
    guest.save(update_fields=["removed_at", "email", "language"])
    token = new_token()
    days = room_settings(room.workspace_id).invite_days
    invitation = RoomInvitation.objects.create(
        workspace_id=room.workspace_id,
        room=room,
        member=guest,
        email=email,
        token_hash=token_hash(token),
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    room_event(
        actor,
        room,
        "room.guest_invited",
        {"name": guest.name, "member": guest.pk, "email": email},
        shared=False,
    )
    inviter = actor.user.full_name or actor.user.email
    if send_email:
        transaction.on_commit(
            lambda: _mail_invitation(
                room, email, token, inviter, days, language or settings.LANGUAGE_CODE
            )
        )
    return invitation, token


def guest_link_url(token: str) -> str:
    return f"{settings.SITE_URL}/r/{token}/"


def _mail_invitation(room: Room, email: str, token: str, inviter: str, days: int, language: str):
    workspace = Workspace.objects.get(pk=room.workspace_id)
    with translation.override(language):
        subject = _("%(inviter)s invited you to the deal room “%(room)s”") % {
            "inviter": inviter,
            "room": room.opportunity.name,
        }
        body = _(
            "%(inviter)s of %(workspace)s invited you to a shared deal room to plan and "
            "discuss “%(room)s” together.\n\nOpen the room: %(url)s\n\nThe link is for you "
            "alone and works for %(days)s days."
        ) % {
            "inviter": inviter,
            "workspace": workspace.name,
            "room": room.opportunity.name,
            "url": guest_link_url(token),
            "days": days,
        }
    send_mail(subject[:200], body, None, [email])


@transaction.atomic
def room_invitation_revoke(*, actor: Actor, room_id, invitation_id) -> RoomInvitation:
    room = room_for(actor, room_id)
    require_manager(actor, room)
    invitation = (
        RoomInvitation.objects.filter(room=room, pk=as_int(invitation_id))
        .select_related("member")
        .first()
    )
    if invitation is None:
        raise NotFound()
    _revoke(invitation.member, RoomInvitation.objects.filter(pk=invitation.pk))
    invitation.refresh_from_db(fields=["revoked_at"])
    room_event(
        actor,
        room,
        "room.invitation_revoked",
        {"name": invitation.member.name, "email": invitation.email},
        shared=False,
    )
    return invitation


@transaction.atomic
def room_guest_links_revoke(*, actor: Actor, room_id, member_id) -> int:
    """Every link of one guest to this room stops working, and the browsers that came in
    through them are signed out; the guest stays in the room (a new invitation lets them in
    again). What the people panel offers: one guest may hold several links (an invitation,
    its re-sends, links in notification e-mails), and which one was forwarded nobody knows.
    Returns how many links were still unrevoked."""
    room = room_for(actor, room_id)
    require_manager(actor, room)
    guest = RoomMember.objects.filter(
        room=room, pk=as_int(member_id), kind=MemberKind.GUEST
    ).first()
    if guest is None:
        raise NotFound()
    links = end_guest_access(guest)
    room_event(
        actor,
        room,
        "room.invitation_revoked",
        {"name": guest.name, "email": guest.email, "links": links},
        shared=False,
    )
    return links


def end_guest_access(guest: RoomMember) -> int:
    """A guest taken out of a room: their links to it stop working, their browsers that came
    in through those links are signed out, their open sockets on the room close."""
    return _revoke(guest, RoomInvitation.objects.filter(member=guest))


def _revoke(guest: RoomMember, invitations) -> int:
    """These links of the guest stop working, and with them the room's grant to every browser
    that came in through them (selectors.guest_actor reads grants of unrevoked links only);
    the guest's open sockets on the room re-check (and close). The browsers' other rooms stay
    open. Returns how many links were unrevoked."""
    links = invitations.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    _close_sockets(guest.room, guest.contact_id)
    return links


def _close_sockets(room: Room, contact_id) -> None:
    from dealroom.realtime import publish

    workspace_id, room_id = room.workspace_id, room.pk
    transaction.on_commit(
        lambda: publish.room_access_changed(
            workspace_id=workspace_id, room_id=room_id, contact_id=contact_id
        )
    )


# -- redeeming a link ------------------------------------------------------------------------


def invitation_by_token(token: str) -> tuple[str, RoomInvitation | None]:
    """("valid" | "expired" | "revoked" | "unknown", invitation)."""
    invitation = (
        RoomInvitation.objects.filter(token_hash=token_hash(token or ""))
        .select_related("room", "room__opportunity", "member", "workspace", "created_by")
        .first()
    )
    if invitation is None:
        return "unknown", None
    if invitation.revoked_at is not None or invitation.member.removed_at is not None:
        return "revoked", invitation
    if invitation.expires_at <= timezone.now():
        return "expired", invitation
    return "valid", invitation


def _contact_id(invitation: RoomInvitation) -> int:
    contact_id = invitation.member.contact_id
    assert contact_id is not None  # an invitation's member is always a guest (a contact)
    return contact_id


def _guest(invitation: RoomInvitation) -> Guest:
    return Guest(
        workspace=invitation.workspace,
        contact_id=_contact_id(invitation),
        room_ids=frozenset([invitation.room_id]),
    )


def _guest_event(invitation: RoomInvitation, verb: str, data=None, notify=()) -> None:
    """What a guest's link and code steps did, on the room's record (sellers only)."""
    room_event(
        _guest(invitation),
        invitation.room,
        verb,
        {"name": invitation.member.name, **(data or {})},
        shared=False,
        by=invitation.member,
        notify=notify,
    )


@dataclass(frozen=True)
class Redeemed:
    session: GuestSession
    room_id: int
    needs_code: bool


def guest_link_redeem(*, token: str, ip: str, known_session_id=None, language="") -> Redeemed:
    """The guest pressed "open the room". Not one transaction: attempts and refusals must be
    kept even though the redemption is refused."""
    throttle(f"redeem-ip:{ip}", limit=30, minutes=10)
    throttle(f"redeem:{token_hash(token or '')[:32]}", limit=10, minutes=10)
    state, invitation = invitation_by_token(token)
    if state != "valid":
        if invitation is not None:
            record_event(
                actor=System(workspace=invitation.workspace, reason="guest link"),
                verb="room.link_refused",
                target=invitation.room,
                data={
                    "name": invitation.member.name,
                    "state": state,
                    "room_id": invitation.room_id,
                },
                audience=Audience.RECORD,
            )
        raise LinkInvalid(state, invitation)
    assert invitation is not None
    known = _known_session(invitation, known_session_id)
    needs_code = known is None and room_settings(invitation.workspace_id).require_email_code
    if needs_code:
        # Whoever holds the link could otherwise start a new browser for fresh codes (and
        # fresh guesses) as often as they like, or flood the guest's inbox.
        _refuse_while_locked(invitation)
        _count_code_mail(invitation)
    return _redeem(invitation, known, needs_code, language)


def _known_session(invitation: RoomInvitation, session_id) -> GuestSession | None:
    """This browser's verified session of the same guest, if it proved the address this link
    was sent to (or the workspace asks no codes): the link's room is added to it, no code."""
    known = (
        GuestSession.objects.select_related("invitation")  # the address it proved, below
        .filter(
            pk=session_id if str(session_id or "").isdigit() else 0,
            workspace_id=invitation.workspace_id,
            contact_id=_contact_id(invitation),
            revoked_at__isnull=True,
            verified_at__isnull=False,
        )
        .first()
    )
    if known is None:
        return None
    proved = known.invitation.email.lower() == invitation.email.lower()
    if proved or not room_settings(invitation.workspace_id).require_email_code:
        return known
    return None


def _grant(session: GuestSession, invitation: RoomInvitation) -> None:
    GuestGrant.objects.get_or_create(
        session=session, invitation=invitation, defaults={"room_id": invitation.room_id}
    )


@transaction.atomic
def _redeem(
    invitation: RoomInvitation, known: GuestSession | None, needs_code: bool, language: str
) -> Redeemed:
    now = timezone.now()
    invitation.last_used_at = now
    invitation.save(update_fields=["last_used_at"])
    if known is not None:
        _grant(known, invitation)
        return Redeemed(known, invitation.room_id, needs_code=False)
    session = GuestSession.objects.create(
        workspace_id=invitation.workspace_id,
        contact_id=_contact_id(invitation),
        invitation=invitation,
        verified_at=None if needs_code else now,
    )
    if not needs_code:
        _grant(session, invitation)
    _guest_event(invitation, "room.link_opened")
    if needs_code:
        _send_code(session, invitation, language)
    return Redeemed(session, invitation.room_id, needs_code=needs_code)


def _send_code(session: GuestSession, invitation: RoomInvitation, language: str) -> None:
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.code_hash = token_hash(f"{session.pk}:{code}")
    session.code_expires_at = timezone.now() + timedelta(minutes=CODE_MINUTES)
    session.save(update_fields=["code_hash", "code_expires_at"])
    email = invitation.email
    name = invitation.room.opportunity.name

    def mail():
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = _("Your code for the deal room: %(code)s") % {"code": code}
            body = _(
                "Enter %(code)s to open the deal room “%(room)s”. The code works once, for "
                "%(minutes)s minutes. If you did not ask for it, ignore this e-mail."
            ) % {"code": code, "room": name, "minutes": CODE_MINUTES}
        send_mail(subject, body, None, [email])

    transaction.on_commit(mail)


# Wrong codes are counted per guest and room, whatever the browser: a new browser (a fresh
# redemption of the same link) starts no fresh count. Kept as Attempt rows, outside the
# refused request's transaction.


def _code_key(invitation: RoomInvitation) -> str:
    return f"{invitation.room_id}:{_contact_id(invitation)}"


def _count_code_mail(invitation: RoomInvitation) -> None:
    """Codes mailed to one guest, whichever room and browser asked: no inbox flood by whoever
    holds a link (or links to several rooms)."""
    key = f"code-send:{invitation.workspace_id}:{_contact_id(invitation)}"
    throttle(key, limit=CODE_SENDS, minutes=LOCK_MINUTES)


def _locked_since(invitation: RoomInvitation, now) -> Attempt | None:
    return (
        Attempt.objects.filter(
            key=f"code-lock:{_code_key(invitation)}",
            at__gt=now - timedelta(minutes=LOCK_MINUTES),
        )
        .order_by("-at")
        .first()
    )


def _refuse_while_locked(invitation: RoomInvitation) -> None:
    if _locked_since(invitation, timezone.now()) is not None:
        raise _locked()


def _count_wrong_code(invitation: RoomInvitation, now) -> bool:
    """Count a wrong code; True when it is the one that locks the code step."""
    key = _code_key(invitation)
    Attempt.objects.create(key=f"code-fail:{key}", at=now)
    last_lock = Attempt.objects.filter(key=f"code-lock:{key}").order_by("-at").values("at").first()
    since = now - timedelta(minutes=LOCK_MINUTES)
    if last_lock is not None:
        since = max(since, last_lock["at"])
    if Attempt.objects.filter(key=f"code-fail:{key}", at__gt=since).count() < CODE_TRIES:
        return False
    Attempt.objects.create(key=f"code-lock:{key}", at=now)
    return True


def _locked() -> Throttled:
    return Throttled(
        _("Too many wrong codes. Try again in %(minutes)s minutes.") % {"minutes": LOCK_MINUTES}
    )


def pending_session(session_id) -> GuestSession:
    session = (
        GuestSession.objects.filter(
            pk=as_int(session_id), revoked_at__isnull=True, verified_at__isnull=True
        )
        .select_related(
            "invitation",
            "invitation__room",
            "invitation__room__opportunity",
            "invitation__member",
            "workspace",
        )
        .first()
    )
    if session is None:
        raise NotFound()
    return session


def guest_code_resend(*, session_id, language: str = "") -> GuestSession:
    session = pending_session(session_id)
    _refuse_while_locked(session.invitation)
    _count_code_mail(session.invitation)
    with transaction.atomic():
        _send_code(session, session.invitation, language)
    return session


def guest_code_verify(*, session_id, code: str, known_session_id=None) -> GuestSession:
    """Not one transaction: a wrong code must count even though it is refused. A browser that
    already held a verified session of the same guest (`known_session_id`) keeps its rooms."""
    session = pending_session(session_id)
    now = timezone.now()
    invitation = session.invitation
    if _locked_since(invitation, now) is not None:
        raise _locked()
    if invitation.revoked_at is not None or invitation.member.removed_at is not None:
        raise LinkInvalid("revoked", invitation)
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    if not session.code_hash or not session.code_expires_at or session.code_expires_at <= now:
        raise Invalid(fields={"code": _("This code has expired. Send a new one.")})
    if token_hash(f"{session.pk}:{code}") != session.code_hash:
        locks = _count_wrong_code(invitation, now)
        if locks:  # the code in the mail is spent: after the lock, a new one is sent
            GuestSession.objects.filter(pk=session.pk).update(code_hash="")
        with transaction.atomic():
            _guest_event(invitation, "room.code_refused")
        if locks:
            raise _locked()
        raise Invalid(fields={"code": _("This code is not right. Check the latest e-mail.")})
    with transaction.atomic():
        session.verified_at = now
        session.code_hash = ""
        session.save(update_fields=["verified_at", "code_hash"])
        _grant(session, invitation)
        earlier = GuestSession.objects.filter(
            pk=known_session_id if str(known_session_id or "").isdigit() else 0,
            workspace_id=session.workspace_id,
            contact_id=session.contact_id,
            revoked_at__isnull=True,
            verified_at__isnull=False,
        ).first()
        if earlier is not None:
            for grant in GuestGrant.objects.filter(session=earlier).select_related("invitation"):
                _grant(session, grant.invitation)
        _guest_event(invitation, "room.guest_verified")
    return session


def guest_new_link_request(*, token: str, ip: str, message: str = "") -> RoomInvitation:
    """From the page of an expired or revoked link: tell the seller who sent it."""
    throttle(f"relink-ip:{ip}", limit=5, minutes=60)
    state, invitation = invitation_by_token(token)
    if invitation is None or state == "valid":
        raise NotFound()
    throttle(f"relink:{invitation.pk}", limit=2, minutes=60)
    notify = [invitation.created_by_id] if invitation.created_by_id else []
    with transaction.atomic():
        _guest_event(
            invitation,
            "room.new_link_requested",
            {"email": invitation.email, "note": message[:300]},
            notify=notify,
        )
    return invitation
