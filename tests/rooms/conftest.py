"""Rooms on top of the pipeline fixtures (tests/pipeline/conftest.py).

`rm` gives, in workspace Alpha, a staged deal owned by the rep (so the manager above the rep
sees it, the other rep does not) with its room, the account's contact 王芳 (wang@customer.test),
and helpers to invite guests and act as them. `guest_client` walks a browser through the real
link → button → code flow and returns a logged-in-as-guest test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from dealroom.core.actors import Guest, Member
from dealroom.customers import services as customer_services
from dealroom.rooms import services
from dealroom.rooms.models import Room, RoomMember, RoomSettings
from tests.customers.conftest import cx  # noqa: F401  (fixtures `rm` builds on)
from tests.pipeline.conftest import Pipeline, pp  # noqa: F401


class Rooms:
    def __init__(self, pp, on_commit):  # noqa: F811
        self.on_commit = on_commit  # pytest-django's: runs after-commit work (mail) in tests
        self.pp = pp
        self.world = pp.world
        self.deal = pp.deal(**pp.ready())
        self.room = Room.objects.get(opportunity=self.deal)
        self.contact = pp.cx.contact(pp.rep, full_name="王芳", emails="wang@customer.test")
        customer_services.account_contact_link(
            actor=pp.rep, account_id=self.deal.account_id, contact_id=self.contact.pk,
            role="decision_maker",
        )  # fmt: skip
        self.slug = "alpha"

    @property
    def rep(self) -> Member:
        return self.pp.rep

    def base(self, side: str = "w", room=None) -> str:
        return f"/{side}/{self.slug}/rooms/{(room or self.room).pk}/"

    def invite(self, room=None, actor=None, **kw):
        """Invite 王芳 (or `email=`) and return (invitation, raw token)."""
        kw.setdefault("contact_id", None if "email" in kw else self.contact.pk)
        with self.on_commit(execute=True):
            return services.room_guest_invite(
                actor=actor or self.rep, room_id=(room or self.room).pk, **kw
            )

    def guest(self, room=None, contact=None) -> Guest:
        """王芳 as a guest actor (invited into `room` first)."""
        self.invite(room=room)
        actor = Guest(
            workspace=self.world.a,
            contact_id=(contact or self.contact).pk,
            room_ids=frozenset(
                RoomMember.objects.filter(
                    contact=contact or self.contact, removed_at__isnull=True
                ).values_list("room_id", flat=True)
            ),
        )
        return actor

    def no_codes(self) -> None:
        RoomSettings.objects.update_or_create(
            workspace=self.world.a, defaults={"require_email_code": False}
        )

    def second_room(self):
        """Another deal of the rep's, with its own room."""
        deal = self.pp.deal(name="Second deal 第二单", **self.pp.ready())
        return Room.objects.get(opportunity=deal)


def last_code() -> str:
    for message in reversed(mail.outbox):
        found = re.search(r"\b(\d{6})\b", str(message.subject))
        if found:
            return found.group(1)
    raise AssertionError("no code e-mailed")


def link_token(message) -> str:
    found = re.search(r"/r/([A-Za-z0-9_-]{40,})/", message.body)
    assert found, message.body
    return found.group(1)


def guest_browser(token: str, on_commit, *, client: Client | None = None) -> Client:
    """A browser that opens the link, presses the button and enters the e-mailed code."""
    browser = client or Client()
    assert browser.get(f"/r/{token}/").status_code == 302
    with on_commit(execute=True):
        response = browser.post("/r/open/")
    if response.status_code == 302 and response["Location"] == "/r/code/":
        response = browser.post("/r/code/", {"code": last_code()})
    assert response.status_code == 302, response.content[:500]
    return browser


@pytest.fixture
def rm(pp, django_capture_on_commit_callbacks) -> Rooms:  # noqa: F811
    return Rooms(pp, django_capture_on_commit_callbacks)


@pytest.fixture
def guest_client(rm):
    def make(room=None, **invite):
        mail.outbox = []
        rm.invite(room=room, **invite)
        return guest_browser(link_token(mail.outbox[0]), rm.on_commit)

    return make


@pytest.fixture
def media(tmp_path, settings) -> Path:
    """Files go to a directory of this test's own."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def stored(root: Path) -> list[Path]:
    """The files kept under the test's media directory."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
