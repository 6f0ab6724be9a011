from datetime import datetime

from ninja import Schema

from dealroom.core.bounds import Int64

from .describe import describe


class EventOut(Schema):
    id: int
    verb: str
    text: str
    actor_kind: str
    actor_user_id: int | None
    target_type: str
    target_id: int | None
    data: dict
    created_at: datetime

    @staticmethod
    def resolve_text(obj) -> str:
        return describe(obj)


class NotificationOut(Schema):
    id: int
    event: EventOut
    read_at: datetime | None
    created_at: datetime


class MarkReadIn(Schema):
    ids: list[Int64] | None = None


class MarkReadOut(Schema):
    marked: int
    unread: int
