"""Issue 21 (15): the demo's times agree. Every seeded moment comes from one "now" (core.demo):
a comment and its event are one moment, events come in the order of their times, deals have
months of history (won and lost in different months, open ones in their stage for days or
weeks, two stuck), nothing happens after now, and a comment naming a day and an hour names
those of its meeting, in the server's time zone. The demo is seeded once for the module inside
a transaction rolled back at the end (as tests/pipeline_demo does)."""

from __future__ import annotations

import datetime
import json
import re

from django.apps import apps
from django.db import models
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.pipeline import selectors
from dealroom.pipeline.models import Opportunity, StageChange
from dealroom.rooms.models import Comment, Task
from dealroom.workspaces import demo
from dealroom.workspaces.models import Workspace
from tests.pipeline_demo.test_demo import ws  # noqa: F401  (the seeded demo, once per module)

DEMO_APPS = {"workspaces", "customers", "pipeline", "rooms", "activity"}
WEEKDAY = re.compile(
    r"(?:周|星期|礼拜)[一二三四五六日天]|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
)
ZH_DAYS = "一二三四五六日"
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _models_with(field_types: tuple[type[models.Field], ...]):
    for model in apps.get_models():
        if model._meta.app_label not in DEMO_APPS:
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, field_types) and not f.primary_key
        ]
        if fields:
            yield model, fields


def test_a_comment_and_its_event_are_one_moment(ws, db):  # noqa: F811
    comments = {c.pk: c for c in Comment.objects.filter(room__workspace=ws)}
    assert len(comments) >= 10
    events = ActivityEvent.objects.filter(workspace=ws, verb="room_comment.posted")
    posted = {e.data["comment"]: e.created_at for e in events}
    assert set(posted) == set(comments)
    for pk, comment in comments.items():
        assert posted[pk] == comment.created_at, comment.body


def test_events_by_id_are_events_by_time(ws, db):  # noqa: F811
    times = list(ActivityEvent.objects.order_by("pk").values_list("created_at", flat=True))
    assert len(times) > 300
    assert times == sorted(times)
    # and they are spread over the months the story tells, not written at one moment
    assert times[-1] - times[0] > datetime.timedelta(days=270)


def test_nothing_happened_after_now(ws, db):  # noqa: F811
    now = timezone.now()
    for model, fields in _models_with((models.DateTimeField,)):
        for name in fields:
            if name in ("due_at", "starts_at", "ends_at", "expires_at", "code_expires_at"):
                continue  # what is planned may lie ahead
            late = model.objects.filter(**{f"{name}__gt": now})
            assert not late.exists(), f"{model.__name__}.{name}: {list(late[:3])}"


def test_deals_have_months_of_history(ws, db):  # noqa: F811
    now = timezone.now()
    changes = StageChange.objects.filter(workspace=ws).order_by("changed_at")
    first, last = changes.first(), changes.last()
    assert first is not None and last is not None
    assert last.changed_at - first.changed_at >= datetime.timedelta(days=183)
    deals = Opportunity.objects.filter(workspace=ws).select_related("stage")
    created = [d.created_at for d in deals]
    assert max(created) - min(created) >= datetime.timedelta(days=183)

    def months(status: str) -> set[tuple[int, int]]:
        closed = [timezone.localtime(d.closed_at) for d in deals if d.status == status]
        return {(c.year, c.month) for c in closed}

    assert len(months("won")) >= 3 and len(months("lost")) >= 3
    for deal in deals:
        if deal.status != "open":
            assert deal.closed_at is not None and deal.close_date is not None
            assert deal.close_date == timezone.localdate(deal.closed_at)
            history = list(StageChange.objects.filter(opportunity=deal).order_by("changed_at"))
            assert history[-1].changed_at == deal.closed_at
            assert history[0].changed_at == deal.created_at
    open_staged = [d for d in deals if d.status == "open" and d.stage_entered_at]
    waited = [now - d.stage_entered_at for d in open_staged if d.stage_entered_at]
    assert min(waited) < datetime.timedelta(days=3)
    assert max(waited) > datetime.timedelta(days=21)
    assert sum(selectors.is_stuck(d) for d in open_staged) >= 2


def test_a_named_day_and_hour_are_those_of_the_meeting(ws, db):  # noqa: F811
    """Every seeded text naming a weekday is a comment about its room's meeting: the day and
    the hour it names are the meeting's, in the server's time zone."""
    named = 0
    for model, fields in _models_with((models.CharField, models.TextField, models.JSONField)):
        for row in model.objects.all():
            for name in fields:
                value = getattr(row, name)
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if not WEEKDAY.search(text or ""):
                    continue
                if isinstance(row, ActivityEvent) and row.verb == "room_comment.posted":
                    continue  # the comment's excerpt: the comment is checked itself
                assert isinstance(row, Comment), f"{model.__name__}.{name}: {text}"
                _check_meeting(row)
                named += 1
    assert named >= 1


def _check_meeting(comment: Comment) -> None:
    meetings = Task.objects.filter(room=comment.room, kind="meeting", starts_at__isnull=False)
    starts = [timezone.localtime(m.starts_at) for m in meetings]
    fits = [
        s
        for s in starts
        if f"周{ZH_DAYS[s.weekday()]}" in comment.body
        and EN_DAYS[s.weekday()] in comment.body
        and f"{s:%H:%M}" in comment.body
        and s > timezone.localtime(comment.created_at)
    ]
    assert fits, (comment.body, starts)
    for day in re.findall(r"周([一二三四五六日])", comment.body):
        assert day == ZH_DAYS[fits[0].weekday()], comment.body


def test_seeding_again_changes_no_time(ws, db):  # noqa: F811
    def stamps():
        return (
            list(ActivityEvent.objects.order_by("pk").values_list("pk", "created_at")),
            list(Comment.objects.order_by("pk").values_list("pk", "created_at")),
        )

    before = stamps()
    assert demo.seed() == Workspace.objects.get(slug="demo")
    assert stamps() == before
