"""The demo pipelines as data: the types and their stages, loss reasons, the hand-written deal
stories (`DEALS`) and the seeded filler deals. `demo.py` plays them through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEED = 20260
CONFIGURED_DAYS_AGO = 280  # the admin set up the pipelines before any deal below

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
Step = tuple[int, str, Any]


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
            (130, "create", None),
            (130, "contact", ("李华", "decision_maker")),
            (129, "contact", ("王建国", "procurement")),
            (
                127,
                "team",
                [(REP1, "co_seller", 60), (JAMES, "presales", 25), (B2B_LEAD, "sponsor", 15)],
            ),
            (110, "move", "discovery"),
            (85, "move", "solution"),
            (60, "move", "proposal"),
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
            (210, "create", None),
            (209, "contact", ("Anna Schmidt", "technical_evaluator")),
            (205, "team", [(REP1, "co_seller", 80), (B2B_LEAD, "sponsor", 20)]),
            (185, "move", "discovery"),
            (160, "move", "solution"),
            (130, "move", "proposal"),
            (105, "move", "negotiation"),
            (85, "move", "contract"),
            (80, "win", None),
        ],
        close_in=-80,
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
            (190, "create", None),
            (170, "move", "discovery"),
            (150, "move", "solution"),
            (125, "move", "proposal"),
            (110, "lose", ("competitor", "对手报价低约 30% The competitor was about 30% cheaper")),
        ],
        close_in=-110,
    ),
    Plan(
        "b2b",
        "售后服务 CRM 试点 After-sales CRM pilot",
        SAIC,
        REP1,
        {"amount": "380000", "source": "existing"},
        [
            (265, "create", None),
            (240, "move", "discovery"),
            (200, "lose", ("budget", "预算冻结到明年 Budget frozen until next year")),
        ],
        close_in=-200,
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
        "研学营 Study camp",
        WANG,
        ZHANG_WEI,
        {"amount": "8800", "source": "campaign"},
        [
            (170, "create", None),
            (165, "move", "trial"),
            (
                158,
                "lose",
                ("timing", "孩子已报了别的营 The child already signed up for another camp"),
            ),
        ],
        close_in=-158,
    ),
    Plan(
        "consumer",
        "门店收银系统（3 家店）POS system for 3 stores",
        XIAOLU,
        LIU_YANG,
        {
            "amount": "10800",
            "next_step": "到店签约 Sign the agreement at the shop",
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
        "维保续约 Maintenance renewal",
        SAIC,
        REP1,
        {"amount": "360000", "source": "existing"},
        [(20, "create", None)],
        close_in=45,
    ),
    Plan(
        "renewal",
        "年费续约 Annual renewal",
        XIAOLU,
        LIU_YANG,
        {"amount": "3600", "source": "existing"},
        [(250, "create", None), (235, "win", None)],
        close_in=-235,
    ),
    Plan(
        "renewal",
        "英语网课续费 Online English renewal",
        WANG,
        ZHANG_WEI,
        {"amount": "4800", "source": "existing"},
        [
            (150, "create", None),
            (135, "lose", ("price", "换了更便宜的网课 Switched to a cheaper online course")),
        ],
        close_in=-135,
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
        [(95, "create", None), (88, "win", None)],
        close_in=-88,
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
    "下周电话回访 Call back next week",
    "发送案例资料 Send the case study",
    "约决策人见面 Meet the decision maker",
    "确认预算 Confirm the budget",
    "安排演示 Book the demo",
]
SOURCES = ["self", "lead", "campaign", "referral", "partner", "existing"]
