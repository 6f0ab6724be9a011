from django.urls import path

from . import settings_views as v

# Under /w/<slug>/deals/settings/: admins configure opportunity types, stages, checklists and
# loss reasons. Everything but the pages themselves takes POST only.
_STAGE = "types/<int:type_id>/stages/<int:stage_id>/"
_MILESTONE = _STAGE + "milestones/<int:milestone_id>/"

urlpatterns = [
    path("", v.pipeline_settings, name="pipeline_settings"),
    path("types/new/", v.type_create, name="pipeline_type_create"),
    path("types/<int:type_id>/", v.type_settings, name="pipeline_type_settings"),
    path("types/<int:type_id>/stages/new/", v.stage_create, name="pipeline_stage_create"),
    path("types/<int:type_id>/stages/order/", v.stage_reorder, name="pipeline_stage_reorder"),
    path(_STAGE, v.stage_edit, name="pipeline_stage_edit"),
    path(_STAGE + "archive/", v.stage_archive, name="pipeline_stage_archive"),
    path(_STAGE + "milestones/new/", v.milestone_create, name="pipeline_milestone_create"),
    path(_MILESTONE, v.milestone_update, name="pipeline_milestone_update"),
    path(_MILESTONE + "archive/", v.milestone_archive, name="pipeline_milestone_archive"),
    path("loss-reasons/new/", v.loss_reason_create, name="pipeline_loss_reason_create"),
    path(
        "loss-reasons/<int:reason_id>/active/",
        v.loss_reason_set_active,
        name="pipeline_loss_reason_set_active",
    ),
]
