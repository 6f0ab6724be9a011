"""Issue 21: a domain error's own reason reaches the page (4), a gate refuses in one sentence
(10), links point at the port the server runs on (11), and the demo ends with its summary
instead of e-mail dumps (16)."""

from __future__ import annotations

import io
import json
import os
import runpy

import pytest
from django import forms
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from dealroom.core.errors import Invalid
from dealroom.core.forms import add_domain_errors
from dealroom.pipeline import services
from tests.customers.conftest import cx  # noqa: F401
from tests.pipeline.conftest import pp  # noqa: F401
from tests.pipeline_api.conftest import api  # noqa: F401

# -- 4: a domain error says its own reason ---------------------------------------------------

REASON = {"en": "Only a qualified lead can be converted.", "zh-hans": "只有有效线索才能转化。"}
GENERIC = {"en": "The request is not valid.", "zh-hans": "请求无效。"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_converting_a_lead_that_is_not_qualified_says_why(cx, login, language, method):  # noqa: F811
    lead = cx.lead(cx.actor("rep"))
    client = login(cx.world.user("alpha", "rep"))
    client.cookies["django_language"] = language
    send = getattr(client, method)
    r = send(reverse("lead_convert", args=["alpha", lead.pk]), {"account": "", "contact": ""})
    html = r.content.decode()
    assert r.status_code == 400
    assert REASON[language] in html
    assert GENERIC[language] not in html
    assert html.count(REASON[language]) == 2  # the page's title and its text: said once


def test_an_error_about_a_field_the_form_lacks_shows_its_reason_on_the_form():
    class NameForm(forms.Form):
        name = forms.CharField(required=False)

    form = NameForm({"name": "x"})
    form.is_valid()
    add_domain_errors(form, Invalid(fields={"status": "Only a qualified lead can be converted."}))
    assert form.non_field_errors() == ["Only a qualified lead can be converted."]
    form = NameForm({"name": "x"})
    form.is_valid()
    add_domain_errors(form, Invalid(fields={"name": "Too short.", "status": "Closed."}))
    assert form.errors == {"name": ["Too short."], "__all__": ["Closed."]}


def test_an_error_with_one_problem_is_that_problem():
    error = Invalid(fields={"status": "Only a qualified lead can be converted."})
    assert str(error.message) == "Only a qualified lead can be converted."
    assert error.full_message() == "Only a qualified lead can be converted."
    assert error.as_dict()["message"] == "Only a qualified lead can be converted."
    assert str(Invalid(fields={"a": "One.", "b": "Two."}).message) == "The request is not valid."


# -- 10: a gate refuses in one sentence ------------------------------------------------------

FILL_IN = "Fill in “amount”, “expected close date” before moving to “Propose”."
CHECKLIST = "Complete the checklist of “Negotiate” first: “Legal approved”, “Budget confirmed”."


def _said(body: dict) -> str:
    """What the board shows for a refused drag (static/dealroom/board.js): the message, then
    each field's problem not said yet."""
    parts = [body["message"]]
    parts += [m for m in body["fields"].values() if m not in parts]
    return " ".join(parts)


def test_board_move_refusal_names_the_missing_fields_once(pp, login, api):  # noqa: F811
    opp = pp.deal()
    client = login(pp.world.user("alpha", "rep"))
    move = reverse("opportunity_move", args=["alpha", opp.pk])
    dragged = client.post(move, {"stage": pp.propose.pk}, HTTP_ACCEPT="application/json")
    assert dragged.status_code == 400
    assert _said(json.loads(dragged.content)) == FILL_IN
    flashed = client.post(move, {"stage": pp.propose.pk}, follow=True)
    assert [str(m) for m in flashed.context["messages"]] == [FILL_IN]
    refused = api("rep").post(f"opportunities/{opp.pk}/move", {"stage_id": pp.propose.pk})
    assert refused.status_code == 400
    assert _said(refused.json()) == FILL_IN
    assert refused.json()["details"]["missing"] == ["amount", "expected close date"]


def test_checklist_refusal_names_the_open_items_once(pp, login, api):  # noqa: F811
    services.type_update(
        actor=pp.admin, type_id=pp.staged.pk, name="New business", require_checklist=True
    )
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    client = login(pp.world.user("alpha", "rep"))
    move = reverse("opportunity_move", args=["alpha", opp.pk])
    dragged = client.post(move, {"stage": pp.contract.pk}, HTTP_ACCEPT="application/json")
    assert _said(json.loads(dragged.content)) == CHECKLIST
    flashed = client.post(move, {"stage": pp.contract.pk}, follow=True)
    assert [str(m) for m in flashed.context["messages"]] == [CHECKLIST]
    refused = api("rep").post(f"opportunities/{opp.pk}/move", {"stage_id": pp.contract.pk})
    assert _said(refused.json()) == CHECKLIST


# -- 11: links point at the port the server runs on ------------------------------------------


def _settings_with(monkeypatch, **env) -> dict:
    monkeypatch.setenv("SITE_URL", "unset")
    monkeypatch.delenv("SITE_URL")
    monkeypatch.delenv("PORT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(os.path.join(django_settings.BASE_DIR, "config", "settings.py"))


def test_site_url_defaults_to_the_port_of_make_demo(monkeypatch):
    assert _settings_with(monkeypatch)["SITE_URL"] == "http://127.0.0.1:8000"
    assert _settings_with(monkeypatch, PORT="8123")["SITE_URL"] == "http://127.0.0.1:8123"
    explicit = _settings_with(monkeypatch, PORT="8123", SITE_URL="https://crm.example.com/")
    assert explicit["SITE_URL"] == "https://crm.example.com"


def test_serve_points_links_at_its_own_port(monkeypatch, settings):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)
    monkeypatch.setenv("SITE_URL", "unset")
    monkeypatch.delenv("SITE_URL")
    call_command("serve", "--port", "8123")
    assert settings.SITE_URL == "http://127.0.0.1:8123"
    assert os.environ["SITE_URL"] == "http://127.0.0.1:8123"  # for the worker it starts

    monkeypatch.setenv("SITE_URL", "https://crm.example.com")
    settings.SITE_URL = "https://crm.example.com"
    call_command("serve", "--port", "8124")
    assert settings.SITE_URL == "https://crm.example.com"


# -- 16: the demo ends with its summary ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_demo_ends_with_its_summary_and_dumps_no_mail(settings, capsys):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = io.StringIO()
    call_command("demo", stdout=out)
    lines = out.getvalue().rstrip().splitlines()
    assert any(line.strip().startswith("Open http://127.0.0.1:8123/ ") for line in lines)
    assert "8000" not in out.getvalue()
    assert lines[-1].strip().startswith("http://127.0.0.1:8123/r/")  # the guest link, last
    assert any("admin@demo.local" in line for line in lines[-10:])
    assert "Subject:" not in out.getvalue() + capsys.readouterr().out
    # The server's worker starts on an empty queue: nothing from the seeding is dumped then.
    call_command("worker", "--batch")
    assert "Subject:" not in capsys.readouterr().out
