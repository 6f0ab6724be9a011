"""Pipeline settings pages (/w/<slug>/deals/settings/): admins configure types, stages,
checklists and loss reasons through the real views; everyone else gets 403; bad input shows
the field's message, answers 400 and changes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealroom.customers.services import custom_field_create
from dealroom.pipeline import services
from dealroom.pipeline.models import LossReason, Milestone, OpportunityType, Stage

SLUG = "alpha"


def url(name, *args):
    return reverse(name, args=[SLUG, *args])


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin(pp, login):
    return login(pp.world.user("alpha", "admin"))


def stage_data(**data) -> dict:
    return {
        "name": "Discover",
        "name_zh": "",
        "probability": "20",
        "forecast_category": "pipeline",
        "guidance": "",
        "suggested_tasks": "",
        "stuck_days": "",
        **data,
    }


def snapshot():
    """Everything the settings pages can change, to show a refused request changed nothing."""
    return (
        list(OpportunityType.objects.order_by("pk").values()),
        list(Stage.objects.order_by("pk").values()),
        list(Milestone.objects.order_by("pk").values()),
        list(LossReason.objects.order_by("pk").values()),
    )


# -- the admin's path ------------------------------------------------------------------------


def test_index_lists_types_and_loss_reasons(pp, admin):
    r = admin.get(url("pipeline_settings"))
    assert r.status_code == 200
    body = page(r)
    for text in ("New business", "新业务", "Renewal", "Referral", "Price", "Timing"):
        assert text in body
    assert f'data-testid="type-{pp.staged.pk}"' in body


def test_admin_builds_a_staged_pipeline(pp, admin):
    r = admin.post(
        url("pipeline_type_create"),
        {"name": "Upsell", "name_zh": "增购", "variant": "staged", "require_checklist": "on"},
    )
    assert r.status_code == 302
    upsell = OpportunityType.objects.get(name="Upsell")
    assert r["Location"] == url("pipeline_type_settings", upsell.pk)
    assert (upsell.name_zh, upsell.variant, upsell.require_checklist) == ("增购", "staged", True)
    assert admin.get(r["Location"]).status_code == 200

    # stages with gates, guidance, tasks and a stuck rule
    assert admin.get(url("pipeline_stage_create", upsell.pk)).status_code == 200
    r = admin.post(
        url("pipeline_stage_create", upsell.pk),
        stage_data(
            name="Discover",
            name_zh="发现",
            probability="15",
            required_fields=["amount", "close_date"],
            guidance="Find the pain.",
            suggested_tasks="Call the buyer\n\n  Send the deck  \n",
            stuck_days="21",
        ),
    )
    assert r.status_code == 302, page(r)[:3000]
    discover = Stage.objects.get(type=upsell, name="Discover")
    assert r["Location"].endswith(f"#stage-{discover.pk}")
    assert discover.name_zh == "发现"
    assert discover.probability == 15
    assert discover.required_fields == ["amount", "close_date"]
    assert discover.guidance == "Find the pain."
    assert discover.suggested_tasks == ["Call the buyer", "Send the deck"]
    assert discover.stuck_days == 21
    r = admin.post(
        url("pipeline_stage_create", upsell.pk),
        stage_data(name="Close", probability="80", forecast_category="commit"),
    )
    assert r.status_code == 302
    close = Stage.objects.get(type=upsell, name="Close")
    assert close.forecast_category == "commit"
    assert close.stuck_days is None and close.required_fields == []

    # the type page shows them in order with their settings
    body = page(admin.get(url("pipeline_type_settings", upsell.pk)))
    assert body.index(f'id="stage-{discover.pk}"') < body.index(f'id="stage-{close.pk}"')
    assert "发现" in body and "amount" in body and "Expected close date".lower() in body.lower()

    # exit checklist: add, rename, archive
    r = admin.post(url("pipeline_milestone_create", upsell.pk, close.pk), {"title": "PO received"})
    assert r.status_code == 302
    po = Milestone.objects.get(stage=close)
    assert po.title == "PO received"
    r = admin.post(
        url("pipeline_milestone_update", upsell.pk, close.pk, po.pk), {"title": "PO signed"}
    )
    assert r.status_code == 302
    po.refresh_from_db()
    assert po.title == "PO signed"
    assert "PO signed" in page(admin.get(url("pipeline_type_settings", upsell.pk)))
    r = admin.post(url("pipeline_milestone_archive", upsell.pk, close.pk, po.pk))
    assert r.status_code == 302
    po.refresh_from_db()
    assert po.archived_at is not None
    assert "PO signed" not in page(admin.get(url("pipeline_type_settings", upsell.pk)))

    # rename a stage (both languages), keep the rest
    assert admin.get(url("pipeline_stage_edit", upsell.pk, discover.pk)).status_code == 200
    r = admin.post(
        url("pipeline_stage_edit", upsell.pk, discover.pk),
        stage_data(
            name="Discovery",
            name_zh="需求发现",
            probability="15",
            required_fields=["amount", "close_date"],
            guidance="Find the pain.",
            suggested_tasks="Call the buyer\nSend the deck",
            stuck_days="21",
        ),
    )
    assert r.status_code == 302
    discover.refresh_from_db()
    assert (discover.name, discover.name_zh, discover.stuck_days) == ("Discovery", "需求发现", 21)

    # reorder: Close up, then down again
    r = admin.post(url("pipeline_stage_reorder", upsell.pk), {"stage": close.pk, "direction": "up"})
    assert r.status_code == 302
    assert r["Location"].endswith(f"#stage-{close.pk}")
    order = [s.name for s in Stage.objects.filter(type=upsell).order_by("position")]
    assert order == ["Close", "Discovery"]
    body = page(admin.get(url("pipeline_type_settings", upsell.pk)))
    assert body.index(f'id="stage-{close.pk}"') < body.index(f'id="stage-{discover.pk}"')
    admin.post(url("pipeline_stage_reorder", upsell.pk), {"stage": close.pk, "direction": "down"})
    order = [s.name for s in Stage.objects.filter(type=upsell).order_by("position")]
    assert order == ["Discovery", "Close"]

    # the type itself: rename, drop the checklist rule, retire
    r = admin.post(
        url("pipeline_type_settings", upsell.pk), {"name": "Expansion", "name_zh": "扩展"}
    )
    assert r.status_code == 302
    upsell.refresh_from_db()
    assert (upsell.name, upsell.name_zh) == ("Expansion", "扩展")
    assert upsell.require_checklist is False and upsell.is_active is False
    body = page(admin.get(url("pipeline_settings")))
    assert "Expansion" in body and "Retired" in body


def test_moving_the_first_stage_up_changes_nothing(pp, admin):
    r = admin.post(
        url("pipeline_stage_reorder", pp.staged.pk), {"stage": pp.qualify.pk, "direction": "up"}
    )
    assert r.status_code == 302
    assert list(Stage.objects.filter(type=pp.staged).order_by("position")) == pp.stages


def test_reorder_takes_a_whole_order(pp, admin):
    order = [pp.contract.pk, pp.qualify.pk, pp.propose.pk, pp.negotiate.pk]
    r = admin.post(url("pipeline_stage_reorder", pp.staged.pk), {"order": order})
    assert r.status_code == 302
    assert [s.pk for s in Stage.objects.filter(type=pp.staged).order_by("position")] == order
    # an order missing a stage is refused with the service's message
    before = snapshot()
    r = admin.post(url("pipeline_stage_reorder", pp.staged.pk), {"order": order[:2]})
    assert r.status_code == 400
    assert "List every active stage of this type once." in page(r)
    assert snapshot() == before


def test_custom_fields_can_be_required(pp, admin):
    cf = custom_field_create(
        actor=pp.admin, object_type="opportunity", label="PO number", kind="text"
    )
    body = page(admin.get(url("pipeline_stage_edit", pp.staged.pk, pp.contract.pk)))
    assert "PO number" in body and f'value="custom.{cf.key}"' in body
    # fields every deal has anyway, and fields no one fills in, are not offered
    assert 'value="account"' not in body and 'value="status"' not in body
    data = stage_data(name="Contract", probability="90", forecast_category="commit")
    data["required_fields"] = ["amount", f"custom.{cf.key}"]
    r = admin.post(url("pipeline_stage_edit", pp.staged.pk, pp.contract.pk), data)
    assert r.status_code == 302
    pp.contract.refresh_from_db()
    assert pp.contract.required_fields == ["amount", f"custom.{cf.key}"]
    body = page(admin.get(url("pipeline_type_settings", pp.staged.pk)))
    assert "PO number" in body


def test_simple_type_has_no_stages(pp, admin):
    r = admin.get(url("pipeline_type_settings", pp.simple.pk))
    assert r.status_code == 200
    assert 'data-testid="stages"' not in page(r)
    assert admin.get(url("pipeline_stage_create", pp.simple.pk)).status_code == 404
    r = admin.post(url("pipeline_stage_create", pp.simple.pk), stage_data())
    assert r.status_code == 404
    assert not Stage.objects.filter(type=pp.simple).exists()
    r = admin.post(
        url("pipeline_type_settings", pp.simple.pk), {"name": "Renewals", "is_active": "on"}
    )
    assert r.status_code == 302
    pp.simple.refresh_from_db()
    assert pp.simple.name == "Renewals" and pp.simple.is_active


# -- archiving stages ------------------------------------------------------------------------


def test_archiving_a_stage_with_a_deal_in_it_keeps_the_deal_there(pp, admin):
    deal = pp.deal(stage=pp.propose, **pp.ready())
    r = admin.post(url("pipeline_stage_archive", pp.staged.pk, pp.propose.pk))
    assert r.status_code == 302
    pp.propose.refresh_from_db()
    assert pp.propose.archived_at is not None
    assert pp.reload(deal).stage == pp.propose
    body = page(admin.get(url("pipeline_type_settings", pp.staged.pk)))
    archived = body[body.index('data-testid="archived-stages"') :]
    assert "Propose" in archived and "Archived" in archived
    assert "1 open deal still in it" in archived
    assert "Propose" not in body[: body.index('data-testid="archived-stages"')]
    # the archived stage can still be edited, and restored
    assert admin.get(url("pipeline_stage_edit", pp.staged.pk, pp.propose.pk)).status_code == 200
    r = admin.post(url("pipeline_stage_archive", pp.staged.pk, pp.propose.pk), {"archived": "0"})
    assert r.status_code == 302
    pp.propose.refresh_from_db()
    assert pp.propose.archived_at is None
    assert pp.reload(deal).stage == pp.propose


def test_the_last_stage_cannot_be_archived(pp, admin):
    for stage in pp.stages[1:]:
        services.stage_archive(actor=pp.admin, stage_id=stage.pk)
    before = snapshot()
    r = admin.post(url("pipeline_stage_archive", pp.staged.pk, pp.qualify.pk))
    assert r.status_code == 400
    assert "A staged opportunity type keeps at least one stage." in page(r)
    assert snapshot() == before


# -- loss reasons ----------------------------------------------------------------------------


def test_loss_reasons_add_retire_and_use_again(pp, admin):
    r = admin.post(url("pipeline_loss_reason_create"), {"name": "No budget"})
    assert r.status_code == 302
    reason = LossReason.objects.get(name="No budget")
    assert reason.is_active
    r = admin.post(url("pipeline_loss_reason_set_active", reason.pk), {"active": "0"})
    assert r.status_code == 302
    reason.refresh_from_db()
    assert not reason.is_active
    r = admin.post(url("pipeline_loss_reason_set_active", pp.retired.pk), {"active": "1"})
    assert r.status_code == 302
    pp.retired.refresh_from_db()
    assert pp.retired.is_active
    body = page(admin.get(url("pipeline_settings")))
    assert "No budget" in body and "Use again" in body


# -- bad input: 400, the field's message, nothing changed ------------------------------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("type_create", {"name": "", "variant": "staged"}, "This field is required."),
        ("type_create", {"name": "X", "variant": "kanban"}, "Select a valid choice."),
        ("type_edit", {"name": "  "}, "This field is required."),
        ("stage_create", stage_data(name=""), "This field is required."),
        ("stage_create", stage_data(probability="150"), "Enter a whole number from 0 to 100."),
        ("stage_edit", stage_data(name="Propose", probability="150"), "from 0 to 100"),
        ("stage_edit", stage_data(probability="abc"), "Enter a whole number."),
        ("stage_edit", stage_data(required_fields=["colour"]), "Select a valid choice."),
        ("stage_edit", stage_data(stuck_days="0"), "Enter a number of days from 1 to 3650"),
        ("stage_edit", stage_data(suggested_tasks="x" * 201), "At most 30 tasks"),
        ("stage_edit", stage_data(forecast_category="closed_won"), "Select a valid choice."),
        ("milestone_create", {"title": ""}, "This field is required."),
        ("milestone_update", {"title": " "}, "This field is required."),
        ("reason_create", {"name": ""}, "This field is required."),
        ("reason_create", {"name": "Price"}, "This reason exists already."),
    ],
)
def test_bad_input_is_refused_with_the_fields_message(pp, admin, name, data, message):
    target = {
        "type_create": url("pipeline_type_create"),
        "type_edit": url("pipeline_type_settings", pp.staged.pk),
        "stage_create": url("pipeline_stage_create", pp.staged.pk),
        "stage_edit": url("pipeline_stage_edit", pp.staged.pk, pp.propose.pk),
        "milestone_create": url("pipeline_milestone_create", pp.staged.pk, pp.negotiate.pk),
        "milestone_update": url(
            "pipeline_milestone_update", pp.staged.pk, pp.negotiate.pk, pp.legal_ok.pk
        ),
        "reason_create": url("pipeline_loss_reason_create"),
    }[name]
    before = snapshot()
    r = admin.post(target, data)
    assert r.status_code == 400
    body = page(r)
    assert message in body
    assert 'class="invalid-feedback d-block" data-field=' in body
    assert snapshot() == before


def test_unknown_required_field_is_refused_by_the_service_too(pp):
    """The form offers only known fields; the service is the last word for other callers."""
    from dealroom.core.errors import Invalid

    with pytest.raises(Invalid) as e:
        services.stage_update(actor=pp.admin, stage_id=pp.propose.pk, required_fields=["colour"])
    assert "colour" in e.value.fields["required_fields"]


def test_bad_milestone_is_shown_where_it_was_typed(pp, admin):
    r = admin.post(
        url("pipeline_milestone_create", pp.staged.pk, pp.negotiate.pk), {"title": "x" * 121}
    )
    assert r.status_code == 400
    body = page(r)
    form = body[body.index(f'data-testid="add-milestone-{pp.negotiate.pk}"') :]
    assert "is-invalid" in form[: form.index("</form>")]
    assert Milestone.objects.filter(stage=pp.negotiate).count() == 2


def test_objects_of_other_types_and_workspaces_are_404(pp, admin, world):
    beta = services.type_create(actor=world.actor("beta", "admin"), name="Beta", variant="staged")
    assert admin.get(url("pipeline_type_settings", beta.pk)).status_code == 404
    # a stage, milestone or reason reached through the wrong parent does not exist
    other = services.type_create(actor=pp.admin, name="Other", variant="staged")
    assert admin.get(url("pipeline_stage_edit", other.pk, pp.propose.pk)).status_code == 404
    r = admin.post(url("pipeline_milestone_archive", pp.staged.pk, pp.propose.pk, pp.legal_ok.pk))
    assert r.status_code == 404
    assert Milestone.objects.get(pk=pp.legal_ok.pk).archived_at is None
    r = admin.post(url("pipeline_stage_reorder", pp.staged.pk), {"stage": "999999"})
    assert r.status_code == 404
    # another workspace's admin cannot reach Alpha's settings at all
    beta_admin = Client()
    beta_admin.force_login(world.user("beta", "admin"))
    assert beta_admin.get(url("pipeline_settings")).status_code == 404


def test_post_only_urls_refuse_get_for_admins(pp, admin):
    r = admin.get(url("pipeline_stage_archive", pp.staged.pk, pp.propose.pk))
    assert r.status_code == 405


# -- only admins -----------------------------------------------------------------------------


def settings_urls(pp) -> list[str]:
    t, s, m = pp.staged.pk, pp.negotiate.pk, pp.legal_ok.pk
    return [
        url("pipeline_settings"),
        url("pipeline_type_create"),
        url("pipeline_type_settings", t),
        url("pipeline_stage_create", t),
        url("pipeline_stage_reorder", t),
        url("pipeline_stage_edit", t, s),
        url("pipeline_stage_archive", t, s),
        url("pipeline_milestone_create", t, s),
        url("pipeline_milestone_update", t, s, m),
        url("pipeline_milestone_archive", t, s, m),
        url("pipeline_loss_reason_create"),
        url("pipeline_loss_reason_set_active", pp.price.pk),
    ]


def test_every_settings_url_is_listed_here(pp):
    from dealroom.pipeline import settings_urls as module

    assert len(module.urlpatterns) == len(settings_urls(pp))


@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_only_admins_reach_settings(pp, login, role):
    client = login(pp.world.user("alpha", role))
    before = snapshot()
    posts = {
        "name": "Hacked",
        "variant": "staged",
        "title": "Hacked",
        "probability": "1",
        "forecast_category": "pipeline",
        "stage": str(pp.negotiate.pk),
        "direction": "up",
        "active": "0",
        "archived": "1",
    }
    for path in settings_urls(pp):
        assert client.get(path).status_code == 403, path
        assert client.post(path, posts).status_code == 403, path
    assert snapshot() == before


def test_forbidden_page_speaks_chinese(pp, login):
    client = login(pp.world.user("alpha", "rep"))
    r = client.get(url("pipeline_settings"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert r.status_code == 403
    assert "只有管理员可以修改商机设置。" in page(r)


def test_anonymous_is_sent_to_log_in(pp, client):
    r = client.get(url("pipeline_settings"))
    assert r.status_code == 302 and "login" in r["Location"]


# -- Chinese ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "switch", ["accept_language", "cookie"], ids=["Accept-Language", "language cookie"]
)
def test_pages_render_in_chinese(pp, admin, settings, switch):
    kwargs = {}
    if switch == "cookie":
        admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    else:
        kwargs["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    for path in (
        url("pipeline_settings"),
        url("pipeline_type_settings", pp.staged.pk),
        url("pipeline_type_settings", pp.simple.pk),
        url("pipeline_stage_create", pp.staged.pk),
        url("pipeline_stage_edit", pp.staged.pk, pp.negotiate.pk),
    ):
        r = admin.get(path, **kwargs)
        assert r.status_code == 200, path
        assert '<html lang="zh-hans">' in page(r), path
    assert "保存" in page(admin.get(url("pipeline_type_settings", pp.staged.pk), **kwargs))
    # field errors in the reader's language
    r = admin.post(url("pipeline_stage_create", pp.staged.pk), stage_data(name=""), **kwargs)
    assert r.status_code == 400
    assert "此字段为必填项。" in page(r)
    r = admin.post(url("pipeline_type_settings", pp.staged.pk), {"name": ""}, **kwargs)
    assert r.status_code == 400
    assert "此字段为必填项。" in page(r)
    pp.staged.refresh_from_db()
    assert pp.staged.name == "New business"


# -- queries ---------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


def test_type_page_queries_do_not_grow_with_stages(pp, admin):
    path = url("pipeline_type_settings", pp.staged.pk)
    admin.get(path)  # the first visit records the workspace
    few = _queries(admin, path)
    for i in range(6):
        stage = services.stage_create(actor=pp.admin, type_id=pp.staged.pk, name=f"S{i}")
        services.milestone_create(actor=pp.admin, stage_id=stage.pk, title=f"M{i}")
        services.milestone_create(actor=pp.admin, stage_id=stage.pk, title=f"N{i}")
        pp.deal(stage=stage, **pp.ready())
    services.stage_archive(actor=pp.admin, stage_id=pp.contract.pk)
    assert _queries(admin, path) == few
    index = url("pipeline_settings")
    few = _queries(admin, index)
    services.type_create(actor=pp.admin, name="More", variant="simple")
    services.loss_reason_create(actor=pp.admin, name="Competitor")
    assert _queries(admin, index) == few
