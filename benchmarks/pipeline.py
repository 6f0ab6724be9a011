"""The pipeline board at scale: one opportunity type with 5,000 open deals over 8 stages.

The pipeline issue asks for the board's first paint p95 < 300 ms (cards paged per column), with
the raw aggregate query printed beside it. This script seeds a throwaway database (customers.py
builds and drops it the same way), then times for a rep (limited visibility) and an admin (sees
all): the board page through Django's test client, `selectors.board()` alone, and a column's
"show more" page; beside them, measured in the same run, the raw SQL alone through
`connection.cursor()`: the GROUP BY stage count/sum (the baseline the ratios use) and the
first-cards-per-column window query. Figures are printed, never asserted.

    .venv/bin/python benchmarks/pipeline.py                 # SQLite, 5,000 open deals
    .venv/bin/python benchmarks/pipeline.py --postgres      # 127.0.0.1:5432, user postgres
    .venv/bin/python benchmarks/pipeline.py --open 20000 --closed 20000

Besides the measured type's open deals the workspace holds its won and lost deals and a second
type's open deals, so that the type and status conditions have rows to skip. The deals are
bulk-inserted (valid rows: stage, time entered, owner, account, amount, close date); the types
and stages are made through the services.
"""

# Random data is not security-sensitive (S311); SQL is assembled from table names this script
# owns, values always go as parameters (S608).
# ruff: noqa: S311, S608

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The throwaway database, timing and the report table are shared with the customers benchmark.
import customers as common  # noqa: E402  (benchmarks/ is the script's own directory)

BOARD_TARGET_MS = 300.0

STAGES = [
    # name, Chinese name, probability, forecast category, share of the open deals
    ("Lead", "线索", 5, "pipeline", 24),
    ("Qualify", "确认需求", 10, "pipeline", 18),
    ("Discovery", "需求调研", 20, "pipeline", 15),
    ("Solution", "方案", 35, "best_case", 12),
    ("Proposal", "报价", 50, "best_case", 10),
    ("Negotiation", "谈判", 70, "commit", 9),
    ("Contract", "合同", 85, "commit", 7),
    ("Signature", "签署", 95, "commit", 5),
]
PRODUCTS = ["数据平台", "Field service", "供应链", "Security audit", "培训", "CRM 升级", "云迁移"]


@dataclass
class World:
    workspace: Any
    admin: Any  # Membership
    rep: Any  # the measured rep: in team East
    owners: list[int]
    board_type: Any = None
    stages: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


# -- seeding ---------------------------------------------------------------------------------


def seed_members() -> World:
    from dealroom.customers.models import CustomerSettings
    from dealroom.workspaces.models import Membership, Role, Team, User, Workspace

    ws = Workspace.objects.create(name="Bench 基准", slug=f"bench-{os.getpid()}")
    CustomerSettings.objects.create(workspace=ws)

    def member(email: str, name: str, role: str, team=None) -> Membership:
        user = User.objects.create_user(email, None, full_name=name, last_workspace=ws)
        return Membership.objects.create(workspace=ws, user=user, role=role, team=team)

    admin = member("admin@bench.local", "周敏 Zhou Min", Role.ADMIN)
    manager = member("manager.east@bench.local", "陈静 Chen Jing", Role.MANAGER)
    east = Team.objects.create(workspace=ws, name="华东 East", manager=manager)
    manager_w = member("manager.west@bench.local", "Sarah Müller", Role.MANAGER)
    west = Team.objects.create(workspace=ws, name="华西 West", manager=manager_w)
    reps_in = [member(f"east{k}@bench.local", f"东{k} East {k}", Role.REP, east) for k in range(10)]
    reps_out = [member(f"west{k}@bench.local", f"西{k} West {k}", Role.REP, west) for k in range(8)]
    member("finance@bench.local", "赵丽 Zhao Li", Role.READONLY)
    owners = [m.pk for m in [manager, manager_w, *reps_in, *reps_out]]
    return World(ws, admin, reps_in[0], owners)


def seed_pipeline(world: World) -> None:
    """Two staged types through the services: the measured one with 8 stages, another one."""
    from dealroom.core.actors import Member
    from dealroom.pipeline import services

    admin = Member(world.admin)
    world.board_type = services.type_create(
        actor=admin, name="Enterprise deal", name_zh="企业商机", variant="staged"
    )
    for name, name_zh, probability, category, _share in STAGES:
        world.stages.append(
            services.stage_create(
                actor=admin,
                type_id=world.board_type.pk,
                name=name,
                name_zh=name_zh,
                probability=probability,
                forecast_category=category,
                stuck_days=30,
            )
        )
    other = services.type_create(actor=admin, name="Consumer", name_zh="个人新购", variant="staged")
    for name in ("Inquiry", "Trial", "Showroom", "Closing"):
        services.stage_create(actor=admin, type_id=other.pk, name=name)
    services.loss_reason_create(actor=admin, name="价格 Price")


def seed_deals(world: World, args) -> dict[str, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from dealroom.customers.models import Account, Collaborator
    from dealroom.pipeline.models import (
        DealTeamMember,
        LossReason,
        Opportunity,
        OpportunityType,
        Stage,
    )

    rng = random.Random(args.seed)
    ws = world.workspace
    now = timezone.now()
    today = timezone.localdate()
    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("SET synchronous_commit = off")

    t = time.perf_counter()
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            [
                Account(
                    workspace=ws,
                    owner_id=rng.choice(world.owners),
                    kind="company",
                    name=f"{rng.choice('华信达通泰恒宏盛新星')}{k}有限公司",
                    region=rng.choice(["上海", "江苏", "浙江", "广东"]),
                )
                for k in range(args.accounts)
            ],
            batch_size=1000,
        )
    timings["accounts"] = time.perf_counter() - t

    other_type = OpportunityType.objects.filter(workspace=ws).exclude(pk=world.board_type.pk)[0]
    other_stages = list(Stage.objects.filter(type=other_type).order_by("position"))
    reason = LossReason.objects.get(workspace=ws)
    weights = [s[4] for s in STAGES]

    def deal(opp_type, stage, status: str) -> Opportunity:
        entered = now - timedelta(days=rng.randrange(120), seconds=rng.randrange(86400))
        closed = entered + timedelta(days=rng.randrange(30)) if status != "open" else None
        close_date = today + timedelta(days=rng.randrange(-30, 180))
        return Opportunity(
            workspace=ws,
            owner_id=rng.choice(world.owners),
            type=opp_type,
            name=f"{rng.choice(PRODUCTS)} #{rng.randrange(10**6)}",
            account=rng.choice(accounts),
            amount=Decimal(rng.randrange(10_000, 5_000_000, 1000)),
            currency="CNY",
            close_date=close_date if rng.random() < 0.9 else None,
            stage=stage,
            stage_entered_at=entered,
            probability=rng.randrange(5, 95) if rng.random() < 0.1 else None,
            probability_reason="",
            next_step="约客户开会 Meet the customer" if rng.random() < 0.5 else "",
            status=status,
            loss_reason=reason if status == "lost" else None,
            closed_at=closed,
            source=rng.choice(["self", "lead", "campaign", "referral"]),
        )

    t = time.perf_counter()
    rows = [
        deal(world.board_type, rng.choices(world.stages, weights)[0], "open")
        for _ in range(args.open)
    ]
    rows += [
        deal(world.board_type, rng.choice(world.stages), rng.choice(["won", "lost"]))
        for _ in range(args.closed)
    ]
    rows += [deal(other_type, rng.choice(other_stages), "open") for _ in range(args.other)]
    with transaction.atomic():
        deals = Opportunity.objects.bulk_create(rows, batch_size=1000)
    timings["deals"] = time.perf_counter() - t

    # The rep also sees deals of others through the deal team and as a collaborator.
    open_ids = [d.pk for d in deals[: args.open] if d.owner_id != world.rep.pk]
    team = rng.sample(open_ids, min(100, len(open_ids)))
    DealTeamMember.objects.bulk_create(
        [DealTeamMember(opportunity_id=pk, member=world.rep, role="presales") for pk in team]
    )
    collaborate = rng.sample(sorted(set(open_ids) - set(team)), min(50, len(open_ids)))
    Collaborator.objects.bulk_create(
        [
            Collaborator(
                workspace=ws,
                object_type="opportunity",
                object_id=pk,
                member=world.rep,
                level="view",
            )
            for pk in collaborate
        ]
    )
    t = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a load
            timings["vacuum analyze"] = time.perf_counter() - t
        elif args.sqlite_analyze:
            cursor.execute("ANALYZE")
            timings["analyze"] = time.perf_counter() - t
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    world.counts = {
        "accounts": args.accounts,
        "open deals on the board": args.open,
        "won/lost deals of that type": args.closed,
        "open deals of another type": args.other,
        "deal-team rows of the rep": len(team),
        "collaborations of the rep": len(collaborate),
    }
    return timings


# -- the baselines ---------------------------------------------------------------------------


def aggregate_sql(world: World) -> tuple[str, list]:
    """What the board's column headers need, with no visibility: count and sum per stage."""
    from dealroom.pipeline.models import Opportunity

    table = Opportunity._meta.db_table
    return (
        f"SELECT stage_id, COUNT(*), SUM(amount) FROM {table}"
        " WHERE workspace_id = %s AND type_id = %s AND status = %s AND archived_at IS NULL"
        " GROUP BY stage_id",
        [world.workspace.pk, world.board_type.pk, "open"],
    )


def cards_sql(world: World, per_column: int) -> tuple[str, list]:
    """The first cards of every column (closest close date first) with their account and
    owner: the board's second query, with no visibility."""
    from dealroom.customers.models import Account
    from dealroom.pipeline.models import Opportunity
    from dealroom.workspaces.models import Membership, User

    opp, account = Opportunity._meta.db_table, Account._meta.db_table
    membership, user = Membership._meta.db_table, User._meta.db_table
    return (
        "SELECT * FROM ("
        " SELECT o.id, o.name, o.amount, o.close_date, o.stage_id, o.stage_entered_at,"
        " a.name AS account_name, u.full_name AS owner_name, ROW_NUMBER() OVER ("
        "  PARTITION BY o.stage_id ORDER BY o.close_date IS NULL, o.close_date, o.id) AS rank"
        f" FROM {opp} o JOIN {account} a ON a.id = o.account_id"
        f" LEFT JOIN {membership} m ON m.id = o.owner_id LEFT JOIN {user} u ON u.id = m.user_id"
        " WHERE o.workspace_id = %s AND o.type_id = %s AND o.status = %s"
        " AND o.archived_at IS NULL) ranked WHERE rank <= %s ORDER BY stage_id, rank",
        [world.workspace.pk, world.board_type.pk, "open", per_column],
    )


def cards_per_stage_sql(world: World, per_column: int) -> tuple[str, list]:
    """The same first cards' ids another way, for comparison: one index range per stage with
    its own LIMIT, glued with UNION ALL."""
    from dealroom.pipeline.models import Opportunity

    table = Opportunity._meta.db_table
    one = (
        f"SELECT * FROM (SELECT id FROM {table} WHERE workspace_id = %s AND type_id = %s"
        " AND status = %s AND archived_at IS NULL AND stage_id = %s"
        " ORDER BY close_date IS NULL, close_date, id LIMIT %s) s{k}"
    )
    parts, params = [], []
    for k, stage in enumerate(world.stages):
        parts.append(one.format(k=k))
        params += [world.workspace.pk, world.board_type.pk, "open", stage.pk, per_column]
    return " UNION ALL ".join(parts), params


def raw(sql: str, params: list) -> Callable[[], None]:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


# -- measuring -------------------------------------------------------------------------------


def query_count(run: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def run_benchmarks(world: World, args, vendor: str) -> list[common.Figure]:
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from dealroom.core.actors import Member
    from dealroom.pipeline import selectors
    from dealroom.workspaces.models import Membership

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    it, budget = args.iterations, args.budget
    slug, opp_type = world.workspace.slug, world.board_type
    actors = {
        "rep": Member(Membership.objects.select_related("user", "workspace").get(pk=world.rep.pk)),
        "admin": Member(
            Membership.objects.select_related("user", "workspace").get(pk=world.admin.pk)
        ),
    }
    figures: list[common.Figure] = []
    explain: list[str] = []

    def note_if_slow(fig: common.Figure, run: Callable[[], object]) -> None:
        if args.explain and fig.target is not None and fig.pct(95) > fig.target:
            explain.append(f"  {fig.label} [{fig.actor}] p95 {fig.pct(95):.1f} ms:")
            explain.extend(common.slowest_statements(run, vendor))

    agg_sql, agg_params = aggregate_sql(world)
    card_sql, card_params = cards_sql(world, selectors.CARDS_PER_COLUMN)
    print(f"\nload average before measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("raw aggregate query (the baseline):")
    print(f"  {agg_sql}")
    print(f"  params {agg_params}")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(agg_sql, agg_params)
        per_stage = {stage_id: n for stage_id, n, _sum in cursor.fetchall()}
    print(
        "  open deals per stage: "
        + ", ".join(f"{s.name} {per_stage.get(s.pk, 0)}" for s in world.stages)
    )
    base = common.Figure(
        "raw aggregate (GROUP BY stage)",
        "raw SQL",
        common.measure(raw(agg_sql, agg_params), it, budget),
    )
    figures.append(base)
    figures.append(
        common.Figure(
            "raw first cards (window)",
            "raw SQL",
            common.measure(raw(card_sql, card_params), it, budget),
            None,
            base,
        )
    )
    per_stage_sql, per_stage_params = cards_per_stage_sql(world, selectors.CARDS_PER_COLUMN)
    figures.append(
        common.Figure(
            "raw first card ids (LIMIT per stage)",
            "raw SQL",
            common.measure(raw(per_stage_sql, per_stage_params), it, budget),
            None,
            base,
        )
    )
    print("  measured the raw SQL", flush=True)

    flt = selectors.BoardFilter()
    for name, actor in actors.items():

        def run_selector(actor=actor) -> None:
            common.fresh(actor)
            selectors.board(actor=actor, opp_type=opp_type, flt=flt)

        visible = sum(c.count for c in selectors.board(actor=actor, opp_type=opp_type, flt=flt))
        fig = common.Figure(
            "selectors.board()",
            name,
            common.measure(run_selector, it, budget),
            BOARD_TARGET_MS,
            base,
            f"{visible:,} deals visible; {query_count(run_selector)} queries",
        )
        figures.append(fig)
        note_if_slow(fig, run_selector)
    print("  measured selectors.board()", flush=True)

    # -- pages --
    try:
        board_url: str | None = reverse("pipeline_board", args=[slug, opp_type.pk])
    except NoReverseMatch:
        board_url = None  # the board page is not there yet: the selector figures stand alone
    try:
        biggest = max(world.stages, key=lambda s: per_stage.get(s.pk, 0))
        column_url: str | None = reverse(
            "pipeline_board_column", args=[slug, opp_type.pk, biggest.pk]
        )
    except NoReverseMatch:
        column_url = None
    pages = [
        ("board page (first paint)", board_url, {}),
        ("board page, close this quarter", board_url, {"close": "this_quarter"}),
        ("board page, my deals", board_url, {"owner": "me"}),
        ("column page 2 (show more)", column_url, {"offset": str(selectors.CARDS_PER_COLUMN)}),
    ]
    for label, url, params in pages:
        for name, actor in actors.items():
            if url is None:
                figures.append(common.Figure(label, name, [], None, None, "no URL yet"))
                continue
            client = Client()
            client.force_login(actor.user)
            problem = ""
            try:
                response = client.get(url, params)
                if response.status_code != 200:
                    problem = f"HTTP {response.status_code}"
            except Exception as e:  # a page under construction may still fail
                problem = f"{type(e).__name__}: {e}"[:80]
            if problem:
                figures.append(common.Figure(label, name, [], None, None, problem))
                continue

            def run_page(client=client, url=url, params=params) -> None:
                client.get(url, params)

            size = len(response.content)
            fig = common.Figure(
                label,
                name,
                common.measure(run_page, it, budget),
                BOARD_TARGET_MS,
                base,
                f"{query_count(run_page)} queries, {size / 1024:.0f} KB",
            )
            figures.append(fig)
            note_if_slow(fig, run_page)
        print(f"  measured {label}", flush=True)
    connection.close()
    if explain:
        print("\nslowest statements of the figures over target (--explain):")
        print("\n".join(explain))
    return figures


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    parser.add_argument("--open", type=int, default=5000, help="open deals on the measured board")
    parser.add_argument("--closed", type=int, default=5000, help="won and lost deals of the type")
    parser.add_argument("--other", type=int, default=5000, help="open deals of another type")
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--iterations", type=int, default=100, help="timed runs per figure")
    parser.add_argument(
        "--budget",
        type=float,
        default=8.0,
        help="stop a figure after this many seconds (it still gets ≥ 20 runs)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sqlite-analyze", action="store_true", help="run ANALYZE on SQLite after seeding"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN the slowest SQL of figures over target"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(list(argv) if argv is not None else None)
    args.reuse = None  # customers.configure() reads it: always a fresh database here

    target = common.configure(args)
    try:
        common.migrate(target)

        t = time.perf_counter()
        world = seed_members()
        seed_pipeline(world)
        timings = seed_deals(world, args)
        print(
            "seeded "
            + ", ".join(f"{n:,} {what}" for what, n in world.counts.items())
            + f" in {time.perf_counter() - t:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
            + ")"
        )
        figures = run_benchmarks(world, args, target.vendor)
        common.report(figures)
        notes = [f for f in figures if f.samples and f.note]
        if notes:
            print()
            for f in notes:
                print(f"  {f.label} [{f.actor}]: {f.note}")
        print(f"\ntarget: board first paint p95 < {BOARD_TARGET_MS:.0f} ms")
    finally:
        common.teardown(target, args.keep)


if __name__ == "__main__":
    main()
