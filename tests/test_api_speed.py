"""API speed (issue 20): a GET writes nothing; what every request reads before its own work is
kept per configuration version (workspaces/config.py) and every change to it applies to the
very next request; a list endpoint's queries are few and do not grow with its rows.

Each invalidation test first makes a request, so that the process holds the configuration it
then changes: without a new version the next request would be answered from what it held
(`test_without_a_new_version_the_process_keeps_what_it_read` shows that it would)."""

# Test arguments named after the imported fixtures (cx, pp) redefine them (F811).
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealroom.customers import services as customers
from dealroom.customers.services import config as customer_config
from dealroom.workspaces import config, services
from dealroom.workspaces.models import ApiToken, Team, User
from tests.customers.conftest import cx  # noqa: F401  (the fixtures)
from tests.customers.test_api import Api
from tests.pipeline.conftest import clock, pp  # noqa: F401

pytestmark = pytest.mark.django_db

LISTS = ["contacts", "accounts", "leads", "opportunities", "rooms"]


def writes(ctx: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
    ]


def token_api(user, slug: str = "alpha") -> Api:
    return Api(user, "token", slug)


def items(api: Api, path: str = "contacts") -> list[dict]:
    response = api.get(path, {"per_page": 100})
    assert response.status_code == 200, response.content
    return response.json()["items"]


def names(api: Api, path: str = "contacts") -> set[str]:
    key = "name" if path in ("accounts", "opportunities") else "full_name"
    return {row[key] for row in items(api, path)}


# -- a GET writes nothing --------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_a_token_get_writes_nothing(cx, pp, path):
    rep = token_api(cx.world.user("alpha", "rep"))
    pp.deal(name="Mine")  # a deal, its account and its room
    assert rep.get(path).status_code == 200  # the token's first use is recorded
    with CaptureQueriesContext(connection) as ctx:
        assert rep.get(path).status_code == 200
    assert writes(ctx) == []


def test_a_tokens_last_use_is_kept_to_the_minute(cx):
    user = cx.world.user("alpha", "rep")
    rep = token_api(user)
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at is None
    items(rep)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    items(rep)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    items(rep)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= first
    assert token.last_used_at > timezone.now() - timedelta(seconds=10)


def test_a_revoked_token_is_refused_at_once(cx):
    user = cx.world.user("alpha", "rep")
    rep = token_api(user)
    items(rep)
    services.api_token_revoke(user=user, token_id=ApiToken.objects.get(user=user).pk)
    assert rep.get("contacts").status_code == 401


def test_a_session_get_writes_nothing(cx, client):
    client.force_login(cx.world.user("alpha", "rep"))
    page = reverse("contact_list", args=["alpha"])
    assert client.get(page).status_code == 200  # the first visit records the last workspace
    assert client.get("/api/w/alpha/contacts").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/w/alpha/contacts").status_code == 200
        assert client.get(page).status_code == 200
    assert writes(ctx) == []


# -- a change to the configuration applies to the very next request ---------------------------


def test_a_field_permission_applies_to_the_next_request(cx):
    cx.contact(cx.actor("rep"), full_name="Ma", title="CTO")
    rep = token_api(cx.world.user("alpha", "rep"))
    assert items(rep)[0]["title"] == "CTO"
    set_title = {"object_type": "contact", "field": "title", "role": "rep"}
    customers.field_permission_set(actor=cx.actor("admin"), access="hidden", **set_title)
    assert "title" not in items(rep)[0]
    customers.field_permission_set(actor=cx.actor("admin"), access="", **set_title)
    assert items(rep)[0]["title"] == "CTO"


def test_without_a_new_version_the_process_keeps_what_it_read(cx, monkeypatch):
    """The cache is really used: a change that named no new version would not be seen."""
    cx.contact(cx.actor("rep"), full_name="Ma", title="CTO")
    rep = token_api(cx.world.user("alpha", "rep"))
    assert items(rep)[0]["title"] == "CTO"
    monkeypatch.setattr(customer_config, "config_changed", lambda actor: None)
    customers.field_permission_set(
        actor=cx.actor("admin"), object_type="contact", field="title", role="rep", access="hidden"
    )
    assert items(rep)[0]["title"] == "CTO"  # stale, as a missing invalidation would leave it
    config.clear()  # another process, or this one after a restart
    assert "title" not in items(rep)[0]


def test_a_custom_field_applies_to_the_next_request(cx):
    cx.contact(cx.actor("rep"), full_name="Ma")
    rep = token_api(cx.world.user("alpha", "rep"))
    assert items(rep)[0]["custom"] == {}
    admin = cx.actor("admin")
    field = customers.custom_field_create(
        actor=admin, object_type="contact", label="Score", kind="number"
    )
    assert items(rep)[0]["custom"] == {"score": None}
    customers.custom_field_update(actor=admin, field_id=field.pk, label="Score", active=False)
    assert items(rep)[0]["custom"] == {}


def test_a_customer_setting_applies_to_the_next_request(cx):
    cx.contact(cx.other, full_name="Theirs")
    rep = token_api(cx.world.user("alpha", "rep"))
    assert names(rep) == set()
    customers.customer_settings_update(actor=cx.actor("admin"), reps_see_all=True)
    assert names(rep) == {"Theirs"}
    customers.customer_settings_update(actor=cx.actor("admin"), reps_see_all=False)
    assert names(rep) == set()


def test_a_team_membership_applies_to_the_next_request(cx):
    cx.contact(cx.other, full_name="Theirs")
    manager = token_api(cx.world.user("alpha", "manager"))
    assert names(manager) == set()
    east = Team.objects.get(name="East")
    admin = cx.actor("admin")
    services.member_team_set(actor=admin, membership_id=cx.other_rep.pk, team_id=east.pk)
    assert names(manager) == {"Theirs"}
    services.member_team_set(actor=admin, membership_id=cx.other_rep.pk, team_id=None)
    assert names(manager) == set()


def test_the_team_tree_applies_to_the_next_request(cx):
    cx.contact(cx.other, full_name="Theirs")
    admin = cx.actor("admin")
    west = services.team_create(actor=admin, name="West")
    services.member_team_set(actor=admin, membership_id=cx.other_rep.pk, team_id=west.pk)
    manager = token_api(cx.world.user("alpha", "manager"))
    assert names(manager) == set()
    east = Team.objects.get(name="East")
    services.team_update(
        actor=admin, team_id=west.pk, name="West", parent_id=east.pk, manager_id=None
    )
    assert names(manager) == {"Theirs"}
    services.member_team_set(actor=admin, membership_id=cx.other_rep.pk, team_id=None)
    services.team_delete(actor=admin, team_id=west.pk)
    assert names(manager) == set()


def test_a_territory_applies_to_the_next_request(cx):
    cx.account(cx.other, name="Far away", region="Xinjiang")
    rep = token_api(cx.world.user("alpha", "rep"))
    assert names(rep, "accounts") == set()
    admin = cx.actor("admin")
    rep_id = cx.world.member("alpha", "rep").pk
    west = services.territory_create(
        actor=admin, name="West", kind="region", values=["Xinjiang"], member_ids=[rep_id]
    )
    assert names(rep, "accounts") == {"Far away"}
    services.territory_update(
        actor=admin, territory_id=west.pk, name="West", kind="region", values=["Tibet"],
        member_ids=[rep_id],
    )  # fmt: skip
    assert names(rep, "accounts") == set()
    services.territory_update(
        actor=admin, territory_id=west.pk, name="West", kind="region", values=["Xinjiang"],
        member_ids=[rep_id],
    )  # fmt: skip
    assert names(rep, "accounts") == {"Far away"}
    services.territory_delete(actor=admin, territory_id=west.pk)
    assert names(rep, "accounts") == set()


def test_a_role_applies_to_the_next_request(cx):
    cx.contact(cx.actor("rep"), full_name="Mine", title="CTO")
    cx.contact(cx.other, full_name="Theirs", title="CEO")
    customers.field_permission_set(
        actor=cx.actor("admin"), object_type="contact", field="title", role="readonly",
        access="hidden",
    )  # fmt: skip
    rep = token_api(cx.world.user("alpha", "rep"))
    assert names(rep) == {"Mine"}
    membership_id = cx.world.member("alpha", "rep").pk
    services.member_role_change(actor=cx.actor("admin"), membership_id=membership_id, role="admin")
    assert names(rep) == {"Mine", "Theirs"}
    services.member_role_change(
        actor=cx.actor("admin"), membership_id=membership_id, role="readonly"
    )
    assert [row.get("title") for row in items(rep)] == [None]  # Mine, its title hidden


def test_a_removed_member_is_refused_at_once(cx):
    rep = token_api(cx.world.user("alpha", "rep"))
    items(rep)
    membership_id = cx.world.member("alpha", "rep").pk
    services.member_deactivate(actor=cx.actor("admin"), membership_id=membership_id)
    assert rep.get("contacts").status_code == 404
    services.member_reactivate(actor=cx.actor("admin"), membership_id=membership_id)
    assert rep.get("contacts").status_code == 200


def test_a_change_in_django_admin_applies_to_the_next_request(cx):
    """Operators change teams in Django's admin too: it names a new version as services do."""
    cx.contact(cx.other, full_name="Theirs")
    manager = token_api(cx.world.user("alpha", "manager"))
    assert names(manager) == set()
    operator = User.objects.create_superuser("ops@example.test", "x" * 12)
    staff = Client()
    staff.force_login(operator)
    membership = cx.other_rep
    response = staff.post(
        f"/admin/workspaces/membership/{membership.pk}/change/",
        {
            "workspace": membership.workspace_id,
            "user": membership.user_id,
            "role": membership.role,
            "team": Team.objects.get(name="East").pk,
            "is_active": "on",
            "joined_at_0": timezone.localtime(membership.joined_at).strftime("%Y-%m-%d"),
            "joined_at_1": timezone.localtime(membership.joined_at).strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert names(manager) == {"Theirs"}


# -- query counts ----------------------------------------------------------------------------

# A warm request: the token, the membership with its workspace, the capped count, the page
# (and for deals, which of the page's accounts the reader sees). The first request of a process
# after a change also reads the field rules, custom fields, customer settings, managed teams and
# territories: before issue 20 every request did, and wrote the token's last use besides
# (10 statements for contacts, 11 for deals).
WARM = {"contacts": 3, "accounts": 3, "leads": 3, "opportunities": 4}
COLD = {"contacts": 8, "accounts": 8, "leads": 8, "opportunities": 9}


@pytest.mark.parametrize("path", list(COLD))
def test_list_queries_are_few_and_do_not_grow_with_rows(cx, pp, path):
    rep_actor = cx.actor("rep")
    admin = cx.actor("admin")
    object_type = {"contacts": "contact", "accounts": "account", "leads": "lead"}.get(
        path, "opportunity"
    )
    customers.custom_field_create(
        actor=admin, object_type=object_type, label="Score", kind="number"
    )
    customers.field_permission_set(
        actor=admin, object_type=object_type, field="custom.score", role="rep", access="readonly"
    )
    account = cx.account(rep_actor, name="Home")

    def add(n: int) -> None:
        for i in range(n):
            if path == "contacts":
                cx.contact(rep_actor, full_name=f"Person {i}")
            elif path == "accounts":
                cx.account(rep_actor, name=f"Account {i}")
            elif path == "leads":
                cx.lead(rep_actor, full_name=f"Lead {i}")
            else:
                pp.deal(account=account, name=f"Deal {i}")

    rep = token_api(cx.world.user("alpha", "rep"))

    def count(rows: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            found = items(rep, path)
        assert len(found) == rows
        return len(ctx.captured_queries)

    add(5 - (1 if path == "accounts" else 0))
    items(rep, path)  # the token's first use is recorded
    config.clear()  # as a process holding nothing of this workspace yet
    assert count(5) == COLD[path]
    assert count(5) == WARM[path]
    add(45)
    assert count(50) == WARM[path]


def test_a_last_page_is_not_counted_and_a_page_past_the_end_shows_the_last(cx):
    rep_actor = cx.actor("rep")
    for i in range(30):
        cx.contact(rep_actor, full_name=f"Person {i:02d}")
    rep = token_api(cx.world.user("alpha", "rep"))
    rep.get("contacts")  # the token's first use; the configuration read

    def page(number: int) -> tuple[dict, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            response = rep.get("contacts", {"page": number, "per_page": 25})
        assert response.status_code == 200
        return response.json(), [q["sql"] for q in ctx.captured_queries]

    first, sql = page(1)
    assert (len(first["items"]), first["total"], first["total_exact"]) == (25, 30, True)
    assert any("COUNT(" in s for s in sql)  # a full page: the rest is counted
    last, sql = page(2)
    assert (len(last["items"]), last["total"], last["page"]) == (5, 30, 2)
    assert not any("COUNT(" in s for s in sql)  # the rows tell the total
    beyond, _sql = page(7)
    assert (beyond["page"], beyond["total"], len(beyond["items"])) == (2, 30, 5)
