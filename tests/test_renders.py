"""Shared renders across processes (realtime/renders.py): two event loops in two threads stand
for two server processes, each with its own hub and Redis connections."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import pytest

from dealroom.realtime import hub, renders

REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_settings(settings):
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis answers at " + REDIS)
    prefix = f"test-renders-{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = REDIS
    settings.REDIS_PREFIX = prefix
    yield client
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


class Listener:
    @classmethod
    async def hub_messages(cls, subscribers: list, message: dict) -> None:
        pass


def run_as_processes(*bodies):
    """Run each coroutine function on its own loop in its own thread, started together."""
    results: list = [None] * len(bodies)
    errors: list = []
    start = threading.Barrier(len(bodies))

    def run(i, body):
        async def main():
            await hub.hub().join("room-group", Listener())
            start.wait()
            results[i] = await body()

        try:
            asyncio.run(main())
        except BaseException as e:  # handed to the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    if errors:
        raise errors[0]
    return results


def test_two_processes_render_a_key_once_and_both_get_it(redis_settings):
    made = []

    def asker(name):
        async def make():
            made.append(name)
            await asyncio.sleep(0.3)  # the other process asks while this one renders
            return ["<p>for guests</p>", 42]

        async def body():
            return await renders.shared(
                ("events", 7, 40, 42, ("guest",), "zh-hans"), "room-group", make
            )

        return body

    a, b = run_as_processes(asker("a"), asker("b"))
    assert len(made) == 1
    assert a == b == ["<p>for guests</p>", 42]


def test_different_keys_are_never_shared(redis_settings):
    made = []

    def asker(reader):
        async def make():
            made.append(reader)
            await asyncio.sleep(0.2)
            return [f"<p>{reader[0]}</p>", 42]

        async def body():
            return await renders.shared(("events", 7, 40, 42, reader, "en"), "room-group", make)

        return body

    guest, member = run_as_processes(asker(("guest",)), asker(("member", "rep", False, True)))
    assert sorted(r[0] for r in made) == ["guest", "member"]
    assert guest == ["<p>guest</p>", 42] and member == ["<p>member</p>", 42]


def test_a_claim_nobody_answers_is_rendered_here(redis_settings, monkeypatch):
    """The process holding the claim died: after WAIT_SECONDS the others render themselves."""
    monkeypatch.setattr(renders, "WAIT_SECONDS", 0.2)
    key = ("events", 7, 40, 42, ("guest",), "en")
    from django.conf import settings

    redis_settings.set(f"{settings.REDIS_PREFIX}:render:{renders._digest(key)}", b"1", ex=10)

    async def make():
        return ["<p>here</p>", 42]

    async def body():
        return await renders.shared(key, "room-group", make)

    [result] = run_as_processes(body)
    assert result == ["<p>here</p>", 42]


def test_a_render_that_cannot_be_published_is_still_sent_here(redis_settings, monkeypatch):
    """Redis refusing the publish costs the other processes a wait, not this one its render."""

    async def refused(self, group, message):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(hub.LoopHub, "publish", refused)

    async def make():
        return ["<p>mine</p>", 43]

    async def body():
        return await renders.shared(("events", 7, 41, 43, ("guest",), "en"), "room-group", make)

    assert run_as_processes(body) == [["<p>mine</p>", 43]]
