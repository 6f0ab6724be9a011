"""The demo's one clock. The demo tells a story of the past months: every seeded moment is a day
counted back from one "now" (read once, when seeding starts) and a time of day in the server's
time zone (settings.TIME_ZONE), so that "10:00" in a comment is 10:00 on the page.

Each app's demo is a story: a generator that yields the moment of its next step and then
writes that step through the services, as the person would. `play` runs the stories side by
side in time order with `timezone.now()` set to each step's moment, so every row and event is
written at the time it stands for, and events come in the order of their times (ids and
timestamps agree: feeds sorted by either read alike). Demo data only."""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone

Story = Iterator[datetime.datetime]


class Clock:
    """`timezone.now()` reads `current` while the clock is entered; put back on exit, whatever
    happens."""

    def __init__(self) -> None:
        self.real: Callable[[], datetime.datetime] = timezone.now
        self.now = self.real()
        self.zone = timezone.get_default_timezone()
        self.today = timezone.localdate(self.now, self.zone)
        self.current = self.now

    def on(self, days: int, hour: int, minutes: int = 0) -> datetime.datetime:
        """`hour` o'clock plus `minutes`, local time, `days` days after today (before it when
        negative): a due date, a meeting."""
        day = self.today + datetime.timedelta(days=days)
        start = datetime.datetime.combine(day, datetime.time(hour), self.zone)
        return start + datetime.timedelta(minutes=minutes)

    def ago(self, days: int, hour: int, minutes: int = 0) -> datetime.datetime:
        """A moment that has happened: as `on`, `days` days before today, and never later than
        now (a step of today at an hour still to come happens now)."""
        return min(self.on(-days, hour, minutes), self.now)

    def __enter__(self) -> Clock:
        timezone.now = lambda: self.current
        return self

    def __exit__(self, *exc) -> None:
        timezone.now = self.real


def play(clock: Clock, stories: Iterable[Story]) -> None:
    """Runs the stories' steps in time order (a story's own steps in the order it yields them,
    and ties in the order the stories are given). Before its first moment a story only reads
    (whether it has been told already)."""
    queue: list[tuple[datetime.datetime, int, Story]] = []
    for n, story in enumerate(stories):
        _next(queue, n, story, None)
    while queue:
        when, n, story = heapq.heappop(queue)
        clock.current = when
        _next(queue, n, story, when)


def _next(queue: list, n: int, story: Story, after: datetime.datetime | None) -> None:
    when = next(story, None)
    if when is None:
        return
    if after is not None and when < after:
        raise ValueError(f"a demo story goes back in time: {when} after {after}")
    heapq.heappush(queue, (when, n, story))
