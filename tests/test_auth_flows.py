"""Log in, throttling, invitations and password reset, through the real pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.workspaces import services
from dealroom.workspaces.models import Invitation, Membership, User
from tests.conftest import PASSWORD


def post_login(client, email, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_login_success_and_wrong_password_gives_no_hint(world, client):
    user = world.user("alpha", "rep")
    wrong = post_login(client, user.email, "nope")
    unknown = post_login(client, "nobody@nowhere.test", "nope")
    assert wrong.status_code == unknown.status_code == 400
    text = "The e-mail or the password is not correct."
    assert text in wrong.content.decode() and text in unknown.content.decode()
    ok = post_login(client, user.email, PASSWORD)
    assert ok.status_code == 302


def test_login_error_in_chinese(world, client):
    response = client.post(
        "/accounts/login/",
        {"username": "x@y.test", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )
    assert response.status_code == 400
    assert "邮箱或密码不正确" in response.content.decode()


def test_login_throttled_by_email_then_by_ip(world, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = world.user("alpha", "rep")
    for i in range(3):
        post_login(client, user.email, "bad", ip=f"10.0.0.{i}")
    # correct password, but the e-mail is locked: refused without checking
    locked = post_login(client, user.email, PASSWORD, ip="10.9.9.9")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # another e-mail from a fresh IP still works
    assert (
        post_login(client, world.user("alpha", "admin").email, PASSWORD, ip="10.1.1.1").status_code
        == 302
    )
    client.logout()
    # IP lock: many e-mails from one IP
    for i in range(3):
        post_login(client, f"spray{i}@x.test", "bad", ip="10.2.2.2")
    assert (
        post_login(client, world.user("beta", "rep").email, PASSWORD, ip="10.2.2.2").status_code
        == 429
    )


def test_login_throttle_window_expires(world, client, settings):
    from dealroom.workspaces.models import LoginFailure

    settings.LOGIN_FAILURE_LIMIT = 2
    user = world.user("alpha", "rep")
    for _ in range(2):
        post_login(client, user.email, "bad")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=11))
    assert post_login(client, user.email, PASSWORD).status_code == 302


@pytest.fixture
def invite(client, world, django_capture_on_commit_callbacks):
    def do(email="newbie@alpha.test", role="rep"):
        return _invite(client, world, django_capture_on_commit_callbacks, email, role)

    return do


def _invite(client, world, on_commit, email, role):
    client.force_login(world.user("alpha", "admin"))
    with on_commit(execute=True):
        response = client.post("/w/alpha/members/invite/", {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"http://[^\s]+/invite/([\w-]+)/", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    client.logout()
    return link.group(1)


def test_invitation_flow_creates_account_and_membership(
    world, client, invite, django_capture_on_commit_callbacks
):
    token = invite()
    invitation = Invitation.objects.get(email="newbie@alpha.test")
    assert invitation.token_hash != token and token not in invitation.token_hash  # only the hash
    page = client.get(f"/invite/{token}/")
    assert page.status_code == 200 and "Join Alpha" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/invite/{token}/", {"full_name": "New Bie", "password": "Tr1cky-pass-42"}
        )
    assert response.status_code == 302 and response["Location"] == "/w/alpha/"
    m = Membership.objects.get(user__email="newbie@alpha.test")
    assert m.workspace == world.a and m.role == "rep"
    joined = ActivityEvent.objects.get(verb="member.joined")
    admin = world.user("alpha", "admin")
    assert Notification.objects.filter(event=joined, recipient=admin).exists()
    # the job mailed the admin about it (ImmediateBackend in tests)
    assert any(admin.email in m.to for m in mail.outbox)
    # the link is single use
    again = client.get(f"/invite/{token}/")
    assert again.status_code == 410 and "already been used" in again.content.decode()


def test_invitation_form_errors_name_the_field_and_change_nothing(world, client, invite):
    token = invite()
    response = client.post(f"/invite/{token}/", {"full_name": "", "password": "123"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="full_name"' in body and 'data-field="password"' in body
    assert not User.objects.filter(email="newbie@alpha.test").exists()
    assert Invitation.objects.get(email="newbie@alpha.test").accepted_at is None


def test_expired_and_revoked_and_unknown_invitations(world, client, invite):
    token = invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/invite/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    post = client.post(f"/invite/{token}/", {"full_name": "X", "password": "Tr1cky-pass-42"})
    assert post.status_code == 410
    assert not User.objects.filter(email="newbie@alpha.test").exists()

    token2 = invite(email="other@alpha.test")
    services.invitation_revoke(
        actor=world.actor("alpha", "admin"),
        invitation_id=Invitation.objects.get(email="other@alpha.test").pk,
    )
    assert "withdrawn" in client.get(f"/invite/{token2}/").content.decode()
    assert client.get("/invite/not-a-real-token/").status_code == 410


def test_invitation_expires_after_seven_days(world):
    inv, _token = services.member_invite(
        actor=world.actor("alpha", "admin"), email="a@b.test", role="rep", send_email=False
    )
    assert timedelta(days=6, hours=23) < inv.expires_at - timezone.now() <= timedelta(days=7)


def test_existing_user_accepts_when_logged_in_with_matching_email(world, client, invite):
    beta_rep = world.user("beta", "rep")
    token = invite(email=beta_rep.email)
    # logged out: told to log in first
    assert "Log in first" in client.get(f"/invite/{token}/").content.decode()
    # wrong user
    client.force_login(world.user("beta", "admin"))
    client.post(f"/invite/{token}/")
    assert not Membership.objects.filter(workspace=world.a, user=beta_rep).exists()
    client.force_login(beta_rep)
    response = client.post(f"/invite/{token}/")
    assert response.status_code == 302
    assert Membership.objects.filter(workspace=world.a, user=beta_rep, is_active=True).exists()


@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_only_admins_invite(world, client, role):
    client.force_login(world.user("alpha", role))
    response = client.post("/w/alpha/members/invite/", {"email": "x@y.test", "role": "rep"})
    assert response.status_code == 403
    assert not Invitation.objects.exists() and not mail.outbox


def test_invite_bad_email_names_field(world, client):
    client.force_login(world.user("alpha", "admin"))
    response = client.post("/w/alpha/members/invite/", {"email": "not-an-email", "role": "rep"})
    assert response.status_code == 400
    assert 'data-field="email"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_password_reset_flow(world, client):
    user = world.user("alpha", "rep")
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    unknown = client.post("/accounts/password/reset/", {"email": "ghost@nowhere.test"})
    assert unknown.status_code == 302  # same answer: no hint whether the e-mail exists
    assert len(mail.outbox) == 1
    found = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", str(mail.outbox[0].body)
    )
    assert found
    path = found.group(1)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "An0ther-g00d-pw", "new_password2": "An0ther-g00d-pw"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("An0ther-g00d-pw")
    # the link works once
    assert "not valid any more" in client.get(path, follow=True).content.decode()
