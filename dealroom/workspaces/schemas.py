from datetime import datetime

from ninja import Schema
from pydantic import Field

from dealroom.core.bounds import Int64


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    workspaces: list[WorkspaceOut]


class MemberOut(Schema):
    id: int
    user_id: int
    email: str = Field(alias="user.email")
    full_name: str = Field(alias="user.full_name")
    role: str
    team_id: int | None
    is_active: bool
    joined_at: datetime


class MemberPatch(Schema):
    role: str | None = None
    team_id: Int64 | None = None
    is_active: bool | None = None


class InvitationIn(Schema):
    email: str
    role: str = "rep"
    team_id: Int64 | None = None


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    team_id: int | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class TeamIn(Schema):
    name: str
    parent_id: Int64 | None = None
    manager_id: Int64 | None = None


class TeamOut(Schema):
    id: int
    name: str
    parent_id: int | None
    manager_id: int | None


class TerritoryIn(Schema):
    name: str
    kind: str
    values: list[str]
    member_ids: list[Int64] = []


class TerritoryOut(Schema):
    id: int
    name: str
    kind: str
    values: list[str]
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return [m.pk for m in obj.members.all()]
