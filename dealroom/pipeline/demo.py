"""Pipelines for the demo workspace: a staged B2B project sale with gates and an exit
checklist, a consumer new purchase with milestones (trial attended, showroom visited), renewals
(simple deals) and referrals (tags), loss reasons, and deals across the demo's customers and
sellers: moved through stages, won, lost, stuck, with deal teams, splits and contacts.

Everything goes through the pipeline services, so the deals have real stage history and
timeline events. The story happened over the past months: each step runs with the clock set
to its moment (`_Clock`), so history, time in stage, stuck deals and the timeline agree.
Deterministic (a seeded random for the filler deals) and idempotent: nothing is created when
the workspace has opportunity types already."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from dealroom.core.actors import Member
from dealroom.customers.models import Account, AccountContact, Contact
from dealroom.workspaces.models import Membership, Workspace

from . import services
from .models import LossReason, Opportunity, OpportunityType, Stage

SEED = 20260
CONFIGURED_DAYS_AGO = 200  # the admin set up the pipelines before any deal below

# -- configuration ---------------------------------------------------------------------------

B2B_STAGES: list[dict[str, Any]] = [
    {
        "key": "qualify",
        "name": "Qualify",
        "name_zh": "确认需求",
        "probability": 10,
        "forecast_category": "pipeline",
        "stuck_days": 14,
        "guidance": "确认客户有明确的业务问题、预算来源和时间窗口。\n"
        "Confirm a real business problem, where the budget comes from and when they want to "
        "act.",
        "suggested_tasks": ["识别决策人 Identify the decision maker", "首次需求访谈 First call"],
    },
    {
        "key": "discovery",
        "name": "Discovery",
        "name_zh": "需求调研",
        "probability": 20,
        "forecast_category": "pipeline",
        "stuck_days": 30,
        "guidance": "与技术评估人和使用部门深入访谈，记录现状与痛点。\n"
        "Interview the technical evaluator and the users; write down today's process and "
        "what hurts.",
        "suggested_tasks": [
            "现场调研 On-site workshop",
            "确认评估标准 Agree the evaluation criteria",
            "画出采购委员会 Map the buying committee",
        ],
    },
    {
        "key": "solution",
        "name": "Solution / demo",
        "name_zh": "方案演示",
        "probability": 40,
        "forecast_category": "best_case",
        "stuck_days": 30,
        "guidance": "用客户自己的数据演示方案，争取技术认可。\n"
        "Demo on the customer's own data; win the technical evaluator's approval.",
        "suggested_tasks": [
            "定制演示 Tailored demo",
            "技术答疑 Technical Q&A",
            "提供客户案例 Share a reference customer",
        ],
    },
    {
        "key": "proposal",
        "name": "Proposal",
        "name_zh": "商务报价",
        "probability": 60,
        "forecast_category": "best_case",
        "stuck_days": 21,
        "required_fields": ["amount", "close_date"],
        "guidance": "报价前确认预算和签约日期；方案与报价一起发给决策人。\n"
        "Confirm the budget and the signing date before pricing; send the proposal to the "
        "decision maker.",
        "suggested_tasks": [
            "发送报价 Send the proposal",
            "向发起人讲解报价 Walk the sponsor through the proposal",
        ],
    },
    {
        "key": "negotiation",
        "name": "Negotiation",
        "name_zh": "商务谈判",
        "probability": 80,
        "forecast_category": "commit",
        "stuck_days": 21,
        "required_fields": ["next_step"],
        "milestones": ["法务审核通过 Legal review passed", "预算已批准 Budget approved"],
        "guidance": "和采购谈条款，每次沟通后更新下一步。法务审核和预算批准后进入合同。\n"
        "Negotiate terms with procurement and keep the next step current. Legal review and "
        "budget approval close this stage.",
        "suggested_tasks": [
            "发送合同草稿 Send the contract draft",
            "约法务评审 Book the legal review",
            "确认付款条款 Agree the payment terms",
        ],
    },
    {
        "key": "contract",
        "name": "Contract",
        "name_zh": "合同签署",
        "probability": 90,
        "forecast_category": "commit",
        "stuck_days": 14,
        "guidance": "合同盖章、收到订单后标记赢单。\n"
        "Mark the deal won when the contract is stamped and the purchase order arrives.",
        "suggested_tasks": [
            "跟进盖章 Chase the company seal",
            "安排启动会 Schedule the kick-off",
        ],
    },
]

CONSUMER_STAGES: list[dict[str, Any]] = [
    {
        "key": "inquiry",
        "name": "New inquiry",
        "name_zh": "新咨询",
        "probability": 10,
        "forecast_category": "pipeline",
        "stuck_days": 3,
        "guidance": "24 小时内首次电话，了解家庭情况，预约试用。\n"
        "Call within 24 hours, learn about the family and book a trial.",
        "suggested_tasks": [
            "首次电话 First call",
            "添加微信 Add on WeChat",
            "预约试用 Book the trial",
        ],
    },
    {
        "key": "trial",
        "name": "Trial",
        "name_zh": "试用体验",
        "probability": 30,
        "forecast_category": "pipeline",
        "stuck_days": 7,
        "milestones": ["已预约试用 Trial booked", "已参加试用 Trial attended"],
        "guidance": "试用前一天提醒；试用当天回访。\n"
        "Remind the family the day before the trial; call back the same day after it.",
        "suggested_tasks": ["试用提醒 Trial reminder", "试用后回访 Follow-up call"],
    },
    {
        "key": "showroom",
        "name": "Showroom visit",
        "name_zh": "到店洽谈",
        "probability": 60,
        "forecast_category": "best_case",
        "stuck_days": 7,
        "required_fields": ["amount"],
        "milestones": ["已到店参观 Showroom visited", "已报价 Quote given"],
        "guidance": "邀请决策人/付款人一起到店，当场给出报价。\n"
        "Invite the decision maker / payer to the showroom together and quote there.",
        "suggested_tasks": ["邀约到店 Invite to the showroom", "准备报价单 Prepare the quote"],
    },
    {
        "key": "closing",
        "name": "Closing",
        "name_zh": "签约付款",
        "probability": 85,
        "forecast_category": "commit",
        "stuck_days": 5,
        "required_fields": ["close_date", "next_step"],
        "guidance": "确认付款方式和开始/交付日期。\n"
        "Confirm the payment method and the start or delivery date.",
        "suggested_tasks": ["发送付款链接 Send the payment link", "签署协议 Sign the agreement"],
    },
]

TYPES: list[dict[str, Any]] = [
    {
        "key": "b2b",
        "name": "B2B project sale",
        "name_zh": "B2B项目销售",
        "variant": "staged",
        "require_checklist": True,
        "stages": B2B_STAGES,
    },
    {
        "key": "consumer",
        "name": "Consumer new purchase",
        "name_zh": "个人新购",
        "variant": "staged",
        "require_checklist": True,
        "stages": CONSUMER_STAGES,
    },
    {"key": "renewal", "name": "Renewal", "name_zh": "续约", "variant": "simple"},
    {"key": "referral", "name": "Referral", "name_zh": "转介绍", "variant": "tag"},
]

LOSS_REASONS = {
    "price": "价格太高 Price too high",
    "competitor": "选择竞品 Chose a competitor",
    "budget": "无预算 No budget",
    "timing": "时机不对 Bad timing",
    "no_decision": "未做决定 No decision",
    "fit": "需求不匹配 Not a fit",
}

# -- the deals -------------------------------------------------------------------------------

SAIC = "上海汽车集团股份有限公司"
SGM = "上汽通用汽车有限公司"
SIEMENS = "Siemens Healthineers GmbH"
HUAWEI = "华为技术有限公司"
ZHANG = "张家 Zhang household"
WANG = "王家 Wang household"
XIAOLU = "杭州小鹿咖啡有限公司"

REP1, JAMES, B2B_LEAD = "rep1@demo.local", "james.ward@demo.local", "b2b.lead@demo.local"
REP2, ZHANG_WEI, LIU_YANG = "rep2@demo.local", "zhang.wei@demo.local", "liu.yang@demo.local"
DENSE_LEAD, MANAGER = "dense.lead@demo.local", "manager@demo.local"
B2B_SELLERS = [REP1, JAMES, B2B_LEAD]
DENSE_SELLERS = [REP2, ZHANG_WEI, LIU_YANG, DENSE_LEAD]

# A step: (days ago, action, argument). Actions: create; move <stage key> (ticking what the
# type's checklist still needs first); tick <milestone>; team [(e-mail, role, split)];
# contact (contact name, role); probability (value, reason, by e-mail); win; lose (reason
# key, note).
Step = tuple[float, str, Any]


@dataclass
class Plan:
    type: str
    name: str
    account: str
    owner: str
    data: dict[str, Any]
    steps: list[Step]
    close_in: int | None = None  # expected close date, days from today


DEALS: list[Plan] = [
    # -- B2B project sales --
    Plan(
        "b2b",
        "集团数字化销售平台 Group digital sales platform",
        SAIC,
        REP1,
        {
            "amount": "2800000",
            "next_step": "与王总确认最终报价 Confirm the final price with Mr Wang",
            "source": "existing",
        },
        [
            (96, "create", None),
            (96, "contact", ("李华", "decision_maker")),
            (95, "contact", ("王建国", "procurement")),
            (
                94,
                "team",
                [(REP1, "co_seller", 60), (JAMES, "presales", 25), (B2B_LEAD, "sponsor", 15)],
            ),
            (82, "move", "discovery"),
            (64, "move", "solution"),
            (47, "move", "proposal"),
            # in Negotiation for a month (stuck after 21 days), the checklist half done
            (30, "move", "negotiation"),
            (26, "tick", "法务审核通过 Legal review passed"),
            (
                12,
                "probability",
                (70, "采购要求再降价 5% Procurement wants another 5% off", B2B_LEAD),
            ),
        ],
        close_in=35,
    ),
    Plan(
        "b2b",
        "经销商门户升级 Dealer portal upgrade",
        SGM,
        JAMES,
        {"amount": "950000", "source": "self"},
        [
            (72, "create", None),
            (60, "move", "discovery"),
            (41, "move", "solution"),
            (28, "move", "proposal"),
            # the customer asked for a second demo before pricing
            (22, "move", "solution"),
            (14, "move", "proposal"),
        ],
        close_in=50,
    ),
    Plan(
        "b2b",
        "Service analytics rollout EMEA",
        SIEMENS,
        REP1,
        {
            "amount": "420000",
            "currency": "EUR",
            "next_step": "Kick-off on site in Erlangen",
            "source": "self",
        },
        [
            (124, "create", None),
            (123, "contact", ("Anna Schmidt", "technical_evaluator")),
            (120, "team", [(REP1, "co_seller", 80), (B2B_LEAD, "sponsor", 20)]),
            (105, "move", "discovery"),
            (88, "move", "solution"),
            (70, "move", "proposal"),
            (52, "move", "negotiation"),
            (30, "move", "contract"),
            (27, "win", None),
        ],
        close_in=-27,
    ),
    Plan(
        "b2b",
        "经销商培训项目 Dealer training programme",
        SGM,
        JAMES,
        {"amount": "260000", "next_step": "安排培训排期 Schedule the sessions", "source": "lead"},
        [
            (58, "create", None),
            (57, "team", [(JAMES, "co_seller", 50), (REP1, "co_seller", 50)]),
            (50, "move", "discovery"),
            (40, "move", "solution"),
            (31, "move", "proposal"),
            (24, "move", "negotiation"),
            (18, "move", "contract"),
            (15, "win", None),
        ],
        close_in=-15,
    ),
    Plan(
        "b2b",
        "全球培训平台 Global training platform",
        HUAWEI,
        JAMES,
        {"amount": "1600000", "source": "campaign"},
        [
            (112, "create", None),
            (96, "move", "discovery"),
            (80, "move", "solution"),
            (61, "move", "proposal"),
            (45, "lose", ("competitor", "对手报价低约 30% The competitor was about 30% cheaper")),
        ],
        close_in=-45,
    ),
    Plan(
        "b2b",
        "售后服务 CRM 试点 After-sales CRM pilot",
        SAIC,
        REP1,
        {"amount": "380000", "source": "existing"},
        [
            (150, "create", None),
            (131, "move", "discovery"),
            (98, "lose", ("budget", "预算冻结到明年 Budget frozen until next year")),
        ],
        close_in=-98,
    ),
    Plan(
        "b2b",
        "Remote monitoring add-on",
        SIEMENS,
        REP1,
        {"amount": "120000", "currency": "EUR", "source": "existing"},
        # in Discovery for 33 days: stuck (after 30)
        [
            (42, "create", None),
            (41, "contact", ("Anna Schmidt", "user")),
            (33, "move", "discovery"),
        ],
        close_in=80,
    ),
    Plan(
        "b2b",
        "数据中心运维服务 Data-centre operations",
        HUAWEI,
        MANAGER,
        {"source": "partner"},
        [(12, "create", None)],
    ),
    # -- consumer new purchases --
    Plan(
        "consumer",
        "少儿英语年课 Kids' English, one year",
        ZHANG,
        REP2,
        {"amount": "16800", "next_step": "发送付款链接 Send the payment link", "source": "lead"},
        [
            (26, "create", None),
            (26, "contact", ("刘芳", "payer")),
            (26, "contact", ("张三", "registrant")),
            (22, "move", "trial"),
            (19, "tick", "已预约试用 Trial booked"),
            (16, "tick", "已参加试用 Trial attended"),
            (15, "move", "showroom"),
            (11, "tick", "已到店参观 Showroom visited"),
            (10, "tick", "已报价 Quote given"),
            (9, "move", "closing"),
            (3, "win", None),
        ],
        close_in=-3,
    ),
    Plan(
        "consumer",
        "新能源汽车 EV purchase",
        ZHANG,
        REP2,
        {"amount": "229800", "source": "campaign"},
        [
            (9, "create", None),
            (9, "contact", ("张三", "user")),
            (5, "move", "trial"),
            (4, "tick", "已预约试用 Trial booked"),
        ],
        close_in=20,
    ),
    Plan(
        "consumer",
        "钢琴年课 Piano lessons, one year",
        WANG,
        ZHANG_WEI,
        {"amount": "19800", "source": "referral"},
        [
            (14, "create", None),
            (14, "contact", ("王磊", "registrant")),
            (5, "move", "trial"),
            (3, "tick", "已预约试用 Trial booked"),
        ],
        close_in=25,
    ),
    Plan(
        "consumer",
        "暑期夏令营 Summer camp",
        WANG,
        ZHANG_WEI,
        {"amount": "8800", "source": "campaign"},
        [
            (33, "create", None),
            (28, "move", "trial"),
            (20, "lose", ("timing", "暑期已有安排 The family already has summer plans")),
        ],
        close_in=-20,
    ),
    Plan(
        "consumer",
        "门店收银系统（3 家店）POS system for 3 stores",
        XIAOLU,
        LIU_YANG,
        {
            "amount": "10800",
            "next_step": "周五到店签约 Sign at the shop on Friday",
            "source": "self",
        },
        [
            (20, "create", None),
            (20, "contact", ("陈小鹿", "decision_maker")),
            (18, "team", [(LIU_YANG, "co_seller", 70), (DENSE_LEAD, "sponsor", 30)]),
            (17, "move", "trial"),
            (12, "move", "showroom"),
            (3, "move", "closing"),
        ],
        close_in=4,
    ),
    Plan(
        "consumer",
        "家庭保险计划 Family insurance plan",
        WANG,
        DENSE_LEAD,
        {"source": "existing"},
        [(1, "create", None)],
        close_in=30,
    ),
    # -- renewals (amount, date, status) --
    Plan(
        "renewal",
        "维保续约 2026 Maintenance renewal 2026",
        SAIC,
        REP1,
        {"amount": "360000", "source": "existing"},
        [(20, "create", None)],
        close_in=45,
    ),
    Plan(
        "renewal",
        "年费续约 2025 Annual renewal 2025",
        XIAOLU,
        LIU_YANG,
        {"amount": "3600", "source": "existing"},
        [(150, "create", None), (140, "win", None)],
        close_in=-140,
    ),
    Plan(
        "renewal",
        "英语网课续费 Online English renewal",
        WANG,
        ZHANG_WEI,
        {"amount": "4800", "source": "existing"},
        [
            (60, "create", None),
            (45, "lose", ("price", "换了更便宜的网课 Switched to a cheaper online course")),
        ],
        close_in=-45,
    ),
    Plan(
        "renewal",
        "少儿英语续费 Kids' English renewal",
        ZHANG,
        REP2,
        {"amount": "15800", "source": "existing"},
        [(2, "create", None)],
        close_in=330,
    ),
    # -- referrals (a tag: who sent us this customer) --
    Plan(
        "referral",
        "张家推荐 Referred by the Zhangs",
        WANG,
        ZHANG_WEI,
        {"referred_by": ZHANG, "source": "referral"},
        [(15, "create", None), (15, "contact", ("王磊", "registrant"))],
    ),
    Plan(
        "referral",
        "王家推荐 Referred by the Wangs",
        XIAOLU,
        LIU_YANG,
        {"referred_by": WANG, "source": "referral"},
        [(35, "create", None), (21, "win", None)],
    ),
]

# Filler deals, drawn with a seeded random: (name, lowest, highest amount).
HOUSEHOLD_PRODUCTS = [
    ("少儿编程课 Kids' coding course", 9800, 26800),
    ("英语口语课 Spoken English course", 5800, 16800),
    ("数学思维课 Maths thinking course", 7800, 19800),
    ("家用储能套装 Home battery kit", 18000, 46000),
    ("全屋净水 Whole-home water filter", 6800, 15800),
]
SMALL_B_PRODUCTS = [
    ("外卖小程序 Delivery mini-program", 4800, 12800),
    ("会员营销套件 Loyalty marketing kit", 2980, 8980),
    ("自助点单屏 Self-order kiosk", 6800, 19800),
]
B2B_PRODUCTS = [
    ("供应链可视化 Supply-chain visibility", 400_000, 1_800_000),
    ("现场服务 App Field service app", 150_000, 600_000),
    ("安全合规审计 Security and compliance audit", 120_000, 450_000),
    ("数据平台 Data platform", 600_000, 2_500_000),
    ("Predictive maintenance pilot", 200_000, 900_000),
]
FILLER = [
    # type, account, products, deals, sellers
    ("consumer", ZHANG, HOUSEHOLD_PRODUCTS, 3, DENSE_SELLERS),
    ("consumer", WANG, HOUSEHOLD_PRODUCTS, 3, DENSE_SELLERS),
    ("consumer", XIAOLU, SMALL_B_PRODUCTS, 2, DENSE_SELLERS),
    ("b2b", SAIC, B2B_PRODUCTS, 2, B2B_SELLERS),
    ("b2b", SGM, B2B_PRODUCTS, 2, B2B_SELLERS),
    ("b2b", SIEMENS, B2B_PRODUCTS, 2, B2B_SELLERS),
    ("b2b", HUAWEI, B2B_PRODUCTS, 2, B2B_SELLERS),
]
NEXT_STEPS = [
    "周三电话回访 Call back on Wednesday",
    "发送案例资料 Send the case study",
    "约决策人见面 Meet the decision maker",
    "确认预算 Confirm the budget",
    "安排演示 Book the demo",
]
SOURCES = ["self", "lead", "campaign", "referral", "partner", "existing"]


def filler(ws: Workspace, rng: random.Random) -> list[Plan]:
    """A few more deals per customer so that every board column has cards: open deals moved
    recently (not stuck), some won and lost, owned by sellers of the matching team who see
    the account."""
    plans: list[Plan] = []
    for kind, account_name, products, count, sellers in FILLER:
        stages = CONSUMER_STAGES if kind == "consumer" else B2B_STAGES
        gap = (2, 6) if kind == "consumer" else (6, 18)
        account = Account.objects.get(workspace=ws, name=account_name)
        owners = [e for e in sellers if _sees(ws, e, account)]
        links = list(
            AccountContact.objects.filter(account=account).select_related("contact").order_by("pk")
        )
        for name, low, high in rng.sample(products, count):
            owner = rng.choice(owners)
            target = len(plans) % len(stages)  # the deals spread over the columns
            outcome = rng.choices(["open", "won", "lost"], [6, 1, 1])[0]
            closing: list[Step] = []
            if outcome == "open":
                # moved in recently enough not to be stuck
                day = rng.randint(1, max(1, stages[target]["stuck_days"] - 2))
                close_in = rng.randint(10, 90)
            else:
                close_day = rng.randint(2, 40)
                if outcome == "won":
                    target = len(stages) - 1
                    closing.append((close_day, "win", None))
                else:
                    closing.append((close_day, "lose", (rng.choice(list(LOSS_REASONS)), "")))
                day = close_day + rng.randint(1, 5)
                close_in = -close_day
            moves: list[Step] = []
            for stage in reversed(stages[1 : target + 1]):
                moves.insert(0, (day, "move", stage["key"]))
                day += rng.randint(*gap)
            steps: list[Step] = [(day, "create", None)]
            if links:
                link = rng.choice(links)
                steps.append((day, "contact", (link.contact.full_name, link.role)))
            if kind == "b2b" and rng.random() < 0.4:
                split = rng.choice([60, 70, 80])
                helper = rng.choice([e for e in sellers if e != owner])
                team = [(owner, "co_seller", split), (helper, "presales", 100 - split)]
                steps.append((day, "team", team))
            amount = round(rng.randint(low, high), -2 if kind == "consumer" else -4)
            data: dict[str, Any] = {
                "amount": str(amount),
                "next_step": rng.choice(NEXT_STEPS),
                "source": rng.choice(SOURCES),
            }
            if account_name == SIEMENS:
                data["currency"] = "EUR"
            plans.append(
                Plan(kind, name, account_name, owner, data, steps + moves + closing, close_in)
            )
    return plans


# -- running the story -----------------------------------------------------------------------


class _Clock:
    """`timezone.now()` set to each step's moment while the story runs, so that the services'
    history rows, stage entry times, timeline events and record timestamps read as the
    months they stand for. Demo data only; restored on exit, whatever happens."""

    def __init__(self) -> None:
        self.real: Callable[[], datetime.datetime] = timezone.now
        self.anchor = self.real()
        self.current = self.anchor

    def moment(self, days_ago: float, minutes: int) -> datetime.datetime:
        """Working hours (9:00 + minutes) `days_ago` days before today, local time."""
        day = timezone.localdate(self.anchor) - datetime.timedelta(days=int(days_ago))
        start = datetime.datetime.combine(day, datetime.time(9), timezone.get_current_timezone())
        return min(start + datetime.timedelta(minutes=minutes), self.anchor)

    def __enter__(self) -> _Clock:
        timezone.now = lambda: self.current
        return self

    def __exit__(self, *exc) -> None:
        timezone.now = self.real


def _member(ws: Workspace, email: str) -> Member:
    """A new actor per step: nothing memoised from before (as one request would start)."""
    return Member(
        Membership.objects.select_related("user", "workspace").get(workspace=ws, user__email=email)
    )


def _sees(ws: Workspace, email: str, account: Account) -> bool:
    return Account.objects.visible_to(_member(ws, email)).filter(pk=account.pk).exists()


def _configure(
    admin: Member,
) -> tuple[dict[str, OpportunityType], dict[str, Stage], dict[str, LossReason]]:
    types: dict[str, OpportunityType] = {}
    stages: dict[str, Stage] = {}
    for spec in TYPES:
        opp_type = services.type_create(
            actor=admin,
            name=spec["name"],
            name_zh=spec["name_zh"],
            variant=spec["variant"],
            require_checklist=spec.get("require_checklist", False),
        )
        types[spec["key"]] = opp_type
        for stage_spec in spec.get("stages", []):
            values = {k: v for k, v in stage_spec.items() if k not in ("key", "milestones")}
            stage = services.stage_create(actor=admin, type_id=opp_type.pk, **values)
            stages[f"{spec['key']}.{stage_spec['key']}"] = stage
            for title in stage_spec.get("milestones", []):
                services.milestone_create(actor=admin, stage_id=stage.pk, title=title)
    reasons = {
        key: services.loss_reason_create(actor=admin, name=name)
        for key, name in LOSS_REASONS.items()
    }
    return types, stages, reasons


def seed(ws: Workspace, admin: Member) -> None:
    if OpportunityType.objects.filter(workspace=ws).exists():
        return
    rng = random.Random(SEED)  # noqa: S311  (demo data, not secrets)
    with _Clock() as clock:
        clock.current = clock.moment(CONFIGURED_DAYS_AGO, 60)
        story = _Story(ws, clock.anchor, *_configure(admin))
        plans = [*DEALS, *filler(ws, rng)]
        # Every step gets its moment; a deal's steps keep their order (minutes apart when they
        # fall on one day), and the steps of all deals run in time order.
        timeline: list[tuple[datetime.datetime, int, int]] = []
        for k, plan in enumerate(plans):
            previous: datetime.datetime | None = None
            for n, step in enumerate(plan.steps):
                when = clock.moment(step[0], rng.randrange(9 * 60))
                if previous is not None and when <= previous:
                    when = previous + datetime.timedelta(minutes=rng.randint(3, 40))
                previous = when
                timeline.append((when, k, n))
        for when, k, n in sorted(timeline):
            clock.current = when
            story.run(k, plans[k], plans[k].steps[n])


@dataclass
class _Story:
    ws: Workspace
    anchor: datetime.datetime  # the real now: expected close dates count from today
    types: dict[str, OpportunityType]
    stages: dict[str, Stage]
    reasons: dict[str, LossReason]
    deals: dict[int, int] = field(default_factory=dict)  # plan index → opportunity id
    accounts: dict[str, Account] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.accounts = {a.name: a for a in Account.objects.filter(workspace=self.ws)}

    def run(self, k: int, plan: Plan, step: Step) -> None:
        _days, action, arg = step
        actor = _member(self.ws, plan.owner)
        if action == "create":
            data = {"name": plan.name, "account": self.accounts[plan.account].pk, **plan.data}
            if "referred_by" in data:
                data["referred_by"] = self.accounts[data["referred_by"]].pk
            if plan.close_in is not None:
                close = timezone.localdate(self.anchor) + datetime.timedelta(days=plan.close_in)
                data["close_date"] = close.isoformat()
            opp = services.opportunity_create(
                actor=actor, type_id=self.types[plan.type].pk, data=data
            )
            self.deals[k] = opp.pk
            return
        deal_id = self.deals[k]
        if action == "move":
            target = self.stages[f"{plan.type}.{arg}"]
            opp = Opportunity.objects.select_related("stage", "type").get(pk=deal_id)
            forward = opp.stage is not None and target.position > opp.stage.position
            if forward and opp.type.require_checklist:
                for milestone in services.open_milestones(opp):
                    services.milestone_set(
                        actor=actor, opportunity_id=deal_id, milestone_id=milestone.pk, done=True
                    )
            services.opportunity_move(actor=actor, opportunity_id=deal_id, stage_id=target.pk)
        elif action == "tick":
            opp = Opportunity.objects.get(pk=deal_id)
            [milestone] = [m for m in services.open_milestones(opp) if m.title == arg]
            services.milestone_set(
                actor=actor, opportunity_id=deal_id, milestone_id=milestone.pk, done=True
            )
        elif action == "contact":
            name, role = arg
            contact = Contact.objects.get(workspace=self.ws, full_name=name)
            services.opportunity_contact_set(
                actor=actor, opportunity_id=deal_id, contact_id=contact.pk, role=role
            )
        elif action == "team":
            members = [
                {"member_id": _member(self.ws, email).membership.pk, "role": role, "split": split}
                for email, role, split in arg
            ]
            services.deal_team_set(actor=actor, opportunity_id=deal_id, members=members)
        elif action == "probability":
            value, reason, by = arg
            services.opportunity_probability_set(
                actor=_member(self.ws, by), opportunity_id=deal_id, probability=value, reason=reason
            )
        elif action == "win":
            services.opportunity_win(actor=actor, opportunity_id=deal_id)
        elif action == "lose":
            reason_key, note = arg
            services.opportunity_lose(
                actor=actor,
                opportunity_id=deal_id,
                reason_id=self.reasons[reason_key].pk,
                note=note,
            )
        else:
            raise ValueError(f"unknown demo step {action!r}")
