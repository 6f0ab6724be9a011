"""Shared fixtures: two workspaces with every role, so isolation is testable everywhere."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from dealroom.core.actors import Member
from dealroom.workspaces.models import Membership, Role, User, Workspace

PASSWORD = "s3cret-Pass-123"


def make_member(workspace: Workspace, email: str, role: str, name: str = "") -> Membership:
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, PASSWORD, full_name=name or email.split("@")[0].title()
    )
    return Membership.objects.create(workspace=workspace, user=user, role=role)


class World:
    """Workspace A and B, each with an admin, a manager, a rep and a read-only member."""

    def __init__(self):
        self.a = Workspace.objects.create(name="Alpha 阿尔法", slug="alpha")
        self.b = Workspace.objects.create(name="Beta 贝塔", slug="beta")
        self.members: dict[tuple[str, str], Membership] = {}
        for ws in (self.a, self.b):
            for role in Role.values:
                email = f"{role}@{ws.slug}.test"
                self.members[(ws.slug, role)] = make_member(ws, email, role, f"{role} {ws.slug}")

    def member(self, slug: str, role: str) -> Membership:
        return self.members[(slug, role)]

    def actor(self, slug: str, role: str) -> Member:
        return Member(self.member(slug, role))

    def user(self, slug: str, role: str) -> User:
        return self.member(slug, role).user


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def login(client):
    def do(user: User):
        client.force_login(user)
        return client

    return do


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    # Each test its own Redis keys and channels: rolled-back tests reuse database ids, and a
    # shared render is keyed by them (realtime/renders.py).
    settings.REDIS_PREFIX = f"{settings.REDIS_PREFIX}-{uuid.uuid4().hex[:8]}"
    mail.outbox = []
