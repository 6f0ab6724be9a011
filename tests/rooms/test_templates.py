"""Room templates: admins write them per opportunity type, for when the room is created or for a
stage; they go into a room once, through the plan and files services, as the person whose action
triggered them, with their internal flags kept."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from dealroom.activity.models import ActivityEvent
from dealroom.core.errors import Forbidden, Invalid, NotFound
from dealroom.pipeline import services as pipeline_services
from dealroom.rooms import services
from dealroom.rooms.models import (
    Milestone,
    Resource,
    Room,
    RoomInvitation,
    RoomMember,
    RoomTemplate,
    RoomTemplateUse,
    Task,
    TaskKind,
)
from tests.pipeline.conftest import fresh

PLAN = {
    "milestones": [
        {
            "title": "Evaluation 评估",
            "internal": False,
            "tasks": [
                {"title": "Book the demo", "due_in_days": 3},
                {"title": "Security review", "due_in_days": -2, "description": "Their form"},
                {"title": "Approve the discount", "due_in_days": 1, "internal": True},
                {"title": "Architecture call", "kind": "meeting", "due_in_days": 5},
                {"title": "Whenever"},
            ],
        },
        {
            "title": "Deal desk",
            "internal": True,
            "tasks": [{"title": "Margin check", "due_in_days": 2}],
        },
    ],
    "resources": [
        {"title": "Brochure", "url": "https://example.com/brochure.pdf", "kind": "proposal"},
        {"title": "Price list", "url": "https://example.com/prices", "internal": True},
    ],
}
SECRETS = ("Approve the discount", "Deal desk", "Margin check", "Price list")


def make(pp, *, opp_type=None, stage=None, plan=None, name="Starter plan", **kw) -> RoomTemplate:
    return services.room_template_create(
        actor=pp.admin,
        name=name,
        opportunity_type_id=(opp_type or pp.staged).pk,
        stage_id=stage.pk if stage is not None else None,
        plan=plan or PLAN,
        **kw,
    )


def room_of(deal) -> Room:
    return Room.objects.get(opportunity=deal)


def titles(model, room) -> list[str]:
    return list(model.objects.filter(room=room).order_by("pk").values_list("title", flat=True))


def plan_of(room) -> tuple[list[str], list[str], list[str]]:
    return titles(Milestone, room), titles(Task, room), titles(Resource, room)


def at_five(days: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(17)))


# -- who may manage templates ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "rep", "readonly"])
def test_only_admins_write_templates(rm, role):
    pp = rm.pp
    template = make(pp)
    actor = pp.actor(role)
    with pytest.raises(Forbidden):
        services.room_template_create(
            actor=actor, name="X", opportunity_type_id=pp.staged.pk, plan=PLAN
        )
    with pytest.raises(Forbidden):
        services.room_template_update(
            actor=actor, template_id=template.pk, name="X", opportunity_type_id=pp.staged.pk,
            plan=PLAN,
        )  # fmt: skip
    with pytest.raises(Forbidden):
        services.room_template_delete(actor=actor, template_id=template.pk)
    assert RoomTemplate.objects.get().name == "Starter plan"


def test_another_workspace_neither_sees_nor_uses_the_templates(rm):
    pp = rm.pp
    template = make(pp)
    beta_admin = pp.world.actor("beta", "admin")
    with pytest.raises(NotFound):
        services.room_template_delete(actor=beta_admin, template_id=template.pk)
    with pytest.raises(Invalid) as refused:
        services.room_template_create(
            actor=beta_admin, name="Mine", opportunity_type_id=pp.staged.pk, plan=PLAN
        )
    assert "opportunity_type" in refused.value.fields
    assert services.room_template_list(actor=beta_admin) == []


def test_pages_are_for_admins_only(rm):
    pp = rm.pp
    template = make(pp)
    urls = [
        "/w/alpha/rooms/settings/",
        "/w/alpha/rooms/settings/templates/new/",
        f"/w/alpha/rooms/settings/templates/{template.pk}/",
    ]
    for role in ("manager", "rep", "readonly"):
        browser = Client()
        browser.force_login(pp.world.user("alpha", role))
        for url in urls:
            assert browser.get(url).status_code == 403, (role, url)
        assert browser.post(urls[2], {"name": "Taken over"}).status_code == 403
        deleted = browser.post(f"/w/alpha/rooms/settings/templates/{template.pk}/delete/")
        assert deleted.status_code == 403
    outsider = Client()
    outsider.force_login(pp.world.user("beta", "admin"))
    for url in urls:
        assert outsider.get(url).status_code == 404, url
    # An admin of another workspace, in their own workspace, reaching for this template.
    assert outsider.get(f"/w/beta/rooms/settings/templates/{template.pk}/").status_code == 404
    assert (
        outsider.post(f"/w/beta/rooms/settings/templates/{template.pk}/delete/").status_code == 404
    )
    assert RoomTemplate.objects.get().name == "Starter plan"


# -- checking what is written ----------------------------------------------------------------


def _refused(pp, **changes) -> dict[str, str]:
    values = {
        "actor": pp.admin,
        "name": "Plan",
        "opportunity_type_id": pp.staged.pk,
        "stage_id": None,
        "plan": PLAN,
        **changes,
    }
    with pytest.raises(Invalid) as refused:
        services.room_template_create(**values)
    return refused.value.fields


def test_bad_input_names_the_field_and_saves_nothing(rm):
    pp = rm.pp
    other_staged = pipeline_services.type_create(actor=pp.admin, name="Other", variant="staged")
    other_stage = pipeline_services.stage_create(
        actor=pp.admin, type_id=other_staged.pk, name="Elsewhere"
    )
    beta_type = pipeline_services.type_create(
        actor=pp.world.actor("beta", "admin"), name="Beta deals", variant="staged"
    )
    assert "name" in _refused(pp, name="  ")
    assert "name" in _refused(pp, name="x" * 121)
    assert "opportunity_type" in _refused(pp, opportunity_type_id=pp.tag.pk)  # no rooms
    assert "opportunity_type" in _refused(pp, opportunity_type_id=beta_type.pk)
    assert "opportunity_type" in _refused(pp, opportunity_type_id="nope")
    assert "stage" in _refused(pp, stage_id=other_stage.pk)
    assert "stage" in _refused(pp, opportunity_type_id=pp.simple.pk, stage_id=pp.propose.pk)

    def task(**fields):
        return {"milestones": [{"title": "M", "tasks": [{"title": "T", **fields}]}]}

    fields = _refused(pp, plan=task(title="x" * 201))
    assert list(fields) == ["milestones.0.tasks.0.title"]
    assert fields["milestones.0.tasks.0.title"].startswith("Milestone 1, task 1:")
    for days in (366, -366, "soon", True, 2.5):
        fields = _refused(pp, plan=task(due_in_days=days))
        assert list(fields) == ["milestones.0.tasks.0.due_in_days"], days
        assert "“T”" in fields["milestones.0.tasks.0.due_in_days"]
    assert list(_refused(pp, plan=task(kind="call"))) == ["milestones.0.tasks.0.kind"]
    assert list(_refused(pp, plan=task(internal="maybe"))) == ["milestones.0.tasks.0.internal"]
    no_title = {"milestones": [{"title": "", "tasks": []}]}
    assert list(_refused(pp, plan=no_title)) == ["milestones.0.title"]
    for url in ("javascript:alert(1)", "ftp://example.com/x", "example.com", ""):
        fields = _refused(pp, plan={"resources": [{"title": "Link", "url": url}]})
        assert list(fields) == ["resources.0.url"], url
        assert fields["resources.0.url"].startswith("Resource 1:")
    assert "plan" in _refused(pp, plan={})
    assert "plan" in _refused(pp, plan=["not", "a", "plan"])
    many = {"milestones": [{"title": f"M{i}"} for i in range(51)]}
    assert "milestones" in _refused(pp, plan=many)
    tasks = {"milestones": [{"title": "M", "tasks": [{"title": f"T{i}"} for i in range(501)]}]}
    assert "tasks" in _refused(pp, plan=tasks)
    links = {"resources": [{"url": f"https://example.com/{i}"} for i in range(51)]}
    assert "resources" in _refused(pp, plan=links)
    assert not RoomTemplate.objects.exists()
    assert not ActivityEvent.objects.filter(verb__startswith="room_template.").exists()
    # Limits themselves are fine.
    make(pp, plan={"milestones": [{"title": f"M{i}"} for i in range(50)]}, name="Fifty")
    make(pp, plan=task(due_in_days=-365), name="Long ago")


def test_a_refused_update_changes_nothing(rm):
    pp = rm.pp
    template = make(pp, stage=pp.propose)
    with pytest.raises(Invalid) as refused:
        services.room_template_update(
            actor=pp.admin, template_id=template.pk, name="Renamed",
            opportunity_type_id=pp.staged.pk, stage_id=pp.negotiate.pk,
            plan={"milestones": [{"title": "M", "tasks": [{"title": "T", "due_in_days": 999}]}]},
        )  # fmt: skip
    assert "milestones.0.tasks.0.due_in_days" in refused.value.fields
    template.refresh_from_db()
    assert (template.name, template.stage_id) == ("Starter plan", pp.propose.pk)
    assert template.plan["milestones"][0]["title"] == "Evaluation 评估"


# -- applying --------------------------------------------------------------------------------


def test_applied_when_the_room_of_a_staged_deal_is_created(rm):
    pp = rm.pp
    make(pp)
    deal = pp.deal(**pp.ready())
    room = room_of(deal)
    milestones, tasks, resources = plan_of(room)
    assert milestones == ["Evaluation 评估", "Deal desk"]
    assert tasks == [
        "Book the demo", "Security review", "Approve the discount", "Architecture call",
        "Whenever", "Margin check",
    ]  # fmt: skip
    assert resources == ["Brochure", "Price list"]
    got = {t.title: t for t in Task.objects.filter(room=room).select_related("milestone")}
    assert got["Book the demo"].due_at == at_five(3)
    assert got["Security review"].due_at == at_five(-2)
    assert got["Security review"].description == "Their form"
    assert got["Whenever"].due_at is None
    # A template knows no meeting times: the meeting comes as a task to schedule.
    assert got["Architecture call"].kind == TaskKind.TASK
    assert got["Architecture call"].starts_at is None
    assert got["Approve the discount"].internal and not got["Book the demo"].internal
    margin_milestone = got["Margin check"].milestone
    assert margin_milestone is not None and margin_milestone.internal
    assert Resource.objects.get(room=room, title="Brochure").kind == "proposal"
    assert Resource.objects.get(room=room, title="Price list").internal
    assert RoomTemplateUse.objects.filter(room=room).count() == 1
    # Through the services: every item is on the record, as the deal's creator.
    events = ActivityEvent.objects.filter(target_type="rooms.room", target_id=room.pk)
    assert events.filter(verb="room_task.created").count() == 6
    assert events.filter(verb="room_resource.added").count() == 2
    applied = events.get(verb="room_template.applied")
    assert applied.actor_user_id == pp.rep.user.pk and applied.audience == "record"
    assert events.filter(verb="room_task.created").exclude(actor_user=pp.rep.user).count() == 0


def test_applied_when_the_room_of_a_simple_deal_is_created_and_not_to_other_types(rm):
    pp = rm.pp
    make(pp, opp_type=pp.simple, name="Renewal kit")
    renewal = pp.deal(opp_type=pp.simple, name="Renewal 2027", amount="500")
    assert titles(Milestone, room_of(renewal)) == ["Evaluation 评估", "Deal desk"]
    staged = pp.deal(**pp.ready())
    assert plan_of(room_of(staged)) == ([], [], [])


def test_a_deal_starting_in_a_stage_gets_that_stages_templates(rm):
    pp = rm.pp
    make(pp, name="On creation", plan={"milestones": [{"title": "Kick-off"}]})
    make(pp, stage=pp.propose, name="Proposal", plan={"milestones": [{"title": "Proposal"}]})
    make(pp, stage=pp.qualify, name="Qualify", plan={"milestones": [{"title": "Qualify"}]})
    deal = pp.deal(stage=pp.propose, **pp.ready())
    assert titles(Milestone, room_of(deal)) == ["Kick-off", "Proposal"]


def test_applied_on_entering_a_stage_once_by_the_mover(rm):
    pp = rm.pp
    make(pp, stage=pp.propose, plan={"milestones": [{"title": "Proposal review"}]})
    make(pp, stage=pp.negotiate, plan={"milestones": [{"title": "Terms"}]}, is_active=False)
    room = rm.room
    assert plan_of(room) == ([], [], [])
    manager = pp.manager  # manages the owner: may move the deal; not in the room yet
    assert not RoomMember.objects.filter(room=room, membership=manager.membership).exists()
    for stage in (pp.propose, pp.qualify, pp.propose):
        pipeline_services.opportunity_move(
            actor=manager, opportunity_id=rm.deal.pk, stage_id=stage.pk
        )
    assert titles(Milestone, room) == ["Proposal review"]
    event = ActivityEvent.objects.get(verb="room_milestone.created", target_id=room.pk)
    assert event.actor_user_id == manager.user.pk
    # Taking part made the mover a member of the room.
    assert RoomMember.objects.filter(room=room, membership=manager.membership).exists()
    # An inactive template does not apply.
    for milestone in pp.negotiate.milestones.all():
        pipeline_services.milestone_set(
            actor=manager, opportunity_id=rm.deal.pk, milestone_id=milestone.pk, done=True
        )
    pipeline_services.opportunity_move(
        actor=manager, opportunity_id=rm.deal.pk, stage_id=pp.negotiate.pk
    )
    assert titles(Milestone, room) == ["Proposal review"]


def test_a_stage_template_of_another_type_does_not_apply(rm):
    pp = rm.pp
    other = pipeline_services.type_create(actor=pp.admin, name="Projects", variant="staged")
    pipeline_services.stage_create(actor=pp.admin, type_id=other.pk, name="Start")
    other_propose = pipeline_services.stage_create(actor=pp.admin, type_id=other.pk, name="Pro")
    make(pp, opp_type=other, stage=other_propose)
    make(pp, opp_type=other, name="Projects start")
    pipeline_services.opportunity_move(
        actor=pp.rep, opportunity_id=rm.deal.pk, stage_id=pp.propose.pk
    )
    assert plan_of(rm.room) == ([], [], [])
    assert plan_of(room_of(pp.deal(**pp.ready()))) == ([], [], [])
    # A template applied by hand to a room of another type is refused.
    with pytest.raises(NotFound):
        services.room_template_apply(
            actor=pp.rep, room=rm.room, template=RoomTemplate.objects.all()[0]
        )
    assert not RoomTemplateUse.objects.exists()


def test_internal_items_stay_internal_for_guests(rm, guest_client):
    pp = rm.pp
    make(pp, stage=pp.propose)
    pipeline_services.opportunity_move(
        actor=pp.rep, opportunity_id=rm.deal.pk, stage_id=pp.propose.pk
    )
    guest = rm.guest()
    seen = (
        list(Milestone.objects.visible_to(guest).values_list("title", flat=True))
        + list(Task.objects.visible_to(guest).values_list("title", flat=True))
        + list(Resource.objects.visible_to(guest).alive().values_list("title", flat=True))
    )
    assert "Book the demo" in seen and "Brochure" in seen
    assert not set(SECRETS) & set(seen)
    html = guest_client().get(rm.base("g")).content.decode()
    assert "Book the demo" in html and "Brochure" in html
    for secret in SECRETS:
        assert secret not in html
    assert "Starter plan" not in html  # the template's name is the sellers' business
    seller = Client()
    seller.force_login(pp.rep.user)
    seller_html = seller.get(rm.base("w")).content.decode()
    for secret in SECRETS:
        assert secret in seller_html


def test_the_deal_owner_applies_when_the_creator_cannot_take_part(rm):
    """A manager may hand a new deal to a rep outside their teams: they do not see its room,
    so the owner applies the room's templates — the deal is never refused over a template."""
    pp = rm.pp
    from dealroom.customers.models import CustomerSettings

    CustomerSettings.objects.create(workspace=pp.world.a, reps_see_all=True)
    make(pp, plan={"milestones": [{"title": "Kick-off"}]})
    account = pp.account(pp.other)
    deal = pp.deal(fresh(pp.manager), account=account, owner=pp.other, **pp.ready())
    room = room_of(deal)
    assert not Room.objects.visible_to(pp.manager).filter(pk=room.pk).exists()
    assert titles(Milestone, room) == ["Kick-off"]
    event = ActivityEvent.objects.get(verb="room_milestone.created", target_id=room.pk)
    assert event.actor_user_id == pp.other.user.pk


def test_deleting_a_template_leaves_its_rooms_alone(rm):
    pp = rm.pp
    template = make(pp, stage=pp.propose)
    pipeline_services.opportunity_move(
        actor=pp.rep, opportunity_id=rm.deal.pk, stage_id=pp.propose.pk
    )
    before = plan_of(rm.room)
    assert before[0]
    services.room_template_delete(actor=pp.admin, template_id=template.pk)
    assert plan_of(rm.room) == before
    assert not RoomTemplate.objects.exists() and not RoomTemplateUse.objects.exists()
    assert ActivityEvent.objects.filter(verb="room_template.deleted").exists()


def test_applying_by_hand_is_once_per_room(rm):
    pp = rm.pp
    template = make(pp, plan={"milestones": [{"title": "Once"}]})
    assert services.room_template_apply(actor=pp.rep, room=rm.room, template=template)
    assert not services.room_template_apply(actor=pp.rep, room=rm.room, template=template)
    assert titles(Milestone, rm.room) == ["Once"]


# -- the pages -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(rm) -> Client:
    browser = Client()
    browser.force_login(rm.pp.admin.user)
    return browser


NEW = "/w/alpha/rooms/settings/templates/new/"

# The editor's rows (tests/rooms/test_template_editor.py: `rows` builds the POST).
MILESTONES = [
    ("Proposal review", False, [
        {"title": "Send the proposal", "days": "1"},
        {"title": "Walk them through it", "days": "5", "description": "Bring the CFO"},
        {"title": "Pricing approval", "days": "2", "internal": True},
    ]),
    ("Internal prep", True, [{"title": "Check margin"}]),
]  # fmt: skip
LINKS = [
    {"title": "Brochure", "url": "https://example.com/b.pdf"},
    {"url": "https://example.com/faq"},
    {"title": "Prices", "url": "https://example.com/p", "internal": True},
]


def _form(pp, milestones=MILESTONES, **changes) -> dict:
    from tests.rooms.test_template_editor import rows

    return rows(pp, milestones, LINKS, **changes)


def test_the_settings_page_lists_templates_and_the_form_saves_them(rm, admin_client):
    pp = rm.pp
    page = admin_client.get("/w/alpha/rooms/settings/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="room-templates"' in html
    assert "No templates: rooms of this type start empty." in html
    assert f"{NEW}?type={pp.staged.pk}" in html
    assert f'data-testid="template-type-{pp.tag.pk}"' not in html  # tags have no rooms
    form = admin_client.get(f"{NEW}?type={pp.staged.pk}")
    assert form.status_code == 200
    form_html = form.content.decode()
    assert 'data-testid="template-task"' in form_html
    assert "dealroom/templates.js" in form_html and "<script>" not in form_html
    # Without JavaScript, "add a milestone" brings one more block and saves nothing.
    more = admin_client.post(NEW, {**_form(pp), "add": "milestone"})
    assert more.status_code == 200
    assert more.content.decode().count('data-testid="template-milestone"') == 3 + 1  # + blank
    assert not RoomTemplate.objects.exists()

    saved = admin_client.post(NEW, _form(pp))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    template = RoomTemplate.objects.get()
    assert (template.name, template.stage_id, template.is_active) == (
        "Proposal kit", pp.propose.pk, True,
    )  # fmt: skip
    assert template.plan == {
        "milestones": [
            {"title": "Proposal review", "internal": False, "tasks": [
                {"title": "Send the proposal", "description": "", "kind": "task",
                 "due_in_days": 1, "internal": False},
                {"title": "Walk them through it", "description": "Bring the CFO", "kind": "task",
                 "due_in_days": 5, "internal": False},
                {"title": "Pricing approval", "description": "", "kind": "task",
                 "due_in_days": 2, "internal": True},
            ]},
            {"title": "Internal prep", "internal": True, "tasks": [
                {"title": "Check margin", "description": "", "kind": "task",
                 "due_in_days": None, "internal": False},
            ]},
        ],
        "resources": [
            {"title": "Brochure", "url": "https://example.com/b.pdf", "kind": "link",
             "internal": False},
            {"title": "https://example.com/faq", "url": "https://example.com/faq",
             "kind": "link", "internal": False},
            {"title": "Prices", "url": "https://example.com/p", "kind": "link",
             "internal": True},
        ],
    }  # fmt: skip
    listed = admin_client.get("/w/alpha/rooms/settings/").content.decode()
    assert "Proposal kit" in listed and "When the deal enters “Propose”" in listed
    assert "4 tasks" in listed and "3 links" in listed

    edit_url = f"/w/alpha/rooms/settings/templates/{template.pk}/"
    edit_html = admin_client.get(edit_url).content.decode()
    assert 'value="Walk them through it"' in edit_html and ">Bring the CFO</textarea>" in edit_html
    assert 'value="https://example.com/p"' in edit_html
    changed = admin_client.post(
        edit_url,
        _form(pp, [MILESTONES[0][:2] + ([{"title": "Send the proposal", "days": "1"}],)],
              name="Proposal kit v2", stage="", is_active=""),
    )  # fmt: skip
    assert changed.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.stage_id, template.is_active) == (
        "Proposal kit v2", None, False,
    )  # fmt: skip
    assert [m["title"] for m in template.plan["milestones"]] == ["Proposal review"]

    assert (
        admin_client.get(f"/w/alpha/rooms/settings/templates/{template.pk}/delete/").status_code
        == 405
    )
    deleted = admin_client.post(f"/w/alpha/rooms/settings/templates/{template.pk}/delete/")
    assert deleted.status_code == 302
    assert deleted["Location"] == "/w/alpha/rooms/settings/#room-templates"
    assert not RoomTemplate.objects.exists()


# Bad input on the page: tests/rooms/test_template_editor.py.


# -- the demo --------------------------------------------------------------------------------


def test_demo_templates_leave_the_seeded_rooms_alone_and_fit_new_deals(db):
    from dealroom.customers.models import Account
    from dealroom.pipeline.models import OpportunityType, Stage
    from dealroom.rooms import demo as rooms_demo
    from dealroom.workspaces import demo

    ws = demo.seed()
    assert set(RoomTemplate.objects.filter(workspace=ws).values_list("name", flat=True)) == {
        spec["name"] for spec in rooms_demo.TEMPLATES
    }
    # Seeded after the demo deals: no seeded room got them.
    assert not RoomTemplateUse.objects.exists()
    flagship = rooms_demo._room(ws, rooms_demo.FLAGSHIP)
    assert "方案评审 Proposal review" not in titles(Milestone, flagship)
    demo.seed()
    assert RoomTemplate.objects.filter(workspace=ws).count() == len(rooms_demo.TEMPLATES)

    na = rooms_demo._member(ws, "rep2@demo.local")
    consumer = OpportunityType.objects.get(workspace=ws, name="Consumer new purchase")

    household = Account.objects.visible_to(na).filter(name__contains="household").first()
    deal = pipeline_services.opportunity_create(
        actor=na, type_id=consumer.pk, data={"name": "新车 New car", "account": household.pk}
    )
    assert titles(Milestone, room_of(deal)) == ["试驾 Test drive", "报价 Quote", "交付 Delivery"]
    assert "申请门店优惠 Ask for the showroom discount" in titles(Task, room_of(deal))

    tom = rooms_demo._member(ws, "rep1@demo.local")
    b2b = OpportunityType.objects.get(workspace=ws, name="B2B project sale")
    proposal = Stage.objects.get(type=b2b, name="Proposal")
    company = Account.objects.visible_to(tom).exclude(name__contains="household").first()
    close = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    big = pipeline_services.opportunity_create(
        actor=tom, type_id=b2b.pk, stage_id=proposal.pk,
        data={"name": "Pilot 试点", "account": company.pk, "amount": "90000", "close_date": close},
    )  # fmt: skip
    assert titles(Milestone, room_of(big)) == ["方案评审 Proposal review"]
    assert Resource.objects.get(room=room_of(big)).internal


def test_only_the_last_printed_demo_guest_link_lets_anyone_in(db):
    """`dealroom demo` prints a fresh link on every run; the ones printed before and never
    opened stop working, a link someone opened meanwhile stays theirs."""
    from dealroom.rooms import demo as rooms_demo
    from dealroom.workspaces import demo

    ws = demo.seed()

    def token(link: str) -> str:
        return link.rstrip("/").rsplit("/", 1)[1]

    opened = token(rooms_demo.guest_link(ws))
    session = services.guest_link_redeem(token=opened, ip="1.2.3.4").session
    first, second = token(rooms_demo.guest_link(ws)), token(rooms_demo.guest_link(ws))
    last = token(rooms_demo.guest_link(ws))

    assert services.invitation_by_token(first)[0] == "revoked"
    assert services.invitation_by_token(second)[0] == "revoked"
    assert services.invitation_by_token(last)[0] == "valid"
    assert services.invitation_by_token(opened)[0] == "valid"
    session.refresh_from_db()
    assert session.revoked_at is None
    flagship = rooms_demo._room(ws, rooms_demo.FLAGSHIP)
    live = RoomInvitation.objects.filter(
        room=flagship, member__contact__full_name="李华", revoked_at__isnull=True
    )
    assert live.filter(last_used_at__isnull=True).count() == 1  # the last one printed
