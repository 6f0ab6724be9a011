"""The customers REST API against a real database: CRUD of each object by session and by
token, hidden fields, validation, versions, isolation, visibility, the lead pool, conversion,
contacts on accounts, owner and collaborators, custom fields, search, docs and query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dealroom.customers import services
from dealroom.customers.models import (
    Account,
    AccountContact,
    Collaborator,
    Contact,
    Lead,
    LeadStatus,
)
from dealroom.workspaces.services import api_token_create


class Api:
    """A client for one user, logged in by session or sending a Bearer token."""

    def __init__(self, user, auth: str = "session", slug: str = "alpha"):
        self.client = Client()
        self.headers: dict[str, str] = {}
        self.slug = slug
        if auth == "session":
            self.client.force_login(user)
        else:
            _token, secret = api_token_create(user=user, name="test")
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def url(self, path: str) -> str:
        return f"/api/w/{self.slug}/{path.lstrip('/')}"

    def get(self, path: str, params: dict | None = None):
        return self.client.get(self.url(path), params or {}, **self.headers)  # type: ignore[arg-type]

    def _send(self, method: str, path: str, body=None):
        send = getattr(self.client, method)
        data = json.dumps(body) if body is not None else None
        return send(self.url(path), data=data, content_type="application/json", **self.headers)

    def post(self, path: str, body=None):
        return self._send("post", path, body if body is not None else {})

    def patch(self, path: str, body):
        return self._send("patch", path, body)

    def put(self, path: str, body=None):
        return self._send("put", path, body if body is not None else {})

    def delete(self, path: str):
        return self._send("delete", path)


@pytest.fixture
def api(world):
    def make(role: str, auth: str = "session", slug: str = "alpha", user=None) -> Api:
        return Api(user or world.user(slug, role), auth, slug)

    return make


PLURAL = {"account": "accounts", "contact": "contacts", "lead": "leads"}
SAMPLES = {
    "account": (
        {"name": "Acme 有限公司", "industry": "Steel", "tags": ["vip", "vip", "east"]},
        {"industry": "Steel", "tags": ["vip", "east"]},
        {"region": "Shanghai"},
    ),
    "contact": (
        {"full_name": "张三", "phones": ["138 0013 8000"], "emails": ["Zhang@Example.COM"]},
        {"phones": ["+8613800138000"], "emails": ["zhang@example.com"]},
        {"title": "CTO"},
    ),
    "lead": (
        {"full_name": "李四", "company_name": "Beta Co", "phone": "13900139000"},
        {"phone": "+8613900139000", "status": "new"},
        {"campaign": "Expo 2025"},
    ),
}


# -- CRUD ------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["session", "token"])
@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
def test_crud(api, cx, object_type, auth):
    rep = api("rep", auth)
    plural = PLURAL[object_type]
    body, stored, change = SAMPLES[object_type]
    assert isinstance(stored, dict)

    created = rep.post(plural, body)
    assert created.status_code == 201, created.json()
    record = created.json()
    assert record["object_type"] == object_type
    assert record["version"] == 1
    assert record["archived"] is False
    assert record["owner"] == {"id": cx.world.member("alpha", "rep").pk, "name": "rep alpha"}
    assert record["custom"] == {}
    for name, value in stored.items():
        assert record[name] == value

    got = rep.get(f"{plural}/{record['id']}")
    assert got.status_code == 200
    assert got.json() == record

    listed = rep.get(plural).json()
    assert listed["total"] == 1 and listed["page"] == 1 and listed["per_page"] == 25
    assert listed["items"] == [record]

    patched = rep.patch(f"{plural}/{record['id']}", {"version": 1, **change})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["version"] == 2
    for name, value in change.items():
        assert patched.json()[name] == value

    assert rep.delete(f"{plural}/{record['id']}").status_code == 204
    assert rep.get(f"{plural}/{record['id']}").status_code == 404
    assert rep.get(plural).json()["total"] == 0


def test_patch_needs_a_version(api, cx):
    account = cx.account(cx.actor("rep"))
    response = api("rep").patch(f"accounts/{account.pk}", {"name": "New"})
    assert response.status_code == 400
    assert "version" in response.json()["fields"]
    account.refresh_from_db()
    assert account.name == "Acme 有限公司"


def test_unknown_field_is_named(api, cx):
    # 403 like a hidden field: trying names must not tell which hidden fields exist
    response = api("rep").post("accounts", {"name": "X", "colour": "red"})
    assert response.status_code == 403
    assert "colour" in response.json()["fields"]
    assert not Account.objects.exists()


def test_logged_out_and_read_only(api, cx):
    assert Client().get("/api/w/alpha/accounts").status_code == 401
    readonly = api("readonly")
    assert readonly.get("accounts").status_code == 200
    assert readonly.post("accounts", {"name": "X"}).status_code == 403
    assert not Account.objects.exists()


def test_managers_create_for_others_and_leads_for_the_pool(api, cx, world):
    rep_id = world.member("alpha", "rep").pk
    manager = api("manager")
    account = manager.post("accounts", {"name": "For rep", "owner": rep_id}).json()
    assert account["owner"]["id"] == rep_id
    pooled = manager.post("leads", {"full_name": "Pool", "owner": None}).json()
    assert pooled["owner"] is None
    assert api("rep").post("accounts", {"name": "X", "owner": cx.other_rep.pk}).status_code == 403


# -- field permissions -----------------------------------------------------------------------


def test_hidden_field_is_absent_and_cannot_be_changed(api, cx, world):
    admin = cx.actor("admin")
    services.field_permission_set(
        actor=admin, object_type="account", field="credit_terms", role="rep", access="hidden"
    )
    account = services.record_create(
        actor=admin,
        object_type="account",
        data={"name": "Secretive Ltd", "credit_terms": "Net 30"},
        owner_id=world.member("alpha", "rep").pk,
    )
    rep = api("rep", "token")

    got = rep.get(f"accounts/{account.pk}").json()
    assert "credit_terms" not in got and got["name"] == "Secretive Ltd"
    listed = rep.get("accounts").json()["items"]
    assert [a["id"] for a in listed] == [account.pk]
    assert "credit_terms" not in listed[0]
    found = rep.get("search", {"q": "secretive"}).json()
    assert [a["id"] for a in found["accounts"]] == [account.pk]
    assert "credit_terms" not in found["accounts"][0]
    filtered = rep.get("accounts", {"f.credit_terms": "Net"}).json()
    assert filtered["total"] == 1 and filtered["errors"]  # the filter is dropped, and said so

    refused = rep.patch(f"accounts/{account.pk}", {"version": 1, "credit_terms": "Cash"})
    assert refused.status_code == 403
    assert "credit_terms" in refused.json()["fields"]
    same = rep.patch(f"accounts/{account.pk}", {"version": 1, "credit_terms": "Net 30"})
    assert same.status_code == 403  # not 200: that would tell the rep the hidden value
    account.refresh_from_db()
    assert (account.credit_terms, account.version) == ("Net 30", 1)

    assert api("admin").get(f"accounts/{account.pk}").json()["credit_terms"] == "Net 30"


def test_hidden_custom_field(api, cx, world):
    admin = api("admin")
    made = admin.post(
        "custom-fields", {"object_type": "contact", "label": "Salary", "kind": "money"}
    )
    assert made.status_code == 201
    services.field_permission_set(
        actor=cx.actor("admin"),
        object_type="contact",
        field="custom.salary",
        role="rep",
        access="hidden",
    )
    contact = admin.post(
        "contacts",
        {
            "full_name": "王五",
            "owner": world.member("alpha", "rep").pk,
            "custom": {"salary": "1,000.5"},
        },
    ).json()
    assert contact["custom"] == {"salary": 1000.5}
    rep = api("rep")
    assert rep.get(f"contacts/{contact['id']}").json()["custom"] == {}
    assert "salary" not in {cf["key"] for cf in rep.get("custom-fields").json()}


# -- validation, versions --------------------------------------------------------------------


def test_invalid_phone(api, cx):
    response = api("rep").post("contacts", {"full_name": "张三", "phones": ["12345"]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "12345" in body["fields"]["phones"]
    assert not Contact.objects.exists()


def test_version_conflict(api, cx):
    account = cx.account(cx.actor("rep"), industry="Steel")
    rep, manager = api("rep"), api("manager")
    saved = manager.patch(f"accounts/{account.pk}", {"version": 1, "industry": "Oil"})
    assert saved.status_code == 200
    stale = rep.patch(f"accounts/{account.pk}", {"version": 1, "industry": "Gas"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert "industry" in stale.json()["fields"]
    account.refresh_from_db()
    assert (account.industry, account.version) == ("Oil", 2)


HUGE = 10**25  # beyond a 64-bit integer


def test_version_beyond_64_bits_is_named(api, cx):
    account = cx.account(cx.actor("rep"))
    response = api("rep").patch(f"accounts/{account.pk}", {"version": HUGE, "name": "New"})
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["version"] == "This number is too large."
    zh = api("rep").client.patch(
        f"/api/w/alpha/accounts/{account.pk}",
        data=json.dumps({"version": HUGE}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert zh.json()["fields"]["version"] == "数字过大。"
    account.refresh_from_db()
    assert (account.name, account.version) == ("Acme 有限公司", 1)


@pytest.mark.parametrize(
    ("object_type", "field", "value"),
    [
        ("account", "tags", False),
        ("account", "tags", 0),
        ("account", "tags", [1]),
        ("contact", "emails", 0),
        ("contact", "phones", False),
        ("contact", "phones", {"mobile": "13800138000"}),
        ("account", "name", ["Acme"]),
        ("account", "industry", True),
    ],
)
def test_a_value_of_the_wrong_json_type_is_named(api, cx, object_type, field, value):
    rep = api("rep")
    plural = PLURAL[object_type]
    name = {"account": "name", "contact": "full_name"}[object_type]
    created = rep.post(plural, {name: "Acme", field: value})
    assert created.status_code == 400, created.content
    assert created.json()["fields"].get(field), created.json()
    make = cx.account if object_type == "account" else cx.contact
    record = make(cx.actor("rep"))
    updated = rep.patch(f"{plural}/{record.pk}", {"version": 1, field: value})
    assert updated.status_code == 400, updated.content
    assert updated.json()["fields"].get(field), updated.json()
    record.refresh_from_db()
    assert record.version == 1 and type(record).objects.count() == 1


@pytest.mark.parametrize("owner", ["\u00b3", "٣", str(HUGE), "-1", "somebody"])
def test_an_owner_filter_that_is_no_member_is_named(api, cx, owner):
    """`owner` is me, pool or a membership id; anything else (a digit int() takes but the
    database does not, a number beyond 64 bits) is refused, even to a read-only member."""
    response = api("readonly").get("contacts", {"owner": owner})
    assert response.status_code == 400, response.content
    assert response.json()["fields"].get("owner")


# -- isolation and visibility ----------------------------------------------------------------


def test_other_workspace_is_not_found(api, cx):
    theirs = cx.account(cx.actor("admin", "beta"), name="Beta secret")
    admin = api("admin", "token")
    for response in (
        admin.get(f"accounts/{theirs.pk}"),
        admin.patch(f"accounts/{theirs.pk}", {"version": 1, "name": "Mine"}),
        admin.post(f"accounts/{theirs.pk}/archive"),
        admin.put(f"accounts/{theirs.pk}/owner", {"owner_id": cx.world.member("alpha", "rep").pk}),
        admin.get(f"accounts/{theirs.pk}/contacts"),
        admin.delete(f"accounts/{theirs.pk}"),
    ):
        assert response.status_code == 404
    assert admin.get("accounts").json()["total"] == 0
    assert admin.get("search", {"q": "beta"}).json()["accounts"] == []
    outsider = Api(cx.world.user("alpha", "admin"), "session", slug="beta")
    assert outsider.get("accounts").status_code == 404
    assert outsider.get(f"accounts/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.version, theirs.archived_at) == ("Beta secret", 1, None)


def test_reps_see_their_own_and_managers_their_team(api, cx):
    account = cx.account(cx.actor("rep"), name="Rep's own")
    other = api("other", user=cx.other_rep.user)
    assert other.get(f"accounts/{account.pk}").status_code == 404
    assert other.patch(f"accounts/{account.pk}", {"version": 1, "name": "x"}).status_code == 404
    assert other.get("accounts").json()["total"] == 0
    manager = api("manager")
    assert manager.get(f"accounts/{account.pk}").json()["name"] == "Rep's own"
    assert manager.get("accounts").json()["total"] == 1


# -- lists -----------------------------------------------------------------------------------


def test_list_filters_sort_and_pages(api, cx):
    rep_actor = cx.actor("rep")
    for i in range(30):
        cx.account(rep_actor, name=f"Company {i:02d}", industry="Steel" if i % 3 else "Oil")
    rep = api("rep")
    page2 = rep.get("accounts", {"page": 2}).json()
    assert (page2["total"], page2["page"], len(page2["items"])) == (30, 2, 5)
    assert page2["items"][0]["name"] == "Company 25"
    oil = rep.get("accounts", {"f.industry": "oil", "sort": "-name", "per_page": 50}).json()
    assert oil["total"] == 10
    assert oil["items"][0]["name"] == "Company 27"
    assert rep.get("accounts", {"q": "company 07"}).json()["total"] == 1
    assert rep.get("accounts", {"owner": "me"}).json()["total"] == 30
    assert api("admin").get("accounts", {"owner": "me"}).json()["total"] == 0


def test_custom_fields_filter_and_update(api, cx):
    admin = api("admin")
    budget = admin.post(
        "custom-fields", {"object_type": "account", "label": "Budget", "kind": "number"}
    ).json()
    assert budget["key"] == "budget"
    rep = api("rep")
    assert (
        rep.post(
            "custom-fields", {"object_type": "account", "label": "X", "kind": "text"}
        ).status_code
        == 403
    )
    small = rep.post("accounts", {"name": "Small", "custom": {"budget": "500"}}).json()
    big = rep.post("accounts", {"name": "Big", "custom": {"budget": 5000}}).json()
    assert (small["custom"], big["custom"]) == ({"budget": 500}, {"budget": 5000})
    bad = rep.post("accounts", {"name": "Bad", "custom": {"budget": "lots"}})
    assert bad.status_code == 400 and "custom.budget" in bad.json()["fields"]
    rich = rep.get("accounts", {"f.custom.budget__min": "1000"}).json()
    assert [a["id"] for a in rich["items"]] == [big["id"]]
    patched = rep.patch(f"accounts/{small['id']}", {"version": 1, "custom": {"budget": 800}})
    assert patched.json()["custom"] == {"budget": 800}

    renamed = admin.put(f"custom-fields/{budget['id']}", {"label": "Annual budget"})
    assert renamed.status_code == 200 and renamed.json()["label"] == "Annual budget"
    assert rep.put(f"custom-fields/{budget['id']}", {"label": "No"}).status_code == 403
    listed = rep.get("custom-fields", {"object_type": "account"}).json()
    assert [cf["label"] for cf in listed] == ["Annual budget"]


def test_archive_and_restore(api, cx):
    account = cx.account(cx.actor("rep"))
    rep = api("rep")
    archived = rep.post(f"accounts/{account.pk}/archive")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert rep.get("accounts").json()["total"] == 0
    assert rep.get("accounts", {"archived": "1"}).json()["total"] == 1
    restored = rep.post(f"accounts/{account.pk}/restore").json()
    assert restored["archived"] is False and restored["version"] == 3
    assert rep.get("accounts").json()["total"] == 1


@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
def test_list_query_count_does_not_grow_with_rows(api, cx, object_type):
    admin = cx.actor("admin")
    services.custom_field_create(actor=admin, object_type=object_type, label="Score", kind="number")
    services.custom_field_create(actor=admin, object_type=object_type, label="Buddy", kind="user")
    rep_actor = cx.actor("rep")
    rep_actor.memo.pop("custom fields", None)  # the fields changed since
    parent = cx.account(rep_actor, name="Parent")
    rep = api("rep")

    def add(n: int) -> None:
        for i in range(n):
            data = {"custom.score": i, "custom.buddy": rep_actor.membership.pk}
            if object_type == "account":
                data.update(name=f"Child {i}", parent=parent.pk)
            elif object_type == "contact":
                data.update(full_name=f"Person {i}", phones=[f"1380013{i:04d}"])
            else:
                data.update(full_name=f"Lead {i}", referred_by=parent.pk)
            services.record_create(actor=rep_actor, object_type=object_type, data=data)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = rep.get(PLURAL[object_type], {"per_page": 50})
        assert response.status_code == 200
        return len(queries)

    add(10)
    count()  # the first request reads the configuration (workspaces/config.py)
    small = count()
    add(20)
    assert rep.get(PLURAL[object_type], {"per_page": 50}).json()["total"] >= 30
    assert count() == small


def test_search_query_count_does_not_grow_with_rows(api, cx):
    rep_actor = cx.actor("rep")
    rep = api("rep")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = rep.get("search", {"q": "zhang", "limit": 25})
        assert response.status_code == 200
        return len(queries)

    for i in range(3):
        cx.account(rep_actor, name=f"张氏 {i}", parent=cx.account(rep_actor, name=f"P{i}").pk)
        cx.contact(rep_actor, full_name=f"张三{i}")
        cx.lead(rep_actor, full_name=f"张四{i}")
    count()  # the first request reads the configuration (workspaces/config.py)
    small = count()
    for i in range(3, 10):
        cx.account(rep_actor, name=f"张氏 {i}")
        cx.contact(rep_actor, full_name=f"张三{i}")
        cx.lead(rep_actor, full_name=f"张四{i}")
    found = rep.get("search", {"q": "zhang", "limit": 25}).json()
    assert [len(found[k]) for k in ("accounts", "contacts", "leads")] == [10, 10, 10]
    assert count() == small


# -- the lead pool and conversion ------------------------------------------------------------


def test_claim_beyond_the_limit_is_refused(api, cx, world):
    services.customer_settings_update(actor=cx.actor("admin"), lead_claim_limit=1)
    rep = api("rep")
    mine = rep.post("leads", {"full_name": "Mine"}).json()
    pooled = api("admin").post("leads", {"full_name": "Pooled", "owner": None}).json()
    assert [lead["id"] for lead in rep.get("leads", {"owner": "pool"}).json()["items"]] == [
        pooled["id"]
    ]

    refused = rep.post(f"leads/{pooled['id']}/claim")
    assert refused.status_code == 400
    assert "(1)" in refused.json()["message"]
    assert Lead.objects.get(pk=pooled["id"]).owner_id is None

    released = rep.post(f"leads/{mine['id']}/release")
    assert released.status_code == 200 and released.json()["owner"] is None
    claimed = rep.post(f"leads/{pooled['id']}/claim")
    assert claimed.status_code == 200
    assert claimed.json()["owner"]["id"] == world.member("alpha", "rep").pk
    taken = api("manager").post(f"leads/{pooled['id']}/claim")
    assert taken.status_code == 409


def test_claiming_a_lead_you_cannot_see_answers_like_a_missing_one(api, cx):
    """No existence oracle: a lead someone outside your view claimed is "not found", exactly
    as an id that was never used."""
    lead = cx.lead(cx.actor("admin"), owner_id="")
    services.lead_claim(actor=cx.actor("rep"), lead_id=lead.pk)
    other = api("rep", user=cx.other_rep.user)
    hidden = other.post(f"leads/{lead.pk}/claim")
    missing = other.post(f"leads/{lead.pk + 1000}/claim")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.json()["code"] == "not_found"


def test_convert_creates_account_and_contact(api, cx):
    rep = api("rep", "token")
    lead = rep.post(
        "leads",
        {
            "full_name": "赵六",
            "company_name": "Delta 有限公司",
            "phone": "13700137000",
            "industry": "Retail",
        },
    ).json()
    early = rep.post(f"leads/{lead['id']}/convert", {})
    assert early.status_code == 400 and "status" in early.json()["fields"]
    qualified = rep.post(f"leads/{lead['id']}/status", {"status": "qualified", "version": 1})
    assert qualified.status_code == 200 and qualified.json()["status"] == "qualified"

    converted = rep.post(f"leads/{lead['id']}/convert", {})
    assert converted.status_code == 200, converted.json()
    body = converted.json()
    assert body["lead"]["status"] == LeadStatus.CONVERTED
    assert body["account"]["name"] == "Delta 有限公司"
    assert body["account"]["industry"] == "Retail"
    assert body["contact"]["full_name"] == "赵六"
    assert body["contact"]["phones"] == ["+8613700137000"]
    links = rep.get(f"accounts/{body['account']['id']}/contacts").json()
    assert [(link["contact"]["id"], link["role"]) for link in links] == [
        (body["contact"]["id"], "other")
    ]


def test_convert_into_existing_account(api, cx):
    account = cx.account(cx.actor("rep"), name="Existing")
    lead = cx.lead(cx.actor("rep"))
    rep = api("rep")
    rep.post(f"leads/{lead.pk}/status", {"status": "qualified", "version": lead.version})
    body = rep.post(
        f"leads/{lead.pk}/convert",
        {"account_id": account.pk, "contact": {"full_name": "New person", "title": "CEO"}},
    ).json()
    assert body["account"]["id"] == account.pk
    assert body["contact"]["title"] == "CEO"
    assert Account.objects.count() == 1


def test_disqualify(api, cx):
    reason = services.disqualify_reason_create(actor=cx.actor("admin"), name="No budget")
    lead = cx.lead(cx.actor("rep"))
    rep = api("rep")
    assert rep.post(f"leads/{lead.pk}/disqualify", {"reason_id": 0}).status_code == 400
    done = rep.post(f"leads/{lead.pk}/disqualify", {"reason_id": reason.pk, "note": "later"})
    assert done.status_code == 200
    assert done.json()["status"] == "disqualified"
    assert done.json()["disqualify_reason"] == {"id": reason.pk, "name": "No budget"}


# -- contacts on accounts, owner, collaborators ----------------------------------------------


def test_contact_roles_on_accounts(api, cx):
    rep_actor = cx.actor("rep")
    account = cx.account(rep_actor)
    household = cx.account(rep_actor, name="王家", kind="household")
    contact = cx.contact(rep_actor)
    rep = api("rep")
    path = f"accounts/{account.pk}/contacts/{contact.pk}"

    linked = rep.put(path, {"role": "decision_maker"})
    assert linked.status_code == 200
    assert linked.json()["role"] == "decision_maker"
    assert linked.json()["contact"]["full_name"] == "张三"
    assert rep.put(path, {"role": "influencer"}).json()["role"] == "influencer"
    listed = rep.get(f"accounts/{account.pk}/contacts").json()
    assert [(link["contact"]["id"], link["role"]) for link in listed] == [
        (contact.pk, "influencer")
    ]
    wrong = rep.put(f"accounts/{household.pk}/contacts/{contact.pk}", {"role": "procurement"})
    assert wrong.status_code == 400 and "role" in wrong.json()["fields"]

    assert rep.delete(path).status_code == 204
    assert rep.get(f"accounts/{account.pk}/contacts").json() == []
    assert rep.delete(path).status_code == 404
    assert not AccountContact.objects.exists()


def test_owner_change_and_collaborators(api, cx, world):
    account = cx.account(cx.actor("rep"))
    other_id = cx.other_rep.pk
    manager, other = api("manager"), api("other", user=cx.other_rep.user)

    shared = manager.put(f"accounts/{account.pk}/collaborators/{other_id}", {"level": "view"})
    assert shared.status_code == 200
    assert [(c["member_id"], c["level"], c["name"]) for c in shared.json()] == [
        (other_id, "view", "Other Rep")
    ]
    assert other.get(f"accounts/{account.pk}").status_code == 200
    assert other.patch(f"accounts/{account.pk}", {"version": 1, "name": "x"}).status_code == 403
    assert len(other.get(f"accounts/{account.pk}/collaborators").json()) == 1
    removed = manager.delete(f"accounts/{account.pk}/collaborators/{other_id}")
    assert removed.status_code == 204
    assert not Collaborator.objects.exists()
    assert other.get(f"accounts/{account.pk}").status_code == 404

    assert other.put(f"accounts/{account.pk}/owner", {"owner_id": other_id}).status_code == 404
    moved = manager.put(f"accounts/{account.pk}/owner", {"owner_id": other_id})
    assert moved.status_code == 200
    assert moved.json()["owner"] == {"id": other_id, "name": "Other Rep"}
    assert other.get(f"accounts/{account.pk}").status_code == 200
    assert api("rep").get(f"accounts/{account.pk}").status_code == 404


# -- search, docs ----------------------------------------------------------------------------


def test_search_across_objects(api, cx):
    rep_actor = cx.actor("rep")
    cx.account(rep_actor, name="张氏贸易有限公司")
    cx.contact(rep_actor, full_name="张三", phones=["13800138000"])
    cx.lead(rep_actor, full_name="张四")
    rep = api("rep", "token")
    found = rep.get("search", {"q": "zhang"}).json()
    assert found["q"] == "zhang"
    assert [len(found[k]) for k in ("accounts", "contacts", "leads")] == [1, 1, 1]
    by_phone = rep.get("search", {"q": "8000"}).json()
    assert [c["full_name"] for c in by_phone["contacts"]] == ["张三"]
    assert api("other", user=cx.other_rep.user).get("search", {"q": "zhang"}).json() == {
        "q": "zhang",
        "accounts": [],
        "contacts": [],
        "leads": [],
    }


def test_openapi_lists_customer_paths(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/w/{slug}/accounts",
        "/api/w/{slug}/accounts/{record_id}",
        "/api/w/{slug}/contacts/{record_id}/collaborators/{member_id}",
        "/api/w/{slug}/leads/{record_id}/convert",
        "/api/w/{slug}/accounts/{record_id}/contacts/{contact_id}",
        "/api/w/{slug}/custom-fields",
        "/api/w/{slug}/search",
    ):
        assert path in paths
    body = paths["/api/w/{slug}/accounts"]["post"]["requestBody"]["content"]["application/json"]
    account_in = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"name", "credit_terms", "custom", "owner"} <= set(account_in["properties"])
    assert "f.<field>" in paths["/api/w/{slug}/leads"]["get"]["description"]
