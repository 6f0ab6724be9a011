"""One ASGI app serves HTTP (Django) and WebSockets (Channels), run by uvicorn."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dealroom.core.asgi import http_application  # noqa: E402

django_asgi_app = http_application()  # Django's HTTP, one trip to a thread per request

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from dealroom.realtime.middleware import SocketAuthStack  # noqa: E402
from dealroom.realtime.origin import OriginValidator  # noqa: E402
from dealroom.realtime.routing import websocket_urlpatterns  # noqa: E402
from dealroom.rooms.routing import websocket_urlpatterns as room_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin must be exactly one of ours: other sites cannot open sockets with our cookies.
        "websocket": OriginValidator(
            SocketAuthStack(URLRouter(websocket_urlpatterns + room_sockets))
        ),
    }
)

# The garbage collector of a server process. What is loaded by now (Django, the URL conf, the
# apps) lives as long as the process, so full collections need not walk it again (freeze); and
# young collections run every 20,000 new objects instead of 700, so full ones come rarely.
# With 500 open room sockets a full collection paused a process for 180-320 ms every second or
# two: the p99 of live delivery at 10 posts/s was 245 ms, and 49 ms with both changes, no full
# collection in the run (benchmarks/fanout.py).
gc.freeze()
gc.set_threshold(20_000, 10, 10)
