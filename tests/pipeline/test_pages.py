"""Deal pages through the real views: board, create, detail, the deal's buttons, the list,
denials, and query counts that do not grow with the number of deals."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealroom.customers import services as customer_services
from dealroom.pipeline import services
from dealroom.pipeline.models import DealTeamMember, Opportunity, StageChange

SLUG = "alpha"


def url(name, *args):
    return reverse(name, args=[SLUG, *args])


@pytest.fixture
def rep_client(pp, login):
    return login(pp.world.user("alpha", "rep"))


@pytest.fixture
def manager_client(pp):
    """A browser of its own (the `login` fixture logs the one shared test client in)."""
    client = Client()
    client.force_login(pp.world.user("alpha", "manager"))
    return client


def page(response) -> str:
    return response.content.decode()


# -- the board -------------------------------------------------------------------------------


def test_board_home_opens_the_first_staged_type(pp, rep_client):
    r = rep_client.get(url("pipeline_board_home"))
    assert r.status_code == 302 and r["Location"] == url("pipeline_board", pp.staged.pk)


def test_board_shows_columns_with_totals_and_cards(pp, rep_client):
    pp.deal(name="Solar roof", amount="1000")
    pp.deal(name="Heat pump", stage=pp.propose, **pp.ready(amount="500"))
    r = rep_client.get(url("pipeline_board", pp.staged.pk))
    assert r.status_code == 200
    html = page(r)
    assert "Solar roof" in html and "Heat pump" in html
    for stage in pp.stages:
        assert f'data-testid="column-{stage.pk}"' in html
    assert 'src="/static/vendor/sortable.min.js"' in html
    assert "data-move-url" in html


def test_board_of_a_simple_type_is_its_list(pp, rep_client):
    r = rep_client.get(url("pipeline_board", pp.simple.pk))
    assert r.status_code == 302 and r["Location"].endswith(f"?f.type={pp.simple.pk}")


def test_board_filters_by_owner(pp, rep_client, manager_client):
    pp.deal(name="Rep deal")
    pp.deal(pp.manager, name="Manager deal")
    html = page(manager_client.get(url("pipeline_board", pp.staged.pk) + "?owner=me"))
    assert "Manager deal" in html and "Rep deal" not in html
    html = page(manager_client.get(url("pipeline_board", pp.staged.pk)))
    assert "Manager deal" in html and "Rep deal" in html


@pytest.mark.parametrize(
    "params", [{"owner": "\u00b3"}, {"team": "\u00b3"}, {"owner": "9" * 30}, {"team": "9" * 30}]
)
def test_board_filters_the_database_cannot_hold_are_refused(pp, login, params):
    """A digit int() takes but the database does not, or a number beyond 64 bits: 400 naming
    the filter, on the board and on a column's "show more", even for a read-only member."""
    pp.deal(name="Rep deal")
    client = login(pp.world.user("alpha", "readonly"))
    board = client.get(url("pipeline_board", pp.staged.pk), params)
    more = client.get(
        url("pipeline_board_column", pp.staged.pk, pp.qualify.pk), params, HTTP_HX_REQUEST="true"
    )
    assert board.status_code == more.status_code == 400


def test_board_column_offset_beyond_64_bits_is_refused(pp, login):
    client = login(pp.world.user("alpha", "readonly"))
    more = url("pipeline_board_column", pp.staged.pk, pp.qualify.pk)
    assert client.get(more, {"offset": "9" * 30}, HTTP_HX_REQUEST="true").status_code == 400


def test_board_hides_deals_and_amounts_one_may_not_see(pp, rep_client):
    pp.deal(pp.manager, name="Manager own deal", amount="777")
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert "Manager own deal" not in html
    pp.deal(name="Mine", amount="123456")
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="amount", role="rep", access="hidden"
    )
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert "Mine" in html
    assert "123,456" not in html and "123456" not in html
    assert 'data-testid="column-total"' not in html


def test_board_of_another_workspace_type_is_404(pp, login):
    other_client = login(pp.world.user("beta", "admin"))
    r = other_client.get(reverse("pipeline_board", args=["beta", pp.staged.pk]))
    assert r.status_code == 404


def test_show_more_pages_a_column(pp, rep_client):
    from dealroom.pipeline.selectors import CARDS_PER_COLUMN

    account = pp.account()
    for k in range(CARDS_PER_COLUMN + 3):
        pp.deal(account=account, name=f"Deal {k:02d}")
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert html.count('class="card card-sm board-card') == CARDS_PER_COLUMN
    assert 'data-testid="show-more"' in html
    r = rep_client.get(
        url("pipeline_board_column", pp.staged.pk, pp.qualify.pk) + f"?offset={CARDS_PER_COLUMN}",
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert page(r).count('class="card card-sm board-card') == 3
    assert 'data-testid="show-more"' not in page(r)


def test_board_queries_do_not_grow_with_cards(pp, rep_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = rep_client.get(url("pipeline_board", pp.staged.pk))
        assert r.status_code == 200
        return len(ctx.captured_queries)

    account = pp.account()
    pp.deal(account=account)
    count()  # the first page of a session also records the workspace as the user's last
    few = count()
    for k in range(30):
        pp.deal(account=pp.account(name=f"Acc {k}"), name=f"Deal {k}", **pp.ready())
    for opp in Opportunity.objects.filter(name__startswith="Deal ")[:10]:
        services.opportunity_move(actor=pp.rep, opportunity_id=opp.pk, stage_id=pp.propose.pk)
    assert count() == few


# -- moving from the board (drag: JSON) and from the page (form) ----------------------------


def test_drag_move_through_the_gate_answers_json(pp, rep_client):
    opp = pp.deal()
    r = rep_client.post(
        url("opportunity_move", opp.pk),
        {"stage": pp.propose.pk, "from_stage": pp.qualify.pk},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 400
    body = json.loads(r.content)
    assert set(body["details"]["missing"]) == {"amount", "expected close date"}
    assert pp.reload(opp).stage_id == pp.qualify.pk
    customer_services.record_update(
        actor=pp.rep,
        object_type="opportunity",
        record_id=opp.pk,
        version=pp.reload(opp).version,
        data={"amount": "10", "close_date": "2031-01-31"},
    )
    r = rep_client.post(
        url("opportunity_move", opp.pk),
        {"stage": pp.propose.pk, "from_stage": pp.qualify.pk},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 200 and json.loads(r.content)["ok"] is True
    assert pp.reload(opp).stage_id == pp.propose.pk


def test_drag_of_a_card_someone_moved_meanwhile_is_a_conflict(pp, rep_client):
    opp = pp.deal(**pp.ready())
    services.opportunity_move(actor=pp.manager, opportunity_id=opp.pk, stage_id=pp.negotiate.pk)
    r = rep_client.post(
        url("opportunity_move", opp.pk),
        {"stage": pp.propose.pk, "from_stage": pp.qualify.pk},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 409
    body = json.loads(r.content)
    assert body["code"] == "conflict" and body["details"]["stage_id"] == pp.negotiate.pk
    assert pp.reload(opp).stage_id == pp.negotiate.pk


def test_move_from_the_stage_path_flashes_the_refusal(pp, rep_client):
    opp = pp.deal()
    r = rep_client.post(url("opportunity_move", opp.pk), {"stage": pp.propose.pk}, follow=True)
    assert r.status_code == 200
    assert "amount" in page(r) and "alert-danger" in page(r)
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_rep_cannot_move_a_deal_they_cannot_see(pp, rep_client):
    opp = pp.deal(pp.manager, **pp.ready())
    r = rep_client.post(url("opportunity_move", opp.pk), {"stage": pp.propose.pk})
    assert r.status_code == 404
    r = rep_client.post(
        url("opportunity_move", opp.pk), {"stage": pp.propose.pk}, HTTP_ACCEPT="application/json"
    )
    assert r.status_code == 404
    assert pp.reload(opp).stage_id == pp.qualify.pk
    assert rep_client.get(url("opportunity_detail", opp.pk)).status_code == 404


# -- create, detail and the deal's buttons ---------------------------------------------------


def test_create_asks_the_type_first_then_checks_the_start_gate(pp, rep_client):
    r = rep_client.get(url("opportunity_create"))
    assert r.status_code == 200 and "New business" in page(r)
    account = pp.account(name="Acme 顶点")
    form = url("opportunity_create") + f"?type={pp.staged.pk}"
    assert rep_client.get(form).status_code == 200
    data = {"type": pp.staged.pk, "name": "Roof", "account": account.pk, "stage": pp.propose.pk}
    r = rep_client.post(form, data)
    assert r.status_code == 400 and not Opportunity.objects.exists()
    assert "amount" in page(r)
    r = rep_client.post(form, {**data, "stage": ""})
    assert r.status_code == 302
    opp = Opportunity.objects.get()
    assert (opp.stage_id, opp.owner_id) == (pp.qualify.pk, pp.rep.membership.pk)


def test_read_only_member_cannot_create_or_move(pp, login):
    opp = pp.deal(**pp.ready())
    client = login(pp.world.user("alpha", "readonly"))
    assert client.get(url("opportunity_create")).status_code == 403
    r = client.post(url("opportunity_move", opp.pk), {"stage": pp.propose.pk})
    assert r.status_code in (403, 404)
    assert pp.reload(opp).stage_id == pp.qualify.pk


def test_detail_shows_path_checklist_guidance_team_and_history(pp, rep_client):
    opp = pp.deal(**pp.ready())
    services.opportunity_move(actor=pp.rep, opportunity_id=opp.pk, stage_id=pp.negotiate.pk)
    r = rep_client.get(url("opportunity_detail", opp.pk))
    assert r.status_code == 200
    html = page(r)
    assert f'data-stage-id="{pp.qualify.pk}" data-state="done"' in html
    assert f'data-stage-id="{pp.propose.pk}" data-state="done"' in html
    assert f'data-stage-id="{pp.negotiate.pk}" data-state="current"' in html
    assert f'data-stage-id="{pp.contract.pk}" data-state="next"' in html
    assert "Agree terms with procurement." in html and "Send the contract draft" in html
    assert "Legal approved" in html and "Budget confirmed" in html
    assert 'data-testid="stage-history"' in html
    assert f'id="timeline-pipeline-opportunity-{opp.pk}"' in html


def test_checklist_team_contacts_probability_win_lose_reopen(pp, rep_client, manager_client):
    opp = pp.deal(**pp.ready())
    services.opportunity_move(actor=pp.rep, opportunity_id=opp.pk, stage_id=pp.negotiate.pk)
    r = rep_client.post(url("opportunity_milestone", opp.pk, pp.legal_ok.pk), {"done": "1"})
    assert r.status_code == 302
    assert "Legal approved" in page(rep_client.get(url("opportunity_detail", opp.pk)))
    # deal team: splits must add up to 100
    team = {
        "member_id": [pp.rep.membership.pk, pp.other.membership.pk],
        "role": ["co_seller", "presales"],
        "split": ["60", "30"],
    }
    r = rep_client.post(url("opportunity_team", opp.pk), team, follow=True)
    assert "100%" in page(r) and not DealTeamMember.objects.exists()
    team["split"] = ["60", "40"]
    rep_client.post(url("opportunity_team", opp.pk), team)
    assert sorted(DealTeamMember.objects.values_list("split", flat=True)) == [40, 60]
    # a contact on the deal
    contact = pp.cx.contact(pp.rep, full_name="李雷")
    rep_client.post(
        url("opportunity_contact_set", opp.pk), {"contact": contact.pk, "role": "decision_maker"}
    )
    contact_link = reverse("contact_detail", args=[SLUG, contact.pk])
    assert contact_link in page(rep_client.get(url("opportunity_detail", opp.pk)))
    rep_client.post(url("opportunity_contact_remove", opp.pk, contact.pk))
    assert contact_link not in page(rep_client.get(url("opportunity_detail", opp.pk)))
    # probability: a reason is required
    r = rep_client.post(url("opportunity_probability", opp.pk), {"probability": "85"}, follow=True)
    assert pp.reload(opp).probability is None and "alert-danger" in page(r)
    rep_client.post(
        url("opportunity_probability", opp.pk), {"probability": "85", "reason": "CFO signed"}
    )
    assert pp.reload(opp).effective_probability == 85
    # lost needs a reason
    r = rep_client.post(url("opportunity_lose", opp.pk), {"reason": ""}, follow=True)
    assert pp.reload(opp).status == "open" and "alert-danger" in page(r)
    r = rep_client.post(
        url("opportunity_lose", opp.pk), {"reason": pp.price.pk, "note": "Too dear"}, follow=True
    )
    assert pp.reload(opp).status == "lost" and "Marked as lost." in page(r)
    # reps do not reopen; managers do
    rep_client.post(url("opportunity_reopen", opp.pk))
    assert pp.reload(opp).status == "lost"
    assert 'data-testid="reopen"' not in page(rep_client.get(url("opportunity_detail", opp.pk)))
    assert 'data-testid="reopen"' in page(manager_client.get(url("opportunity_detail", opp.pk)))
    manager_client.post(url("opportunity_reopen", opp.pk), {"note": "They came back"})
    assert pp.reload(opp).status == "open"
    rep_client.post(url("opportunity_win", opp.pk))
    assert pp.reload(opp).status == "won"


def test_detail_and_board_in_chinese(pp, rep_client):
    opp = pp.deal(**pp.ready())
    rep_client.cookies["django_language"] = "zh-hans"
    html = page(rep_client.get(url("opportunity_detail", opp.pk)))
    assert "确认需求" in html  # the stage's Chinese name
    assert "阶段历史" in html
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert "新业务" in html and "新建商机" in html


# -- the list (the customers app's record pages serve deals too) ----------------------------


def test_deal_list_filters_and_query_count(pp, rep_client):
    pp.deal(name="Alpha roof")
    pp.deal(opp_type=pp.simple, name="Renewal 2027")

    def fetch(query: str = "") -> tuple[str, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = rep_client.get(url("opportunity_list") + query)
        assert r.status_code == 200
        return page(r), len(ctx.captured_queries)

    fetch()  # the first page of a session also records the workspace as the user's last
    # One page either way: a list longer than its page also counts its rows (one query more).
    html, few = fetch("?per_page=100")
    assert "Alpha roof" in html and "Renewal 2027" in html
    html, _ = fetch(f"?f.type={pp.simple.pk}")
    assert "Renewal 2027" in html and "Alpha roof" not in html
    for k in range(25):
        pp.deal(account=pp.account(name=f"A{k}"), name=f"More {k}")
    _, many = fetch("?per_page=100")
    assert many == few


def test_account_page_lists_its_deals_by_type_with_totals(pp, rep_client):
    account = pp.account(name="Acme")
    pp.deal(account=account, name="Roof", amount="1000")
    pp.deal(account=account, name="Panels", amount="500")
    pp.deal(account=account, opp_type=pp.simple, name="Renewal", amount="200")
    html = page(rep_client.get(reverse("account_detail", args=[SLUG, account.pk])))
    assert 'data-testid="account-deals"' in html
    assert "Roof" in html and "Panels" in html and "Renewal" in html
    assert "1,500" in html


def test_nav_links_to_deals(pp, rep_client):
    html = page(rep_client.get(reverse("dashboard", args=[SLUG])))
    assert url("pipeline_board_home") in html


# -- converting a lead can open its first deal -----------------------------------------------


def _qualified_lead(pp, **data):
    from dealroom.customers import services as cs

    lead = pp.cx.lead(pp.rep, full_name="张伟", company_name="Sunny Farm 阳光农场", **data)
    cs.lead_status_set(actor=pp.rep, lead_id=lead.pk, status="qualified", version=lead.version)
    return lead


def test_lead_conversion_opens_a_deal_of_the_chosen_type(pp, rep_client):
    from dealroom.customers.models import Lead

    lead = _qualified_lead(pp)
    r = rep_client.get(reverse("lead_convert", args=[SLUG, lead.pk]))
    assert r.status_code == 200 and "New business" in page(r)
    assert "Referral" not in page(r)  # a referral is a marker, not a first deal
    r = rep_client.post(
        reverse("lead_convert", args=[SLUG, lead.pk]),
        {"account": "", "contact": "", "deal_type": pp.staged.pk, "deal_amount": "8800"},
    )
    assert r.status_code == 302, page(r)[:2000]
    opp = Opportunity.objects.get()
    assert (opp.name, opp.amount, opp.source, opp.lead_id) == (
        "Sunny Farm 阳光农场",
        8800,
        "lead",
        lead.pk,
    )
    assert opp.stage_id == pp.qualify.pk and opp.account.name == "Sunny Farm 阳光农场"
    assert [c.contact.full_name for c in opp.contact_links.all()] == ["张伟"]
    assert Lead.objects.get(pk=lead.pk).status == "converted"


def test_refused_first_deal_leaves_the_lead_unconverted(pp, rep_client):
    from dealroom.customers.models import Account, Lead

    lead = _qualified_lead(pp)
    r = rep_client.post(
        reverse("lead_convert", args=[SLUG, lead.pk]),
        {"account": "", "contact": "", "deal_type": pp.staged.pk, "deal_amount": "lots"},
    )
    assert r.status_code == 400
    assert 'data-field="deal_amount"' in page(r) or "deal_amount" in page(r)
    assert Lead.objects.get(pk=lead.pk).status == "qualified"
    assert not Opportunity.objects.exists() and not Account.objects.exists()


def test_deal_list_offers_type_and_stage_choices(pp, rep_client):
    pp.deal(name="In qualify")
    pp.deal(name="In propose", stage=pp.propose, **pp.ready())
    html = page(rep_client.get(url("opportunity_list")))
    assert 'name="f.stage"' in html and f'<option value="{pp.propose.pk}"' in html
    assert 'name="f.type"' in html and "Renewal" in html
    html = page(rep_client.get(url("opportunity_list") + f"?f.stage={pp.propose.pk}"))
    assert "In propose" in html and "In qualify" not in html


def column_totals(html: str, stage) -> list[str]:
    """The total lines of one board column, as text."""
    column = html.split(f'data-testid="column-{stage.pk}"', 1)[1].split("</header>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", line).strip()
        for line in re.findall(r'data-testid="column-total">(.*?)</div>', column)
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_board_totals_group_thousands_in_both_languages(pp, rep_client, language):
    pp.deal(name="Big one", amount="119000")  # Qualify, 10 %
    rep_client.cookies["django_language"] = language
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    weighted = "weighted" if language == "en" else "加权"
    assert column_totals(html, pp.qualify) == [f"119,000 CNY · {weighted} 11,900"]
    assert 'data-testid="card-amount">119,000 CNY<' in html


def test_board_totals_one_line_per_currency_held(pp, rep_client):
    pp.deal(name="Yuan deal", stage=pp.propose, **pp.ready(amount="1000"))  # 40 %
    pp.deal(name="Euro deal", stage=pp.propose, **pp.ready(amount="500", currency="EUR"))
    pp.deal(name="No amount")  # Qualify
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert column_totals(html, pp.propose) == [
        "1,000 CNY · weighted 400",  # the workspace's currency first
        "500 EUR · weighted 200",
    ]
    assert column_totals(html, pp.qualify) == []  # deals without amounts add no line
    assert column_totals(html, pp.negotiate) == []  # empty: no "0 CNY"
    assert "0 CNY" not in html.replace("1,000 CNY", "")


def test_card_avatar_shows_the_owners_initials(pp, rep_client):
    pp.deal(name="Latin owner")
    user = pp.world.user("alpha", "rep")
    user.full_name = "Sarah Müller"
    user.save(update_fields=["full_name"])
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert '<span class="avatar avatar-xs" aria-hidden="true">SM</span>' in html
    user.full_name = "欧阳娜娜"
    user.save(update_fields=["full_name"])
    html = page(rep_client.get(url("pipeline_board", pp.staged.pk)))
    assert '<span class="avatar avatar-xs" aria-hidden="true">欧</span>' in html


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "Jan. 5, 2031"), ("zh-hans", "2031年1月5日")]
)
def test_close_date_reads_the_same_on_board_detail_and_list(pp, rep_client, language, shown):
    opp = pp.deal(name="Dated", close_date="2031-01-05")
    rep_client.cookies["django_language"] = language
    for page_url in (
        url("pipeline_board", pp.staged.pk),
        url("opportunity_detail", opp.pk),
        url("opportunity_list"),
    ):
        html = page(rep_client.get(page_url))
        assert f">{shown}<" in html, page_url
        assert "01/05/2031" not in html and ">2031-01-05<" not in html, page_url


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_moments_on_a_deal_page_read_one_way(pp, rep_client, language):
    from django.utils import formats, timezone, translation

    opp = pp.deal(**pp.ready())
    services.opportunity_move(actor=pp.rep, opportunity_id=opp.pk, stage_id=pp.propose.pk)
    moved = StageChange.objects.filter(opportunity=opp).latest("pk").changed_at
    rep_client.cookies["django_language"] = language
    html = page(rep_client.get(url("opportunity_detail", opp.pk)))
    with translation.override(language):
        long = formats.date_format(timezone.localtime(moved), "DATETIME_FORMAT")
        short = formats.date_format(timezone.localtime(moved), "SHORT_DATETIME_FORMAT")
    # the stage history row and the timeline's event of the move
    assert html.count(f">{long}<") >= 2
    assert long == short or f">{short}<" not in html


def test_referring_account_page_lists_its_referrals(pp, rep_client):
    referrer = pp.account(name="Old friend")
    pp.deal(opp_type=pp.tag, name="Referred neighbour", referred_by=referrer.pk)
    html = page(rep_client.get(reverse("account_detail", args=[SLUG, referrer.pk])))
    assert 'data-testid="account-referrals"' in html and "Referred neighbour" in html


def test_new_deal_from_an_account_page_has_that_account_chosen(pp, rep_client):
    for k in range(55):  # more than the picker's first page of accounts
        pp.account(name=f"A{k:02d}")
    account = pp.account(name="ZZ Last account")
    form = url("opportunity_create") + f"?type={pp.staged.pk}&account={account.pk}"
    html = page(rep_client.get(form))
    assert f'<option value="{account.pk}" selected>ZZ Last account</option>' in html
    hidden = pp.account(pp.manager, name="Not yours")
    html = page(
        rep_client.get(url("opportunity_create") + f"?type={pp.staged.pk}&account={hidden.pk}")
    )
    assert "Not yours" not in html
