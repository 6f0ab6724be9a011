"""The one NinjaAPI. Auth turns a request into a user (bearer token or session); each
endpoint turns the user plus the workspace in its path into an actor. Domain errors,
validation errors and anything unexpected become JSON {code, message, fields}."""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from dealroom.core.errors import DomainError, Forbidden, Invalid, NotFound
from dealroom.workspaces.services import api_token_authenticate

logger = logging.getLogger(__name__)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


# Every error answers {code, message, fields[, details]} (core/errors.py); these are the
# statuses any operation may answer besides its own, documented on each of them.
ERROR_STATUSES = {
    400: "Invalid input: `fields` names each field that is wrong.",
    401: "No session and no valid API token.",
    403: "Not allowed for your role.",
    404: "No such object, or not one you may see (the two look the same).",
    409: "Someone changed it meanwhile, or it is in a state that forbids this.",
    429: "Too many attempts; wait and try again.",
}
ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "details": {"type": "object"},
    },
}


class DealroomAPI(NinjaAPI):
    """The OpenAPI document is built once per process and language (it took ~0.6-1 s per
    request), with the error answers every operation may give declared on each."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._schemas: dict = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        key = (path_prefix, tuple(sorted((path_params or {}).items())), get_language())
        if key not in self._schemas:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            schema["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
            error = {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            }
            for operations in schema["paths"].values():
                for operation in operations.values():
                    for status, description in ERROR_STATUSES.items():
                        operation["responses"].setdefault(
                            str(status), {"description": description, **error}
                        )
            self._schemas[key] = schema
        return self._schemas[key]


api = DealroomAPI(
    title="Dealroom API",
    version="1",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _field_message(err: dict) -> str:
    """Pydantic's message for one field in the reader's language: the kinds of error the
    API's schemas raise are said in our own words, others keep pydantic's (English) text."""
    kind = err.get("type", "")
    if kind == "missing":
        return _("This field is required.")
    if kind in ("less_than", "less_than_equal", "int_parsing_size"):
        return _("This number is too large.")
    if kind in ("greater_than", "greater_than_equal"):
        return _("This number is too small.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    return err.get("msg", "")


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    """Input that does not fit the schema: 400 like every other invalid input (the services'
    `Invalid`), so that a client has one status to handle, not 400 and 422."""
    fields = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields[".".join(loc) or "request"] = _field_message(err)
    body = {"code": "invalid", "message": _("The request is not valid."), "fields": fields}
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    body = {
        "code": "unauthenticated",
        "message": _("Log in or send a valid API token."),
        "fields": {},
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    body = {"code": "error", "message": str(exc), "fields": {}}
    return api.create_response(request, body, status=exc.status_code)


def _answer_as(ours: type[DomainError]):
    def handler(request, exc):
        return domain_error(request, ours())

    return handler


# Django's own exceptions (a file gone from storage raises Http404; a body too large is
# "suspicious") answer as ours do; Django itself would have made them 404, 403 and 400 pages.
api.add_exception_handler(Http404, _answer_as(NotFound))
api.add_exception_handler(PermissionDenied, _answer_as(Forbidden))
api.add_exception_handler(BadRequest, _answer_as(Invalid))
api.add_exception_handler(SuspiciousOperation, _answer_as(Invalid))


def _server_error_body() -> dict:
    return {
        "code": "server_error",
        "message": _("Something went wrong on our side. Please try again later."),
        "fields": {},
    }


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    """Anything else is our fault: logged with its traceback, answered in JSON (not Django's
    HTML page) without internals. ninja's own handler re-raised it to Django."""
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return api.create_response(request, _server_error_body(), status=500)


api.add_router("", "dealroom.workspaces.api.router")
api.add_router("", "dealroom.activity.api.router")
api.add_router("", "dealroom.customers.api.router")
api.add_router("", "dealroom.pipeline.api.router")
api.add_router("", "dealroom.rooms.api.router")


# -- errors raised outside the API's operations (no such path under /api/, a failure in the
# middleware): Django's error views, answered in the API's shape under /api/.


def _api_or_page(status: int, error: type[DomainError] | None, page):
    def handler(request, exception=None):
        if not request.path.startswith("/api/"):
            return page(request, exception) if exception is not None else page(request)
        body = error().as_dict() if error is not None else _server_error_body()
        return JsonResponse(body, status=status)

    return handler


not_found_view = _api_or_page(404, NotFound, defaults.page_not_found)
permission_denied_view = _api_or_page(403, Forbidden, defaults.permission_denied)
bad_request_view = _api_or_page(400, Invalid, defaults.bad_request)
server_error_view = _api_or_page(500, None, defaults.server_error)
