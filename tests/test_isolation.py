"""Workspace isolation and the role matrix, at every page and API endpoint that exists.
A member of workspace A asking for anything of workspace B gets 404, never the object."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.workspaces import services
from dealroom.workspaces.models import Invitation, Role, Team, Territory
from dealroom.workspaces.services import api_token_create

ROLES = Role.values

PAGES = [
    "/w/{slug}/",
    "/w/{slug}/members/",
    "/w/{slug}/teams/",
    "/w/{slug}/territories/",
    "/w/{slug}/activity/",
    "/w/{slug}/notifications/",
]

API_LISTS = [
    "/api/w/{slug}/members",
    "/api/w/{slug}/teams",
    "/api/w/{slug}/territories",
    "/api/w/{slug}/activity",
    "/api/w/{slug}/notifications",
]


@pytest.fixture
def beta_objects(world):
    """Objects that exist only in workspace B, made through B's admin."""
    admin_b = world.actor("beta", "admin")
    team = services.team_create(actor=admin_b, name="Secret team B")
    territory = services.territory_create(
        actor=admin_b, name="Secret territory B", kind="region", values=["Mars"]
    )
    invitation, _ = services.member_invite(
        actor=admin_b, email="secret-invitee@beta.test", role="rep", send_email=False
    )
    return {
        "team": team,
        "territory": territory,
        "invitation": invitation,
        "member": world.member("beta", "rep"),
    }


def bearer(user) -> dict:
    _t, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("role", ROLES)
def test_pages_of_own_workspace_open_other_workspace_is_404(world, client, role):
    client.force_login(world.user("alpha", role))
    for page in PAGES:
        assert client.get(page.format(slug="alpha")).status_code == 200, page
        response = client.get(page.format(slug="beta"))
        assert response.status_code == 404, page
        assert "Beta" not in response.content.decode()
    assert client.get("/w/does-not-exist/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_object_urls_of_other_workspace_are_404(world, client, role, beta_objects):
    client.force_login(world.user("alpha", role))
    b = beta_objects
    gets = [f"/w/alpha/teams/{b['team'].pk}/", f"/w/alpha/territories/{b['territory'].pk}/"]
    posts = [
        (f"/w/alpha/members/{b['member'].pk}/role/", {"role": "admin"}),
        (f"/w/alpha/members/{b['member'].pk}/team/", {"team": ""}),
        (f"/w/alpha/members/{b['member'].pk}/active/", {"active": "0"}),
        (f"/w/alpha/invitations/{b['invitation'].pk}/revoke/", {}),
        (f"/w/alpha/teams/{b['team'].pk}/", {"name": "pwned"}),
        (f"/w/alpha/teams/{b['team'].pk}/delete/", {}),
        (
            f"/w/alpha/territories/{b['territory'].pk}/",
            {"name": "pwned", "kind": "region", "values": "x"},
        ),
        (f"/w/alpha/territories/{b['territory'].pk}/delete/", {}),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Secret" not in response.content.decode()
    for url, data in posts:
        assert client.post(url, data).status_code in (403, 404), url
    # nothing in B changed
    b["member"].refresh_from_db()
    assert b["member"].role == "rep" and b["member"].is_active
    assert Team.objects.get(pk=b["team"].pk).name == "Secret team B"
    assert Territory.objects.get(pk=b["territory"].pk).name == "Secret territory B"
    assert Invitation.objects.get(pk=b["invitation"].pk).revoked_at is None
    # and admins of A get 404 (not 403) for B's objects: not found and not allowed look alike
    if role == "admin":
        for url, data in posts:
            assert client.post(url, data).status_code == 404, url


@pytest.mark.parametrize("role", ROLES)
def test_api_isolation(world, client, role, beta_objects):
    headers = bearer(world.user("alpha", role))
    for url in API_LISTS:
        assert client.get(url.format(slug="alpha"), **headers).status_code in (200, 403), url
        response = client.get(url.format(slug="beta"), **headers)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    b = beta_objects
    for url in [
        f"/api/w/alpha/members/{b['member'].pk}",
        f"/api/w/alpha/teams/{b['team'].pk}",
        f"/api/w/alpha/territories/{b['territory'].pk}",
    ]:
        assert client.get(url, **headers).status_code == 404, url
    patch = client.patch(
        f"/api/w/alpha/members/{b['member'].pk}",
        data={"role": "admin"},
        content_type="application/json",
        **headers,
    )
    assert patch.status_code in (403, 404)
    assert client.delete(f"/api/w/alpha/teams/{b['team'].pk}", **headers).status_code in (403, 404)
    revoke = client.post(f"/api/w/alpha/invitations/{b['invitation'].pk}/revoke", **headers)
    assert revoke.status_code in (403, 404)
    # lists in A never contain B's rows
    members = client.get("/api/w/alpha/members?limit=100", **headers).json()["items"]
    assert {m["email"] for m in members} == {f"{r}@alpha.test" for r in ROLES}
    events = client.get("/api/w/alpha/activity", **headers).json()
    assert all("Secret" not in e["text"] for e in events)


def test_api_requires_authentication_and_rejects_revoked_tokens(world, client):
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    user = world.user("alpha", "rep")
    token, secret = api_token_create(user=user, name="t")
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert me["email"] == user.email and [w["slug"] for w in me["workspaces"]] == ["alpha"]
    services.api_token_revoke(user=user, token_id=token.pk)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


# -- role matrix: who may administer the workspace ------------------------------------------

ADMIN_ACTIONS = {
    "invite": lambda c, w: c.post("/w/alpha/members/invite/", {"email": "n@x.test", "role": "rep"}),
    "role": lambda c, w: c.post(
        f"/w/alpha/members/{w.member('alpha', 'rep').pk}/role/", {"role": "manager"}
    ),
    "deactivate": lambda c, w: c.post(
        f"/w/alpha/members/{w.member('alpha', 'rep').pk}/active/", {"active": "0"}
    ),
    "team": lambda c, w: c.post("/w/alpha/teams/", {"name": "New team"}),
    "territory": lambda c, w: c.post(
        "/w/alpha/territories/", {"name": "T", "kind": "region", "values": "Shanghai"}
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ADMIN_ACTIONS)
def test_role_matrix_for_admin_actions(world, client, role, action):
    client.force_login(world.user("alpha", role))
    before = ActivityEvent.objects.count()
    response = ADMIN_ACTIONS[action](client, world)
    if role == "admin":
        assert response.status_code == 302
        assert ActivityEvent.objects.count() == before + 1
    else:
        assert response.status_code == 403
        assert ActivityEvent.objects.count() == before  # nothing changed, nothing recorded


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_api(world, client, role):
    headers = bearer(world.user("alpha", role))
    response = client.post(
        "/api/w/alpha/teams",
        data={"name": "API team"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == (201 if role == "admin" else 403)
    invitations = client.get("/api/w/alpha/invitations", **headers)
    assert invitations.status_code == (200 if role == "admin" else 403)


def test_admin_only_events_are_hidden_from_reps(world, client):
    services.member_invite(
        actor=world.actor("alpha", "admin"), email="invitee@x.test", role="rep", send_email=False
    )
    client.force_login(world.user("alpha", "rep"))
    assert "invitee@x.test" not in client.get("/w/alpha/activity/").content.decode()
    client.force_login(world.user("alpha", "manager"))
    assert "invitee@x.test" in client.get("/w/alpha/activity/").content.decode()


def test_notifications_are_personal(world, client):
    admin = world.actor("alpha", "admin")
    services.member_role_change(
        actor=admin, membership_id=world.member("alpha", "rep").pk, role="manager"
    )
    assert Notification.objects.filter(recipient=world.user("alpha", "rep")).count() == 1
    client.force_login(world.user("alpha", "readonly"))
    page = client.get("/w/alpha/notifications/").content.decode()
    assert "changed the role" not in page
    client.force_login(world.user("alpha", "rep"))
    page = client.get("/w/alpha/notifications/").content.decode()
    assert "changed the role" in page


# -- query counts do not grow with rows ------------------------------------------------------


def _grow(world, n: int, start: int):
    from tests.conftest import make_member

    admin = world.actor("alpha", "admin")
    for i in range(start, start + n):
        m = make_member(world.a, f"extra{i}@alpha.test", "rep")
        team = services.team_create(actor=admin, name=f"Team {i}")
        services.member_team_set(actor=admin, membership_id=m.pk, team_id=team.pk)
        services.territory_create(
            actor=admin, name=f"Terr {i}", kind="region", values=[f"R{i}"], member_ids=[m.pk]
        )


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_does_not_grow(world, client, page):
    client.force_login(world.user("alpha", "admin"))
    url = page.format(slug="alpha")
    _grow(world, 3, 0)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(world, 12, 100)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), (url, len(small), len(large))
