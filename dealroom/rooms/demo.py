"""Demo rooms: the flagship B2B deal's room with a mutual action plan, a customer-side
discussion, an internal note and two guests; a household's EV purchase room with the buyer.
Played through the services, as the people involved, each step at its moment of the last
weeks (core.demo), so the room reads like a few weeks of work and every time it names is the
time it shows. Demo rooms skip the e-mail code (a workspace setting), so the printed guest
link opens the room directly."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from dealroom.core.actors import Guest, Member
from dealroom.core.demo import Clock, Story
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


def stories(ws: Workspace, clock: Clock) -> list[Story]:
    """The rooms' part of the demo (core.demo.play): the flagship room over the last three
    weeks, the household's room over the last days, and the room templates, made today (after
    the seeded deals, so the seeded rooms stay as they are)."""
    return [_flagship(ws, clock), _household(ws, clock), _templates(ws, clock)]


def _templates(ws: Workspace, clock: Clock) -> Story:
    yield clock.now
    _seed_templates(ws)


WEEKDAYS = [("周一", "Monday"), ("周二", "Tuesday"), ("周三", "Wednesday"), ("周四", "Thursday"),
            ("周五", "Friday"), ("周六", "Saturday"), ("周日", "Sunday")]  # fmt: skip


def _said(moment: datetime.datetime) -> tuple[str, str]:
    """`moment`'s day of the week and hour in the server's time zone, as a comment says them in
    Chinese and in English ("周二 10:00", "Tuesday 10:00"): the words are the meeting's own."""
    local = timezone.localtime(moment)
    zh, en = WEEKDAYS[local.weekday()]
    return f"{zh} {local:%H:%M}", f"{en} {local:%H:%M}"


# The flagship room's story, in days before today: 李华 asks for an architecture review and Tom
# books it for the first working day two days on (`_review_day`); the review passes, the SSO
# notes follow, procurement asks for instalments, the security questionnaire gets stuck, Sarah
# signs the discount off.
OPENED = 20
PLANNED = 19
ASKED = 18
SSO_NOTES = 14
INSTALMENTS = 4
BLOCKED = 2
SIGNED_OFF = 1

# milestone, internal, tasks: (title, kind, due in days (negative: past), status, assignees)
FLAGSHIP_PLAN = [
    ("技术评估 Technical evaluation", False, [
        ("提供 SSO 集成说明 SSO integration notes", "task", -13, "done", ["tom"]),
        ("安全问卷 Security questionnaire", "task", -BLOCKED, "blocked", ["li"]),
    ]),
    ("商务谈判 Commercial terms", False, [
        ("最终报价 Final quote", "task", 3, "open", ["tom", "wang"]),
        ("付款条件确认 Agree payment terms", "task", 6, "open", ["wang"]),
    ]),
    ("签约 Signing", False, [
        ("合同法务审核 Legal review of the contract", "task", 14, "open", ["wang"]),
        ("签约仪式 Signing ceremony", "meeting", 30, "open", ["li", "tom"]),
    ]),
    ("内部：折扣审批 Internal: discount approval", True, [
        ("申请 5% 额外折扣 Request 5% extra discount", "task", 2, "open", ["tom"]),
    ]),
]  # fmt: skip
REVIEW = "架构评审会 Architecture review"  # booked when 李华 asks for it


def _task_data(clock: Clock, title: str, kind: str, due_in: int, milestone, assignees) -> dict:
    data: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "milestone": milestone.pk,
        "assignees": [a.pk for a in assignees],
    }
    if kind == "meeting":
        start = clock.on(due_in, 10)
        data.update(
            due_at=start,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            place="https://meeting.example/saic-platform",
        )
    else:
        data["due_at"] = clock.on(due_in, 18)
    return data


def _review_day(clock: Clock) -> int:
    """Days before today of the first working day (Monday to Friday) at least two days after
    李华 asked; one of any three days in a row is."""
    return next(d for d in range(ASKED - 2, ASKED - 5, -1) if clock.on(-d, 10).weekday() < 5)


def _flagship(ws: Workspace, clock: Clock) -> Story:
    yield clock.ago(OPENED, 9)
    RoomSettings.objects.update_or_create(workspace=ws, defaults={"require_email_code": False})
    room = _room(ws, FLAGSHIP)
    if room is None or Milestone.objects.filter(room=room).exists():
        return
    li_hua = Contact.objects.get(workspace=ws, full_name="李华")
    wang = Contact.objects.get(workspace=ws, full_name="王建国")

    def tom() -> Member:
        return _member(ws, "rep1@demo.local")

    def li() -> Guest:
        return _guest(ws, room, li_hua)

    yield clock.ago(OPENED, 9, 10)
    services.room_settings_update(
        actor=tom(), room_id=room.pk, shared_fields=["close_date", "next_step"],
        welcome="欢迎来到我们的共享空间！所有下一步、文档和问题都在这里。\n"
        "Welcome: every next step, document and question lives here.",
    )  # fmt: skip
    for n, contact in enumerate((li_hua, wang)):
        yield clock.ago(OPENED, 9, 20 + 5 * n)
        services.room_guest_invite(
            actor=tom(), room_id=room.pk, contact_id=contact.pk, language="zh-hans",
            send_email=False,
        )  # fmt: skip
    rows = {m.contact_id: m for m in RoomMember.objects.filter(room=room, contact__isnull=False)}
    people = {"tom": services.common.me(tom(), room), "li": rows[li_hua.pk], "wang": rows[wang.pk]}

    minutes = itertools.count()
    milestones: dict[str, Milestone] = {}
    tasks: dict[str, Task] = {}
    for m_title, internal, items in FLAGSHIP_PLAN:
        yield clock.ago(PLANNED, 11, 2 * next(minutes))
        milestones[m_title] = services.milestone_create(
            actor=tom(), room_id=room.pk, title=m_title, internal="1" if internal else ""
        )
        for title, kind, due_in, _status, assignees in items:
            yield clock.ago(PLANNED, 11, 2 * next(minutes))
            data = _task_data(
                clock, title, kind, due_in, milestones[m_title], [people[a] for a in assignees]
            )
            tasks[title] = services.task_create(actor=tom(), room_id=room.pk, data=data)

    ids = {"tom": people["tom"].pk, "li": people["li"].pk}
    yield clock.ago(ASKED, 13, 50)
    services.room_visit(actor=li(), room_id=room.pk, language="zh-hans")
    yield clock.ago(ASKED, 14)
    services.comment_post(
        actor=li(), room_id=room.pk,
        body="你好 @[Tom Becker]({tom})，我们尽快安排一次架构评审好吗？"
        "Could we hold the architecture review soon?".format(**ids),
    )  # fmt: skip
    yield clock.ago(ASKED, 15, 55)
    reviewed = _review_day(clock)
    review = _task_data(
        clock, REVIEW, "meeting", -reviewed, milestones["技术评估 Technical evaluation"],
        [people["li"], people["tom"]],
    )  # fmt: skip
    tasks[REVIEW] = services.task_create(actor=tom(), room_id=room.pk, data=review)
    zh, en = _said(review["starts_at"])
    yield clock.ago(ASKED, 16)
    services.comment_post(
        actor=tom(), room_id=room.pk,
        body=f"当然可以 @[李华]({ids['li']})！我已在计划里加了会议：{zh}。"
        f"Done: {en}, it is in the plan.",
    )  # fmt: skip

    yield clock.ago(reviewed, 11, 10)
    services.task_status_set(actor=tom(), task_id=tasks[REVIEW].pk, status="done")
    yield clock.ago(reviewed, 11, 25)
    services.room_visit(actor=li(), room_id=room.pk, language="zh-hans")
    yield clock.ago(reviewed, 11, 30)
    services.comment_post(
        actor=li(), room_id=room.pk,
        body="评审很顺利，**SSO 方案**没有问题。The SSO design is fine.",
    )  # fmt: skip

    yield clock.ago(SSO_NOTES, 15)
    services.comment_post(
        actor=tom(), room_id=room.pk,
        body="这是集成说明的要点：\n1. SAML 2.0\n2. SCIM user provisioning",
    )  # fmt: skip
    yield clock.ago(SSO_NOTES, 15, 5)
    services.task_status_set(
        actor=tom(), task_id=tasks["提供 SSO 集成说明 SSO integration notes"].pk, status="done"
    )

    yield clock.ago(INSTALMENTS, 9, 55)
    services.room_visit(actor=_guest(ws, room, wang), room_id=room.pk, language="zh-hans")
    yield clock.ago(INSTALMENTS, 10)
    services.comment_post(
        actor=_guest(ws, room, wang), room_id=room.pk,
        body="@[Tom Becker]({tom}) 采购这边需要把付款分三期。"
        "Procurement needs payment in three instalments.".format(**ids),
    )  # fmt: skip
    yield clock.ago(INSTALMENTS, 12)
    services.comment_post(
        actor=tom(), room_id=room.pk, internal="1",
        body="王总要求三期付款，折扣需要 Sarah 批准。Needs Sarah's sign-off.",
    )  # fmt: skip

    questionnaire = tasks["安全问卷 Security questionnaire"]
    yield clock.ago(BLOCKED, 8, 55)
    services.room_visit(actor=li(), room_id=room.pk, language="zh-hans")
    yield clock.ago(BLOCKED, 9)
    services.task_status_set(
        actor=li(), task_id=questionnaire.pk, status="blocked",
        reason="等待渗透测试报告 Waiting for the pen-test report",
    )  # fmt: skip
    yield clock.ago(BLOCKED, 9, 2)
    services.comment_post(
        actor=li(), room_id=room.pk, task_id=questionnaire.pk,
        body="安全问卷还差渗透测试报告，卡住了。"
        "The questionnaire is blocked on the pen-test report.",
    )  # fmt: skip

    yield clock.ago(SIGNED_OFF, 18)
    services.comment_post(
        actor=_member(ws, "b2b.lead@demo.local"), room_id=room.pk, internal="1",
        body="5% 可以，三期付款也行。OK for 5% and three instalments.",
    )  # fmt: skip


def _household(ws: Workspace, clock: Clock) -> Story:
    """The EV purchase: 李娜 opens the room to the buyer the evening the trial was booked."""
    yield clock.ago(4, 19, 30)
    room = _room(ws, HOUSEHOLD)
    if room is None or Comment.objects.filter(room=room).exists():
        return
    buyer = Contact.objects.get(workspace=ws, full_name="张三")
    if not buyer.emails:
        Contact.objects.filter(pk=buyer.pk).update(emails=["zhang.san@example.com"])
    services.room_guest_invite(
        actor=_member(ws, "rep2@demo.local"), room_id=room.pk, contact_id=buyer.pk,
        language="zh-hans", send_email=False,
    )  # fmt: skip
    steps = [
        ("预约试驾 Book a test drive", -1),
        ("确认颜色与配置 Choose colour and trim", 2),
        ("贷款预审 Loan pre-approval", 5),
    ]
    for n, (title, days) in enumerate(steps):
        yield clock.ago(4, 19, 32 + n)
        services.task_create(
            actor=_member(ws, "rep2@demo.local"), room_id=room.pk,
            data={"title": title, "due_at": clock.on(days, 18)},
        )  # fmt: skip
    yield clock.ago(4, 20, 10)
    services.room_visit(actor=_guest(ws, room, buyer), room_id=room.pk, language="zh-hans")
    yield clock.ago(4, 20, 15)
    services.comment_post(
        actor=_guest(ws, room, buyer), room_id=room.pk,
        body="白色和灰色哪个交车更快？Which colour comes sooner?",
    )  # fmt: skip
    yield clock.ago(4, 20, 40)
    services.comment_post(
        actor=_member(ws, "rep2@demo.local"), room_id=room.pk,
        body="白色现车，灰色需要两周。White is in stock; grey takes two weeks.",
    )  # fmt: skip


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
