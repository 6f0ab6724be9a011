from .errors import DomainError


def add_domain_errors(form, error: DomainError) -> None:
    """Show a service's field errors on the form that collected the input. "Not found" and
    "not allowed" are not input problems: they propagate to the error page (403/404)."""
    if error.status in (403, 404):
        raise error
    placed = False
    elsewhere = []
    for field, message in error.fields.items():
        if field in form.fields and message:
            form.add_error(field, message)
            placed = True
        elif message:
            elsewhere.append(message)
    if not placed:
        form.add_error(None, error.full_message())
        return
    # Problems with no input on this form (the record's status, say) are said above it.
    for message in dict.fromkeys(elsewhere):
        form.add_error(None, message)


def flash_domain_error(request, error: DomainError) -> None:
    """For one-button actions: an input problem becomes a message on the next page;
    "not found" and "not allowed" propagate to the error page."""
    from django.contrib import messages

    if error.status in (403, 404):
        raise error
    messages.error(request, error.full_message())
