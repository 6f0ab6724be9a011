"""A busy deal room: 300 tasks in the mutual action plan and 3,000 comments.

The rooms issue asks for the room page p95 < 300 ms with the raw queries' time printed beside
it, and bounded queries. This script seeds a throwaway database (customers.py builds and drops
it the same way): a deal and its room through the services, 12 milestones (two internal), 300
tasks with assignees from both sides, 3,000 comments in the room thread and under tasks, and
their events. It then times the room page through Django's test client for the seller who owns
the deal and for a guest of the room, and, measured in the same run, the baseline: the same SQL
statements the page issued, replayed alone through `connection.cursor()`. Figures are printed,
never asserted.

    .venv/bin/python benchmarks/rooms.py                  # SQLite
    .venv/bin/python benchmarks/rooms.py --postgres       # 127.0.0.1:5432, user postgres
    .venv/bin/python benchmarks/rooms.py --tasks 1000 --comments 20000
"""

# Random data is not security-sensitive (S311).
# ruff: noqa: S311

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import customers as common  # noqa: E402  (benchmarks/ is the script's own directory)

PAGE_TARGET_MS = 300.0


def seed(args) -> dict[str, Any]:
    """The room, its people and its plan; returns what the measurements need."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from dealroom.activity.models import ActivityEvent, Audience
    from dealroom.core.actors import Member
    from dealroom.customers import services as customer_services
    from dealroom.pipeline import services as pipeline_services
    from dealroom.rooms import services
    from dealroom.rooms.models import (
        Comment,
        Room,
        RoomMember,
        RoomSettings,
        Task,
    )
    from dealroom.workspaces.models import Membership, Role, User, Workspace

    rng = random.Random(args.seed)
    ws = Workspace.objects.create(name="Bench 基准", slug="bench")
    users = {}
    for email, role in (("admin@bench.test", Role.ADMIN), ("rep@bench.test", Role.REP)):
        user = User.objects.create_user(email, "x" * 12, full_name=email.split("@")[0].title())
        users[role] = Membership.objects.create(workspace=ws, user=user, role=role)
    admin, rep = Member(users[Role.ADMIN]), Member(users[Role.REP])
    RoomSettings.objects.create(workspace=ws, require_email_code=False)
    staged = pipeline_services.type_create(
        actor=admin, name="New business", name_zh="新业务", variant="staged"
    )
    pipeline_services.stage_create(actor=admin, type_id=staged.pk, name="Qualify", probability=10)
    account = customer_services.record_create(
        actor=rep, object_type="account", data={"name": "上海汽车 Benchmark 有限公司"}
    )
    deal = pipeline_services.opportunity_create(
        actor=rep,
        type_id=staged.pk,
        data={"name": "集团数字化平台 Group platform", "account": account.pk, "amount": "2800000"},
    )
    room = Room.objects.get(opportunity=deal)
    guests = []
    for k in range(4):
        contact = customer_services.record_create(
            actor=rep,
            object_type="contact",
            data={"full_name": f"客户 Guest {k}", "emails": f"guest{k}@customer.test"},
        )
        invitation, token = services.room_guest_invite(
            actor=rep, room_id=room.pk, contact_id=contact.pk, send_email=False
        )
        redeemed = services.guest_link_redeem(token=token, ip=f"10.0.0.{k}")
        guests.append((invitation.member, redeemed.session))
    people = list(RoomMember.objects.filter(room=room))
    milestones = [
        services.milestone_create(
            actor=rep,
            room_id=room.pk,
            title=f"阶段 Milestone {m}",
            internal="1" if m in (4, 9) else "",
        )
        for m in range(12)
    ]
    now = timezone.now()
    tasks = Task.objects.bulk_create(
        Task(
            workspace=ws,
            room=room,
            milestone=milestones[i % len(milestones)],
            title=f"任务 Task {i}: {rng.choice(['评审', 'Review', '报价', 'Sign-off', '试点'])}",
            description="说明 " * rng.randint(0, 20),
            due_at=now + timedelta(days=rng.randint(-10, 40)),
            status=rng.choice(["open", "open", "done", "blocked"]),
            blocked_reason="等待 Waiting",
            internal=rng.random() < 0.15,
            position=i,
            created_by=people[0],
        )
        for i in range(args.tasks)
    )
    through = Task.assignees.through
    through.objects.bulk_create(
        through(task_id=t.pk, roommember_id=p.pk)
        for t in tasks
        for p in rng.sample(people, rng.randint(1, 3))
    )
    comments = Comment.objects.bulk_create(
        Comment(
            workspace=ws,
            room=room,
            task=tasks[rng.randrange(len(tasks))] if rng.random() < 0.4 else None,
            author=rng.choice(people),
            body=f"第 {c} 条评论 comment **{c}** with a link https://example.com/{c}",
            internal=rng.random() < 0.1,
        )
        for c in range(args.comments)
    )
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            workspace=ws,
            actor_kind="member",
            actor_user=rep.user,
            verb="room_comment.posted",
            target_type="rooms.room",
            target_id=room.pk,
            data={"room_id": room.pk, "comment": c.pk, "excerpt": c.body[:80], "actor_name": "Rep"},
            audience=Audience.RECORD if c.internal else Audience.SHARED,
        )
        for c in comments
    )
    session = SessionStore()
    session["guest_sessions"] = {str(ws.pk): guests[0][1].pk}
    session.create()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a load
    return {
        "slug": ws.slug,
        "room": room,
        "rep": rep,
        "guest_session_key": session.session_key,
        "counts": {"tasks": len(tasks), "comments": len(comments), "people": len(people)},
    }


def replay(statements: list[tuple[str, Any]]) -> Callable[[], None]:
    """The page's own SQL, run alone: what the database costs without Django around it."""
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()

    return run


def captured(client, url: str) -> list[tuple[str, Any]]:
    """The statements one page view sends (reads only: the visit's own bookkeeping writes are
    part of the page, not of the baseline's reads)."""
    from django.db import connection

    statements: list[tuple[str, Any]] = []

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        client.get(url)
    return statements


def page_view(client, url: str) -> Callable[[], None]:
    def run() -> None:
        client.get(url)

    return run


def run_benchmarks(world: dict[str, Any], args) -> list[common.Figure]:
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seller = Client()
    seller.force_login(world["rep"].user)
    guest = Client()
    guest.cookies[settings.SESSION_COOKIE_NAME] = world["guest_session_key"]
    room = world["room"]
    figures: list[common.Figure] = []
    for who, client, side in (("seller", seller, "w"), ("guest", guest, "g")):
        url = f"/{side}/{world['slug']}/rooms/{room.pk}/"
        first = client.get(url)
        if first.status_code != 200:
            figures.append(
                common.Figure("room page", who, [], None, None, f"HTTP {first.status_code}")
            )
            continue
        statements = captured(client, url)
        base = common.Figure(
            "raw SQL of the page (replayed)",
            who,
            common.measure(replay(statements), args.iterations, args.budget),
            None,
            None,
            f"{len(statements)} SELECTs",
        )
        figures.append(base)
        figures.append(
            common.Figure(
                "room page",
                who,
                common.measure(page_view(client, url), args.iterations, args.budget),
                PAGE_TARGET_MS,
                base,
                f"{len(first.content) / 1024:.0f} KB",
            )
        )
        print(f"  measured the room page as the {who}", flush=True)
    return figures


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--iterations", type=int, default=100, help="timed runs per figure")
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per figure (≥ 20 runs)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.reuse = None  # customers.configure() reads it

    target = common.configure(args)
    try:
        common.migrate(target)
        t = time.perf_counter()
        world = seed(args)
        counts = ", ".join(f"{n:,} {what}" for what, n in world["counts"].items())
        print(f"seeded {counts} in {time.perf_counter() - t:.1f} s")
        figures = run_benchmarks(world, args)
        common.report(figures)
        for f in figures:
            if f.note:
                print(f"  {f.label} [{f.actor}]: {f.note}")
        print(f"\ntarget: room page p95 < {PAGE_TARGET_MS:.0f} ms")
    finally:
        common.teardown(target, args.keep)


if __name__ == "__main__":
    main()
