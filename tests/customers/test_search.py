"""Search across accounts, contacts and leads, through the index the services keep: Chinese
names by any part, pinyin and initials; Latin prefixes; e-mails; phone endings and national
prefixes; company names with or without their legal suffix; only visible records and only
through fields the reader may see; kept up to date on update, archive and delete."""

from __future__ import annotations

import pytest

from dealroom.core.actors import Member
from dealroom.customers import search, services
from dealroom.customers.models import SearchTerm
from dealroom.workspaces.models import Membership


def fresh(actor: Member) -> Member:
    return Member(
        Membership.objects.select_related("user", "workspace").get(pk=actor.membership.pk)
    )


def found(actor, query: str, object_type: str) -> set[str]:
    return {str(r) for r in search.search(actor=actor, query=query).get(object_type, [])}


# -- Chinese names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "张三",
        "三",
        "张",
        "zhangsan",
        "zhang",
        "san",
        "zs",
        "ZS",
        "Zhang San",
        "ＺＳ",
        "ｚｈａｎｇｓａｎ",
    ],
)
def test_chinese_name_found_by_characters_pinyin_and_initials(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="张三")
    cx.contact(rep, full_name="李四")
    assert found(rep, query, "contact") == {"张三"}


@pytest.mark.parametrize("query", ["李", "zhangsi", "sz", "张四"])
def test_chinese_name_not_found_by_what_it_does_not_contain(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="张三")
    assert found(rep, query, "contact") == set()


def test_longer_chinese_name_found_by_its_middle(cx):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="欧阳娜娜")
    for query in ("欧阳", "阳娜", "娜娜", "ouyang", "yangna", "oynn", "ynn"):
        assert found(rep, query, "contact") == {"欧阳娜娜"}, query


# -- Latin names, e-mails, handles -------------------------------------------------------------


@pytest.mark.parametrize("query", ["jo", "John", "smi", "SMITH", "john smith", "john sm", "johnsm"])
def test_latin_names_by_prefix(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="John Smith")
    cx.contact(rep, full_name="Jane Brown")
    assert found(rep, query, "contact") == {"John Smith"}


@pytest.mark.parametrize("query", ["ohn", "mith", "john brown", "j"])
def test_latin_names_not_by_infix_or_other_words(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="John Smith")
    assert found(rep, query, "contact") == set()


@pytest.mark.parametrize(
    "query",
    ["zhang.san@example.com", "ZHANG.SAN@EXAMPLE.COM", "zhang.san", "zhang.sa", "example.com"],
)
def test_email(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="张三", emails=["Zhang.San@Example.com"])
    cx.contact(rep, full_name="李四", emails=["li@other.cn"])
    assert found(rep, query, "contact") == {"张三"}


def test_wechat_and_qq_handles(cx):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="张三", wechat_id="ZhangSan_88", qq="123456789")
    assert found(rep, "zhangsan_88", "contact") == {"张三"}
    assert found(rep, "123456789", "contact") == {"张三"}


# -- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "5678",  # the last four digits
        "45678",
        "12345678",
        "138",  # a national-number prefix
        "1381234",
        "13812345678",
        "+8613812345678",
        "8613812345678",
        "+86 138",  # written as people write phone numbers
        "138 1234 5678",
        "138-1234-5678",
        "+86 (138) 1234 5678",
        "１３８１２３４５６７８",  # full-width
    ],
)
def test_phone_by_ending_or_national_prefix(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="张三", phones=["138 1234 5678"])
    cx.contact(rep, full_name="李四", phones=["139 0000 1111"])
    assert found(rep, query, "contact") == {"张三"}


@pytest.mark.parametrize("query", ["1234", "678", "8123"])
def test_phone_not_by_middle_digits_or_fewer_than_four(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="张三", phones=["138 1234 5678"])
    assert found(rep, query, "contact") == set()


def test_foreign_phone_by_ending_and_national_prefix(cx):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="Hans Müller", phones=["+49 30 12345678"])
    for query in ("5678", "3012345678", "301234", "+493012345678"):
        assert found(rep, query, "contact") == {"Hans Müller"}, query


def test_lead_phone_email_and_company(cx):
    rep = cx.actor("rep")
    cx.lead(
        rep,
        full_name="王五",
        company_name="腾讯科技（深圳）有限公司",
        phone="13700001234",
        email="wangwu@qq.com",
    )
    for query in ("王五", "ww", "腾讯", "tengxun", "1234", "137000", "wangwu@qq", "深圳"):
        assert found(rep, query, "lead") == {"王五"}, query


# -- company names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["华为", "华为技术", "华为技术有限公司", "技术", "huawei", "hw", "hwjs"]
)
def test_chinese_company_with_or_without_legal_suffix(cx, query):
    rep = cx.actor("rep")
    cx.account(rep, name="华为技术有限公司")
    cx.account(rep, name="中兴通讯股份有限公司")
    assert found(rep, query, "account") == {"华为技术有限公司"}


@pytest.mark.parametrize("query", ["Acme GmbH", "acme", "ACME", "acme gmbh", "Acme Co., Ltd."])
def test_latin_company_with_or_without_legal_suffix(cx, query):
    rep = cx.actor("rep")
    cx.account(rep, name="ACME GmbH")
    cx.account(rep, name="Globex Inc.")
    assert found(rep, query, "account") == {"ACME GmbH"}


@pytest.mark.parametrize(
    ("name", "query"),
    [("Global Zinc", "zinc"), ("Shanghai Zinc", "shanghai zinc"), ("Nutmeg Ag", "nutmeg")],
)
def test_legal_suffix_is_only_stripped_as_a_whole_word(cx, name, query):
    """ "inc" ends "Zinc" and "ag" ends many words: only a separate word is a legal form."""
    rep = cx.actor("rep")
    cx.account(rep, name=name)
    assert found(rep, query, "account") == {name}


def test_legal_name_is_searchable(cx):
    rep = cx.actor("rep")
    cx.account(rep, name="HW", legal_name="华为技术有限公司")
    assert found(rep, "华为", "account") == {"HW"}


def test_household_names_keep_their_words(cx):
    rep = cx.actor("rep")
    cx.account(rep, name="王家", kind="household")
    assert found(rep, "王家", "account") == {"王家"}
    assert found(rep, "wangjia", "account") == {"王家"}


# -- what a reader may find --------------------------------------------------------------------


def test_results_are_limited_to_visible_records(cx):
    rep, admin = cx.actor("rep"), cx.actor("admin")
    cx.contact(rep, full_name="张三")
    cx.contact(cx.other, full_name="张三丰")
    cx.account(cx.other, name="张三贸易有限公司")
    cx.lead(cx.other, full_name="张三妹")
    cx.lead(admin, owner_id="", full_name="张三姐")  # in the pool: everyone sees it
    assert found(rep, "张三", "contact") == {"张三"}
    assert found(rep, "张三", "account") == set()
    assert found(rep, "张三", "lead") == {"张三姐"}
    assert found(admin, "张三", "contact") == {"张三", "张三丰"}
    assert found(admin, "张三", "account") == {"张三贸易有限公司"}
    assert found(admin, "张三", "lead") == {"张三妹", "张三姐"}
    assert found(cx.actor("manager"), "zs", "contact") == {"张三"}
    assert search.search(actor=cx.actor("admin", "beta"), query="张三") == {
        "account": [],
        "contact": [],
        "lead": [],
    }
    # the same token in workspace B does not reach A
    cx.contact(cx.actor("rep", "beta"), full_name="张三")
    assert found(admin, "张三", "contact") == {"张三", "张三丰"}
    assert found(cx.actor("rep", "beta"), "张三", "contact") == {"张三"}


def test_a_field_hidden_from_a_role_is_not_searchable_for_it(cx):
    rep, admin = cx.actor("rep"), cx.actor("admin")
    cx.contact(rep, full_name="张三", phones=["13812345678"], emails=["zs@example.com"])
    services.field_permission_set(
        actor=admin, object_type="contact", field="phones", role="rep", access="hidden"
    )
    rep = fresh(rep)
    assert found(rep, "5678", "contact") == set()
    assert found(rep, "13812345678", "contact") == set()
    assert found(rep, "张三 5678", "contact") == set()
    assert found(rep, "张三", "contact") == {"张三"}  # other fields still work
    assert found(rep, "zs@example", "contact") == {"张三"}
    assert found(fresh(admin), "5678", "contact") == {"张三"}
    assert found(fresh(cx.actor("manager")), "5678", "contact") == {"张三"}


def test_a_hidden_lead_phone_is_not_searchable(cx):
    rep = cx.actor("rep")
    cx.lead(rep, full_name="李四", phone="13812345678")
    services.field_permission_set(
        actor=cx.actor("admin"), object_type="lead", field="phone", role="rep", access="hidden"
    )
    assert found(fresh(rep), "5678", "lead") == set()
    assert found(fresh(cx.actor("admin")), "5678", "lead") == {"李四"}


def test_index_follows_updates(cx):
    rep = cx.actor("rep")
    contact = cx.contact(rep, full_name="张三", phones=["13812345678"])
    services.record_update(
        actor=rep,
        object_type="contact",
        record_id=contact.pk,
        version=1,
        data={"full_name": "王五", "phones": "13900001111"},
    )
    assert found(rep, "张三", "contact") == set()
    assert found(rep, "zs", "contact") == set()
    assert found(rep, "5678", "contact") == set()
    assert found(rep, "王五", "contact") == {"王五"}
    assert found(rep, "ww", "contact") == {"王五"}
    assert found(rep, "1111", "contact") == {"王五"}


def test_archived_and_deleted_records_are_not_found(cx):
    rep = cx.actor("rep")
    account = cx.account(rep, name="华为技术有限公司")
    services.record_archive(actor=rep, object_type="account", record_id=account.pk)
    assert found(rep, "华为", "account") == set()
    services.record_archive(actor=rep, object_type="account", record_id=account.pk, archived=False)
    assert found(rep, "华为", "account") == {"华为技术有限公司"}
    services.record_delete(actor=rep, object_type="account", record_id=account.pk)
    assert found(rep, "华为", "account") == set()
    assert not SearchTerm.objects.filter(object_id=account.pk, object_type="account").exists()


@pytest.mark.parametrize("query", ["", "   ", "a", "-", "，"])
def test_queries_with_nothing_to_look_for_find_nothing(cx, query):
    rep = cx.actor("rep")
    cx.contact(rep, full_name="a")
    assert search.search(actor=rep, query=query) == {}


def test_results_per_type_are_limited(cx):
    rep = cx.actor("rep")
    for i in range(10):
        cx.contact(rep, full_name=f"张三{i}")
    results = search.search(actor=rep, query="张三", object_types=["contact"])
    assert list(results) == ["contact"]
    assert len(results["contact"]) == 8
    assert len(search.search(actor=rep, query="张三", limit=20)["contact"]) == 10
