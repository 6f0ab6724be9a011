"""What every request of a member reads before its own work, kept per process between changes.

Field permissions, custom fields, the customer settings, the team tree and territories change
rarely and were read again by every request (6–10 queries before its own two); so was what is
derived from them (a member's customer scope, a list's set of visible ids as SQL). Each workspace
row carries `config_version`, a random number that every service changing those facts replaces
in its own transaction (`config_changed`). A request's actor is read with its workspace
(`selectors.member_for_user`: the membership query checks that the member is active on every
request), so the version costs no query; what was built for that version is then taken from
this process's memory. A change therefore applies to the very next request in every process,
with no message between them and no cache server: a process that has not built the new
version's entry reads the database again. The version is random rather than counted: a
rolled-back change rolls its version back too, and a number seen inside such a transaction
never comes back to name other facts.

Only actors made by `member_for_user` (requests, sockets) carry a version; others (jobs,
commands, tests that build `Member(...)` themselves) read the database as before, memoised for
their own life. Values kept here are shared by threads: immutable ones only (frozen
dataclasses, frozensets, tuples of model rows that nothing changes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from dealroom.core.actors import Actor, Member

from .models import Workspace, new_config_version

VERSION = "config version"  # the key in an actor's memo
MAX_ENTRIES = 512  # (workspace, version) pairs per process; the least recently used go first

_lock = threading.Lock()
_entries: OrderedDict[tuple[int, int], dict] = OrderedDict()


def remember_version(actor: Member) -> None:
    """Mark a freshly read actor as one whose configuration may come from this process's
    memory: its workspace row was read in the same query as its membership."""
    actor.memo[VERSION] = actor.workspace.config_version


def _entry(workspace_id: int, version: int) -> dict:
    key = (workspace_id, version)
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            entry = _entries[key] = {}
            if len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        else:
            _entries.move_to_end(key)
    return entry


def shared[T](actor: Actor, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`'s value for this workspace's configuration version, built once per process
    and version; for an actor without a version, `build()` itself. `key` must name everything
    the value depends on besides the configuration (a role, a membership)."""
    version = actor.memo.get(VERSION) if isinstance(actor, Member) else None
    if version is None:
        return build()
    entry = _entry(actor.workspace_id, version)
    if key not in entry:
        # Two threads may both build it. Either is right: read at this version or later.
        entry[key] = build()
    return entry[key]


def config_changed(actor: Actor | None = None, *, workspace_id: int | None = None) -> None:
    """Call inside the transaction of every write that changes what `shared` keeps: field
    permissions, custom fields, customer settings, teams, memberships (team, role, activity),
    territories. The acting actor reads the database again for the rest of its life."""
    if actor is not None:
        workspace_id = actor.workspace_id
        actor.memo.pop(VERSION, None)
    assert workspace_id is not None, "config_changed needs the actor or the workspace"
    Workspace.objects.filter(pk=workspace_id).update(config_version=new_config_version())


def clear() -> None:
    """Forget every entry (tests that need a cold process)."""
    with _lock:
        _entries.clear()
