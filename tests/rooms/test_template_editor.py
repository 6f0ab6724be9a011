"""Issue 21 (13): the room template editor is rows of fields (a milestone's title and an
"internal" box, its tasks' title, days until due, "internal" box and description; resources'
title, address, kind and "internal" box), checked by the service with each problem shown at
its row and field, nothing saved on error; "when it applies" offers only the chosen type's
stages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dealroom.pipeline import services as pipeline_services
from dealroom.rooms import services
from dealroom.rooms.models import RoomTemplate

pytestmark = pytest.mark.django_db

NEW = "/w/alpha/rooms/settings/templates/new/"


@pytest.fixture
def admin_client(rm) -> Client:
    browser = Client()
    browser.force_login(rm.pp.admin.user)
    return browser


def rows(pp, milestones, resources=(), **fields) -> dict:
    """The editor's POST: milestones as (title, internal, [task dicts]), resources as dicts.
    Keys are what the page gives each row (any token will do; the order is the rows')."""
    data: dict = {
        "name": "Proposal kit",
        "opportunity_type": str(pp.staged.pk),
        "stage": str(pp.propose.pk),
        "is_active": "on",
        "milestone": [],
        "resource": [],
    }
    key = 0
    for title, internal, tasks in milestones:
        key += 1
        m = str(key)
        data["milestone"].append(m)
        data[f"m{m}-title"] = title
        if internal:
            data[f"m{m}-internal"] = "1"
        data[f"m{m}-task"] = []
        for task in tasks:
            key += 1
            t = str(key)
            data[f"m{m}-task"].append(t)
            data[f"t{t}-title"] = task.get("title", "")
            data[f"t{t}-due_in_days"] = task.get("days", "")
            data[f"t{t}-description"] = task.get("description", "")
            data[f"t{t}-kind"] = task.get("kind", "")
            if task.get("internal"):
                data[f"t{t}-internal"] = "1"
    for resource in resources:
        key += 1
        r = str(key)
        data["resource"].append(r)
        data[f"r{r}-title"] = resource.get("title", "")
        data[f"r{r}-url"] = resource.get("url", "")
        data[f"r{r}-kind"] = resource.get("kind", "link")
        if resource.get("internal"):
            data[f"r{r}-internal"] = "1"
    return {**data, **fields}


GOOD = [
    (
        "Proposal review",
        False,
        [
            {"title": "Send the proposal", "days": "1"},
            {"title": "Walk them through it", "days": "5", "description": "Bring the CFO"},
            {},  # a row left empty is dropped
            {"title": "Pricing approval", "days": "2", "internal": True},
        ],
    ),
    ("", False, [{}]),  # an empty milestone is dropped
    ("Internal prep", True, [{"title": "Check margin"}]),
]
LINKS = [
    {"title": "Brochure", "url": "https://example.com/b.pdf", "kind": "proposal"},
    {},
    {"title": "Prices", "url": "https://example.com/p", "internal": True},
]


def _select(html: str, select_id: str) -> str:
    found = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S)
    assert found, select_id
    return found.group(0)


def _options(select: str) -> list[str]:
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def test_posting_rows_creates_the_template_with_its_internal_flags(rm, admin_client):
    pp = rm.pp
    saved = admin_client.post(NEW, rows(pp, GOOD, LINKS))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    template = RoomTemplate.objects.get()
    assert (template.name, template.stage_id, template.is_active) == (
        "Proposal kit", pp.propose.pk, True,
    )  # fmt: skip
    assert template.plan == {
        "milestones": [
            {"title": "Proposal review", "internal": False, "tasks": [
                {"title": "Send the proposal", "description": "", "kind": "task",
                 "due_in_days": 1, "internal": False},
                {"title": "Walk them through it", "description": "Bring the CFO", "kind": "task",
                 "due_in_days": 5, "internal": False},
                {"title": "Pricing approval", "description": "", "kind": "task",
                 "due_in_days": 2, "internal": True},
            ]},
            {"title": "Internal prep", "internal": True, "tasks": [
                {"title": "Check margin", "description": "", "kind": "task",
                 "due_in_days": None, "internal": False},
            ]},
        ],
        "resources": [
            {"title": "Brochure", "url": "https://example.com/b.pdf", "kind": "proposal",
             "internal": False},
            {"title": "Prices", "url": "https://example.com/p", "kind": "link",
             "internal": True},
        ],
    }  # fmt: skip


def test_the_edit_page_shows_the_plan_as_rows_and_keeps_what_it_does_not_show(rm, admin_client):
    pp = rm.pp
    template = services.room_template_create(
        actor=pp.admin,
        name="Kit",
        opportunity_type_id=pp.staged.pk,
        plan={
            "milestones": [
                {
                    "title": "Evaluation",
                    "tasks": [
                        {"title": "Architecture call", "kind": "meeting", "due_in_days": 4},
                        {"title": "Approve the discount", "internal": True, "description": "a\nb"},
                    ],
                }
            ]
        },
    )
    url = f"/w/alpha/rooms/settings/templates/{template.pk}/"
    html = admin_client.get(url).content.decode()
    assert "|" not in re.sub(r"<[^>]+>", "", html.split('data-testid="template-form"')[1])
    assert 'value="Architecture call"' in html and 'value="4"' in html
    assert re.search(r'name="t\d+-kind" value="meeting"', html)
    internal_boxes = re.findall(r'<input[^>]*name="t\d+-internal"[^>]*>', html)
    assert len(internal_boxes) == 2
    assert ["checked" in box for box in internal_boxes] == [False, True]
    # Saved again as shown, the plan is the same (the meeting stays a meeting).
    form = rows(
        pp,
        [("Evaluation", False, [
            {"title": "Architecture call", "days": "4", "kind": "meeting"},
            {"title": "Approve the discount", "internal": True, "description": "a\nb"},
        ])],
        name="Kit", stage="",
    )  # fmt: skip
    before = template.plan
    assert admin_client.post(url, form).status_code == 302
    template.refresh_from_db()
    assert template.plan == before


def test_a_chinese_page_has_no_english_keyword_instructions(rm, admin_client):
    admin_client.cookies["django_language"] = "zh-hans"
    html = admin_client.get(f"{NEW}?type={rm.pp.staged.pk}").content.decode()
    assert 'lang="zh-hans"' in html
    text = re.sub(r"<[^>]+>", " ", html.split('data-testid="template-form"')[1])
    assert "internal" not in text.lower()
    assert "|" not in text
    assert "每行一个" not in text  # "one per line": no typed format any more
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="m\w+-internal"', html)
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="t\w+-internal"', html)
    assert "内部" in text


def test_bad_rows_are_named_at_their_field_and_nothing_is_saved(rm, admin_client):
    pp = rm.pp
    bad = admin_client.post(
        NEW,
        rows(
            pp,
            [
                ("Proposal review", False, [
                    {"title": "Send the proposal", "days": "soon"},
                    {"title": "", "days": "2", "description": "No title here"},
                ]),
                ("", True, [{"title": "Margin check"}]),
            ],
            [{"title": "Brochure", "url": "javascript:alert(1)"}],
            name="",
        ),
    )  # fmt: skip
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Please correct the highlighted fields." in html
    assert "Give the template a name of 1 to 120 characters." in html
    days = re.search(r'<input[^>]*name="t\d+-due_in_days" value="soon"[^>]*>', html)
    assert days and "is-invalid" in days.group(0)
    row = html[days.end() :].split('data-testid="template-task"')[0]  # the rest of its row
    assert "Milestone 1, task 1 (“Send the proposal”): the days until it is due" in row
    assert "Milestone 1, task 2: give it a title of 1 to 200 characters." in html
    assert "Milestone 2: give it a title of 1 to 200 characters." in html
    assert "Resource 1: enter a web address starting with http:// or https://" in html
    assert 'value="No title here"' not in html  # a description is a text box
    assert ">No title here</textarea>" in html  # what was typed stays
    assert not RoomTemplate.objects.exists()


def test_a_stage_of_another_type_is_refused_and_an_edit_changes_nothing(rm, admin_client):
    pp = rm.pp
    template = services.room_template_create(
        actor=pp.admin,
        name="Kit",
        opportunity_type_id=pp.staged.pk,
        stage_id=pp.propose.pk,
        plan={"milestones": [{"title": "Evaluation", "tasks": [{"title": "Call"}]}]},
    )
    before = (template.name, template.opportunity_type_id, template.stage_id, template.plan)
    url = f"/w/alpha/rooms/settings/templates/{template.pk}/"
    refused = admin_client.post(
        url,
        rows(pp, [("Changed", False, [{"title": "", "days": "3"}])],
             opportunity_type=str(pp.simple.pk), stage=str(pp.propose.pk)),
    )  # fmt: skip
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Choose a stage of this opportunity type" in html
    assert "Milestone 1, task 1: give it a title of 1 to 200 characters." in html
    template.refresh_from_db()
    assert (template.name, template.opportunity_type_id, template.stage_id, template.plan) == before
    # The page shown again offers the stages of the type that was chosen, and only those.
    assert _options(_select(html, "tpl-stage")) == ["When the room is created"]


def test_the_stage_select_lists_only_the_chosen_types_stages(rm, admin_client):
    pp = rm.pp
    expansion = pipeline_services.type_create(actor=pp.admin, name="Expansion", variant="staged")
    pilot = pipeline_services.stage_create(
        actor=pp.admin, type_id=expansion.pk, name="Pilot", probability=30
    )
    staged = admin_client.get(f"{NEW}?type={pp.staged.pk}").content.decode()
    assert _options(_select(staged, "tpl-stage")) == [
        "When the room is created",
        "When the deal enters “Qualify”",
        "When the deal enters “Propose”",
        "When the deal enters “Negotiate”",
        "When the deal enters “Contract”",
    ]
    other = admin_client.get(f"{NEW}?type={expansion.pk}").content.decode()
    assert _options(_select(other, "tpl-stage")) == [
        "When the room is created",
        "When the deal enters “Pilot”",
    ]
    # For the page's script: each type's stages, to put in the select when the type changes.
    offered = re.search(
        rf'<template data-stages-for="{pp.staged.pk}">(.*?)</template>', other, re.S
    )
    assert offered and "Negotiate" in offered.group(1) and "Pilot" not in offered.group(1)
    # No type chosen yet: the first type in the select, and its stages.
    first = admin_client.get(NEW).content.decode()
    chosen = re.search(r'<option value="(\d+)" selected>', _select(first, "tpl-type"))
    assert chosen and int(chosen.group(1)) == pp.staged.pk
    assert "When the deal enters “Pilot”" not in _select(first, "tpl-stage")
    assert pilot.pk


def test_without_javascript_add_buttons_bring_empty_rows_and_save_nothing(rm, admin_client):
    pp = rm.pp
    form = rows(pp, GOOD, LINKS)
    first = form["milestone"][0]
    for add, count in (
        ("milestone", 'data-testid="template-milestone"'),
        (f"task-{first}", 'data-testid="template-task"'),
        ("resource", 'data-testid="template-resource"'),
    ):
        page = admin_client.post(NEW, {**form, "add": add})
        assert page.status_code == 200
        html = page.content.decode().split('id="template-blanks"')[0]
        # The rows as they were sent, empty ones too (another may be added before saving).
        sent = {"milestone": 3, f"task-{first}": 6, "resource": 3}[add]
        assert html.count(count) == sent + 1, add
    assert not RoomTemplate.objects.exists()
