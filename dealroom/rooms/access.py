"""Who may change which item of a room's plan. Sellers who take part change any task and
milestone; deleting someone else's task is for those who run the room. A guest changes and
deletes what they added themselves; on a task assigned to them they set the status (and, as
anyone who sees a task, discuss it); nothing else of anyone else's: no rename, no dates or
assignees, no move, no delete.

The services ask here before they write, and the renders ask here before they offer a
control, so a page never offers what the service would refuse. A render is shared by every
reader of one kind (live.reader_kind), so the answer is who among them may (`Who`): all of
them, or certain room members, whose controls carry their member ids for room.js
(`data-owner`: shown to them alone; `data-may`: enabled for them alone)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from dealroom.core.actors import Actor, Guest

from . import visibility
from .models import MemberKind, RoomMember


@dataclass(frozen=True)
class Who:
    everyone: bool = False
    members: frozenset[int] = frozenset()

    def allows(self, member_id: int | None) -> bool:
        return self.everyone or member_id in self.members

    @property
    def anyone(self) -> bool:
        return self.everyone or bool(self.members)

    @property
    def owners(self) -> str:
        """The members for `data-owner` (room.js), "" when it is everyone's."""
        return "" if self.everyone else " ".join(str(m) for m in sorted(self.members))


EVERYONE = Who(everyone=True)
NOBODY = Who()


@dataclass(frozen=True)
class TaskRights:
    edit: Who  # title, description, kind, dates, place, assignees, milestone, order
    delete: Who
    set_status: Who


class PlanRights:
    """What a kind of reader may do to the plan's items: asked once per render or service."""

    def __init__(self, actor: Actor, room) -> None:
        self.room = room
        self.guest = isinstance(actor, Guest)
        self.take_part = visibility.can_take_part(actor)
        self.manage = visibility.can_manage(actor, room)

    @cached_property
    def _guest_ids(self) -> frozenset[int]:
        """The room's guests (removed ones too: their rows come back when re-invited)."""
        rows = RoomMember.objects.filter(room=self.room, kind=MemberKind.GUEST)
        return frozenset(rows.values_list("pk", flat=True))

    def _only(self, *member_ids: int | None) -> Who:
        """Certain people: in a guest's render, the guests among them (a control only a seller
        may use is never a guest's to see)."""
        wanted = {m for m in member_ids if m}
        if self.guest:
            wanted &= self._guest_ids
        return Who(members=frozenset(wanted))

    def task(self, task, assignee_ids: Iterable[int] = ()) -> TaskRights:
        """`assignee_ids`: the task's assignees' member ids (only the status depends on them)."""
        author = task.created_by_id
        if self.guest:
            own = self._only(author)
            return TaskRights(edit=own, delete=own, set_status=self._only(author, *assignee_ids))
        if not self.take_part:
            return TaskRights(edit=NOBODY, delete=NOBODY, set_status=NOBODY)
        delete = EVERYONE if self.manage else self._only(author)
        return TaskRights(edit=EVERYONE, delete=delete, set_status=EVERYONE)

    def milestone(self, milestone) -> Who:
        """Rename, delete and move a milestone."""
        if self.guest:
            return self._only(milestone.created_by_id)
        return EVERYONE if self.take_part else NOBODY
