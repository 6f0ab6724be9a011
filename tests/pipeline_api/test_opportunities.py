"""Opportunities over the API against a real database: create, read, change and delete by
session and by token; stage moves through gates, conflicts, win, lose, reopen, probability,
deal team, contacts, checklist and history; who may see and do what (404 for a deal you
cannot see, 403 for one you see but may not change); hidden fields; lists, query counts and
the OpenAPI document."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealroom.customers import services as customer_services
from dealroom.pipeline import services
from dealroom.pipeline.models import DealTeamMember, Opportunity, StageChange, Status


def snapshot(opp: Opportunity) -> tuple:
    row = Opportunity.objects.get(pk=opp.pk)
    return (row.stage_id, row.status, row.version, row.amount, row.next_step, row.probability)


# -- create, read, change, delete ------------------------------------------------------------


@pytest.mark.parametrize("auth", ["session", "token"])
def test_crud(api, pp, world, auth):
    rep = api("rep", auth)
    account = pp.account(name="Acme 有限公司")
    created = rep.post(
        "opportunities",
        {
            "type": pp.staged.pk,
            "account": account.pk,
            "name": "ERP rollout",
            "amount": "250000",
            "close_date": "2030-06-30",
        },
    )
    assert created.status_code == 201, created.json()
    deal = created.json()
    assert deal["object_type"] == "opportunity"
    assert deal["version"] == 1
    assert deal["owner"] == {"id": world.member("alpha", "rep").pk, "name": "rep alpha"}
    assert deal["account"] == {"id": account.pk, "name": "Acme 有限公司"}
    assert deal["type"] == {"id": pp.staged.pk, "name": "New business"}
    assert deal["stage"] == {"id": pp.qualify.pk, "name": "Qualify"}
    assert (deal["amount"], deal["currency"], deal["close_date"]) == (
        "250000.00",
        "CNY",
        "2030-06-30",
    )
    assert (deal["status"], deal["effective_probability"], deal["forecast_category"]) == (
        "open",
        10,
        "pipeline",
    )
    assert (deal["team"], deal["contacts"], deal["checklist"]) == ([], [], [])

    got = rep.get(f"opportunities/{deal['id']}")
    assert got.status_code == 200
    assert got.json() == deal

    listed = rep.get("opportunities").json()
    assert (listed["total"], listed["page"], listed["per_page"]) == (1, 1, 25)
    assert listed["items"][0]["id"] == deal["id"]
    assert listed["items"][0]["forecast_category"] == "pipeline"
    assert "team" not in listed["items"][0]

    patched = rep.patch(f"opportunities/{deal['id']}", {"version": 1, "next_step": "Demo"})
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["version"], patched.json()["next_step"]) == (2, "Demo")

    assert rep.delete(f"opportunities/{deal['id']}").status_code == 204
    assert rep.get(f"opportunities/{deal['id']}").status_code == 404
    assert not Opportunity.objects.exists()


def test_create_into_a_later_stage_and_simple_types(api, pp):
    rep = api("rep")
    account = pp.account()
    later = rep.post(
        "opportunities",
        {
            "type": pp.staged.pk,
            "stage": pp.negotiate.pk,
            "account": account.pk,
            "name": "Late starter",
            **pp.ready(),
        },
    )
    assert later.status_code == 201, later.json()
    assert later.json()["stage"]["id"] == pp.negotiate.pk
    assert later.json()["forecast_category"] == "commit"
    assert [c["title"] for c in later.json()["checklist"]] == ["Legal approved", "Budget confirmed"]

    renewal = rep.post(
        "opportunities",
        {"type": pp.simple.pk, "account": account.pk, "name": "Renewal 2031", "amount": 10},
    )
    assert renewal.status_code == 201, renewal.json()
    assert renewal.json()["stage"] is None


def test_bad_create_names_the_field_and_creates_nothing(api, pp, world):
    rep = api("rep")
    account = pp.account()
    other_type = services.type_create(actor=pp.admin, name="Expansion", variant="staged")
    foreign = services.stage_create(actor=pp.admin, type_id=other_type.pk, name="Elsewhere")
    base = {"type": pp.staged.pk, "account": account.pk, "name": "Deal"}

    unknown = rep.post("opportunities", {**base, "stage": 999999})
    assert unknown.status_code == 400 and "stage" in unknown.json()["fields"]
    other = rep.post("opportunities", {**base, "stage": foreign.pk})
    assert other.status_code == 400 and "Expansion" in other.json()["fields"]["stage"]
    bad_date = rep.post("opportunities", {**base, "close_date": "next spring"})
    assert bad_date.status_code == 400 and "close_date" in bad_date.json()["fields"]
    no_type = rep.post("opportunities", {"account": account.pk, "name": "Deal"})
    assert no_type.status_code == 400 and "type" in no_type.json()["fields"]
    no_name = rep.post("opportunities", {"type": pp.staged.pk, "account": account.pk})
    assert no_name.status_code == 400 and "name" in no_name.json()["fields"]
    theirs = pp.account(pp.other, name="Not yours")
    hidden_account = rep.post("opportunities", {**base, "account": theirs.pk})
    assert hidden_account.status_code == 400 and "account" in hidden_account.json()["fields"]
    beta_type = services.type_create(
        actor=pp.actor("admin", "beta"), name="Beta deals", variant="simple"
    )
    assert rep.post("opportunities", {**base, "type": beta_type.pk}).json()["fields"] == {
        "type": "Choose an opportunity type."
    }
    gated = rep.post("opportunities", {**base, "stage": pp.propose.pk, "amount": "5"})
    assert gated.status_code == 400
    assert gated.json()["details"]["missing"] == ["expected close date"]
    assert not Opportunity.objects.exists()
    assert not StageChange.objects.exists()


def test_read_only_member_reads_but_cannot_write(api, pp):
    opp = pp.deal(**pp.ready())
    customer_services.collaborator_set(
        actor=pp.rep,
        object_type="opportunity",
        record_id=opp.pk,
        member_id=pp.actor("readonly").membership.pk,
        level="edit",
    )
    readonly = api("readonly")
    assert readonly.get(f"opportunities/{opp.pk}").status_code == 200
    assert readonly.get("opportunities").json()["total"] == 1
    assert readonly.get(f"opportunities/{opp.pk}/history").status_code == 200
    before = snapshot(opp)
    item = f"opportunities/{opp.pk}"
    for response in (
        readonly.post("opportunities", {"type": pp.staged.pk, "account": opp.account_id}),
        readonly.patch(item, {"version": opp.version, "next_step": "Mine"}),
        readonly.post(f"{item}/move", {"stage_id": pp.propose.pk}),
        readonly.post(f"{item}/win"),
        readonly.post(f"{item}/lose", {"reason_id": pp.price.pk}),
        readonly.put(f"{item}/probability", {"probability": 50, "reason": "Gut feeling"}),
        readonly.put(f"{item}/team", {"members": []}),
        readonly.put(f"{item}/milestones/{pp.legal_ok.pk}", {"done": True}),
        readonly.post(f"{item}/archive"),
        readonly.delete(item),
    ):
        assert response.status_code == 403, response.json()
    assert snapshot(opp) == before
    assert Opportunity.objects.count() == 1


# -- visibility ------------------------------------------------------------------------------


def test_a_rep_cannot_see_or_touch_a_deal_outside_their_scope(api, pp):
    opp = pp.deal(pp.other, **pp.ready())
    rep = api("rep", "token")
    item = f"opportunities/{opp.pk}"
    before = snapshot(opp)
    for response in (
        rep.get(item),
        rep.get(f"{item}/history"),
        rep.get(f"{item}/contacts"),
        rep.get(f"{item}/collaborators"),
        rep.patch(item, {"version": 1, "name": "Mine now"}),
        rep.post(f"{item}/move", {"stage_id": pp.propose.pk}),
        rep.post(f"{item}/win"),
        rep.post(f"{item}/lose", {"reason_id": pp.price.pk}),
        rep.put(f"{item}/probability", {"probability": 5, "reason": "x"}),
        rep.put(f"{item}/team", {"members": []}),
        rep.put(f"{item}/milestones/{pp.legal_ok.pk}", {"done": True}),
        rep.put(f"{item}/owner", {"owner_id": pp.rep.membership.pk}),
        rep.post(f"{item}/archive"),
        rep.delete(item),
    ):
        assert response.status_code == 404, response.json()
    assert rep.get("opportunities").json()["total"] == 0
    assert snapshot(opp) == before

    # the rep's manager does not manage `other` either; an admin sees everything
    assert api("manager").get(item).status_code == 404
    assert api("admin").get(item).status_code == 200
    # in the other workspace it does not exist, not even for its admin
    assert api("admin", slug="beta").get(item).status_code == 404


def test_manager_sees_and_moves_the_team_deals(api, pp):
    opp = pp.deal(**pp.ready())
    manager = api("manager")
    assert manager.get("opportunities").json()["total"] == 1
    moved = manager.post(f"opportunities/{opp.pk}/move", {"stage_id": pp.propose.pk})
    assert moved.status_code == 200 and moved.json()["stage"]["id"] == pp.propose.pk


def test_hidden_amount_is_absent_everywhere_for_that_role(api, pp):
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="amount", role="rep", access="hidden"
    )
    opp = pp.deal(pp.admin, owner=pp.rep, account=pp.account(), **pp.ready(amount="999"))
    rep = api("rep", "token")
    got = rep.get(f"opportunities/{opp.pk}").json()
    assert "amount" not in got and got["name"] == "Big deal 大单"
    listed = rep.get("opportunities").json()
    assert [d["id"] for d in listed["items"]] == [opp.pk]
    assert "amount" not in listed["items"][0]
    filtered = rep.get("opportunities", {"f.amount__min": "500"}).json()
    assert filtered["total"] == 1 and filtered["errors"]  # dropped, and said so
    moved = rep.post(f"opportunities/{opp.pk}/move", {"stage_id": pp.propose.pk}).json()
    assert "amount" not in moved
    refused = rep.patch(f"opportunities/{opp.pk}", {"version": moved["version"], "amount": "1"})
    assert refused.status_code == 403 and "amount" in refused.json()["fields"]
    assert Opportunity.objects.get(pk=opp.pk).amount == 999

    assert api("manager").get(f"opportunities/{opp.pk}").json()["amount"] == "999.00"
    assert api("admin").get("opportunities").json()["items"][0]["amount"] == "999.00"


def test_hidden_probability_hides_what_is_derived_from_it(api, pp):
    customer_services.field_permission_set(
        actor=pp.admin, object_type="opportunity", field="probability", role="rep", access="hidden"
    )
    opp = pp.deal()
    got = api("rep").get(f"opportunities/{opp.pk}").json()
    assert not {"probability", "effective_probability", "probability_reason"} & set(got)
    assert api("manager").get(f"opportunities/{opp.pk}").json()["effective_probability"] == 10


def test_an_account_the_reader_cannot_see_is_not_named(api, pp):
    theirs = pp.account(pp.other, name="Secret customer")
    opp = pp.deal(pp.other, account=theirs)
    services.deal_team_set(
        actor=pp.other,
        opportunity_id=opp.pk,
        members=[
            {"member_id": pp.other.membership.pk, "role": "co_seller", "split": 60},
            {"member_id": pp.rep.membership.pk, "role": "presales", "split": 40},
        ],
    )
    rep = api("rep")
    for deal in (
        rep.get(f"opportunities/{opp.pk}").json(),
        rep.get("opportunities").json()["items"][0],
    ):
        assert deal["account"]["id"] == theirs.pk
        assert deal["account"]["name"] != "Secret customer"


# -- stage moves -----------------------------------------------------------------------------


def test_move_through_the_stages_with_history(api, pp, clock):
    opp = pp.deal(**pp.ready())
    rep = api("rep")
    item = f"opportunities/{opp.pk}"
    clock.advance(days=2)
    moved = rep.post(f"{item}/move", {"stage_id": pp.propose.pk, "from_stage_id": pp.qualify.pk})
    assert moved.status_code == 200, moved.json()
    body = moved.json()
    assert body["stage"] == {"id": pp.propose.pk, "name": "Propose"}
    assert (body["effective_probability"], body["forecast_category"]) == (40, "best_case")
    assert body["version"] == 2
    clock.advance(hours=5)
    assert rep.post(f"{item}/move", {"stage_id": pp.qualify.pk}).status_code == 200  # backward
    clock.advance(hours=1)

    history = rep.get(f"{item}/history").json()
    assert [
        (h["from_stage"] and h["from_stage"]["name"], h["to_stage"]["name"]) for h in history
    ] == [
        (None, "Qualify"),
        ("Qualify", "Propose"),
        ("Propose", "Qualify"),
    ]
    assert [h["duration_seconds"] for h in history] == [2 * 86400, 5 * 3600, 3600]
    assert {h["changed_by"]["name"] for h in history} == {"rep alpha"}
    assert history[0]["from_status"] is None and history[1]["to_status"] == "open"
    assert datetime.datetime.fromisoformat(history[1]["changed_at"].replace("Z", "+00:00"))


def test_gate_refusal_lists_the_missing_fields_and_changes_nothing(api, pp):
    opp = pp.deal(amount="10")
    before = snapshot(opp)
    refused = api("rep").post(f"opportunities/{opp.pk}/move", {"stage_id": pp.negotiate.pk})
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid"
    # skipping Propose forward: its gate applies too
    assert body["details"]["missing"] == ["expected close date", "next step"]
    assert "expected close date" in body["fields"]["stage"]
    assert snapshot(opp) == before
    assert StageChange.objects.filter(opportunity=opp).count() == 1


def test_checklist_gate_and_milestones(api, pp):
    services.type_update(
        actor=pp.admin, type_id=pp.staged.pk, name="New business", require_checklist=True
    )
    opp = pp.deal(stage=pp.negotiate, **pp.ready())
    rep = api("rep")
    item = f"opportunities/{opp.pk}"
    refused = rep.post(f"{item}/move", {"stage_id": pp.contract.pk})
    assert refused.status_code == 400
    assert refused.json()["details"]["missing"] == ["Legal approved", "Budget confirmed"]

    ticked = rep.put(f"{item}/milestones/{pp.legal_ok.pk}", {"done": True})
    assert ticked.status_code == 200
    assert [(c["title"], c["done"]) for c in ticked.json()] == [
        ("Legal approved", True),
        ("Budget confirmed", False),
    ]
    assert ticked.json()[0]["done_by"]["name"] == "rep alpha" and ticked.json()[0]["done_at"]
    rep.put(f"{item}/milestones/{pp.budget_ok.pk}", {"done": True})
    untick = rep.put(f"{item}/milestones/{pp.budget_ok.pk}", {"done": False}).json()
    assert [c["done"] for c in untick] == [True, False]
    rep.put(f"{item}/milestones/{pp.budget_ok.pk}", {"done": True})
    assert rep.post(f"{item}/move", {"stage_id": pp.contract.pk}).status_code == 200
    assert rep.put(f"{item}/milestones/999999", {"done": True}).status_code == 404


def test_concurrent_move_is_a_conflict(api, pp):
    opp = pp.deal(**pp.ready())
    rep, manager = api("rep"), api("manager")
    first = manager.post(
        f"opportunities/{opp.pk}/move",
        {"stage_id": pp.propose.pk, "from_stage_id": pp.qualify.pk},
    )
    assert first.status_code == 200
    stale = rep.post(
        f"opportunities/{opp.pk}/move",
        {"stage_id": pp.negotiate.pk, "from_stage_id": pp.qualify.pk},
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert "Propose" in body["message"]
    assert body["details"] == {"stage_id": pp.propose.pk, "status": "open", "version": 2}
    assert pp.reload(opp).stage_id == pp.propose.pk


def test_bad_moves_name_the_stage(api, pp):
    opp = pp.deal(**pp.ready())
    other_type = services.type_create(actor=pp.admin, name="Expansion", variant="staged")
    foreign = services.stage_create(actor=pp.admin, type_id=other_type.pk, name="Elsewhere")
    rep = api("rep")
    move = f"opportunities/{opp.pk}/move"
    unknown = rep.post(move, {"stage_id": 999999})
    assert unknown.status_code == 400 and unknown.json()["fields"]["stage"]
    other = rep.post(move, {"stage_id": foreign.pk})
    assert other.status_code == 400 and "Expansion" in other.json()["fields"]["stage"]
    not_a_number = rep.post(move, {"stage_id": "next"})
    assert not_a_number.status_code == 400 and "stage_id" in not_a_number.json()["fields"]
    renewal = pp.deal(opp_type=pp.simple)
    flat = rep.post(f"opportunities/{renewal.pk}/move", {"stage_id": pp.propose.pk})
    assert flat.status_code == 400 and "stage" in flat.json()["fields"]
    assert pp.reload(opp).stage_id == pp.qualify.pk


def test_stage_cannot_be_changed_as_a_field(api, pp):
    opp = pp.deal(**pp.ready())
    refused = api("rep").patch(f"opportunities/{opp.pk}", {"version": 1, "stage": pp.contract.pk})
    assert refused.status_code == 400 and "stage" in refused.json()["fields"]
    assert pp.reload(opp).stage_id == pp.qualify.pk


# -- status, probability ---------------------------------------------------------------------


def test_lose_needs_a_reason_and_only_managers_reopen(api, pp):
    opp = pp.deal(**pp.ready())
    rep, manager = api("rep"), api("manager")
    item = f"opportunities/{opp.pk}"
    assert rep.post(f"{item}/lose", {}).status_code == 400
    retired = rep.post(f"{item}/lose", {"reason_id": pp.retired.pk})
    assert retired.status_code == 400 and "reason" in retired.json()["fields"]
    assert pp.reload(opp).status == Status.OPEN

    lost = rep.post(f"{item}/lose", {"reason_id": pp.price.pk, "note": "Too dear"})
    assert lost.status_code == 200
    body = lost.json()
    assert (body["status"], body["effective_probability"], body["forecast_category"]) == (
        "lost",
        0,
        "closed_lost",
    )
    assert body["loss_reason"] == {"id": pp.price.pk, "name": "Price"}
    assert rep.post(f"{item}/move", {"stage_id": pp.propose.pk}).status_code == 400

    assert rep.post(f"{item}/reopen", {}).status_code == 403
    assert pp.reload(opp).status == Status.LOST
    reopened = manager.post(f"{item}/reopen", {"note": "They came back"})
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["loss_reason"]) == ("open", None)

    won = rep.post(f"{item}/win")
    assert won.status_code == 200
    assert (won.json()["status"], won.json()["effective_probability"]) == ("won", 100)
    assert rep.post(f"{item}/win").status_code == 400
    history = rep.get(f"{item}/history").json()
    assert [h["to_status"] for h in history] == ["open", "lost", "open", "won"]
    assert history[1]["note"] == "Too dear"


def test_probability_override_needs_a_reason(api, pp):
    opp = pp.deal()
    rep = api("rep")
    item = f"opportunities/{opp.pk}/probability"
    no_reason = rep.put(item, {"probability": 55})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    too_high = rep.put(item, {"probability": 101, "reason": "Sure thing"})
    assert too_high.status_code == 400 and "probability" in too_high.json()["fields"]
    assert pp.reload(opp).probability is None

    set_ = rep.put(item, {"probability": 55, "reason": "CFO on board"}).json()
    assert (set_["probability"], set_["effective_probability"]) == (55, 55)
    assert set_["probability_reason"] == "CFO on board"
    back = rep.put(item, {"probability": None}).json()
    assert (back["probability"], back["effective_probability"]) == (None, 10)


# -- deal team, contacts ---------------------------------------------------------------------


def test_deal_team_splits_must_add_up_to_100(api, pp):
    opp = pp.deal()
    rep = api("rep")
    team = f"opportunities/{opp.pk}/team"
    me, other = pp.rep.membership.pk, pp.other.membership.pk
    uneven = rep.put(
        team,
        {
            "members": [
                {"member_id": me, "role": "co_seller", "split": 60},
                {"member_id": other, "role": "presales", "split": 30},
            ]
        },
    )
    assert uneven.status_code == 400
    assert "90" in uneven.json()["fields"]["split"]
    bad = rep.put(
        team,
        {
            "members": [
                {"member_id": me, "role": "juggler", "split": 100},
                {"member_id": pp.actor("admin", "beta").membership.pk, "role": "other"},
            ]
        },
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"members.0.role", "members.1.member_id"}
    assert not DealTeamMember.objects.exists()

    set_ = rep.put(
        team,
        {
            "members": [
                {"member_id": me, "role": "co_seller", "split": 70},
                {"member_id": other, "role": "presales", "split": 30},
            ]
        },
    )
    assert set_.status_code == 200, set_.json()
    assert [(m["name"], m["role"], m["split"]) for m in set_.json()] == [
        ("rep alpha", "co_seller", 70),
        ("Other Rep", "presales", 30),
    ]
    detail = rep.get(f"opportunities/{opp.pk}").json()
    assert [m["member_id"] for m in detail["team"]] == [me, other]
    # on the team now: the other rep sees the deal and may edit it, but not change the team
    other_client = api("other", user=pp.other.membership.user)
    assert other_client.get(f"opportunities/{opp.pk}").status_code == 200
    assert other_client.put(team, {"members": []}).status_code == 403
    assert rep.put(team, {"members": []}).json() == []


def test_contacts_on_the_deal(api, pp):
    opp = pp.deal()
    contact = pp.cx.contact(pp.rep, full_name="王五")
    rep = api("rep")
    path = f"opportunities/{opp.pk}/contacts/{contact.pk}"
    added = rep.put(path, {"role": "decision_maker"})
    assert added.status_code == 200
    assert added.json()["role"] == "decision_maker"
    assert added.json()["contact"]["full_name"] == "王五"
    assert rep.put(path, {"role": "influencer"}).json()["role"] == "influencer"
    listed = rep.get(f"opportunities/{opp.pk}/contacts").json()
    assert [(c["contact"]["id"], c["role"]) for c in listed] == [(contact.pk, "influencer")]
    assert rep.get(f"opportunities/{opp.pk}").json()["contacts"] == listed
    assert rep.put(path, {"role": "boss"}).status_code == 400
    theirs = pp.cx.contact(pp.other, full_name="Hidden")
    unseen = rep.put(f"opportunities/{opp.pk}/contacts/{theirs.pk}", {"role": "other"})
    assert unseen.status_code == 400 and "contact" in unseen.json()["fields"]

    assert rep.delete(path).status_code == 204
    assert rep.get(f"opportunities/{opp.pk}/contacts").json() == []
    assert rep.delete(path).status_code == 404


# -- the record endpoints shared with customers ----------------------------------------------


def test_version_conflict_on_field_change(api, pp):
    opp = pp.deal(next_step="Call")
    rep, manager = api("rep"), api("manager")
    saved = manager.patch(f"opportunities/{opp.pk}", {"version": 1, "next_step": "Visit"})
    assert saved.status_code == 200
    stale = rep.patch(f"opportunities/{opp.pk}", {"version": 1, "next_step": "Email"})
    assert stale.status_code == 409
    assert "next_step" in stale.json()["fields"]
    assert Opportunity.objects.get(pk=opp.pk).next_step == "Visit"


def test_archive_owner_and_collaborators(api, pp):
    opp = pp.deal()
    rep, manager = api("rep"), api("manager")
    item = f"opportunities/{opp.pk}"
    archived = rep.post(f"{item}/archive")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert rep.get("opportunities").json()["total"] == 0
    assert rep.get("opportunities", {"archived": "1"}).json()["total"] == 1
    assert rep.post(f"{item}/restore").json()["archived"] is False

    other_id = pp.other.membership.pk
    shared = manager.put(f"{item}/collaborators/{other_id}", {"level": "view"})
    assert [c["member_id"] for c in shared.json()] == [other_id]
    other = api("other", user=pp.other.membership.user)
    assert other.get(item).status_code == 200
    assert other.post(f"{item}/win").status_code == 403
    assert manager.delete(f"{item}/collaborators/{other_id}").status_code == 204
    assert other.get(item).status_code == 404

    given = manager.put(f"{item}/owner", {"owner_id": other_id})
    assert given.status_code == 200 and given.json()["owner"]["id"] == other_id
    assert other.get(item).status_code == 200


# -- lists -----------------------------------------------------------------------------------


def test_list_filters_sort_and_pages(api, pp):
    account = pp.account()
    for i in range(30):
        pp.deal(account=account, name=f"Deal {i:02d}", amount=str(1000 * i))
    won = pp.deal(account=account, name="Closed one", **pp.ready())
    services.opportunity_win(actor=pp.rep, opportunity_id=won.pk)
    renewal = pp.deal(account=account, opp_type=pp.simple, name="Renewal")
    rep = api("rep")

    page2 = rep.get("opportunities", {"page": 2, "sort": "name"}).json()
    assert (page2["total"], page2["page"], len(page2["items"])) == (32, 2, 7)
    assert page2["items"][0]["name"] == "Deal 24"
    big = rep.get("opportunities", {"f.amount__min": "25000", "sort": "-amount"}).json()
    assert [d["name"] for d in big["items"]] == [f"Deal {i}" for i in range(29, 24, -1)]
    assert rep.get("opportunities", {"f.status": "won"}).json()["items"][0]["id"] == won.pk
    by_type = rep.get("opportunities", {"f.type": str(pp.simple.pk)}).json()
    assert [d["id"] for d in by_type["items"]] == [renewal.pk]
    in_qualify = {"f.stage": str(pp.qualify.pk), "f.status": "open"}
    assert rep.get("opportunities", in_qualify).json()["total"] == 30
    assert rep.get("opportunities", {"q": "deal 07"}).json()["total"] == 1
    assert rep.get("opportunities", {"q": "deal", "per_page": 50}).json()["total"] == 30
    assert rep.get("opportunities", {"f.account": "acme"}).json()["total"] == 32
    unknown = rep.get("opportunities", {"f.colour": "red"}).json()
    assert unknown["total"] == 32 and unknown["errors"]
    assert api("admin").get("opportunities", {"owner": "me"}).json()["total"] == 0


def test_list_query_count_does_not_grow_with_rows(api, pp):
    rep = api("rep")
    other_account = pp.account(pp.other, name="Theirs")

    def add(n: int) -> None:
        for i in range(n):
            # each deal on its own account; some the rep sees only through the deal team
            if i % 3:
                pp.deal(account=pp.account(name=f"Customer {i}"), name=f"Deal {i}")
            else:
                opp = pp.deal(pp.other, account=other_account, name=f"Shared {i}")
                services.deal_team_set(
                    actor=pp.other,
                    opportunity_id=opp.pk,
                    members=[{"member_id": pp.rep.membership.pk, "role": "presales", "split": 100}],
                )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = rep.get("opportunities", {"per_page": 50})
        assert response.status_code == 200
        return len(queries)

    add(6)
    count()  # the first request reads the configuration (workspaces/config.py)
    small = count()
    add(15)
    assert rep.get("opportunities", {"per_page": 50}).json()["total"] == 21
    assert count() == small


# -- docs ------------------------------------------------------------------------------------


def test_openapi_lists_pipeline_paths(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/w/{slug}/opportunity-types",
        "/api/w/{slug}/opportunity-types/{type_id}/stages",
        "/api/w/{slug}/opportunity-types/{type_id}/stage-order",
        "/api/w/{slug}/stages/{stage_id}",
        "/api/w/{slug}/stages/{stage_id}/milestones",
        "/api/w/{slug}/milestones/{milestone_id}",
        "/api/w/{slug}/loss-reasons",
        "/api/w/{slug}/opportunities",
        "/api/w/{slug}/opportunities/{record_id}",
        "/api/w/{slug}/opportunities/{record_id}/move",
        "/api/w/{slug}/opportunities/{record_id}/win",
        "/api/w/{slug}/opportunities/{record_id}/lose",
        "/api/w/{slug}/opportunities/{record_id}/reopen",
        "/api/w/{slug}/opportunities/{record_id}/probability",
        "/api/w/{slug}/opportunities/{record_id}/team",
        "/api/w/{slug}/opportunities/{record_id}/contacts/{contact_id}",
        "/api/w/{slug}/opportunities/{record_id}/milestones/{milestone_id}",
        "/api/w/{slug}/opportunities/{record_id}/history",
        "/api/w/{slug}/opportunities/{record_id}/collaborators/{member_id}",
    ):
        assert path in paths, path
    body = paths["/api/w/{slug}/opportunities"]["post"]["requestBody"]["content"]
    create = schema["components"]["schemas"][
        body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    ]
    assert {"type", "stage", "account", "name", "amount", "close_date", "custom"} <= set(
        create["properties"]
    )
    assert create["required"] == ["type"]
