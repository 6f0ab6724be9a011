"""Baseline 2 of benchmarks/fanout.py: a bare `websockets` server fed by Redis pub/sub.

Every socket goes into one set; one Redis subscription per process; each published message is
handed to every socket with `websockets.broadcast` (no per-socket task, no rendering). The
lower bound of what any Python fan-out over these two processes can cost. No permessage-deflate,
as `dealroom serve` runs.

    .venv/bin/python benchmarks/_fanout_bare.py --port 8201 --redis redis://127.0.0.1:6379/0 \\
        --channel bench123:bare
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.typing import Origin

clients: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    clients.add(ws)
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)


async def relay(url: str, channel: str) -> None:
    client = aioredis.Redis.from_url(url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    async for message in pubsub.listen():
        if message.get("type") == "message":
            broadcast(clients, message["data"].decode())


async def main(port: int, url: str, channel: str) -> None:
    origins = [Origin(f"http://127.0.0.1:{port}")]  # the same Origin check the others make
    async with serve(handler, "127.0.0.1", port, origins=origins, compression=None):
        await relay(url, channel)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    try:
        import uvloop  # what uvicorn runs the other two on

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    with contextlib.suppress(KeyboardInterrupt):
        runner(main(args.port, args.redis, args.channel))
