"""The room page's socket, for sellers and guests alike (/ws/<w|g>/<slug>/rooms/<id>/).

It joins the room's group. On "event N happened" it re-reads the room's new events through the
selectors *as its own actor* and sends the operations the page applies (live.py): a guest's
socket only ever renders what is shared with guests. It keeps the page's cursor, so a
reconnecting page says `{"type": "resume", "after": id}` and gets what it missed. A heartbeat
(`{"type": "beat"}`) keeps presence fresh. Losing the room (guest removed, link revoked,
membership gone) closes the socket with 4404, the same as a room that never existed."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone, translation

from dealroom.core.actors import Guest, Member
from dealroom.realtime.consumers import _language_from_scope
from dealroom.realtime.groups import target_group
from dealroom.realtime.publish import presence_changed
from dealroom.workspaces.models import Workspace
from dealroom.workspaces.selectors import member_for_user

from . import live, selectors
from .models import Room, RoomPresence
from .services.common import latest_event_id
from .views.guards import SESSION_KEY

CLOSE_NOT_FOUND = 4404


class RoomConsumer(AsyncWebsocketConsumer):
    actor: Member | Guest | None = None
    room: Room
    group = ""
    cursor = 0

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.side, self.slug = kwargs["side"], kwargs["slug"]
        self.room_id = int(kwargs["room_id"])
        ok = await database_sync_to_async(self._resolve)()
        if not ok:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.language = _language_from_scope(self.scope)
        self.group = target_group("rooms.room", self.room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await database_sync_to_async(self._present)()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await database_sync_to_async(self._absent)()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "{}")
            kind = message.get("type")
        except (ValueError, AttributeError):
            return
        if kind == "resume":
            try:
                self.cursor = max(0, int(message.get("after", 0)))
            except (TypeError, ValueError):
                return
            await self._send_new()
        elif kind == "beat":
            still = await database_sync_to_async(self._beat)()
            if not still:
                await self.close(code=CLOSE_NOT_FOUND)

    async def activity_event(self, message):
        await self._send_new()

    async def access_changed(self, message):
        if not await database_sync_to_async(self._resolve)():
            await self.close(code=CLOSE_NOT_FOUND)

    async def presence_changed(self, message):
        html = await database_sync_to_async(self._render_people)()
        if html:
            await self.send(text_data=html)

    async def _send_new(self):
        html = await database_sync_to_async(self._render_new)()
        if html is None:
            await self.close(code=CLOSE_NOT_FOUND)
        elif html:
            await self.send(text_data=html)

    # -- sync helpers, run in a thread with database access --------------------------------

    def _resolve(self) -> bool:
        """(Re-)establish who this socket is for and that they still see the room."""
        if self.side == "w":
            self.actor = member_for_user(self.scope.get("user"), self.slug)
        else:
            workspace = Workspace.objects.filter(slug=self.slug).first()
            session = self.scope.get("session") or {}
            sessions = session.get(SESSION_KEY) or {} if workspace else {}
            self.actor = (
                selectors.guest_actor(
                    workspace=workspace, session_id=sessions.get(str(workspace.pk))
                )
                if workspace
                else None
            )
        if self.actor is None:
            return False
        room = selectors.room_get(actor=self.actor, room_id=self.room_id)
        if room is None:
            return False
        self.room = room
        return True

    def _render_new(self) -> str | None:
        """None = this socket lost the room and must close; "" = nothing for this reader."""
        if not self._resolve():
            return None
        assert self.actor is not None
        events = selectors.room_events_after(actor=self.actor, room=self.room, after=self.cursor)
        if not events:
            return ""
        self.cursor = events[-1].pk
        with translation.override(self.language):
            return str(live.event_ops(self.actor, self.room, events, slug=self.slug))

    def _render_people(self) -> str:
        if self.actor is None or not self._resolve():
            return ""
        with translation.override(self.language):
            return live.people_ops(self.actor, self.room, slug=self.slug)

    def _person(self) -> tuple[str, str, bool]:
        if isinstance(self.actor, Guest):
            from dealroom.customers.models import Contact

            name = (
                Contact.objects.filter(pk=self.actor.contact_id)
                .values_list("full_name", flat=True)
                .first()
            )
            return f"g{self.actor.contact_id}", name or "", True
        assert isinstance(self.actor, Member)
        return (
            f"m{self.actor.membership.pk}",
            self.actor.user.full_name or self.actor.user.email,
            False,
        )

    def _present(self) -> None:
        # Until the page says where it is (resume), only what happens from now on is sent.
        self.cursor = latest_event_id(self.room)
        person, name, is_guest = self._person()
        RoomPresence.objects.update_or_create(
            channel_name=self.channel_name,
            defaults={
                "room_id": self.room_id,
                "person": person,
                "name": name,
                "is_guest": is_guest,
                "seen_at": timezone.now(),
            },
        )
        presence_changed(room_id=self.room_id)

    def _beat(self) -> bool:
        if not self._resolve():
            return False
        RoomPresence.objects.filter(channel_name=self.channel_name).update(seen_at=timezone.now())
        return True

    def _absent(self) -> None:
        RoomPresence.objects.filter(channel_name=self.channel_name).delete()
        presence_changed(room_id=self.room_id)
