"""The demo workspace: both sales modes, Chinese and English names. Idempotent: every step
looks for what it would create first. Goes through the services, so the demo's activity
feed shows the same events real use produces, each at the moment it stands for (core.demo)."""

from __future__ import annotations

import itertools

from django.db import transaction
from django.utils import timezone

from dealroom.core.actors import Member
from dealroom.core.demo import Clock, play

from . import services
from .models import Membership, Role, Team, Territory, User, Workspace

PASSWORD = "dealroom-demo"
STARTED_DAYS_AGO = 285  # the workspace was set up some nine months ago

PEOPLE = [
    # email, name, role, team
    ("admin@demo.local", "周敏 Zhou Min", Role.ADMIN, None),
    ("manager@demo.local", "陈静 Chen Jing", Role.MANAGER, "销售部 Sales"),
    ("rep1@demo.local", "Tom Becker", Role.REP, "大客户部 Enterprise B2B"),
    ("rep2@demo.local", "李娜 Li Na", Role.REP, "上海电销一组 Shanghai Dense Sales"),
    ("b2b.lead@demo.local", "Sarah Müller", Role.MANAGER, "大客户部 Enterprise B2B"),
    ("dense.lead@demo.local", "王强 Wang Qiang", Role.MANAGER, "上海电销一组 Shanghai Dense Sales"),
    ("zhang.wei@demo.local", "张伟 Zhang Wei", Role.REP, "上海电销一组 Shanghai Dense Sales"),
    ("liu.yang@demo.local", "刘洋 Liu Yang", Role.REP, "上海电销一组 Shanghai Dense Sales"),
    ("james.ward@demo.local", "James Ward", Role.REP, "大客户部 Enterprise B2B"),
    ("finance@demo.local", "赵丽 Zhao Li", Role.READONLY, None),
]

TEAMS = [
    # name, parent, manager e-mail
    ("销售部 Sales", None, "manager@demo.local"),
    ("大客户部 Enterprise B2B", "销售部 Sales", "b2b.lead@demo.local"),
    ("上海电销一组 Shanghai Dense Sales", "销售部 Sales", "dense.lead@demo.local"),
]

TERRITORIES = [
    (
        "华东 East China",
        "region",
        ["上海", "江苏", "浙江", "Shanghai", "Jiangsu", "Zhejiang"],
        ["rep2@demo.local", "zhang.wei@demo.local", "liu.yang@demo.local"],
    ),
    (
        "制造业 Manufacturing",
        "industry",
        ["制造业", "Manufacturing", "Automotive"],
        ["rep1@demo.local", "james.ward@demo.local"],
    ),
    (
        "平台订阅 Platform subscription",
        "product",
        ["SaaS", "平台订阅"],
        ["rep2@demo.local", "zhang.wei@demo.local"],
    ),
]


def _user(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, PASSWORD, full_name=name)
    return user


def _joined(membership: Membership, user_created: bool) -> None:
    """Joining dates default to the real now (a default bound at import, which the demo clock
    does not reach): they take the moment the demo stands at, as the member.joined event."""
    now = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(joined_at=now)
    if user_created:
        User.objects.filter(pk=membership.user_id).update(date_joined=now)


@transaction.atomic
def seed(stdout=None) -> Workspace:
    """The workspace is set up STARTED_DAYS_AGO; then the customers', the pipeline's and the
    rooms' stories play side by side up to now (core.demo)."""
    with Clock() as clock:
        ws, admin = _setup(clock)
        from dealroom.customers import demo as customers_demo
        from dealroom.pipeline import demo as pipeline_demo
        from dealroom.rooms import demo as rooms_demo

        play(
            clock,
            [
                customers_demo.story(ws, admin, clock),
                pipeline_demo.story(ws, admin, clock),
                *rooms_demo.stories(ws, clock),
            ],
        )
    return ws


def _setup(clock: Clock) -> tuple[Workspace, Member]:
    """People, teams and territories, a minute apart on the first morning."""
    minutes = itertools.count()

    def next_minute() -> None:
        clock.current = clock.ago(STARTED_DAYS_AGO, 9, next(minutes))

    next_minute()
    admin_email, admin_name = PEOPLE[0][0], PEOPLE[0][1]
    new_admin = not User.objects.filter(email=admin_email).exists()
    admin = _user(admin_email, admin_name)
    if not admin.is_staff:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    ws = Workspace.objects.filter(slug="demo").first()
    if ws is None:
        ws = services.workspace_create(owner=admin, name="Dealroom 演示 Demo", slug="demo")
        _joined(Membership.objects.get(workspace=ws, user=admin), new_admin)
    actor = Member(Membership.objects.get(workspace=ws, user=admin))

    for email, name, role, _team in PEOPLE[1:]:
        if Membership.objects.filter(workspace=ws, user__email=email).exists():
            continue
        next_minute()
        invitation, token = services.member_invite(
            actor=actor, email=email, role=role, send_email=False
        )
        next_minute()
        user = User.objects.filter(email=email).first()
        if user is not None:
            membership = services.invitation_accept(token=token, user=user)
        else:
            membership = services.invitation_accept(token=token, full_name=name, password=PASSWORD)
        _joined(membership, user is None)

    teams = {t.name: t for t in Team.objects.filter(workspace=ws)}
    for name, parent, manager_email in TEAMS:
        if name in teams:
            continue
        next_minute()
        manager = Membership.objects.get(workspace=ws, user__email=manager_email)
        teams[name] = services.team_create(
            actor=actor,
            name=name,
            parent_id=teams[parent].pk if parent else None,
            manager_id=manager.pk,
        )
    for email, _name, _role, team in PEOPLE:
        m = Membership.objects.get(workspace=ws, user__email=email)
        if team and m.team_id is None:
            next_minute()
            services.member_team_set(actor=actor, membership_id=m.pk, team_id=teams[team].pk)

    for name, kind, values, emails in TERRITORIES:
        if Territory.objects.filter(workspace=ws, name=name).exists():
            continue
        next_minute()
        ids = list(
            Membership.objects.filter(workspace=ws, user__email__in=emails).values_list(
                "pk", flat=True
            )
        )
        services.territory_create(actor=actor, name=name, kind=kind, values=values, member_ids=ids)

    # A second, small workspace so the switcher has somewhere to go.
    if not Workspace.objects.filter(slug="demo-renewals").exists():
        next_minute()
        renewals = services.workspace_create(
            owner=admin, name="续费团队 Renewals Team", slug="demo-renewals"
        )
        _joined(Membership.objects.get(workspace=renewals, user=admin), False)
    return ws, actor
