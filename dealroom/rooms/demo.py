"""Demo rooms: the flagship B2B deal's room with a mutual action plan, a customer-side
discussion, an internal note and two guests; a household's EV purchase room with the buyer.
Played through the services, as the people involved, then dated back so the room reads like
a few weeks of work. Demo rooms skip the e-mail code (a workspace setting), so the printed
guest link opens the room directly."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.core.actors import Guest, Member
from dealroom.customers.models import Contact
from dealroom.pipeline.models import Opportunity, OpportunityType, Stage
from dealroom.workspaces.models import Membership, Workspace

from . import services
from .models import (
    Comment,
    Milestone,
    Room,
    RoomInvitation,
    RoomMember,
    RoomSettings,
    RoomTemplate,
    Task,
)

FLAGSHIP = "集团数字化销售平台 Group digital sales platform"
HOUSEHOLD = "新能源汽车 EV purchase"


def _member(ws: Workspace, email: str) -> Member:
    return Member(Membership.objects.select_related("user", "workspace").get(
        workspace=ws, user__email=email
    ))  # fmt: skip


def _room(ws: Workspace, deal_name: str) -> Room | None:
    deal = Opportunity.objects.filter(workspace=ws, name=deal_name).first()
    return Room.objects.filter(opportunity=deal).first() if deal else None


def _guest(ws: Workspace, room: Room, contact: Contact) -> Guest:
    return Guest(workspace=ws, contact_id=contact.pk, room_ids=frozenset([room.pk]))


def _ago(days: float, hour: int = 10) -> datetime.datetime:
    moment = timezone.now() - datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=(int(days * 37) % 60), second=0, microsecond=0)


def _date_back(room: Room, since_id: int, when: datetime.datetime) -> None:
    """Everything the last step wrote happened at `when`."""
    ActivityEvent.objects.filter(
        pk__gt=since_id, target_type="rooms.room", target_id=room.pk
    ).update(created_at=when)
    Comment.objects.filter(room=room, created_at__gt=when).update(created_at=when)


def _last_event_id() -> int:
    return ActivityEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# Room templates: a household's purchase plan for every new consumer deal's room, and a
# proposal review for B2B deals entering "Proposal". Seeded after the demo deals (pipeline demo
# first), so the seeded rooms stay as they are; deals created from then on get them.
TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "家庭购车 Household purchase",
        "type": "Consumer new purchase",
        "stage": None,
        "plan": {
            "milestones": [
                {"title": "试驾 Test drive", "internal": False, "tasks": [
                    {"title": "预约试驾 Book the test drive", "due_in_days": 2},
                    {"title": "试驾后回访 Call back after the drive", "due_in_days": 4},
                ]},
                {"title": "报价 Quote", "internal": False, "tasks": [
                    {"title": "确认配置与颜色 Choose trim and colour", "due_in_days": 6},
                    {"title": "发送报价单 Send the quote", "due_in_days": 7},
                    {"title": "申请门店优惠 Ask for the showroom discount", "due_in_days": 6,
                     "internal": True},
                ]},
                {"title": "交付 Delivery", "internal": False, "tasks": [
                    {"title": "签署购车协议 Sign the purchase agreement", "due_in_days": 14},
                    {"title": "预约交车 Book the handover", "due_in_days": 21},
                ]},
            ],
            "resources": [
                {"title": "购车指南 Buyer's guide", "url": "https://example.com/ev-buyers-guide"},
            ],
        },
    },
    {
        "name": "方案评审 Proposal review",
        "type": "B2B project sale",
        "stage": "Proposal",
        "plan": {
            "milestones": [
                {"title": "方案评审 Proposal review", "internal": False, "tasks": [
                    {"title": "发送方案与报价 Send the proposal and quote", "due_in_days": 1},
                    {"title": "向决策人逐项讲解 Walk the decision maker through it",
                     "due_in_days": 5},
                    {"title": "收集书面反馈 Collect written feedback", "due_in_days": 10},
                    {"title": "内部定价审批 Internal pricing approval", "due_in_days": 2,
                     "internal": True},
                ]},
            ],
            "resources": [
                {"title": "报价计算器 Pricing calculator", "url": "https://example.com/pricing",
                 "internal": True},
            ],
        },
    },
]  # fmt: skip


def _seed_templates(ws: Workspace) -> None:
    admin = _member(ws, "admin@demo.local")
    for spec in TEMPLATES:
        if RoomTemplate.objects.filter(workspace=ws, name=spec["name"]).exists():
            continue
        opp_type = OpportunityType.objects.filter(workspace=ws, name=spec["type"]).first()
        if opp_type is None:
            continue
        stage = None
        if spec["stage"]:
            stage = Stage.objects.filter(type=opp_type, name=spec["stage"]).first()
            if stage is None:
                continue
        services.room_template_create(
            actor=admin,
            name=spec["name"],
            opportunity_type_id=opp_type.pk,
            stage_id=stage.pk if stage else None,
            plan=spec["plan"],
        )


@transaction.atomic
def seed(ws: Workspace) -> None:
    RoomSettings.objects.update_or_create(workspace=ws, defaults={"require_email_code": False})
    _seed_templates(ws)
    room = _room(ws, FLAGSHIP)
    if room is None or Milestone.objects.filter(room=room).exists():
        return
    tom = _member(ws, "rep1@demo.local")
    sarah = _member(ws, "b2b.lead@demo.local")
    li_hua = Contact.objects.get(workspace=ws, full_name="李华")
    wang = Contact.objects.get(workspace=ws, full_name="王建国")

    def step(days: float, hour: int, action):
        before = _last_event_id()
        result = action()
        _date_back(room, before, _ago(days, hour))
        return result

    step(20, 9, lambda: services.room_settings_update(
        actor=tom, room_id=room.pk, shared_fields=["close_date", "next_step"],
        welcome="欢迎来到我们的共享空间！所有下一步、文档和问题都在这里。\n"
        "Welcome: every next step, document and question lives here.",
    ))  # fmt: skip
    for contact in (li_hua, wang):
        step(20, 10, lambda c=contact: services.room_guest_invite(
            actor=tom, room_id=room.pk, contact_id=c.pk, language="zh-hans", send_email=False
        ))  # fmt: skip
    li = _guest(ws, room, li_hua)
    wg = _guest(ws, room, wang)
    row = {m.contact_id or m.membership_id: m for m in RoomMember.objects.filter(room=room)}
    tom_row = services.common.me(tom, room)
    li_row, wang_row = row[li_hua.pk], row[wang.pk]

    plan = [
        ("技术评估 Technical evaluation", False, [
            ("架构评审会 Architecture review", "meeting", -12, "done", [li_row, tom_row]),
            ("提供 SSO 集成说明 SSO integration notes", "task", -9, "done", [tom_row]),
            ("安全问卷 Security questionnaire", "task", -2, "blocked", [li_row]),
        ]),
        ("商务谈判 Commercial terms", False, [
            ("最终报价 Final quote", "task", 3, "open", [tom_row, wang_row]),
            ("付款条件确认 Agree payment terms", "task", 6, "open", [wang_row]),
        ]),
        ("签约 Signing", False, [
            ("合同法务审核 Legal review of the contract", "task", 14, "open", [wang_row]),
            ("签约仪式 Signing ceremony", "meeting", 30, "open", [li_row, tom_row]),
        ]),
        ("内部：折扣审批 Internal: discount approval", True, [
            ("申请 5% 额外折扣 Request 5% extra discount", "task", 2, "open", [tom_row]),
        ]),
    ]  # fmt: skip
    tasks: dict[str, Task] = {}
    for m_title, internal, items in plan:
        milestone = step(19, 11, lambda t=m_title, i=internal: services.milestone_create(
            actor=tom, room_id=room.pk, title=t, internal="1" if i else ""
        ))  # fmt: skip
        for title, kind, due_in, _status, people in items:
            when = timezone.now() + datetime.timedelta(days=due_in)
            data = {
                "title": title,
                "kind": kind,
                "milestone": milestone.pk,
                "assignees": [p.pk for p in people],
                "due_at": when,
            }
            if kind == "meeting":
                start = when.replace(hour=10, minute=0, second=0, microsecond=0)
                data.update(
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=1),
                    place="https://meeting.example/saic-platform",
                )
            tasks[title] = step(19, 11, lambda d=data: services.task_create(
                actor=tom, room_id=room.pk, data=d
            ))  # fmt: skip

    conversation = [
        (18, 14, li, "你好 @[Tom Becker]({tom})，我们这周可以安排架构评审吗？"
         "Could we hold the architecture review this week?", None),
        (18, 16, tom, "当然可以 @[李华]({li})！我已在计划里加了会议，周四 10 点。"
         "Done: Thursday 10:00, it is in the plan.", None),
        (12, 11, li, "评审很顺利，**SSO 方案**没有问题。The SSO design is fine.", None),
        (9, 15, tom, "这是集成说明的要点：\n1. SAML 2.0\n2. SCIM user provisioning", None),
        (4, 10, wg, "@[Tom Becker]({tom}) 采购这边需要把付款分三期。"
         "Procurement needs payment in three instalments.", None),
        (4, 12, tom, "王总要求三期付款，折扣需要 Sarah 批准。Needs Sarah's sign-off.", "internal"),
        (2, 9, li, "安全问卷还差渗透测试报告，卡住了。"
         "The questionnaire is blocked on the pen-test report.", "安全问卷 Security questionnaire"),
    ]  # fmt: skip
    ids = {"tom": tom_row.pk, "li": li_row.pk}
    for days, hour, who, text, extra in conversation:
        task = tasks.get(extra) if extra and extra != "internal" else None
        step(days, hour, lambda w=who, t=text, e=extra, k=task: services.comment_post(
            actor=w, room_id=room.pk, body=t.format(**ids), internal="1" if e == "internal" else "",
            task_id=k.pk if k else None,
        ))  # fmt: skip

    for title, _kind, _due, status, people in [i for _m, _x, items in plan for i in items]:
        by = li if li_row in people else tom  # a guest sets the status of their own tasks only
        if status == "done":
            step(10, 17, lambda t=title, b=by: services.task_status_set(
                actor=b, task_id=tasks[t].pk, status="done"
            ))  # fmt: skip
        elif status == "blocked":
            step(2, 9, lambda t=title, b=by: services.task_status_set(
                actor=b, task_id=tasks[t].pk, status="blocked",
                reason="等待渗透测试报告 Waiting for the pen-test report",
            ))  # fmt: skip
    step(1, 18, lambda: services.comment_post(
        actor=_member(ws, "b2b.lead@demo.local"), room_id=room.pk, internal="1",
        body="5% 可以，三期付款也行。OK for 5% and three instalments.",
    ))  # fmt: skip
    # The guests came into the room over those weeks.
    RoomMember.objects.filter(pk=li_row.pk).update(
        first_opened_at=_ago(18, 14), last_seen_at=_ago(2, 9)
    )
    RoomMember.objects.filter(pk=wang_row.pk).update(
        first_opened_at=_ago(4, 10), last_seen_at=_ago(4, 10)
    )
    del sarah
    _seed_household(ws)


def _seed_household(ws: Workspace) -> None:
    room = _room(ws, HOUSEHOLD)
    if room is None:
        return
    na = _member(ws, "rep2@demo.local")
    buyer = Contact.objects.get(workspace=ws, full_name="张三")
    if not buyer.emails:
        Contact.objects.filter(pk=buyer.pk).update(emails=["zhang.san@example.com"])
    services.room_guest_invite(
        actor=na, room_id=room.pk, contact_id=buyer.pk, language="zh-hans", send_email=False
    )
    guest = _guest(ws, room, buyer)
    steps = [
        ("预约试驾 Book a test drive", -4),
        ("确认颜色与配置 Choose colour and trim", 2),
        ("贷款预审 Loan pre-approval", 5),
    ]
    for title, days in steps:
        services.task_create(
            actor=na, room_id=room.pk,
            data={"title": title, "due_at": timezone.now() + datetime.timedelta(days=days)},
        )  # fmt: skip
    services.comment_post(
        actor=guest, room_id=room.pk, body="白色和灰色哪个交车更快？Which colour comes sooner?"
    )
    services.comment_post(
        actor=na,
        room_id=room.pk,
        body="白色现车，灰色需要两周。White is in stock; grey takes two weeks.",
    )


def guest_link(ws: Workspace) -> str:
    """A fresh guest link to the flagship room (for the demo command to print). Links printed
    by earlier runs and never opened are revoked: only the last one printed lets anyone in (a
    link opened meanwhile is someone's session, and stays)."""
    room = _room(ws, FLAGSHIP)
    if room is None:
        return ""
    contact = Contact.objects.get(workspace=ws, full_name="李华")
    tom = _member(ws, "rep1@demo.local")
    unused = RoomInvitation.objects.filter(
        room=room, member__contact=contact, revoked_at__isnull=True, last_used_at__isnull=True
    )
    for invitation_id in unused.values_list("pk", flat=True):
        services.room_invitation_revoke(actor=tom, room_id=room.pk, invitation_id=invitation_id)
    _invitation, token = services.room_guest_invite(
        actor=tom, room_id=room.pk, contact_id=contact.pk, language="zh-hans", send_email=False
    )
    return services.guest_link_url(token)
