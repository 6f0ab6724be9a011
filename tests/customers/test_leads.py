"""The lead pool and a lead's way to an account: claim (within the limit, one winner),
release, the sweep that returns untouched leads, status changes, disqualification and
conversion (all or nothing)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.tasks.base import TaskResultStatus
from django.tasks.signals import task_enqueued
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.core.actors import Member
from dealroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from dealroom.customers import services
from dealroom.customers.models import Account, AccountContact, Contact, Lead, SearchTerm
from dealroom.customers.tasks import sweep_lead_pool
from dealroom.workspaces.models import Membership

SWEEP = "dealroom.customers.tasks.sweep_lead_pool"


def fresh(actor: Member) -> Member:
    return Member(
        Membership.objects.select_related("user", "workspace").get(pk=actor.membership.pk)
    )


def pool_lead(cx, **data) -> Lead:
    lead = cx.lead(cx.actor("admin"), owner_id="", **data)
    assert lead.owner_id is None
    return lead


def settings(cx, **values) -> None:
    services.customer_settings_update(actor=cx.actor("admin"), **values)


def verbs(lead) -> list[str]:
    return list(
        ActivityEvent.objects.filter(target_type="customers.lead", target_id=lead.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def age(lead, days: float) -> None:
    """Pretend nobody touched the lead for `days` (as if time had passed)."""
    Lead.objects.filter(pk=lead.pk).update(last_touched_at=timezone.now() - timedelta(days=days))


# -- claim and release -------------------------------------------------------------------------


def test_claim_from_the_pool(cx):
    lead = pool_lead(cx, full_name="李四")
    age(lead, 30)
    rep = cx.actor("rep")
    claimed = services.lead_claim(actor=rep, lead_id=lead.pk)
    assert claimed.owner_id == rep.membership.pk
    lead.refresh_from_db()
    assert lead.owner_id == rep.membership.pk
    assert lead.version == 2
    assert lead.last_touched_at is not None
    assert lead.last_touched_at > timezone.now() - timedelta(minutes=1)
    assert verbs(lead) == ["lead.created", "lead.claimed"]
    # out of the pool: the other rep no longer sees it, the claimer's manager does
    assert not Lead.objects.visible_to(fresh(cx.other)).filter(pk=lead.pk).exists()
    assert Lead.objects.visible_to(fresh(cx.actor("manager"))).filter(pk=lead.pk).exists()


def test_readonly_member_cannot_claim(cx):
    lead = pool_lead(cx)
    with pytest.raises(Forbidden):
        services.lead_claim(actor=cx.actor("readonly"), lead_id=lead.pk)
    assert Lead.objects.get(pk=lead.pk).owner_id is None


def test_claim_limit(cx):
    settings(cx, lead_claim_limit=2)
    rep = cx.actor("rep")
    cx.lead(rep, full_name="Own lead")  # created by the rep: counts as held
    first, second, third = (pool_lead(cx, full_name=n) for n in ("A", "B", "C"))
    services.lead_claim(actor=rep, lead_id=first.pk)
    with pytest.raises(Invalid) as err:
        services.lead_claim(actor=rep, lead_id=second.pk)
    message = str(err.value.message)
    assert "2 open leads" in message and "(2)" in message
    assert "release" in message
    assert Lead.objects.get(pk=second.pk).owner_id is None
    assert "lead.claimed" not in verbs(second)
    # closed leads do not count against the limit
    reason = services.disqualify_reason_create(actor=cx.actor("admin"), name="No budget")
    services.lead_disqualify(actor=rep, lead_id=first.pk, reason_id=reason.pk)
    services.lead_claim(actor=rep, lead_id=second.pk)
    with pytest.raises(Invalid):
        services.lead_claim(actor=rep, lead_id=third.pk)
    # the limit is per member
    services.lead_claim(actor=cx.other, lead_id=third.pk)


def test_claim_limit_zero_refuses_every_claim(cx):
    settings(cx, lead_claim_limit=0)
    lead = pool_lead(cx)
    with pytest.raises(Invalid) as err:
        services.lead_claim(actor=cx.actor("rep"), lead_id=lead.pk)
    assert "(0)" in str(err.value.message)


def test_two_members_claiming_the_same_lead_second_gets_conflict(cx):
    lead = pool_lead(cx)
    rep = cx.actor("rep")
    services.lead_claim(actor=rep, lead_id=lead.pk)
    # a manager who still sees it
    with pytest.raises(Conflict) as err:
        services.lead_claim(actor=fresh(cx.actor("manager")), lead_id=lead.pk)
    assert "already claimed" in str(err.value.message)
    lead.refresh_from_db()
    assert (lead.owner_id, lead.version) == (rep.membership.pk, 2)
    assert verbs(lead).count("lead.claimed") == 1


def test_claiming_a_lead_you_cannot_see_is_the_same_as_one_that_does_not_exist(cx):
    """No existence oracle: a lead claimed by someone outside your view answers as a missing
    id does, not "someone else has already claimed it"."""
    lead = pool_lead(cx)
    services.lead_claim(actor=cx.actor("rep"), lead_id=lead.pk)
    answers = []
    for lead_id in (lead.pk, lead.pk + 1000):
        with pytest.raises(NotFound) as err:
            services.lead_claim(actor=fresh(cx.other), lead_id=lead_id)
        answers.append((err.value.status, err.value.as_dict()))
    assert answers[0] == answers[1]
    assert Lead.objects.get(pk=lead.pk).owner_id == cx.actor("rep").membership.pk


def test_claiming_what_does_not_exist_is_not_found(cx):
    other_ws_lead = cx.lead(cx.actor("rep", "beta"))
    for lead_id in (999_999, other_ws_lead.pk):
        with pytest.raises(NotFound):
            services.lead_claim(actor=cx.actor("rep"), lead_id=lead_id)


def test_claiming_a_closed_pool_lead_is_refused(cx):
    admin = cx.actor("admin")
    lead = pool_lead(cx)
    reason = services.disqualify_reason_create(actor=admin, name="Spam")
    services.lead_disqualify(actor=admin, lead_id=lead.pk, reason_id=reason.pk)
    with pytest.raises(Conflict):
        services.lead_claim(actor=cx.actor("rep"), lead_id=lead.pk)
    assert Lead.objects.get(pk=lead.pk).owner_id is None


def test_release_back_to_the_pool(cx):
    rep = cx.actor("rep")
    lead = cx.lead(rep)
    released = services.lead_release(actor=rep, lead_id=lead.pk)
    assert released.owner_id is None
    lead.refresh_from_db()
    assert lead.owner_id is None and lead.version == 2
    assert verbs(lead) == ["lead.created", "lead.released"]
    event = ActivityEvent.objects.get(verb="lead.released")
    assert event.data["old_owner"] == "rep alpha"
    # back in the pool: the other rep sees and claims it
    other = fresh(cx.other)
    assert Lead.objects.visible_to(other).filter(pk=lead.pk).exists()
    services.lead_claim(actor=other, lead_id=lead.pk)
    with pytest.raises(Forbidden):  # nothing to release in the pool, or not theirs
        services.lead_release(actor=fresh(cx.actor("readonly")), lead_id=pool_lead(cx).pk)


def test_release_rights(cx):
    rep = cx.actor("rep")
    lead = cx.lead(rep)
    with pytest.raises(NotFound):
        services.lead_release(actor=cx.other, lead_id=lead.pk)
    services.collaborator_set(
        actor=rep,
        object_type="lead",
        record_id=lead.pk,
        member_id=cx.other_rep.pk,
        level="edit",
    )
    with pytest.raises(Forbidden):  # an edit collaborator is not the owner
        services.lead_release(actor=fresh(cx.other), lead_id=lead.pk)
    assert Lead.objects.get(pk=lead.pk).owner_id == rep.membership.pk
    services.lead_release(actor=cx.actor("manager"), lead_id=lead.pk)  # manager above the owner
    assert Lead.objects.get(pk=lead.pk).owner_id is None


# -- returning untouched leads -----------------------------------------------------------------


def test_untouched_leads_return_to_the_pool(cx):
    settings(cx, lead_return_days=7)
    rep, other = cx.actor("rep"), cx.other
    stale_new = cx.lead(rep, full_name="Stale new")
    stale_working = cx.lead(other, full_name="Stale working")
    services.lead_status_set(actor=other, lead_id=stale_working.pk, status="working", version=1)
    recent = cx.lead(rep, full_name="Recent")
    noted = cx.lead(rep, full_name="Noted")
    edited = cx.lead(rep, full_name="Edited")
    qualified = cx.lead(rep, full_name="Qualified")
    services.lead_status_set(actor=rep, lead_id=qualified.pk, status="qualified", version=1)
    pooled = pool_lead(cx, full_name="Already in pool")
    for lead in (stale_new, stale_working, noted, edited, qualified, pooled):
        age(lead, 8)
    age(recent, 6)
    # touched since: a note, an edit
    services.note_add(actor=rep, object_type="lead", record_id=noted.pk, body="called")
    services.record_update(
        actor=rep,
        object_type="lead",
        record_id=edited.pk,
        version=1,
        data={"title": "CTO"},
    )

    returned = services.lead_return_stale(workspace=cx.world.a)

    assert returned == 2
    owners = dict(Lead.objects.values_list("full_name", "owner_id"))
    assert owners["Stale new"] is None
    assert owners["Stale working"] is None
    assert owners["Recent"] == owners["Noted"] == owners["Edited"] == rep.membership.pk
    assert owners["Qualified"] == rep.membership.pk  # qualified leads stay with their owner
    events = ActivityEvent.objects.filter(verb="lead.returned_to_pool").order_by("id")
    assert [(e.target_id, e.actor_kind) for e in events] == [
        (stale_new.pk, "system"),
        (stale_working.pk, "system"),
    ]
    assert events[0].data["old_owner"] == "rep alpha" and events[0].data["days"] == 7
    assert events[1].data["old_owner"] == "Other Rep"
    for event, user_id in zip(events, (rep.user_id, other.user_id), strict=True):
        assert list(
            Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
        ) == [user_id]
    assert Lead.objects.get(pk=stale_new.pk).version == 2
    # returned leads are in the pool for everyone
    assert Lead.objects.visible_to(fresh(cx.actor("readonly"))).filter(pk=stale_new.pk).exists()
    # a second sweep finds nothing more
    assert services.lead_return_stale(workspace=cx.world.a) == 0


def test_return_days_are_per_workspace_and_zero_switches_it_off(cx):
    a_lead = cx.lead(cx.actor("rep"))
    b_lead = cx.lead(cx.actor("rep", "beta"))
    age(a_lead, 10)
    age(b_lead, 10)
    # B keeps the default of 14 days; A returns after 7
    settings(cx, lead_return_days=7)
    assert services.lead_return_stale(workspace=cx.world.b) == 0
    assert services.lead_return_stale(workspace=cx.world.a) == 1
    assert Lead.objects.get(pk=b_lead.pk).owner_id is not None
    services.customer_settings_update(actor=cx.actor("admin", "beta"), lead_return_days=0)
    age(b_lead, 1000)
    assert services.lead_return_stale(workspace=cx.world.b) == 0
    assert Lead.objects.get(pk=b_lead.pk).owner_id is not None


def test_sweep_task_runs_without_queueing_itself_again(cx):
    """In tests the immediate backend runs the task at once; it must not schedule its next
    run there (which would recurse)."""
    settings(cx, lead_return_days=7)
    stale = cx.lead(cx.actor("rep"))
    age(stale, 8)
    beta_stale = cx.lead(cx.actor("rep", "beta"))
    age(beta_stale, 20)
    enqueued = []

    def count(sender, task_result, **kwargs):
        enqueued.append(task_result.task.module_path)

    task_enqueued.connect(count)
    try:
        result = sweep_lead_pool.enqueue()
    finally:
        task_enqueued.disconnect(count)
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == 2  # one per workspace
    assert enqueued == [SWEEP]
    assert not DBTaskResult.objects.exists()
    assert Lead.objects.get(pk=stale.pk).owner_id is None
    assert Lead.objects.get(pk=beta_stale.pk).owner_id is None


def test_sweep_schedules_one_next_run_with_the_database_queue(cx, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    stale = cx.lead(cx.actor("rep"))
    age(stale, 30)
    assert sweep_lead_pool.call() == 1
    assert sweep_lead_pool.call() == 0
    [queued] = DBTaskResult.objects.filter(task_path=SWEEP)
    assert queued.status == "READY"
    wait = queued.run_after - timezone.now()
    assert timedelta(minutes=55) < wait <= timedelta(hours=1)


# -- status, disqualify ------------------------------------------------------------------------


def test_status_transitions(cx):
    rep = cx.actor("rep")
    lead = cx.lead(rep)
    assert lead.status == "new"
    for version, status in enumerate(["working", "qualified", "working", "new"], start=1):
        updated = services.lead_status_set(
            actor=rep, lead_id=lead.pk, status=status, version=version
        )
        assert updated.status == status
        assert Lead.objects.get(pk=lead.pk).version == version + 1
    changes = [
        e.data["changes"][0]
        for e in ActivityEvent.objects.filter(verb="lead.updated").order_by("id")
    ]
    assert [(c["old"], c["new"]) for c in changes] == [
        ("new", "working"),
        ("working", "qualified"),
        ("qualified", "working"),
        ("working", "new"),
    ]
    # the same status again is no change
    services.lead_status_set(actor=rep, lead_id=lead.pk, status="new", version=5)
    assert Lead.objects.get(pk=lead.pk).version == 5


@pytest.mark.parametrize("status", ["converted", "disqualified", "lost", ""])
def test_status_set_cannot_close_a_lead(cx, status):
    rep = cx.actor("rep")
    lead = cx.lead(rep)
    with pytest.raises(Invalid) as err:
        services.lead_status_set(actor=rep, lead_id=lead.pk, status=status, version=1)
    assert "status" in err.value.fields
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_status_set_checks_version_and_rights(cx):
    rep = cx.actor("rep")
    lead = cx.lead(rep)
    services.lead_status_set(actor=rep, lead_id=lead.pk, status="working", version=1)
    with pytest.raises(Conflict) as err:
        services.lead_status_set(
            actor=cx.actor("manager"), lead_id=lead.pk, status="qualified", version=1
        )
    assert "status" in err.value.fields  # says what changed meanwhile
    lead.refresh_from_db()
    assert (lead.status, lead.version) == ("working", 2)
    with pytest.raises(NotFound):
        services.lead_status_set(actor=cx.other, lead_id=lead.pk, status="new", version=2)
    pool = pool_lead(cx)
    with pytest.raises(Forbidden):  # pool leads are claimed before they are worked
        services.lead_status_set(actor=cx.other, lead_id=pool.pk, status="working", version=1)


def test_disqualify_needs_an_active_reason(cx):
    admin, rep = cx.actor("admin"), cx.actor("rep")
    lead = cx.lead(rep)
    active = services.disqualify_reason_create(actor=admin, name="No budget")
    inactive = services.disqualify_reason_create(actor=admin, name="Competitor")
    services.disqualify_reason_set_active(actor=admin, reason_id=inactive.pk, active=False)
    beta_reason = services.disqualify_reason_create(actor=cx.actor("admin", "beta"), name="Spam")
    for reason_id in (None, "", inactive.pk, beta_reason.pk, 999_999):
        with pytest.raises(Invalid) as err:
            services.lead_disqualify(actor=rep, lead_id=lead.pk, reason_id=reason_id)
        assert "reason" in err.value.fields
    assert Lead.objects.get(pk=lead.pk).status == "new"
    done = services.lead_disqualify(
        actor=rep, lead_id=lead.pk, reason_id=active.pk, note="They bought elsewhere"
    )
    assert done.status == "disqualified"
    lead.refresh_from_db()
    assert (lead.status, lead.disqualify_reason_id) == ("disqualified", active.pk)
    event = ActivityEvent.objects.get(verb="lead.disqualified")
    assert event.data["reason"] == "No budget"
    assert event.data["note"] == "They bought elsewhere"
    # closed now
    with pytest.raises(Invalid):
        services.lead_disqualify(actor=rep, lead_id=lead.pk, reason_id=active.pk)
    with pytest.raises(Invalid):
        services.lead_status_set(actor=rep, lead_id=lead.pk, status="working", version=2)


def test_disqualify_needs_edit_rights(cx):
    reason = services.disqualify_reason_create(actor=cx.actor("admin"), name="No budget")
    lead = cx.lead(cx.actor("rep"))
    services.collaborator_set(
        actor=cx.actor("rep"),
        object_type="lead",
        record_id=lead.pk,
        member_id=cx.other_rep.pk,
        level="view",
    )
    with pytest.raises(Forbidden):
        services.lead_disqualify(actor=fresh(cx.other), lead_id=lead.pk, reason_id=reason.pk)
    assert Lead.objects.get(pk=lead.pk).status == "new"


# -- convert -----------------------------------------------------------------------------------


def qualified_lead(cx, actor=None, **data) -> Lead:
    actor = actor or cx.actor("rep")
    data.setdefault("full_name", "李四")
    lead = cx.lead(actor, **data)
    services.lead_status_set(actor=actor, lead_id=lead.pk, status="qualified", version=1)
    return Lead.objects.get(pk=lead.pk)


def test_only_a_qualified_lead_converts(cx):
    rep = cx.actor("rep")
    lead = cx.lead(rep, company_name="腾讯科技有限公司")
    for status in ("new", "working"):
        if status != "new":
            services.lead_status_set(actor=rep, lead_id=lead.pk, status=status, version=1)
        with pytest.raises(Invalid) as err:
            services.lead_convert(actor=rep, lead_id=lead.pk)
        assert "status" in err.value.fields
    assert not Account.objects.exists() and not Contact.objects.exists()


def test_convert_creates_account_contact_and_link(cx):
    rep = cx.actor("rep")
    lead = qualified_lead(
        cx,
        company_name="腾讯科技有限公司",
        title="CTO",
        phone="13812345678",
        email="lisi@qq.com",
        region="华南",
        industry="互联网",
        wechat_id="lisi88",
    )
    converted, account, contact = services.lead_convert(actor=rep, lead_id=lead.pk)
    assert (account.name, account.kind, account.region, account.industry) == (
        "腾讯科技有限公司",
        "company",
        "华南",
        "互联网",
    )
    assert account.owner_id == rep.membership.pk
    assert (contact.full_name, contact.title, contact.wechat_id) == ("李四", "CTO", "lisi88")
    assert contact.phones == ["+8613812345678"] and contact.emails == ["lisi@qq.com"]
    link = AccountContact.objects.get()
    assert (link.account_id, link.contact_id, link.role) == (account.pk, contact.pk, "other")
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert lead.converted_at is not None
    assert (lead.converted_account_id, lead.converted_contact_id) == (account.pk, contact.pk)
    assert converted.pk == lead.pk
    assert "lead.converted" in verbs(lead)
    event = ActivityEvent.objects.get(verb="lead.converted")
    assert event.data["account_name"] == "腾讯科技有限公司" and event.data["contact_name"] == "李四"
    # new records are searchable
    assert SearchTerm.objects.filter(object_type="account", object_id=account.pk).exists()
    assert SearchTerm.objects.filter(object_type="contact", object_id=contact.pk).exists()
    # converted is closed
    with pytest.raises(Invalid):
        services.lead_convert(actor=rep, lead_id=lead.pk)
    assert Account.objects.count() == 1


def test_convert_without_company_makes_a_household(cx):
    lead = qualified_lead(cx, full_name="王五")
    _lead, account, contact = services.lead_convert(actor=cx.actor("rep"), lead_id=lead.pk)
    assert (account.name, account.kind) == ("王五", "household")
    assert AccountContact.objects.get().role == "registrant"


def test_convert_into_an_existing_account_and_contact(cx):
    rep = cx.actor("rep")
    account = cx.account(rep, name="Existing Co")
    contact = cx.contact(rep, full_name="Existing Person")
    lead = qualified_lead(cx, company_name="Whatever Ltd")
    _lead, got_account, got_contact = services.lead_convert(
        actor=rep,
        lead_id=lead.pk,
        account_id=account.pk,
        contact_id=contact.pk,
        role="decision_maker",
    )
    assert (got_account.pk, got_contact.pk) == (account.pk, contact.pk)
    assert Account.objects.count() == 1 and Contact.objects.count() == 1
    assert AccountContact.objects.get().role == "decision_maker"
    # an existing link is kept as it is
    second = qualified_lead(cx, full_name="Again")
    services.lead_convert(
        actor=rep, lead_id=second.pk, account_id=account.pk, contact_id=contact.pk
    )
    assert AccountContact.objects.get().role == "decision_maker"
    # a new contact on an existing account
    third = qualified_lead(cx, full_name="New Person", email="new@example.com")
    _l, _a, new_contact = services.lead_convert(actor=rep, lead_id=third.pk, account_id=account.pk)
    assert new_contact.emails == ["new@example.com"]
    assert Account.objects.count() == 1
    assert AccountContact.objects.filter(account=account).count() == 2


def test_convert_into_an_account_the_actor_does_not_see_is_not_found(cx):
    theirs = cx.account(cx.other, name="Theirs")
    lead = qualified_lead(cx)
    with pytest.raises(NotFound):
        services.lead_convert(actor=cx.actor("rep"), lead_id=lead.pk, account_id=theirs.pk)
    assert Lead.objects.get(pk=lead.pk).status == "qualified"
    assert Contact.objects.count() == 0


def test_invalid_new_contact_rolls_everything_back(cx):
    rep = cx.actor("rep")
    lead = qualified_lead(cx, company_name="腾讯科技有限公司")
    events_before = ActivityEvent.objects.count()
    with pytest.raises(Invalid) as err:
        services.lead_convert(
            actor=rep,
            lead_id=lead.pk,
            contact_data={"full_name": "李四", "emails": "not-an-email"},
        )
    assert set(err.value.fields) == {"contact.emails"}
    assert "not-an-email" in err.value.fields["contact.emails"]
    assert not Account.objects.exists()  # the account made first is gone too
    assert not Contact.objects.exists()
    assert not AccountContact.objects.exists()
    assert not SearchTerm.objects.filter(object_type__in=["account", "contact"]).exists()
    assert ActivityEvent.objects.count() == events_before
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account_id, lead.version) == ("qualified", None, 2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"account_data": {"name": ""}}, "account.name"),
        ({"account_data": {"name": "X", "kind": "planet"}}, "account.kind"),
        ({"contact_data": {"full_name": ""}}, "contact.full_name"),
        ({"role": "registrant"}, "role"),  # not a company role
    ],
)
def test_other_conversion_errors_leave_nothing(cx, kwargs, field):
    lead = qualified_lead(cx, company_name="Acme Ltd")
    with pytest.raises(Invalid) as err:
        services.lead_convert(actor=cx.actor("rep"), lead_id=lead.pk, **kwargs)
    assert field in err.value.fields
    assert not Account.objects.exists() and not Contact.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == "qualified"


@pytest.mark.django_db(transaction=True)
def test_conversion_rollback_is_real_outside_a_test_transaction(world):
    """The same all-or-nothing with real commits (no enclosing test transaction)."""
    from tests.customers.conftest import Customers

    cx = Customers(world)
    lead = qualified_lead(cx, company_name="Acme Ltd")
    with pytest.raises(Invalid):
        services.lead_convert(
            actor=cx.actor("rep"),
            lead_id=lead.pk,
            contact_data={"full_name": "X", "phones": "12"},
        )
    assert not Account.objects.exists() and not Contact.objects.exists()
    assert not ActivityEvent.objects.filter(verb="account.created").exists()
    assert Lead.objects.get(pk=lead.pk).status == "qualified"


def test_closed_leads_are_not_released(cx):
    rep = cx.actor("rep")
    lead = cx.lead(rep)
    reason = services.disqualify_reason_create(actor=cx.actor("admin"), name="No budget")
    services.lead_disqualify(actor=rep, lead_id=lead.pk, reason_id=reason.pk)
    with pytest.raises(Invalid) as error:
        services.lead_release(actor=fresh(rep), lead_id=lead.pk)
    assert "status" in error.value.fields
    lead.refresh_from_db()
    assert lead.owner_id == rep.membership.pk
