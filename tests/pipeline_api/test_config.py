"""The pipeline's configuration over the API: members read opportunity types with their
stages and checklists and the loss reasons; only admins change them, and bad settings are
named field by field and change nothing."""

from __future__ import annotations

import pytest

from dealroom.pipeline.models import LossReason, Milestone, OpportunityType, Stage


def names(stages: list[dict]) -> list[str]:
    return [s["name"] for s in stages]


@pytest.mark.parametrize("role", ["readonly", "rep", "manager", "admin"])
def test_members_read_types_with_stages_and_checklists(api, pp, role):
    listed = api(role).get("opportunity-types")
    assert listed.status_code == 200
    types = listed.json()
    assert [(t["name"], t["variant"]) for t in types] == [
        ("New business", "staged"),
        ("Renewal", "simple"),
        ("Referral", "tag"),
    ]
    staged = types[0]
    assert staged["name_zh"] == "新业务"
    assert names(staged["stages"]) == ["Qualify", "Propose", "Negotiate", "Contract"]
    negotiate = staged["stages"][2]
    assert negotiate["required_fields"] == ["next_step"]
    assert negotiate["forecast_category"] == "commit"
    assert negotiate["stuck_days"] == 14
    assert [m["title"] for m in negotiate["milestones"]] == ["Legal approved", "Budget confirmed"]
    assert types[1]["stages"] == []

    got = api(role).get(f"opportunity-types/{pp.staged.pk}").json()
    assert got == staged
    reasons = api(role).get("loss-reasons").json()
    assert [(r["name"], r["is_active"]) for r in reasons] == [("Price", True)]


def test_archived_stages_and_retired_types_only_when_asked(api, pp):
    admin = api("admin")
    assert admin.post(f"stages/{pp.contract.pk}/archive").json()["archived"] is True
    assert admin.post(f"milestones/{pp.legal_ok.pk}/archive").status_code == 204
    retired = admin.put(f"opportunity-types/{pp.tag.pk}", {"name": "Referral", "is_active": False})
    assert retired.status_code == 200 and retired.json()["is_active"] is False

    rep = api("rep")
    types = rep.get("opportunity-types").json()
    assert [t["name"] for t in types] == ["New business", "Renewal"]
    assert names(types[0]["stages"]) == ["Qualify", "Propose", "Negotiate"]
    assert [m["title"] for m in types[0]["stages"][2]["milestones"]] == ["Budget confirmed"]

    everything = rep.get("opportunity-types", {"include_archived": "true"}).json()
    assert [t["name"] for t in everything] == ["New business", "Renewal", "Referral"]
    assert [(s["name"], s["archived"]) for s in everything[0]["stages"]][-1] == ("Contract", True)
    assert len(everything[0]["stages"][2]["milestones"]) == 2
    assert rep.get("loss-reasons", {"include_inactive": "true"}).json()[1]["name"] == "Timing"


def test_admin_configures_a_pipeline(api, pp):
    admin = api("admin", "token")
    made = admin.post("opportunity-types", {"name": "Expansion", "variant": "staged"})
    assert made.status_code == 201, made.json()
    type_id = made.json()["id"]
    assert made.json()["stages"] == []

    first = admin.post(f"opportunity-types/{type_id}/stages", {"name": "Discover"})
    assert first.status_code == 201, first.json()
    assert (first.json()["probability"], first.json()["forecast_category"]) == (10, "pipeline")
    second = admin.post(
        f"opportunity-types/{type_id}/stages",
        {
            "name": "Commit",
            "name_zh": "承诺",
            "probability": 80,
            "forecast_category": "commit",
            "required_fields": ["amount"],
            "suggested_tasks": ["Book the signing"],
            "stuck_days": 10,
        },
    ).json()
    assert (second["position"], second["required_fields"]) == (2, ["amount"])

    changed = admin.patch(f"stages/{second['id']}", {"probability": 85, "stuck_days": None})
    assert changed.status_code == 200
    assert (changed.json()["probability"], changed.json()["stuck_days"]) == (85, None)
    assert changed.json()["required_fields"] == ["amount"]  # what was not sent stays
    renamed = admin.patch(f"stages/{second['id']}", {"name": "Committed"}).json()
    assert (renamed["name"], renamed["name_zh"]) == ("Committed", "承诺")

    order = [second["id"], first.json()["id"]]
    reordered = admin.put(f"opportunity-types/{type_id}/stage-order", {"stage_ids": order})
    assert reordered.status_code == 200
    assert [(s["id"], s["position"]) for s in reordered.json()] == [(order[0], 1), (order[1], 2)]

    item = admin.post(f"stages/{second['id']}/milestones", {"title": "PO received"})
    assert item.status_code == 201
    retitled = admin.put(f"milestones/{item.json()['id']}", {"title": "PO signed"})
    assert retitled.json()["title"] == "PO signed"

    archived = admin.post(f"stages/{first.json()['id']}/archive").json()
    assert archived["archived"] is True
    assert admin.post(f"stages/{first.json()['id']}/restore").json()["archived"] is False

    updated = admin.put(
        f"opportunity-types/{type_id}",
        {"name": "Expansion", "name_zh": "扩展", "require_checklist": True},
    ).json()
    assert (updated["name_zh"], updated["require_checklist"]) == ("扩展", True)
    assert names(updated["stages"]) == ["Committed", "Discover"]
    assert updated["stages"][0]["milestones"][0]["title"] == "PO signed"

    reason = admin.post("loss-reasons", {"name": "No budget"})
    assert reason.status_code == 201
    reason_id = reason.json()["id"]
    assert admin.post(f"loss-reasons/{reason_id}/deactivate").json()["is_active"] is False
    assert "No budget" not in [r["name"] for r in admin.get("loss-reasons").json()]
    assert admin.post(f"loss-reasons/{reason_id}/activate").json()["is_active"] is True


def test_bad_settings_are_named_and_change_nothing(api, pp):
    admin = api("admin")
    bad = admin.post(
        f"opportunity-types/{pp.staged.pk}/stages",
        {
            "name": "",
            "probability": 150,
            "forecast_category": "closed_won",
            "required_fields": ["amount", "colour"],
        },
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {
        "name",
        "probability",
        "forecast_category",
        "required_fields",
    }
    assert "colour" in bad.json()["fields"]["required_fields"]
    no_stages = admin.post(f"opportunity-types/{pp.simple.pk}/stages", {"name": "Step"})
    assert no_stages.status_code == 400
    assert Stage.objects.count() == 4

    wrong_order = admin.put(
        f"opportunity-types/{pp.staged.pk}/stage-order", {"stage_ids": [pp.qualify.pk]}
    )
    assert wrong_order.status_code == 400 and "stage_ids" in wrong_order.json()["fields"]
    assert admin.post("opportunity-types", {"name": "X", "variant": "odd"}).status_code == 400
    assert admin.post("loss-reasons", {"name": "Price"}).json()["fields"] == {
        "name": "This reason exists already."
    }
    assert OpportunityType.objects.count() == 3
    assert LossReason.objects.count() == 2


@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_only_admins_change_the_pipeline(api, pp, role):
    client = api(role)
    staged = f"opportunity-types/{pp.staged.pk}"
    for response in (
        client.post("opportunity-types", {"name": "Mine", "variant": "staged"}),
        client.put(staged, {"name": "Renamed"}),
        client.post(f"{staged}/stages", {"name": "Extra"}),
        client.put(f"{staged}/stage-order", {"stage_ids": [s.pk for s in pp.stages][::-1]}),
        client.patch(f"stages/{pp.qualify.pk}", {"probability": 99}),
        client.post(f"stages/{pp.qualify.pk}/archive"),
        client.post(f"stages/{pp.qualify.pk}/milestones", {"title": "Mine"}),
        client.put(f"milestones/{pp.legal_ok.pk}", {"title": "Mine"}),
        client.post(f"milestones/{pp.legal_ok.pk}/archive"),
        client.post("loss-reasons", {"name": "Mine"}),
        client.post(f"loss-reasons/{pp.retired.pk}/activate"),
    ):
        assert response.status_code == 403, response.json()
    assert OpportunityType.objects.get(pk=pp.staged.pk).name == "New business"
    assert [(s.name, s.probability, s.archived_at) for s in Stage.objects.order_by("position")][
        0
    ] == ("Qualify", 10, None)
    assert list(Stage.objects.filter(type=pp.staged).values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert Milestone.objects.filter(archived_at__isnull=True).count() == 2
    assert not Milestone.objects.filter(title="Mine").exists()
    assert LossReason.objects.filter(is_active=True).count() == 1
    assert OpportunityType.objects.count() == 3


def test_another_workspace_pipeline_is_not_found(api, pp):
    beta = api("admin", slug="beta")
    assert beta.get("opportunity-types").json() == []
    assert beta.get(f"opportunity-types/{pp.staged.pk}").status_code == 404
    assert beta.patch(f"stages/{pp.qualify.pk}", {"probability": 5}).status_code == 404
    assert beta.put(f"milestones/{pp.legal_ok.pk}", {"title": "x"}).status_code == 404
    assert beta.post(f"loss-reasons/{pp.price.pk}/deactivate").status_code == 404
    assert Stage.objects.get(pk=pp.qualify.pk).probability == 10
