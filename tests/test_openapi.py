"""The OpenAPI document is exact (issue 20, "The API contract"): one name for one shape, the
error answers declared on every operation, and built once per process. That each answer fits
it is tests/test_api_fuzz.py's part."""

from __future__ import annotations

import inspect
import typing

import pytest
from ninja import NinjaAPI
from pydantic import BaseModel

from config.api import ERROR_STATUSES, api

HOST = {"HTTP_HOST": "127.0.0.1"}


def _routers(router):
    yield router
    for entry in router._routers:
        yield from _routers(entry[1])


def _models(tp, found: dict[str, set]) -> None:
    for arg in typing.get_args(tp):
        _models(arg, found)
    if not (inspect.isclass(tp) and issubclass(tp, BaseModel)):
        return
    if tp.__module__ != "abc":  # ninja's own wrappers for an operation's parameters
        if tp in found.setdefault(tp.__name__, set()):
            return
        found[tp.__name__].add(tp)
    for field in tp.model_fields.values():
        _models(field.annotation, found)


def test_one_name_is_one_shape():
    """ninja names a schema by its class: two classes of one name made one endpoint
    documented with another app's shape (MemberOut, InvitationOut, MilestoneOut, TeamIn)."""
    found: dict[str, set] = {}
    routers = {id(r): r for _prefix, top in api._routers for r in _routers(top)}
    for router in routers.values():
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in [*operation.models, *(operation.response_models or {}).values()]:
                    _models(model, found)
    assert len(found) > 50
    shared = {name: [c.__module__ for c in classes] for name, classes in found.items()}
    assert {n: m for n, m in shared.items() if len(m) > 1} == {}


@pytest.mark.django_db
def test_every_operation_declares_the_errors_it_may_answer(client):
    document = client.get("/api/openapi.json", **HOST).json()
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "message", "fields"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            missing = {str(s) for s in ERROR_STATUSES} - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} does not declare {missing}"


@pytest.mark.django_db
def test_the_document_is_built_once_per_process(client, monkeypatch):
    built = []
    build = NinjaAPI.get_openapi_schema

    def counted(self, **kwargs):
        built.append(kwargs)
        return build(self, **kwargs)

    monkeypatch.setattr(NinjaAPI, "get_openapi_schema", counted)
    monkeypatch.setattr(api, "_schemas", {})
    first = client.get("/api/openapi.json", **HOST)
    second = client.get("/api/openapi.json", **HOST)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(built) == 1
