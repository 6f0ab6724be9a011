"""Fan-out inside each server process: every page's socket (workspace pages and room pages)
joins its groups here, and a message for a group reaches every local socket in it with one hop,
not one channel-layer round trip per socket (DESIGN.md measured stock `group_send` saturating
near 5,000 deliveries/s). Sockets have no channel-layer channel at all (NO_CHANNEL_LAYER).

Across processes the hub rides Redis pub/sub when REDIS_URL is set: each process subscribes
once per group it has sockets in; a publish is one Redis PUBLISH whatever the number of
sockets. Without Redis (one process on a laptop, the tests) a publish is handed straight to
the event loops of this process. Publishing is sync (called after commit by the one event
path, realtime.publish); delivery is async, on the loop the socket lives on.

A subscriber is any object whose class has `async def hub_messages(subscribers, message)`:
a message for a group reaches each class once with all of its sockets in the group, so sockets
that would send the same thing can share the work (the room sockets share one render and one
send loop instead of a task each: rooms/consumers.py). The hub also carries renders that
sockets of several processes share (renders.py): those messages go to the loop's `renders`,
not to the sockets."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import threading
from typing import Any, Protocol

from django.conf import settings

log = logging.getLogger(__name__)


# A message carrying a render for other processes (renders.py), never handed to sockets.
RENDERED = "render.shared"
RENDER_KEEP_SECONDS = 10

# A consumer's `channel_layer_alias` that names no channel layer: Channels then gives it none
# (no channel, no reader task per socket); it hears through the hub.
NO_CHANNEL_LAYER = "none: sockets listen through realtime.hub"


class Subscriber(Protocol):
    @classmethod
    async def hub_messages(cls, subscribers: list[Any], message: dict) -> None: ...


def _channel(group: str) -> str:
    prefix = getattr(settings, "REDIS_PREFIX", "dealroom")
    return f"{prefix}:hub:{group}"


class LoopHub:
    """The groups and sockets of one event loop (one server process has one loop; each async
    test has its own)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.groups: dict[str, set[Subscriber]] = {}
        self._pubsub: Any = None  # redis.asyncio PubSub, made on the first group
        self._client: Any = None  # redis.asyncio Redis, for commands
        # Shared renders by key digest (renders.py): asked for here, or arrived from another
        # process; kept a few seconds for sockets that get to the same point later.
        self.renders: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        # Connecting, subscribing and unsubscribing one at a time: two sockets joining at once
        # must not open two pub/sub connections (one would never be read).
        self._lock = asyncio.Lock()

    async def join(self, group: str, subscriber: Subscriber) -> None:
        members = self.groups.setdefault(group, set())
        first = not members
        members.add(subscriber)
        if first and settings.REDIS_URL:
            async with self._lock:
                pubsub = await self._redis_pubsub()
                await pubsub.subscribe(_channel(group))

    async def leave(self, group: str, subscriber: Subscriber) -> None:
        members = self.groups.get(group)
        if not members:
            return
        members.discard(subscriber)
        if not members:
            del self.groups[group]
            if self._pubsub is not None:
                async with self._lock:
                    if group not in self.groups:  # nobody joined again meanwhile
                        with contextlib.suppress(Exception):
                            await self._pubsub.unsubscribe(_channel(group))

    def deliver(self, group: str, message: dict) -> None:
        """On this loop: hand the message to the local subscribers of the group, once per kind
        of subscriber with all of its sockets, in a task of its own so one kind does not hold
        up the others. Tasks start in the order messages came."""
        if message.get("type") == RENDERED:
            future = self.render_future(str(message.get("key")))
            if not future.done():
                future.set_result(message.get("result"))
            return
        by_kind: dict[type, list[Subscriber]] = {}
        for subscriber in self.groups.get(group, ()):
            by_kind.setdefault(type(subscriber), []).append(subscriber)
        for kind, subscribers in by_kind.items():
            self.loop.create_task(_safe(kind, subscribers, message))

    def render_future(self, digest: str) -> asyncio.Future:
        """The future of one shared render on this loop, made on first use."""
        future = self.renders.get(digest)
        if future is None:
            future = self.renders[digest] = self.loop.create_future()
            self.loop.call_later(RENDER_KEEP_SECONDS, self.renders.pop, digest, None)
        return future

    def redis(self):
        """This loop's Redis client for commands (REDIS_URL is set)."""
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.Redis.from_url(settings.REDIS_URL)
        return self._client

    async def publish(self, group: str, message: dict) -> None:
        await self.redis().publish(_channel(group), json.dumps(message))

    async def _redis_pubsub(self):
        if self._pubsub is None:
            self._pubsub = self.redis().pubsub(ignore_subscribe_messages=True)
            await self._pubsub.subscribe(_channel("_hub"))  # a channel to start listening on
            self._reader = self.loop.create_task(self._read())
        return self._pubsub

    async def _read(self) -> None:
        assert self._pubsub is not None
        prefix = _channel("")
        while True:
            try:
                raw = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub: reading Redis failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if raw is None:
                continue
            group = raw["channel"].decode()[len(prefix) :]
            try:
                message = json.loads(raw["data"])
            except ValueError:
                continue
            self.deliver(group, message)


async def _safe(kind: Any, subscribers: list[Subscriber], message: dict) -> None:
    try:
        await kind.hub_messages(subscribers, message)
    except Exception:
        log.exception("hub: sockets failed to take a message")


def each(subscribers: list[Any], message: dict) -> None:
    """For subscribers that take messages one socket at a time (`hub_message`): each in its
    own task, so a slow socket does not hold up the others."""
    loop = asyncio.get_running_loop()
    for subscriber in subscribers:
        loop.create_task(_one(subscriber, message))


async def _one(subscriber: Any, message: dict) -> None:
    try:
        await subscriber.hub_message(message)
    except Exception:
        log.exception("hub: a socket failed to take a message")


_hubs: dict[asyncio.AbstractEventLoop, LoopHub] = {}
_lock = threading.Lock()


def hub() -> LoopHub:
    """The hub of the running loop (asked for every socket a message reaches: found without
    the lock once made)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is not None:
        return found
    with _lock:
        for old in [lp for lp in _hubs if lp.is_closed()]:
            del _hubs[old]
        if loop not in _hubs:
            _hubs[loop] = LoopHub(loop)
        return _hubs[loop]


_redis = None


def _sync_redis():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def ping() -> str:
    """For the health check: the transport between processes answers (Redis), or there is
    none to ask (one process, no REDIS_URL)."""
    if settings.REDIS_URL:
        _sync_redis().ping()
        return "ok"
    return "ok (one process)"


def publish(groups: list[str], message: dict) -> None:
    """From sync code (after commit): the message to each group, in one round trip to Redis
    (an event goes to its workspace's group and its record's), or, without Redis, a hand-over
    to each loop of this process that has sockets in a group."""
    if settings.REDIS_URL:
        data = json.dumps(message)
        with _sync_redis().pipeline(transaction=False) as pipe:
            for group in groups:
                pipe.publish(_channel(group), data)
            pipe.execute()
        return
    for group in groups:
        with _lock:
            hubs = [h for h in _hubs.values() if group in h.groups and not h.loop.is_closed()]
        for h in hubs:
            # A fresh context: the publisher's (a sync thread's) must not leak into the sockets'
            # tasks (asgiref would take them for nested calls of that thread and refuse).
            h.loop.call_soon_threadsafe(h.deliver, group, message, context=contextvars.Context())
