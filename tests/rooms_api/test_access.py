"""Who reaches what through the rooms API: the permission matrix (sellers of every kind,
guests of this room and of another, nobody), bearer tokens for members, no tokens and no
login for guests, and a guest changing ids — every "not yours" the same 404 as "no such"."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from dealroom.activity.models import ActivityEvent
from dealroom.rooms import services
from dealroom.rooms.models import Comment, RoomMember

from .conftest import RoomsApi

pytestmark = pytest.mark.django_db

NOT_FOUND = {"code": "not_found", "message": "Not found.", "fields": {}}

# (who, read room, read plan, post comment, manage members)
MATRIX = [
    ("rep", 200, 200, 201, 201),  # owns the deal
    ("manager", 200, 200, 201, 201),  # manages the owner's team
    ("admin", 200, 200, 201, 201),
    ("other_rep", 404, 404, 404, 404),  # outside the owner's team: no such room
    ("readonly", 404, 404, 404, 404),  # does not see the deal
    ("readonly_in_room", 200, 200, 403, 403),  # added to the room: reads, cannot write
    ("beta_admin", 404, 404, 404, 404),  # another workspace's admin
    ("guest", 200, 200, 201, None),  # no route to manage anything
    ("other_guest", 404, 404, 404, None),  # a guest of another room of the same deal owner
    ("anonymous", 401, 401, 401, 401),  # the seller side needs a login or a token
    ("anonymous_guest", 404, 404, 404, None),  # the guest side: no guest session, no room
]


def client_for(who: str, rm, seller, guest) -> RoomsApi:
    if who in ("rep", "manager", "admin", "readonly"):
        return seller(who)
    if who == "other_rep":
        return seller(user=rm.pp.other.user)
    if who == "readonly_in_room":
        readonly = rm.world.member("alpha", "readonly")
        services.room_member_add(actor=rm.rep, room_id=rm.room.pk, membership_id=readonly.pk)
        return seller("readonly")
    if who == "beta_admin":
        return seller("admin", slug="beta")
    if who == "guest":
        return guest()
    if who == "other_guest":
        return guest(room=rm.second_room())
    return RoomsApi(Client(), "g" if who == "anonymous_guest" else "w")


@pytest.mark.parametrize(("who", "read", "plan", "post", "manage"), MATRIX)
def test_permission_matrix(rm, seller, guest, who, read, plan, post, manage):
    api = client_for(who, rm, seller, guest)
    room = f"/{rm.room.pk}"
    if who == "beta_admin":
        api.slug = "alpha"  # Alpha's room through Alpha's path: not a workspace of theirs
    got = api.get(room)
    assert got.status_code == read, got.content
    if read == 200:
        assert got.json()["deal_name"] == rm.deal.name
    assert api.get(room + "/plan").status_code == plan
    before = Comment.objects.count()
    posted = api.post(room + "/comments", {"body": "Hello 你好"})
    assert posted.status_code == post, posted.content
    assert Comment.objects.count() == before + (1 if post == 201 else 0)

    other_rep = rm.pp.cx.other_rep
    added = api.post(room + "/members", {"member": other_rep.pk})
    in_room = RoomMember.objects.filter(room=rm.room, membership=other_rep).exists()
    if manage is None:  # guests: the route does not exist for them
        assert added.status_code in (404, 405)
        assert not in_room
    else:
        assert added.status_code == manage, added.content
        assert in_room is (manage == 201)
    for response in (got, posted):
        if response.status_code == 404:
            assert response.json() == NOT_FOUND


def test_beta_admin_sees_no_alpha_room_through_beta_either(rm, seller):
    beta = seller("admin", slug="beta")
    assert beta.get(f"/{rm.room.pk}").json() == NOT_FOUND
    assert beta.get().json()["items"] == []


def test_members_use_bearer_tokens(rm, seller):
    api = seller("rep", "token")
    listed = api.get()
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["items"]] == [rm.room.pk]
    posted = api.post(f"/{rm.room.pk}/comments", {"body": "From a script"})
    assert posted.status_code == 201
    assert posted.json()["author"]["name"] == rm.rep.user.full_name
    bad = RoomsApi(Client(), "w", headers={"HTTP_AUTHORIZATION": "Bearer drt_nope"})
    assert bad.get(f"/{rm.room.pk}").status_code == 401
    assert bad.get(f"/{rm.room.pk}").json()["code"] == "unauthenticated"
    # A token works in its user's workspaces only; the same token on the guest side is nobody.
    elsewhere = RoomsApi(api.client, "w", slug="beta", headers=api.headers)
    assert elsewhere.get(f"/{rm.room.pk}").json() == NOT_FOUND
    as_guest = RoomsApi(api.client, "g", headers=api.headers)
    assert as_guest.get(f"/{rm.room.pk}").json() == NOT_FOUND
    assert as_guest.post(f"/{rm.room.pk}/comments", {"body": "x"}).status_code == 404


def test_guests_need_no_login_but_the_csrf_token_for_writes(rm, guest):
    api = guest()
    room = f"/{rm.room.pk}"
    api.client.handler.enforce_csrf_checks = True  # as a real browser is held to it
    assert api.get(room).status_code == 200
    refused = api.post(room + "/comments", {"body": "no token"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    token = get_random_string(32)
    api.client.cookies["csrftoken"] = token
    api.headers = {"HTTP_X_CSRFTOKEN": token}
    assert api.post(room + "/comments", {"body": "with token"}).status_code == 201
    assert list(Comment.objects.values_list("body", flat=True)) == ["with token"]


def test_a_guest_changing_ids_finds_nothing_and_is_recorded(rm, guest):
    """The guest of the deal's room tries internal items of it, items of another room and
    another workspace: each is the same 404 as an id that never existed."""
    other_room = rm.second_room()
    hidden_ms = services.milestone_create(
        actor=rm.rep, room_id=rm.room.pk, title="Deal desk", internal=True
    )
    internal_task = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Approve discount", "internal": True}
    )
    under_hidden = services.task_create(
        actor=rm.rep, room_id=rm.room.pk, data={"title": "Margin", "milestone": hidden_ms.pk}
    )
    internal_comment = services.comment_post(
        actor=rm.rep, room_id=rm.room.pk, body="Their budget is tight", internal=True
    )
    elsewhere_task = services.task_create(
        actor=rm.rep, room_id=other_room.pk, data={"title": "Elsewhere"}
    )
    elsewhere_comment = services.comment_post(actor=rm.rep, room_id=other_room.pk, body="Else")
    api = guest()
    own, other = f"/{rm.room.pk}", f"/{other_room.pk}"
    never = 987654
    refusals = ActivityEvent.objects.filter(verb="room.access_refused").count()
    attempts = [
        api.get(other),
        api.get(other + "/plan"),
        api.get(other + "/comments"),
        api.get(other + "/members"),
        api.post(other + "/comments", {"body": "hi"}),
        api.get(f"/{never}"),
        api.get(f"{own}/tasks/{internal_task.pk}"),
        api.get(f"{own}/tasks/{under_hidden.pk}"),
        api.get(f"{own}/tasks/{elsewhere_task.pk}"),
        api.get(f"{own}/tasks/{never}"),
        api.get(f"{own}/comments", {"task": internal_task.pk}),
        api.get(f"{own}/comments", {"task": elsewhere_task.pk}),
        api.post(f"{own}/comments", {"body": "x", "task": internal_task.pk}),
        api.patch(f"{own}/tasks/{internal_task.pk}", {"title": "mine now"}),
        api.post(f"{own}/tasks/{under_hidden.pk}/status", {"status": "done"}),
        api.delete(f"{own}/tasks/{internal_task.pk}"),
        api.patch(f"{own}/milestones/{hidden_ms.pk}", {"title": "x"}),
        api.delete(f"{own}/milestones/{hidden_ms.pk}"),
        api.patch(f"{own}/comments/{internal_comment.pk}", {"body": "x"}),
        api.delete(f"{own}/comments/{internal_comment.pk}"),
        api.patch(f"{own}/comments/{elsewhere_comment.pk}", {"body": "x"}),
        api.patch(f"{own}/comments/{never}", {"body": "x"}),
    ]
    for response in attempts:
        assert response.status_code == 404, (response.request["PATH_INFO"], response.content)
        assert response.json() == NOT_FOUND
    # Another workspace: no guest session there, nothing there.
    beta = RoomsApi(api.client, "g", slug="beta")
    assert beta.get(own).json() == NOT_FOUND
    # Nothing changed, and every refusal is on the record.
    internal_task.refresh_from_db()
    internal_comment.refresh_from_db()
    assert internal_task.title == "Approve discount" and internal_comment.deleted_at is None
    assert ActivityEvent.objects.filter(verb="room.access_refused").count() >= refusals + 20
    # Reordering cannot name hidden tasks either (the service: the plan changed meanwhile).
    reorder = api.post(f"{own}/tasks/order", {"milestone": None, "ids": [internal_task.pk]})
    assert reorder.status_code == 400


def test_a_guest_cannot_make_anything_internal_nor_change_others_comments(rm, guest):
    seller_comment = services.comment_post(actor=rm.rep, room_id=rm.room.pk, body="Welcome")
    api = guest()
    room = f"/{rm.room.pk}"
    internal = api.post(room + "/comments", {"body": "psst", "internal": True})
    assert internal.status_code == 403
    assert api.post(room + "/tasks", {"title": "T", "internal": True}).status_code == 403
    edit = api.patch(f"{room}/comments/{seller_comment.pk}", {"body": "changed"})
    assert edit.status_code == 403 and edit.json()["code"] == "forbidden"
    seller_comment.refresh_from_db()
    assert seller_comment.body == "Welcome"
    assert Comment.objects.filter(body="psst").count() == 0


def test_removed_or_revoked_guests_lose_the_api_at_once(rm, guest, seller):
    api = guest()
    room = f"/{rm.room.pk}"
    assert api.get(room).status_code == 200
    me = api.get(room).json()["me"]
    assert seller("rep").delete(f"{room}/members/{me}").status_code == 204
    assert api.get(room).json() == NOT_FOUND
    assert api.get().json() == NOT_FOUND  # in no room of the workspace any more


def test_a_seller_changing_ids_finds_nothing_either(rm, seller):
    """The other rep has a room of their own; the deal owner's room and its items are not
    found through it, nor through the owner's room from a room they cannot see."""
    theirs = rm.pp.deal(rm.pp.other, name="Other's deal", **rm.pp.ready())
    their_room = theirs.room
    their_task = services.task_create(actor=rm.pp.other, room_id=their_room.pk, data={"title": "T"})
    their_comment = services.comment_post(actor=rm.pp.other, room_id=their_room.pk, body="c")
    my_task = services.task_create(actor=rm.rep, room_id=rm.room.pk, data={"title": "Mine"})
    api = seller(user=rm.pp.other.user)
    own, owners = f"/{their_room.pk}", f"/{rm.room.pk}"
    assert api.get(own).status_code == 200
    for response in (
        api.get(f"{own}/tasks/{my_task.pk}"),
        api.patch(f"{own}/tasks/{my_task.pk}", {"title": "x"}),
        api.get(f"{owners}/tasks/{their_task.pk}"),
        api.get(f"{owners}/comments"),
        api.patch(f"{owners}/comments/{their_comment.pk}", {"body": "x"}),
        api.put(f"{owners}/settings", {"shared_fields": ["amount"]}),
        api.post(f"{owners}/invitations", {"email": "x@customer.test"}),
    ):
        assert response.status_code == 404, response.content
        assert response.json() == NOT_FOUND
    my_task.refresh_from_db()
    assert my_task.title == "Mine"
