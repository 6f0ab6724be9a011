"""Customer data for the demo workspace: a corporate group with subsidiaries and a buying
committee, households, small businesses, leads in the pool and in work, custom fields and a
field permission. Through the services, so timelines and search are real, at the moments the
story gives them (core.demo). Idempotent."""

from __future__ import annotations

import itertools

from dealroom.core.actors import Member
from dealroom.core.demo import Clock, Story
from dealroom.workspaces.models import Membership, Workspace

from . import services
from .models import Account, CustomField

CONFIGURED_DAYS_AGO = 284  # the admin set customer data up the day after the workspace
ENTERED_DAYS_AGO = 283  # the sellers entered their customers and contacts the day after
SAIC_NOTE_DAYS_AGO = 132  # before the flagship deal (pipeline demo) was opened

ACCOUNTS = [
    # owner e-mail, data, parent name
    (
        "rep1@demo.local",
        {
            "name": "上海汽车集团股份有限公司",
            "kind": "company",
            "legal_name": "上海汽车集团股份有限公司",
            "industry": "Automotive",
            "region": "上海",
            "size": "1000+",
            "website": "saicmotor.com",
            "tags": "集团, 战略客户",
            "credit_terms": "月结 60 天 / net 60",
            "custom.tier": "A",
            "custom.annual_spend": "12000000",
        },
        None,
    ),
    (
        "james.ward@demo.local",
        {
            "name": "上汽通用汽车有限公司",
            "kind": "company",
            "industry": "Automotive",
            "region": "上海",
            "size": "1000+",
            "credit_terms": "net 45",
            "custom.tier": "A",
        },
        "上海汽车集团股份有限公司",
    ),
    (
        "rep1@demo.local",
        {
            "name": "Siemens Healthineers GmbH",
            "kind": "company",
            "industry": "Manufacturing",
            "region": "Erlangen",
            "size": "1000+",
            "website": "siemens-healthineers.com",
            "credit_terms": "net 30",
            "custom.tier": "B",
        },
        None,
    ),
    (
        "james.ward@demo.local",
        {
            "name": "华为技术有限公司",
            "kind": "company",
            "industry": "Telecom",
            "region": "深圳",
            "size": "1000+",
            "custom.tier": "A",
        },
        None,
    ),
    (
        "rep2@demo.local",
        {
            "name": "张家 Zhang household",
            "kind": "household",
            "region": "上海",
            "product": "平台订阅",
        },
        None,
    ),
    (
        "zhang.wei@demo.local",
        {"name": "王家 Wang household", "kind": "household", "region": "江苏"},
        None,
    ),
    (
        "liu.yang@demo.local",
        {
            "name": "杭州小鹿咖啡有限公司",
            "kind": "company",
            "industry": "Retail",
            "region": "浙江",
            "size": "11-50",
            "product": "SaaS",
            "tags": "small-b",
        },
        None,
    ),
]

CONTACTS = [
    # owner e-mail, data, account name, role
    (
        "rep1@demo.local",
        {
            "full_name": "王建国",
            "title": "采购总监 Procurement Director",
            "phones": "13916881234",
            "emails": "wang.jg@saic.example",
            "wechat_id": "wjg_saic",
        },
        "上海汽车集团股份有限公司",
        "procurement",
    ),
    (
        "rep1@demo.local",
        {
            "full_name": "李华",
            "title": "CIO",
            "phones": "13801234567",
            "emails": "li.hua@saic.example",
        },
        "上海汽车集团股份有限公司",
        "decision_maker",
    ),
    (
        "rep1@demo.local",
        {
            "full_name": "Anna Schmidt",
            "family_name": "Schmidt",
            "given_name": "Anna",
            "title": "Head of IT",
            "phones": "+49 9131 840",
            "emails": "anna.schmidt@siemens.example",
            "linkedin": "anna-schmidt",
        },
        "Siemens Healthineers GmbH",
        "technical_evaluator",
    ),
    (
        "rep2@demo.local",
        {"full_name": "张三", "phones": "13512345678", "wechat_id": "zhangsan88"},
        "张家 Zhang household",
        "registrant",
    ),
    (
        "rep2@demo.local",
        {"full_name": "刘芳", "phones": "13612345679"},
        "张家 Zhang household",
        "payer",
    ),
    (
        "zhang.wei@demo.local",
        {"full_name": "王磊", "phones": "18612340000"},
        "王家 Wang household",
        "registrant",
    ),
    (
        "liu.yang@demo.local",
        {
            "full_name": "陈小鹿",
            "title": "店长 Owner",
            "phones": "0571 8888 1234",
            "wechat_id": "xiaolu_coffee",
        },
        "杭州小鹿咖啡有限公司",
        "decision_maker",
    ),
]

LEADS = [
    # days ago, hour (local), owner e-mail ("" = pool), data; in the order they came in
    (
        20,
        10,
        "",
        {
            "full_name": "赵敏",
            "company_name": "苏州精密机械有限公司",
            "phone": "13771234567",
            "region": "江苏",
            "industry": "制造业",
            "source": "web_form",
        },
    ),
    (
        12,
        15,
        "",
        {
            "full_name": "孙悦",
            "phone": "15012345678",
            "region": "上海",
            "source": "campaign",
            "campaign": "少儿英语试听课 Kids' English trial class",
            "custom.interest": "试听课 Trial",
        },
    ),
    (
        9,
        11,
        "",
        {
            "full_name": "Peter Brown",
            "company_name": "Brown Logistics Ltd",
            "email": "peter@brownlogistics.example",
            "region": "Hong Kong",
            "source": "import",
        },
    ),
    (
        6,
        10,
        "rep2@demo.local",
        {
            "full_name": "周杰",
            "phone": "13311112222",
            "region": "上海",
            "product": "平台订阅",
            "source": "referral",
        },
    ),
    (
        5,
        14,
        "zhang.wei@demo.local",
        {
            "full_name": "吴磊",
            "company_name": "南京云栖科技有限公司",
            "phone": "13900001111",
            "region": "江苏",
            "source": "self",
        },
    ),
    (
        3,
        9,
        "rep1@demo.local",
        {
            "full_name": "Laura Chen",
            "company_name": "Bosch Rexroth AG",
            "email": "laura.chen@bosch.example",
            "industry": "Manufacturing",
            "source": "campaign",
        },
    ),
]

CUSTOM_FIELDS = [
    ("account", "tier", "客户等级 Tier", "choice", ["A", "B", "C"]),
    ("account", "annual_spend", "年采购额 Annual spend", "money", []),
    ("contact", "birthday", "生日 Birthday", "date", []),
    (
        "lead",
        "interest",
        "意向 Interest",
        "choice",
        ["试听课 Trial", "到店 Showroom", "订阅 Subscription"],
    ),
]

REASONS = [
    "无预算 No budget",
    "联系不上 Unreachable",
    "重复 Duplicate",
    "选择竞品 Chose a competitor",
]


def _actor(ws: Workspace, email: str) -> Member:
    return Member(
        Membership.objects.select_related("user", "workspace").get(workspace=ws, user__email=email)
    )


def story(ws: Workspace, admin: Member, clock: Clock) -> Story:
    """The admin sets customer data up after the workspace, the sellers enter their customers
    the days after; leads come in during the last weeks (owned ones touched within the week,
    so the pool's sweep leaves them with their owners). A story for core.demo.play."""
    if Account.objects.filter(workspace=ws).exists():
        return
    minutes = itertools.count()
    yield clock.ago(CONFIGURED_DAYS_AGO, 10)
    for object_type, key, label, kind, options in CUSTOM_FIELDS:
        if not CustomField.objects.filter(workspace=ws, object_type=object_type, key=key).exists():
            services.custom_field_create(
                actor=admin,
                object_type=object_type,
                key=key,
                label=label,
                kind=kind,
                options=options,
            )
    services.customer_settings_update(
        actor=admin,
        phone_region="CN",
        reps_see_all=False,
        lead_claim_limit=20,
        lead_return_days=7,
    )
    for reason in REASONS:
        services.disqualify_reason_create(actor=admin, name=reason)
    # Reps do not see credit terms; managers see them but cannot change them.
    services.field_permission_set(
        actor=admin, object_type="account", field="credit_terms", role="rep", access="hidden"
    )
    services.field_permission_set(
        actor=admin,
        object_type="account",
        field="credit_terms",
        role="manager",
        access="readonly",
    )

    accounts: dict[str, Account] = {}
    for email, account_data, parent in ACCOUNTS:
        yield clock.ago(ENTERED_DAYS_AGO, 9, 5 * next(minutes))
        fields: dict[str, object] = dict(account_data)
        if parent:
            fields["parent"] = accounts[parent].pk
        actor = admin if "credit_terms" in fields else _actor(ws, email)
        owner = Membership.objects.get(workspace=ws, user__email=email).pk
        accounts[str(fields["name"])] = services.record_create(
            actor=actor, object_type="account", data=fields, owner_id=owner
        )
    for email, data, account, role in CONTACTS:
        yield clock.ago(ENTERED_DAYS_AGO, 9, 5 * next(minutes))
        actor = _actor(ws, email)
        contact = services.record_create(actor=actor, object_type="contact", data=data)
        services.account_contact_link(
            actor=admin, account_id=accounts[account].pk, contact_id=contact.pk, role=role
        )

    saic = accounts["上海汽车集团股份有限公司"]
    yield clock.ago(SAIC_NOTE_DAYS_AGO, 16, 20)
    rep1 = _actor(ws, "rep1@demo.local")
    services.note_add(
        actor=rep1,
        object_type="account",
        record_id=saic.pk,
        body="王总确认启动供应商评估；需要先与 CIO 李华对齐技术路线。\n"
        "Procurement wants a pilot proposal within six weeks.",
    )
    services.collaborator_set(
        actor=rep1,
        object_type="account",
        record_id=saic.pk,
        member_id=Membership.objects.get(workspace=ws, user__email="james.ward@demo.local").pk,
        level="edit",
    )

    for days_ago, hour, email, data in LEADS:
        yield clock.ago(days_ago, hour)
        manager = _actor(ws, "manager@demo.local")
        lead_owner = "" if not email else Membership.objects.get(workspace=ws, user__email=email).pk
        services.record_create(actor=manager, object_type="lead", data=data, owner_id=lead_owner)

    yield clock.ago(2, 11, 30)
    rep2 = _actor(ws, "rep2@demo.local")
    lead = services.record_create(
        actor=rep2,
        object_type="lead",
        data={
            "full_name": "黄蕾",
            "phone": "13822223333",
            "region": "上海",
            "source": "referral",
            "referred_by": accounts["张家 Zhang household"].pk,
        },
    )
    yield clock.ago(1, 15, 10)
    rep2 = _actor(ws, "rep2@demo.local")
    services.lead_status_set(actor=rep2, lead_id=lead.pk, status="qualified", version=lead.version)
