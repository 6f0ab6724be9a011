"""Which board "Deals" opens (issue 21, defect 14): the one this browser showed last in the
workspace, else the pipeline the member's team works in, else the first."""

from __future__ import annotations

import pytest

from dealroom.pipeline import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def retail(pp):
    """A second staged type, listed after "New business", where the rep's team sells."""
    opp_type = services.type_create(actor=pp.admin, name="Retail 零售", variant="staged")
    services.stage_create(actor=pp.admin, type_id=opp_type.pk, name="Visit", probability=20)
    return opp_type


def _home(client, actor) -> str:
    client.force_login(actor.user)
    response = client.get("/w/alpha/deals/board/")
    assert response.status_code == 302
    return response["Location"]


def test_lands_on_the_teams_pipeline_then_the_last_one_shown(pp, retail, client):
    pp.deal(opp_type=retail, name="Store 1")
    pp.deal(opp_type=retail, name="Store 2")
    pp.deal(name="One B2B deal")
    assert _home(client, pp.rep) == f"/w/alpha/deals/board/{retail.pk}/"

    # Showing the other board makes it the one "Deals" opens in this browser.
    assert client.get(f"/w/alpha/deals/board/{pp.staged.pk}/").status_code == 200
    assert _home(client, pp.rep) == f"/w/alpha/deals/board/{pp.staged.pk}/"


def test_no_team_deals_no_cookie_first_board(pp, retail, client):
    assert _home(client, pp.other) == f"/w/alpha/deals/board/{pp.staged.pk}/"


def test_a_cookie_naming_another_workspaces_type_is_ignored(pp, retail, client, world):
    from dealroom.pipeline.models import OpportunityType

    foreign = OpportunityType.objects.create(workspace=world.b, name="Theirs", variant="staged")
    client.cookies[f"board_{world.a.pk}"] = str(foreign.pk)
    assert _home(client, pp.other) == f"/w/alpha/deals/board/{pp.staged.pk}/"
