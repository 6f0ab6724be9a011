"""Who is acting. Every service takes an actor first; every selector scopes by it.

Member: a logged-in user acting inside one workspace through their membership.
Guest: a customer contact inside the rooms they were invited to (rooms issue).
System: background jobs and commands acting for a workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dealroom.workspaces.models import Membership, User, Workspace


@dataclass(frozen=True)
class Member:
    membership: Membership

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

    @property
    def workspace_id(self) -> int:
        return self.workspace.pk


@dataclass(frozen=True)
class System:
    workspace: Workspace
    reason: str = ""

    @property
    def workspace_id(self) -> int:
        return self.workspace.pk


Actor = Member | Guest | System
