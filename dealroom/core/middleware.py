from django.shortcuts import render
from django.utils.cache import patch_cache_control

from .errors import DomainError


class DomainErrorMiddleware:
    """Maps a DomainError raised by a view to a page (or an htmx fragment) with its status.

    Sync only, on purpose: it keeps the whole middleware chain sync, so a request goes to a
    thread once and runs every layer there. With every layer able to run async, Django's own
    middleware sent each process_request and process_response to a thread and back: a room
    comment POST took 41 ms instead of 26-34 at 10 posts/s (benchmarks/fanout.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return None  # the API maps its own errors (config/api.py)
        template = "core/_error.html" if request.headers.get("HX-Request") else "core/error.html"
        return render(request, template, {"error": exception}, status=exception.status)


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
