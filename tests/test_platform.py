"""Health, demo seed, console commands, background jobs, workspace services' rules, i18n."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command

from dealroom.activity.models import ActivityEvent
from dealroom.core.errors import Invalid
from dealroom.workspaces import demo, services
from dealroom.workspaces.models import ApiToken, Membership, Team, Territory, User, Workspace
from dealroom.workspaces.selectors import managed_member_ids


def test_healthz_reports_database_and_live_transport(client, db, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    live = "ok" if settings.REDIS_URL else "ok (one process)"
    assert response.json() == {"status": "ok", "database": "ok", "live": live}


def test_healthz_degraded_when_redis_does_not_answer(client, db, settings, monkeypatch):
    from dealroom.realtime import hub

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    monkeypatch.setattr(hub, "_redis", None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["live"].startswith("error: ")


def test_csp_header_forbids_inline_script(client, db):
    csp = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_demo_seed_is_idempotent_and_has_both_sales_modes(db):
    demo.seed()
    counts = (
        User.objects.count(),
        Membership.objects.count(),
        Team.objects.count(),
        Territory.objects.count(),
        ActivityEvent.objects.count(),
    )
    demo.seed()
    assert counts == (
        User.objects.count(),
        Membership.objects.count(),
        Team.objects.count(),
        Territory.objects.count(),
        ActivityEvent.objects.count(),
    )
    ws = Workspace.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(workspace=ws).values_list("user__email", "role"))
    assert roles["admin@demo.local"] == "admin"
    assert roles["manager@demo.local"] == "manager"
    assert roles["rep1@demo.local"] == roles["rep2@demo.local"] == "rep"
    assert User.objects.get(email="admin@demo.local").check_password("dealroom-demo")
    names = set(Team.objects.filter(workspace=ws).values_list("name", flat=True))
    assert any("Enterprise B2B" in n for n in names) and any("Dense Sales" in n for n in names)


def test_token_command_prints_a_working_token(db, client):
    User.objects.create_user("cli@x.test", "pw-123456789", full_name="Cli")
    out = io.StringIO()
    call_command("token", "create", "--email", "cli@x.test", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("drt_") and ApiToken.objects.count() == 1
    assert (
        client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["email"] == "cli@x.test"
    )


def test_serve_runs_uvicorn_without_socket_compression(monkeypatch):
    """Room messages go to every open page: per-socket deflate cost most of each send."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    call_command("serve", "--port", "8123")
    [(app, kwargs)] = calls
    assert app == "config.asgi:application"
    assert kwargs["port"] == 8123
    assert kwargs["ws_per_message_deflate"] is False


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_jobs_from_the_database(settings):
    """With the database queue, the mail job waits for `dealroom worker`, which sends it."""
    from tests.conftest import World

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    world = World()
    rep = world.member("alpha", "rep")
    services.member_role_change(
        actor=world.actor("alpha", "admin"), membership_id=rep.pk, role="manager"
    )
    assert mail.outbox == []  # queued, not sent
    call_command("worker", "--batch")
    assert [m.to for m in mail.outbox] == [[rep.user.email]]
    assert "Rep Alpha" in mail.outbox[0].body or "Manager" in mail.outbox[0].body


def test_team_cannot_be_its_own_ancestor(world):
    admin = world.actor("alpha", "admin")
    top = services.team_create(actor=admin, name="Top")
    mid = services.team_create(actor=admin, name="Mid", parent_id=top.pk)
    low = services.team_create(actor=admin, name="Low", parent_id=mid.pk)
    with pytest.raises(Invalid) as err:
        services.team_update(
            actor=admin, team_id=top.pk, name="Top", parent_id=low.pk, manager_id=None
        )
    assert "parent" in err.value.fields
    assert Team.objects.get(pk=top.pk).parent_id is None


def test_manager_sees_down_the_team_tree(world):
    admin = world.actor("alpha", "admin")
    manager = world.member("alpha", "manager")
    rep = world.member("alpha", "rep")
    top = services.team_create(actor=admin, name="Top", manager_id=manager.pk)
    low = services.team_create(actor=admin, name="Low", parent_id=top.pk)
    services.member_team_set(actor=admin, membership_id=rep.pk, team_id=low.pk)
    ids = managed_member_ids(actor=world.actor("alpha", "manager"))
    assert rep.pk in ids and manager.pk in ids
    assert world.member("alpha", "readonly").pk not in ids
    assert managed_member_ids(actor=world.actor("alpha", "rep")) == {rep.pk}


def test_last_admin_cannot_be_demoted_or_deactivated(world):
    admin = world.actor("alpha", "admin")
    with pytest.raises(Invalid):
        services.member_role_change(actor=admin, membership_id=admin.membership.pk, role="rep")
    with pytest.raises(Invalid):
        services.member_deactivate(actor=admin, membership_id=admin.membership.pk)
    assert Membership.objects.get(pk=admin.membership.pk).role == "admin"


def test_deactivated_member_loses_access(world, client):
    rep = world.member("alpha", "rep")
    services.member_deactivate(actor=world.actor("alpha", "admin"), membership_id=rep.pk)
    client.force_login(rep.user)
    assert client.get("/w/alpha/").status_code == 404


def test_territory_errors_name_fields(world, client):
    client.force_login(world.user("alpha", "admin"))
    response = client.post("/w/alpha/territories/", {"name": "", "kind": "region", "values": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="name"' in body and 'data-field="values"' in body
    assert not Territory.objects.exists()


def test_api_errors_are_json_with_fields(world, client):
    from dealroom.workspaces.services import api_token_create

    _t, secret = api_token_create(user=world.user("alpha", "admin"), name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    bad = client.post(
        "/api/w/alpha/invitations",
        data={"email": "nope", "role": "rep"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "email" in bad.json()["fields"]
    missing = client.post("/api/w/alpha/teams", data={}, content_type="application/json", **headers)
    assert missing.status_code == 400 and "name" in missing.json()["fields"]
    zh = client.post(
        "/api/w/alpha/invitations",
        data={"email": "nope", "role": "rep"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
        **headers,
    )
    assert zh.json()["fields"]["email"] != bad.json()["fields"]["email"]  # translated


def test_openapi_schema_served(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/w/{slug}/members" in schema["paths"]


def test_language_switch_sets_cookie_and_account(world, client):
    user = world.user("alpha", "rep")
    client.force_login(user)
    response = client.post("/lang/", {"language": "zh-hans", "next": "/w/alpha/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "zh-hans"
    page = client.get("/w/alpha/").content.decode()
    assert '<html lang="zh-hans">' in page


def test_workspace_switcher_lists_only_my_workspaces(world, client):
    from tests.conftest import make_member

    make_member(world.b, world.user("alpha", "rep").email, "rep")
    client.force_login(world.user("alpha", "rep"))
    page = client.get("/w/alpha/").content.decode()
    assert 'data-testid="switch-beta"' in page
    client.force_login(world.user("alpha", "manager"))
    assert 'data-testid="switch-beta"' not in client.get("/w/alpha/").content.decode()


def test_django_admin_for_staff_only(world, client):
    client.force_login(world.user("alpha", "admin"))  # workspace admin, not staff
    assert client.get("/admin/").status_code == 302
    staff = world.user("alpha", "admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    for url in [
        "/admin/",
        "/admin/workspaces/user/",
        "/admin/workspaces/membership/",
        "/admin/activity/activityevent/",
    ]:
        assert client.get(url).status_code == 200, url


def test_server_process_keeps_full_garbage_collections_rare():
    """config.asgi freezes what startup loaded and raises the young-generation threshold
    (full collections had paused live delivery for 180-320 ms; benchmarks/fanout.py)."""
    import gc

    import config.asgi  # noqa: F401 - what the server process imports

    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == 20_000


def test_redis_replies_parsed_by_hiredis():
    """Every post publishes to Redis (realtime/hub.py); redis-py's own parser was most of
    each publish's cost in the servers (py-spy during benchmarks/fanout.py)."""
    from redis.utils import HIREDIS_AVAILABLE

    assert HIREDIS_AVAILABLE


@pytest.mark.parametrize(("flag", "prepared"), [(None, True), ("1", True), ("0", False)])
def test_postgresql_prepares_statements_unless_turned_off(monkeypatch, tmp_path, flag, prepared):
    """Planning a room query took longer than running it; a pooler in transaction mode
    without prepared-statement support needs DATABASE_PREPARED_STATEMENTS=0."""
    import runpy
    from pathlib import Path

    monkeypatch.setenv("DATABASE_URL", "postgres://dealroom@127.0.0.1:5432/dealroom")
    monkeypatch.setenv("DEALROOM_DATA_DIR", str(tmp_path))
    if flag is None:
        monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    else:
        monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", flag)
    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "config" / "settings.py"))
    options = conf["DATABASES"]["default"]["OPTIONS"]
    assert options.get("server_side_binding", False) is prepared
    assert (options.get("prepare_threshold") == 5) is prepared
    assert options["options"] == "-c jit=off"


@pytest.mark.django_db
def test_repeated_statements_are_prepared_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(6):  # psycopg prepares a statement on its sixth run (prepare_threshold 5)
        list(Workspace.objects.filter(slug="nowhere"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] > 0
