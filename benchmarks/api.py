"""API speed: the REST list endpoints for a rep, over HTTP, beside `/healthz` in the same run.

Issue 20 asks for the list endpoints at ≥ 0.5× the `/healthz` rate at concurrency 8 on SQLite
and PostgreSQL, p99 ≤ 50 ms, and a GET that writes nothing. This script seeds a throwaway
database (customers.py builds and drops it; fanout.py's helpers start and stop the server):
a workspace with a team tree, a territory, custom fields and field permissions (so a request's
per-actor set-up has work to do), a few thousand accounts, contacts, leads and deals of which
the rep owns a handful, and the rep's API token. It starts one `dealroom serve` process and
drives it from this process over raw HTTP/1.1 keep-alive connections, `--concurrency` of them
(8), for `--seconds` per endpoint: `/healthz` first (the baseline), then
`GET /api/w/<slug>/contacts`, `/accounts`, `/leads`, `/opportunities` and `/rooms` with
`Authorization: Bearer <token>`. It prints requests/s, p50, p99 and max, the ratio to
`/healthz` and whether each target is met, and the rows the database wrote during each phase
(counted by triggers this script adds to every table of its own database). Figures are
printed, never asserted.

    .venv/bin/python benchmarks/api.py                  # SQLite
    .venv/bin/python benchmarks/api.py --postgres       # dealroom_bench_<pid> on 127.0.0.1
    .venv/bin/python benchmarks/api.py --seconds 3      # quick

The load generator shares the machine's cores with the server; its CPU and the machine's are
printed per phase, and the run starts with fanout.py's machine-speed figure.
"""

# Random data is not security-sensitive (S311); SQL is assembled from table names this script
# owns, values always go as parameters (S608); the server is started from an argv list (S603).
# ruff: noqa: S311, S608, S603

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The throwaway database (customers.py) and the server processes (fanout.py) as they do it.
import customers as common  # noqa: E402  (benchmarks/ is the script's own directory)
import fanout as serving  # noqa: E402

RATIO_TARGET = 0.5
P99_TARGET_MS = 50.0
ENDPOINTS = ["contacts", "accounts", "leads", "opportunities", "rooms"]
REP_OWNS = 3  # records of each kind the measured rep owns (the rep had 3 contacts)


# -- seeding ---------------------------------------------------------------------------------


@dataclass
class World:
    slug: str
    token: str  # the rep's API token (the secret)
    counts: dict[str, int] = field(default_factory=dict)


def seed(args) -> World:
    """Members in a two-level team tree, a territory, custom fields and field permissions
    through the services; the records bulk-inserted (valid rows), the rep's deals (and so
    their rooms) through the services."""
    from django.db import connection, transaction

    from dealroom.core.actors import Member
    from dealroom.customers import services as customers
    from dealroom.customers.models import (
        Account,
        AccountContact,
        Contact,
        CustomerSettings,
        Lead,
    )
    from dealroom.pipeline import services as pipeline
    from dealroom.pipeline.models import Opportunity
    from dealroom.workspaces import services as workspaces
    from dealroom.workspaces.models import Membership, Role, Team, User, Workspace

    rng = random.Random(args.seed)
    ws = Workspace.objects.create(name="Bench 基准", slug=f"bench-{os.getpid()}")
    CustomerSettings.objects.create(workspace=ws)

    def member(email: str, name: str, role: str, team=None) -> Membership:
        user = User.objects.create_user(email, None, full_name=name, last_workspace=ws)
        return Membership.objects.create(workspace=ws, user=user, role=role, team=team)

    admin_m = member("admin@bench.local", "周敏 Zhou Min", Role.ADMIN)
    director = member("director@bench.local", "王强 Wang Qiang", Role.MANAGER)
    sales = Team.objects.create(workspace=ws, name="销售 Sales", manager=director)
    manager = member("manager.east@bench.local", "陈静 Chen Jing", Role.MANAGER)
    east = Team.objects.create(workspace=ws, name="华东 East", manager=manager, parent=sales)
    manager_w = member("manager.west@bench.local", "Sarah Müller", Role.MANAGER)
    west = Team.objects.create(workspace=ws, name="华西 West", manager=manager_w, parent=sales)
    rep_m = member("rep@bench.local", "李娜 Li Na", Role.REP, east)
    others = [member(f"east{k}@bench.local", f"东{k} East {k}", Role.REP, east) for k in range(6)]
    others += [member(f"west{k}@bench.local", f"西{k} West {k}", Role.REP, west) for k in range(6)]
    owners = [m.pk for m in [manager, manager_w, *others]]

    admin = Member(admin_m)
    workspaces.territory_create(
        actor=admin,
        name="新疆 Xinjiang",
        kind="region",
        values=["新疆"],  # matches no seeded record: the rep's rows stay a handful
        member_ids=[rep_m.pk],
    )
    choices = ["A", "B", "C"]
    for object_type in ("account", "contact", "lead", "opportunity"):
        customers.custom_field_create(
            actor=admin, object_type=object_type, label="Score", kind="number", key="score"
        )
        customers.custom_field_create(
            actor=admin,
            object_type=object_type,
            label="Tier",
            kind="choice",
            options=choices,
            key="tier",
        )
        customers.custom_field_create(
            actor=admin, object_type=object_type, label="Internal note", kind="text", key="note"
        )
    for object_type, name, access in [
        ("contact", "qq", "hidden"),
        ("contact", "custom.note", "hidden"),
        ("account", "credit_terms", "hidden"),
        ("account", "custom.score", "readonly"),
        ("lead", "campaign", "readonly"),
        ("opportunity", "custom.note", "hidden"),
    ]:
        for role in (Role.REP, Role.READONLY):
            customers.field_permission_set(
                actor=admin, object_type=object_type, field=name, role=role, access=access
            )
    opp_type = pipeline.type_create(
        actor=admin, name="New business", name_zh="新业务", variant="staged"
    )
    stages = [
        pipeline.stage_create(actor=admin, type_id=opp_type.pk, name=n, name_zh=zh, probability=p)
        for n, zh, p in [
            ("Qualify", "确认需求", 10),
            ("Proposal", "报价", 50),
            ("Contract", "合同", 85),
        ]
    ]

    def custom() -> dict[str, Any]:
        return {"score": rng.randrange(100), "tier": rng.choice(choices), "note": "内部 internal"}

    def owner(k: int) -> int | None:
        return rep_m.pk if k < REP_OWNS else owners[k % len(owners)]

    regions = ["上海", "江苏", "浙江", "广东", "北京"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("SET synchronous_commit = off")
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            [
                Account(
                    workspace=ws,
                    owner_id=owner(k),
                    kind="company",
                    name=f"{rng.choice('华信达通泰恒宏盛新星')}{k}有限公司",
                    industry=rng.choice(["制造业", "信息技术", "医疗"]),
                    region=rng.choice(regions),
                    credit_terms="30 days",
                    custom=custom(),
                )
                for k in range(args.accounts)
            ],
            batch_size=1000,
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    workspace=ws,
                    owner_id=owner(k),
                    full_name=f"{rng.choice('王李张刘陈杨黄赵')}{rng.choice('伟芳娜敏静丽强磊')}{k}",
                    title=rng.choice(["总经理", "采购经理", "CTO", "Engineer"]),
                    phones=[f"+86138{k:08d}"],
                    emails=[f"c{k}@example.com"],
                    qq=str(10000 + k),
                    custom=custom(),
                )
                for k in range(args.contacts)
            ],
            batch_size=1000,
        )
        # Every contact at one account; the link carries the account's owner, as
        # `account_contact_link` keeps it.
        AccountContact.objects.bulk_create(
            [
                AccountContact(
                    workspace=ws,
                    account=account,
                    contact=contact,
                    role="decision_maker",
                    account_owner_id=account.owner_id,
                )
                for contact, account in zip(
                    contacts,
                    [accounts[rng.randrange(REP_OWNS, len(accounts))] for _ in contacts],
                    strict=True,
                )
            ],
            batch_size=1000,
        )
        Lead.objects.bulk_create(
            [
                Lead(
                    workspace=ws,
                    # the rest of the first 2% are the pool, which every member sees
                    owner_id=owner(k) if k < REP_OWNS or k >= args.leads // 50 else None,
                    full_name=f"线索 Lead {k}",
                    company_name=f"{rng.choice('华信达通泰')}{k}科技",
                    region=rng.choice(regions),
                    source="web",
                    campaign="展会 2026",
                    custom=custom(),
                )
                for k in range(args.leads)
            ],
            batch_size=1000,
        )
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    workspace=ws,
                    owner_id=owners[k % len(owners)],
                    type=opp_type,
                    name=f"数据平台 Data platform #{k}",
                    account=accounts[rng.randrange(REP_OWNS, len(accounts))],
                    amount=Decimal(rng.randrange(10_000, 5_000_000, 1000)),
                    stage=rng.choice(stages),
                    custom=custom(),
                )
                for k in range(args.deals)
            ],
            batch_size=1000,
        )
    rep = Member(rep_m)
    for k in range(REP_OWNS):  # through the services: each staged deal gets its room
        pipeline.opportunity_create(
            actor=rep,
            type_id=opp_type.pk,
            data={"name": f"续约 Renewal {k}", "account": accounts[k].pk, "amount": "120000"},
        )
    _token, secret = workspaces.api_token_create(user=rep_m.user, name="bench")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a load
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {
        "accounts": args.accounts,
        "contacts": args.contacts,
        "leads": args.leads,
        "deals": args.deals + REP_OWNS,
        "members": len(owners) + 3,
    }
    return World(ws.slug, secret, counts)


# -- counting writes -------------------------------------------------------------------------

COUNTER = "bench_rows_written"


def install_write_counter() -> None:
    """A trigger on every table that adds each row inserted, updated or deleted to one
    counter: whatever a request writes, through whichever code, is counted."""
    from django.db import connection

    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t != COUNTER]
        cursor.execute(f"CREATE TABLE {COUNTER} (n bigint NOT NULL)")
        cursor.execute(f"INSERT INTO {COUNTER} (n) VALUES (0)")
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION bench_count_row() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN UPDATE {COUNTER} SET n = n + 1; RETURN NULL; END $$"
            )
            for table in tables:
                cursor.execute(
                    f"CREATE TRIGGER bench_count AFTER INSERT OR UPDATE OR DELETE ON {qn(table)}"
                    " FOR EACH ROW EXECUTE FUNCTION bench_count_row()"
                )
        else:
            for table in tables:
                for op in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {qn(f'bench_count_{op}_{table}')} AFTER {op} ON "
                        f"{qn(table)} BEGIN UPDATE {COUNTER} SET n = n + 1; END"
                    )


def rows_written() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n FROM {COUNTER}")
        return int(cursor.fetchone()[0])


# -- the load generator ----------------------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection: send a GET, read the whole answer (Content-Length
    or chunked). Raw asyncio streams: the client shares the cores with the server."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, raw: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection") == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class Phase:
    label: str
    seconds: float = 0.0
    samples: list[float] = field(default_factory=list)  # ms
    errors: dict[int, int] = field(default_factory=dict)
    writes: int = 0
    cpu: str = ""

    @property
    def rate(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        s = sorted(self.samples)
        return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")


async def drive(conns: list[HttpConnection], raw: bytes, seconds: float, phase: Phase) -> None:
    """Every connection sends its next request when the last answer arrived, until the end."""
    clock = time.perf_counter
    end = clock() + seconds

    async def loop(conn: HttpConnection) -> None:
        while clock() < end:
            t = clock()
            status = await conn.get(raw)
            phase.samples.append((clock() - t) * 1000)
            if status != 200:
                phase.errors[status] = phase.errors.get(status, 0) + 1

    start = clock()
    await asyncio.gather(*(loop(c) for c in conns))
    phase.seconds = clock() - start


def request_bytes(path: str, port: int, token: str | None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def measure(world: World, server: serving.Server, args) -> list[Phase]:
    await serving.wait_listening(server)
    conns = [HttpConnection(server.port) for _ in range(args.concurrency)]
    chosen = [e for e in ENDPOINTS if args.only in e]
    targets = [("/healthz", None)] + [(f"/api/w/{world.slug}/{e}", world.token) for e in chosen]
    phases = []
    try:
        for path, token in targets:
            raw = request_bytes(path, server.port, token)
            await drive(conns, raw, args.warmup, Phase("warm-up"))
            phase = Phase(path.replace(f"/api/w/{world.slug}/", "GET …/"))
            before = await asyncio.to_thread(rows_written)
            meter = serving.CpuMeter([server])
            await drive(conns, raw, args.seconds, phase)
            phase.cpu, _mine = meter.read()
            phase.writes = await asyncio.to_thread(rows_written) - before
            phases.append(phase)
            print(
                f"  {phase.label}: {phase.rate:,.0f}/s, p50 {phase.pct(50):.1f} ms, "
                f"p99 {phase.pct(99):.1f} ms; {phase.cpu}",
                flush=True,
            )
    finally:
        for c in conns:
            await c.close()
    return phases


# -- report ----------------------------------------------------------------------------------


def report(phases: list[Phase], args) -> None:
    base = phases[0]
    header = ["endpoint", "req/s", "p50", "p99", "max", "× /healthz", "rows written", "targets"]
    rows = []
    for p in phases:
        ratio = p.rate / base.rate if base.rate else float("nan")
        if p is base:
            verdict = "baseline"
        else:
            checks = [
                f"ratio {'ok' if ratio >= RATIO_TARGET else 'UNDER'}",
                f"p99 {'ok' if p.pct(99) <= P99_TARGET_MS else 'OVER'}",
                f"writes {'ok' if p.writes == 0 else 'WRITES'}",
            ]
            verdict = ", ".join(checks)
        if p.errors:
            verdict += " (" + ", ".join(f"{n}× {s}" for s, n in sorted(p.errors.items())) + ")"
        rows.append(
            [
                p.label,
                f"{p.rate:,.0f}",
                f"{p.pct(50):.1f}",
                f"{p.pct(99):.1f}",
                f"{max(p.samples, default=float('nan')):.1f}",
                f"{ratio:.2f}",
                f"{p.writes:,}",
                verdict,
            ]
        )
    widths = [max(common._width(r[k]) for r in [header, *rows]) for k in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = []
        for k, c in enumerate(cells):
            pad = " " * (widths[k] - common._width(c))
            padded.append(c + pad if k in (0, 7) else pad + c)
        return "| " + " | ".join(padded) + " |"

    print(
        f"\n{args.concurrency} keep-alive connections, {args.seconds:g} s per endpoint (ms); "
        f"targets: ≥ {RATIO_TARGET}× the /healthz rate, p99 ≤ {P99_TARGET_MS:.0f} ms, "
        "no rows written"
    )
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    print("(CPU per phase above in % of one core: the server, this process, the machine)")


# -- main ------------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each endpoint")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--deals", type=int, default=3000)
    parser.add_argument("--only", default="", help="only the endpoints whose name holds this")
    parser.add_argument("--redis", default="", help="REDIS_URL for the server (default: none)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    args.reuse = None  # common.configure's option: always a fresh database here

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    os.environ.pop("PYTEST_XDIST_WORKER", None)
    os.environ.pop("REDIS_URL", None)
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
        os.environ["REDIS_PREFIX"] = f"bench{os.getpid()}"
    logs = Path(tempfile.mkdtemp(prefix="dealroom-api-"))
    target = common.configure(args)
    try:
        common.migrate(target)
        from django.db import connections

        t = time.perf_counter()
        world = seed(args)
        install_write_counter()
        connections.close_all()
        print(
            "seeded "
            + ", ".join(f"{n:,} {what}" for what, n in world.counts.items())
            + f" in {time.perf_counter() - t:.1f} s; the rep owns {REP_OWNS} of each"
        )
        port = serving.free_port()
        env = serving.server_env(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_COOKIES": "0",
                "SITE_URL": f"http://127.0.0.1:{port}",
            }
        )  # DEALROOM_DATA_DIR and DATABASE_URL: this process's, set by common.configure
        argv_ = [serving.venv_bin("dealroom"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        server = serving.start_server("dealroom serve", argv_, env, port, logs)
        print(f"load average before measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"this machine: {serving.python_loop_ms():.0f} ms for 5M Python additions")
        try:
            import uvloop

            phases = uvloop.run(measure(world, server, args))
        except ImportError:
            phases = asyncio.run(measure(world, server, args))
        report(phases, args)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        serving.stop_servers(serving.SERVERS)
        common.teardown(target, keep=False)
        shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
