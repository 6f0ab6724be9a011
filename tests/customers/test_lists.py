"""List filters and the query shapes behind lists and search (benchmarks/customers.py measures
their speed; these pin down that the faster shapes find the same records)."""

from __future__ import annotations

import pytest
from django.db import connection

from dealroom.customers import search, selectors, services
from dealroom.customers.models import Contact, SearchTerm


def listed(actor, object_type: str, params: dict) -> set[str]:
    query = selectors.ListQuery.parse(actor, object_type, params)
    rows = selectors.record_list(actor=actor, query=query)
    return {str(r) for r in rows}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("经理", {"销售经理", "采购经理"}),
        ("销售", {"销售经理"}),
        ("manager", {"Sales Manager", "MANAGER of 100%"}),
        ("MANAGER", {"Sales Manager", "MANAGER of 100%"}),
        ("100%", {"MANAGER of 100%"}),
        ("%", {"MANAGER of 100%"}),
        ("_", {"a_b"}),
        ("ß", set()),
    ],
)
def test_text_filter_is_a_case_insensitive_substring(cx, value, expected):
    rep = cx.actor("rep")
    titles = ["销售经理", "采购经理", "工程师", "Sales Manager", "MANAGER of 100%", "a_b", "ab"]
    for title in titles:
        cx.contact(rep, full_name=f"Contact {title}", title=title)
    found = listed(rep, "contact", {"f.title": value})
    assert found == {f"Contact {t}" for t in expected}


def test_text_filter_on_accounts(cx):
    rep = cx.actor("rep")
    cx.account(rep, name="北京华信科技有限公司", industry="信息技术")
    cx.account(rep, name="Blue Stone Ltd", industry="IT services")
    assert listed(rep, "account", {"f.industry": "it"}) == {"Blue Stone Ltd"}
    assert listed(rep, "account", {"f.name": "华信"}) == {"北京华信科技有限公司"}


def test_list_and_search_agree_with_record_visibility_for_contacts_of_visible_accounts(cx):
    """A contact reached only through an account the rep owns: the list's and search's set
    shape (index lookups of the account's links) and a record check's per-row shape agree."""
    rep, other = cx.actor("rep"), cx.other
    account = cx.account(rep, name="华信贸易有限公司")
    linked = cx.contact(other, full_name="王伟")
    cx.contact(other, full_name="王芳")  # not linked: the rep does not see it
    services.account_contact_link(
        actor=cx.actor("admin"), account_id=account.pk, contact_id=linked.pk, role="user"
    )
    rep = cx.actor("rep")
    assert listed(rep, "contact", {}) == {"王伟"}
    assert set(Contact.objects.visible_to(rep).values_list("full_name", flat=True)) == {"王伟"}
    assert [c.full_name for c in search.search(actor=rep, query="王")["contact"]] == ["王伟"]


def test_search_index_has_its_covering_prefix_index(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, SearchTerm._meta.db_table)
    assert "search_term_prefix" in constraints
    assert constraints["search_term_prefix"]["columns"][:3] == [
        "workspace_id",
        "object_type",
        "token",
    ]


@pytest.mark.parametrize("read_up_to", [0, 100])
def test_search_finds_the_same_with_its_ids_read_first_or_joined(cx, monkeypatch, read_up_to):
    """On PostgreSQL search reads the matching ids first, up to a limit, and past it joins
    them in the database: both give the same records (elsewhere both are the join)."""
    monkeypatch.setattr(search, "READ_IDS_UP_TO", read_up_to)
    rep, other = cx.actor("rep"), cx.other
    for name in ("王伟", "王芳", "王磊"):
        cx.contact(rep, full_name=name)
    cx.contact(other, full_name="王强")  # not the rep's
    found = search.search(actor=cx.actor("rep"), query="王")["contact"]
    assert {c.full_name for c in found} == {"王伟", "王芳", "王磊"}
