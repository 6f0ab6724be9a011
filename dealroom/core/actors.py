"""Who is acting. Every service takes an actor first; every selector scopes by it.

Member: a logged-in user acting inside one workspace through their membership.
Guest: a customer contact inside the rooms they were invited to (rooms issue).
System: background jobs and commands acting for a workspace.

An actor object lives for one request, one socket check or one job. `memo`, the one memo, keeps
what scoped reads found for it during that life: the rooms it sees and its own row in them
(rooms.selectors.room_get: the view's check of a room and the service's own check cost one
read), its customer scope, field rules, custom fields and member names (customers). A new
request builds a new actor, so nothing in it outlives a change of permissions; a copy of an
actor starts with an empty memo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dealroom.workspaces.models import Membership, User, Workspace


@dataclass(frozen=True)
class Member:
    membership: Membership
    memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def workspace(self) -> Workspace:
        return self.membership.workspace

    @property
    def workspace_id(self) -> int:
        return self.membership.workspace_id

    @property
    def user_id(self) -> int:
        return self.membership.user_id

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def is_admin(self) -> bool:
        return self.membership.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.membership.role in {"admin", "manager"}

    @property
    def can_write(self) -> bool:
        return self.membership.role != "readonly"


@dataclass(frozen=True)
class Guest:
    workspace: Workspace
    contact_id: int
    room_ids: frozenset[int] = field(default_factory=frozenset)
    memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def workspace_id(self) -> int:
        return self.workspace.pk


@dataclass(frozen=True)
class System:
    workspace: Workspace
    reason: str = ""
    memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def workspace_id(self) -> int:
        return self.workspace.pk


Actor = Member | Guest | System
