"""Who sees and who edits which customer record: roles × rules × objects, the record events
that follow the same rules, field permissions, and workspace isolation.

The team tree (tests/customers/conftest.py): the alpha manager manages team East, which holds
the alpha rep; `other` is a rep outside any team. Every check uses a fresh actor, as each
request does (actors memoise their scope and field rules)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dealroom.activity.models import ActivityEvent
from dealroom.activity.selectors import event_list, event_list_for_target
from dealroom.core.actors import Member, System
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.customers import search, services, visibility
from dealroom.customers.fields import fields_for
from dealroom.customers.models import Account, Contact, Lead
from dealroom.customers.services.records import record_get_for_write
from dealroom.workspaces.models import Membership, Team, Territory

ROLES = ("admin", "manager", "rep", "readonly", "other")


def fresh(actor: Member) -> Member:
    return Member(
        Membership.objects.select_related("user", "workspace").get(pk=actor.membership.pk)
    )


def actors(cx) -> dict[str, Member]:
    out = {role: fresh(cx.actor(role)) for role in ROLES if role != "other"}
    out["other"] = fresh(cx.other)
    return out


def matrix(cx, record) -> dict[str, str]:
    """role → "se" (sees, edits), "s-" (sees only) or "--" (neither)."""
    model = type(record)
    out = {}
    for role, actor in actors(cx).items():
        sees = model.objects.visible_to(actor).filter(pk=record.pk).exists()
        # List pages ask in another query shape; both must give the same answer.
        listed = model.objects.visible_to(actor, listing=True).filter(pk=record.pk).exists()
        assert listed == sees, (role, "list and record visibility disagree")
        edits = visibility.can_edit(actor, record)
        out[role] = ("s" if sees else "-") + ("e" if edits else "-")
    return out


def expect(**roles: str) -> dict[str, str]:
    """Roles not named neither see nor edit."""
    return {role: roles.get(role, "--") for role in ROLES}


def make(cx, object_type: str, owner: Member, **data):
    if object_type == "account":
        return cx.account(owner, **data)
    if object_type == "contact":
        for territory_field in ("region", "industry", "product"):
            data.pop(territory_field, None)
        return cx.contact(owner, **data)
    return cx.lead(owner, **data)


def collaborate(cx, record, member: Membership, level: str) -> None:
    services.collaborator_set(
        actor=cx.actor("admin"),
        object_type=visibility.object_type_of(record),
        record_id=record.pk,
        member_id=member.pk,
        level=level,
    )


def territory(cx, kind: str, values: list[str], *members: Membership) -> Territory:
    t = Territory.objects.create(
        workspace=cx.world.a, name=f"{kind} {'/'.join(values)}", kind=kind, values=values
    )
    t.members.add(*members)
    return t


# -- the matrix --------------------------------------------------------------------------------

OWNER_RULES: dict[str, tuple[Callable, dict[str, str]]] = {
    "owned by the rep (manager above them)": (
        lambda cx, ot: make(cx, ot, cx.actor("rep")),
        expect(admin="se", manager="se", rep="se"),
    ),
    "owned by a rep outside the manager's teams": (
        lambda cx, ot: make(cx, ot, cx.other),
        expect(admin="se", other="se"),
    ),
    "owned by the manager (a rep does not see up)": (
        lambda cx, ot: make(cx, ot, cx.actor("manager")),
        expect(admin="se", manager="se"),
    ),
    "owned by the admin": (
        lambda cx, ot: make(cx, ot, cx.actor("admin")),
        expect(admin="se"),
    ),
    "follow collaborator": (
        lambda cx, ot: _with_collaborator(cx, ot, "follow"),
        expect(admin="se", manager="se", rep="se", other="s-"),
    ),
    "view collaborator": (
        lambda cx, ot: _with_collaborator(cx, ot, "view"),
        expect(admin="se", manager="se", rep="se", other="s-"),
    ),
    "edit collaborator": (
        lambda cx, ot: _with_collaborator(cx, ot, "edit"),
        expect(admin="se", manager="se", rep="se", other="se"),
    ),
    "read-only member as edit collaborator": (
        lambda cx, ot: _with_collaborator(cx, ot, "edit", cx.world.member("alpha", "readonly")),
        expect(admin="se", manager="se", rep="se", readonly="s-"),
    ),
    "reps see all (rep's record)": (
        lambda cx, ot: _reps_see_all(cx, make(cx, ot, cx.actor("rep"))),
        expect(admin="se", manager="se", rep="se", readonly="s-", other="s-"),
    ),
    "reps see all (admin's record)": (
        lambda cx, ot: _reps_see_all(cx, make(cx, ot, cx.actor("admin"))),
        expect(admin="se", manager="s-", rep="s-", readonly="s-", other="s-"),
    ),
    "nested team below the manager's": (
        lambda cx, ot: _nested_team(cx, make(cx, ot, cx.other)),
        expect(admin="se", manager="se", other="se"),
    ),
}


def _with_collaborator(cx, object_type, level, member=None):
    record = make(cx, object_type, cx.actor("rep"))
    collaborate(cx, record, member or cx.other_rep, level)
    return record


def _reps_see_all(cx, record):
    services.customer_settings_update(actor=cx.actor("admin"), reps_see_all=True)
    return record


def _nested_team(cx, record):
    east = Team.objects.get(name="East")
    sub = Team.objects.create(workspace=cx.world.a, name="East / Shanghai", parent=east)
    cx.other_rep.team = sub
    cx.other_rep.save()
    return record


@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
@pytest.mark.parametrize("rule", list(OWNER_RULES))
def test_owner_team_collaborator_and_setting_rules(cx, object_type, rule):
    build, expected = OWNER_RULES[rule]
    record = build(cx, object_type)
    assert matrix(cx, record) == expected


TERRITORY_DATA = {
    "region": ("华东", "华北"),
    "industry": ("制造业", "零售"),
    "product": ("ERP", "CRM"),
}


@pytest.mark.parametrize("object_type", ["account", "lead"])
@pytest.mark.parametrize("kind", list(TERRITORY_DATA))
def test_territory_members_see_but_do_not_edit(cx, object_type, kind):
    inside, outside = TERRITORY_DATA[kind]
    territory(cx, kind, [inside, "unused"], cx.other_rep)
    rep = cx.actor("rep")
    matching = make(cx, object_type, rep, **{kind: inside})
    elsewhere = make(cx, object_type, rep, **{kind: outside})
    unset = make(cx, object_type, rep)
    assert matrix(cx, matching) == expect(admin="se", manager="se", rep="se", other="s-")
    owner_only = expect(admin="se", manager="se", rep="se")
    assert matrix(cx, elsewhere) == owner_only
    assert matrix(cx, unset) == owner_only


def test_territory_of_another_kind_does_not_match(cx):
    territory(cx, "industry", ["华东"], cx.other_rep)  # a region's name in an industry territory
    account = cx.account(cx.actor("rep"), region="华东")
    assert matrix(cx, account)["other"] == "--"


def test_empty_territory_values_match_nothing(cx):
    territory(cx, "region", ["", "华东"], cx.other_rep)
    account = cx.account(cx.actor("rep"))  # region ""
    assert matrix(cx, account)["other"] == "--"


def test_contacts_are_seen_through_a_visible_account(cx):
    admin = cx.actor("admin")
    account = cx.account(cx.actor("rep"), name="Rep's account")
    contact = cx.contact(admin, full_name="Admin's contact")
    assert matrix(cx, contact) == expect(admin="se")
    services.account_contact_link(
        actor=admin, account_id=account.pk, contact_id=contact.pk, role="user"
    )
    # seen by whoever sees the account; edited only by whoever may edit the contact
    assert matrix(cx, contact) == expect(admin="se", manager="s-", rep="s-")


def test_contacts_follow_their_account_to_its_new_owner(cx):
    """Links keep a copy of the account's owner (contact lists read it); changing the
    account's owner must move its contacts along, in lists, record checks and search."""
    admin = cx.actor("admin")
    account = cx.account(cx.actor("rep"), name="Moving account")
    contact = cx.contact(admin, full_name="Linked person")
    services.account_contact_link(
        actor=admin, account_id=account.pk, contact_id=contact.pk, role="user"
    )
    assert matrix(cx, contact) == expect(admin="se", manager="s-", rep="s-")
    services.record_owner_change(
        actor=admin, object_type="account", record_id=account.pk, owner_id=cx.other_rep.pk
    )
    assert matrix(cx, contact) == expect(admin="se", other="s-")
    found = search.search(actor=fresh(cx.other), query="Linked person")
    assert [c.pk for c in found["contact"]] == [contact.pk]
    assert search.search(actor=fresh(cx.actor("rep")), query="Linked person")["contact"] == []


def test_contacts_are_seen_through_an_account_one_collaborates_on(cx):
    admin = cx.actor("admin")
    account = cx.account(admin, name="Admin's account")
    contact = cx.contact(admin, full_name="Admin's contact")
    services.account_contact_link(
        actor=admin, account_id=account.pk, contact_id=contact.pk, role="user"
    )
    assert matrix(cx, contact) == expect(admin="se")
    collaborate(cx, account, cx.other_rep, "follow")
    assert matrix(cx, contact) == expect(admin="se", other="s-")


def test_contacts_are_seen_through_an_account_in_a_territory(cx):
    admin = cx.actor("admin")
    territory(cx, "region", ["华东"], cx.other_rep)
    account = cx.account(admin, region="华东")
    contact = cx.contact(admin)
    # contacts themselves have no region: the territory reaches them only through accounts
    assert matrix(cx, contact) == expect(admin="se")
    services.account_contact_link(
        actor=admin, account_id=account.pk, contact_id=contact.pk, role="user"
    )
    assert matrix(cx, contact) == expect(admin="se", other="s-")


def test_pool_leads_are_seen_by_every_member(cx):
    lead = cx.lead(cx.actor("admin"), owner_id="")
    assert lead.owner_id is None
    assert matrix(cx, lead) == expect(admin="se", manager="s-", rep="s-", readonly="s-", other="s-")


def test_system_actor_sees_its_workspace_only(cx):
    account = cx.account(cx.actor("rep"))
    assert Account.objects.visible_to(System(workspace=cx.world.a)).filter(pk=account.pk).exists()
    assert not Account.objects.visible_to(System(workspace=cx.world.b)).exists()
    assert visibility.can_edit(System(workspace=cx.world.a), account)


@pytest.mark.parametrize("reps_see_all", [False, True])
def test_another_workspace_sees_nothing(cx, reps_see_all):
    a = {role: cx.actor(role) for role in ("admin", "rep")}
    account = cx.account(a["rep"], region="华东")
    contact = cx.contact(a["rep"])
    lead = cx.lead(a["rep"], region="华东")
    pool = cx.lead(a["admin"], owner_id="")
    services.account_contact_link(
        actor=a["rep"], account_id=account.pk, contact_id=contact.pk, role="user"
    )
    b_admin = cx.actor("admin", "beta")
    # the same settings and territory values in B must not reach A
    services.customer_settings_update(actor=b_admin, reps_see_all=reps_see_all)
    services.customer_settings_update(actor=a["admin"], reps_see_all=reps_see_all)
    t = Territory.objects.create(workspace=cx.world.b, name="East", kind="region", values=["华东"])
    t.members.add(*Membership.objects.filter(workspace=cx.world.b))
    for role in ("admin", "manager", "rep", "readonly"):
        actor = fresh(cx.actor(role, "beta"))
        assert not Account.objects.visible_to(actor).exists()
        assert not Contact.objects.visible_to(actor).exists()
        assert not Lead.objects.visible_to(actor).exists()
        for record in (account, contact, lead, pool):
            assert not visibility.can_edit(actor, record)
            assert not visibility.can_manage(actor, record)
            with pytest.raises(NotFound):
                record_get_for_write(
                    actor=actor,
                    object_type=visibility.object_type_of(record),
                    record_id=record.pk,
                )
        # (a read-only member is refused before the lead is even looked up)
        with pytest.raises(Forbidden if role == "readonly" else NotFound):
            services.lead_claim(actor=actor, lead_id=pool.pk)
        assert not [e for e in event_list(actor=actor) if e.workspace_id == cx.world.a.pk]
    assert Lead.objects.get(pk=pool.pk).owner_id is None


# -- record events -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [("admin", True), ("manager", True), ("rep", True), ("readonly", False), ("other", False)],
)
def test_record_events_are_seen_by_those_who_see_the_record(cx, role, sees):
    rep = cx.actor("rep")
    account = cx.account(rep, name="Secret Deal")
    services.note_add(actor=rep, object_type="account", record_id=account.pk, body="private")
    actor = actors(cx)[role]
    listed = {(e.verb, e.target_id) for e in event_list(actor=actor)}
    expected = {("account.created", account.pk), ("note.added", account.pk)}
    assert (expected <= listed) is sees
    assert not (expected & listed) or sees
    timeline = event_list_for_target(
        actor=actor, target_type="customers.account", target_id=account.pk
    )
    assert bool(timeline) is sees


def test_record_events_follow_visibility_changes(cx):
    rep = cx.actor("rep")
    account = cx.account(rep, region="华东")

    def other_sees() -> bool:
        return any(e.target_id == account.pk for e in event_list(actor=fresh(cx.other)))

    assert not other_sees()
    territory(cx, "region", ["华东"], cx.other_rep)
    assert other_sees()
    assert not any(
        e.target_id == account.pk for e in event_list(actor=fresh(cx.actor("admin", "beta")))
    )


# -- field permissions -------------------------------------------------------------------------


def hide(cx, object_type: str, field: str, role: str = "rep", access: str = "hidden") -> None:
    services.field_permission_set(
        actor=cx.actor("admin"), object_type=object_type, field=field, role=role, access=access
    )


def changed_fields(events, verb: str) -> list[str]:
    return [c["field"] for e in events if e.verb == verb for c in e.data["changes"]]


def test_hidden_field_changes_leave_the_timeline_for_that_role(cx):
    rep = cx.actor("rep")
    contact = cx.contact(rep, phones=["13812345678"])
    hide(cx, "contact", "phones")
    services.record_update(
        actor=cx.actor("admin"),
        object_type="contact",
        record_id=contact.pk,
        version=1,
        data={"phones": "13900000000", "title": "CTO"},
    )
    for role, expected in (
        ("rep", ["title"]),
        ("manager", ["phones", "title"]),
        ("admin", ["phones", "title"]),
    ):
        actor = actors(cx)[role]
        assert sorted(changed_fields(event_list(actor=actor), "contact.updated")) == expected
        timeline = event_list_for_target(
            actor=actor, target_type="customers.contact", target_id=contact.pk
        )
        assert sorted(changed_fields(timeline, "contact.updated")) == expected
    # nothing in the rep's copy carries the number
    rep_events = event_list(actor=fresh(rep))
    assert "13900000000" not in repr([e.data for e in rep_events])
    # the stored event itself is untouched (audit)
    stored = ActivityEvent.objects.get(verb="contact.updated")
    assert sorted(c["field"] for c in stored.data["changes"]) == ["phones", "title"]
    # the field is gone from the rep's catalogue too
    assert "phones" not in {f.name for f in fields_for(fresh(rep), "contact")}
    assert "phones" in {f.name for f in fields_for(fresh(cx.actor("manager")), "contact")}


def test_hidden_custom_field_changes_leave_the_timeline(cx):
    admin = cx.actor("admin")
    services.custom_field_create(actor=admin, object_type="account", label="Budget", kind="money")
    account = cx.account(cx.actor("rep"), name="Acme")
    hide(cx, "account", "custom.budget")
    services.record_update(
        actor=fresh(admin),
        object_type="account",
        record_id=account.pk,
        version=1,
        data={"custom.budget": "5000000", "industry": "零售"},
    )
    rep = fresh(cx.actor("rep"))
    assert changed_fields(event_list(actor=rep), "account.updated") == ["industry"]
    assert changed_fields(event_list(actor=fresh(admin)), "account.updated") == [
        "custom.budget",
        "industry",
    ]


def test_lifting_a_restriction_shows_the_field_again(cx):
    contact = cx.contact(cx.actor("rep"))
    hide(cx, "contact", "title")
    services.record_update(
        actor=cx.actor("admin"),
        object_type="contact",
        record_id=contact.pk,
        version=1,
        data={"title": "CFO"},
    )
    assert changed_fields(event_list(actor=fresh(cx.actor("rep"))), "contact.updated") == []
    hide(cx, "contact", "title", access="")
    assert changed_fields(event_list(actor=fresh(cx.actor("rep"))), "contact.updated") == ["title"]


@pytest.mark.parametrize("access", ["hidden", "readonly"])
def test_rep_cannot_change_a_restricted_field(cx, access):
    rep = cx.actor("rep")
    contact = cx.contact(rep, title="Engineer", phones=["13812345678"])
    hide(cx, "contact", "title", access=access)
    rep = fresh(rep)
    for data in ({"title": "CEO"}, {"title": "CEO", "full_name": "张三丰"}, {"title": ""}):
        with pytest.raises(Forbidden) as err:
            services.record_update(
                actor=rep, object_type="contact", record_id=contact.pk, version=1, data=data
            )
        assert set(err.value.fields) == {"title"}
    contact.refresh_from_db()
    assert (contact.title, contact.full_name, contact.version) == ("Engineer", "张三", 1)
    assert not ActivityEvent.objects.filter(verb="contact.updated").exists()
    # nor set it on a new record
    with pytest.raises(Forbidden):
        cx.contact(rep, full_name="李四", title="CEO")
    assert Contact.objects.count() == 1
    # the manager's role is not restricted, and admins never are
    for actor in (fresh(cx.actor("manager")), fresh(cx.actor("admin"))):
        services.record_update(
            actor=actor,
            object_type="contact",
            record_id=contact.pk,
            version=Contact.objects.get(pk=contact.pk).version,
            data={"title": f"by {actor.role}"},
        )
    assert Contact.objects.get(pk=contact.pk).title == "by admin"


def test_readonly_field_may_be_resubmitted_unchanged(cx):
    rep = cx.actor("rep")
    contact = cx.contact(rep, title="Engineer")
    hide(cx, "contact", "title", access="readonly")
    services.record_update(
        actor=fresh(rep),
        object_type="contact",
        record_id=contact.pk,
        version=1,
        data={"title": "Engineer", "qq": "12345"},
    )
    contact.refresh_from_db()
    assert (contact.title, contact.qq, contact.version) == ("Engineer", "12345", 2)


def test_hidden_field_cannot_be_probed_by_submitting_its_value(cx):
    """Submitting a hidden field is refused whatever the value: were the current value
    accepted silently, a rep could guess it one try at a time."""
    rep = cx.actor("rep")
    contact = cx.contact(rep, phones=["13812345678"])
    hide(cx, "contact", "phones")
    rep = fresh(rep)
    for guess in ("13900000000", "13812345678"):
        with pytest.raises(Forbidden) as err:
            services.record_update(
                actor=rep,
                object_type="contact",
                record_id=contact.pk,
                version=1,
                data={"phones": guess},
            )
        assert set(err.value.fields) == {"phones"}
    assert Contact.objects.get(pk=contact.pk).version == 1


def test_conflict_message_leaves_out_hidden_fields(cx):
    rep = cx.actor("rep")
    contact = cx.contact(rep)
    hide(cx, "contact", "qq")
    services.record_update(
        actor=cx.actor("admin"),
        object_type="contact",
        record_id=contact.pk,
        version=1,
        data={"qq": "987654321", "title": "CTO"},
    )
    from dealroom.core.errors import Conflict

    with pytest.raises(Conflict) as err:
        services.record_update(
            actor=fresh(rep),
            object_type="contact",
            record_id=contact.pk,
            version=1,
            data={"notes": "x"},
        )
    assert "987654321" not in str(err.value.message)
    assert "CTO" in str(err.value.message)
    assert set(err.value.fields) == {"title"}


def test_admins_are_never_restricted(cx):
    with pytest.raises(Invalid) as err:
        hide(cx, "contact", "phones", role="admin")
    assert "role" in err.value.fields
    with pytest.raises(Invalid):
        hide(cx, "contact", "no_such_field")
    with pytest.raises(Forbidden):
        services.field_permission_set(
            actor=cx.actor("manager"),
            object_type="contact",
            field="phones",
            role="rep",
            access="hidden",
        )
    for role in ("manager", "rep", "readonly"):
        hide(cx, "contact", "phones", role=role)
    admin = fresh(cx.actor("admin"))
    assert "phones" in {f.name for f in fields_for(admin, "contact")}
    contact = cx.contact(admin, phones=["13812345678"])
    assert Contact.objects.get(pk=contact.pk).phones == ["+8613812345678"]
