"""One WebSocket per open workspace page. It joins its workspace's and its user's groups in the
per-process hub (hub.py), and on every "event N happened" re-reads through selectors as its own
actor and sends the same partials the page renders (htmx out-of-band swaps). Nothing it was not
allowed to see ever leaves. Messages are taken one at a time, in the order they came, so a page
never gets an older bell after a newer one."""

from __future__ import annotations

import asyncio
import json
import re

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import translation

from dealroom.activity import selectors as activity
from dealroom.core.actors import Member
from dealroom.workspaces.selectors import member_for_user

from .groups import user_group, workspace_group
from .hub import NO_CHANNEL_LAYER, each, hub

CLOSE_NOT_FOUND = 4404
# Swap targets only some pages have; every workspace page has the bell, toasts and cursor.
# "#live-board": a deal board, told that a deal it may show changed (it reloads itself).
OPTIONAL_TARGETS = {"#activity-feed", "#activity-empty", ".bell-value", "#live-board"}
# A record's timeline: "#timeline-<app_label>-<model>-<id>" (an event's target names it).
TIMELINE_TARGET = re.compile(r"#timeline-[a-z_]+-[a-z_]+-\d+")


class LiveConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_LAYER
    actor: Member | None = None
    groups_joined: tuple[str, ...] = ()
    targets: frozenset[str] = frozenset()

    async def connect(self):
        self.turn = asyncio.Lock()  # one message at a time; waiters are served in order
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.actor = await database_sync_to_async(member_for_user)(user, slug)
        if self.actor is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.language = self.scope.get("language") or _language_from_scope(self.scope)
        groups = (
            workspace_group(self.actor.workspace_id),
            user_group(self.actor.workspace_id, self.actor.user_id),
        )
        for group in groups:
            await hub().join(group, self)
        self.groups_joined = groups
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await hub().leave(group, self)
        self.groups_joined = ()

    @classmethod
    async def hub_messages(cls, subscribers: list[LiveConsumer], message: dict) -> None:
        each(subscribers, message)  # every page renders its own (its bell, its feed)

    async def hub_message(self, message: dict) -> None:
        async with self.turn:
            kind = message.get("type")
            if self.actor is None:  # closed: lost access
                return
            if kind == "activity.event":
                await self.activity_event(message)
            elif kind == "access.changed":
                await self.access_changed(message)

    async def receive(self, text_data=None, bytes_data=None):
        async with self.turn:
            await self.resume(text_data)

    async def resume(self, text_data) -> None:
        """The page says which event it saw last; send what it missed (reconnects)."""
        try:
            message = json.loads(text_data or "{}")
            after = int(message.get("after", 0))
        except (ValueError, TypeError, AttributeError):
            return
        if message.get("type") == "resume" and after >= 0:
            has = message.get("has")
            if isinstance(has, list):
                self.targets = frozenset(
                    t
                    for t in has[:20]
                    if isinstance(t, str)
                    and (t in OPTIONAL_TARGETS or TIMELINE_TARGET.fullmatch(t))
                )
            html = await database_sync_to_async(self._render_missed)(after)
            if html:
                await self.send(text_data=html)

    async def activity_event(self, message):
        html = await database_sync_to_async(self._render_event)(message["event_id"])
        if html is None:
            await self.close(code=CLOSE_NOT_FOUND)
        elif html:
            await self.send(text_data=html)

    async def access_changed(self, message):
        if self.actor and message.get("user_id") == self.actor.user_id:
            still = await database_sync_to_async(self._refresh_actor)()
            if not still:
                await self.close(code=CLOSE_NOT_FOUND)

    # -- sync helpers, run in a thread with database access --------------------------------

    def _refresh_actor(self) -> bool:
        assert self.actor is not None
        self.actor = member_for_user(self.actor.user, self.actor.workspace.slug)
        return self.actor is not None

    def _render_event(self, event_id: int) -> str | None:
        """None = this socket lost access and must close; "" = nothing for this actor."""
        if not self._refresh_actor():
            return None
        assert self.actor is not None
        event = activity.event_get(actor=self.actor, event_id=event_id)
        if event is None:
            return ""
        return self._render([event])

    def _render_missed(self, after: int) -> str:
        if not self._refresh_actor():
            return ""
        assert self.actor is not None
        events = activity.event_list_after(actor=self.actor, after=after)
        return self._render(events) if events else ""

    def _render(self, events) -> str:
        assert self.actor is not None
        notified = activity.notified_event_ids(actor=self.actor, event_ids=[e.pk for e in events])
        with translation.override(self.language):
            return render_to_string(
                "realtime/_live_update.html",
                {
                    "events": events,
                    "notified": notified,
                    "unread_count": activity.notification_unread_count(actor=self.actor),
                    "live_cursor": events[-1].pk,
                    "current_workspace": self.actor.workspace,
                    "targets": self.targets,
                },
            )


def _language_from_scope(scope) -> str:
    """The page's language travels in the cookie Django's set_language writes, else the header."""
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant
    from django.utils.translation.trans_real import parse_accept_lang_header

    cookies = scope.get("cookies", {})
    candidates = []
    if cookies.get(settings.LANGUAGE_COOKIE_NAME):
        candidates.append(cookies[settings.LANGUAGE_COOKIE_NAME])
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [lang for lang, _q in parse_accept_lang_header(accept)]
    for code in candidates:
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
