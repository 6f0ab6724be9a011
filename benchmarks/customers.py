"""Customers at scale: search and list pages over 200,000 contacts and 50,000 accounts.

The customers issue asks for search p95 < 100 ms (SQLite and PostgreSQL) and list page
p95 < 150 ms. This script seeds a throwaway database, measures the real code paths
(`search.search`, `selectors.record_page`, the list pages through Django's test client) for a
rep (limited visibility) and an admin (sees all), and prints each figure beside its target and
beside a baseline measured in the same run: the raw SQL alone through `connection.cursor()`.
Figures are printed, never asserted.

    .venv/bin/python benchmarks/customers.py                       # SQLite, full size
    .venv/bin/python benchmarks/customers.py --contacts 20000 --accounts 5000
    .venv/bin/python benchmarks/customers.py --postgres            # 127.0.0.1:5432, postgres

With `--postgres` (or DATABASE_URL pointing at PostgreSQL) a database `dealroom_bench_<pid>` is
created on that server and dropped at the end; the database named in DATABASE_URL is never
touched. SQLite runs in a fresh file in a temporary directory. `--keep` keeps either, and
`--reuse <what --keep printed>` measures it again without seeding (migrations still run, so a
new index is built the way a deployment would build it; the database is kept again).
"""

# Random data is not security-sensitive (S311); SQL is assembled from table and column names
# this script owns, values always go as parameters (S608).
# ruff: noqa: S311, S608

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEARCH_TARGET_MS = 100.0
LIST_TARGET_MS = 150.0
MASK = (1 << 64) - 1

# -- data to draw from -----------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
# Common surnames really are much more common: weight by rank (王, 李, 张 lead).
SURNAME_WEIGHTS = [1 / (rank + 4) for rank in range(len(SURNAMES))]
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国红梅鑫宇浩婷雪"
    "琳晨欣怡佳俊峰斌波宁新凯龙飞鹏志海燕玲萍云"
)
FIRST_NAMES = _words(
    "James Mary John Anna Thomas Laura Michael Sophie David Emma Peter Julia Daniel Lena "
    "Mark Sarah Paul Nina Lukas Hannah Oliver Clara Felix Mia Jonas Lea Samuel Grace "
    "Henry Alice"
)
LAST_NAMES = _words(
    "Smith Schmidt Müller Johnson Brown Weber Fischer Taylor Wagner Becker Hoffmann "
    "Williams Jones Miller Davis Wilson Anderson Meyer Schulz Koch Richter Klein Wolf "
    "Schröder Neumann Ward Clarke Evans Walker Wright Baker Hughes Schneider Zimmermann "
    "Braun Krüger Hartmann"
)
CITIES = [
    ("上海", "上海"),
    ("北京", "北京"),
    ("深圳", "广东"),
    ("广州", "广东"),
    ("杭州", "浙江"),
    ("苏州", "江苏"),
    ("南京", "江苏"),
    ("成都", "四川"),
    ("武汉", "湖北"),
    ("西安", "陕西"),
    ("天津", "天津"),
    ("重庆", "重庆"),
    ("青岛", "山东"),
    ("厦门", "福建"),
    ("宁波", "浙江"),
    ("无锡", "江苏"),
    ("长沙", "湖南"),
    ("郑州", "河南"),
    ("合肥", "安徽"),
    ("东莞", "广东"),
]
BRAND_CHARS = "华信达通泰恒宏盛新星光明创远腾飞鼎汇联瑞安永嘉德鑫源博智天中金辰"
CN_TRADES = [
    ("科技", "信息技术"),
    ("电子", "制造业"),
    ("贸易", "批发零售"),
    ("机械", "制造业"),
    ("医药", "医疗"),
    ("食品", "消费品"),
    ("物流", "物流"),
    ("教育", "教育"),
    ("汽车", "汽车"),
    ("建材", "建筑"),
    ("化工", "化工"),
    ("网络", "信息技术"),
    ("信息技术", "信息技术"),
    ("咨询", "专业服务"),
    ("文化传媒", "传媒"),
    ("服装", "消费品"),
    ("能源", "能源"),
    ("环保", "环保"),
    ("生物", "医疗"),
    ("软件", "信息技术"),
]
CN_SUFFIXES = ["有限公司"] * 5 + ["股份有限公司", "有限责任公司", "集团有限公司"]
LATIN_HEADS = _words(
    "North Blue Silver Red Iron Bright Green Oak Stone Clear High Lake Sun Star Gold West "
    "East River Sky Rock"
)
LATIN_TAILS = _words(
    "wind peak line wood bridge water field mont gate view land side stone ford haven "
    "light well brook port crest"
)
LATIN_TRADES = [
    ("Trading", "Wholesale"),
    ("Logistics", "Logistics"),
    ("Systems", "IT"),
    ("Engineering", "Manufacturing"),
    ("Foods", "Consumer goods"),
    ("Pharma", "Healthcare"),
    ("Software", "IT"),
    ("Textiles", "Manufacturing"),
    ("Motors", "Automotive"),
    ("Energy", "Energy"),
    ("Consulting", "Services"),
    ("Media", "Media"),
]
LATIN_SUFFIXES = ["Ltd", "Ltd.", "GmbH", "Co., Ltd.", "Inc.", "AG", "LLC", "plc", "Limited"]
LATIN_REGIONS = ["Hamburg", "Bavaria", "London", "California", "Hong Kong", "Singapore"]
PRODUCTS = ["SaaS", "平台订阅", "硬件", "Services", "咨询服务", "培训"]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
TAGS = ["VIP", "重点", "续费", "renewal", "referral", "展会"]
CN_TITLES = [
    "总经理",
    "销售经理",
    "采购经理",
    "技术总监",
    "财务经理",
    "工程师",
    "行政主管",
    "董事长",
]
LATIN_TITLES = ["CEO", "Sales Manager", "Purchasing Manager", "CTO", "Engineer", "Buyer"]
CN_MAIL = ["qq.com", "163.com", "126.com", "sina.com", "corp.cn", "mail.cn"]
LATIN_MAIL = ["example.com", "mail.de", "corp.co.uk", "example.org", "web.de"]
COMPANY_ROLES = ["decision_maker", "influencer", "technical_evaluator", "procurement", "user"]
HOUSEHOLD_ROLES = ["registrant", "payer", "user", "other"]

# Set in the parent before the worker pool forks, read by the workers.
CTX: dict[str, Any] = {}


def _mix(n: int) -> int:
    """splitmix64: a cheap, stable hash, so any process derives an account's kind and owner."""
    z = (n + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def account_kind(j: int) -> str:
    """'cn' (Chinese company), 'latin' (Latin company) or 'household' for account id j."""
    h = _mix(j * 8 + CTX["seed"]) % 100
    return "cn" if h < 55 else "latin" if h < 80 else "household"


def account_owner(j: int) -> int | None:
    h = _mix(j * 8 + CTX["seed"] + 1)
    if h % 100 < 2:
        return None
    owners = CTX["owners"]
    return owners[(h >> 8) % len(owners)]


def _pinyin(text: str) -> str:
    table = CTX["pinyin"]
    return "".join(table.get(ch, "") for ch in text)


def _when(rng: random.Random) -> datetime:
    return CTX["now"] - timedelta(seconds=rng.randrange(3 * 365 * 86400), microseconds=1)


def _db_datetime(value: datetime | None):
    if value is None:
        return None
    if CTX["vendor"] == "sqlite":  # what Django's SQLite backend stores: naive UTC text
        return str(value.astimezone(UTC).replace(tzinfo=None))
    return value


def _row(obj, fields) -> tuple:
    out = []
    for f in fields:
        value = getattr(obj, f.attname)
        if f.get_internal_type() == "JSONField":
            value = json.dumps(value)
        elif f.get_internal_type() == "DateTimeField":
            value = _db_datetime(value)
        out.append(value)
    return tuple(out)


def _cn_person(rng: random.Random) -> tuple[str, str]:
    surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.4 else 2))
    return surname, given


def _phone(rng: random.Random, chinese: bool) -> str:
    if chinese or rng.random() < 0.3:
        return f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    country = rng.choice(["49", "1", "44", "852"])
    digits = {"49": 11, "1": 10, "44": 10, "852": 8}[country]
    return f"+{country}{rng.randrange(1, 10)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"


def build_accounts(start: int, stop: int) -> tuple[list, list, list]:
    """Account rows with ids start..stop-1, and their search tokens (from term_rows)."""
    from dealroom.customers.models import Account
    from dealroom.customers.search import term_rows

    fields = CTX["fields"]["account"]
    rng = random.Random(CTX["seed"] * 1_000_003 + start)
    rows: list[tuple] = []
    terms: list[tuple] = []
    for j in range(start, stop):
        kind = account_kind(j)
        extra: dict[str, Any] = {}
        if kind == "cn":
            city, province = rng.choice(CITIES)
            trade, industry = rng.choice(CN_TRADES)
            brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
            name = f"{city}{brand}{trade}{rng.choice(CN_SUFFIXES)}"
            extra = {"region": province, "industry": industry}
        elif kind == "latin":
            trade, industry = rng.choice(LATIN_TRADES)
            brand = rng.choice(LATIN_HEADS) + rng.choice(LATIN_TAILS)
            name = f"{brand} {trade} {rng.choice(LATIN_SUFFIXES)}"
            extra = {"region": rng.choice(LATIN_REGIONS), "industry": industry}
        elif rng.random() < 0.7:
            surname, given = _cn_person(rng)
            name = f"{surname}{given}家庭"
            extra = {"region": rng.choice(CITIES)[1]}
        else:
            name = f"{rng.choice(LAST_NAMES)} Family"
            extra = {"region": rng.choice(LATIN_REGIONS)}
        company = kind != "household"
        parent = None
        if company and j > 60 and rng.random() < 0.05:
            candidate = j - 1 - rng.randrange(50)
            parent = candidate if account_kind(candidate) != "household" else None
        created = _when(rng)
        account = Account(
            id=j,
            workspace_id=CTX["workspace_id"],
            owner_id=account_owner(j),
            kind="company" if company else "household",
            name=name,
            legal_name=name if company and rng.random() < 0.3 else "",
            product=rng.choice(PRODUCTS) if rng.random() < 0.5 else "",
            size=rng.choice(SIZES) if company else "",
            website=f"https://www.{_pinyin(name[:4]) or 'x'}{j}.com" if company else "",
            tags=rng.sample(TAGS, rng.randrange(3)),
            parent_id=parent,
            created_at=created,
            updated_at=created + timedelta(seconds=rng.randrange(86400 * 30)),
            archived_at=created if rng.random() < 0.02 else None,
            **extra,
        )
        rows.append(_row(account, fields))
        terms.extend(
            (t.workspace_id, t.object_type, t.object_id, t.field, t.token)
            for t in term_rows(account)
        )
    return rows, [], terms


def build_contacts(start: int, stop: int) -> tuple[list, list, list]:
    """Contact rows with ids start..stop-1, their account links and their search tokens."""
    from dealroom.customers.models import Contact
    from dealroom.customers.search import term_rows

    fields = CTX["fields"]["contact"]
    n_accounts = CTX["accounts"]
    owners = CTX["owners"]
    rng = random.Random(CTX["seed"] * 2_000_003 + start)
    rows: list[tuple] = []
    links: list[tuple] = []
    terms: list[tuple] = []
    for i in range(start, stop):
        chinese = rng.random() < 0.7
        extra: dict[str, Any] = {}
        if chinese:
            family, given = _cn_person(rng)
            full = family + given
            py_family, py_given = _pinyin(family), _pinyin(given)
            n_mail = rng.choices([0, 1, 2], [10, 80, 10])[0]
            emails = [
                f"{py_family}.{py_given}{rng.randrange(100) if k else ''}@{rng.choice(CN_MAIL)}"
                for k in range(n_mail)
            ]
            if rng.random() < 0.6:
                extra["wechat_id"] = (
                    f"{py_given}{py_family}_{rng.randrange(10000)}"
                    if rng.random() < 0.5
                    else "wxid_" + "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=10))
                )
            if rng.random() < 0.2:
                extra["qq"] = str(rng.randrange(10**5, 10**10))
            title = rng.choice(CN_TITLES)
        else:
            given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            full = f"{given} {family}"
            n_mail = rng.choices([0, 1, 2], [10, 80, 10])[0]
            emails = [
                f"{given.lower()}.{family.lower()}{k or ''}@{rng.choice(LATIN_MAIL)}"
                for k in range(n_mail)
            ]
            title = rng.choice(LATIN_TITLES)
        phones = [_phone(rng, chinese) for _ in range(rng.choices([0, 1, 2], [5, 80, 15])[0])]
        if not chinese and phones and rng.random() < 0.3:
            extra["whatsapp"] = phones[0]
        account = ((i - 1) % n_accounts) + 1 if rng.random() < 0.9 else None
        if account is not None and rng.random() < 0.85:
            owner = account_owner(account)
        else:
            owner = None if rng.random() < 0.02 else rng.choice(owners)
        created = _when(rng)
        contact = Contact(
            id=i,
            workspace_id=CTX["workspace_id"],
            owner_id=owner,
            full_name=full,
            family_name=family,
            given_name=given,
            title=title,
            phones=phones,
            emails=[e.lower() for e in emails],
            notes="老客户介绍" if rng.random() < 0.05 else "",
            created_at=created,
            updated_at=created + timedelta(seconds=rng.randrange(86400 * 30)),
            archived_at=created if rng.random() < 0.02 else None,
            **extra,
        )
        rows.append(_row(contact, fields))
        if account is not None:
            for acct in {account, ((account - 1 + n_accounts // 2) % n_accounts) + 1}:
                if acct != account and rng.random() >= 0.08:
                    continue  # a second account for 8% of the linked contacts
                roles = HOUSEHOLD_ROLES if account_kind(acct) == "household" else COMPANY_ROLES
                links.append(
                    (
                        CTX["workspace_id"],
                        acct,
                        i,
                        rng.choice(roles),
                        _db_datetime(created),
                        account_owner(acct),
                    )
                )
        terms.extend(
            (t.workspace_id, t.object_type, t.object_id, t.field, t.token)
            for t in term_rows(contact)
        )
    return rows, links, terms


def build_chunk(task: tuple[str, int, int]) -> tuple[list, list, list]:
    kind, start, stop = task
    return (build_accounts if kind == "account" else build_contacts)(start, stop)


# -- the throwaway database ------------------------------------------------------------------


@dataclass
class Target:
    vendor: str  # "sqlite" | "postgresql"
    tmp: Path
    pg_server: dict[str, Any] = field(default_factory=dict)
    pg_name: str = ""


def _pg_admin(server: dict[str, Any]):
    import psycopg

    return psycopg.connect(dbname="postgres", autocommit=True, **server)


def configure(args) -> Target:
    """Point Django at a fresh database (or the kept one to reuse) before django.setup()."""
    reuse = args.reuse or ""
    tmp = Path(reuse) if reuse and Path(reuse).is_dir() else None
    tmp = tmp or Path(tempfile.mkdtemp(prefix="dealroom-bench-"))
    os.environ["DEALROOM_DATA_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    url = os.environ.get("DATABASE_URL", "")
    from_env = urlparse(url).scheme in {"postgres", "postgresql", "pgsql"}
    if not (args.postgres or from_env) and not reuse.startswith("dealroom_bench_"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        return Target("sqlite", tmp)
    parsed = urlparse(url) if from_env else urlparse("postgres://postgres@127.0.0.1:5432/x")
    server: dict[str, Any] = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
    }
    if parsed.password:
        server["password"] = parsed.password
    name = reuse or f"dealroom_bench_{os.getpid()}"
    if not reuse:
        with _pg_admin(server) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    auth = quote(server["user"]) + (f":{quote(parsed.password)}" if parsed.password else "")
    os.environ["DATABASE_URL"] = f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    return Target("postgresql", tmp, server, name)


def teardown(target: Target, keep: bool) -> None:
    from django.db import connections

    connections.close_all()
    if keep:
        where = target.pg_name if target.vendor == "postgresql" else target.tmp
        print(f"\nkept the database: {where}")
    elif target.vendor == "postgresql":
        with _pg_admin(target.pg_server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.pg_name}" WITH (FORCE)')
    if not (keep and target.vendor == "sqlite"):
        shutil.rmtree(target.tmp, ignore_errors=True)


# -- seeding ---------------------------------------------------------------------------------


@dataclass
class World:
    workspace: Any
    admin: Any  # Membership
    manager: Any
    rep: Any  # the measured rep: in the manager's team
    owners: list[int]
    counts: dict[str, int] = field(default_factory=dict)


def _insert(table: str, columns: list[str], rows: list) -> None:
    """The bulk path DESIGN.md measured: executemany on SQLite, COPY on PostgreSQL."""
    from django.db import connection

    if not rows:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)


def _drop_indexes(models: list) -> list[str]:
    """Drop the tables' non-unique indexes; return the statements that build them again."""
    from django.db import connection

    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " JOIN pg_class c ON c.relname = i.indexname"
                " JOIN pg_index x ON x.indexrelid = c.oid"
                " WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
                [tables],
            )
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks})",
                tables,
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def seed_members() -> World:
    from dealroom.customers.models import CustomerSettings, FieldAccess, FieldPermission
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
    # One field rule, so the rep's search also takes the "hidden fields" path.
    FieldPermission.objects.create(
        workspace=ws, object_type="contact", field="qq", role=Role.REP, access=FieldAccess.HIDDEN
    )
    owners = [m.pk for m in [manager, manager_w, *reps_in, *reps_out]]
    return World(ws, admin, manager, reps_in[0], owners)


def reused_world() -> World:
    """The members seed_members() made in a kept database, and its record counts."""
    from dealroom.customers.models import Account, AccountContact, Contact, SearchTerm
    from dealroom.workspaces.models import Membership, Workspace

    ws = Workspace.objects.get(slug__startswith="bench-")
    members = Membership.objects.filter(workspace=ws).select_related("user")
    by_email = {m.user.email: m for m in members}
    owners = [
        m.pk
        for m in sorted(members, key=lambda m: m.pk)
        if m.user.email.startswith(("manager.", "east", "west"))
    ]
    world = World(
        ws,
        by_email["admin@bench.local"],
        by_email["manager.east@bench.local"],
        by_email["east0@bench.local"],
        owners,
    )
    world.counts = {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "account-contact links": AccountContact.objects.count(),
        "search tokens": SearchTerm.objects.count(),
    }
    return world


def _chunks(kind: str, n: int, size: int) -> list[tuple[str, int, int]]:
    return [(kind, s, min(s + size, n + 1)) for s in range(1, n + 1, size)]


def seed_records(world: World, args, vendor: str) -> dict[str, float]:
    from django.core.management.color import no_style
    from django.db import connection, connections, transaction

    from dealroom.customers.models import Account, AccountContact, Contact, SearchTerm

    timings: dict[str, float] = {}
    CTX.update(
        seed=args.seed,
        owners=world.owners,
        workspace_id=world.workspace.pk,
        accounts=args.accounts,
        vendor=vendor,
        now=datetime.now(UTC),
        fields={
            "account": list(Account._meta.concrete_fields),
            "contact": list(Contact._meta.concrete_fields),
        },
        pinyin=_pinyin_table(),
    )
    columns = {
        "account": [f.column for f in CTX["fields"]["account"]],
        "contact": [f.column for f in CTX["fields"]["contact"]],
    }
    link_cols = [
        "workspace_id",
        "account_id",
        "contact_id",
        "role",
        "created_at",
        "account_owner_id",
    ]
    term_cols = ["workspace_id", "object_type", "object_id", "field", "token"]

    # Indexes are cheaper to build once after the load than to keep up row by row: every
    # non-unique index of these tables, whether the model or a migration's SQL made it.
    dropped = _drop_indexes([Account, Contact, SearchTerm])
    connections.close_all()  # nothing open across the fork

    workers = max(1, args.workers)
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None

    def produce(tasks: list[tuple[str, int, int]]) -> Iterator[tuple[list, list, list]]:
        if pool is None:
            return map(build_chunk, tasks)
        return pool.imap(build_chunk, tasks)

    n_terms = n_links = 0
    try:
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-400000")
            else:
                cursor.execute("SET synchronous_commit = off")
        with transaction.atomic():
            for kind, n in (("account", args.accounts), ("contact", args.contacts)):
                t = time.perf_counter()
                table = Account._meta.db_table if kind == "account" else Contact._meta.db_table
                for rows, links, terms in produce(_chunks(kind, n, args.chunk)):
                    _insert(table, columns[kind], rows)
                    _insert(AccountContact._meta.db_table, link_cols, links)
                    _insert(SearchTerm._meta.db_table, term_cols, terms)
                    n_links += len(links)
                    n_terms += len(terms)
                timings[f"{kind}s + links + tokens"] = time.perf_counter() - t
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    t = time.perf_counter()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
    with connection.cursor() as cursor:
        for sql in dropped:
            cursor.execute(sql)
    timings["indexes"] = time.perf_counter() - t

    t = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), [Account, Contact]):
                cursor.execute(sql)
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does shortly after a load
            timings["vacuum analyze"] = time.perf_counter() - t
        elif args.sqlite_analyze:
            cursor.execute("ANALYZE")
            timings["analyze"] = time.perf_counter() - t
        if vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connections.close_all()  # measure on connections with the app's own settings
    world.counts = {
        "accounts": args.accounts,
        "contacts": args.contacts,
        "account-contact links": n_links,
        "search tokens": n_terms,
    }
    return timings


def _pinyin_table() -> dict[str, str]:
    from pypinyin import lazy_pinyin

    chars = set(SURNAMES + GIVEN + BRAND_CHARS + "".join(c for c, _ in CITIES))
    return {ch: lazy_pinyin(ch)[0] for ch in chars}


def seed_collaborators(world: World) -> None:
    """The rep follows or may view some records owned outside their team."""
    from dealroom.customers.models import Account, Collaborator, Contact

    others = [pk for pk in world.owners if pk != world.rep.pk]
    rows = []
    for object_type, model in (("account", Account), ("contact", Contact)):
        ids = model.objects.filter(owner_id__in=others).order_by("pk").values_list("pk", flat=True)
        for k, pk in enumerate(ids[:400:10]):
            level = "view" if k % 2 else "follow"
            rows.append(
                Collaborator(
                    workspace=world.workspace,
                    object_type=object_type,
                    object_id=pk,
                    member=world.rep,
                    level=level,
                )
            )
    Collaborator.objects.bulk_create(rows)


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    actor: str
    samples: list[float]  # ms
    target: float | None = None
    baseline: Figure | None = None
    note: str = ""

    def pct(self, p: float) -> float:
        s = sorted(self.samples)
        return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")


def measure(run: Callable[[], object], iterations: int, budget: float, warmup: int = 5):
    for _ in range(warmup):
        run()
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < iterations and (len(samples) < 20 or time.perf_counter() < deadline):
        t = time.perf_counter_ns()
        run()
        samples.append((time.perf_counter_ns() - t) / 1e6)
    return samples


def fresh(actor) -> None:
    """Forget what an actor memoises, as a new request would start."""
    actor.memo.clear()


@dataclass
class Query:
    kind: str
    text: str


def pick_queries(world: World) -> list[Query]:
    """Queries drawn from records the rep owns, so both actors get hits."""
    from pypinyin import Style, lazy_pinyin

    from dealroom.customers import search
    from dealroom.customers.models import Account, Contact

    contacts = list(
        Contact.objects.filter(owner=world.rep, archived_at__isnull=True).order_by("pk")[:3000]
    )
    cjk = next(c for c in contacts if len(c.full_name) == 2 and c.full_name[0] >= "\u4e00")
    latin = next(c for c in contacts if c.full_name.isascii())
    mailed = next(c for c in contacts if c.emails)
    phoned = next(c for c in contacts if c.phones)
    accounts = Account.objects.filter(owner=world.rep, kind="company", archived_at__isnull=True)
    company = next(a for a in accounts.order_by("pk")[:3000] if "有限公司" in a.name)
    return [
        Query("cn surname+given", cjk.full_name),
        Query("cn single char", cjk.full_name[-1]),
        Query("full pinyin", "".join(lazy_pinyin(cjk.full_name))),
        Query("initials", "".join(lazy_pinyin(cjk.full_name, style=Style.FIRST_LETTER))),
        Query("latin prefix", latin.family_name[:4]),
        Query("e-mail prefix", mailed.emails[0].split("@")[0][:7]),
        Query("phone last 4", phoned.phones[0][-4:]),
        Query("company w/o suffix", search.strip_legal_suffix(company.name)),
        Query("company full", company.name),
    ]


def _search_sql(vendor: str, object_type: str, terms: list[list[str]]) -> tuple[str, list]:
    """The baseline: the token-prefix SELECT joined (IN) to the record table, LIMIT 8."""
    from dealroom.customers.lookups import HIGHEST
    from dealroom.customers.search import MODELS

    table = MODELS[object_type]._meta.db_table
    order = {"account": "name", "contact": "full_name", "lead": "id DESC"}[object_type]
    where: list[str] = []
    params: list = ["WS"]  # "WS" stands for the workspace id, filled in by raw()
    for alternatives in terms:
        ors = []
        params += ["WS", object_type]
        for prefix in alternatives:
            if vendor == "postgresql":
                ors.append("token LIKE %s")
                escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params.append(escaped + "%")
            else:
                ors.append("(token >= %s AND token < %s)")
                params += [prefix, prefix + HIGHEST]
        where.append(
            "r.id IN (SELECT object_id FROM customers_searchterm WHERE workspace_id = %s"
            f" AND object_type = %s AND ({' OR '.join(ors)}))"
        )
    sql = (
        f"SELECT r.* FROM {table} r WHERE r.workspace_id = %s AND r.archived_at IS NULL AND "
        + " AND ".join(where)
        + f" ORDER BY r.{order} LIMIT 8"
    )
    return sql, params


def raw(sql_params: list[tuple[str, list]], workspace_id: int) -> Callable[[], None]:
    from django.db import connection

    ready = [
        (sql, [workspace_id if p == "WS" else p for p in params]) for sql, params in sql_params
    ]

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in ready:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


LIST_VARIANTS = [
    # label, object type, query string parameters, baseline WHERE extra + ORDER BY
    ("accounts, by name", "account", {}, ("", [], "name")),
    (
        "accounts, kind=company, by -updated",
        "account",
        {"f.kind": "company", "sort": "-updated_at"},
        (" AND kind = %s", ["company"], "updated_at DESC"),
    ),
    ("contacts, by name", "contact", {}, ("", [], "full_name")),
    (
        "contacts, title~经理, by -updated",
        "contact",
        {"f.title": "经理", "sort": "-updated_at"},
        (" AND title LIKE %s", ["%经理%"], "updated_at DESC"),
    ),
]


def _list_sql(object_type: str, extra: tuple[str, list, str]) -> list[tuple[str, list]]:
    from dealroom.customers.search import MODELS

    table = MODELS[object_type]._meta.db_table
    cond, params, order = extra
    where = f"workspace_id = %s AND archived_at IS NULL{cond}"
    return [
        (f"SELECT * FROM {table} WHERE {where} ORDER BY {order} LIMIT 25", ["WS", *params]),
        (f"SELECT COUNT(*) FROM {table} WHERE {where}", ["WS", *params]),
    ]


def slowest_statements(run: Callable[[], object], vendor: str, top: int = 3) -> list[str]:
    """Run once, time each SQL statement, EXPLAIN the slowest (the --explain option)."""
    from django.db import connection

    seen: list[tuple[float, str, tuple]] = []

    def timer(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - t) * 1000, sql, tuple(params or ())))

    with connection.execute_wrapper(timer):
        run()
    lines = [f"      {len(seen)} statements, {sum(s[0] for s in seen):.1f} ms in the database"]
    for ms, sql, params in sorted(seen, key=lambda s: -s[0])[:top]:
        lines.append(f"      {ms:7.1f} ms  {sql[:600]}")
        lines.append(f"               params {params[:12]}")
    if seen:
        _ms, sql, params = max(seen, key=lambda s: s[0])
        prefix = "EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            plan = cursor.fetchall()
        lines.append("      plan of the slowest:")
        for row in plan:
            lines.append("        " + (str(row[-1]) if vendor == "sqlite" else str(row[0])))
    return lines


def run_benchmarks(world: World, args, vendor: str) -> list[Figure]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from dealroom.core.actors import Member
    from dealroom.customers import search, selectors
    from dealroom.workspaces.models import Membership

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    it, budget = args.iterations, args.budget
    slug = world.workspace.slug
    actors = {
        "rep": Member(Membership.objects.select_related("user", "workspace").get(pk=world.rep.pk)),
        "admin": Member(
            Membership.objects.select_related("user", "workspace").get(pk=world.admin.pk)
        ),
    }
    figures: list[Figure] = []
    explain: list[str] = []

    def note_if_slow(fig: Figure, run: Callable[[], object]) -> None:
        if args.explain and fig.target is not None and fig.pct(95) > fig.target:
            explain.append(f"  {fig.label} [{fig.actor}] p95 {fig.pct(95):.1f} ms:")
            explain.extend(slowest_statements(run, vendor))

    # -- search --
    queries = [q for q in pick_queries(world) if not args.only or args.only in q.kind]
    print("\nsearch queries (drawn from the rep's records):")
    for q in queries:
        terms = search.query_terms(q.text)
        hits = search.search(actor=actors["admin"], query=q.text)
        counts = ", ".join(f"{k} {len(v)}" for k, v in hits.items())
        print(f"  {q.kind:<20} {q.text!r:<28} terms {terms}  admin sees: {counts}")
    pooled: dict[str, list[float]] = {name: [] for name in actors}
    pooled_base: list[float] = []
    for q in queries:
        terms = search.query_terms(q.text)
        base_sql = [_search_sql(vendor, t, terms) for t in search.MODELS]
        base = Figure(
            f"search {q.kind}", "raw SQL", measure(raw(base_sql, world.workspace.pk), it, budget)
        )
        pooled_base += base.samples
        for name, actor in actors.items():

            def run(actor=actor, text=q.text) -> None:
                fresh(actor)
                search.search(actor=actor, query=text)

            fig = Figure(f"search {q.kind}", name, measure(run, it, budget), SEARCH_TARGET_MS, base)
            figures.append(fig)
            pooled[name] += fig.samples
            note_if_slow(fig, run)
        print(f"  measured search {q.kind}", flush=True)
    base_all = Figure("search, all queries", "raw SQL", pooled_base)
    for name in actors if queries else ():
        figures.append(
            Figure("search, all queries", name, pooled[name], SEARCH_TARGET_MS, base_all)
        )

    # -- lists --
    urls: dict[str, str | None] = {}
    for object_type in ("account", "contact"):
        try:
            urls[object_type] = reverse(f"{object_type}_list", args=[slug])
        except NoReverseMatch:
            urls[object_type] = None
    clients = {}
    for name, actor in actors.items():
        client = Client()
        client.force_login(actor.user)
        clients[name] = client

    for label, object_type, params, extra in LIST_VARIANTS:
        if args.only and args.only not in label:
            continue
        base = Figure(
            f"list {label}",
            "raw SQL",
            measure(raw(_list_sql(object_type, extra), world.workspace.pk), it, budget),
        )
        for name, actor in actors.items():

            def run_selector(actor=actor, object_type=object_type, params=params) -> None:
                fresh(actor)
                query = selectors.ListQuery.parse(actor, object_type, params)
                selectors.record_page(actor=actor, query=query)

            fig = Figure(
                f"selector {label}",
                name,
                measure(run_selector, it, budget),
                LIST_TARGET_MS,
                base,
                "record_page",
            )
            figures.append(fig)
            note_if_slow(fig, run_selector)
            url = urls[object_type]
            if url is None:
                figures.append(Figure(f"page {label}", name, [], None, None, "no URL yet"))
                continue
            client = clients[name]
            problem = ""
            try:
                response = client.get(url, params)
                if response.status_code != 200:
                    problem = f"HTTP {response.status_code}"
            except Exception as e:  # a page under construction may still fail
                problem = f"{type(e).__name__}: {e}"[:80]
            if problem:
                figures.append(Figure(f"page {label}", name, [], None, None, problem))
                continue

            def run_page(client=client, url=url, params=params) -> None:
                client.get(url, params)

            fig = Figure(
                f"page {label}", name, measure(run_page, it, budget), LIST_TARGET_MS, base, url
            )
            figures.append(fig)
            note_if_slow(fig, run_page)
        print(f"  measured list {label}", flush=True)
    connection.close()
    if explain:
        print("\nslowest statements of the figures over target (--explain):")
        print("\n".join(explain))
    return figures


# -- report ----------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def report(figures: list[Figure]) -> None:
    header = ["measurement", "actor", "n", "p50", "p95", "max", "target", "raw p95", "×raw", ""]
    rows = []
    for f in figures:
        if not f.samples:
            rows.append([f.label, f.actor, "0", "", "", "", "", "", "", f.note])
            continue
        base = f.baseline.pct(95) if f.baseline and f.baseline.samples else None
        over = f.target is not None and f.pct(95) > f.target
        rows.append(
            [
                f.label,
                f.actor,
                str(len(f.samples)),
                f"{f.pct(50):.1f}",
                f"{f.pct(95):.1f}",
                f"{max(f.samples):.1f}",
                f"{f.target:.0f}" if f.target is not None else "",
                f"{base:.2f}" if base else "",
                f"{f.pct(95) / base:.1f}×" if base else "",
                "OVER" if over else "ok" if f.target is not None else "",
            ]
        )
    widths = [max(_width(r[k]) for r in [header, *rows]) for k in range(len(header))]
    right = {2, 3, 4, 5, 6, 7, 8}

    def line(cells: list[str]) -> str:
        padded = []
        for k, c in enumerate(cells):
            pad = " " * (widths[k] - _width(c))
            padded.append(pad + c if k in right else c + pad)
        return "| " + " | ".join(padded) + " |"

    print("\n(all times in ms; raw = the SQL alone through connection.cursor(), same run)")
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def migrate(target) -> None:
    """Django set up on the throwaway database and migrated; prints the database and how
    long migrating took (every benchmark starts so)."""
    import django

    django.setup()
    from django.core.management import call_command

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"{describe_db(target.vendor)}; migrated in {time.perf_counter() - t:.1f} s")


def describe_db(vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--iterations", type=int, default=200, help="timed runs per figure")
    parser.add_argument(
        "--budget",
        type=float,
        default=10.0,
        help="stop a figure after this many seconds (it still gets ≥ 20 runs)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes building rows and tokens",
    )
    parser.add_argument("--chunk", type=int, default=2000, help="records per insert batch")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sqlite-analyze", action="store_true", help="run ANALYZE on SQLite after seeding"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN the slowest SQL of figures over target"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--only", default="", help="only the searches and lists whose label contains this"
    )
    parser.add_argument(
        "--reuse",
        metavar="DB",
        help="measure a database kept by --keep (its directory, or dealroom_bench_<pid>)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)

    target = configure(args)
    try:
        migrate(target)

        t = time.perf_counter()
        if args.reuse:
            world = reused_world()
            print("reused " + ", ".join(f"{n:,} {what}" for what, n in world.counts.items()))
        else:
            world = seed_members()
            timings = seed_records(world, args, target.vendor)
            seed_collaborators(world)
            total = time.perf_counter() - t
            print(
                "seeded "
                + ", ".join(f"{n:,} {what}" for what, n in world.counts.items())
                + f" in {total:.1f} s ("
                + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                + f"; {args.workers} tokenising workers)"
            )
        figures = run_benchmarks(world, args, target.vendor)
        report(figures)
    finally:
        teardown(target, args.keep or bool(args.reuse))


if __name__ == "__main__":
    main()
