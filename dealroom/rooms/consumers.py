"""The room page's socket, for sellers and guests alike (/ws/<w|g>/<slug>/rooms/<id>/).

It joins its room's group in the per-process hub (realtime/hub.py; no channel-layer channel
per socket). On "event N happened" it reads the room's new events through the selectors *as
its own actor* and sends the operations the page applies (live.py): a guest's socket only ever
renders what is shared with guests.

Sockets that would render exactly the same thing share one render (realtime/renders.py), in
this process and across processes: the same room, the same position in it, and the same kind
of reader (a guest of the room; or a member of a role, running the room or not, allowed to post
or not) in the same language. So 500 open pages over any number of processes cost one read and
one render per kind of reader, not 500; and the sockets of a process at the same point are
sent it in one loop, a batch, not a task each. Each socket has one render in flight
at most; events arriving meanwhile are taken by one more render after it. And a busy page is
sent one message per SEND_GAP_SECONDS: what happens in a busy room within that moment goes
out together, one render and one write instead of several (on a busy machine the write to
each socket is the larger half of the cost of a message). The moments are the wall clock's,
the same in every process, so a busy room's processes render once between them, not once
each. Presence changes are published once per moment for all the sockets that came or went in
it, and rendered once per kind of reader too.

A reconnecting page says `{"type": "resume", "after": id}` and gets what it missed. A
heartbeat (`{"type": "beat"}`) keeps presence fresh and re-checks access. Losing the room
(guest removed, link revoked, membership gone) closes the socket with 4404, the same as a room
that never existed."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import translation

from dealroom.core.actors import Guest, Member
from dealroom.realtime import publish
from dealroom.realtime.consumers import _language_from_scope
from dealroom.realtime.groups import target_group, user_group
from dealroom.realtime.hub import NO_CHANNEL_LAYER, each, hub
from dealroom.realtime.renders import shared
from dealroom.workspaces.models import Workspace
from dealroom.workspaces.selectors import member_for_user

from . import live, selectors, services
from .models import Room
from .services.common import latest_event_id
from .views.guards import SESSION_KEY

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
PRESENCE_SETTLE_SECONDS = 0.3
# Below what a reader notices, above the gap between events of a busy room (50 posts/s is one
# every 20 ms): at 10 posts/s nothing waits; at 50/s a message holds about three events
# (benchmarks/fanout.py: 40 ms, 2.9 events per message; 70 ms, 4, but p99 over 100 ms).
SEND_GAP_SECONDS = 0.05

_presence_pending: dict[tuple, asyncio.TimerHandle] = {}


def presence_soon(room_id: int) -> None:
    """Tell the room who is there, once for all the sockets that came or went in the same
    moment (a page reload, a meeting starting): one publish, not one per socket."""
    loop = asyncio.get_running_loop()
    key = (id(loop), room_id)
    if key in _presence_pending:
        return

    def fire() -> None:
        _presence_pending.pop(key, None)
        loop.run_in_executor(None, publish.presence_changed, room_id)

    _presence_pending[key] = loop.call_later(PRESENCE_SETTLE_SECONDS, fire)


class RoomConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_LAYER
    actor: Member | Guest | None = None
    room: Room
    groups_joined: tuple[str, ...] = ()
    cursor = 0  # the last event of the room this page has
    known = 0  # the newest event of the room this socket has been told about
    busy = False
    again = False
    reader: tuple = ()
    presence_id = ""

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.side, self.slug = kwargs["side"], kwargs["slug"]
        self.room_id = int(kwargs["room_id"])
        self.room_group = target_group("rooms.room", self.room_id)
        if not await database_sync_to_async(self._resolve)():
            await database_sync_to_async(self._record_refusal)()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.language = _language_from_scope(self.scope)
        self.presence_id = uuid.uuid4().hex
        await self.accept()
        groups = [self.room_group]
        if isinstance(self.actor, Member):
            groups.append(user_group(self.actor.workspace_id, self.actor.user_id))
        for group in groups:
            await hub().join(group, self)
        self.groups_joined = tuple(groups)
        await database_sync_to_async(self._present)()
        presence_soon(self.room_id)

    async def disconnect(self, code):
        for group in self.groups_joined:
            await hub().leave(group, self)
        if self.groups_joined:
            self.groups_joined = ()
            await database_sync_to_async(self._absent)()
            presence_soon(self.room_id)

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
            await self._resume()
        elif kind == "beat" and not await database_sync_to_async(self._beat)():
            await self.close(code=CLOSE_NOT_FOUND)

    @classmethod
    async def hub_messages(cls, sockets: list[RoomConsumer], message: dict) -> None:
        """A message reaches all the room's sockets of this process at once. For an event,
        sockets at the same point that read alike form one batch: one render (shared across
        processes too) and one loop sending it, where a task per socket cost more than the
        sending itself (benchmarks/fanout.py). Other messages are taken one socket at a time."""
        if message.get("type") != "activity.event":
            each(sockets, message)
            return
        event_id = int(message.get("event_id") or 0)
        for socket in sockets:
            socket.known = max(socket.known, event_id)
        await cls._send_batches(sockets)

    @classmethod
    async def _send_batches(cls, sockets: list[RoomConsumer], moment: int | None = None) -> None:
        """One render in flight per socket: a socket busy with one is marked to go again when
        it is done, so a burst of events costs two renders, not one per event. `moment`: the
        gap these sockets waited out (None: they were idle, the events go now)."""
        if moment is None:
            moment = int(time.time() / SEND_GAP_SECONDS)
        batches: dict[tuple, list[RoomConsumer]] = {}
        for socket in sockets:
            if socket.busy:
                socket.again = True
            elif socket.actor is not None and socket.known > socket.cursor:
                socket.busy, socket.again = True, False
                batches.setdefault(socket._point(moment), []).append(socket)
        await asyncio.gather(*(cls._send_batch(batch, key) for key, batch in batches.items()))

    def _point(self, moment: int) -> tuple:
        """What this socket is sent next, for which kind of reader: the key of a render that
        sockets at the same point share, in this process and across processes."""
        return live.render_key(self.room_id, self.cursor, moment, self.reader, self.language)

    @classmethod
    async def _send_batch(cls, batch: list[RoomConsumer], key: tuple) -> None:
        """Gaps are moments of the wall clock, the same in every process: a busy room's
        sockets go at the same moment everywhere, from the same point, and share one render
        across processes (each process rendering its own cost a render per process and kind
        at 50 posts/s). A render made elsewhere may hold less than this process has heard of:
        it says up to which event it read (the renderer's last heard of, all committed before
        it read), and the sockets go again for the rest."""
        first = batch[0]
        after, heard = first.cursor, first.known
        started = time.time()

        async def render() -> list:
            html, last = await database_sync_to_async(first._render_after)(after)
            return [html, last, heard]

        try:
            html, last, upto = await shared(key, first.room_group, render)
            ok = True
        except Exception:  # the cursor stays: the next event or resume tries again
            log.exception("room socket: rendering what happened failed")
            html, last, upto, ok = "", 0, after, False
        for socket in batch:
            # Events this reader may not see are passed over, never read again.
            socket.cursor = max(socket.cursor, last, upto)
            if html:
                await socket._push(html)
        moment = None
        if html:  # events arriving within the gap are sent together at its end
            moment = math.ceil(max(time.time(), started + SEND_GAP_SECONDS / 2) / SEND_GAP_SECONDS)
            # At most one gap: the wall clock may be set back meanwhile.
            await asyncio.sleep(min(moment * SEND_GAP_SECONDS - time.time(), SEND_GAP_SECONDS))
        for socket in batch:
            socket.busy = False
        again = [s for s in batch if s.again or (ok and s.known > s.cursor)]
        if again:
            await cls._send_batches(again, moment)

    async def hub_message(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "access.changed":
            if not await database_sync_to_async(self._resolve)():
                await self.close(code=CLOSE_NOT_FOUND)
        elif kind == "presence.changed" and self.actor is not None:
            key = ("people", self.room_id, message.get("n"), self.reader, self.language)
            html, _none = await shared(
                key, self.room_group, database_sync_to_async(self._render_people)
            )
            if html:
                await self._push(html)

    async def _resume(self) -> None:
        """What happened after the page's cursor, rendered for this socket alone."""
        if self.actor is None:
            return
        html, last = await database_sync_to_async(self._render_after)(self.cursor)
        self.cursor = max(self.cursor, last)
        if html:
            await self._push(html)

    async def _push(self, html: str) -> None:
        try:
            await self.send(text_data=html)
        except Exception:  # gone meanwhile: the others of its batch still get theirs
            log.info("room socket: sending failed", exc_info=True)

    # -- sync helpers, run in a thread with database access --------------------------------

    def _resolve(self) -> bool:
        """(Re-)establish who this socket is for, that they still see the room, and which
        kind of reader they are."""
        if self.side == "w":
            self.actor = member_for_user(self.scope.get("user"), self.slug)
        else:
            workspace = Workspace.objects.filter(slug=self.slug).first()
            session = self.scope.get("session") or {}
            sessions = (session.get(SESSION_KEY) or {}) if workspace else {}
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
        self.reader = live.reader_kind(self.actor, room)
        return True

    def _record_refusal(self) -> None:
        """A guest's socket asked for a room that is not theirs: on the record, as pages do."""
        if isinstance(self.actor, Guest):
            from .views.guards import refused_socket

            refused_socket(self.actor, self.room_id, self.scope.get("path", ""))

    def _render_after(self, after: int) -> list:
        assert self.actor is not None
        return live.render_after(
            self.actor, self.room, after, slug=self.slug, language=self.language
        )

    def _render_people(self) -> tuple[str, int]:
        assert self.actor is not None
        with translation.override(self.language):
            return live.people_ops(self.actor, self.room, slug=self.slug), 0

    def _present(self) -> None:
        # Until the page says where it is (resume), only what happens from now on is sent.
        self.cursor = latest_event_id(self.room)
        assert self.actor is not None
        services.room_presence_enter(actor=self.actor, room=self.room, presence_id=self.presence_id)

    def _beat(self) -> bool:
        if not self._resolve():
            return False
        services.room_presence_beat(presence_id=self.presence_id)
        return True

    def _absent(self) -> None:
        services.room_presence_leave(presence_id=self.presence_id)
