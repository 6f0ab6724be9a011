from django.urls import re_path

from .consumers import RoomConsumer

websocket_urlpatterns = [
    re_path(
        r"^ws/(?P<side>[wg])/(?P<slug>[-a-zA-Z0-9_]+)/rooms/(?P<room_id>[0-9]+)/$",
        RoomConsumer.as_asgi(),
    ),
]
