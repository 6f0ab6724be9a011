from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx asks for a fragment. Restoring history (the back button after a pushed URL,
    when htmx has no copy of the page) also says HX-Request, but wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def fragment_view(page_url: Callable[..., str]):
    """For a view that only ever answers htmx with a piece of a page: opened directly (a new
    tab, a copied link) it sends the browser to that page instead, `page_url(request, *args,
    **kwargs)`. The answer varies with HX-Request, so no cache shows the fragment alone."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_htmx(request):
                return redirect(page_url(request, *args, **kwargs))
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ["HX-Request"])
            return response

        return wrapper

    return decorate


def with_query(url: str, **params: str) -> str:
    params = {k: v for k, v in params.items() if v}
    return f"{url}?{urlencode(params)}" if params else url
