"""The demo workspace: both sales modes, Chinese and English names. Idempotent: every step
looks for what it would create first. Goes through the services, so the demo's activity
feed shows the same events real use produces."""

from __future__ import annotations

from django.db import transaction

from dealroom.core.actors import Member

from . import services
from .models import Membership, Role, Team, Territory, User, Workspace

PASSWORD = "dealroom-demo"

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


@transaction.atomic
def seed(stdout=None) -> Workspace:
    admin_email, admin_name = PEOPLE[0][0], PEOPLE[0][1]
    admin = _user(admin_email, admin_name)
    if not admin.is_staff:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    ws = Workspace.objects.filter(slug="demo").first()
    if ws is None:
        ws = services.workspace_create(owner=admin, name="Dealroom 演示 Demo", slug="demo")
    actor = Member(Membership.objects.get(workspace=ws, user=admin))

    for email, name, role, _team in PEOPLE[1:]:
        if Membership.objects.filter(workspace=ws, user__email=email).exists():
            continue
        invitation, token = services.member_invite(
            actor=actor, email=email, role=role, send_email=False
        )
        if User.objects.filter(email=email).exists():
            services.invitation_accept(token=token, user=User.objects.get(email=email))
        else:
            services.invitation_accept(token=token, full_name=name, password=PASSWORD)

    teams = {t.name: t for t in Team.objects.filter(workspace=ws)}
    for name, parent, manager_email in TEAMS:
        if name in teams:
            continue
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
            services.member_team_set(actor=actor, membership_id=m.pk, team_id=teams[team].pk)

    for name, kind, values, emails in TERRITORIES:
        if Territory.objects.filter(workspace=ws, name=name).exists():
            continue
        ids = list(
            Membership.objects.filter(workspace=ws, user__email__in=emails).values_list(
                "pk", flat=True
            )
        )
        services.territory_create(actor=actor, name=name, kind=kind, values=values, member_ids=ids)

    from dealroom.customers import demo as customers_demo

    customers_demo.seed(ws, actor)

    from dealroom.pipeline import demo as pipeline_demo

    pipeline_demo.seed(ws, actor)

    from dealroom.rooms import demo as rooms_demo

    rooms_demo.seed(ws)

    # A second, small workspace so the switcher has somewhere to go.
    if not Workspace.objects.filter(slug="demo-renewals").exists():
        services.workspace_create(owner=admin, name="续费团队 Renewals Team", slug="demo-renewals")
    return ws
