"""One render for every socket that would render the same thing, in this process and across
processes.

A key names what is rendered and for which kind of reader (the caller decides what makes two
sockets' renders equal: for a room, the room, the position in it, the kind of reader and the
language). In a process, the first socket with a key renders and the others await its result.
Across processes (REDIS_URL set), the first process to claim the key in Redis renders and
publishes the result on the group the sockets listen to; the other processes' hubs take it
from there (hub.RENDERED) instead of rendering again. A process that lost the claim and hears
nothing within WAIT_SECONDS (the renderer died, Redis lost the message) renders itself.

Results must be JSON values (they travel through Redis)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from .hub import RENDER_KEEP_SECONDS, RENDERED, hub

WAIT_SECONDS = 2.0

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def _digest(key: tuple) -> str:
    """Every socket at the same point asks with the same key: hashed once, not once each."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


async def shared(key: tuple, group: str, make: Callable[[], Awaitable[Any]]) -> Any:
    """The result of `make()` for `key`, made once for all the sockets of all processes that
    ask for it within a few seconds."""
    loop_hub = hub()
    digest = _digest(key)
    future = loop_hub.renders.get(digest)
    if future is not None:
        return await asyncio.shield(future)
    future = loop_hub.render_future(digest)
    try:
        result = await _render_once(digest, group, future, make)
    except BaseException as e:
        loop_hub.renders.pop(digest, None)
        if not future.done():
            future.set_exception(e)
            future.exception()  # retrieved: others awaiting get it, nobody is warned
        raise
    if not future.done():
        future.set_result(result)
    return result


async def _render_once(
    digest: str, group: str, future: asyncio.Future, make: Callable[[], Awaitable[Any]]
) -> Any:
    if not settings.REDIS_URL:
        return await make()
    loop_hub = hub()
    prefix = getattr(settings, "REDIS_PREFIX", "dealroom")
    claimed = await loop_hub.redis().set(
        f"{prefix}:render:{digest}", b"1", nx=True, ex=RENDER_KEEP_SECONDS
    )
    if not claimed:
        try:
            return await asyncio.wait_for(asyncio.shield(future), WAIT_SECONDS)
        except TimeoutError:
            return await make()
    result = await make()
    if not future.done():
        future.set_result(result)  # this process's sockets first
    try:
        await loop_hub.publish(group, {"type": RENDERED, "key": digest, "result": result})
    except Exception:  # the others render themselves after WAIT_SECONDS
        log.exception("renders: publishing a shared render failed")
    return result
