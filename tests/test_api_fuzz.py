"""The API keeps its own OpenAPI document (issue 20, "The API contract"): schemathesis
generates requests for every operation from the document, valid and invalid, and sends them
to the ASGI application (config.asgi, the app `dealroom serve` runs) as an admin and a rep
(bearer tokens) and as a guest (a guest browser's session). Whatever it sends: no server
error, every answer's status is one the operation documents and its body fits the documented
schema.

Bounded for the suite: FUZZ_EXAMPLES (default 12) examples per operation and reader, ids in
paths often one of the few objects that exist (random ids mostly find nothing), derandomized
so a run is repeatable. FUZZ_EXAMPLES=200 for a long hunt."""

# The fixtures are imported by name and taken as arguments (F811).
# ruff: noqa: F811

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.asgi import application
from dealroom.rooms import services as room_services
from dealroom.workspaces.services import api_token_create
from tests.rooms.conftest import cx, guest_client, pp, rm  # noqa: F401  (the fixtures)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
HOST = {"Host": "127.0.0.1"}


def _seed(rm) -> None:
    """A little of everything, so that generated ids sometimes find something."""
    room = rm.room.pk
    milestone = room_services.milestone_create(actor=rm.rep, room_id=room, title="Pilot")
    room_services.task_create(
        actor=rm.rep, room_id=room, data={"title": "Agenda", "milestone": milestone.pk}
    )
    room_services.comment_post(actor=rm.rep, room_id=room, body="Hello 你好")
    room_services.resource_link_add(actor=rm.rep, room_id=room, url="https://example.com/x")


def _readers(rm, guest_client) -> dict[str, dict]:
    readers = {}
    for name, member in (("admin", rm.pp.admin), ("rep", rm.rep)):
        _token, secret = api_token_create(user=member.user, name="fuzz")
        readers[name] = {"Authorization": f"Bearer {secret}", **HOST}
    browser = guest_client()
    browser.get(rm.base("g"))  # sets the CSRF cookie
    cookies = "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())
    readers["guest"] = {
        "Cookie": cookies,
        "X-CSRFToken": browser.cookies["csrftoken"].value,
        "Origin": "http://127.0.0.1",
        "Referer": "http://127.0.0.1/",
        **HOST,
    }
    return readers


def _who(path: str) -> list[str]:
    if path.startswith("/api/g/"):
        return ["guest"]
    if path.startswith("/api/w/"):
        return ["admin", "rep"]
    return ["admin"]


def _fuzz(operation, headers: dict):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), known=st.integers(1, 4), pick=st.booleans())
    def call(case, known, pick):
        for name in case.path_parameters or {}:
            if name == "slug":
                case.path_parameters[name] = "alpha"
            elif pick:
                case.path_parameters[name] = known
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    return call


@pytest.mark.django_db(transaction=True)
def test_every_operation_keeps_its_documented_contract(rm, guest_client):
    _seed(rm)
    readers = _readers(rm, guest_client)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", application, headers=HOST)
    failures: list[str] = []
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), [r for r in results if not isinstance(r, Ok)]
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) > 100  # the whole API, not a part of it
    for operation in operations:
        for reader in _who(operation.path):
            try:
                _fuzz(operation, readers[reader])()
            except (
                Exception,
                BaseExceptionGroup,
            ) as error:  # every operation's failure, not only the first
                first = str(error).strip().splitlines()[:12]
                failures.append(f"{operation.label} as {reader}:\n  " + "\n  ".join(first))
    assert not failures, f"{len(failures)} operations broke their contract:\n" + "\n".join(failures)
