"""A deal's room: created with the deal, its members on the seller side, its settings, and
each person's own state in it (read up to, notification level)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor, Guest, Member
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.pipeline.models import DealTeamMember, Opportunity, Variant
from dealroom.workspaces.models import Membership

from ..models import MemberKind, NotifyLevel, Room, RoomMember, RoomPresence, RoomSettings
from ..selectors import SHAREABLE_FIELDS
from ..selectors.rooms import own_row_key
from .common import forget_own_row, latest_event_id, me, require_manager, room_event, room_for


def _member_row(room: Room, membership: Membership, added_by=None) -> RoomMember:
    row, _created = RoomMember.objects.get_or_create(
        room=room,
        membership=membership,
        defaults={
            "workspace_id": room.workspace_id,
            "kind": MemberKind.MEMBER,
            "name": membership.user.full_name or membership.user.email,
            "email": membership.user.email,
            "added_by": added_by,
            "notify_level": NotifyLevel.ALL
            if membership.pk == room.opportunity.owner_id
            else NotifyLevel.MENTIONS,
        },
    )
    return row


def ensure_core_members(room: Room) -> None:
    """The deal owner and the deal team are always in the room (they may have changed since
    it was made)."""
    opp = room.opportunity
    ids = set(DealTeamMember.objects.filter(opportunity=opp).values_list("member_id", flat=True))
    if opp.owner_id:
        ids.add(opp.owner_id)
    present = set(
        RoomMember.objects.filter(room=room, membership_id__in=ids).values_list(
            "membership_id", flat=True
        )
    )
    for membership in Membership.objects.filter(
        pk__in=ids - present, is_active=True
    ).select_related("user"):
        _member_row(room, membership)


def room_create_for_deal(*, actor: Actor, opportunity: Opportunity) -> None:
    """Every staged or simple deal gets its room when it is created (pipeline hook)."""
    if opportunity.type.variant == Variant.TAG:
        return
    room, created = Room.objects.get_or_create(
        opportunity=opportunity, defaults={"workspace_id": opportunity.workspace_id}
    )
    if created:
        room.opportunity = opportunity
        ensure_core_members(room)
        room_event(actor, room, "room.created", shared=False)
        from .templates import apply_templates_on_create  # the room's starting plan

        apply_templates_on_create(actor=actor, opportunity=opportunity)


@transaction.atomic
def room_visit(*, actor: Actor, room_id, language: str = "") -> tuple[Room, RoomMember]:
    """Opening the room: marks it read for the actor and keeps the language they read in (for
    e-mail); a guest's first visit is recorded (and tells the sellers)."""
    room = room_for(actor, room_id)
    if isinstance(actor, Member):
        ensure_core_members(room)
        # One row per member and room: room_get may have read it already (the actor's memo).
        own = (
            actor.memo.get(own_row_key(room))
            or RoomMember.objects.filter(room=room, membership=actor.membership).first()
        )
        if own is None:
            # Seeing the deal lets a member read the room; they join when they take part.
            return room, RoomMember(
                room=room,
                kind=MemberKind.MEMBER,
                membership=actor.membership,
                notify_level=NotifyLevel.MENTIONS,
                read_up_to=latest_event_id(room),
            )
    else:
        own = me(actor, room)
    now = timezone.now()
    first = own.first_opened_at is None
    own.first_opened_at = own.first_opened_at or now
    own.last_seen_at = now
    own.read_up_to = latest_event_id(room)
    own.language = language[:10] or own.language
    own.save(update_fields=["first_opened_at", "last_seen_at", "read_up_to", "language"])
    if first and isinstance(actor, Guest):
        sellers = _seller_user_ids(room)
        room_event(actor, room, "room.guest_opened", shared=False, by=own, notify=sellers)
    return room, own


def _seller_user_ids(room: Room) -> list[int]:
    """Users on the seller side who want to hear about the room (not those who chose none)."""
    return list(
        RoomMember.objects.filter(room=room, kind=MemberKind.MEMBER, removed_at__isnull=True)
        .exclude(notify_level=NotifyLevel.NONE)
        .values_list("membership__user_id", flat=True)
    )


@transaction.atomic
def room_member_add(*, actor: Actor, room_id, membership_id) -> RoomMember:
    room = room_for(actor, room_id)
    require_manager(actor, room)
    membership = (
        Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True, pk=membership_id)
        .select_related("user")
        .first()
        if str(membership_id).isdigit()
        else None
    )
    if membership is None:
        raise Invalid(fields={"member": _("Choose a member of this workspace.")})
    row = _member_row(room, membership, added_by=actor.user if isinstance(actor, Member) else None)
    if row.removed_at is not None:
        row.removed_at = None
        row.save(update_fields=["removed_at"])
    room_event(
        actor,
        room,
        "room.member_added",
        {"name": row.name, "member": row.pk},
        shared=True,
        notify=[membership.user_id],
    )
    return row


@transaction.atomic
def room_member_remove(*, actor: Actor, room_id, member_id) -> RoomMember:
    """Take someone out of the room. The deal owner and team stay (change the deal team)."""
    from .guests import end_guest_access

    room = room_for(actor, room_id)
    require_manager(actor, room)
    row = RoomMember.objects.filter(
        room=room, pk=member_id if str(member_id).isdigit() else 0
    ).first()
    if row is None or row.removed_at is not None:
        raise NotFound()
    opp = room.opportunity
    core = {
        opp.owner_id,
        *DealTeamMember.objects.filter(opportunity=opp).values_list("member_id", flat=True),
    }
    if row.membership_id in core:
        raise Invalid(
            _(
                "The deal owner and the deal team are always in the room; "
                "change the deal team instead."
            )
        )
    row.removed_at = timezone.now()
    row.save(update_fields=["removed_at"])
    forget_own_row(actor, room)  # it may have been the actor's own
    if row.is_guest:
        end_guest_access(row)
    else:
        # An added member who does not see the deal otherwise loses the room's open pages.
        from dealroom.realtime import publish

        workspace_id, room_pk = room.workspace_id, room.pk
        transaction.on_commit(
            lambda: publish.room_access_changed(workspace_id=workspace_id, room_id=room_pk)
        )
    room_event(
        actor, room, "room.member_removed", {"name": row.name, "member": row.pk}, shared=True
    )
    return row


@transaction.atomic
def room_settings_update(*, actor: Actor, room_id, shared_fields: list[str], welcome: str) -> Room:
    room = room_for(actor, room_id)
    require_manager(actor, room)
    from dealroom.customers.fields import field_map

    seen = field_map(actor, "opportunity")  # nobody shares a field they may not see
    unknown = [f for f in shared_fields if f not in SHAREABLE_FIELDS or f not in seen]
    if unknown:
        raise Invalid(fields={"shared_fields": _("Choose among the deal fields offered.")})
    welcome = (welcome or "").strip()
    if len(welcome) > 2000:
        raise Invalid(fields={"welcome": _("Keep the welcome message under 2,000 characters.")})
    room.shared_fields = [f for f in SHAREABLE_FIELDS if f in shared_fields]
    room.welcome = welcome
    room.save(update_fields=["shared_fields", "welcome"])
    room_event(
        actor, room, "room.settings_changed", {"shared_fields": room.shared_fields}, shared=True
    )
    return room


@transaction.atomic
def room_notify_level_set(*, actor: Actor, room_id, level: str) -> RoomMember:
    room = room_for(actor, room_id)
    if level not in NotifyLevel.values:
        raise Invalid(fields={"notify_level": _("Choose one of the notification levels.")})
    own = me(actor, room)
    own.notify_level = level
    own.save(update_fields=["notify_level"])
    return own


LIMITS = {"invite_days": (1, 365), "max_file_mb": (1, 500)}


@transaction.atomic
def room_workspace_settings_update(
    *, actor: Actor, invite_days, max_file_mb, require_email_code
) -> RoomSettings:
    """The workspace's rules for every room: how long guest links work, whether a new browser
    proves the guest's e-mail with a code, the largest file. Admins only."""
    from dealroom.activity.models import Audience
    from dealroom.activity.services import record

    if not isinstance(actor, Member) or not actor.is_admin:
        raise Forbidden()
    errors: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for name, raw in (("invite_days", invite_days), ("max_file_mb", max_file_mb)):
        low, high = LIMITS[name]
        try:
            numbers[name] = int(raw)
            if not low <= numbers[name] <= high:
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number from %(low)d to %(high)d.") % {
                "low": low,
                "high": high,
            }
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)
    settings, _created = RoomSettings.objects.get_or_create(workspace_id=actor.workspace_id)
    settings.invite_days = numbers["invite_days"]
    settings.max_file_mb = numbers["max_file_mb"]
    settings.require_email_code = require_email_code in (True, "1", "on", "true")
    settings.save()
    record(
        actor=actor,
        verb="room_settings.changed",
        data={
            "invite_days": settings.invite_days,
            "max_file_mb": settings.max_file_mb,
            "require_email_code": settings.require_email_code,
        },
        audience=Audience.ADMINS,
    )
    return settings


# -- presence: who has the room open now ------------------------------------------------------


def room_presence_enter(*, actor: Actor, room: Room, presence_id: str) -> None:
    """A room page's socket opened (consumers.py): the reader is in the room now. `room` was
    found visible to the actor by the socket."""
    if isinstance(actor, Guest):
        from dealroom.customers.models import Contact

        person, is_guest = f"g{actor.contact_id}", True
        name = (
            Contact.objects.filter(pk=actor.contact_id).values_list("full_name", flat=True).first()
            or ""
        )
    elif isinstance(actor, Member):
        person, is_guest = f"m{actor.membership.pk}", False
        name = actor.user.full_name or actor.user.email
    else:
        return
    RoomPresence.objects.update_or_create(
        channel_name=presence_id,
        defaults={
            "room_id": room.pk,
            "person": person,
            "name": name,
            "is_guest": is_guest,
            "seen_at": timezone.now(),
        },
    )


def room_presence_beat(*, presence_id: str) -> None:
    """The page is still open (its heartbeat)."""
    RoomPresence.objects.filter(channel_name=presence_id).update(seen_at=timezone.now())


def room_presence_leave(*, presence_id: str) -> None:
    RoomPresence.objects.filter(channel_name=presence_id).delete()
