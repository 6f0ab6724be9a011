"""One ASGI app serves HTTP (Django) and WebSockets (Channels), run by uvicorn."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from dealroom.realtime.routing import websocket_urlpatterns  # noqa: E402
from dealroom.rooms.routing import websocket_urlpatterns as room_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin must be one of ALLOWED_HOSTS: other sites cannot open sockets with our cookies.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns + room_sockets))
        ),
    }
)
