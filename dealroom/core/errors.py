"""Domain errors carry their HTTP status; core.middleware (pages, htmx) and config.api (API)
are the only places that turn them into responses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = _("The request is not valid.")

    def __init__(self, message=None, *, fields: dict[str, str] | None = None, **details):
        """`details` are facts a client acts on (the fields a stage gate misses, the stage a
        deal is in now); they go out as JSON beside the message."""
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        problems = set(self.fields.values()) - {""}
        if message is None and len(problems) == 1:
            # A page may have no input for that field: the one problem is the message, not
            # "The request is not valid.", or the reason never reaches the person.
            message = problems.pop()
        self.message = message or self.default_message
        self.details = details
        super().__init__(str(self.message))

    def full_message(self) -> str:
        """The message followed by the field problems, for places with no form to show them
        on (a button's flash message)."""
        extra = [m for m in dict.fromkeys(self.fields.values()) if m and m != str(self.message)]
        return " ".join([str(self.message), *extra])

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message), "fields": self.fields}
        if self.details:
            body["details"] = self.details
        return body


class Invalid(DomainError):
    status = 400
    code = "invalid"


class NotFound(DomainError):
    """Used for both "does not exist" and "not yours": the two must look identical."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("Someone else changed this in the meantime.")


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_message = _("Too many attempts. Please wait a few minutes and try again.")


def from_form(form) -> Invalid:
    """Turn a bound, invalid Django form into an Invalid error naming each field."""
    fields = {}
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        fields[name] = f"{label}: {text}" if label else text
    return Invalid(_("Please correct the highlighted fields."), fields=fields)
