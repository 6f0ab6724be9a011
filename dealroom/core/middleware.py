import copy
import json

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from .bounds import nul_field
from .errors import DomainError, Invalid

NUL_MESSAGE = _("This text holds a character that cannot be stored (NUL).")


def _json_nul_field(request) -> str | None:
    if request.content_type != "application/json" or not request.body:
        return None
    try:
        return nul_field(json.loads(request.body))
    except ValueError:
        return None  # not JSON: the API answers that itself


class DomainErrorMiddleware:
    """Maps a DomainError raised by a view to a page (or an htmx fragment) with its status.

    Sync only, on purpose: it keeps the whole middleware chain sync, so a request goes to a
    thread once and runs every layer there. With every layer able to run async, Django's own
    middleware sent each process_request and process_response to a thread and back: a room
    comment POST took 41 ms instead of 26-34 at 10 posts/s (benchmarks/fanout.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Text the database cannot hold (a NUL character) is refused before any view reads it.
        field = nul_field(request.GET) or nul_field(request.POST) or _json_nul_field(request)
        if field is not None:
            error = Invalid(fields={field: str(NUL_MESSAGE)})
            if request.path.startswith("/api/"):
                return JsonResponse(error.as_dict(), status=error.status)
            return self.process_exception(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return None  # the API maps its own errors (config/api.py)
        template = "core/_error.html" if request.headers.get("HX-Request") else "core/error.html"
        return render(request, template, {"error": _said_once(exception)}, status=exception.status)


def _said_once(error: DomainError) -> DomainError:
    """The page lists the field problems below the message: one that is the message already
    is not listed again."""
    shown = copy.copy(error)
    shown.fields = {k: m for k, m in error.fields.items() if m != str(error.message)}
    return shown


class NoStoreMiddleware:
    """API answers and downloads (exports, files) carry records people may see today and not
    tomorrow, read with their session or token: no browser, proxy or shared computer's cache
    keeps a copy (`Cache-Control: no-store`). Pages keep Django's own headers. Sync only, as
    above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        download = response.get("Content-Disposition", "").startswith("attachment")
        if download or request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True)
        return response
