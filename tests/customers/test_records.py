"""Accounts, contacts and custom fields through the services: what is stored, what is refused
(and that a refusal writes nothing), versions and conflicts, events, owners, collaborators,
notes and the roles contacts have on accounts."""

from __future__ import annotations

import pytest
from django.db import transaction

from dealroom.activity.models import ActivityEvent, Notification
from dealroom.activity.selectors import event_list_for_target
from dealroom.core.actors import Member
from dealroom.core.errors import Conflict, Forbidden, Invalid, NotFound
from dealroom.customers import services, visibility
from dealroom.customers.models import (
    Account,
    AccountContact,
    Collaborator,
    Contact,
    SearchTerm,
)
from dealroom.customers.services.records import _save_versioned
from dealroom.workspaces.models import Membership


def fresh(actor: Member) -> Member:
    """The actor of a new request (actors memoise scope and field rules for their lifetime)."""
    return Member(
        Membership.objects.select_related("user", "workspace").get(pk=actor.membership.pk)
    )


def events(verb: str, record=None) -> list[ActivityEvent]:
    qs = ActivityEvent.objects.filter(verb=verb)
    if record is not None:
        qs = qs.filter(target_id=record.pk, target_type=record._meta.label_lower)
    return list(qs.order_by("id"))


def update(actor, record, **data):
    object_type = visibility.object_type_of(record)
    return services.record_update(
        actor=actor,
        object_type=object_type,
        record_id=record.pk,
        version=type(record).objects.get(pk=record.pk).version,
        data=data,
    )


# -- accounts ---------------------------------------------------------------------------------


def test_create_company_account_stores_cleaned_values_and_an_event(cx):
    rep = cx.actor("rep")
    account = cx.account(
        rep,
        name="  华为技术有限公司 ",
        kind="company",
        industry="通信",
        region="华南",
        size="1000+",
        website="huawei.com",
        tags="vip, 重点，vip",
    )
    account.refresh_from_db()
    assert account.name == "华为技术有限公司"
    assert account.kind == "company"
    assert account.size == "1000+"
    assert account.website == "https://huawei.com"
    assert account.tags == ["vip", "重点"]
    assert account.owner_id == rep.membership.pk
    assert account.workspace_id == cx.world.a.pk
    assert account.version == 1
    [created] = events("account.created", account)
    assert created.audience == "record"
    assert created.data["name"] == "华为技术有限公司"
    assert SearchTerm.objects.filter(object_type="account", object_id=account.pk).exists()


def test_create_household_account(cx):
    account = cx.account(cx.actor("rep"), name="王家", kind="household")
    assert Account.objects.get(pk=account.pk).kind == "household"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "kind": "galaxy"}, "kind"),
        ({"name": "X", "size": "huge"}, "size"),
        ({"name": "X", "website": "not a url"}, "website"),
        ({"name": "X", "tags": ["x" * 41]}, "tags"),
        ({"name": "X" * 201}, "name"),
        ({"name": "X", "owner": "1"}, "owner"),  # not settable through data
    ],
)
def test_invalid_account_input_names_the_field_and_writes_nothing(cx, data, field):
    with pytest.raises(Invalid) as err:
        services.record_create(actor=cx.actor("rep"), object_type="account", data=data)
    assert field in err.value.fields
    assert err.value.fields[field]
    assert not Account.objects.exists()
    assert not ActivityEvent.objects.filter(verb__startswith="account.").exists()
    assert not SearchTerm.objects.exists()


def test_readonly_member_cannot_create(cx):
    with pytest.raises(Forbidden):
        cx.account(cx.actor("readonly"))
    assert not Account.objects.exists()


def test_only_managers_give_a_new_record_to_someone_else(cx):
    rep, manager = cx.actor("rep"), cx.actor("manager")
    with pytest.raises(Forbidden):
        services.record_create(
            actor=rep, object_type="account", data={"name": "X"}, owner_id=cx.other_rep.pk
        )
    assert not Account.objects.exists()
    account = services.record_create(
        actor=manager, object_type="account", data={"name": "X"}, owner_id=rep.membership.pk
    )
    assert account.owner_id == rep.membership.pk
    with pytest.raises(Invalid) as err:  # a member of another workspace is no owner here
        services.record_create(
            actor=manager,
            object_type="account",
            data={"name": "Y"},
            owner_id=cx.world.member("beta", "rep").pk,
        )
    assert "owner" in err.value.fields


# -- contacts: phones and e-mails --------------------------------------------------------------


def test_contact_phones_become_e164_with_the_default_region(cx):
    contact = cx.contact(
        cx.actor("rep"),
        phones="138 1234 5678, +49 30 12345678，13812345678\n010 6552 9988",
        emails=["Zhang.San@Example.COM", "zhang.san@example.com"],
    )
    contact.refresh_from_db()
    assert contact.phones == ["+8613812345678", "+493012345678", "+861065529988"]
    assert contact.emails == ["zhang.san@example.com"]


def test_phone_region_setting_changes_how_national_numbers_are_read(cx):
    services.customer_settings_update(actor=cx.actor("admin"), phone_region="DE")
    contact = cx.contact(cx.actor("rep"), phones=["030 12345678"])
    assert Contact.objects.get(pk=contact.pk).phones == ["+493012345678"]


@pytest.mark.parametrize(
    ("data", "field", "shown"),
    [
        ({"phones": "13812345678, 12345"}, "phones", "12345"),
        ({"phones": ["call me"]}, "phones", "call me"),
        ({"emails": "ok@example.com, not-an-email"}, "emails", "not-an-email"),
        ({"emails": ["a@b"]}, "emails", "a@b"),
    ],
)
def test_invalid_phone_or_email_names_the_field_and_writes_nothing(cx, data, field, shown):
    with pytest.raises(Invalid) as err:
        cx.contact(cx.actor("rep"), **data)
    assert set(err.value.fields) == {field}
    assert shown in err.value.fields[field]
    assert not Contact.objects.exists()
    assert not ActivityEvent.objects.exists()
    assert not SearchTerm.objects.exists()


def test_invalid_phone_on_update_changes_nothing(cx):
    rep = cx.actor("rep")
    contact = cx.contact(rep, phones=["13812345678"])
    with pytest.raises(Invalid) as err:
        update(rep, contact, phones="13900000000, 0000", title="CEO")
    assert "phones" in err.value.fields
    contact.refresh_from_db()
    assert contact.phones == ["+8613812345678"]
    assert contact.title == ""
    assert contact.version == 1
    assert not events("contact.updated")


# -- parent accounts ---------------------------------------------------------------------------


def test_parent_account_cycles_are_refused(cx):
    rep = cx.actor("rep")
    a = cx.account(rep, name="A")
    b = cx.account(rep, name="B", parent=a.pk)
    assert Account.objects.get(pk=b.pk).parent_id == a.pk
    with pytest.raises(Invalid) as err:  # A → B → A
        update(rep, a, parent=b.pk)
    assert "parent" in err.value.fields
    with pytest.raises(Invalid) as err:  # self-parent
        update(rep, a, parent=a.pk)
    assert "parent" in err.value.fields
    c = cx.account(rep, name="C", parent=b.pk)
    with pytest.raises(Invalid) as err:  # A → C → B → A, two levels up
        update(rep, a, parent=c.pk)
    assert "parent" in err.value.fields
    a.refresh_from_db()
    assert a.parent_id is None and a.version == 1
    # a legitimate move still works
    update(rep, c, parent=a.pk)
    assert Account.objects.get(pk=c.pk).parent_id == a.pk


def test_parent_must_be_an_account_the_actor_sees(cx):
    theirs = cx.account(cx.other, name="Theirs")
    with pytest.raises(Invalid) as err:
        cx.account(cx.actor("rep"), name="Mine", parent=theirs.pk)
    assert "parent" in err.value.fields
    assert not Account.objects.filter(name="Mine").exists()


def test_account_with_subsidiaries_cannot_be_deleted(cx):
    admin = cx.actor("admin")
    parent = cx.account(admin, name="Parent Group")
    child = cx.account(admin, name="Child", parent=parent.pk)
    with pytest.raises(Conflict) as err:
        services.record_delete(actor=admin, object_type="account", record_id=parent.pk)
    assert "Parent Group" in str(err.value.message)
    assert Account.objects.filter(pk=parent.pk).exists()
    assert not events("account.deleted")
    services.record_delete(actor=admin, object_type="account", record_id=child.pk)
    services.record_delete(actor=admin, object_type="account", record_id=parent.pk)
    assert not Account.objects.exists()
    assert not SearchTerm.objects.filter(object_type="account").exists()
    assert [e.audience for e in events("account.deleted")] == ["managers", "managers"]


def test_delete_needs_owner_manager_or_admin(cx):
    account = cx.account(cx.actor("rep"))
    services.collaborator_set(
        actor=cx.actor("rep"),
        object_type="account",
        record_id=account.pk,
        member_id=cx.other_rep.pk,
        level="edit",
    )
    with pytest.raises(Forbidden):
        services.record_delete(actor=fresh(cx.other), object_type="account", record_id=account.pk)
    with pytest.raises(NotFound):
        services.record_delete(
            actor=cx.actor("admin", "beta"), object_type="account", record_id=account.pk
        )
    assert Account.objects.filter(pk=account.pk).exists()
    services.record_delete(actor=cx.actor("manager"), object_type="account", record_id=account.pk)
    assert not Account.objects.exists()
    assert not Collaborator.objects.exists()


# -- custom fields -----------------------------------------------------------------------------


@pytest.fixture
def custom(cx):
    admin = cx.actor("admin")

    def make(label, kind, **kw):
        return services.custom_field_create(
            actor=admin, object_type="account", label=label, kind=kind, **kw
        )

    return {
        "motto": make("Motto", "text"),
        "employees": make("Employees", "number"),
        "budget": make("Budget", "money"),
        "founded": make("Founded", "date"),
        "segment": make("Segment", "choice", options="SMB, Enterprise"),
        "interests": make("Interests", "multi_choice", options=["ERP", "CRM", "BI"]),
        "account_manager": make("Account manager", "user"),
    }


def test_custom_fields_of_each_kind_are_stored_cleaned(cx, custom):
    rep = cx.actor("rep")
    other_member = cx.other_rep.pk
    account = cx.account(
        rep,
        **{
            "custom.motto": "  Think different ",
            "custom.employees": "1,234",
            "custom.budget": "10000.005",
            "custom.founded": "2024-02-29",
            "custom.segment": "Enterprise",
            "custom.interests": "ERP, BI",
            "custom.account_manager": str(other_member),
        },
    )
    account.refresh_from_db()
    assert account.custom == {
        "motto": "Think different",
        "employees": 1234,
        "budget": 10000.01,  # rounded to cents, half up
        "founded": "2024-02-29",
        "segment": "Enterprise",
        "interests": ["ERP", "BI"],
        "account_manager": other_member,
    }
    # filterable and sortable in the database as numbers
    assert Account.objects.filter(custom__budget__gt=10000).count() == 1


@pytest.mark.parametrize(
    ("value", "stored"),
    [("12.344", 12.34), ("12.345", 12.35), ("0.125", 0.13), ("99.999", 100), ("-1.005", -1.01)],
)
def test_money_is_rounded_to_cents(cx, custom, value, stored):
    account = cx.account(cx.actor("rep"), **{"custom.budget": value})
    assert Account.objects.get(pk=account.pk).custom["budget"] == stored


def test_invalid_custom_values_each_get_a_clear_error_and_nothing_is_written(cx, custom):
    beta_member = cx.world.member("beta", "rep").pk
    with pytest.raises(Invalid) as err:
        cx.account(
            cx.actor("rep"),
            **{
                "custom.motto": "x" * 501,
                "custom.employees": "twelve",
                "custom.budget": "1e13",
                "custom.founded": "2024-02-30",
                "custom.segment": "Galactic",
                "custom.interests": ["ERP", "Blockchain"],
                "custom.account_manager": str(beta_member),
            },
        )
    fields = err.value.fields
    assert fields == {
        "custom.motto": "At most 500 characters.",
        "custom.employees": "Enter a number.",
        "custom.budget": "This number is too large.",
        "custom.founded": "Enter a date as YYYY-MM-DD.",
        "custom.segment": "“Galactic” is not one of the choices.",
        "custom.interests": "“Blockchain” is not one of the choices.",
        "custom.account_manager": "Choose a member of this workspace.",
    }
    assert not Account.objects.exists()
    assert not ActivityEvent.objects.filter(verb="account.created").exists()


def test_inactive_custom_field_cannot_be_set(cx, custom):
    admin = cx.actor("admin")
    cf = custom["motto"]
    services.custom_field_update(actor=admin, field_id=cf.pk, label="Motto", active=False)
    with pytest.raises(Forbidden) as err:
        cx.account(fresh(cx.actor("rep")), **{"custom.motto": "hi"})
    assert "custom.motto" in err.value.fields


def test_unknown_and_hidden_fields_answer_alike(cx, custom):
    """Trying field names must not reveal which hidden custom fields exist."""
    admin = cx.actor("admin")
    services.field_permission_set(
        actor=admin, object_type="account", field="custom.motto", role="rep", access="hidden"
    )
    answers = []
    for name in ("custom.motto", "custom.no_such_key"):
        with pytest.raises(Forbidden) as err:
            cx.account(fresh(cx.actor("rep")), **{name: "hi"})
        answers.append((err.value.status, str(err.value.message), err.value.fields[name]))
    assert answers[0] == answers[1]
    assert not Account.objects.exists()


def test_required_custom_field_is_enforced_on_create(cx):
    services.custom_field_create(
        actor=cx.actor("admin"),
        object_type="contact",
        label="Contract number",
        kind="text",
        required=True,
    )
    rep = cx.actor("rep")
    with pytest.raises(Invalid) as err:
        cx.contact(rep)
    assert err.value.fields == {"custom.contract_number": "This field is required."}
    with pytest.raises(Invalid):
        cx.contact(rep, **{"custom.contract_number": "   "})
    assert not Contact.objects.exists()
    contact = cx.contact(rep, **{"custom.contract_number": "HT-001"})
    assert Contact.objects.get(pk=contact.pk).custom == {"contract_number": "HT-001"}
    with pytest.raises(Invalid) as err:  # and cannot be emptied later
        update(rep, contact, **{"custom.contract_number": ""})
    assert "custom.contract_number" in err.value.fields
    assert Contact.objects.get(pk=contact.pk).custom == {"contract_number": "HT-001"}


def test_emptying_an_optional_custom_field_removes_the_key(cx, custom):
    rep = cx.actor("rep")
    account = cx.account(rep, **{"custom.segment": "SMB", "custom.employees": 5})
    update(rep, account, **{"custom.segment": ""})
    assert Account.objects.get(pk=account.pk).custom == {"employees": 5}


# -- update, versions, conflicts ---------------------------------------------------------------


def test_update_bumps_the_version_and_records_old_and_new(cx, custom):
    rep = cx.actor("rep")
    account = cx.account(rep, name="Acme", industry="制造业", **{"custom.segment": "SMB"})
    returned = services.record_update(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        version=1,
        data={"name": "Acme Holdings", "industry": "制造业", "custom.segment": "Enterprise"},
    )
    assert returned.version == 2
    account.refresh_from_db()
    assert account.version == 2
    assert account.name == "Acme Holdings"
    assert account.custom["segment"] == "Enterprise"
    [event] = events("account.updated", account)
    assert event.audience == "record"
    assert event.data["version"] == 2
    assert event.data["name"] == "Acme Holdings"
    # unchanged fields are not listed
    assert event.data["changes"] == [
        {"field": "name", "old": "Acme", "new": "Acme Holdings"},
        {"field": "custom.segment", "old": "SMB", "new": "Enterprise", "label": "Segment"},
    ]


def test_update_without_changes_writes_nothing(cx):
    rep = cx.actor("rep")
    account = cx.account(rep, name="Acme", tags=["a"])
    update(rep, account, name="Acme", tags="a")
    assert Account.objects.get(pk=account.pk).version == 1
    assert not events("account.updated")


def test_stale_version_is_a_conflict_naming_who_changed_what(cx):
    admin, rep = cx.actor("admin"), cx.actor("rep")
    account = cx.account(rep, name="Acme", region="华东")
    services.record_update(
        actor=admin,
        object_type="account",
        record_id=account.pk,
        version=1,
        data={"name": "Acme Holdings"},
    )
    with pytest.raises(Conflict) as err:
        services.record_update(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            version=1,
            data={"region": "华北", "industry": "零售"},
        )
    message = str(err.value.message)
    assert "admin alpha" in message
    assert "Acme Holdings" in message
    assert set(err.value.fields) == {"name"}
    assert "admin alpha" in err.value.fields["name"]
    account.refresh_from_db()
    assert (account.name, account.region, account.industry) == ("Acme Holdings", "华东", "")
    assert account.version == 2
    assert len(events("account.updated", account)) == 1


def test_two_updates_from_the_same_version_exactly_one_wins(cx):
    rep, manager = cx.actor("rep"), cx.actor("manager")
    account = cx.account(rep, name="Acme")
    outcomes = []
    for actor, name in ((manager, "From manager"), (rep, "From rep")):
        try:
            services.record_update(
                actor=actor,
                object_type="account",
                record_id=account.pk,
                version=1,
                data={"name": name},
            )
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
    assert outcomes == ["won", "conflict"]
    account.refresh_from_db()
    assert (account.name, account.version) == ("From manager", 2)
    assert len(events("account.updated", account)) == 1


def test_the_write_itself_is_conditional_on_the_version(cx):
    """Two editors who both passed the version check: the second write changes nothing."""
    rep = cx.actor("rep")
    account = cx.account(rep, name="Acme")
    stale = Account.objects.get(pk=account.pk)
    update(cx.actor("manager"), account, name="First")
    stale.name = "Second"
    with pytest.raises(Conflict) as err, transaction.atomic():
        _save_versioned(rep, "account", stale, 1, ["name"])
    assert "First" in str(err.value.message)  # says what the winner changed
    account.refresh_from_db()
    assert (account.name, account.version) == ("First", 2)


def test_update_needs_edit_rights(cx):
    account = cx.account(cx.actor("rep"), name="Acme")
    with pytest.raises(NotFound):  # the other rep does not see it at all
        update(cx.other, account, name="X")
    services.collaborator_set(
        actor=cx.actor("rep"),
        object_type="account",
        record_id=account.pk,
        member_id=cx.other_rep.pk,
        level="view",
    )
    with pytest.raises(Forbidden):
        update(fresh(cx.other), account, name="X")
    assert Account.objects.get(pk=account.pk).name == "Acme"


# -- archive -----------------------------------------------------------------------------------


def test_archive_and_restore(cx):
    rep = cx.actor("rep")
    account = cx.account(rep)
    archived = services.record_archive(actor=rep, object_type="account", record_id=account.pk)
    assert archived.is_archived
    account.refresh_from_db()
    assert account.archived_at is not None and account.version == 2
    # archiving twice is a no-op
    services.record_archive(actor=rep, object_type="account", record_id=account.pk)
    assert len(events("account.archived", account)) == 1
    services.record_archive(actor=rep, object_type="account", record_id=account.pk, archived=False)
    account.refresh_from_db()
    assert account.archived_at is None and account.version == 3
    assert len(events("account.restored", account)) == 1
    services.collaborator_set(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        member_id=cx.other_rep.pk,
        level="view",
    )
    with pytest.raises(Forbidden):  # seeing is not editing
        services.record_archive(actor=fresh(cx.other), object_type="account", record_id=account.pk)
    assert Account.objects.get(pk=account.pk).archived_at is None


# -- owner and collaborators -------------------------------------------------------------------


def test_owner_change_notifies_the_new_owner(cx):
    rep, manager = cx.actor("rep"), cx.actor("manager")
    account = cx.account(rep)
    services.record_owner_change(
        actor=manager, object_type="account", record_id=account.pk, owner_id=cx.other_rep.pk
    )
    account.refresh_from_db()
    assert account.owner_id == cx.other_rep.pk
    assert account.version == 2
    [event] = events("account.owner_changed", account)
    assert event.data["old_owner"] == "rep alpha"
    assert event.data["new_owner"] == "Other Rep"
    recipients = set(Notification.objects.filter(event=event).values_list("recipient", flat=True))
    assert cx.other_rep.user_id in recipients
    assert rep.user_id in recipients  # the old owner hears too
    assert manager.user_id not in recipients  # never about one's own action


def test_owner_change_rights(cx):
    rep = cx.actor("rep")
    account = cx.account(rep)
    services.collaborator_set(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        member_id=cx.other_rep.pk,
        level="edit",
    )
    with pytest.raises(Forbidden):  # edit collaborators edit, they do not manage
        services.record_owner_change(
            actor=fresh(cx.other),
            object_type="account",
            record_id=account.pk,
            owner_id=cx.other_rep.pk,
        )
    with pytest.raises(Invalid):  # only members of this workspace
        services.record_owner_change(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            owner_id=cx.world.member("beta", "rep").pk,
        )
    assert Account.objects.get(pk=account.pk).owner_id == rep.membership.pk
    # the owner may hand it over, and then no longer sees it
    services.record_owner_change(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        owner_id=cx.world.member("alpha", "admin").pk,
    )
    assert not Account.objects.visible_to(fresh(rep)).filter(pk=account.pk).exists()


@pytest.mark.parametrize(
    ("level", "sees", "edits", "notified"),
    [("follow", True, False, True), ("view", True, False, False), ("edit", True, True, False)],
)
def test_collaborator_levels(cx, level, sees, edits, notified):
    rep = cx.actor("rep")
    account = cx.account(rep, name="Acme")
    other = fresh(cx.other)
    assert not Account.objects.visible_to(other).filter(pk=account.pk).exists()
    services.collaborator_set(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        member_id=cx.other_rep.pk,
        level=level,
    )
    [set_event] = events("account.collaborator_set", account)
    assert Notification.objects.filter(event=set_event, recipient_id=cx.other_rep.user_id).exists()
    other = fresh(cx.other)
    assert Account.objects.visible_to(other).filter(pk=account.pk).exists() is sees
    assert visibility.can_edit(other, account) is edits
    assert visibility.can_manage(other, account) is False
    if edits:
        update(other, account, name="Edited by collaborator")
        assert Account.objects.get(pk=account.pk).name == "Edited by collaborator"
    else:
        with pytest.raises(Forbidden):
            update(other, account, name="X")
    # a change by the owner reaches followers only
    update(rep, account, industry="零售")
    [changed] = events("account.updated", account)[-1:]
    assert (
        Notification.objects.filter(event=changed, recipient_id=cx.other_rep.user_id).exists()
        is notified
    )
    # removed: no access at all
    services.collaborator_remove(
        actor=rep, object_type="account", record_id=account.pk, member_id=cx.other_rep.pk
    )
    assert not Account.objects.visible_to(fresh(cx.other)).filter(pk=account.pk).exists()


def test_collaborator_rules(cx):
    rep = cx.actor("rep")
    account = cx.account(rep)
    with pytest.raises(Invalid) as err:
        services.collaborator_set(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            member_id=cx.other_rep.pk,
            level="admin",
        )
    assert "level" in err.value.fields
    with pytest.raises(Invalid) as err:
        services.collaborator_set(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            member_id=rep.membership.pk,
            level="view",
        )
    assert "member" in err.value.fields
    with pytest.raises(Invalid):
        services.collaborator_set(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            member_id=cx.world.member("beta", "rep").pk,
            level="view",
        )
    # setting again changes the level, one row
    for level in ("view", "edit"):
        services.collaborator_set(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            member_id=cx.other_rep.pk,
            level=level,
        )
    assert list(Collaborator.objects.values_list("level", flat=True)) == ["edit"]
    with pytest.raises(NotFound):
        services.collaborator_remove(
            actor=rep,
            object_type="account",
            record_id=account.pk,
            member_id=cx.world.member("alpha", "readonly").pk,
        )


def test_readonly_collaborator_with_edit_level_still_cannot_edit(cx):
    rep = cx.actor("rep")
    account = cx.account(rep)
    services.collaborator_set(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        member_id=cx.world.member("alpha", "readonly").pk,
        level="edit",
    )
    readonly = fresh(cx.actor("readonly"))
    assert Account.objects.visible_to(readonly).filter(pk=account.pk).exists()
    assert not visibility.can_edit(readonly, account)
    with pytest.raises(Forbidden):
        update(readonly, account, name="X")


# -- notes -------------------------------------------------------------------------------------


def test_notes_go_on_the_timeline(cx):
    rep = cx.actor("rep")
    contact = cx.contact(rep)
    event = services.note_add(
        actor=rep, object_type="contact", record_id=contact.pk, body="  Met at the fair  "
    )
    assert event.verb == "note.added"
    timeline = event_list_for_target(
        actor=rep, target_type="customers.contact", target_id=contact.pk
    )
    assert [e.verb for e in timeline] == ["note.added", "contact.created"]
    assert timeline[0].data["body"] == "Met at the fair"
    # the other rep does not see the contact, so cannot note on it nor read the note
    with pytest.raises(NotFound):
        services.note_add(actor=cx.other, object_type="contact", record_id=contact.pk, body="x")
    assert not event_list_for_target(
        actor=fresh(cx.other), target_type="customers.contact", target_id=contact.pk
    )


def test_note_rules(cx):
    rep = cx.actor("rep")
    account = cx.account(rep)
    for body in ("", "   "):
        with pytest.raises(Invalid) as err:
            services.note_add(actor=rep, object_type="account", record_id=account.pk, body=body)
        assert "body" in err.value.fields
    with pytest.raises(Invalid):
        services.note_add(actor=rep, object_type="account", record_id=account.pk, body="x" * 10_001)
    services.collaborator_set(
        actor=rep,
        object_type="account",
        record_id=account.pk,
        member_id=cx.world.member("alpha", "readonly").pk,
        level="view",
    )
    with pytest.raises(Forbidden):  # the read-only member sees it but does not write
        services.note_add(
            actor=fresh(cx.actor("readonly")),
            object_type="account",
            record_id=account.pk,
            body="hi",
        )
    assert not events("note.added")


# -- contacts on accounts ----------------------------------------------------------------------


def test_company_and_household_roles(cx):
    rep = cx.actor("rep")
    company = cx.account(rep, name="Acme", kind="company")
    household = cx.account(rep, name="王家", kind="household")
    contact = cx.contact(rep)
    link = services.account_contact_link(
        actor=rep, account_id=company.pk, contact_id=contact.pk, role="decision_maker"
    )
    assert link.role == "decision_maker"
    services.account_contact_link(
        actor=rep, account_id=household.pk, contact_id=contact.pk, role="payer"
    )
    with pytest.raises(Invalid) as err:
        services.account_contact_link(
            actor=rep, account_id=household.pk, contact_id=contact.pk, role="procurement"
        )
    assert "role" in err.value.fields
    with pytest.raises(Invalid):
        services.account_contact_link(
            actor=rep, account_id=company.pk, contact_id=contact.pk, role="registrant"
        )
    with pytest.raises(Invalid):
        services.account_contact_link(
            actor=rep, account_id=company.pk, contact_id=contact.pk, role="boss"
        )
    assert dict(AccountContact.objects.values_list("account__name", "role")) == {
        "Acme": "decision_maker",
        "王家": "payer",
    }
    # the link is changed in place, not doubled
    services.account_contact_link(
        actor=rep, account_id=company.pk, contact_id=contact.pk, role="influencer"
    )
    assert AccountContact.objects.filter(account=company).get().role == "influencer"
    [linked, relinked] = events("account.contact_linked", company)
    assert linked.data["contact_name"] == "张三" and relinked.data["role"] == "influencer"
    services.account_contact_unlink(actor=rep, account_id=company.pk, contact_id=contact.pk)
    assert not AccountContact.objects.filter(account=company).exists()
    assert len(events("account.contact_unlinked", company)) == 1
    with pytest.raises(NotFound):
        services.account_contact_unlink(actor=rep, account_id=company.pk, contact_id=contact.pk)


def test_kind_change_refused_while_links_have_roles_the_new_kind_lacks(cx):
    rep = cx.actor("rep")
    account = cx.account(rep, name="Acme", kind="company")
    boss, user = cx.contact(rep, full_name="Boss"), cx.contact(rep, full_name="User")
    services.account_contact_link(
        actor=rep, account_id=account.pk, contact_id=boss.pk, role="decision_maker"
    )
    services.account_contact_link(actor=rep, account_id=account.pk, contact_id=user.pk, role="user")
    with pytest.raises(Invalid) as err:
        update(rep, account, kind="household")
    assert "kind" in err.value.fields
    account.refresh_from_db()
    assert (account.kind, account.version) == ("company", 1)
    # once the role fits both kinds, the kind may change
    services.account_contact_link(
        actor=rep, account_id=account.pk, contact_id=boss.pk, role="other"
    )
    update(rep, account, kind="household")
    assert Account.objects.get(pk=account.pk).kind == "household"


def test_linking_needs_edit_rights_on_the_account(cx):
    admin = cx.actor("admin")
    account = cx.account(admin, name="Admin's")
    contact = cx.contact(cx.actor("rep"))
    services.collaborator_set(
        actor=admin,
        object_type="account",
        record_id=account.pk,
        member_id=cx.world.member("alpha", "rep").pk,
        level="view",
    )
    with pytest.raises(Forbidden):
        services.account_contact_link(
            actor=fresh(cx.actor("rep")),
            account_id=account.pk,
            contact_id=contact.pk,
            role="user",
        )
    assert not AccountContact.objects.exists()
