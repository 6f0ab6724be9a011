"""Customer pages: lists, forms, detail, search, export — through the real views."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealroom.customers import services
from dealroom.customers.models import Account, Contact, Lead

SLUG = "alpha"


def url(name, *args):
    return reverse(name, args=[SLUG, *args])


@pytest.fixture
def rep_client(cx, login):
    return login(cx.world.user("alpha", "rep"))


@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
def test_list_create_detail_edit(cx, rep_client, object_type):
    name_field = {"account": "name", "contact": "full_name", "lead": "full_name"}[object_type]
    r = rep_client.get(url(f"{object_type}_create"))
    assert r.status_code == 200
    data = {name_field: "王小明 Wang", "version": ""}
    if object_type == "account":
        data["kind"] = "company"
    r = rep_client.post(url(f"{object_type}_create"), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    model: Any = {"account": Account, "contact": Contact, "lead": Lead}[object_type]
    record = model.objects.get()
    r = rep_client.get(url(f"{object_type}_detail", record.pk))
    assert r.status_code == 200
    assert "王小明" in r.content.decode()
    r = rep_client.get(url(f"{object_type}_list"))
    assert r.status_code == 200 and "王小明" in r.content.decode()
    # the "updated" column is a moment: a <time> with the machine-readable value
    assert '<time datetime="' in r.content.decode()
    r = rep_client.get(url(f"{object_type}_edit", record.pk))
    assert r.status_code == 200
    data = {name_field: "王小明 Wong", "version": record.version}
    if object_type == "account":
        data["kind"] = "company"
    r = rep_client.post(url(f"{object_type}_edit", record.pk), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    r = rep_client.get(url(f"{object_type}_detail", record.pk))
    assert "Wong" in r.content.decode()
    # the same form posted again from the old version is refused and says what changed
    data[name_field] = "Another"
    r = rep_client.post(url(f"{object_type}_edit", record.pk), data)
    assert r.status_code == 409
    assert "Wong" in r.content.decode()


def test_invalid_phone_names_the_field(cx, rep_client):
    r = rep_client.post(url("contact_create"), {"full_name": "张三", "phones": "12ab"})
    assert r.status_code == 400
    assert "12ab" in r.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize("params", [{"owner": "\u00b3"}, {"page": "9" * 30}])
def test_a_list_refuses_numbers_the_database_cannot_hold(cx, login, params):
    client = login(cx.world.user("alpha", "readonly"))
    for name in ("contact_list", "contact_export"):
        response = client.get(url(name), params)
        assert response.status_code == 400, response.content[:300]


def test_search_dropdown_and_page(cx, rep_client):
    cx.contact(cx.actor("rep"), full_name="张三", phones="13812345678")
    r = rep_client.get(url("customer_search"), {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "张三" in r.content.decode()
    r = rep_client.get(url("customer_search"), {"q": "5678"})
    assert "张三" in r.content.decode()


def test_export_leaves_out_hidden_fields(cx, login):
    admin = cx.actor("admin")
    cx.account(cx.actor("rep"), name="Secretive Ltd", credit_terms="net 90")
    services.field_permission_set(
        actor=admin, object_type="account", field="credit_terms", role="rep", access="hidden"
    )
    body = b"".join(
        login(cx.world.user("alpha", "rep")).get(url("account_export")).streaming_content
    )
    assert b"Secretive" in body and b"net 90" not in body
    body = b"".join(
        login(cx.world.user("alpha", "admin")).get(url("account_export")).streaming_content
    )
    assert b"net 90" in body


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
def test_list_and_detail_queries_do_not_grow(cx, rep_client, object_type):
    rep = cx.actor("rep")
    make = {"account": cx.account, "contact": cx.contact, "lead": cx.lead}[object_type]
    first = make(rep, **({"name": "A0"} if object_type == "account" else {"full_name": "A0"}))
    for i in range(9):
        make(
            rep,
            **({"name": f"A{i + 1}"} if object_type == "account" else {"full_name": f"A{i + 1}"}),
        )
    services.note_add(actor=rep, object_type=object_type, record_id=first.pk, body="hello")
    rep_client.get(reverse("dashboard", args=[SLUG]))  # the first visit records the workspace
    rep_client.get(url(f"{object_type}_detail", first.pk))  # and reads the configuration
    small_list = _queries(rep_client, url(f"{object_type}_list") + "?per_page=100")
    small_detail = _queries(rep_client, url(f"{object_type}_detail", first.pk))
    for i in range(90):
        make(rep, **({"name": f"B{i}"} if object_type == "account" else {"full_name": f"B{i}"}))
    for i in range(20):
        services.note_add(actor=rep, object_type=object_type, record_id=first.pk, body=f"n{i}")
    assert _queries(rep_client, url(f"{object_type}_list") + "?per_page=100") == small_list
    assert _queries(rep_client, url(f"{object_type}_detail", first.pk)) == small_detail


def test_other_workspace_and_invisible_records_are_404(cx, login):
    acc = cx.account(cx.actor("rep"), name="Mine")
    other = login(cx.other_rep.user)
    assert other.get(url("account_detail", acc.pk)).status_code == 404
    assert other.post(url("account_edit", acc.pk), {"name": "x"}).status_code == 404
    beta = login(cx.world.user("beta", "admin"))
    assert beta.get(reverse("account_detail", args=["beta", acc.pk])).status_code == 404
    assert beta.get(url("account_detail", acc.pk)).status_code == 404


def test_parent_account_is_not_named_to_those_who_cannot_see_it(cx, login):
    """A subsidiary shared with a rep must not reveal the name of a parent they cannot see:
    not on the page, the edit form, the export or the API."""
    manager = cx.actor("manager")
    parent = cx.account(manager, name="Hidden Parent 母公司")
    child = cx.account(manager, name="Shared Child", parent=parent.pk)
    services.collaborator_set(
        actor=manager,
        object_type="account",
        record_id=child.pk,
        member_id=cx.other_rep.pk,
        level="edit",
    )
    client = login(cx.other_rep.user)
    for path in (url("account_detail", child.pk), url("account_edit", child.pk)):
        page = client.get(path).content.decode()
        assert "Shared Child" in page and "Hidden Parent" not in page, path
    export = b"".join(client.get(url("account_export")).streaming_content).decode()
    assert "Shared Child" in export and "Hidden Parent" not in export
    api = client.get(f"/api/w/{SLUG}/accounts/{child.pk}").content.decode()
    assert "Shared Child" in api and "Hidden Parent" not in api
    # the manager, who sees both, still gets the name
    assert (
        "Hidden Parent"
        in login(cx.world.user("alpha", "manager"))
        .get(url("account_detail", child.pk))
        .content.decode()
    )
    # a later change of the parent names neither account to the rep in the timeline
    other_parent = cx.account(manager, name="Second Hidden 子集团")
    child.refresh_from_db()
    services.record_update(
        actor=manager,
        object_type="account",
        record_id=child.pk,
        version=child.version,
        data={"parent": other_parent.pk},
    )
    client = login(cx.other_rep.user)  # the same test client was switched to the manager above
    page = client.get(url("account_detail", child.pk)).content.decode()
    assert "parent account" in page.lower()
    assert "Hidden Parent" not in page and "Second Hidden" not in page
    manager_page = login(cx.world.user("alpha", "manager")).get(url("account_detail", child.pk))
    assert "Second Hidden" in manager_page.content.decode()


def test_page_denials(cx, login):
    """Read-only members cannot create; only admins reach customer settings (403 otherwise,
    and nothing changes)."""
    readonly = login(cx.world.user("alpha", "readonly"))
    assert readonly.get(url("account_create")).status_code == 403
    assert readonly.post(url("account_create"), {"name": "X", "kind": "company"}).status_code == 403
    assert not Account.objects.exists()
    for role in ("manager", "rep", "readonly"):
        client = login(cx.world.user("alpha", role))
        assert client.get(url("customer_settings")).status_code == 403
        r = client.post(url("field_permissions"), {"account:credit_terms:rep": "hidden"})
        assert r.status_code == 403
    from dealroom.customers.models import FieldPermission

    assert not FieldPermission.objects.exists()
    admin = login(cx.world.user("alpha", "admin"))
    assert admin.get(url("customer_settings")).status_code == 200


@pytest.mark.parametrize("htmx", [False, True])
def test_claiming_a_lead_you_cannot_see_answers_like_a_missing_one(cx, login, htmx):
    """No existence oracle on the page either: the same 404 page (or htmx fragment) for a lead
    someone outside your view claimed as for an id that was never used."""
    lead = cx.lead(cx.actor("admin"), owner_id="")
    services.lead_claim(actor=cx.actor("rep"), lead_id=lead.pk)
    client = login(cx.other_rep.user)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    hidden = client.post(url("lead_claim", lead.pk), **headers)
    missing = client.post(url("lead_claim", lead.pk + 1000), **headers)
    assert hidden.status_code == missing.status_code == 404

    def body(response) -> str:
        text = response.content.decode()
        text = re.sub(r"\b[A-Za-z0-9]{64}\b", "", text)  # CSRF tokens: masked afresh each time
        return re.sub(r"/leads/\d+/", "/leads/<id>/", text)  # the page's own address

    assert body(hidden) == body(missing)
    assert Lead.objects.get(pk=lead.pk).owner_id == cx.actor("rep").membership.pk


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dates_and_moments_read_one_way_per_language(cx, rep_client, language):
    from django.utils import formats, timezone, translation

    cf = services.custom_field_create(
        actor=cx.world.actor("alpha", "admin"), object_type="account", label="Founded", kind="date"
    )
    account = cx.account(cx.world.actor("alpha", "rep"), **{f"custom.{cf.key}": "2026-01-05"})
    rep_client.cookies["django_language"] = language
    detail = rep_client.get(url("account_detail", account.pk)).content.decode()
    listing = rep_client.get(url("account_list")).content.decode()
    created = timezone.localtime(account.created_at)
    with translation.override(language):
        moment = formats.date_format(created, "DATETIME_FORMAT")
        day = formats.date_format(created, "DATE_FORMAT")
        short = formats.date_format(created, "SHORT_DATETIME_FORMAT")
        founded = formats.date_format(datetime.date(2026, 1, 5), "DATE_FORMAT")
    # created and updated in the details, and the timeline's "created" event
    assert detail.count(f">{moment}<") >= 3
    assert moment == short or f">{short}<" not in detail
    assert f">{day}<" in listing  # the list's "updated" column: the day
    # a custom date field reads as the record's other dates do, not as "2026-01-05"
    assert f">{founded}<" in detail and f">{founded}<" in listing
    assert ">2026-01-05<" not in detail + listing
