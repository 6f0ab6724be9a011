"""API shapes of the pipeline: opportunity types with their stages and exit checklists, loss
reasons, and opportunities.

An opportunity is a record of the customers app's machinery, so its body and JSON are the
customers app's record models for "opportunity" (built from the one field catalogue: hidden
fields are absent, not null) plus what only deals have: effective probability, forecast
category, and on a single deal its team, contacts and checklist. Settings are checked by the
services, which name each bad field; the models here only give their shape."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import BaseModel, Field, create_model

from dealroom.core.bounds import Int64
from dealroom.customers.models import ContactRole
from dealroom.customers.schemas import RECORD_CREATE, RECORD_OUT, RecordOut, Ref

from .models import OPEN_CATEGORIES, TeamRole, Variant
from .visibility import OBJECT_TYPE

CATEGORIES: dict[str, Any] = {"enum": [c.value for c in OPEN_CATEGORIES]}
TEAM_ROLES: dict[str, Any] = {"enum": TeamRole.values}

# -- configuration ---------------------------------------------------------------------------


class StageMilestoneOut(Schema):
    id: int
    stage_id: int
    title: str
    position: int
    archived: bool


class StageOut(Schema):
    id: int
    type_id: int
    name: str
    name_zh: str
    position: int
    probability: int
    forecast_category: str
    required_fields: list[str]
    guidance: str
    suggested_tasks: list[str]
    stuck_days: int | None
    archived: bool
    milestones: list[StageMilestoneOut]


class TypeOut(Schema):
    id: int
    name: str
    name_zh: str
    variant: str
    require_checklist: bool
    is_active: bool
    position: int
    stages: list[StageOut] = Field(description="Empty for simple and tag types.")


class TypeIn(Schema):
    name: str
    name_zh: str = ""
    variant: Variant
    require_checklist: bool = False


class TypeUpdate(Schema):
    name: str
    name_zh: str = ""
    require_checklist: bool = False
    is_active: bool = True


class _StageSettings(Schema):
    probability: Int64 | None = Field(None, description="Default win probability, 0–100.")
    forecast_category: str | None = Field(None, json_schema_extra=CATEGORIES)
    required_fields: list[str] | None = Field(
        None, description="Field names a deal must fill in to enter the stage."
    )
    guidance: str | None = None
    suggested_tasks: list[str] | None = None
    stuck_days: Int64 | None = Field(
        None, description="A deal is stuck after this many days (null: never)."
    )


class StageIn(_StageSettings):
    name: str
    name_zh: str = ""


class StagePatch(_StageSettings):
    """Only the settings sent change."""

    name: str | None = None
    name_zh: str | None = None


class StageOrderIn(Schema):
    stage_ids: list[Int64] = Field(description="Every active stage of the type, once, in order.")


class StageMilestoneIn(Schema):
    title: str


class LossReasonIn(Schema):
    name: str


class LossReasonOut(Schema):
    id: int
    name: str
    is_active: bool


# -- opportunities ---------------------------------------------------------------------------


class OpportunityCreateIn(RECORD_CREATE[OBJECT_TYPE]):  # type: ignore[misc,valid-type]
    """An opportunity's fields (as for a record) plus its type and starting stage."""

    type: Int64 = Field(description="The opportunity type.")
    stage: Int64 | None = Field(
        None, description="The stage to start in (staged types; default the first)."
    )


OPPORTUNITY_EXTRAS: dict[str, Any] = {
    "effective_probability": (
        int | None,
        Field(None, description="The override if set, else the stage's; 100 won, 0 lost."),
    ),
    "probability_reason": (str | None, Field(None, description="Why it differs from the stage.")),
    "forecast_category": (
        str | None,
        Field(None, description="pipeline, best_case, commit, closed_won or closed_lost."),
    ),
    "stage_entered_at": (datetime | None, None),
}
OpportunityItem = create_model(
    "OpportunityItem",
    __base__=RECORD_OUT[OBJECT_TYPE],
    __module__=__name__,
    **OPPORTUNITY_EXTRAS,
)


class OpportunityPage(BaseModel):
    items: list[OpportunityItem]  # type: ignore[valid-type]
    total: int = Field(description="Matching deals, counted up to 1000.")
    total_exact: bool = Field(description="False when there are more than `total`.")
    page: int
    per_page: int
    errors: list[str] = Field(
        default_factory=list, description="Filters that were dropped, and why."
    )


class TeamMemberIn(Schema):
    member_id: Int64
    role: str = Field(json_schema_extra=TEAM_ROLES)
    split: Int64 = Field(0, description="Revenue split in whole percent; a team sums to 100.")


class DealTeamIn(Schema):
    members: list[TeamMemberIn]


class TeamMemberOut(BaseModel):
    member_id: int
    name: str
    role: str
    split: int


class DealContactIn(Schema):
    role: ContactRole


class DealContactOut(BaseModel):
    role: str
    contact: RecordOut


class ChecklistItemOut(BaseModel):
    milestone_id: int
    title: str
    done: bool
    done_by: Ref | None = None
    done_at: datetime | None = None


OpportunityDetail = create_model(
    "Opportunity",
    __base__=OpportunityItem,
    __module__=__name__,
    team=(list[TeamMemberOut], Field(default_factory=list)),
    contacts=(
        list[DealContactOut],
        Field(default_factory=list, description="Contacts on the deal that you can see."),
    ),
    checklist=(
        list[ChecklistItemOut],
        Field(default_factory=list, description="The exit checklist of the current stage."),
    ),
)


class MoveIn(Schema):
    stage_id: Int64
    from_stage_id: Int64 | None = Field(
        None, description="The stage you saw the deal in: 409 if it has moved since."
    )


class LoseIn(Schema):
    reason_id: Int64
    note: str = ""


class ReopenIn(Schema):
    note: str = ""


class ProbabilityIn(Schema):
    probability: Int64 | None = Field(description="0–100, or null for the stage's default.")
    reason: str = Field("", description="Required with a probability.")


class MilestoneDoneIn(Schema):
    done: bool


class StageChangeOut(BaseModel):
    from_stage: Ref | None = None
    to_stage: Ref | None = None
    from_status: str | None = None
    to_status: str | None = None
    changed_at: datetime
    changed_by: Ref | None
    duration_seconds: int = Field(description="Time until the next change (or until now).")
    note: str
