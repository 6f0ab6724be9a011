"""Bad input to the API is a 400 naming the field, never a 500: integers beyond what a 64-bit
database column holds (every list's paging, every id in a path, every integer of a body), as
a read-only member can send them; and an unexpected error is still answered in JSON."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client

from config.api import api
from dealroom.workspaces.models import Team
from tests.customers.conftest import cx  # noqa: F401  (the fixtures below build on it)
from tests.pipeline.conftest import pp  # noqa: F401
from tests.rooms.conftest import rm  # noqa: F401

HUGE = "99999999999999999999999"
INT64 = (-(2**63), 2**63 - 1)
PAGING = {"limit", "offset", "before", "page"}


def operations() -> Iterator[tuple[str, str, dict]]:
    """(method, path, operation) of every operation the API documents."""
    for path, ops in api.get_openapi_schema()["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def fill(path: str, **values) -> str:
    """A documented path with its parameters filled in (1 for any id not given)."""
    return re.sub(r"{(\w+)}", lambda m: str(values.get(m.group(1), 1)), path)


def send(client: Client, method: str, url: str, params: dict | None = None):
    if method == "get":
        return client.get(url, params or {})
    return getattr(client, method)(url, data="{}", content_type="application/json")


def refused(response, field: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid" and body["message"], body
    assert body["fields"].get(field), body


@pytest.fixture
def readonly(rm) -> Client:  # noqa: F811
    client = Client()
    client.force_login(rm.world.user("alpha", "readonly"))
    return client


def test_every_list_refuses_paging_beyond_64_bits(rm, readonly):  # noqa: F811
    lists = [
        (path, p["name"])
        for method, path, op in operations()
        if method == "get"
        for p in op.get("parameters", [])
        if p["in"] == "query" and p["name"] in PAGING
    ]
    assert len({path for path, _name in lists}) >= 15  # members … deals, rooms, comments
    for path, name in lists:
        url = fill(path, slug="alpha", room_id=rm.room.pk)
        refused(readonly.get(url, {name: HUGE}), name)


def test_every_id_in_a_path_beyond_64_bits_is_refused(rm, readonly):  # noqa: F811
    checked = 0
    for method, path, op in operations():
        for p in op.get("parameters", []):
            if p["in"] == "path" and p["name"] != "slug":
                url = fill(path, **{"slug": "alpha", "room_id": rm.room.pk, p["name"]: HUGE})
                refused(send(readonly, method, url), p["name"])
                checked += 1
    assert checked > 100


def _integers(schema: dict, components: dict, where: str) -> Iterator[tuple[str, dict]]:
    """(where, schema) of every integer in a JSON schema: properties, items, anyOf, $ref."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield from _integers(components[name], components, where)
        return
    types = schema.get("type")
    if types == "integer" or (isinstance(types, list) and "integer" in types):
        yield where, schema
    for option in schema.get("anyOf", []):
        yield from _integers(option, components, where)
    if "items" in schema:
        yield from _integers(schema["items"], components, f"{where}[]")
    for name, prop in (schema.get("properties") or {}).items():
        yield from _integers(prop, components, f"{where}.{name}")


def test_every_integer_the_api_takes_is_bounded_to_64_bits():
    """What ninja checks is what the schema says: an integer without these bounds would take
    any size and fail in the database."""
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    unbounded = []
    for method, path, op in operations():
        found = [
            (f"{p['in']} {p['name']}", p["schema"])
            for p in op.get("parameters", [])
            if p["schema"].get("type") == "integer"
        ]
        for media in (op.get("requestBody") or {}).get("content", {}).values():
            found += list(_integers(media["schema"], components, "body"))
        for where, integer in found:
            if "enum" not in integer and not (
                INT64[0] <= integer.get("minimum", INT64[0] - 1)
                and integer.get("maximum", INT64[1] + 1) <= INT64[1]
            ):
                unbounded.append(f"{method} {path}: {where}")
    assert not unbounded, "\n".join(unbounded)


@pytest.mark.parametrize("member_ids", ["[1e30]", f"[{HUGE}]"])
def test_territory_member_ids_beyond_64_bits(rm, member_ids):  # noqa: F811
    admin = Client()
    admin.force_login(rm.world.user("alpha", "admin"))
    body = '{"name": "East", "kind": "region", "values": ["Shanghai"], "member_ids": %s}'
    response = admin.post(
        "/api/w/alpha/territories", data=body % member_ids, content_type="application/json"
    )
    refused(response, "member_ids.0")


def test_notification_ids_beyond_64_bits(rm, readonly):  # noqa: F811
    response = readonly.post(
        "/api/w/alpha/notifications/read",
        data=json.dumps({"ids": [int(HUGE)]}),
        content_type="application/json",
    )
    refused(response, "ids.0")


def test_an_unexpected_error_is_json_and_logged(rm, readonly, monkeypatch, caplog):  # noqa: F811
    from dealroom.workspaces import selectors

    def broken(**kwargs):
        raise RuntimeError("the secret internals")

    monkeypatch.setattr(selectors, "team_list", broken)
    with caplog.at_level(logging.ERROR):
        response = readonly.get("/api/w/alpha/teams")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error" and body["message"] and body["fields"] == {}
    assert "internals" not in response.content.decode()
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert logged, "the traceback is logged"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Http404, 404, "not_found"),
        (PermissionDenied, 403, "forbidden"),
        (SuspiciousOperation, 400, "invalid"),
    ],
)
def test_django_errors_inside_the_api_have_the_api_shape(
    rm,  # noqa: F811
    readonly,
    monkeypatch,
    error,
    status,
    code,
):
    """Django's own exceptions keep Django's status (not a 500) in the API's shape."""
    from dealroom.workspaces import selectors

    def failing(**kwargs):
        raise error("internals")

    monkeypatch.setattr(selectors, "team_list", failing)
    response = readonly.get("/api/w/alpha/teams")
    assert response.status_code == status
    assert response.json()["code"] == code and "internals" not in response.content.decode()
    if error is Http404:  # exactly as our own "not found"
        assert response.json() == readonly.get("/api/w/alpha/teams/987654").json()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/w/alpha/teams", {"name": "Team\x00A"}),
        ("post", "/api/w/alpha/accounts", {"name": "Acme", "tags": ["ok", "bad\x00"]}),
        ("get", "/api/w/alpha/contacts?q=wang%00", None),
    ],
)
def test_text_with_a_nul_character_is_refused_naming_the_field(rm, method, path, body):  # noqa: F811
    """PostgreSQL cannot store NUL in text: such input failed there, a 500 (found by the
    fuzzer on PostgreSQL)."""
    client = Client()
    client.force_login(rm.world.user("alpha", "admin"))
    if body is None:
        response = client.get(path)
    else:
        response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"], response.json()


def test_a_page_form_with_a_nul_character_is_refused(rm):  # noqa: F811
    client = Client()
    client.force_login(rm.world.user("alpha", "admin"))
    before = Team.objects.count()
    response = client.post("/w/alpha/teams/", {"name": "Team\x00A"})
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode()
    assert Team.objects.count() == before


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/w/alpha/nothing-here", "/api/w/alpha/contacts/x/y"]
)
def test_a_path_no_operation_answers_is_a_json_404(rm, path):  # noqa: F811
    """API errors are always JSON, also where no operation answers; pages keep their page."""
    client = Client()
    client.force_login(rm.world.user("alpha", "admin"))
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    page = client.get("/w/alpha/nothing-here/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_server_error_outside_the_api_operations_is_json_under_api(rf):
    from config.api import server_error_view

    response = server_error_view(rf.get("/api/w/alpha/contacts"))
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
    assert server_error_view(rf.get("/w/alpha/"))["Content-Type"].startswith("text/html")
