"""What the app shell adds beside the pages: the password change in "your settings", deals
in the global search (only those the member sees), and the workspace chooser."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.customers.conftest import cx  # noqa: F401
from tests.pipeline.conftest import pp  # noqa: F401

pytestmark = pytest.mark.django_db


def _change(client, old, new, again=None):
    return client.post(
        "/settings/",
        {
            "action": "password",
            "old_password": old,
            "new_password": new,
            "new_password2": new if again is None else again,
        },
    )


def test_password_change_needs_the_current_password_and_keeps_this_session(world, client):
    user = world.user("alpha", "rep")
    client.force_login(user)
    refused = _change(client, "wrong-one", "Harbor-lantern-8274")
    assert refused.status_code == 400
    assert "Your current password is not correct." in refused.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # nothing changed

    for new, again in (("short", None), ("Harbor-lantern-8274", "Harbor-lantern-8275")):
        assert _change(client, PASSWORD, new, again).status_code == 400
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    done = _change(client, PASSWORD, "Harbor-lantern-8274")
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Harbor-lantern-8274")
    assert client.get("/w/alpha/").status_code == 200  # this session goes on


def test_password_change_ends_the_users_other_sessions(world, client):
    from django.test import Client

    user = world.user("alpha", "rep")
    other = Client()
    other.force_login(user)
    client.force_login(user)
    assert _change(client, PASSWORD, "Harbor-lantern-8274").status_code == 302
    assert other.get("/w/alpha/").status_code == 302  # back to the login page


def test_search_finds_only_deals_the_member_sees(pp, login):  # noqa: F811
    pp.deal(pp.manager, name="Kiosk manager's own")
    pp.deal(name="Kiosk of the rep")
    client = login(pp.other.user)  # a rep outside the team: sees neither
    page = client.get("/w/alpha/customers/search/?q=kiosk").content.decode()
    assert "Kiosk" not in page
    page = login(pp.rep.user).get("/w/alpha/customers/search/?q=kiosk").content.decode()
    assert "Kiosk of the rep" in page and "Kiosk manager's own" not in page
    assert 'data-testid="hit-opportunity"' in page


def test_choose_shows_the_chooser_instead_of_the_last_workspace(world, client):
    user = world.user("alpha", "rep")
    user.last_workspace = world.a
    user.save()
    client.force_login(user)
    assert client.get("/")["Location"] == "/w/alpha/"
    chooser = client.get("/?choose=1")
    assert chooser.status_code == 200
    assert 'href="/w/alpha/"' in chooser.content.decode()
