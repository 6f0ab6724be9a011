"""Turn submitted values (from forms or the API) into what a record stores, or say exactly
which field is wrong and why. Used by the services only."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from dealroom.core.actors import Actor

from .fields import Field


def text(value, field: Field, max_length: int = 200) -> str:
    value = "" if value is None else str(value).strip()
    if len(value) > max_length:
        raise ValueError(_("At most %(n)d characters.") % {"n": max_length})
    if field.required and not value:
        raise ValueError(_("This field is required."))
    return value


def as_list(value) -> list[str]:
    """Lists come as lists (API) or as text separated by commas or new lines (forms)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("\n", ",").split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def phone(value: str, region: str) -> str:
    raw = str(value).strip()
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(_("“%(value)s” is not a valid phone number.") % {"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones(value, region: str) -> list[str]:
    out: list[str] = []
    for item in as_list(value):
        number = phone(item, region)
        if number not in out:
            out.append(number)
    return out


def email(value: str) -> str:
    value = str(value or "").strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(
            _("“%(value)s” is not a valid e-mail address.") % {"value": value}
        ) from None
    return value


def emails(value) -> list[str]:
    out: list[str] = []
    for item in as_list(value):
        address = email(item)
        if address not in out:
            out.append(address)
    return out


def url(value) -> str:
    value = str(value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator()(value)
    except ValidationError:
        raise ValueError(_("Enter a valid web address.")) from None
    return value


def choice(value, field: Field) -> str:
    value = "" if value is None else str(value)
    if not value:
        if field.required:
            raise ValueError(_("This field is required."))
        return ""
    if value not in dict(field.choices):
        raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": value})
    return value


def number(value, field: Field) -> int | float | None:
    """Numbers are JSON numbers so the database can filter and sort them; money is rounded
    to cents (exact enough in a double up to 10^13)."""
    if value in (None, ""):
        if field.required:
            raise ValueError(_("This field is required."))
        return None
    try:
        parsed = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not parsed.is_finite():
        raise ValueError(_("Enter a number."))
    if abs(parsed) >= Decimal(10) ** 13:
        raise ValueError(_("This number is too large."))
    if field.kind == "money":
        parsed = parsed.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)


def date(value, field: Field) -> str | None:
    if value in (None, ""):
        if field.required:
            raise ValueError(_("This field is required."))
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


def percent(value, field: Field) -> int | None:
    """A whole percentage, 0 to 100."""
    if value in (None, ""):
        if field.required:
            raise ValueError(_("This field is required."))
        return None
    try:
        parsed = int(str(value).strip().removesuffix("%"))
    except ValueError:
        raise ValueError(_("Enter a whole number from 0 to 100.")) from None
    if not 0 <= parsed <= 100:
        raise ValueError(_("Enter a whole number from 0 to 100."))
    return parsed


def multi_choice(value, field: Field) -> list[str]:
    values = as_list(value)
    allowed = dict(field.choices)
    for v in values:
        if v not in allowed:
            raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": v})
    if field.required and not values:
        raise ValueError(_("This field is required."))
    return values


def member(value, field: Field, actor: Actor) -> int | None:
    from dealroom.workspaces.models import Membership

    if value in (None, ""):
        if field.required:
            raise ValueError(_("This field is required."))
        return None
    try:
        member_id = int(value)
    except (TypeError, ValueError):
        raise ValueError(_("Choose a member of this workspace.")) from None
    if not Membership.objects.filter(
        pk=member_id, workspace_id=actor.workspace_id, is_active=True
    ).exists():
        raise ValueError(_("Choose a member of this workspace."))
    return member_id


def custom_value(value, field: Field, actor: Actor):
    kind = field.kind
    if kind == "text":
        return text(value, field, max_length=500)
    if kind in ("number", "money"):
        return number(value, field)
    if kind == "date":
        return date(value, field)
    if kind == "choice":
        return choice(value, field)
    if kind == "multi_choice":
        return multi_choice(value, field)
    if kind == "user":
        return member(value, field, actor)
    raise ValueError(kind)
