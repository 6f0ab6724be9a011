"""Rooms, their people and presence, their events and the deal fields a reader sees."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Actor, Guest, Member
from dealroom.core.formatting import money

from ..models import (
    GuestGrant,
    GuestSession,
    MemberKind,
    Room,
    RoomInvitation,
    RoomMember,
    RoomPresence,
    RoomSettings,
)


def room_settings(workspace_id: int) -> RoomSettings:
    return RoomSettings.objects.filter(workspace_id=workspace_id).first() or RoomSettings(
        workspace_id=workspace_id
    )


def guest_actor(*, workspace, session_id) -> Guest | None:
    """The guest behind a browser's guest session in this workspace, with the rooms it was
    granted (a redeemed link to each) whose link is still unrevoked and whose guest is still
    in the room; None when the session is unknown, unverified or revoked, or opens no room."""
    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        return None
    session = GuestSession.objects.filter(
        pk=pk,
        workspace=workspace,
        verified_at__isnull=False,
        revoked_at__isnull=True,
    ).first()
    if session is None:
        return None
    room_ids = frozenset(
        GuestGrant.objects.filter(
            session=session,
            invitation__revoked_at__isnull=True,
            invitation__member__contact_id=session.contact_id,
            invitation__member__removed_at__isnull=True,
        ).values_list("room_id", flat=True)
    )
    if not room_ids:
        return None
    return Guest(workspace=workspace, contact_id=session.contact_id, room_ids=room_ids)


def room_get(*, actor: Actor, room_id) -> Room | None:
    """One room, if the actor sees it. For a member the rule (visibility.room_q) is asked of
    this room's deal alone: asking which of all rooms they see, to pick one, cost a scan of
    every deal they may see on every request and socket message. The answer is kept for the
    actor object's life (core/actors.py), so the service asking again after the view costs
    nothing."""
    try:
        pk = int(room_id)
    except (TypeError, ValueError):
        return None
    seen = actor.memo.setdefault("rooms", {})
    if pk not in seen:
        seen[pk] = _room_as_seen_by(actor, pk)
    return seen[pk]


def _room_as_seen_by(actor: Actor, pk: int) -> Room | None:
    if isinstance(actor, Guest) and pk not in actor.room_ids:
        return None  # Room.visible_to for a guest: the rooms they were let into
    # get(), not first(): a primary key needs no ORDER BY, whose compiling was a quarter of
    # this query's cost (every request and socket check of a room asks it).
    try:
        room = Room.objects.select_related(
            "opportunity",
            "opportunity__account",
            "opportunity__stage",
            "opportunity__type",
            "opportunity__owner__user",
        ).get(workspace_id=actor.workspace_id, pk=pk)
    except Room.DoesNotExist:
        return None
    if not isinstance(actor, Member) or actor.is_admin:
        return room  # a guest's own room (asked above); the whole workspace for the others
    # A member of the room is asked first: one indexed row, where the deal's visibility is
    # a subquery over teams and territories (and those who post in a room are its members).
    # The row is kept for services.common.me and own_member_id, which would read it again.
    own = RoomMember.objects.filter(
        room=room, membership_id=actor.membership.pk, removed_at__isnull=True
    )[:1]
    if own:
        actor.memo[own_row_key(room)] = own[0]
        return room
    from dealroom.pipeline.models import Opportunity

    sees_deal = Opportunity.objects.visible_to(actor).filter(pk=room.opportunity_id).exists()
    return room if sees_deal else None


def own_row_key(room: Room) -> tuple[str, int]:
    """Where an actor's memo keeps their active row in a room."""
    return ("own row", room.pk)


def own_member_id(*, actor: Actor, room: Room) -> int | None:
    """The reader's row in the room, if they have one."""
    known = actor.memo.get(own_row_key(room))
    if known is not None:
        return known.pk
    if isinstance(actor, Guest):
        rows = RoomMember.objects.filter(room=room, contact_id=actor.contact_id, kind="guest")
    elif isinstance(actor, Member):
        rows = RoomMember.objects.filter(room=room, membership_id=actor.membership.pk)
    else:
        return None
    return rows.filter(removed_at__isnull=True).values_list("pk", flat=True).first()


def member_list(*, actor: Actor, room: Room) -> list[RoomMember]:
    """Active members of a room the caller has already found visible (sellers first)."""
    return list(
        RoomMember.objects.filter(room=room, removed_at__isnull=True).order_by("kind", "name", "pk")
    )


class MemberNames(Mapping[int, str]):
    """Current names of a room's active members, read on first use: most comments mention
    nobody, and a live render of one comment then costs a query less."""

    def __init__(self, room: Room):
        self.room = room

    @cached_property
    def _names(self) -> dict[int, str]:
        rows = RoomMember.objects.filter(room=self.room, removed_at__isnull=True)
        return dict(rows.values_list("pk", "name"))

    def __getitem__(self, member_id: int) -> str:
        return self._names[member_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def member_names(*, room: Room) -> MemberNames:
    """Current names of the room's active members, for rendering mentions."""
    return MemberNames(room)


def my_rooms(*, actor: Actor, limit: int = 100) -> list[Room]:
    """Rooms the actor is in (member: rows of theirs; guest: their rooms), most recently active
    first, each with `unread` (an event in it after what they read, by someone else)."""
    if isinstance(actor, Guest):
        rooms = Room.objects.visible_to(actor)
        mine = RoomMember.objects.filter(
            room=OuterRef("pk"), contact_id=actor.contact_id, kind=MemberKind.GUEST
        )
    elif isinstance(actor, Member):
        rooms = Room.objects.visible_to(actor).filter(
            members__membership=actor.membership, members__removed_at__isnull=True
        )
        mine = RoomMember.objects.filter(room=OuterRef("pk"), membership=actor.membership)
    else:
        return []
    newer = ActivityEvent.objects.filter(
        target_type="rooms.room", target_id=OuterRef("pk"), id__gt=OuterRef("read_up_to")
    )
    if isinstance(actor, Guest):
        newer = newer.filter(audience="shared")
    last = ActivityEvent.objects.filter(target_type="rooms.room", target_id=OuterRef("pk"))
    qs = (
        rooms.select_related("opportunity", "opportunity__account", "opportunity__stage")
        .annotate(read_up_to=Subquery(mine.values("read_up_to")[:1]))
        .annotate(
            unread=Exists(newer),
            last_event=Subquery(last.order_by("-id").values("created_at")[:1]),
        )
        .order_by("-last_event", "-pk")
    )
    return list(qs[:limit])


def room_activity(*, actor: Actor, room: Room, before: int | None = None, limit: int = 30):
    """The room's activity tab, newest first (keyset-paged by id): its events as the actor
    may see them (see `_room_events`)."""
    from dealroom.activity import targets

    qs = _room_events(actor, room)
    if before:
        qs = qs.filter(pk__lt=before)
    return targets.redact(actor, list(qs.select_related("actor_user").order_by("-id")[:limit]))


PRESENCE_SECONDS = 90


def presence(*, room: Room) -> list[RoomPresence]:
    """Who has the room open now (a socket that beat within the last 90 seconds), one row per
    person."""
    since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
    rows = RoomPresence.objects.filter(room=room, seen_at__gte=since).order_by("name", "pk")
    seen: dict[str, RoomPresence] = {}
    for row in rows:
        seen.setdefault(row.person, row)
    return list(seen.values())


@dataclass
class GuestLinks:
    """A guest's links that still open the room: an invitation, its re-sends, the links in
    notification e-mails. The panel shows them as one line, revoked together."""

    member: RoomMember
    count: int
    expires_at: datetime  # of the one that lasts longest


def guest_links(invitations: list[RoomInvitation]) -> list[GuestLinks]:
    by_guest: dict[int, GuestLinks] = {}
    for inv in invitations:
        found = by_guest.get(inv.member_id)
        if found is None:
            by_guest[inv.member_id] = GuestLinks(inv.member, 1, inv.expires_at)
        else:
            found.count += 1
            found.expires_at = max(found.expires_at, inv.expires_at)
    return sorted(by_guest.values(), key=lambda g: g.member.name)


def people_get(*, actor: Actor, room: Room) -> dict:
    """The room's people panel: members and guests, who is here now; for those who run the
    room also pending links, the account's contacts to invite and workspace members to add."""
    from dealroom.customers.models import AccountContact, Contact
    from dealroom.workspaces.models import Membership

    from .. import visibility

    members = member_list(actor=actor, room=room)
    here = presence(room=room)
    ctx: dict = {"members": members, "present": here, "present_keys": {p.person for p in here}}
    if isinstance(actor, Member) and visibility.can_manage(actor, room):
        in_room = {m.membership_id for m in members if m.membership_id}
        guests = {m.contact_id for m in members if m.contact_id}
        ctx["invitations"] = list(
            RoomInvitation.objects.filter(
                room=room, revoked_at__isnull=True, expires_at__gt=timezone.now()
            )
            .select_related("member")
            .order_by("-pk")[:200]
        )
        ctx["guest_links"] = guest_links(ctx["invitations"])
        on_account = AccountContact.objects.filter(account_id=room.opportunity.account_id)
        ctx["invitable"] = list(
            Contact.objects.visible_to(actor)
            .filter(pk__in=on_account.values("contact_id"))
            .exclude(pk__in=guests)
            .order_by("full_name")[:100]
        )
        ctx["addable"] = list(
            Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True)
            .exclude(pk__in=in_room)
            .select_related("user")
            .order_by("user__full_name")[:200]
        )
    return ctx


def _room_events(actor: Actor, room: Room):
    """The events of a room the reader may see. `room` must come from `room_get(actor=...)`:
    the reader sees it, so of its events only the audience decides (guests: shared ones;
    members: those of the room and those their role reads). The same answer as
    `ActivityEvent.visible_to` (tested), without asking again, for every kind of record,
    whether the room is visible: this runs for every event of a busy room
    (benchmarks/fanout.py) and on every room page."""
    from dealroom.activity.models import Audience

    qs = ActivityEvent.objects.filter(
        workspace_id=room.workspace_id, target_type="rooms.room", target_id=room.pk
    )
    if isinstance(actor, Guest):
        return qs.filter(audience=Audience.SHARED)
    if isinstance(actor, Member) and not actor.is_admin:
        audiences = [Audience.WORKSPACE, Audience.RECORD, Audience.SHARED]
        if actor.is_manager:
            audiences.append(Audience.MANAGERS)
        return qs.filter(audience__in=audiences)
    return qs if isinstance(actor, Member) else qs.none()


def room_events_after(*, actor: Actor, room: Room, after: int, limit: int = 100):
    """The room's events the reader may see after an id, oldest first (what a page or a
    reconnecting socket missed)."""
    from dealroom.activity import targets

    qs = _room_events(actor, room).filter(pk__gt=after)
    return targets.redact(actor, list(qs.select_related("actor_user").order_by("id")[:limit]))


SHAREABLE_FIELDS = ("amount", "close_date", "stage", "next_step")


@dataclass
class DealField:
    name: str
    label: str
    value: object  # the stage object, a date, a Decimal, text or None
    shared: bool  # guests see it
    currency: str = ""

    @property
    def display(self) -> object:
        if self.name == "amount" and self.value is not None:
            return money(self.value, self.currency)
        return self.value


def deal_fields(*, actor: Actor, room: Room) -> list[DealField]:
    """The deal fields the reader sees in the room header: sellers the shareable fields their
    field permissions let them read (each marked shared or not), guests only those shared."""
    from dealroom.customers.fields import field_map, standard_fields

    opp = room.opportunity
    if isinstance(actor, Member):
        fields = field_map(actor, "opportunity")
        names: tuple[str, ...] = SHAREABLE_FIELDS
    else:
        fields = {f.name: f for f in standard_fields("opportunity")}
        names = tuple(room.shared_fields)
    return [
        DealField(
            name,
            str(fields[name].label),
            opp.stage if name == "stage" else getattr(opp, name),
            name in room.shared_fields,
            opp.currency,
        )
        for name in names
        if name in fields
    ]
