"""The one NinjaAPI. Auth turns a request into a user (bearer token or session); each
endpoint turns the user plus the workspace in its path into an actor. Domain errors and
validation errors become JSON {code, message, fields}."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from dealroom.core.errors import DomainError
from dealroom.workspaces.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
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


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    fields = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields[".".join(loc) or "request"] = err.get("msg", "")
    body = {"code": "invalid", "message": _("The request is not valid."), "fields": fields}
    return api.create_response(request, body, status=422)


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


api.add_router("", "dealroom.workspaces.api.router")
api.add_router("", "dealroom.activity.api.router")
api.add_router("", "dealroom.customers.api.router")
api.add_router("", "dealroom.pipeline.api.router")
api.add_router("", "dealroom.rooms.api.router")
