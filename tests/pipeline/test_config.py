"""Pipeline configuration (admins only): types, stages and their gates, exit checklists,
loss reasons. Bad input names the field and changes nothing; another workspace's objects do
not exist."""

from __future__ import annotations

import pytest

from dealroom.activity.models import ActivityEvent
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.pipeline import selectors, services
from dealroom.pipeline.models import LossReason, Milestone, OpportunityType, Stage, Variant

# -- types -----------------------------------------------------------------------------------


def test_type_create_appends_and_records_an_admin_event(pp):
    t = services.type_create(actor=pp.admin, name=" Upsell ", name_zh="增购", variant="staged")
    assert (t.name, t.name_zh, t.variant) == ("Upsell", "增购", Variant.STAGED)
    assert t.position > pp.tag.position  # after the types made before
    event = ActivityEvent.objects.get(verb="opportunity_type.created", target_id=t.pk)
    assert event.audience == "admins"
    assert event.data["variant"] == "staged"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"name": "", "variant": "staged"}, "name"),
        ({"name": "x" * 81, "variant": "staged"}, "name"),
        ({"name": "Ok", "name_zh": "长" * 81, "variant": "staged"}, "name_zh"),
        ({"name": "Ok", "variant": "kanban"}, "variant"),
    ],
)
def test_type_create_refuses_bad_input(pp, kwargs, field):
    before = OpportunityType.objects.count()
    with pytest.raises(Invalid) as e:
        services.type_create(actor=pp.admin, **kwargs)
    assert field in e.value.fields
    assert OpportunityType.objects.count() == before


def test_checklist_rule_only_for_staged_types(pp):
    simple = services.type_create(
        actor=pp.admin, name="Support", variant="simple", require_checklist=True
    )
    assert simple.require_checklist is False
    staged = services.type_update(
        actor=pp.admin, type_id=pp.staged.pk, name="New business", require_checklist=True
    )
    assert staged.require_checklist is True
    assert OpportunityType.objects.get(pk=pp.staged.pk).require_checklist is True


def test_retired_type_is_listed_only_when_asked(pp):
    services.type_update(actor=pp.admin, type_id=pp.simple.pk, name="Renewal", is_active=False)
    assert pp.simple not in list(selectors.type_list(actor=pp.rep))
    assert pp.simple in list(selectors.type_list(actor=pp.rep, active_only=False))


def test_stages_only_on_staged_types(pp):
    with pytest.raises(Invalid):
        services.stage_create(actor=pp.admin, type_id=pp.simple.pk, name="Nope")
    assert not Stage.objects.filter(type=pp.simple).exists()


# -- stage settings --------------------------------------------------------------------------


def test_stage_settings_are_stored(pp):
    stage = Stage.objects.get(pk=pp.negotiate.pk)
    assert stage.position == 3
    assert stage.probability == 70
    assert stage.forecast_category == "commit"
    assert stage.required_fields == ["next_step"]
    assert stage.suggested_tasks == ["Send the contract draft"]
    assert stage.stuck_days == 14
    assert [s.name for s in selectors.stage_list(actor=pp.rep, opp_type=pp.staged)] == [
        "Qualify",
        "Propose",
        "Negotiate",
        "Contract",
    ]


@pytest.mark.parametrize("category", ["closed_won", "closed_lost", "nonsense"])
def test_closed_forecast_category_refused_on_a_stage(pp, category):
    with pytest.raises(Invalid) as e:
        services.stage_update(actor=pp.admin, stage_id=pp.qualify.pk, forecast_category=category)
    assert "forecast_category" in e.value.fields
    assert Stage.objects.get(pk=pp.qualify.pk).forecast_category == "pipeline"
    with pytest.raises(Invalid):
        services.stage_create(
            actor=pp.admin, type_id=pp.staged.pk, name="Won", forecast_category=category
        )
    assert not Stage.objects.filter(name="Won").exists()


@pytest.mark.parametrize(
    "required",
    [["amount", "budget"], ["stage"], ["status"], ["custom.nope"]],
    ids=["unknown", "stage-not-editable", "status-not-editable", "unknown-custom"],
)
def test_required_fields_must_be_fields_a_deal_can_fill_in(pp, required):
    with pytest.raises(Invalid) as e:
        services.stage_update(actor=pp.admin, stage_id=pp.qualify.pk, required_fields=required)
    assert "required_fields" in e.value.fields
    assert required[-1] in e.value.fields["required_fields"]
    assert Stage.objects.get(pk=pp.qualify.pk).required_fields == []


def test_required_fields_are_deduplicated(pp):
    stage = services.stage_update(
        actor=pp.admin, stage_id=pp.qualify.pk, required_fields=["amount", " amount", "name"]
    )
    assert stage.required_fields == ["amount", "name"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"probability": 101}, "probability"),
        ({"probability": -1}, "probability"),
        ({"probability": "lots"}, "probability"),
        ({"stuck_days": 0}, "stuck_days"),
        ({"suggested_tasks": ["x" * 201]}, "suggested_tasks"),
        ({"guidance": "x" * 5001}, "guidance"),
        ({"name": ""}, "name"),
    ],
)
def test_stage_update_names_the_bad_field_and_changes_nothing(pp, data, field):
    with pytest.raises(Invalid) as e:
        services.stage_update(
            actor=pp.admin, stage_id=pp.negotiate.pk, **{"probability": 55, **data}
        )
    assert field in e.value.fields
    stage = Stage.objects.get(pk=pp.negotiate.pk)
    assert (stage.probability, stage.stuck_days, stage.name) == (70, 14, "Negotiate")


def test_suggested_tasks_from_a_textarea_and_stuck_days_cleared(pp):
    stage = services.stage_update(
        actor=pp.admin,
        stage_id=pp.negotiate.pk,
        suggested_tasks="Send draft\n\n  Book legal review  \n",
        stuck_days="",
    )
    assert stage.suggested_tasks == ["Send draft", "Book legal review"]
    assert stage.stuck_days is None


# -- order and archive -----------------------------------------------------------------------


def test_reorder_puts_stages_in_the_order_given(pp):
    order = [pp.propose.pk, pp.qualify.pk, pp.contract.pk, pp.negotiate.pk]
    services.stage_reorder(actor=pp.admin, type_id=pp.staged.pk, stage_ids=order)
    assert [s.pk for s in selectors.stage_list(actor=pp.rep, opp_type=pp.staged)] == order


@pytest.mark.parametrize(
    "ids",
    [
        lambda pp: [pp.qualify.pk, pp.propose.pk, pp.negotiate.pk],  # one missing
        lambda pp: [pp.qualify.pk, pp.qualify.pk, pp.propose.pk, pp.negotiate.pk],  # twice
        lambda pp: [s.pk for s in pp.stages] + [pp.contract.pk + 1000],  # a stranger
        lambda pp: ["a", "b", "c", "d"],
    ],
    ids=["missing", "duplicate", "unknown", "garbage"],
)
def test_reorder_must_list_every_active_stage_once(pp, ids):
    with pytest.raises(Invalid) as e:
        services.stage_reorder(actor=pp.admin, type_id=pp.staged.pk, stage_ids=ids(pp))
    assert "stage_ids" in e.value.fields
    assert [s.pk for s in selectors.stage_list(actor=pp.rep, opp_type=pp.staged)] == [
        s.pk for s in pp.stages
    ]


def test_reorder_leaves_archived_stages_out(pp):
    services.stage_archive(actor=pp.admin, stage_id=pp.contract.pk)
    active = [pp.negotiate.pk, pp.propose.pk, pp.qualify.pk]
    services.stage_reorder(actor=pp.admin, type_id=pp.staged.pk, stage_ids=active)
    assert [s.pk for s in selectors.stage_list(actor=pp.rep, opp_type=pp.staged)] == active
    with pytest.raises(Invalid):
        services.stage_reorder(
            actor=pp.admin, type_id=pp.staged.pk, stage_ids=[*active, pp.contract.pk]
        )


def test_archived_stage_leaves_the_list_and_comes_back(pp):
    services.stage_archive(actor=pp.admin, stage_id=pp.propose.pk)
    assert pp.propose.pk not in [
        s.pk for s in selectors.stage_list(actor=pp.rep, opp_type=pp.staged)
    ]
    assert pp.propose.pk in [
        s.pk for s in selectors.stage_list(actor=pp.rep, opp_type=pp.staged, with_archived=True)
    ]
    services.stage_archive(actor=pp.admin, stage_id=pp.propose.pk, archived=False)
    assert Stage.objects.get(pk=pp.propose.pk).archived_at is None


def test_archiving_the_last_stage_is_refused(pp):
    for stage in pp.stages[1:]:
        services.stage_archive(actor=pp.admin, stage_id=stage.pk)
    with pytest.raises(Invalid):
        services.stage_archive(actor=pp.admin, stage_id=pp.qualify.pk)
    assert Stage.objects.get(pk=pp.qualify.pk).archived_at is None


# -- checklists and loss reasons -------------------------------------------------------------


def test_milestones_created_renamed_and_archived(pp):
    assert [m.title for m in Milestone.objects.filter(stage=pp.negotiate)] == [
        "Legal approved",
        "Budget confirmed",
    ]
    services.milestone_update(actor=pp.admin, milestone_id=pp.legal_ok.pk, title="Legal OK")
    services.milestone_archive(actor=pp.admin, milestone_id=pp.budget_ok.pk)
    active = Milestone.objects.filter(stage=pp.negotiate, archived_at__isnull=True)
    assert [m.title for m in active] == ["Legal OK"]
    with pytest.raises(Invalid) as e:
        services.milestone_create(actor=pp.admin, stage_id=pp.negotiate.pk, title="  ")
    assert "title" in e.value.fields


def test_loss_reasons_unique_per_workspace(pp):
    with pytest.raises(Invalid) as e:
        services.loss_reason_create(actor=pp.admin, name="Price")
    assert "name" in e.value.fields
    assert LossReason.objects.filter(name="Price").count() == 1
    # another workspace may have its own "Price"
    services.loss_reason_create(actor=pp.actor("admin", "beta"), name="Price")
    assert LossReason.objects.filter(name="Price").count() == 2
    assert [r.name for r in selectors.loss_reason_list(actor=pp.rep)] == ["Price"]
    assert {r.name for r in selectors.loss_reason_list(actor=pp.rep, active_only=False)} == {
        "Price",
        "Timing",
    }


# -- who may configure -----------------------------------------------------------------------


def _config_calls(pp):
    return {
        "type_create": lambda a: services.type_create(actor=a, name="X", variant="simple"),
        "type_update": lambda a: services.type_update(actor=a, type_id=pp.staged.pk, name="X"),
        "stage_create": lambda a: services.stage_create(actor=a, type_id=pp.staged.pk, name="X"),
        "stage_update": lambda a: services.stage_update(
            actor=a, stage_id=pp.qualify.pk, probability=99
        ),
        "stage_reorder": lambda a: services.stage_reorder(
            actor=a, type_id=pp.staged.pk, stage_ids=[s.pk for s in reversed(pp.stages)]
        ),
        "stage_archive": lambda a: services.stage_archive(actor=a, stage_id=pp.contract.pk),
        "milestone_create": lambda a: services.milestone_create(
            actor=a, stage_id=pp.qualify.pk, title="X"
        ),
        "milestone_update": lambda a: services.milestone_update(
            actor=a, milestone_id=pp.legal_ok.pk, title="X"
        ),
        "milestone_archive": lambda a: services.milestone_archive(
            actor=a, milestone_id=pp.legal_ok.pk
        ),
        "loss_reason_create": lambda a: services.loss_reason_create(actor=a, name="X"),
        "loss_reason_set_active": lambda a: services.loss_reason_set_active(
            actor=a, reason_id=pp.price.pk, active=False
        ),
    }


CONFIG_CALLS = [
    "type_create",
    "type_update",
    "stage_create",
    "stage_update",
    "stage_reorder",
    "stage_archive",
    "milestone_create",
    "milestone_update",
    "milestone_archive",
    "loss_reason_create",
    "loss_reason_set_active",
]


def _snapshot():
    return (
        list(OpportunityType.objects.values_list("pk", "name", "is_active", "require_checklist")),
        list(Stage.objects.values_list("pk", "name", "position", "probability", "archived_at")),
        list(Milestone.objects.values_list("pk", "title", "archived_at")),
        list(LossReason.objects.values_list("pk", "name", "is_active")),
    )


@pytest.mark.parametrize("call", CONFIG_CALLS)
@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_only_admins_configure(pp, role, call):
    before = _snapshot()
    with pytest.raises(Forbidden):
        _config_calls(pp)[call](pp.actor(role))
    assert _snapshot() == before


@pytest.mark.parametrize("call", CONFIG_CALLS)
def test_admin_may_configure(pp, call):
    before = _snapshot()
    _config_calls(pp)[call](pp.admin)
    assert _snapshot() != before


@pytest.mark.parametrize(
    "call", [c for c in CONFIG_CALLS if c not in ("type_create", "loss_reason_create")]
)
def test_another_workspace_admin_finds_nothing(pp, call):
    before = _snapshot()
    with pytest.raises(NotFound):
        _config_calls(pp)[call](pp.actor("admin", "beta"))
    assert _snapshot() == before


def test_creating_a_stage_in_another_workspaces_type_is_not_found(pp):
    beta_admin = pp.actor("admin", "beta")
    with pytest.raises(NotFound):
        services.stage_create(actor=beta_admin, type_id=pp.staged.pk, name="Sneaky")
    with pytest.raises(NotFound):
        services.stage_update(actor=beta_admin, stage_id="not-a-number", name="x")
    assert not Stage.objects.filter(name="Sneaky").exists()
