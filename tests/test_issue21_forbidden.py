"""Issue 21 (5): a settings page of your own workspace that your role may not change answers one
way everywhere: 403, the styled error page in the app shell and your language, with the
sentence naming the role it needs. Another workspace's pages stay 404: it does not exist for
you."""

from __future__ import annotations

import pytest
from django.urls import reverse

CUSTOMERS = {
    "en": "Only admins can change customer settings.",
    "zh-hans": "只有管理员可以修改客户设置。",
}
DEALS = {"en": "Only admins can change deal settings.", "zh-hans": "只有管理员可以修改商机设置。"}
ROOMS = {"en": "Only admins can change room settings.", "zh-hans": "只有管理员可以修改房间设置。"}
PAGES = [
    pytest.param("customer_settings", CUSTOMERS, id="customers"),
    pytest.param("pipeline_settings", DEALS, id="deals"),
    pytest.param("room_workspace_settings", ROOMS, id="rooms"),
]

# The shell's own words around the sentence, in each language.
BACK = {"en": "Back to Dealroom", "zh-hans": "返回 Dealroom"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("name", "sentence"), PAGES)
@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_a_settings_page_your_role_may_not_change_is_a_styled_403(
    world, login, settings, role, name, sentence, language
):
    client = login(world.user("alpha", role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    r = client.get(reverse(name, args=["alpha"]))
    html = r.content.decode()
    assert r.status_code == 403
    assert "<html" in html and 'data-testid="sidebar"' in html
    assert f'lang="{language}"' in html
    assert BACK[language] in html
    assert sentence[language] in html


@pytest.mark.parametrize(("name", "sentence"), PAGES)
def test_an_htmx_request_gets_the_sentence_as_a_fragment(world, login, name, sentence):
    client = login(world.user("alpha", "rep"))
    r = client.get(reverse(name, args=["alpha"]), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 403
    assert sentence["en"] in html and "<html" not in html


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("custom_field_new", []),
        ("custom_field_edit", [999]),
        ("field_permissions", []),
        ("disqualify_reason_add", []),
        ("disqualify_reason_toggle", [999]),
    ],
)
def test_every_customer_settings_url_refuses_a_rep_with_the_same_403(world, login, name, args):
    """POST-only URLs too, whatever the method: a rep learns no more from them than from the
    page (not 405, not 404 for an id)."""
    client = login(world.user("alpha", "rep"))
    url = reverse(name, args=["alpha", *args])
    for send in (client.get, client.post):
        r = send(url)
        assert r.status_code == 403, (url, send)
        assert CUSTOMERS["en"] in r.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "customer_settings",
        "field_permissions",
        "disqualify_reason_add",
        "pipeline_settings",
        "pipeline_loss_reason_create",
        "room_workspace_settings",
    ],
)
@pytest.mark.parametrize("role", ["admin", "rep"])
def test_another_workspaces_settings_are_not_found(world, login, name, role):
    client = login(world.user("beta", role))
    url = reverse(name, args=["alpha"])
    for send in (client.get, client.post):
        r = send(url)
        assert r.status_code == 404, (url, send)
        assert "Only admins" not in r.content.decode()


@pytest.mark.parametrize(
    "name", ["customer_settings", "pipeline_settings", "room_workspace_settings"]
)
def test_admins_reach_the_settings(world, login, name):
    client = login(world.user("alpha", "admin"))
    r = client.get(reverse(name, args=["alpha"]))
    assert r.status_code == 200
    assert "Only admins" not in r.content.decode()
