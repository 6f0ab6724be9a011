"""The rooms fixtures (tests/rooms/conftest.py: `rm` on top of the pipeline's `pp` and the
customers' `cx`) and JSON clients for both halves of the rooms API: `seller("rep")` by
session or `seller("rep", "token")` by bearer token, `guest()` a guest's browser that came in
through the link (or `guest(room=…)` for another room)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dealroom.workspaces.services import api_token_create
from tests.customers.conftest import cx  # noqa: F401  (the fixtures below build on it)
from tests.pipeline.conftest import pp  # noqa: F401
from tests.rooms.conftest import guest_client, media, rm  # noqa: F401


class RoomsApi:
    """JSON calls to /api/<side>/<slug>/rooms… with one browser or one token."""

    def __init__(self, client: Client, side: str, slug: str = "alpha", headers=None):
        self.client = client
        self.side = side
        self.slug = slug
        self.headers: dict[str, str] = headers or {}

    def url(self, path: str = "") -> str:
        return f"/api/{self.side}/{self.slug}/rooms{path}"

    def get(self, path: str = "", params: dict | None = None):
        return self.client.get(self.url(path), params or {}, **self.headers)  # type: ignore[arg-type]

    def _send(self, method: str, path: str, body=None):
        send = getattr(self.client, method)
        data = json.dumps(body) if body is not None else None
        return send(self.url(path), data=data, content_type="application/json", **self.headers)

    def post(self, path: str, body=None):
        return self._send("post", path, body if body is not None else {})

    def patch(self, path: str, body):
        return self._send("patch", path, body)

    def put(self, path: str, body):
        return self._send("put", path, body)

    def delete(self, path: str):
        return self._send("delete", path)

    def upload(self, path: str, data: dict):
        """multipart/form-data, as a browser sends files."""
        return self.client.post(self.url(path), data, **self.headers)  # type: ignore[arg-type]


@pytest.fixture
def seller(rm):  # noqa: F811
    """`seller("rep")`: a member of Alpha (or `slug="beta"`), by session or by `"token"`;
    `seller(user=…)` for someone else, e.g. the other rep."""

    def make(role: str = "rep", auth: str = "session", slug: str = "alpha", user=None):
        user = user or rm.world.user(slug, role)
        client = Client()
        if auth == "token":
            _token, secret = api_token_create(user=user, name="test")
            headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
            return RoomsApi(client, "w", slug, headers=headers)
        client.force_login(user)
        return RoomsApi(client, "w", slug)

    return make


@pytest.fixture
def guest(guest_client):  # noqa: F811
    """`guest()`: 王芳's browser in the deal's room; `guest(room=other)` in another room."""

    def make(room=None, **invite) -> RoomsApi:
        return RoomsApi(guest_client(room=room, **invite), "g")

    return make


@pytest.fixture
def anonymous() -> RoomsApi:
    return RoomsApi(Client(), "w")
