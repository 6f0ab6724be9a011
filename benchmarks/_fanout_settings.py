"""Dealroom's settings for `benchmarks/fanout.py --redis-socket-timeout S`: config.settings as
they are, except that the channel layer's Redis connections get a read timeout of S seconds.

redis-py 8 gives every connection a 5 s socket timeout by default, and channels_redis waits on
BZPOPMIN for 5 s: an idle layer's receive then raises TimeoutError inside a consumer, which
dies and drops its socket (code 1006). This lets the benchmark measure the fan-out without
that failure; without the option the servers run the product's settings unchanged."""

import os

from config.settings import *  # noqa: F403
from config.settings import REDIS_PREFIX, REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": float(
                            os.environ.get("FANOUT_REDIS_SOCKET_TIMEOUT", "30")
                        ),
                    }
                ],
                "prefix": REDIS_PREFIX,
            },
        }
    }
