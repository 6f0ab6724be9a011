from .errors import DomainError


def add_domain_errors(form, error: DomainError) -> None:
    """Show a service's field errors on the form that collected the input. "Not found" and
    "not allowed" are not input problems: they propagate to the error page (403/404)."""
    if error.status in (403, 404):
        raise error
    placed = False
    for field, message in error.fields.items():
        if field in form.fields and message:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def flash_domain_error(request, error: DomainError) -> None:
    """For one-button actions: an input problem becomes a message on the next page;
    "not found" and "not allowed" propagate to the error page."""
    from django.contrib import messages

    if error.status in (403, 404):
        raise error
    messages.error(request, error.full_message())
