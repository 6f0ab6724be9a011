"""Baseline 1 of benchmarks/fanout.py: stock Channels fan-out through channels_redis.

A tiny ASGI app, served by uvicorn the way `dealroom serve` serves Dealroom (no
permessage-deflate): every socket's consumer joins one group, and each group message's text is
sent to its socket as it is. The benchmark calls `group_send` on a RedisChannelLayer with the
same prefix, so a message costs what it costs under stock Channels: one channel-layer entry per
process the group spans, read by that process's layer and queued to each of its consumers.

    FANOUT_REDIS_URL=redis://127.0.0.1:6379/0 FANOUT_PREFIX=bench123stock \\
        .venv/bin/uvicorn _fanout_stock:application --app-dir benchmarks --port 8101 \\
        --ws-per-message-deflate false

Not a Dealroom module: it configures a minimal Django of its own (no database, no apps)."""

from __future__ import annotations

import os

import django
from django.conf import settings

GROUP = "fanout"
MESSAGE_TYPE = "fanout.message"  # handled by Forward.fanout_message

if not settings.configured:
    settings.configure(
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    # No read timeout: redis-py 8 defaults to 5 s, exactly the BZPOPMIN timeout
                    # channels_redis waits with, so an idle layer's receive raised TimeoutError
                    # and killed a consumer (see fanout.py --redis-socket-timeout).
                    "hosts": [
                        {
                            "address": os.environ.get(
                                "FANOUT_REDIS_URL", "redis://127.0.0.1:6379/0"
                            ),
                            "socket_timeout": None,
                        }
                    ],
                    "prefix": os.environ.get("FANOUT_PREFIX", "fanoutstock"),
                },
            }
        },
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402


class Forward(AsyncWebsocketConsumer):
    groups = [GROUP]  # joined on connect, left on disconnect (Channels does both)

    async def fanout_message(self, message: dict) -> None:
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter({"websocket": Forward.as_asgi()})
